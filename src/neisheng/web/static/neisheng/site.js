// The pages' only behaviour. It lives here, not in onchange="" attributes or inline
// <script>, because the Content-Security-Policy runs scripts from this server's static
// files only.
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-submit-on-change]");
  if (select && select.form) {
    select.form.submit();
  }
});

// A "显示" (show) button next to a masked number: the same POST its form makes, with the
// header X-Neisheng-Reveal so the answer is the bare number, put in place of the masked
// one without reloading. If fetch fails the form is submitted the ordinary way.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!window.fetch || !window.FormData || !form.classList || !form.classList.contains("reveal")) {
    return;
  }
  event.preventDefault();
  fetch(form.action, {
    method: "POST", body: new FormData(form), credentials: "same-origin",
    headers: {"X-Neisheng-Reveal": "1"},
  })
    .then((response) => {
      if (!response.ok) {
        throw response;
      }
      return response.text();
    })
    .then((text) => {
      const holder = form.parentNode.querySelector(".masked-value");
      holder.textContent = text;
      holder.classList.add("unmasked");
      form.parentNode.removeChild(form);
    })
    .catch(() => form.submit());
});
