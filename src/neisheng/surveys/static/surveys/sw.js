/* Neisheng surveys: the service worker of the phone form (surveys.md; the pattern of the
   visits' worker, docs/grid.md "Offline").

   Served by surveys/views_phone.py at /surveys/sw.js (scope /surveys/), which puts
   self.NEISHENG_SW = {version, assets, pages, scope} before this source: the version is a
   digest of this file and of every asset kept, so a deploy that changes any of them
   installs a new worker and the old shell cache is dropped.

   - The shell (versioned): the stylesheets and scripts, cache-first.
   - The pages (kept across versions): every page under /surveys/ opened online (the
     phone forms among them) and the queue page, network-first: online the cadre gets
     today's page and the kept copy is refreshed; offline, or when the network has not
     answered in 6 s, the kept copy; a page never kept falls back to the queue page.
   Posts (the responses API) are never touched: phone.js keeps unsent questionnaires in
   IndexedDB, not here. */
"use strict";

const CONFIG = self.NEISHENG_SW || {version: "source", assets: [], pages: [], scope: "/surveys/"};
const SHELL_PREFIX = "neisheng-surveys-shell-";
const SHELL = SHELL_PREFIX + CONFIG.version;
const PAGES = "neisheng-surveys-pages";
const NETWORK_PATIENCE_MS = 6000;

function keepable(response) {
  // Only a page the server really gave: not a redirect to the login page, not an error.
  return response && response.ok && !response.redirected && response.type === "basic";
}

async function keepPage(cache, url) {
  const response = await fetch(url, {credentials: "same-origin", cache: "no-store"});
  if (!keepable(response)) return false;
  await cache.put(url, response);
  return true;
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const shell = await caches.open(SHELL);
    await shell.addAll(CONFIG.assets);
    const pages = await caches.open(PAGES);
    await Promise.all(CONFIG.pages.map((url) => keepPage(pages, url).catch(() => false)));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((name) => name.startsWith(SHELL_PREFIX) && name !== SHELL)
      .map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

function inScope(url) {
  return url.origin === self.location.origin && url.pathname.startsWith(CONFIG.scope)
    && !url.pathname.endsWith("/sw.js");
}

async function keptPage(request) {
  const pages = await caches.open(PAGES);
  return pages.match(request, {ignoreVary: true});
}

async function pageNetworkFirst(event) {
  const request = event.request;
  const fromNetwork = fetch(request).then(async (response) => {
    if (keepable(response)) {
      const pages = await caches.open(PAGES);
      await pages.put(request.url, response.clone());
    }
    return response;
  });
  event.waitUntil(fromNetwork.catch(() => null));
  try {
    return await Promise.race([fromNetwork, new Promise((resolve, reject) =>
      setTimeout(() => reject(new Error("network too slow")), NETWORK_PATIENCE_MS))]);
  } catch (error) {
    const kept = await keptPage(request);
    if (kept) return kept;
    const queue = CONFIG.pages.find((url) => url.endsWith("/queue/"));
    const fallback = queue && await keptPage(new Request(queue));
    if (fallback) return fallback;
    return fromNetwork;
  }
}

async function assetCacheFirst(request) {
  const shell = await caches.open(SHELL);
  const kept = await shell.match(request, {ignoreVary: true, ignoreSearch: true});
  if (kept) return kept;
  const response = await fetch(request);
  if (keepable(response)) await shell.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && inScope(url)) {
    event.respondWith(pageNetworkFirst(event));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(assetCacheFirst(request));
  }
});

self.addEventListener("message", (event) => {
  const message = event.data || {};
  const reply = (data) => {
    if (event.ports && event.ports[0]) event.ports[0].postMessage(data);
  };
  if (message.type === "forget") {
    // Signing out, or another person on this phone: the kept pages name households.
    event.waitUntil(caches.delete(PAGES).then(() => reply({type: "forgotten"})));
  }
});
