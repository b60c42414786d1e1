/* Neisheng surveys on a phone (surveys.md; the pattern of docs/grid.md "Offline"):
   one question a screen, a draft kept on the phone, a queue sent when it can be.

   - The form (#survey-phone-form) shows one .survey-step at a time: who answers (the
     respondent's number, the group, the date), then each question asked of the chosen
     group, then a last screen to check and submit. Progress "第 3/18 题", back, next.
     A required question must be answered before next; a number within its range.
   - Every change is kept in localStorage as a draft, keyed by user, survey and
     respondent: closing the page, losing the battery or opening another household
     loses nothing; the page offers to take a draft up again (and does so at once for
     the household it was opened for).
   - Submitting keeps the questionnaire in IndexedDB (neisheng-surveys) under its
     idempotency key, then sends it as JSON to the responses API. 201/200: sent; no
     network, 5xx, 408, 429: it waits and is sent on `online`, on page load, from "send
     now" and every two minutes; 401/403: sign in again; any other refusal stays on the
     phone with the server's reasons until removed. Nothing is dropped silently, and the
     key makes a repeated send harmless.
   - Registers the service worker (/surveys/sw.js) that keeps the pages for offline use.
   Every word shown comes from data-t-* attributes (translated by the templates); data
   goes through textContent only. */
