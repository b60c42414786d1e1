"""Environment helpers shared by the settings and the CLI."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def home() -> Path:
    path = Path(os.environ.get("NEISHENG_HOME", "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


class ConfigurationError(ImproperlyConfigured):
    """A setting the platform refuses to start with; the message is one sentence for the
    person at the terminal (the CLI shows it without a traceback, exit code 1)."""


# Secrets that are public (this project's old default, Django's placeholder prefix) or
# that anyone would try first.
KNOWN_SECRETS = frozenset({
    "neisheng-development-key-not-for-production", "changeme", "change-me", "secret", "secret_key",
})
MIN_SECRET_LENGTH = 50  # as Django's security check (security.W009)
MIN_SECRET_CHARACTERS = 5
SECRET_FILE = "secret_key"


def secret_key_problem(value: str | None) -> str | None:
    """Why `value` may not sign sessions and reveal keys in production, or None."""
    value = value or ""
    if not value.strip():
        return "NEISHENG_SECRET_KEY 未设置 / is not set"
    if value in KNOWN_SECRETS or value.startswith("django-insecure-"):
        return "NEISHENG_SECRET_KEY 是公开的默认值 / is a publicly known default"
    if len(value) < MIN_SECRET_LENGTH or len(set(value)) < MIN_SECRET_CHARACTERS:
        return (f"NEISHENG_SECRET_KEY 太短或太简单(至少{MIN_SECRET_LENGTH}个字符、{MIN_SECRET_CHARACTERS}种字符) / "
                f"is too short or too simple (at least {MIN_SECRET_LENGTH} characters, "
                f"{MIN_SECRET_CHARACTERS} different ones)")
    return None


def installation_secret(folder: Path) -> str:
    """This installation's own secret, made once and kept in `folder`/secret_key readable
    by its owner only: a fixed default would be public, and everything signed with it
    (sessions, CSRF tokens) forgeable by anyone who read the source."""
    path = folder / SECRET_FILE
    try:
        # O_EXCL: of two processes starting at once, exactly one writes the secret.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_secret(path)
    with os.fdopen(fd, "w", encoding="ascii") as file:
        file.write(secrets.token_urlsafe(48))
        file.flush()
        os.fsync(file.fileno())
    return _read_secret(path)


def _read_secret(path: Path) -> str:
    for _ in range(50):
        if os.name == "posix" and path.stat().st_mode & 0o077:
            # Copied or restored with looser permissions: only the owner may read it.
            path.chmod(0o600)
        value = path.read_text(encoding="ascii").strip()
        if value:
            break
        time.sleep(0.02)  # another process created it a moment ago and is writing it
    problem = secret_key_problem(value)
    if problem:
        raise ConfigurationError(f"{path}: 密钥文件无效,请删除后重新启动 / the secret file is not a usable "
                                 f"secret, delete it and start again ({problem})")
    return value


def setup_django() -> None:
    """Configure Django for a CLI command (idempotent). A setting refused at start-up
    becomes the CLI's one sentence and exit code 1, not a traceback."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "neisheng.web.settings")
    import django

    try:
        django.setup()
    except ConfigurationError as exc:
        from neisheng.console import UserError

        raise UserError(str(exc)) from None
