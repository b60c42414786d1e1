"""A model change without its migration works on the developer's database and breaks
every fresh one; labels count too, since they are part of the migration state."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_every_model_change_has_its_migration():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:
        pytest.fail(f"models changed without a migration (run makemigrations):\n{out.getvalue()}"
                    if exit_.code else out.getvalue())
