// A running job's progress (templates/platform/_job_progress.html), kept current by
// asking its JSON every two seconds until it has finished. A file, not an inline
// script: the Content-Security-Policy runs scripts from this server's files only.
(() => {
  const POLL_MS = 2000;

  function show(section, job) {
    const field = (name) => section.querySelector(`[data-job-field="${name}"]`);
    field("status_label").textContent = job.status_label;
    field("counts").textContent = job.total ? `${job.done} / ${job.total}` : "";
    if (job.percent !== null) {
      field("percent").value = job.percent;
    }
    field("message").textContent = job.message;
    field("error").textContent = job.error;
    field("error").hidden = !job.error;
    section.dataset.jobStatus = job.status;
  }

  function poll(section) {
    fetch(section.dataset.jobPoll, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then((response) => (response.ok ? response.json() : Promise.reject(response)))
      .then((job) => {
        show(section, job);
        if (!job.finished) {
          setTimeout(() => poll(section), POLL_MS);
        }
      })
      .catch(() => setTimeout(() => poll(section), POLL_MS * 5));
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (!window.fetch) {
      return;
    }
    document.querySelectorAll("section.job-progress[data-job-poll]").forEach((section) => {
      setTimeout(() => poll(section), POLL_MS);
    });
  });
})();
