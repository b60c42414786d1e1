"""The one write path of job placements (就业帮扶) and public-welfare posts (公益岗位).

What they change in the registry is derived, never typed twice: after each write the
household's ledger row (year, `wage`, source `job_placement`) is the sum of months ×
monthly wage of its placements of that year, and (year, `public_welfare_post`, source
`welfare_post`) the sum of months × monthly pay of its posts; the survey's own rows are
never touched. A member's `employed_months` of the policy year becomes the months of
their placements and posts of that year (at most 12) when that is more than the registry
holds: an activity records work found, it never takes away months the survey counted.

Ending a placement or post sets its end date and shortens its months of its year to the
calendar months from its start (or 1 January) to its end, never lengthening them; the
ledger row is summed again, `employed_months` is left as it is (never lowered).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from neisheng.accounts.access import ACTIVITIES_RECORD
from neisheng.accounts.services import audit_record
from neisheng.assistance.models import JobPlacement, WelfarePost
from neisheng.platform import scope
from neisheng.platform.access import require
from neisheng.registry.models import Division, Household, IncomeItem, Person
from neisheng.registry.services import (
    ledger_item_create_many,
    ledger_item_update_many,
    person_update_many,
)

# The registry's history shows these as the operation (msgids of context "change"), each
# followed by the activity's number: "就业帮扶 #12".
PLACEMENT_REASON = "就业帮扶"
POST_REASON = "公益岗位"
# (item, source) of the ledger row each kind keeps.
PLACEMENT_LEDGER = ("wage", "job_placement")
POST_LEDGER = ("public_welfare_post", "welfare_post")
MONTHS_MAX = 12


def activity_reason(label: str, pk: int) -> str:
    return f"{label} #{pk}"


def _today() -> dt.date:
    return timezone.localdate()


def _policy_year() -> int:
    from neisheng.monitoring.policies import policy_current

    return policy_current().policy.year


def _household_in_scope(user, household_id: str) -> Household:
    household = scope.visible_to(user, Household).filter(pk=household_id).first()
    if household is None:
        raise Http404
    return household


def _checked_work(*, person: Person, starts_on, year, months, amount, amount_field: str) -> dict:
    problems: dict[str, list] = {}
    if not person.alive:
        problems["person"] = [_("此人已不在世。")]
    if starts_on is None:
        problems["starts_on"] = [_("请填写上岗日期。")]
    elif starts_on > _today():
        # A placement records work that has begun; a promise of work is a planned measure.
        problems["starts_on"] = [_("上岗日期不能晚于今天。")]
    if year is None or (starts_on is not None and year < starts_on.year):
        problems["year"] = [_("收入年度不能早于上岗年份。")]
    if months is None or not 1 <= months <= MONTHS_MAX:
        problems["months"] = [_("月数应为 1 到 12。")]
    if amount is None or amount <= 0:
        problems[amount_field] = [_("金额应大于 0。")]
    return problems


def months_until(*, starts_on: dt.date, ends_on: dt.date, year: int) -> int:
    """Calendar months of `year` worked from `starts_on` to `ends_on`, both counted."""
    first = max(starts_on, dt.date(year, 1, 1))
    if ends_on < first or ends_on.year < year:
        return 0
    last = min(ends_on, dt.date(year, 12, 31))
    return (last.year - first.year) * 12 + last.month - first.month + 1


def _ledger_sync(*, user, household_id: str, year: int, model, pay_field: str, item: str, source: str,
                 reason: str) -> IncomeItem | None:
    """Make the household's (year, item, source) row the sum of months × pay of its
    activities of that year: updated when it exists, created when there is money."""
    total = Decimal(0)
    for months, pay in model.objects.filter(household_id=household_id, year=year).values_list("months", pay_field):
        total += Decimal(months) * pay
    total = total.quantize(Decimal("0.01"))
    row = IncomeItem.objects.filter(household_id=household_id, year=year, item=item, source=source) \
        .order_by("pk").first()
    if row is not None:
        if row.amount != total:
            ledger_item_update_many(user=user, changes=[(row, {"amount": total})], change_reason=reason)
            row.refresh_from_db()
        return row
    if total <= 0:
        return None
    return ledger_item_create_many(user=user, rows=[{"household_id": household_id, "year": year, "item": item,
                                                     "amount": total, "source": source}],
                                   change_reason=reason)[0]


def person_work_months(person_id: str, year: int) -> int:
    """The months of `year` the member's placements and posts count together, at most 12."""
    months = sum(JobPlacement.objects.filter(person_id=person_id, year=year).values_list("months", flat=True))
    months += sum(WelfarePost.objects.filter(person_id=person_id, year=year).values_list("months", flat=True))
    return min(MONTHS_MAX, months)


