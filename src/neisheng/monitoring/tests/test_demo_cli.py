"""`neisheng demo` and `neisheng serve` as someone trying Neisheng runs them: separate
processes (so the settings read NEISHENG_HOME), a real HTTP server, a real sign-in."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

NEISHENG = Path(sys.executable).with_name("neisheng")
ROLES = ("county", "town", "village", "assistance", "department", "auditor", "researcher", "admin")

pytestmark = pytest.mark.slow


def _environment(home: Path, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "NEISHENG_DEBUG")}
    env.update(NEISHENG_HOME=str(home), DJANGO_SETTINGS_MODULE="neisheng.web.settings", **extra)
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _logins(output: str) -> dict[str, str]:
    """username → password from the printed table of demo logins."""
    table = output.split("演示登录 demo logins:")[1]
    found = {}
    for line in table.splitlines():
        match = re.match(r"\s+(\S+)\s+(\S+)\s", line)
        if match and match.group(1) in ROLES:
            found[match.group(1)] = match.group(2)
    return found


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=10) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    def sign_in(self, username: str, password: str) -> tuple[int, str, str]:
        """Sign in through the login form; (status, final URL, page)."""
        self.get("/accounts/login/")
        token = next(c.value for c in self.cookies if c.name == "csrftoken")
        form = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token}
        ).encode()
        request = urllib.request.Request(self.base + "/accounts/login/", data=form,
                                         headers={"Referer": self.base + "/accounts/login/"})
        with self.opener.open(request, timeout=10) as response:
            return response.status, response.geturl(), response.read().decode("utf-8", "replace")


def _wait_until_answering(base: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"neisheng serve exited: {server.stdout.read()}")
        try:
            # A cold server's first answer (templates, the engine's imports) may take
            # seconds on a busy machine: a slow answer is waited for, not a failure.
            urllib.request.urlopen(base + "/accounts/login/", timeout=10).close()
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    pytest.fail("neisheng serve did not answer")


def test_demo_then_serve_signs_in_and_ships_its_assets(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "neisheng.sqlite3").write_text("an old demo database", encoding="utf-8")

    demo = subprocess.run([NEISHENG, "demo", "--households", "300", "--seed", "5", "--no-serve"],
                          env=_environment(home), capture_output=True, text=True, timeout=120, check=False)

    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "删除旧的演示数据库 / removing the old demo database" in demo.stdout
    assert "演示县 demo county: 巫山县" in demo.stdout
    assert "农户 households: 300" in demo.stdout
    assert re.search(r"红 red \d+, 黄 yellow \d+, 绿 green \d+", demo.stdout)
    logins = _logins(demo.stdout)
    assert set(logins) == set(ROLES)
    assert "http://127.0.0.1:8000/" in demo.stdout

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([NEISHENG, "serve", "--port", str(port)], env=_environment(home),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_until_answering(base, server)

        admin = Browser(base)
        status, url, page = admin.sign_in("admin", logins["admin"])
        assert (status, urllib.parse.urlparse(url).path) == (200, "/")
        assert "系统管理员" in page
        assert admin.get("/")[0] == 200

        # The county officer's pages name the county the demo built.
        county = Browser(base)
        assert county.sign_in("county", logins["county"])[0] == 200
        status, page = county.get("/")
        assert status == 200 and "巫山县" in page

        assert Browser(base).sign_in("admin", "not-the-password")[1].endswith("/accounts/login/")

        for asset in ("/static/neisheng/site.css",
                      "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css"):
            status, body = Browser(base).get(asset)
            assert status == 200 and len(body) > 100, asset
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_demo_refuses_to_touch_a_configured_database(tmp_path):
    result = subprocess.run([NEISHENG, "demo", "--households", "10", "--no-serve"],
                            env=_environment(tmp_path, DATABASE_URL="postgres://county/registry"),
                            capture_output=True, text=True, timeout=60, check=False)

    assert result.returncode == 1
    assert "DATABASE_URL" in result.stderr
    assert not (tmp_path / "neisheng.sqlite3").exists()