(function () {
  "use strict";

  const bar = document.getElementById("surveys-offline");
  if (!bar) return;

  const DB_NAME = "neisheng-surveys";
  const STORE = "responses";
  const LOCK = "neisheng-surveys-send";
  const DRAFT_PREFIX = "neisheng-survey-draft:";
  const RETRY_MS = 2 * 60 * 1000;
  const SOON_MS = [3000, 10000, 30000];
  const SENT_KEPT_MS = 7 * 24 * 3600 * 1000;
  const USER = bar.dataset.user || "";
  const USERNAME = bar.dataset.username || "";
  const API = bar.dataset.api;
  const lang = document.documentElement.lang || "";
  const english = lang.startsWith("en");

  const el = (id) => document.getElementById(id);
  const t = (node, name) => node.getAttribute("data-t-" + name) || "";
  const tb = (name) => t(bar, name);
  const fill = (text, values) => Object.keys(values).reduce(
    (out, key) => out.split("{" + key + "}").join(String(values[key])), text);
  const number = (n) => {
    try { return n.toLocaleString(lang || undefined); } catch (error) { return String(n); }
  };
  // A server sentence written "中文 / English": the half in the page's language.
  const inPageLanguage = (sentence) => {
    const text = String(sentence || "");
    const at = text.indexOf(" / ");
    if (at < 0) return text;
    return english ? text.slice(at + 3).trim() : text.slice(0, at).trim();
  };

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
  function asked(request) {
    return new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  async function records() {
    return asked((await db()).transaction(STORE).objectStore(STORE).getAll());
  }
  async function recordGet(key) {
    return asked((await db()).transaction(STORE).objectStore(STORE).get(key));
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

  /* ---------- sending ---------- */

  function csrfToken() {
    const cookie = document.cookie.split(";").map((part) => part.trim())
      .find((part) => part.startsWith("csrftoken="));
    if (cookie) return decodeURIComponent(cookie.slice("csrftoken=".length));
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function reasons(answer) {
    if (!answer || typeof answer !== "object") return [tb("refused")];
    const out = [];
    const walk = (value) => {
      if (typeof value === "string") out.push(inPageLanguage(value));
      else if (Array.isArray(value)) value.forEach(walk);
      else if (value && typeof value === "object") Object.values(value).forEach(walk);
    };
    // The API's 400 names the fields and then gives each field's sentences: the latter.
    walk(answer.fields || answer);
    return out.length ? [...new Set(out)] : [tb("refused")];
  }

  async function sendOne(record) {
    record.attempts += 1;
    let response;
    try {
      response = await fetch(API, {
        method: "POST", body: JSON.stringify(record.payload), credentials: "same-origin", cache: "no-store",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken(), "Accept": "application/json"},
      });
    } catch (error) {
      record.note = "network";
      await recordPut(record);
      return "network";
    }
    let answer = null;
    try { answer = await response.json(); } catch (error) { answer = null; }
    if ((response.status === 200 || response.status === 201) && answer) {
      Object.assign(record, {state: "sent", result: answer, created: response.status === 201, note: null,
                             errors: null, sent_at: Date.now()});
      await recordPut(record);
      return "sent";
    }
    if (response.status === 401 || response.status === 403) {
      record.note = "auth";
      await recordPut(record);
      return "auth";
    }
    if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
      Object.assign(record, {state: "refused", note: null, errors: reasons(answer)});
      await recordPut(record);
      return "refused";
    }
    record.note = "server";
    await recordPut(record);
    return "server";
  }

  let chain = Promise.resolve();
  function exclusive(task) {
    if (navigator.locks && navigator.locks.request) return navigator.locks.request(LOCK, task);
    chain = chain.then(task, task);
    return chain;
  }

  let serverErrorsInARow = 0;
  let soonTimer = null;
  function retrySoon() {
    if (soonTimer !== null || serverErrorsInARow >= SOON_MS.length) return;
    const wait = SOON_MS[serverErrorsInARow];
    serverErrorsInARow += 1;
    soonTimer = setTimeout(() => {
      soonTimer = null;
      if (navigator.onLine) sendQueue();
    }, wait);
  }

  function sendQueue({retryRefused = false} = {}) {
    return exclusive(async () => {
      let all;
      try { all = await records(); } catch (error) { return; }
      const due = all.filter((r) => r.user === USER && (r.state === "waiting" || (retryRefused && r.state === "refused")))
        .sort((a, b) => a.saved_at - b.saved_at);
      for (const queued of due) {
        const record = await recordGet(queued.idempotency_key);  // another tab may have sent it
        if (!record || record.state === "sent") continue;
        const outcome = await sendOne(record);
        if (record.idempotency_key === shownKey) showResult(record);
        if (outcome === "server") { retrySoon(); break; }
        serverErrorsInARow = 0;
        if (outcome === "network" || outcome === "auth") break;
      }
    }).then(render, render);
  }

  /* ---------- what the user sees of the queue ---------- */

  const network = el("survey-offline-network");
  const count = el("survey-offline-count");
  const sendNow = el("survey-offline-send-now");
  const result = el("survey-offline-result");
  const rowTemplate = el("survey-offline-row");
  const waitingList = el("survey-waiting-list");
  const sentList = el("survey-sent-list");

  function responseUrl(id) {
    return (bar.dataset.responseUrl || "").replace(/\/0\/$/, `/${encodeURIComponent(id)}/`);
  }

  function stateText(record) {
    if (record.state === "sent") return record.created === false ? tb("already-there") : tb("sent");
    if (record.state === "refused") return tb("refused");
    if (record.user !== USER) return tb("other-user");
    if (record.note === "auth") return tb("sign-in");
    if (record.note === "server") return tb("server-busy");
    return tb("saved");
  }

  function fillRow(row, record) {
    row.dataset.key = record.idempotency_key;
    row.dataset.state = record.state;
    const put = (selector, value) => {
      const node = row.querySelector(selector);
      if (node) node.textContent = value || "";
    };
    put(".offline-respondent", record.respondent_id);
    put(".offline-survey", record.survey_name);
    put(".offline-date", record.payload.answered_on);
    put(".offline-state", stateText(record));
    const who = row.querySelector(".offline-user");
    if (who) { who.textContent = record.user === USER ? "" : record.username; who.hidden = record.user === USER; }
    row.classList.toggle("is-sent", record.state === "sent");
    row.classList.toggle("is-refused", record.state === "refused");
    const errors = row.querySelector(".offline-errors");
    if (errors) {
      errors.replaceChildren(...(record.errors || []).map((sentence) => {
        const item = document.createElement("li");
        item.textContent = sentence;
        return item;
      }));
      errors.hidden = !(record.errors && record.errors.length);
    }
    const link = row.querySelector(".offline-response-link");
    if (link) {
      const id = record.result && record.result.id;
      link.hidden = !id;
      if (id) link.href = responseUrl(id);
    }
    const remove = row.querySelector(".offline-remove");
    if (remove) remove.hidden = record.state === "sent";
    const dismiss = row.querySelector(".offline-dismiss");
    if (dismiss) dismiss.hidden = record.state !== "sent";
  }

  function newRow(record) {
    const row = rowTemplate.content.firstElementChild.cloneNode(true);
    fillRow(row, record);
    return row;
  }

  let shownKey = null;
  function showResult(record) {
    if (!result) return;
    shownKey = record.idempotency_key;
    result.replaceChildren(newRow(record));
    result.hidden = false;
  }

  function listInto(list, items) {
    if (!list) return;
    list.replaceChildren(...items.map(newRow));
    const empty = document.querySelector(`[data-empty-for="${list.id}"]`);
    if (empty) empty.hidden = items.length > 0;
  }

  async function prune(all) {
    const now = Date.now();
    const old = all.filter((r) => r.state === "sent" && now - r.sent_at > SENT_KEPT_MS);
    for (const record of old) await recordDelete(record.idempotency_key);
    return all.filter((r) => !old.includes(r));
  }

  async function render() {
    const online = navigator.onLine;
    bar.classList.toggle("is-offline", !online);
    if (network) network.textContent = online ? tb("online") : tb("offline");
    let all = [];
    try { all = await prune(await records()); } catch (error) { all = []; }
    const waiting = all.filter((r) => r.state !== "sent");
    const mine = waiting.filter((r) => r.user === USER);
    if (count) {
      count.textContent = mine.length ? fill(tb("waiting"), {n: number(mine.length)}) : tb("none-waiting");
      count.dataset.count = String(mine.length);
    }
    if (sendNow) sendNow.hidden = mine.length === 0;
    const bySaved = (a, b) => a.saved_at - b.saved_at;
    listInto(waitingList, waiting.sort(bySaved));
    listInto(sentList, all.filter((r) => r.state === "sent").sort((a, b) => b.sent_at - a.sent_at));
    if (result && shownKey) {
      const shown = all.find((r) => r.idempotency_key === shownKey);
      if (shown) showResult(shown);
    }
  }

  /* ---------- the form: one question a screen ---------- */

  const form = el("survey-phone-form");

  function stepper(formElement) {
    const steps = Array.from(formElement.querySelectorAll(".survey-step"));
    const back = el("survey-back");
    const next = el("survey-next");
    const submit = el("survey-submit");
    const progress = el("survey-progress");
    const progressText = el("survey-progress-text");
    const progressBar = el("survey-progress-bar");
    const stepError = el("survey-step-error");
    const review = el("survey-review");
    const tf = (name) => t(formElement, name);
    const SURVEY = formElement.dataset.survey;
    const SURVEY_NAME = formElement.dataset.surveyName || "";
    const field = (name) => formElement.elements.namedItem(name);
    let current = 0;
    let draftKey = null;
    let restoring = false;
    // Opening the form keeps nothing: a draft begins with the first thing typed.
    let touched = false;

    // Whom the questionnaire is for: the radio chosen, or the one group of the page.
    const groupChosen = () => {
      const checked = formElement.querySelector("input[name=group]:checked");
      if (checked) return checked.value;
      const fixed = formElement.querySelector("input[name=group][type=hidden]");
      return fixed ? fixed.value : "";
    };
    const questionOf = (step) => step.querySelector(".survey-q");
    const isAsked = (step) => {
      const q = questionOf(step);
      if (!q) return true;
      const groups = (q.dataset.groups || "").split(" ").filter(Boolean);
      return groups.includes(groupChosen());
    };
    const askedSteps = () => steps.filter(isAsked);
    const askedQuestions = () => askedSteps().filter((s) => questionOf(s));

    function valueOf(q) {
      const code = q.dataset.code;
      const name = "q_" + code;
      const type = q.dataset.type;
      if (type === "multiple") {
        return Array.from(formElement.querySelectorAll(`input[name="${CSS.escape(name)}"]:checked`), (i) => i.value);
      }
      if (type === "single" || type === "likert") {
        const checked = formElement.querySelector(`input[name="${CSS.escape(name)}"]:checked`);
        return checked ? checked.value : "";
      }
      const input = formElement.querySelector(`[name="${CSS.escape(name)}"]`);
      return input ? input.value.trim() : "";
    }
    const answered = (value) => Array.isArray(value) ? value.length > 0 : value !== "";

    function setValue(q, value) {
      const name = "q_" + q.dataset.code;
      const type = q.dataset.type;
      if (type === "multiple" || type === "single" || type === "likert") {
        const chosen = new Set((Array.isArray(value) ? value : [value]).map(String));
        formElement.querySelectorAll(`input[name="${CSS.escape(name)}"]`).forEach((i) => { i.checked = chosen.has(i.value); });
      } else {
        const input = formElement.querySelector(`[name="${CSS.escape(name)}"]`);
        if (input) input.value = value == null ? "" : String(value);
      }
    }

    function stepProblem(step) {
      if (step.dataset.step === "start") {
        if (!field("respondent_id").value.trim()) return [tf("respondent"), field("respondent_id")];
        if (!groupChosen()) return [tf("group"), formElement.querySelector("input[name=group]")];
        if (!field("answered_on").value) return [tf("date"), field("answered_on")];
        return null;
      }
      const q = questionOf(step);
      if (!q) return null;
      const value = valueOf(q);
      const first = q.querySelector("input, textarea, select");
      if (!answered(value)) return q.dataset.required === "1" ? [tf("required"), first] : null;
      if (q.dataset.type === "number") {
        const n = Number(value.replace(/,/g, ""));
        if (!Number.isFinite(n)) return [tf("number"), first];
        const min = q.dataset.min !== undefined ? Number(q.dataset.min) : null;
        const max = q.dataset.max !== undefined ? Number(q.dataset.max) : null;
        if ((min !== null && n < min) || (max !== null && n > max)) {
          return [fill(tf("range"), {min: min === null ? "" : number(min), max: max === null ? "" : number(max)}), first];
        }
      }
      return null;
    }

    function showError(problem) {
      stepError.textContent = problem ? problem[0] : "";
      stepError.hidden = !problem;
      if (problem && problem[1] && problem[1].focus) problem[1].focus();
    }

    function show(index, {focus = true} = {}) {
      const shown = askedSteps();
      index = Math.max(0, Math.min(index, shown.length - 1));
      current = index;
      const step = shown[index];
      steps.forEach((s) => { s.hidden = s !== step; });
      showError(null);
      const questions = askedQuestions();
      const at = questions.indexOf(step);
      // The progress of the questions: the first screen (who answers) and the last (check
      // and submit) have their own headings.
      progress.hidden = at < 0;
      if (at >= 0) progressText.textContent = fill(tf("progress"), {n: at + 1, total: questions.length});
      progressText.dataset.n = String(at + 1);
      progressText.dataset.total = String(questions.length);
      progressBar.max = Math.max(1, questions.length);
      progressBar.value = step.dataset.step === "review" ? questions.length : Math.max(0, at + 1);
      back.hidden = index === 0;
      next.hidden = step.dataset.step === "review";
      submit.hidden = step.dataset.step !== "review";
      if (step.dataset.step === "review") fillReview();
      if (focus) {
        const heading = step.querySelector("h2, legend, label.survey-q-text");
        if (heading) {
          if (!heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
          heading.focus({preventScroll: true});
        }
        formElement.scrollIntoView({block: "start"});
      }
      saveDraft();
    }

    function fillReview() {
      review.replaceChildren(...askedQuestions().map((step) => {
        const q = questionOf(step);
        const item = document.createElement("li");
        const jump = document.createElement("button");
        jump.type = "button";
        jump.className = "link survey-review-jump";
        jump.dataset.step = step.dataset.step;
        const text = q.querySelector(".survey-q-text [translate=no]");
        jump.textContent = text ? text.textContent : step.dataset.step;
        jump.setAttribute("translate", "no");
        const state = document.createElement("span");
        const value = valueOf(q);
        state.className = answered(value) ? "survey-review-answered" : "survey-review-missing";
        state.textContent = " · " + (answered(value) ? tf("answered")
          : tf("unanswered") + (q.dataset.required === "1" ? "" : "(" + tf("optional") + ")"));
        item.append(jump, state);
        return item;
      }));
    }

    function answers() {
      const out = {};
      for (const step of askedQuestions()) {
        const q = questionOf(step);
        const value = valueOf(q);
        if (!answered(value)) continue;
        if (q.dataset.type === "likert") out[q.dataset.code] = Number(value);
        else if (q.dataset.type === "number") {
          const n = Number(value.replace(/,/g, ""));
          out[q.dataset.code] = Number.isFinite(n) ? n : value;
        } else out[q.dataset.code] = value;
      }
      return out;
    }

    /* drafts */

    const draftKeyOf = (respondent) => `${DRAFT_PREFIX}${USER}:${SURVEY}:${respondent}`;
    function draftData() {
      const all = {};
      for (const q of formElement.querySelectorAll(".survey-q")) {
        const value = valueOf(q);
        if (answered(value)) all[q.dataset.code] = value;
      }
      const village = field("village_code");
      return {
        survey: SURVEY, user: USER, respondent_id: field("respondent_id").value.trim(), group: groupChosen(),
        household: field("household") ? field("household").value.trim() : "",
        fixed: Boolean(formElement.dataset.household),
        village_code: village ? village.value : "", answered_on: field("answered_on").value,
        idempotency_key: field("idempotency_key").value, answers: all,
        step: (askedSteps()[current] || {dataset: {}}).dataset.step || "start", saved_at: Date.now(),
      };
    }
    function saveDraft() {
      if (restoring || !touched) return;
      const data = draftData();
      if (!data.respondent_id) return;
      const key = draftKeyOf(data.respondent_id);
      try {
        if (draftKey && draftKey !== key) localStorage.removeItem(draftKey);
        localStorage.setItem(key, JSON.stringify(data));
        draftKey = key;
      } catch (error) { /* a full or private storage: the form still works */ }
    }
    function drafts() {
      const out = [];
      try {
        for (let i = 0; i < localStorage.length; i += 1) {
          const key = localStorage.key(i);
          if (!key || !key.startsWith(`${DRAFT_PREFIX}${USER}:${SURVEY}:`)) continue;
          try { out.push({key, data: JSON.parse(localStorage.getItem(key))}); } catch (error) { /* skip */ }
        }
      } catch (error) { return []; }
      return out.sort((a, b) => b.data.saved_at - a.data.saved_at);
    }
    function restore(data) {
      restoring = true;
      field("respondent_id").value = data.respondent_id || "";
      const groups = formElement.querySelectorAll("input[name=group]");
      if (groups.length) groups.forEach((i) => { i.checked = i.value === data.group; });
      else if (field("group")) field("group").value = data.group || "";
      if (field("household") && !formElement.dataset.household) field("household").value = data.household || "";
      if (field("village_code") && data.village_code) field("village_code").value = data.village_code;
      if (data.answered_on) field("answered_on").value = data.answered_on;
      if (data.idempotency_key) field("idempotency_key").value = data.idempotency_key;
      for (const q of formElement.querySelectorAll(".survey-q")) setValue(q, (data.answers || {})[q.dataset.code] ?? "");
      draftKey = draftKeyOf(data.respondent_id);
      restoring = false;
      touched = true;
      const index = askedSteps().findIndex((s) => s.dataset.step === data.step);
      show(index < 0 ? 0 : index);
      renderDrafts();
    }
    function forget(key) {
      try { localStorage.removeItem(key); } catch (error) { /* nothing kept */ }
      if (draftKey === key) draftKey = null;
    }

    const draftsBox = el("survey-drafts");
    const draftList = el("survey-draft-list");
    const draftRow = el("survey-draft-row");
    // A household's page takes up that household's drafts only; the survey's own page
    // lists them all, and one begun on a household's page is taken up there.
    const FIXED = formElement.dataset.household || "";
    const listed = (d) => d.key !== draftKey && (!FIXED || d.data.household === FIXED);
    function renderDrafts() {
      const others = drafts().filter(listed);
      draftList.replaceChildren(...others.map(({key, data}) => {
        const row = draftRow.content.firstElementChild.cloneNode(true);
        row.dataset.key = key;
        row.querySelector(".survey-draft-who").textContent = data.respondent_id;
        const questions = steps.filter((s) => questionOf(s) && (questionOf(s).dataset.groups || "").split(" ").includes(data.group));
        const at = questions.findIndex((s) => s.dataset.step === data.step);
        row.querySelector(".survey-draft-progress").textContent =
          fill(tf("draft-progress"), {n: at < 0 ? (data.step === "review" ? questions.length : 0) : at + 1,
                                      total: questions.length});
        return row;
      }));
      draftsBox.hidden = others.length === 0;
    }

    function reset() {
      formElement.reset();
      field("idempotency_key").value = freshKey();
      const date = field("answered_on");
      if (date && !date.value) date.value = today();
      draftKey = null;
      touched = false;
      show(0);
    }

    /* wiring */

    formElement.classList.add("is-stepped");
    // A page kept by the worker is opened again and again: each opening starts a new
    // questionnaire, under a new key.
    field("idempotency_key").value = freshKey();
    const date = field("answered_on");
    if (date && (!date.value || date.value < today()) && date.value === date.defaultValue) date.value = today();
    next.hidden = false;

    next.addEventListener("click", () => {
      const shown = askedSteps();
      const problem = stepProblem(shown[current]);
      if (problem) { showError(problem); return; }
      touched = true;
      show(current + 1);
    });
    back.addEventListener("click", () => show(current - 1));
    formElement.addEventListener("keydown", (event) => {
      // Enter in a text box goes to the next screen rather than submitting early.
      if (event.key === "Enter" && event.target instanceof HTMLInputElement && submit.hidden) {
        event.preventDefault();
        next.click();
      }
    });
    formElement.addEventListener("change", (event) => {
      touched = true;
      showError(null);
      if (event.target.name === "group") {
        // Another group is asked other questions: the progress counts those.
        const shown = askedSteps();
        current = Math.min(current, shown.length - 1);
      }
      saveDraft();
      renderDrafts();
    });
    formElement.addEventListener("input", () => { touched = true; saveDraft(); });
    review.addEventListener("click", (event) => {
      const jump = event.target.closest(".survey-review-jump");
      if (!jump) return;
      show(askedSteps().findIndex((s) => s.dataset.step === jump.dataset.step));
    });
    draftList.addEventListener("click", (event) => {
      const row = event.target.closest("[data-key]");
      if (!row) return;
      const kept = drafts().find((d) => d.key === row.dataset.key);
      if (event.target.closest(".survey-draft-discard")) {
        if (!window.confirm(tf("confirm-discard"))) return;
        forget(row.dataset.key);
        renderDrafts();
      } else if (event.target.closest(".survey-draft-resume") && kept) {
        if (kept.data.fixed && kept.data.household !== FIXED) {
          saveDraft();
          location.assign(`${location.pathname}?household=${encodeURIComponent(kept.data.household)}`);
          return;
        }
        saveDraft();
        restore(kept.data);
      }
    });

    formElement.addEventListener("submit", async (event) => {
      event.preventDefault();
      const shown = askedSteps();
      for (let i = 0; i < shown.length; i += 1) {
        const problem = stepProblem(shown[i]);
        if (problem) { show(i); showError(problem); return; }
      }
      submit.disabled = true;
      const data = draftData();
      const record = {
        idempotency_key: data.idempotency_key || freshKey(), user: USER, username: USERNAME, survey: SURVEY,
        survey_name: SURVEY_NAME, respondent_id: data.respondent_id,
        payload: {
          survey: Number(SURVEY), respondent_id: data.respondent_id, group: data.group,
          household_id: data.household || "", village_code: data.village_code || "", answered_on: data.answered_on,
          answers: answers(), idempotency_key: data.idempotency_key, source: "phone",
        },
        state: "waiting", errors: null, note: null, result: null, saved_at: Date.now(), sent_at: null, attempts: 0,
      };
      record.payload.idempotency_key = record.idempotency_key;
      try {
        await recordPut(record);
        if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => false);
      } catch (error) {
        // No IndexedDB (a private window, a full phone): the form posts as without script.
        submit.disabled = false;
        HTMLFormElement.prototype.submit.call(formElement);
        return;
      }
      if (draftKey) forget(draftKey);
      submit.disabled = false;
      reset();
      renderDrafts();
      showResult(record);
      if (result.scrollIntoView) result.scrollIntoView({block: "nearest"});
      await render();
      sendQueue();
    });

    // Opened for a household whose questionnaire was begun: take it up where it stopped.
    const mine = FIXED ? drafts().find((d) => d.data.household === FIXED) : null;
    if (mine) {
      restore(mine.data);
      el("survey-resumed").hidden = false;
    } else {
      show(0, {focus: false});
      renderDrafts();
    }
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

  const LAST_USER = "neisheng-surveys-user";
  async function forgetAnotherUsersPages() {
    if (!("serviceWorker" in navigator)) return;
    const registration = await navigator.serviceWorker.ready;
    if (!registration.active) return;
    let previous = null;
    try { previous = localStorage.getItem(LAST_USER); localStorage.setItem(LAST_USER, USER); } catch (error) { return; }
    if (previous && previous !== USER) await ask(registration.active, {type: "forget"}, 5000);
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

  if ("serviceWorker" in navigator && bar.dataset.sw) {
    const scope = new URL(".", new URL(bar.dataset.sw, location.href)).pathname;
    navigator.serviceWorker.register(bar.dataset.sw, {scope}).then(forgetAnotherUsersPages).catch(() => null);
  }
  if (form) stepper(form);
  if (sendNow) sendNow.addEventListener("click", () => sendQueue({retryRefused: true}));
  document.addEventListener("click", async (event) => {
    const button = event.target.closest(".offline-remove, .offline-dismiss");
    if (!button || !bar.contains(button) && !document.getElementById("survey-queue")?.contains(button)) return;
    const row = button.closest("[data-key]");
    if (!row) return;
    if (button.classList.contains("offline-remove") && !window.confirm(tb("confirm-remove"))) return;
    await recordDelete(row.dataset.key);
    if (result && shownKey === row.dataset.key) { result.replaceChildren(); result.hidden = true; shownKey = null; }
    render();
  });
  window.addEventListener("online", () => { render(); sendQueue(); });
  window.addEventListener("offline", render);
  forgetOnSignOut();
  bar.hidden = false;
  render().then(() => { if (navigator.onLine) sendQueue(); });
  setInterval(() => { if (navigator.onLine) sendQueue(); }, RETRY_MS);
})();
