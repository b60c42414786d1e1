"""The one write path of renovations (双提升: 住房和人居环境提升, projects.md): a household's
renovation priced against the county's reference list in force on the day it was done,
its labour and material line items (amount by engine.renovations.line_amount), photos
before and after (JPEG or PNG, recognised by content), the auditor's on-site checks (every
one kept: the renovation shows the latest, the workflow log keeps them all) and the
import of line items from Excel, all or nothing.

What is over the reference price, over the maximum quantity or over the household's cap
is recorded as it was done and flagged by the audit (engine.project_audit), never refused
here: the audit team checks what was spent, not what should have been.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from neisheng.accounts.access import FINDINGS_AUDIT, RENOVATIONS_RECORD
from neisheng.accounts.services import audit_record
from neisheng.engine.renovations import line_amount
from neisheng.platform import scope
from neisheng.platform.access import require
from neisheng.platform.workflow import Step, Workflow, history, transition_record
from neisheng.projects.models import (
    Project,
    ProjectsImport,
    Renovation,
    RenovationItem,
    RenovationPhoto,
)
from neisheng.projects.services.audit import audit_after_change
from neisheng.projects.services.imports import (
    ImportColumn,
    RowProblem,
    households_resolve,
    problem,
    projects_import,
    rows_refused,
)
from neisheng.projects.services.prices import price_list_in_force
from neisheng.registry.models import Household
from neisheng.transfers.uploads import upload_limit

MAX_UNIT_PRICE = Decimal("9999999999.99")  # the column's 12 digits, 2 after the point
MAX_QUANTITY = Decimal("999999999.999")    # 12 digits, 3 after the point
PHOTO_FORMATS = {"JPEG": ".jpg", "PNG": ".png"}
# A phone photo is a few MB; one past this many pixels is not a photo of a house.
PHOTO_MAX_PIXELS = 80_000_000

# The on-site checks as a log (platform.workflow): each check is one row, from the
# verdict before to the verdict it gives, dated the day of the visit, its remarks as the
# reason. The renovation's own fields hold the latest check.
SITE_CHECK_WORKFLOW = Workflow(
    object_type="renovation_site_check",
    states={"pending": _("待入户核查"), "confirmed": _("核查属实"), "not_confirmed": _("核查不符")},
    initial="pending",
    state_field="site_check_state",
    steps=[Step("site_check", _("入户核查"), source=["pending", "confirmed", "not_confirmed"], target="confirmed",
                capability=FINDINGS_AUDIT)],
)


def refused(message, **params) -> ValidationError:
    return ValidationError(message, params=params or None)


def _recorder(user):
    return user if getattr(user, "is_authenticated", False) else None


def _renovation_in_scope(user, renovation: Renovation) -> Renovation:
    """The renovation again, read within the user's scope (404 outside it)."""
    found = scope.visible_to(user, Renovation).select_related("price_list", "household").filter(
        pk=renovation.pk).first()
    if found is None:
        raise Http404("no such renovation")
    return found


def _changed(renovation: Renovation, what: str) -> None:
    audit_after_change(division_code=renovation.household.village_id, trigger=f"renovation #{renovation.pk} {what}")


# --------------------------------------------------------------------------- a renovation


@transaction.atomic
def renovation_record(*, user, household: Household, done_on: dt.date, contractor: str = "",
                      project: Project | None = None, note: str = "", request=None) -> Renovation:
    """A renovation of the household's home done on `done_on`, priced against the county's
    list in force that day. Refused: a role without renovations.record (403), a household
    or project the user does not see (404), no date or a date in the future, no list in
    force on that day (ValidationError on done_on, saying how to get one)."""
    require(user, RENOVATIONS_RECORD)
    if not scope.visible_to(user, Household).filter(pk=household.pk).exists():
        raise Http404("no such household")
    if project is not None:
        from neisheng.projects.selectors_projects import project_for

        project = project_for(user, project.pk)
    problems: dict[str, list] = {}
    price_list = None
    if not isinstance(done_on, dt.date):
        problems["done_on"] = [refused(_("请填写完工日期。"))]
    elif done_on > timezone.localdate():
        problems["done_on"] = [refused(_("完工日期不能晚于今天。"))]
    else:
        price_list = price_list_in_force(household.village_id, done_on)
        if price_list is None:
            problems["done_on"] = [refused(_("%(day)s 本县没有执行中的改造参考价格表:请先导入县里的价格表,"
                                             "或使用默认价格表。"), day=done_on.isoformat())]
    if problems:
        raise ValidationError(problems)
    renovation = Renovation.objects.create(
        household=household, project=project, price_list=price_list, done_on=done_on,
        contractor=(contractor or "").strip(), note=(note or "").strip(), recorded_by=_recorder(user))
    audit_record(user=user, action="create", division_code=household.village_id, object_type="renovation",
                 object_id=str(renovation.pk),
                 detail={"household": household.household_id, "done_on": done_on.isoformat(),
                         "price_list": price_list.pk, "contractor": renovation.contractor,
                         **({"project": project.pk} if project is not None else {})},
                 request=request)
    _changed(renovation, "recorded")
    return renovation


