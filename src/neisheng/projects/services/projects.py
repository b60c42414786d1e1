"""The one write path of projects and what flows through them: the project and the
divisions it serves, funds in, expenditures out, assets, beneficiaries over time, yearly
revenue and attached documents.

Who may write: PROJECTS_EDIT (PermissionDenied otherwise), on a project the user sees
(Http404 otherwise, the answer for a project that does not exist). A project's own records
(itself, its funds, expenditures, assets, revenue and documents) are written by users of
the division that runs it; a served village's cadre, who sees the project, is refused
(PermissionDenied) except for beneficiaries: a household joins or leaves by whoever has it
in scope, so a village adds its own villagers to the town's greenhouse park.

A fund is never spent beyond what it holds: `expenditure_add` locks the fund's row
(select_for_update) before it sums what was spent, so two clerks spending the last of a
fund at the same moment cannot both succeed; the one that would overspend is refused and
writes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from neisheng.accounts.access import PROJECTS_EDIT
from neisheng.accounts.services import audit_record
from neisheng.platform import scope
from neisheng.platform.access import require
from neisheng.projects.models import (
    FEN,
    ZERO,
    Asset,
    Beneficiary,
    Expenditure,
    Fund,
    Project,
    ProjectDivision,
    ProjectDocument,
    Revenue,
)
from neisheng.projects.selectors_projects import projects_visible
from neisheng.projects.services.audit import audit_after_change
from neisheng.registry.models import Division, Household

# What fits the amount columns (max_digits 14, two places).
AMOUNT_MAX = Decimal("999999999999.99")
DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
YEAR_MIN, YEAR_MAX = 2000, 2100


def _today() -> dt.date:
    return timezone.localdate()


# --------------------------------------------------------------------------- checks


def _project_seen(user, project: Project) -> Project:
    """The project as stored, if the user sees it (Http404 otherwise)."""
    found = projects_visible(user).filter(pk=project.pk).first()
    if found is None:
        raise Http404("no such project")
    return found


def _project_run_here(user, project: Project) -> Project:
    """The project, if the user sees it and it is run within the user's division."""
    project = _project_seen(user, project)
    if not scope.code_is_within(user, project.division_code):
        raise PermissionDenied("只有项目主管区划的用户可以修改项目 / only users of the division that runs "
                               "the project may change it")
    return project


