"""Issue 7, rows 4 and 14: each installation signs with its own secret, a public or weak
secret is refused in production, and a refusal is one sentence with exit code 1."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

PUBLIC_DEFAULT = "neisheng-development-key-not-for-production"
READ_KEY = "from django.conf import settings; import django; django.setup(); print(settings.SECRET_KEY)"


def _env(home, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEISHENG_") and k != "DJANGO_SETTINGS_MODULE"}
    env.update(NEISHENG_HOME=str(home), DJANGO_SETTINGS_MODULE="neisheng.web.settings", **extra)
    return env


def _secret_of(home, **extra) -> str:
    done = subprocess.run([sys.executable, "-c", READ_KEY], env=_env(home, **extra), capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _neisheng(home, *args, **extra) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "neisheng.cli", *args], env=_env(home, **extra),
                          capture_output=True, text=True, check=False, timeout=120)


def test_each_installation_makes_its_own_secret_once_and_keeps_it_private(tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    key = _secret_of(first)
    assert key != PUBLIC_DEFAULT and len(key) >= 50
    assert _secret_of(first) == key, "a restart must keep the sessions and keys signed before it"
    assert _secret_of(second) != key, "two installations must not share a secret"
    path = first / "secret_key"
    assert path.read_text().strip() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_secret_file_with_loose_permissions_is_made_private(tmp_path):
    key = _secret_of(tmp_path)
    (tmp_path / "secret_key").chmod(0o644)
    assert _secret_of(tmp_path) == key
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def _one_sentence(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 1, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    return lines[0]


@pytest.mark.parametrize("command", [["serve"], ["export-snapshot", "snapshot"], ["purge-uploads"]])
def test_production_without_a_secret_is_one_sentence_for_every_command(tmp_path, command):
    sentence = _one_sentence(_neisheng(tmp_path, *command, NEISHENG_PRODUCTION="1"))
    assert "NEISHENG_SECRET_KEY" in sentence
    assert not (tmp_path / "snapshot").exists() and not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize("secret", [PUBLIC_DEFAULT, "django-insecure-" + "x1y2z3" * 10, "short-Secret-1",
                                    "k" * 60])
def test_serve_in_production_refuses_a_public_or_weak_secret(tmp_path, secret):
    sentence = _one_sentence(_neisheng(tmp_path, "serve", "--port", "1", NEISHENG_PRODUCTION="1",
                                       NEISHENG_SECRET_KEY=secret))
    assert "NEISHENG_SECRET_KEY" in sentence


def test_serve_refuses_the_public_default_even_outside_production(tmp_path):
    sentence = _one_sentence(_neisheng(tmp_path, "serve", "--port", "1", NEISHENG_SECRET_KEY=PUBLIC_DEFAULT))
    assert "NEISHENG_SECRET_KEY" in sentence
