"""Refusals of case steps besides the platform's TransitionRefused (a rule refused: 400)."""

from __future__ import annotations


class StepForbidden(Exception):
    """The user's role may not make this step at all (cases.md's "who may"): HTTP 403.
    The message is one sentence, "中文 / English"."""
