"""The one write path of what the coverage targets know about villages: the county's list
of former poor villages (原贫困村) and each village's specialty industries (一村一品).

An industry that stops is given the year it stopped, never deleted, so last year's
coverage can still be read. A village wrongly put on the poor-village list is taken off
it (the list is the county's decision, copied here; a mistake in copying it is not
history worth keeping beside the audit event that records it)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from neisheng.accounts.access import ACTIVITIES_RECORD
from neisheng.accounts.services import audit_record
from neisheng.assistance.models import PoorVillage, VillageIndustry
from neisheng.engine.schema import VILLAGE_LEVEL
from neisheng.platform import scope
from neisheng.platform.access import require
from neisheng.registry.models import Division

YEAR_FIRST, YEAR_LAST = 1978, 2100


def _village(user, village: Division | str) -> Division:
    code = village.code if isinstance(village, Division) else str(village or "")
    found = scope.visible_to(user, Division).filter(pk=code, level=VILLAGE_LEVEL).first()
    if found is None:
        raise Http404
    return found


def _year_problem(year) -> str | None:
    if year is None:
        return _("请填写年度。")
    if not YEAR_FIRST <= int(year) <= YEAR_LAST:
        return _("年度应在 1978 至 2100 之间。")
    return None


@transaction.atomic
def poor_village_create(*, user, village: Division | str, listed_year: int, request=None) -> PoorVillage:
    """Put a village of the user's division on the poor-village list. Refused: no
    activities.record (403), a village outside the division (404), a bad year or a
    village already listed (ValidationError by field)."""
    require(user, ACTIVITIES_RECORD)
    village = _village(user, village)
    problems: dict[str, list] = {}
    if (problem := _year_problem(listed_year)) is not None:
        problems["listed_year"] = [problem]
    if PoorVillage.objects.filter(village=village).exists():
        problems["village"] = [_("该村已在原贫困村名单中。")]
    if problems:
        raise ValidationError(problems)
    listed = PoorVillage.objects.create(village=village, listed_year=listed_year)
    audit_record(user=user, action="create", division_code=village.code, object_type="poor_village",
                 object_id=village.code, detail={"listed_year": listed_year}, request=request)
    return listed


@transaction.atomic
def poor_village_delete(*, user, village: Division | str, request=None) -> None:
    """Take a village off the poor-village list (a mistake in copying the county's list)."""
    require(user, ACTIVITIES_RECORD)
    village = _village(user, village)
    listed = PoorVillage.objects.filter(village=village).first()
    if listed is None:
        raise Http404
    listed.delete()
    audit_record(user=user, action="delete", division_code=village.code, object_type="poor_village",
                 object_id=village.code, detail={"listed_year": listed.listed_year}, request=request)


@transaction.atomic
def village_industry_create(*, user, village: Division | str, name: str, since: int, request=None) -> VillageIndustry:
    """Record a village's specialty industry from year `since`. Refused: no
    activities.record (403), a village outside the division (404), a blank name or a
    bad year, or the same industry already running there (ValidationError by field)."""
    require(user, ACTIVITIES_RECORD)
    village = _village(user, village)
    name = (name or "").strip()
    problems: dict[str, list] = {}
    if not name:
        problems["name"] = [_("请填写产业名称。")]
    elif VillageIndustry.objects.filter(village=village, name=name, ended__isnull=True).exists():
        problems["name"] = [_("该村已有这个产业。")]
    if (problem := _year_problem(since)) is not None:
        problems["since"] = [problem]
    if problems:
        raise ValidationError(problems)
    industry = VillageIndustry.objects.create(village=village, name=name, since=since, created_by=user)
    audit_record(user=user, action="create", division_code=village.code, object_type="village_industry",
                 object_id=str(industry.pk), detail={"name": name, "since": since}, request=request)
    return industry


@transaction.atomic
def village_industry_end(*, user, industry: VillageIndustry | int, ended: int, request=None) -> VillageIndustry:
    """The industry stopped in year `ended` (it counts up to the year before). Refused: no
    activities.record (403), an industry outside the division (404), an industry already
    ended, or a year before it began (ValidationError by field)."""
    require(user, ACTIVITIES_RECORD)
    pk = industry.pk if isinstance(industry, VillageIndustry) else industry
    industry = (scope.visible_to(user, VillageIndustry).select_for_update().filter(pk=pk).first()
                if str(pk).isdigit() else None)
    if industry is None:
        raise Http404
    problems: dict[str, list] = {}
    if industry.ended is not None:
        problems["ended"] = [_("该产业已停止。")]
    elif (problem := _year_problem(ended)) is not None:
        problems["ended"] = [problem]
    elif int(ended) < industry.since:
        problems["ended"] = [_("停止年度不能早于起始年度。")]
    if problems:
        raise ValidationError(problems)
    industry.ended = ended
    industry.save(update_fields=["ended"])
    audit_record(user=user, action="update", division_code=industry.village_id, object_type="village_industry",
                 object_id=str(industry.pk), detail={"ended": ended}, request=request)
    return industry