def _amount(value, field: str, problems: dict, *, zero_allowed: bool = False) -> Decimal | None:
    """`value` as yuan with at most two places (a fen is the smallest amount)."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        problems[field] = [_("请填写金额。")]
        return None
    if not amount.is_finite():
        problems[field] = [_("请填写金额。")]
        return None
    if amount != amount.quantize(FEN):
        problems[field] = [_("金额最多两位小数(到分)。")]
        return None
    if amount < ZERO or (amount == ZERO and not zero_allowed):
        problems[field] = [_("金额必须大于零。")] if not zero_allowed else [_("金额不能小于零。")]
        return None
    if amount > AMOUNT_MAX:
        problems[field] = [_("金额过大。")]
        return None
    return amount.quantize(FEN)


def _not_future(day, field: str, problems: dict) -> None:
    if day is not None and day > _today():
        problems[field] = [_("日期不能晚于今天。")]


def _raise(problems: dict) -> None:
    if problems:
        raise ValidationError(problems)


def _served_checked(user, division_code: str, served_codes, problems: dict) -> list[str]:
    """The divisions a project serves: existing divisions within the division that runs
    it (its users then see every beneficiary); none given: that division itself."""
    codes = list(dict.fromkeys(c.strip() for c in (served_codes or []) if c and c.strip()))
    if not codes:
        return [division_code]
    known = set(Division.objects.filter(code__in=codes).values_list("code", flat=True))
    runner = Division.objects.filter(code=division_code).first()
    prefix = runner.prefix if runner is not None else division_code
    bad = [c for c in codes if c not in known or not c.startswith(prefix) or not scope.code_is_within(user, c)]
    if bad:
        problems["served_codes"] = [ValidationError(_("受益区划 %(codes)s 不存在或不在项目主管区划之内。"),
                                                    params={"codes": "、".join(bad)})]
    return codes


def _project_fields_checked(user, *, division_code, name, kind, started_on, completed_on, problems: dict) -> None:
    if not division_code or not Division.objects.filter(code=division_code).exists() \
            or not scope.code_is_within(user, division_code):
        problems["division_code"] = [_("主管区划不存在或不在您的管辖范围内。")]
    if not (name or "").strip():
        problems["name"] = [_("请填写项目名称。")]
    if kind not in Project.Kind.values:
        problems["kind"] = [_("项目类型不是允许的取值。")]
    if started_on and completed_on and completed_on < started_on:
        problems["completed_on"] = [_("建成日期不能早于开工日期。")]


def _audit(*, user, action: str, object_type: str, record, division_code: str, detail: dict, request=None):
    audit_record(user=user, action=action, division_code=division_code, object_type=object_type,
                 object_id=str(record.pk), detail=detail, request=request)


# --------------------------------------------------------------------------- projects


@transaction.atomic
def project_create(*, user, division_code: str, name: str, kind: str, served_codes: list[str], number: str = "",
                   description: str = "", started_on=None, completed_on=None, manager: str = "",
                   request=None) -> Project:
    """A new project run by `division_code` (within the user's scope), serving
    `served_codes` (divisions within it; none: the division itself)."""
    require(user, PROJECTS_EDIT)
    problems: dict = {}
    _project_fields_checked(user, division_code=division_code, name=name, kind=kind, started_on=started_on,
                            completed_on=completed_on, problems=problems)
    served = _served_checked(user, division_code, served_codes, problems) if "division_code" not in problems else []
    _raise(problems)
    project = Project.objects.create(division_code=division_code, number=(number or "").strip(), name=name.strip(),
                                     kind=kind, description=description or "", started_on=started_on,
                                     completed_on=completed_on, manager=(manager or "").strip(), created_by=user)
    ProjectDivision.objects.bulk_create([ProjectDivision(project=project, division_code=c) for c in served])
    _audit(user=user, action="create", object_type="project", record=project, division_code=division_code,
           detail={"name": project.name, "kind": kind, "served": served}, request=request)
    return project


@transaction.atomic
def project_update(*, user, project: Project, name: str, kind: str, served_codes: list[str], number: str = "",
                   description: str = "", started_on=None, completed_on=None, manager: str = "",
                   request=None) -> Project:
    """The project's description and served divisions changed (its running division stays:
    its funds and revenue are that division's)."""
    require(user, PROJECTS_EDIT)
    project = _project_run_here(user, project)
    problems: dict = {}
    _project_fields_checked(user, division_code=project.division_code, name=name, kind=kind,
                            started_on=started_on, completed_on=completed_on, problems=problems)
    served = _served_checked(user, project.division_code, served_codes, problems)
    _raise(problems)
    before = {"name": project.name, "kind": project.kind, "served": sorted(project.divisions.values_list(
        "division_code", flat=True))}
    project.number, project.name, project.kind = (number or "").strip(), name.strip(), kind
    project.description, project.manager = description or "", (manager or "").strip()
    project.started_on, project.completed_on = started_on, completed_on
    project.save()
    project.divisions.exclude(division_code__in=served).delete()
    have = set(project.divisions.values_list("division_code", flat=True))
    ProjectDivision.objects.bulk_create([ProjectDivision(project=project, division_code=c) for c in served
                                         if c not in have])
    _audit(user=user, action="update", object_type="project", record=project, division_code=project.division_code,
           detail={"before": before, "after": {"name": project.name, "kind": kind, "served": sorted(served)}},
           request=request)
    return project


# --------------------------------------------------------------------------- funds and expenditures


@transaction.atomic
def fund_add(*, user, project: Project, source: str, amount, received_on, document_no: str = "", note: str = "",
             request=None) -> Fund:
    require(user, PROJECTS_EDIT)
    project = _project_run_here(user, project)
    problems: dict = {}
    if source not in Fund.Source.values:
        problems["source"] = [_("资金来源不是允许的取值。")]
    amount = _amount(amount, "amount", problems)
    if received_on is None:
        problems["received_on"] = [_("请填写到位日期。")]
    _not_future(received_on, "received_on", problems)
    _raise(problems)
    fund = Fund.objects.create(project=project, source=source, amount=amount, received_on=received_on,
                               document_no=(document_no or "").strip(), note=note or "", recorded_by=user)
    _audit(user=user, action="create", object_type="project_fund", record=fund, division_code=project.division_code,
           detail={"project": project.pk, "source": source, "amount": str(amount)}, request=request)
    audit_after_change(division_code=project.division_code, trigger=f"fund #{fund.pk}")
    return fund


def fund_spent(fund: Fund) -> Decimal:
    """What was spent from the fund, to the fen (summed in Decimal: SQLite sums decimals
    as floats, and a comparison to the fen must be exact)."""
    return sum(fund.expenditures.values_list("amount", flat=True), ZERO).quantize(FEN)


@transaction.atomic
def expenditure_add(*, user, fund: Fund, amount, spent_on, purpose: str, payee: str = "", voucher_no: str = "",
                    request=None) -> Expenditure:
    """Money spent from `fund`: refused (ValidationError on `amount`, nothing written)
    when what the fund has spent plus `amount` would exceed what it holds."""
    require(user, PROJECTS_EDIT)
    project = _project_run_here(user, fund.project)
    problems: dict = {}
    amount = _amount(amount, "amount", problems)
    if spent_on is None:
        problems["spent_on"] = [_("请填写支出日期。")]
    _not_future(spent_on, "spent_on", problems)
    if not (purpose or "").strip():
        problems["purpose"] = [_("请填写用途。")]
    _raise(problems)
    # The lock makes "spent so far" hold until this transaction ends: a concurrent spend of
    # the same fund waits here and then sees this one.
    locked = Fund.objects.select_for_update().get(pk=fund.pk, project=project)
    spent = fund_spent(locked)
    if spent + amount > locked.amount:
        balance = locked.amount - spent
        raise ValidationError({"amount": [ValidationError(
            _("超出资金余额:该笔资金 %(total)s 元,已支出 %(spent)s 元,余额 %(balance)s 元,不能支出 %(amount)s 元。"),
            params={"total": f"{locked.amount:,.2f}", "spent": f"{spent:,.2f}", "balance": f"{balance:,.2f}",
                    "amount": f"{amount:,.2f}"}, code="overspent")]})
    expenditure = Expenditure.objects.create(fund=locked, amount=amount, spent_on=spent_on, purpose=purpose.strip(),
                                             payee=(payee or "").strip(), voucher_no=(voucher_no or "").strip(),
                                             recorded_by=user)
    _audit(user=user, action="create", object_type="project_expenditure", record=expenditure,
           division_code=project.division_code,
           detail={"project": project.pk, "fund": locked.pk, "amount": str(amount)}, request=request)
    audit_after_change(division_code=project.division_code, trigger=f"expenditure #{expenditure.pk}")
    return expenditure


# --------------------------------------------------------------------------- assets


@transaction.atomic
def asset_add(*, user, project: Project, name: str, value, location: str = "", holder: str = "",
              acquired_on=None, note: str = "", request=None) -> Asset:
    require(user, PROJECTS_EDIT)
    project = _project_run_here(user, project)
    problems: dict = {}
    if not (name or "").strip():
        problems["name"] = [_("请填写资产名称。")]
    value = _amount(value, "value", problems, zero_allowed=True)
    _not_future(acquired_on, "acquired_on", problems)
    _raise(problems)
    asset = Asset.objects.create(project=project, name=name.strip(), value=value, location=(location or "").strip(),
                                 holder=(holder or "").strip(), acquired_on=acquired_on, note=note or "",
                                 recorded_by=user)
    _audit(user=user, action="create", object_type="project_asset", record=asset, division_code=project.division_code,
           detail={"project": project.pk, "name": asset.name, "value": str(value)}, request=request)
    return asset


# --------------------------------------------------------------------------- beneficiaries


def _household_seen(user, household) -> Household:
    pk = household.pk if isinstance(household, Household) else household
    found = scope.visible_to(user, Household).filter(pk=pk).first()
    if found is None:
        raise Http404("no such household")
    return found


def _served_by(project: Project, household: Household) -> bool:
    village = household.village_id
    codes = list(project.divisions.values_list("division_code", flat=True))
    prefixes = {c: d.prefix for c, d in Division.objects.in_bulk(codes).items()}
    return any(village.startswith(prefixes.get(c, c)) for c in codes)


@transaction.atomic
def beneficiary_add(*, user, project: Project, household, starts_on, ends_on=None, note: str = "",
                    request=None) -> Beneficiary:
    """`household` (in the user's scope: Http404 otherwise) benefits from `project` from
    `starts_on` (to `ends_on`, inclusive). Refused when the household lives outside the
    divisions the project serves, or already benefits from it on any day of the period."""
    require(user, PROJECTS_EDIT)
    project = _project_seen(user, project)
    household = _household_seen(user, household)
    problems: dict = {}
    if starts_on is None:
        problems["starts_on"] = [_("请填写受益开始日期。")]
    elif ends_on is not None and ends_on < starts_on:
        problems["ends_on"] = [_("结束日期不能早于开始日期。")]
    if not _served_by(project, household):
        problems["household"] = [_("该户不在项目受益区划之内。")]
    _raise(problems)
    # Serialise joins of one project, so two overlapping rows cannot both pass the check.
    Project.objects.select_for_update().filter(pk=project.pk).first()
    overlapping = Beneficiary.objects.filter(project=project, household=household).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on))
    if ends_on is not None:
        overlapping = overlapping.filter(starts_on__lte=ends_on)
    clash = overlapping.order_by("starts_on").first()
    if clash is not None:
        raise ValidationError({"household": [ValidationError(
            _("该户在 %(starts)s 起已是本项目受益户,期间重叠。"), params={"starts": clash.starts_on.isoformat()},
            code="overlap")]})
    beneficiary = Beneficiary.objects.create(project=project, household=household, starts_on=starts_on,
                                             ends_on=ends_on, note=note or "", recorded_by=user)
    _audit(user=user, action="create", object_type="project_beneficiary", record=beneficiary,
           division_code=household.village_id,
           detail={"project": project.pk, "household": household.pk, "starts_on": starts_on.isoformat(),
                   **({"ends_on": ends_on.isoformat()} if ends_on else {})}, request=request)
    audit_after_change(division_code=project.division_code, trigger=f"beneficiary #{beneficiary.pk}")
    return beneficiary