def _employed_months_sync(*, user, person: Person, year: int, reason: str) -> None:
    if year != _policy_year():
        return
    months = person_work_months(person.person_id, year)
    current = Person.objects.filter(pk=person.pk).values_list("employed_months", flat=True).first() or 0
    if months > current:
        person_update_many(user=user, changes=[(person.person_id, {"employed_months": months})],
                           change_reason=reason)


def _carried_out(*, user, household, person_id: str, measure: str, on: dt.date, responsible: str, outcome: str,
                 why: str):
    # Looked up when called: the measures app's services are the one write path of measures.
    from neisheng.measures import services as measure_services

    return measure_services.measure_carried_out(user=user, household=household, person_id=person_id,
                                                measure=measure, on=on, responsible=responsible, done=True,
                                                outcome=outcome, why=why)


def _member(user, person: Person | str) -> tuple[Person, Household]:
    person_id = person.person_id if isinstance(person, Person) else person
    found = scope.visible_to(user, Person).filter(pk=person_id).first()
    if found is None:
        raise Http404
    return found, Household.objects.get(pk=found.household_id)


def _audit(*, user, action: str, record, household: Household, detail: dict, request) -> None:
    object_type = "job_placement" if isinstance(record, JobPlacement) else "welfare_post"
    audit_record(user=user, action=action, division_code=household.village_id, object_type=object_type,
                 object_id=str(record.pk), detail={"household": household.household_id, **detail},
                 request=request)


# --------------------------------------------------------------------------- job placements


@transaction.atomic
def placement_record(*, user, person: Person | str, employer: str, starts_on: dt.date, months: int,
                     monthly_wage: Decimal, job: str = "", year: int | None = None, note: str = "",
                     request=None) -> JobPlacement:
    """A job found for a living member: recorded, the job-placement measure carried out
    (done), the household's `wage` row of the year summed again and the member's
    `employed_months` raised when it counts more. Refused: a role without
    activities.record (403), someone outside the user's division (404), bad values
    (ValidationError by field)."""
    require(user, ACTIVITIES_RECORD)
    person, household = _member(user, person)
    year = year if year is not None else (starts_on.year if starts_on else None)
    employer = (employer or "").strip()
    problems = _checked_work(person=person, starts_on=starts_on, year=year, months=months, amount=monthly_wage,
                             amount_field="monthly_wage")
    if not employer:
        problems["employer"] = [_("请填写用工单位。")]
    if problems:
        raise ValidationError(problems)
    placement = JobPlacement.objects.create(
        household=household, person=person, employer=employer, job=(job or "").strip(), starts_on=starts_on,
        year=year, months=months, monthly_wage=monthly_wage, note=(note or "").strip(), recorded_by=user)
    why = activity_reason(PLACEMENT_REASON, placement.pk)
    placement.measure = _carried_out(
        user=user, household=household, person_id=person.person_id, measure="job_placement", on=starts_on,
        responsible=employer, outcome=f"{employer} {placement.job} {months}个月 × {monthly_wage}元".strip(), why=why)
    placement.save(update_fields=["measure"])
    _placement_sync(user=user, placement=placement, person=person, why=why)
    _audit(user=user, action="create", record=placement, household=household, request=request,
           detail={"person": person.person_id, "employer": employer, "starts_on": starts_on.isoformat(),
                   "year": year, "months": months, "monthly_wage": str(monthly_wage)})
    return placement


def _placement_sync(*, user, placement: JobPlacement, person: Person, why: str) -> None:
    item, source = PLACEMENT_LEDGER
    _ledger_sync(user=user, household_id=placement.household_id, year=placement.year, model=JobPlacement,
                 pay_field="monthly_wage", item=item, source=source, reason=why)
    _employed_months_sync(user=user, person=person, year=placement.year, reason=why)


