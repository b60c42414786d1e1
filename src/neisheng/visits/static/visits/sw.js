/* Neisheng visits: the service worker (issue 11, "it works offline").

   Served by visits/offline.py at /visits/sw.js (scope /visits/), which puts
   self.NEISHENG_SW = {version, assets, pages, scope} before this source: the version is a
   digest of this file and of every asset kept, so a deploy that changes any of them
   installs a new worker and the old shell cache is dropped.

   Two caches:
   - the shell (versioned): the stylesheet, the scripts, the icons;
   - the pages (one, kept across versions): the week, the queue, the week's household
     forms and any visits page opened while online. Pages are network-first: online the
     cadre always gets today's page (and the cache is refreshed); offline, or when the
     network does not answer in time, the kept copy. A new worker must not drop the
     forms a cadre kept for a day without network.
   Posts (the visits API) are never touched: offline.js keeps unsent visits in IndexedDB,
   not here. */
"use strict";

const CONFIG = self.NEISHENG_SW || {version: "source", assets: [], pages: [], scope: "/visits/"};
const SHELL_PREFIX = "neisheng-visits-shell-";
const SHELL = SHELL_PREFIX + CONFIG.version;
const PAGES = "neisheng-visits-pages";
// A village's network may answer after a long wait or never: past this, the kept copy.
const NETWORK_PATIENCE_MS = 6000;
const PRECACHE_LIMIT = 300;
const PRECACHE_PARALLEL = 4;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const shell = await caches.open(SHELL);
    await shell.addAll(CONFIG.assets);
    const pages = await caches.open(PAGES);
    // A page that cannot be kept now (signed out, say) is kept the next time it opens.
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
  return url.origin === self.location.origin && url.pathname.startsWith(CONFIG.scope);
}

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
  // The refresh of the kept copy goes on even when the kept copy is shown first.
  event.waitUntil(fromNetwork.catch(() => null));
  try {
    return await Promise.race([fromNetwork, new Promise((resolve, reject) =>
      setTimeout(() => reject(new Error("network too slow")), NETWORK_PATIENCE_MS))]);
  } catch (error) {
    const kept = await keptPage(request);
    if (kept) return kept;
    // A page never opened online: the queue, which says the phone is offline and what
    // it holds, rather than the browser's error page.
    const queue = CONFIG.pages.find((url) => url.endsWith("/queue/"));
    const fallback = queue && await keptPage(new Request(queue));
    if (fallback) return fallback;
    return fromNetwork;  // still waiting on a slow network: the browser shows what it gets
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
  if (request.method !== "GET") return;  // the visits API's posts go straight to the network
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && inScope(url)) {
    event.respondWith(pageNetworkFirst(event));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(assetCacheFirst(request));
  }
  // Anything else (the API's reads) goes to the network as if there were no worker.
});

async function precache(urls) {
  const wanted = [...new Set(urls)].filter((url) => inScope(new URL(url, self.location.origin)))
    .slice(0, PRECACHE_LIMIT);
  const pages = await caches.open(PAGES);
  const kept = [];
  let next = 0;
  async function worker() {
    while (next < wanted.length) {
      const url = wanted[next++];
      let ok = false;
      try {
        ok = await keepPage(pages, url);
      } catch (error) {
        ok = false;
      }
      // Offline already, or refused now: whatever was kept before stays.
      if (ok || await pages.match(url, {ignoreVary: true})) kept.push(new URL(url, self.location.origin).href);
    }
  }
  await Promise.all(Array.from({length: PRECACHE_PARALLEL}, worker));
  // The week changes: forms of households no longer in it are dropped, so the phone does
  // not keep pages of households the cadre no longer visits.
  const absolute = (url) => new URL(url, self.location.origin);
  const keep = new Set([...wanted, ...CONFIG.pages].map((url) => absolute(url).href));
  const formPaths = new Set(wanted.map((url) => absolute(url).pathname));
  for (const request of await pages.keys()) {
    const url = absolute(request.url);
    if (formPaths.has(url.pathname) && !keep.has(url.href)) await pages.delete(request);
  }
  return kept;
}

self.addEventListener("message", (event) => {
  const message = event.data || {};
  const reply = (data) => {
    if (event.ports && event.ports[0]) event.ports[0].postMessage(data);
  };
  if (message.type === "precache") {
    event.waitUntil(precache(message.urls || []).then(
      (kept) => reply({type: "precached", kept}),
      (error) => reply({type: "precached", kept: [], error: String(error)})));
  } else if (message.type === "forget") {
    // Signing out: the pages kept hold households' names; the next person on this phone
    // must not open them.
    event.waitUntil(caches.delete(PAGES).then(() => reply({type: "forgotten"})));
  }
});
