// The pages' only behaviour. It lives here, not in onchange="" attributes or inline
// <script>, because the Content-Security-Policy runs scripts from this server's static
// files only.
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-submit-on-change]");
  if (select && select.form) {
    select.form.submit();
  }
});

// The phone's navigation drawer (base.html). The menu button is a link to #nav, so
// without this script the drawer still opens as the :target; with it, the button
// toggles the drawer in place, says so in aria-expanded, and Escape or a tap outside
// closes it and gives the focus back to the button.
(() => {
  const toggle = () => document.getElementById("menu-toggle");
  const drawer = () => document.getElementById("nav");
  const setOpen = (open, focusBack) => {
    const button = toggle();
    const panel = drawer();
    if (!button || !panel) {
      return;
    }
    panel.classList.toggle("open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      const first = panel.querySelector("a, button");
      if (first) {
        first.focus();
      }
    } else if (focusBack) {
      button.focus();
    }
  };
  const isOpen = () => drawer() && drawer().classList.contains("open");
  document.addEventListener("click", (event) => {
    if (event.target.closest("#menu-toggle")) {
      event.preventDefault();
      setOpen(!isOpen(), false);
    } else if (event.target.closest(".menu-close")) {
      event.preventDefault();
      setOpen(false, true);
    } else if (isOpen() && !event.target.closest("#nav")) {
      setOpen(false, false);
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && isOpen()) {
      setOpen(false, true);
    } else if (event.key === " " && event.target.closest && event.target.closest("#menu-toggle")) {
      // A link acting as a button opens with the space bar too.
      event.preventDefault();
      setOpen(!isOpen(), false);
    }
  });
})();

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

// ---- form pattern (helper D; platform/widgets.py ParentChildSelect) ----
// A town → village picker: the town select (hidden until this runs) narrows the village
// select to that town's villages. The village select keeps a copy of all its options
// (grouped by town) and is refilled on each change, because hiding <option>s is not
// honoured by every phone browser. Without script the village select lists every
// village in <optgroup>s by town.
(() => {
  const pickers = document.querySelectorAll("select[data-picker-parent]");
  pickers.forEach((parent) => {
    const child = document.getElementById(parent.getAttribute("data-picker-parent"));
    if (!child) {
      return;
    }
    const all = Array.from(child.children).map((node) => node.cloneNode(true));
    const fill = () => {
      const town = parent.value;
      const chosen = child.value;
      child.textContent = "";
      all.forEach((node) => {
        if (node.tagName === "OPTGROUP") {
          const options = Array.from(node.children).filter((o) => !town || o.getAttribute("data-parent") === town);
          if (options.length) {
            const group = node.cloneNode(false);
            options.forEach((o) => group.appendChild(o.cloneNode(true)));
            child.appendChild(group);
          }
        } else if (!town || !node.value || node.getAttribute("data-parent") === town) {
          child.appendChild(node.cloneNode(true));
        }
      });
      const kept = Array.from(child.options).some((o) => o.value === chosen);
      child.value = kept ? chosen : "";
    };
    parent.closest(".picker-parent").hidden = false;
    if (child.value) {
      const selected = child.options[child.selectedIndex];
      if (selected && selected.getAttribute("data-parent")) {
        parent.value = selected.getAttribute("data-parent");
      }
    }
    fill();
    parent.addEventListener("change", fill);
  });
})();
// ---- end of form pattern ----

// ---- run progress (helper C, monitoring/_run_progress.html) -------------------------
// A monitoring run's page polls its job through job-progress.js; once the job has ended
// (data-job-status becomes done or failed) the page reloads to show the run's result.
(() => {
  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("section.job-progress[data-reload-when-finished]").forEach((section) => {
      new MutationObserver(() => {
        if (section.dataset.jobStatus === "done" || section.dataset.jobStatus === "failed") {
          window.location.reload();
        }
      }).observe(section, {attributes: true, attributeFilter: ["data-job-status"]});
    });
  });
})();
