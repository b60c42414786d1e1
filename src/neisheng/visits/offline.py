"""Visits that work offline (issue 11, item 5): the service worker, the web app manifest
and the page listing what is waiting on the phone.

The phone keeps each visit in IndexedDB and sends it to the visits API when the network
returns (static/visits/offline.js); the service worker keeps the week, the queue and the
week's household forms so they open without network (static/visits/sw.js). Neither holds
anything the server decides: the server stays the one place a visit is stored, once, by
its idempotency key.

The worker is served from /visits/ rather than /static/ because a worker controls only
pages under its own path (Service-Worker-Allowed says so explicitly); its cache name is
the digest of everything it keeps, so a new deploy installs a new worker, which drops the
old caches."""

from __future__ import annotations

import hashlib
import json

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language, gettext, pgettext
from django.views.decorators.http import require_GET

from neisheng.accounts.access import VISITS_RECORD
from neisheng.platform.access import requires
from neisheng.visits.models import Kind

WORKER_SOURCE = "visits/sw.js"
# The assets every visits page needs; a page they are missing from would open unstyled
# or without its queue offline.
SHELL_ASSETS = ("neisheng/site.css", "neisheng/site.js", "visits/offline.js",
                "visits/icon-192.png", "visits/icon-512.png")
SHELL_PAGES = ("visits:week", "visits:queue")
ICON_SIZES = (192, 512)


def _static_bytes(path: str) -> bytes:
    found = finders.find(path)
    if not found:
        raise FileNotFoundError(path)
    with open(found, "rb") as handle:
        return handle.read()


def worker_config() -> dict:
    """What the worker keeps, and the version naming its cache: the digest of the worker's
    own source and of every asset it keeps, so changing any of them replaces the cache."""
    assets = [static(path) for path in SHELL_ASSETS]
    digest = hashlib.sha256(_static_bytes(WORKER_SOURCE))
    for path in SHELL_ASSETS:
        digest.update(_static_bytes(path))
    pages = [reverse(name) for name in SHELL_PAGES]
    digest.update("\n".join(assets + pages).encode())
    return {"version": digest.hexdigest()[:16], "assets": assets, "pages": pages,
            "scope": reverse("visits:sw").rsplit("/", 1)[0] + "/"}


@require_GET
def service_worker(request):
    """The worker, at /visits/sw.js: public (it holds no data; the browser fetches it again
    to look for updates), and never kept by an HTTP cache, so an update is seen at once."""
    source = _static_bytes(WORKER_SOURCE).decode("utf-8")
    config = worker_config()
    body = f"self.NEISHENG_SW = {json.dumps(config)};\n{source}"
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = config["scope"]
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request):
    """The web app manifest: a cadre adds the week to the phone's home screen and it opens
    like an app. Public, in the language the browser asks for (it is fetched without the
    session)."""
    data = {
        "name": gettext("内生走访"),
        "short_name": pgettext("manifest", "走访"),
        "description": gettext("离线登记走访，有网络时自动上报"),
        "lang": get_language(),
        "start_url": reverse("visits:week"),
        "scope": worker_config()["scope"],
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#b3261e",
        "icons": [{"src": static(f"visits/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png",
                   "purpose": "any"} for size in ICON_SIZES],
    }
    return HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/manifest+json; charset=utf-8")


@requires(VISITS_RECORD)
@require_GET
def queue(request):
    """The visits waiting on this phone. The page is a shell: what is waiting lives in the
    phone's IndexedDB, never on the server, and offline.js lists it."""
    return render(request, "visits/queue.html", {"kinds": Kind.choices})
