import pytest


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Evidence uploaded by the tests goes to a temporary directory, not the data home."""
    settings.MEDIA_ROOT = tmp_path / "media"
