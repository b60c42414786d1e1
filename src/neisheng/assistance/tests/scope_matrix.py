"""The assistance app's routes in the scope matrix (tests/web/test_scope_matrix.py)."""

from __future__ import annotations

ENDPOINTS: list[dict] = [
]


def targets(*, household, other_household, places) -> dict:
    return {}
