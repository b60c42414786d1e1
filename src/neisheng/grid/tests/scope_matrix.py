"""The grid app's routes in the scope matrix (tests/web/test_scope_matrix.py): cadres and
pairs (CORE_ENDPOINTS, core_targets) and the assignment, coverage and public boards
(COVERAGE_ENDPOINTS, coverage_targets)."""

from __future__ import annotations

# --- cadres, pairs, imports (B) ---
CORE_ENDPOINTS: list[dict] = []


def core_targets(*, household, other_household, places) -> dict:
    return {}


# --- assignment, coverage, public boards (C) ---
COVERAGE_ENDPOINTS: list[dict] = []


def coverage_targets(*, household, other_household, places, core: dict) -> dict:
    return {}


ENDPOINTS = CORE_ENDPOINTS + COVERAGE_ENDPOINTS


def targets(*, household, other_household, places) -> dict:
    core = core_targets(household=household, other_household=other_household, places=places)
    return {**core, **coverage_targets(household=household, other_household=other_household, places=places,
                                        core=core)}
