"""CLI commands of the web platform (registered on `neisheng` by neisheng.cli).
Django is imported inside each command so other commands start fast."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
