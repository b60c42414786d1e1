import io

import pytest


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Photos uploaded by the tests go to a temporary directory, not the data home."""
    settings.MEDIA_ROOT = tmp_path / "media"


def image_bytes(fmt: str = "JPEG", size=(2400, 1200), color=(200, 120, 40)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt)
    return out.getvalue()


@pytest.fixture
def household(places):
    """A lifted household of the village with an alive member (it needs a cadre)."""
    from neisheng.registry.models import Household

    household = (Household.objects.filter(village=places["village"], members__alive=True)
                 .order_by("household_id").first())
    Household.objects.filter(pk=household.pk).update(status="lifted")
    household.refresh_from_db()
    return household
