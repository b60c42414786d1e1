"""Issue 7, row 16: responses carrying people's data are never stored by a browser or a
proxy; every page carries a Content-Security-Policy it passes (no inline script or
style, checked in every template here and in a real browser in tests/web/test_browser.py);
programs authenticate with a token or a session, never HTTP Basic."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from django.conf import settings
from rest_framework.test import APIClient
from tests.support import PASSWORD

from neisheng.accounts.models import AuditEvent
from neisheng.cli import main
from neisheng.registry.models import Household

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2]


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


@pytest.fixture
def officer(places, make_user):
    return make_user("county", places["county"])


@pytest.fixture
def household(places):
    return Household.objects.filter(village=places["village"]).order_by("household_id").first()


def test_pages_api_answers_and_exports_are_not_stored(client, officer, household):
    client.force_login(officer)
    for response in (
        client.get(f"/households/{household.household_id}/"),
        client.get("/households/"),
        client.get("/api/households/"),
        client.get("/api/persons/"),
        client.post("/households/"),  # the export
        client.get("/accounts/login/"),
    ):
        assert response.status_code == 200, response.status_code
        assert _no_store(response), response.get("Cache-Control")
        assert "private" in response["Cache-Control"]


def test_static_assets_keep_their_caching(client, officer):
    client.force_login(officer)
    for asset in ("neisheng/site.css", "neisheng/site.js", "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css"):
        response = client.get(settings.STATIC_URL + asset)
        assert response.status_code == 200, asset
        assert not _no_store(response) and "max-age" in response["Cache-Control"], response["Cache-Control"]
        assert "Content-Security-Policy" not in response
        response.close()


def test_every_page_carries_a_policy_without_inline_code(client, officer, household):
    client.force_login(officer)
    for url in ("/", "/households/", f"/households/{household.household_id}/", "/monitoring/", "/api/households/"):
        policy = client.get(url)["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["script-src"] == "'self'", policy
        assert directives["style-src"] == "'self'", policy
        assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
        assert "unsafe" not in policy


def test_the_swagger_page_runs_its_inline_start_up_under_this_requests_nonce(client, officer):
    client.force_login(officer)
    response = client.get("/api/docs/")
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    html = response.content.decode()
    inline = re.findall(r"<(script|style)(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline and all(f'nonce="{nonce}"' in attributes for _, attributes in inline), inline
    assert client.get("/api/docs/")["Content-Security-Policy"] != response["Content-Security-Policy"]


def test_no_template_holds_inline_script_style_or_event_handlers():
    """What the policy would block, found before a browser does: inline <script> (without
    a nonce), style="" attributes, <style> blocks and on…="" handlers."""
    offending = []
    for path in SRC.rglob("templates/**/*.html"):
        text = path.read_text(encoding="utf-8")
        for pattern in (r"<script(?![^>]*\b(src|nonce)=)[^>]*>", r"\sstyle=\"", r"<style(?![^>]*nonce=)",
                        r"\son[a-z]+=\""):
            offending += [f"{path.relative_to(SRC)}: {m.group(0)}" for m in re.finditer(pattern, text)]
    assert not offending, offending


def test_http_basic_is_refused_even_with_the_right_password(places, make_user):
    cadre = make_user("village", places["village"])
    client = APIClient()
    credentials = base64.b64encode(f"{cadre.username}:{PASSWORD}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {credentials}")
    assert client.get("/api/households/").status_code in (401, 403)


def test_a_token_from_the_cli_works_and_renewing_it_retires_the_old_one(places, make_user):
    cadre = make_user("village", places["village"])
    runner = CliRunner()
    issued = runner.invoke(main, ["api-token", cadre.username])
    assert issued.exit_code == 0, issued.output
    token = issued.output.strip()
    assert runner.invoke(main, ["api-token", cadre.username]).output.strip() == token
    assert AuditEvent.objects.filter(action="create", object_type="api_token", object_id=str(cadre.pk)).count() == 1

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get("/api/households/")
    assert response.status_code == 200
    assert {h["village"] for h in response.json()["results"]} <= {places["village"].code}
    assert _no_store(response)

    renewed = runner.invoke(main, ["api-token", cadre.username, "--renew"]).output.strip()
    assert renewed != token
    assert client.get("/api/households/").status_code in (401, 403)
    client.credentials(HTTP_AUTHORIZATION=f"Token {renewed}")
    assert client.get("/api/households/").status_code == 200


def test_api_token_names_an_unknown_user_in_one_sentence(db):
    result = CliRunner().invoke(main, ["api-token", "nobody-here"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == ["错误 / error: 没有启用的用户 'nobody-here' / no active user 'nobody-here'"]


def test_a_signed_in_browser_session_still_reads_the_api(client, places, make_user):
    cadre = make_user("village", places["village"])
    assert client.post("/accounts/login/", {"username": cadre.username, "password": PASSWORD}).status_code == 302
    assert client.get("/api/households/").status_code == 200
