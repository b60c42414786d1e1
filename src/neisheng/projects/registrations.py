"""What the projects app adds to the platform's shared places (household sections, work
cards, dashboard sources, audit vocabulary). Each helper area adds one function below
and one call line in `register()`."""

from __future__ import annotations


def register() -> None:
    pass