@transaction.atomic
def beneficiary_end(*, user, beneficiary: Beneficiary, ends_on, request=None) -> Beneficiary:
    """The household stops benefiting after `ends_on` (the row stays)."""
    require(user, PROJECTS_EDIT)
    found = scope.visible_to(user, Beneficiary).filter(pk=beneficiary.pk).select_for_update().first()
    if found is None:
        raise Http404("no such beneficiary")
    project = _project_seen(user, found.project)
    problems: dict = {}
    if found.ends_on is not None:
        problems["ends_on"] = [ValidationError(_("该户已于 %(day)s 结束受益。"),
                                              params={"day": found.ends_on.isoformat()})]
    elif ends_on is None:
        problems["ends_on"] = [_("请填写受益结束日期。")]
    elif ends_on < found.starts_on:
        problems["ends_on"] = [_("结束日期不能早于开始日期。")]
    _raise(problems)
    found.ends_on = ends_on
    found.save(update_fields=["ends_on"])
    _audit(user=user, action="update", object_type="project_beneficiary", record=found,
           division_code=found.household.village_id,
           detail={"project": project.pk, "household": found.household_id, "ends_on": ends_on.isoformat()},
           request=request)
    audit_after_change(division_code=project.division_code, trigger=f"beneficiary #{found.pk}")
    return found


