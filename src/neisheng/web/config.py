"""Environment helpers shared by the settings and the CLI."""

from __future__ import annotations

import os
from pathlib import Path


def flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def home() -> Path:
    path = Path(os.environ.get("NEISHENG_HOME", "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def setup_django() -> None:
    """Configure Django for a CLI command (idempotent)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "neisheng.web.settings")
    import django

    django.setup()
