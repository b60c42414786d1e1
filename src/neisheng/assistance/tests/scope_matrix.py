"""The assistance app's routes in the scope matrix (tests/web/test_scope_matrix.py). Each
helper's entries sit in its own region; `targets` merges each region's records."""

from __future__ import annotations

ENDPOINTS: list[dict] = []

# --- C: coverage, village industries, poor villages ---
ENDPOINTS += [
]


def _targets_c(*, household, other_household, places) -> dict:
    return {}


# --- D: overdue first measures, household assistance plan ---
ENDPOINTS += [
]


def _targets_d(*, household, other_household, places) -> dict:
    return {}


# --- E: trainings, meetings, imports, the household's activities ---
ENDPOINTS += [
]


def _targets_e(*, household, other_household, places) -> dict:
    return {}


# --- F: job placements, welfare posts, industry participation ---
ENDPOINTS += [
]


def _targets_f(*, household, other_household, places) -> dict:
    return {}


# --- G: microcredit, education aid, insurance ---
ENDPOINTS += [
]


def _targets_g(*, household, other_household, places) -> dict:
    return {}


# --- H: evaluation ---
ENDPOINTS += [
]


def _targets_h(*, household, other_household, places) -> dict:
    return {}


def targets(*, household, other_household, places) -> dict:
    made = {}
    for part in (_targets_c, _targets_d, _targets_e, _targets_f, _targets_g, _targets_h):
        made.update(part(household=household, other_household=other_household, places=places))
    return made
