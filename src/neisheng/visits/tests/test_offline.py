"""The offline side's pages as the browser receives them: the service worker (served so the
browser may install it for /visits/ and sees every update), the web app manifest, and the
phone's queue page (a shell that offline.js fills from IndexedDB), in one language at a time."""

from __future__ import annotations

import json
import re
from io import BytesIO

import lxml.html
import pytest
from django.contrib.staticfiles import finders
from PIL import Image

from neisheng.visits import offline

pytestmark = pytest.mark.django_db
HAN = re.compile(r"[\u4e00-\u9fff]")


def _worker_config(body: str) -> dict:
    first, _, rest = body.partition("\n")
    assert first.startswith("self.NEISHENG_SW = ") and first.endswith(";"), first
    assert '"use strict"' in rest
    return json.loads(first[len("self.NEISHENG_SW = "):-1])


def test_the_service_worker_is_served_for_the_visits_pages_and_never_kept_stale(client):
    response = client.get("/visits/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/visits/"
    cache_control = response["Cache-Control"]
    assert "no-cache" in cache_control or "no-store" in cache_control
    assert "immutable" not in cache_control
    assert not re.search(r"max-age=[1-9]", cache_control), cache_control
    config = _worker_config(response.content.decode())
    assert config["scope"] == "/visits/"
    assert {"/static/neisheng/site.css", "/static/neisheng/site.js", "/static/visits/offline.js"} <= set(
        config["assets"])
    assert {"/visits/week/", "/visits/queue/"} <= set(config["pages"])
    # Everything the worker keeps is really served.
    for asset in config["assets"]:
        assert finders.find(asset.removeprefix("/static/")), asset


def test_the_worker_never_touches_a_post(client):
    """The visits API's posts must reach the server (the phone's queue is IndexedDB's)."""
    source = client.get("/visits/sw.js").content.decode()
    assert 'if (request.method !== "GET") return;' in source


def test_changing_any_kept_asset_names_a_new_cache(monkeypatch):
    before = offline.worker_config()["version"]
    original = offline._static_bytes

    def changed(path):
        text = original(path)
        return text + b"\n/* changed */" if path == "visits/offline.js" else text

    monkeypatch.setattr(offline, "_static_bytes", changed)
    after = offline.worker_config()["version"]
    assert before != after and re.fullmatch(r"[0-9a-f]{16}", after)


def test_the_manifest_opens_the_week_as_an_app_with_icons_that_exist(client):
    response = client.get("/visits/manifest.webmanifest", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(response.content)
    assert manifest["name"] == "内生走访"
    assert manifest["start_url"] == "/visits/week/"
    assert manifest["scope"] == "/visits/"
    assert manifest["display"] == "standalone"
    sizes = set()
    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path, icon["src"]
        with open(path, "rb") as handle:
            width, height = Image.open(BytesIO(handle.read())).size
        assert icon["sizes"] == f"{width}x{height}" and icon["type"] == "image/png"
        sizes.add(width)
    assert {192, 512} <= sizes  # what a phone needs to offer "add to home screen"


def test_the_manifest_speaks_the_browsers_language(client):
    manifest = json.loads(client.get("/visits/manifest.webmanifest", HTTP_ACCEPT_LANGUAGE="en").content)
    assert manifest["name"] == "Neisheng visits" and manifest["lang"] == "en"
    assert not HAN.search(json.dumps(manifest, ensure_ascii=False)), manifest


def test_the_queue_page_is_for_those_who_record_visits(client, make_user, places):
    assert client.get("/visits/queue/")["Location"].startswith("/accounts/login/")
    client.force_login(make_user("researcher", places["county"]))
    assert client.get("/visits/queue/").status_code == 403
    client.force_login(make_user("assistance", places["village"]))
    assert client.get("/visits/queue/").status_code == 200


def _visible_text_outside_data(page) -> str:
    for node in page.xpath('//*[@translate="no"]|//script|//style'):
        node.drop_tree()
    return " ".join(page.itertext()) + " ".join(
        value for element in page.iter() if isinstance(element.tag, str)
        for name, value in element.attrib.items() if name.startswith("data-t-") or name == "aria-label")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_queue_page_is_a_shell_in_one_language(client, make_user, places, language):
    client.force_login(make_user("assistance", places["village"]))
    client.cookies["django_language"] = language
    response = client.get("/visits/queue/")
    page = lxml.html.fromstring(response.content)
    # The shell: offline.js lists what the phone holds; the server sends none of it.
    assert page.get_element_by_id("offline-waiting-list").text_content().strip() == ""
    assert page.get_element_by_id("offline-sent-list").text_content().strip() == ""
    bar = page.get_element_by_id("visits-offline")
    assert bar.get("data-sw") == "/visits/sw.js" and bar.get("data-api") == "/api/visits/"
    assert bar.get("data-user") and bar.get("data-visit-url") == "/visits/0/"
    assert page.xpath('//script[@src="/static/visits/offline.js"]')
    assert not page.xpath("//script[not(@src)]"), "an inline script would be refused by the CSP"
    assert page.xpath('//link[@rel="manifest"][@href="/visits/manifest.webmanifest"]')
    # Every word offline.js shows is in the page's language, as are the kinds it names.
    kinds = {li.get("data-kind"): li.text_content() for li in page.xpath('//ul[@id="offline-kinds"]/li')}
    assert set(kinds) == {"routine", "screening", "follow_up"}
    text = _visible_text_outside_data(page)
    if language == "en":
        assert not HAN.search(text), HAN.findall(text)[:20]
        assert bar.get("data-t-waiting") == "Visits waiting to be sent: {n}"
    else:
        assert bar.get("data-t-waiting") == "{n} 条走访待上报"
        words = set(re.findall(r"[A-Za-z]{2,}", text)) - {"API", "JPEG", "GPS"}
        assert not words, words
