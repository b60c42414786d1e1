"""The feeds app's routes in the scope matrix (tests/web/test_scope_matrix.py): the
feeds' own routes in matrix_feeds.py, the review queue's and findings' in
matrix_findings.py."""

from __future__ import annotations

from neisheng.feeds.tests import matrix_feeds, matrix_findings

ENDPOINTS = [*matrix_feeds.ENDPOINTS, *matrix_findings.ENDPOINTS]


def targets(*, household, other_household, places) -> dict:
    made = matrix_feeds.targets(household=household, other_household=other_household, places=places)
    made.update(matrix_findings.targets(household=household, other_household=other_household, places=places,
                                        feeds=made))
    return made
