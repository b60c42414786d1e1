"""Fixtures of the surveys' tests: the research questionnaire (the shipped template) in
the test county, a survey issuing it, and answers that make a valid household response."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

TODAY = timezone.localdate()
OPENED = TODAY - dt.timedelta(days=30)


def household_answers(**changed) -> dict:
    """Every question the households are asked, answered within range; `changed`
    replaces or (with None) leaves out answers."""
    answers = {
        "difficulties": ["A", "C"], "head_education": "B", "poverty_cause": "A", "medical_aid": "A",
        "income_factors": ["A"], "learning_wishes": ["A", "B"], "support_received": ["B"],
        "will": 4, "confidence": 3, "rely_on_government": 2, "willing_to_learn": 4, "village_concern": 5,
        "village_affairs": "A", "policy_awareness": "A", "policy_execution": "B", "satisfaction": "A",
    }
    answers.update(changed)
    return {code: value for code, value in answers.items() if value is not None}


def workbook(header: list, rows: list[list], name: str = "问卷.xlsx") -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


@pytest.fixture
def officer(make_user, places):
    return make_user("county", places["county"])


@pytest.fixture
def questionnaire(officer, places):
    from neisheng.surveys.services import questionnaire_from_template

    return questionnaire_from_template(user=officer, division_code=places["county"].code)


@pytest.fixture
def survey(officer, places, questionnaire):
    from neisheng.surveys.services import survey_open

    return survey_open(user=officer, version=questionnaire.current, division_code=places["county"].code,
                       name="内生动力调查", issued=100, opened_on=OPENED)


@pytest.fixture
def village_households(places):
    """Households of the test village, and of a second village of its town (the test
    county has one village: three of its last households are moved to a new one)."""
    from neisheng.registry.models import Division, Household

    town = places["town"]
    other = Division.objects.create(code=town.code[:9] + "299", name="新建村", level=5, parent=town)
    moved = list(Household.objects.filter(village=places["village"]).order_by("-household_id")
                 .values_list("pk", flat=True)[:3])
    Household.objects.filter(pk__in=moved).update(village=other)
    here = list(Household.objects.filter(village=places["village"]).order_by("household_id")[:6])
    there = list(Household.objects.filter(village=other).order_by("household_id"))
    return {"here": here, "there": there, "other_village": other}
