"""What the review-queue and findings tests (and their scope-matrix targets) share: an
applied feed with its file, a row waiting for review with its candidates, and findings
made by hand, as feeds.services would store them."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.utils import timezone

from neisheng.engine.feeds import FEED_TYPES
from neisheng.feeds.models import Feed, FeedRow, Finding, ReviewState
from neisheng.registry.models import Household, Person


def county_code(household: Household) -> str:
    return household.village_id[:6].ljust(12, "0")


def uploader_for(household: Household):
    from neisheng.accounts.models import User
    from neisheng.registry.models import Division

    code = county_code(household)
    username = f"feeds-uploader-{code}"
    return User.objects.filter(username=username).first() or User.objects.create_user(
        username=username, role="department", division=Division.objects.get(pk=code))


def csv_text(feed_type: str, rows: list[dict]) -> str:
    columns = FEED_TYPES[feed_type].all_columns
    lines = [",".join(c.header_zh for c in columns)]
    for row in rows:
        lines.append(",".join(str(row.get(c.name, "")) for c in columns))
    return "\n".join(lines) + "\n"


def feed_made(*, household: Household, feed_type: str, rows: list[dict] | None = None,
              name: str = "部门数据.csv", received_on: dt.date | None = None) -> Feed:
    """An applied feed of the household's county whose kept file holds `rows` (each a dict
    of column name → text), so screening it again reads the same rows."""
    feed = Feed(feed_type=feed_type, department=FEED_TYPES[feed_type].department,
                division_code=county_code(household), original_name=name, checksum="0" * 64,
                uploaded_by=uploader_for(household), received_on=received_on or timezone.localdate(),
                status=Feed.Status.APPLIED, rows=len(rows or []))
    content = csv_text(feed_type, rows or []).encode("utf-8")
    feed.size = len(content)
    feed.file.save(f"test-{feed_type}.csv", ContentFile(content), save=False)
    feed.save()
    return feed


def values_of(feed_type: str, row: dict) -> dict:
    return {c.name: str(row.get(c.name, "")) for c in FEED_TYPES[feed_type].all_columns}


def feed_row_made(*, feed: Feed, number: int, row: dict, person: Person | None, kind: str = "exact",
                  candidates: list[Person] | None = None, probability: float | None = None) -> FeedRow:
    """A stored row: `person` linked for exact/probable, the best candidate for review."""
    household = person.household if person is not None else None
    return FeedRow.objects.create(
        feed=feed, row=number, values=values_of(feed.feed_type, row), name=row.get("name", ""),
        id_number=row.get("id_number", ""), match_kind=kind, person=person, household=household,
        match_probability=1.0 if kind == "exact" else probability,
        match_weight=None if kind == "exact" else 4.2,
        candidates=[candidate(p, rank=i, probability=(probability or 0.8) - 0.1 * (i - 1))
                    for i, p in enumerate(candidates or [], start=1)],
        review_state=ReviewState.PENDING if kind == "review" else ReviewState.NONE,
        division_code=household.village_id if household is not None else feed.division_code,
    )


def candidate(person: Person, *, rank: int, probability: float) -> dict:
    return {"rank": rank, "person_id": person.person_id, "household_id": person.household_id,
            "match_probability": probability, "match_weight": 3.5,
            "level_name": "name_pinyin", "w_name": 6.1, "level_birth_date": "birth_date_exact", "w_birth_date": 7.9,
            "level_sex": "sex_same", "w_sex": 0.9, "level_id_number": "id_number_missing", "w_id_number": 0.0,
            "level_village": "village_same", "w_village": 2.3}


def finding_made(*, feed: Feed, household: Household, person: Person | None, rule: str, rows: list[int],
                 period: str = "", evidence: str = "依据") -> Finding:
    return Finding.objects.create(feed=feed, rule=rule, household=household, person=person,
                                  subject=person.person_id if person is not None else household.household_id,
                                  period=period, rows=rows, evidence=evidence, division_code=household.village_id)


def member_of(household: Household) -> Person:
    return household.members.order_by("person_id").first()
