"""The settings module read fresh in a subprocess, as a server would start."""

import json
import os
import subprocess
import sys

READ_SETTINGS = (
    "import json; from neisheng.web import settings as s; "
    "print(json.dumps({name: getattr(s, name, None) for name in "
    "('DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', "
    "'SECURE_HSTS_SECONDS', 'SECRET_KEY')}))"
)


# Issue 7, row 4: production refuses short, simple and public secrets ("k" * 50 was one).
STRONG = "Zq8-vN3pL0wXr7Tb2mKc9JhY4sEf6GdA1uBo5WiQ_tRnVxCz8Mk"


def start(tmp_path, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NEISHENG_") and k != "DJANGO_SETTINGS_MODULE"}
    clean.update({"NEISHENG_HOME": str(tmp_path), **env})
    return subprocess.run([sys.executable, "-c", READ_SETTINGS], env=clean, capture_output=True, text=True,
                          check=False)


def test_production_mode_sets_secure_cookies_and_no_debug(tmp_path):
    done = start(tmp_path, NEISHENG_PRODUCTION="1", NEISHENG_SECRET_KEY=STRONG, NEISHENG_DEBUG="1")
    assert done.returncode == 0, done.stderr
    settings = json.loads(done.stdout)
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["CSRF_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings["DEBUG"] is False
    assert settings["SECURE_HSTS_SECONDS"] > 0
    assert settings["SECRET_KEY"] == STRONG


def test_production_mode_refuses_to_start_without_a_secret_key(tmp_path):
    done = start(tmp_path, NEISHENG_PRODUCTION="1")
    assert done.returncode != 0
    assert "NEISHENG_SECRET_KEY" in done.stderr


def test_development_mode_starts_without_secure_cookies(tmp_path):
    done = start(tmp_path)
    assert done.returncode == 0, done.stderr
    settings = json.loads(done.stdout)
    assert settings["SESSION_COOKIE_SECURE"] is False
    assert settings["DEBUG"] is False
