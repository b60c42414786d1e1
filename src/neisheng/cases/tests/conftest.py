import pytest


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Consent scans uploaded by the tests go to a temporary directory, not the data home."""
    settings.MEDIA_ROOT = tmp_path / "media"
