"""Fixtures of the archives' tests: uploads kept in a temporary directory, the village's
cadre, a lifted household of the village with a member in school, and one elsewhere."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

TODAY = timezone.localdate()
DATED = TODAY - dt.timedelta(days=10)


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Uploads go to a temporary directory, not the data home."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cadre(make_user, places):
    return make_user("village", places["village"])


@pytest.fixture
def lifted(places):
    """A lifted household of the village with a living member in junior school."""
    from neisheng.registry.models import Household, Person

    household = (Household.objects.filter(village=places["village"], members__alive=True)
                 .order_by("household_id").first())
    Household.objects.filter(pk=household.pk).update(status="lifted")
    member = household.members.filter(alive=True).order_by("-birth_date", "person_id").first()
    Person.objects.filter(pk=member.pk).update(schooling="junior")
    household.refresh_from_db()
    return household


@pytest.fixture
def elsewhere(places):
    from neisheng.registry.models import Household

    household = Household.objects.filter(village=places["other_village"]).order_by("household_id").first()
    Household.objects.filter(pk=household.pk).update(status="lifted")
    household.refresh_from_db()
    return household


def upload_document(user, household, content: bytes, *, name="户口簿.pdf", category="household",
                    doc_type="hukou_book", title="户口簿", dated_on=DATED, **more):
    from neisheng.archives.services import document_upload
    from neisheng.archives.tests.files import upload

    return document_upload(user=user, household=household, category=category, doc_type=doc_type, title=title,
                           dated_on=dated_on, file=upload(content, name), **more)