def _number_problem(value, *, maximum: Decimal, places: int, positive: bool) -> ValidationError | None:
    if value is None:
        return refused(_("请填写数字。"))
    value = Decimal(value)
    if not value.is_finite():
        return refused(_("请填写数字。"))
    if positive and value <= 0:
        return refused(_("必须大于零。"))
    if value < 0:
        return refused(_("不能小于零。"))
    if value > maximum:
        return refused(_("数值过大。"))
    if -value.as_tuple().exponent > places:
        return refused(_("最多 %(places)s 位小数。"), places=places)
    return None


@transaction.atomic
def renovation_item_add(*, user, renovation: Renovation, item_code: str, kind: str, quantity: Decimal,
                        unit_price: Decimal, request=None) -> RenovationItem:
    """A labour or material line of the renovation: its item from the renovation's list
    (name and unit come from there), quantity and unit price as done; amount = quantity ×
    unit price half up to the fen. Refused: a code not on the list, a kind other than
    labor/material, a quantity not above zero, a negative price, more places than the
    columns keep (ValidationError by field); 403/404 as renovation_record."""
    require(user, RENOVATIONS_RECORD)
    renovation = _renovation_in_scope(user, renovation)
    code = (item_code or "").strip().upper()
    problems: dict[str, list] = {}
    reference = renovation.price_list.items.filter(item_code=code).first() if code else None
    if not code:
        problems["item_code"] = [refused(_("请填写项目编码。"))]
    elif reference is None:
        problems["item_code"] = [refused(_("参考价格表中没有项目编码 %(code)s。"), code=code)]
    if kind not in RenovationItem.Kind.values:
        problems["kind"] = [refused(_("类别应为人工或材料。"))]
    if why := _number_problem(quantity, maximum=MAX_QUANTITY, places=3, positive=True):
        problems["quantity"] = [why]
    if why := _number_problem(unit_price, maximum=MAX_UNIT_PRICE, places=2, positive=False):
        problems["unit_price"] = [why]
    if problems:
        raise ValidationError(problems)
    quantity, unit_price = Decimal(quantity), Decimal(unit_price)
    item = RenovationItem.objects.create(
        renovation=renovation, item_code=code, name=reference.name, kind=kind, quantity=quantity,
        unit=reference.unit, unit_price=unit_price, amount=line_amount(quantity, unit_price),
        recorded_by=_recorder(user))
    audit_record(user=user, action="create", division_code=renovation.household.village_id,
                 object_type="renovation_item", object_id=str(item.pk),
                 detail={"renovation": renovation.pk, "item_code": code, "kind": kind, "quantity": str(quantity),
                         "unit_price": str(unit_price), "amount": str(item.amount),
                         "reference_price": str(reference.reference_price),
                         "max_quantity": str(reference.max_quantity)},
                 request=request)
    _changed(renovation, "item")
    return item


# --------------------------------------------------------------------------- photos


