"""What tests import by name. Kept out of the conftest files: with several conftest.py in
one run, `from conftest import …` binds whichever was imported first."""

from __future__ import annotations

import datetime as dt
import os
import shutil

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
PASSWORD = "neisheng-test-pw-2026"


def require(condition: bool, what: str) -> None:
    """Skip a test whose service is missing on a developer's machine; in CI fail instead,
    so a green CI never hides a test that did not run."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true but {what} is not available")
    pytest.skip(f"{what} is not available")


def require_java() -> None:
    require(shutil.which("java") is not None, "Java (for Spark)")


def fresh_id_number(birth: dt.date = dt.date(1990, 5, 17), sequence: int = 101) -> str:
    """A valid 巫山 ID number for `birth` that no person holds yet: the sequence steps by two
    from `sequence`, so its parity (odd male, even female) is kept."""
    from neisheng import ids
    from neisheng.registry.models import Person

    while True:
        first17 = f"500237{birth:%Y%m%d}{sequence:03d}"
        number = first17 + ids.check_digit(first17)
        if not Person.objects.filter(pk=number).exists():
            return number
        sequence += 2


def division_places() -> dict:
    """A county, a town and a village in it, and another county, town and village (for
    fixtures that build on them once per module)."""
    from neisheng.registry.models import Division

    def first(level, under):
        return Division.objects.filter(level=level, code__startswith=under).order_by("code").first()

    here, there = "500237", "500238"
    return {
        "county": first(3, here), "town": first(4, here), "village": first(5, here),
        "other_county": first(3, there), "other_town": first(4, there), "other_village": first(5, there),
    }


def calls_recorded(monkeypatch, module, name: str) -> list[dict]:
    """Replace `module.name` with a wrapper that records each call's keyword arguments
    and returns what the real function returns: the list of calls, for a test to check
    whether a page read the database or took stored figures."""
    calls = []
    real = getattr(module, name)

    def recording(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(module, name, recording)
    return calls