@transaction.atomic
def placement_end(*, user, placement: JobPlacement, ends_on: dt.date, request=None) -> JobPlacement:
    """The member left the job on `ends_on`: its months of its year are cut to those
    worked (never lengthened) and the household's `wage` row summed again."""
    require(user, ACTIVITIES_RECORD)
    _household_in_scope(user, placement.household_id)
    placement = JobPlacement.objects.select_for_update().get(pk=placement.pk)
    months = _end_checked(placement, ends_on)
    before = placement.months
    placement.ends_on, placement.months = ends_on, min(placement.months, months)
    placement.save(update_fields=["ends_on", "months"])
    why = activity_reason(PLACEMENT_REASON, placement.pk)
    item, source = PLACEMENT_LEDGER
    _ledger_sync(user=user, household_id=placement.household_id, year=placement.year, model=JobPlacement,
                 pay_field="monthly_wage", item=item, source=source, reason=why)
    _audit(user=user, action="update", record=placement, household=placement.household, request=request,
           detail={"ends_on": ends_on.isoformat(), "changes": {"months": [before, placement.months]}})
    return placement


def _end_checked(record, ends_on) -> int:
    if record.ends_on is not None:
        raise ValidationError({"ends_on": [_("已登记离岗。")]})
    if ends_on is None:
        raise ValidationError({"ends_on": [_("请填写离岗日期。")]})
    if ends_on < record.starts_on:
        raise ValidationError({"ends_on": [_("离岗日期不能早于上岗日期。")]})
    if ends_on > _today():
        raise ValidationError({"ends_on": [_("离岗日期不能晚于今天。")]})
    return months_until(starts_on=record.starts_on, ends_on=ends_on, year=record.year)


# --------------------------------------------------------------------------- welfare posts


@transaction.atomic
def post_record(*, user, person: Person | str, post: str, village: Division | str, starts_on: dt.date, months: int,
                monthly_pay: Decimal, year: int | None = None, note: str = "", request=None) -> WelfarePost:
    """A public-welfare post for a living member, serving a village of the user's
    division: recorded, the welfare-post measure carried out (done), the household's
    `public_welfare_post` row of the year summed again and `employed_months` raised when
    it counts more. Refusals as `placement_record`."""
    require(user, ACTIVITIES_RECORD)
    person, household = _member(user, person)
    year = year if year is not None else (starts_on.year if starts_on else None)
    post = (post or "").strip()
    problems = _checked_work(person=person, starts_on=starts_on, year=year, months=months, amount=monthly_pay,
                             amount_field="monthly_pay")
    if not post:
        problems["post"] = [_("请填写岗位。")]
    village_code = village.code if isinstance(village, Division) else (village or "")
    village = scope.visible_to(user, Division).filter(code=village_code, level=5).first()
    if village is None:
        problems["village"] = [_("服务村不在您的管辖范围内。")]
    if problems:
        raise ValidationError(problems)
    record = WelfarePost.objects.create(
        household=household, person=person, post=post, village=village, starts_on=starts_on, year=year,
        months=months, monthly_pay=monthly_pay, note=(note or "").strip(), recorded_by=user)
    why = activity_reason(POST_REASON, record.pk)
    record.measure = _carried_out(
        user=user, household=household, person_id=person.person_id, measure="public_welfare_post", on=starts_on,
        responsible=village.name, outcome=f"{post} {months}个月 × {monthly_pay}元", why=why)
    record.save(update_fields=["measure"])
    item, source = POST_LEDGER
    _ledger_sync(user=user, household_id=household.household_id, year=year, model=WelfarePost,
                 pay_field="monthly_pay", item=item, source=source, reason=why)
    _employed_months_sync(user=user, person=person, year=year, reason=why)
    _audit(user=user, action="create", record=record, household=household, request=request,
           detail={"person": person.person_id, "post": post, "village": village.code,
                   "starts_on": starts_on.isoformat(), "year": year, "months": months,
                   "monthly_pay": str(monthly_pay)})
    return record


@transaction.atomic
def post_end(*, user, post: WelfarePost, ends_on: dt.date, request=None) -> WelfarePost:
    """The member left the post on `ends_on`: as `placement_end`, for the
    `public_welfare_post` row."""
    require(user, ACTIVITIES_RECORD)
    _household_in_scope(user, post.household_id)
    post = WelfarePost.objects.select_for_update().get(pk=post.pk)
    months = _end_checked(post, ends_on)
    before = post.months
    post.ends_on, post.months = ends_on, min(post.months, months)
    post.save(update_fields=["ends_on", "months"])
    why = activity_reason(POST_REASON, post.pk)
    item, source = POST_LEDGER
    _ledger_sync(user=user, household_id=post.household_id, year=post.year, model=WelfarePost,
                 pay_field="monthly_pay", item=item, source=source, reason=why)
    _audit(user=user, action="update", record=post, household=post.household, request=request,
           detail={"ends_on": ends_on.isoformat(), "changes": {"months": [before, post.months]}})
    return post