def photo_checked(upload) -> tuple[bytes, str]:
    """The upload's bytes and the extension its content says (.jpg or .png), or a
    ValidationError on "file": what the file holds decides, whatever its name or declared
    type say. Larger than the site's upload limit (NEISHENG_UPLOAD_MAX_MB) is refused."""
    from PIL import Image, UnidentifiedImageError

    limit = upload_limit()
    limit_mb = f"{limit / (1024 * 1024):g}"
    if upload is None:
        raise ValidationError({"file": [refused(_("请选择照片。"))]})
    if getattr(upload, "size", 0) and upload.size > limit:
        raise ValidationError({"file": [refused(_("照片超过 %(mb)s MB 的上传上限。"), mb=limit_mb)]})
    upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise ValidationError({"file": [refused(_("照片超过 %(mb)s MB 的上传上限。"), mb=limit_mb)]})
    image_format = None
    try:
        with Image.open(io.BytesIO(content)) as image:
            width, height = image.size
            if width * height <= PHOTO_MAX_PIXELS:
                image.verify()
                image_format = image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        image_format = None
    if image_format not in PHOTO_FORMATS:
        raise ValidationError({"file": [refused(_("只能上传照片:这个文件的内容不是可识别的照片。"))]})
    return content, PHOTO_FORMATS[image_format]


@transaction.atomic
def renovation_photo_add(*, user, renovation: Renovation, moment: str, file, caption: str = "",
                         request=None) -> RenovationPhoto:
    """A photo of the work before or after, kept as it came (checked by photo_checked),
    with its size and SHA-256, under a name of its own. 403/404 as renovation_record."""
    require(user, RENOVATIONS_RECORD)
    renovation = _renovation_in_scope(user, renovation)
    problems: dict[str, list] = {}
    if moment not in RenovationPhoto.Moment.values:
        problems["moment"] = [refused(_("请选择改造前或改造后。"))]
    try:
        content, extension = photo_checked(file)
    except ValidationError as error:
        problems.update(error.error_dict)
    if problems:
        raise ValidationError(problems)
    sha256 = hashlib.sha256(content).hexdigest()
    photo = RenovationPhoto(renovation=renovation, moment=moment, caption=(caption or "").strip()[:200],
                            sha256=sha256, size=len(content), uploaded_by=_recorder(user))
    photo.file.save(f"{renovation.pk}-{moment}-{sha256[:16]}{extension}", ContentFile(content), save=False)
    photo.save()
    audit_record(user=user, action="create", division_code=renovation.household.village_id,
                 object_type="renovation_photo", object_id=str(photo.pk),
                 detail={"renovation": renovation.pk, "moment": moment, "sha256": sha256, "size": len(content),
                         "file": os.path.basename(getattr(file, "name", "") or "")[:120]},
                 request=request)
    # A photo feeds none of the audit's checks: no run after it.
    return photo


# --------------------------------------------------------------------------- the on-site check


@transaction.atomic
def renovation_site_check(*, user, renovation: Renovation, checked_on: dt.date, checked: bool, remarks: str = "",
                          request=None) -> Renovation:
    """The auditor's visit (入户核查): the day, whether the work was found as recorded
    (`checked`), remarks (required when it was not). Every check is kept in the log
    (`site_checks(renovation)`); the renovation shows the latest. Needs findings.audit
    (403); 404 outside the user's scope; a date in the future or before the work was
    done is refused."""
    require(user, FINDINGS_AUDIT)
    renovation = _renovation_in_scope(user, renovation)
    remarks = (remarks or "").strip()
    problems: dict[str, list] = {}
    if not isinstance(checked_on, dt.date):
        problems["checked_on"] = [refused(_("请填写核查日期。"))]
    elif checked_on > timezone.localdate():
        problems["checked_on"] = [refused(_("核查日期不能晚于今天。"))]
    elif checked_on < renovation.done_on:
        problems["checked_on"] = [refused(_("核查日期不能早于完工日期。"))]
    if not checked and not remarks:
        problems["remarks"] = [refused(_("核查不符时请写明核查意见。"))]
    if problems:
        raise ValidationError(problems)
    before = renovation.site_check_state
    earlier = {"checked": renovation.site_checked, "checked_on": (renovation.site_checked_on.isoformat()
                                                                  if renovation.site_checked_on else None)}
    renovation.site_checked, renovation.site_checked_on = bool(checked), checked_on
    renovation.site_remarks, renovation.site_checked_by = remarks, _recorder(user)
    renovation.save(update_fields=["site_checked", "site_checked_on", "site_remarks", "site_checked_by"])
    transition_record(obj=renovation, workflow=SITE_CHECK_WORKFLOW, name="site_check", from_state=before, user=user,
                      effective_on=checked_on, reason=remarks)
    audit_record(user=user, action="update", division_code=renovation.household.village_id,
                 object_type="renovation", object_id=str(renovation.pk),
                 detail={"changed": ["site_check"], "checked": bool(checked), "checked_on": checked_on.isoformat(),
                         "before": earlier},
                 request=request)
    # The checks of projects.md do not read the visit: no audit run after it.
    return renovation


