/* Neisheng visits offline (issue 11, "it works offline"): a visit is kept on the phone
   first and sent when it can be.

   - Registers the service worker (/visits/sw.js, scope /visits/) that keeps the pages.
   - On the visit form (#visit-form) a submit is kept in IndexedDB (fields, idempotency
     key, photos resized here to at most 1600 px JPEG, the position when asked), then
     sent to the visits API. Sent (201, or 200: the server had it already) → it leaves the
     queue; no network → it waits; refused (400) → it stays, with the server's reasons.
     Nothing is ever dropped without the user asking.
   - The queue is sent on `online`, on every page load, from "send now" and every two
     minutes while something waits (after a server error: again within 3, 10 and 30 s); one send at a time (a lock shared by the tabs), and
     the idempotency key makes a retried send harmless on the server.
   - The week page asks the worker to keep each household's form (a.week-household).
   Every word shown comes from the include's data-t-* attributes (translated by the
   template): the page stays in one language. Data goes through textContent only. */
(function () {
  "use strict";

  const bar = document.getElementById("visits-offline");
  if (!bar) return;

  const DB_NAME = "neisheng-visits";
  const STORE = "visits";
  const LOCK = "neisheng-visits-send";
  const MAX_SIDE = 1600;
  const JPEG_QUALITY = 0.85;
  const RETRY_MS = 2 * 60 * 1000;
  // After a server error (a restart, a busy database) the queue is tried again soon,
  // then less and less often, up to the two-minute cadence: the cadre standing at the
  // door sees the visit arrive instead of waiting two minutes for a passing hiccup.
  const SOON_MS = [3000, 10000, 30000];
  let serverErrorsInARow = 0;
  let soonTimer = null;
  const SENT_KEPT_MS = 7 * 24 * 3600 * 1000;
  const USER = bar.dataset.user || "";
  const USERNAME = bar.dataset.username || "";
  const form = document.getElementById("visit-form");
  const API = (form && form.dataset.api) || bar.dataset.api;

  const el = (id) => document.getElementById(id);
  const network = el("offline-network");
  const count = el("offline-count");
  const kept = el("offline-kept");
  const sendNow = el("offline-send-now");
  const result = el("offline-result");
  const waitingList = el("offline-waiting-list");
  const sentList = el("offline-sent-list");
  const rowTemplate = el("offline-row");

  const t = (name) => bar.getAttribute("data-t-" + name) || "";
  const lang = document.documentElement.lang || undefined;
  const number = (n) => {
    try { return n.toLocaleString(lang); } catch (error) { return String(n); }
  };
  const withCount = (name, n) => t(name).replace("{n}", number(n));

  /* ---------- IndexedDB: the phone's queue ---------- */

  let opened = null;
  function db() {
    if (!opened) {
      opened = new Promise((resolve, reject) => {
        if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
        const request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = () => {
          if (!request.result.objectStoreNames.contains(STORE)) {
            request.result.createObjectStore(STORE, {keyPath: "idempotency_key"});
          }
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    }
    return opened;
  }
  function finished(transaction) {
    return new Promise((resolve, reject) => {
      transaction.oncomplete = () => resolve();
      transaction.onerror = transaction.onabort = () => reject(transaction.error);
    });
  }
  async function records() {
    const store = (await db()).transaction(STORE).objectStore(STORE);
    return new Promise((resolve, reject) => {
      const request = store.getAll();
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  async function recordGet(key) {
    const store = (await db()).transaction(STORE).objectStore(STORE);
    return new Promise((resolve, reject) => {
      const request = store.get(key);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  async function recordPut(record) {
    const transaction = (await db()).transaction(STORE, "readwrite");
    transaction.objectStore(STORE).put(record);
    return finished(transaction);
  }
  async function recordDelete(key) {
    const transaction = (await db()).transaction(STORE, "readwrite");
    transaction.objectStore(STORE).delete(key);
    return finished(transaction);
  }

  /* ---------- building a visit on the phone ---------- */

  function freshKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function today() {
    const now = new Date();
    const pad = (n) => String(n).padStart(2, "0");
    return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  }

  // A photo from a phone's camera is 3–12 MB: drawn again at most 1600 px on its long
  // side as JPEG, it is a few hundred kB to keep and to send over a weak network, and the
  // camera's metadata (its own GPS among it) stays on the phone.
  async function resized(file) {
    if (!file.type.startsWith("image/") || !window.createImageBitmap) return {blob: file, name: file.name};
    let bitmap;
    try {
      bitmap = await createImageBitmap(file, {imageOrientation: "from-image"});
    } catch (error) {
      return {blob: file, name: file.name};  // a format the phone cannot draw: the server decides
    }
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    if (bitmap.close) bitmap.close();
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", JPEG_QUALITY));
    if (!blob) return {blob: file, name: file.name};
    const base = (file.name || "photo").replace(/\.[^.]*$/, "");
    return {blob, name: `${base}.jpg`};
  }

  let position = null;
  function locate() {
    position = new Promise((resolve) => {
      if (!navigator.geolocation) { resolve(null); return; }
      navigator.geolocation.getCurrentPosition((p) => resolve(p.coords), () => resolve(null),
        {enableHighAccuracy: true, timeout: 20000, maximumAge: 60000});
    });
    return position;
  }

  async function recordFrom(formElement) {
    const data = new FormData(formElement);
    const fields = [];
    const files = [];
    for (const [name, value] of data.entries()) {
      if (name === "csrfmiddlewaretoken") continue;
      if (typeof value === "string") fields.push([name, value]);
      else if (value.size) files.push([name, value]);
    }
    const set = (name, value) => {
      const at = fields.findIndex(([field]) => field === name);
      if (at >= 0) fields[at] = [name, value]; else fields.push([name, value]);
    };
    const value = (name) => (fields.find(([field]) => field === name) || [null, ""])[1];
    const wantsLocation = formElement.querySelector("#visit-record-location");
    let located = true;
    if (wantsLocation && wantsLocation.checked) {
      const coords = await (position || locate());
      if (coords) {
        set("latitude", coords.latitude.toFixed(6));
        set("longitude", coords.longitude.toFixed(6));
        set("gps_accuracy_m", String(Math.round(coords.accuracy)));
      } else {
        located = false;
      }
    }
    const key = value("idempotency_key") || freshKey();
    set("idempotency_key", key);
    const photos = [];
    for (const [field, file] of files) photos.push({field, ...(await resized(file))});
    const householdSelect = formElement.querySelector("select[name=household]");
    const householdLabel = formElement.dataset.householdLabel
      || (householdSelect && householdSelect.selectedOptions[0] ? householdSelect.selectedOptions[0].text : "")
      || value("household");
    return {
      record: {
        idempotency_key: key, user: USER, username: USERNAME,
        household: value("household"), household_label: householdLabel, visited_on: value("visited_on"),
        kind: value("kind"), findings: value("findings"), fields, photos,
        recorded_offline: !navigator.onLine, state: "waiting", errors: null, note: null, result: null,
        saved_at: Date.now(), sent_at: null, attempts: 0,
      },
      located,
    };
  }

  /* ---------- sending ---------- */

  function csrfToken() {
    // The cookie first: a page kept for days may hold the token of an earlier sign-in.
    const cookie = document.cookie.split(";").map((part) => part.trim())
      .find((part) => part.startsWith("csrftoken="));
    if (cookie) return decodeURIComponent(cookie.slice("csrftoken=".length));
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // What became of one send: "sent", "refused" (kept with reasons), or why it waits.
  async function sendOne(record) {
    const body = new FormData();
    for (const [name, value] of record.fields) {
      if (name !== "recorded_offline") body.append(name, value);
    }
    body.append("recorded_offline", record.recorded_offline ? "true" : "false");
    for (const photo of record.photos) body.append(photo.field, photo.blob, photo.name);
    record.attempts += 1;
    let response;
    try {
      response = await fetch(API, {
        method: "POST", body, credentials: "same-origin", cache: "no-store",
        headers: {"X-CSRFToken": csrfToken(), "Accept": "application/json"},
      });
    } catch (error) {
      record.recorded_offline = true;
      record.note = "network";
      await recordPut(record);
      return "network";
    }
    let answer = null;
    try { answer = await response.json(); } catch (error) { answer = null; }
    if ((response.status === 200 || response.status === 201) && answer) {
      record.state = "sent";
      record.result = answer;
      record.note = null;
      record.errors = null;
      record.sent_at = Date.now();
      record.photos = [];  // on the server now; the phone's space is small
      await recordPut(record);
      return "sent";
    }
    if (response.status === 401 || response.status === 403) {
      record.note = "auth";
      await recordPut(record);
      return "auth";
    }
    if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
      record.state = "refused";
      record.note = null;
      record.errors = reasons(answer);
      await recordPut(record);
      return "refused";
    }
    record.note = "server";
    await recordPut(record);
    return "server";
  }

  function reasons(answer) {
    if (!answer || typeof answer !== "object") return [t("refused")];
    const out = [];
    const walk = (value) => {
      if (typeof value === "string") out.push(value);
      else if (Array.isArray(value)) value.forEach(walk);
      else if (value && typeof value === "object") Object.values(value).forEach(walk);
    };
    walk(answer);
    return out.length ? out : [t("refused")];
  }

  let chain = Promise.resolve();
  function exclusive(task) {
    if (navigator.locks && navigator.locks.request) return navigator.locks.request(LOCK, task);
    chain = chain.then(task, task);
    return chain;
  }

  // Sends this user's waiting visits one after another, in the order they were saved;
  // with `retryRefused` (the "send now" button) the refused ones are tried again too.
  function sendQueue({retryRefused = false} = {}) {
    return exclusive(async () => {
      let all;
      try { all = await records(); } catch (error) { return; }
      const due = all.filter((r) => r.user === USER && (r.state === "waiting" || (retryRefused && r.state === "refused")))
        .sort((a, b) => a.saved_at - b.saved_at);
      for (const queued of due) {
        // Read again inside the lock: another tab may have sent it meanwhile.
        const record = await recordGet(queued.idempotency_key);
        if (!record || record.state === "sent") continue;
        const outcome = await sendOne(record);
        if (record.idempotency_key === shownKey) showResult(record);
        if (outcome === "server") {
          retrySoon();
          break;
        }
        serverErrorsInARow = 0;
        if (outcome === "network" || outcome === "auth") break;
      }
    }).then(render, render);
  }

  function retrySoon() {
    if (soonTimer !== null || serverErrorsInARow >= SOON_MS.length) return;
    const wait = SOON_MS[serverErrorsInARow];
    serverErrorsInARow += 1;
    soonTimer = setTimeout(() => {
      soonTimer = null;
      if (navigator.onLine) sendQueue();
    }, wait);
  }

  /* ---------- what the user sees ---------- */

  // The include gives the address of visit 0; the visit's own id takes its place.
  function visitUrl(id) {
    return (bar.dataset.visitUrl || "").replace(/\/0\/$/, `/${encodeURIComponent(id)}/`);
  }

  function stateText(record) {
    if (record.state === "sent") return t("sent");
    if (record.state === "refused") return t("refused");
    if (record.user !== USER) return t("other-user");
    if (record.note === "auth") return t("sign-in");
    if (record.note === "server") return t("server-busy");
    return t("saved");
  }

  function conflicted(record) {
    return record.state === "sent" && record.result && record.result.update_status === "conflict";
  }

  // Fills a block (the form page's result, or a row of the queue) from a record.
  function describe(node, record) {
    const find = (selector) => node.querySelector(selector);
    const state = find(".offline-state");
    state.textContent = stateText(record);
    node.classList.toggle("is-sent", record.state === "sent");
    node.classList.toggle("is-refused", record.state === "refused");
    node.classList.toggle("is-conflict", conflicted(record));
    const conflict = find(".offline-conflict");
    if (conflict) conflict.hidden = !conflicted(record);
    // What the server did with it, in the page's words: the server's own sentences are
    // kept for the visit's page, which shows them in the reader's language.
    const outcome = find(".offline-outcome");
    if (outcome) {
      const answer = (record.state === "sent" && record.result) || {};
      const parts = [];
      if (answer.created === false) parts.push(t("already-there"));
      const update = {applied: "update-applied", refused: "update-refused", proposed: "update-proposed"};
      if (update[answer.update_status]) parts.push(t(update[answer.update_status]));
      if (answer.case) parts.push(t("case-opened"));
      else if (answer.risk_message) parts.push(t("case-refused"));
      if (answer.problems && answer.problems.length) parts.push(withCount("problems", answer.problems.length));
      outcome.textContent = parts.join(" ");
      outcome.hidden = !parts.length;
    }
    const errors = find(".offline-errors");
    if (errors) {
      errors.replaceChildren(...(record.errors || []).map((sentence) => {
        const item = document.createElement("li");
        item.textContent = sentence;
        return item;
      }));
      errors.hidden = !(record.errors && record.errors.length);
    }
    const link = find(".offline-visit-link");
    if (link) {
      const answer = record.result || {};
      const href = answer.url || (answer.id && bar.dataset.visitUrl ? visitUrl(answer.id) : "");
      link.hidden = !href;
      if (href) link.href = href;
    }
  }

  let shownKey = null;
  function showResult(record) {
    if (!result) return;
    shownKey = record.idempotency_key;
    const block = rowTemplate ? rowTemplate.content.firstElementChild.cloneNode(true) : null;
    if (block) {
      fillRow(block, record);
      result.replaceChildren(block);
    } else {
      result.textContent = stateText(record);
    }
    result.hidden = false;
  }

  function fillRow(row, record) {
    row.dataset.key = record.idempotency_key;
    const put = (selector, value) => {
      const node = row.querySelector(selector);
      if (node) node.textContent = value || "";
    };
    put(".offline-household", record.household_label || record.household);
    put(".offline-date", record.visited_on);
    const kind = document.querySelector(`#offline-kinds [data-kind="${CSS.escape(record.kind || "")}"]`);
    put(".offline-kind", kind ? kind.textContent : "");
    put(".offline-findings", record.findings);
    const photos = row.querySelector(".offline-photos");
    if (photos) {
      photos.textContent = record.photos.length ? withCount("photos", record.photos.length) : "";
      photos.hidden = !record.photos.length;
    }
    const who = row.querySelector(".offline-user");
    if (who) { who.textContent = record.user === USER ? "" : record.username; who.hidden = record.user === USER; }
    describe(row, record);
    const remove = row.querySelector(".offline-remove");
    if (remove) remove.hidden = record.state === "sent";
    const dismiss = row.querySelector(".offline-dismiss");
    if (dismiss) dismiss.hidden = record.state !== "sent";
  }

  function listInto(list, items) {
    if (!list) return;
    list.replaceChildren(...items.map((record) => {
      const row = rowTemplate.content.firstElementChild.cloneNode(true);
      fillRow(row, record);
      return row;
    }));
    const empty = document.querySelector(`[data-empty-for="${list.id}"]`);
    if (empty) empty.hidden = items.length > 0;
  }

  async function prune(all) {
    const now = Date.now();
    const old = all.filter((r) => r.state === "sent" && !conflicted(r) && now - r.sent_at > SENT_KEPT_MS);
    for (const record of old) await recordDelete(record.idempotency_key);
    return all.filter((r) => !old.includes(r));
  }

  async function render() {
    const online = navigator.onLine;
    bar.classList.toggle("is-offline", !online);
    if (network) network.textContent = online ? t("online") : t("offline");
    let all = [];
    try { all = await prune(await records()); } catch (error) { all = []; }
    const waiting = all.filter((r) => r.state !== "sent");
    const mine = waiting.filter((r) => r.user === USER);
    if (count) {
      count.textContent = mine.length ? withCount("waiting", mine.length) : t("none-waiting");
      count.dataset.count = String(mine.length);
    }
    if (sendNow) sendNow.hidden = mine.length === 0;
    const bySaved = (a, b) => a.saved_at - b.saved_at;
    listInto(waitingList, waiting.sort(bySaved));
    const sent = all.filter((r) => r.state === "sent")
      .sort((a, b) => (conflicted(b) - conflicted(a)) || (b.sent_at - a.sent_at));
    listInto(sentList, sent);
  }

  /* ---------- the visit form ---------- */

  function prepareForm(formElement) {
    const keyInput = formElement.querySelector("input[name=idempotency_key]");
    // A form kept by the worker is opened again and again: each opening is a new visit.
    if (keyInput) keyInput.value = freshKey();
    const date = formElement.querySelector("input[name=visited_on]");
    if (date && !formElement.querySelector(".errorlist")) {
      // A form kept since an earlier day still proposes that day.
      if (date.max && date.max < today()) date.max = today();
      if (date.value && date.value < today() && date.value === date.defaultValue) date.value = today();
    }
  }

  function watchLocation(formElement) {
    const box = formElement.querySelector("#visit-record-location");
    if (!box) return;
    // Asked when ticked, so the position is usually there by the time the visit is saved.
    box.addEventListener("change", () => { position = box.checked ? locate() : null; });
  }

  function interceptSubmit(formElement) {
    formElement.addEventListener("submit", async (event) => {
      event.preventDefault();
      const buttons = formElement.querySelectorAll("button[type=submit], input[type=submit]");
      buttons.forEach((b) => { b.disabled = true; });
      if (result) { result.textContent = t("saving"); result.hidden = false; }
      let built;
      try {
        built = await recordFrom(formElement);
        await recordPut(built.record);
        // Visits waiting on the phone must survive the browser's clean-ups of full storage.
        if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => false);
      } catch (error) {
        // No IndexedDB (a private window, a full phone): the form posts as without script.
        buttons.forEach((b) => { b.disabled = false; });
        HTMLFormElement.prototype.submit.call(formElement);
        return;
      }
      formElement.reset();
      position = null;
      prepareForm(formElement);
      buttons.forEach((b) => { b.disabled = false; });
      showResult(built.record);
      if (!built.located) {
        const note = document.createElement("p");
        note.textContent = t("no-location");
        result.appendChild(note);
      }
      if (result && result.scrollIntoView) result.scrollIntoView({block: "nearest"});
      await render();
      sendQueue();
    });
  }

  /* ---------- the worker ---------- */

  function ask(worker, message, ms) {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      const timer = setTimeout(() => resolve(null), ms);
      channel.port1.onmessage = (event) => { clearTimeout(timer); resolve(event.data); };
      worker.postMessage(message, [channel.port2]);
    });
  }

  const LAST_USER = "neisheng-visits-user";

  // The pages kept hold households' names: another person signing in on this phone must
  // not find the previous one's. (The queue stays: its visits are sent when their
  // recorder signs in again.)
  async function forgetAnotherUsersPages(worker) {
    let previous = null;
    try { previous = localStorage.getItem(LAST_USER); localStorage.setItem(LAST_USER, USER); } catch (error) {
      return;
    }
    if (previous && previous !== USER) await ask(worker, {type: "forget"}, 5000);
  }

  async function keepTheWeek() {
    if (!("serviceWorker" in navigator)) return;
    const registration = await navigator.serviceWorker.ready;
    if (!registration.active) return;
    await forgetAnotherUsersPages(registration.active);
    const links = Array.from(document.querySelectorAll("a.week-household[href]"), (a) => a.href);
    if (!links.length) return;
    const answer = await ask(registration.active, {type: "precache", urls: [location.href, ...links]}, 120000);
    if (answer && kept) {
      const keptUrls = new Set(answer.kept || []);
      const forms = links.filter((href) => keptUrls.has(new URL(href, location.href).href)).length;
      kept.textContent = withCount("kept", forms);
      kept.dataset.kept = String(forms);
      kept.hidden = false;
    }
  }

  function forgetOnSignOut() {
    const logout = bar.dataset.logout;
    if (!logout) return;
    document.addEventListener("submit", async (event) => {
      const target = event.target;
      if (!(target instanceof HTMLFormElement) || new URL(target.action, location.href).pathname !== logout) return;
      if (!navigator.serviceWorker || !navigator.serviceWorker.controller) return;
      event.preventDefault();
      await ask(navigator.serviceWorker.controller, {type: "forget"}, 2000);
      HTMLFormElement.prototype.submit.call(target);
    });
  }

  /* ---------- start ---------- */

  const head = document.head;
  const manifest = document.querySelector("link[rel=manifest]");
  // The include sits in the page's body; browsers look for the manifest in <head>.
  if (manifest && head && manifest.parentNode !== head) head.appendChild(manifest);

  if ("serviceWorker" in navigator && bar.dataset.sw) {
    // The worker's scope is the folder it is served from: /visits/.
    const scope = new URL(".", new URL(bar.dataset.sw, location.href)).pathname;
    navigator.serviceWorker.register(bar.dataset.sw, {scope})
      .then(() => keepTheWeek()).catch(() => null);
  }

  if (form) {
    prepareForm(form);
    watchLocation(form);
    interceptSubmit(form);
  }
  if (sendNow) sendNow.addEventListener("click", () => sendQueue({retryRefused: true}));

  document.addEventListener("click", async (event) => {
    const button = event.target.closest(".offline-remove, .offline-dismiss");
    if (!button) return;
    const row = button.closest("[data-key]");
    if (!row) return;
    if (button.classList.contains("offline-remove") && !window.confirm(t("confirm-remove"))) return;
    await recordDelete(row.dataset.key);
    if (result && shownKey === row.dataset.key) result.replaceChildren();
    render();
  });

  window.addEventListener("online", () => { render(); sendQueue(); });
  window.addEventListener("offline", render);
  forgetOnSignOut();
  bar.hidden = false;
  render().then(() => { if (navigator.onLine) sendQueue(); });
  setInterval(() => { if (navigator.onLine) sendQueue(); }, RETRY_MS);
})();
