"""The audit's runs and findings (owner: helper E). Other areas call
`audit_after_change` at the end of every write that could change a check's answer."""

from __future__ import annotations

from contextlib import contextmanager


def audit_after_change(*, division_code: str, trigger: str) -> None:
    """Run the checks again for the county of `division_code` (inside the caller's
    transaction, so what it finds commits with the change), or, inside `audit_batch()`,
    once when the batch ends."""
    return None


@contextmanager
def audit_batch():
    """Defer every `audit_after_change` inside the block to one run per county at its end
    (the demo and imports write many rows)."""
    yield