def site_checks(renovation: Renovation):
    """Every on-site check of the renovation, oldest first (platform Transitions)."""
    return history(renovation, workflow=SITE_CHECK_WORKFLOW).select_related("by")


# --------------------------------------------------------------------------- the import of line items

HOUSEHOLD = ImportColumn("household_id", "户编号", "text", max_length=20)
DONE_ON = ImportColumn("done_on", "完工日期", "date")
CONTRACTOR = ImportColumn("contractor", "施工方", "text", required=False, max_length=120)
ITEM_COLUMNS = [
    HOUSEHOLD, DONE_ON, CONTRACTOR,
    ImportColumn("item_code", "项目编码", "text", max_length=20),
    ImportColumn("kind", "类别", "choice", choices=RenovationItem.Kind.choices),
    ImportColumn("quantity", "数量", "decimal", maximum=MAX_QUANTITY),
    ImportColumn("unit_price", "单价", "decimal", maximum=MAX_UNIT_PRICE),
]
_ITEM_FIELDS = {c.name: c for c in ITEM_COLUMNS}


def items_apply(*, user, request=None):
    """apply_rows for a sheet of line items: the rows of one household and one done date
    are one renovation (recorded through renovation_record, each row through
    renovation_item_add, so a row is refused for what the page would refuse). A household
    whose renovation of that date is already recorded is refused (importing a sheet twice
    would count its money twice); rows of one renovation naming different contractors too."""

    def apply(rows: list[dict]) -> list[RowProblem]:
        households, problems = households_resolve(user=user, rows=rows, column=HOUSEHOLD, once=False)
        groups: dict[tuple[str, dt.date], list[dict]] = defaultdict(list)
        for row in rows:
            if row["row"] in households:
                groups[(households[row["row"]].pk, row["done_on"])].append(row)
        for (_household_id, done_on), group in groups.items():
            household = households[group[0]["row"]]
            existing = Renovation.objects.filter(household=household, done_on=done_on).first()
            if existing is not None:
                problems += [problem(row["row"], DONE_ON, done_on, f"该户这一天的改造已登记(#{existing.pk}),"
                                     "请在其页面上添加明细", f"this household's renovation of this day is already "
                                     f"recorded (#{existing.pk}); add items on its page") for row in group]
                continue
            named = [row for row in group if row.get("contractor")]
            contractor = named[0]["contractor"] if named else ""
            differing = [row for row in named if row["contractor"] != contractor]
            if differing:
                problems += [problem(row["row"], CONTRACTOR, row["contractor"],
                                     f"同一户同一完工日期的各行施工方应一致(见第 {named[0]['row']} 行)",
                                     f"the rows of one renovation must name one contractor (see row {named[0]['row']})")
                             for row in differing]
                continue
            try:
                renovation = renovation_record(user=user, household=household, done_on=done_on,
                                               contractor=contractor, request=request)
            except (ValidationError, Http404) as error:
                problems += [p for row in group for p in rows_refused(row, error, _ITEM_FIELDS)]
                continue
            for row in group:
                try:
                    renovation_item_add(user=user, renovation=renovation, item_code=row["item_code"],
                                        kind=row["kind"], quantity=row["quantity"], unit_price=row["unit_price"],
                                        request=request)
                except (ValidationError, Http404) as error:
                    problems += rows_refused(row, error, _ITEM_FIELDS)
        return problems

    return apply


@transaction.atomic
def renovation_items_import(*, user, file, division_code: str, request=None) -> ProjectsImport:
    """Line items from Excel or CSV (户编号, 完工日期, 施工方, 项目编码, 类别, 数量, 单价 or their
    English names), all or nothing through projects_import: one bad row and nothing is
    written, every bad row named. Needs renovations.record (403)."""
    require(user, RENOVATIONS_RECORD)
    return projects_import(user=user, kind=ProjectsImport.Kind.RENOVATION_ITEMS, file=file,
                           division_code=division_code, columns=ITEM_COLUMNS,
                           apply_rows=items_apply(user=user, request=request), request=request)
