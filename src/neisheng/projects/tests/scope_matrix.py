"""The projects app's entries in the scope matrix (tests/web/test_scope_matrix.py): one
region per helper area. `targets` creates each area's records on both sides."""

from __future__ import annotations

ENDPOINTS: list[dict] = []
NOT_SCOPED: list[str] = []
_TARGETS: list = []


def targets(*, household, other_household, places) -> dict:
    extra: dict = {}
    for make in _TARGETS:
        extra.update(make(household=household, other_household=other_household, places=places))
    return extra


# --- B ---

# --- C ---

# --- D ---

# --- E ---

# --- F ---