# --------------------------------------------------------------------------- revenue and documents


@transaction.atomic
def revenue_add(*, user, project: Project, year: int, kind: str, amount, received_on, payer: str = "",
                note: str = "", request=None) -> Revenue:
    require(user, PROJECTS_EDIT)
    project = _project_run_here(user, project)
    problems: dict = {}
    if not isinstance(year, int) or not YEAR_MIN <= year <= YEAR_MAX:
        problems["year"] = [_("年度应在 2000 至 2100 之间。")]
    if kind not in Revenue.Kind.values:
        problems["kind"] = [_("收益类型不是允许的取值。")]
    amount = _amount(amount, "amount", problems)
    if received_on is None:
        problems["received_on"] = [_("请填写到账日期。")]
    _not_future(received_on, "received_on", problems)
    _raise(problems)
    revenue = Revenue.objects.create(project=project, year=year, kind=kind, amount=amount, received_on=received_on,
                                     payer=(payer or "").strip(), note=note or "", recorded_by=user)
    _audit(user=user, action="create", object_type="project_revenue", record=revenue,
           division_code=project.division_code,
           detail={"project": project.pk, "year": year, "kind": kind, "amount": str(amount)}, request=request)
    return revenue


@transaction.atomic
def document_add(*, user, project: Project, title: str, file, request=None) -> ProjectDocument:
    """A document kept as it came (name, SHA-256, size), at most DOCUMENT_MAX_BYTES."""
    require(user, PROJECTS_EDIT)
    project = _project_run_here(user, project)
    problems: dict = {}
    if not (title or "").strip():
        problems["title"] = [_("请填写文件名称。")]
    if file is None:
        problems["file"] = [_("请选择文件。")]
    elif file.size > DOCUMENT_MAX_BYTES:
        problems["file"] = [ValidationError(_("文件不能超过 %(mb)s MB。"), params={"mb": DOCUMENT_MAX_BYTES >> 20})]
    _raise(problems)
    name = Path(file.name).name[:255]
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    document = ProjectDocument(project=project, title=title.strip(), file_name=name, sha256=digest.hexdigest(),
                               size=file.size, uploaded_by=user)
    document.file.save(name, file, save=False)
    document.save()
    _audit(user=user, action="create", object_type="project_document", record=document,
           division_code=project.division_code,
           detail={"project": project.pk, "title": document.title, "file": name, "sha256": document.sha256},
           request=request)
    return document
