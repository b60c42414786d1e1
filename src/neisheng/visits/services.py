"""The one write path of visits (grid.md, 走访): recording a visit, and applying a visit's
updates to the household later.

A visit is the record of something that happened in a village, often typed on a phone
with no network and sent later, perhaps twice. So `visit_record` stores it once per
idempotency key, and keeps it whatever becomes of what it asked for: updates to the
household that clash with an edit made meanwhile are kept as a conflict, not written
over it; updates from someone who may not edit the registry wait for someone who may;
a risk raised for a household that already has an open case leaves a note. Only what
cannot be a visit at all (no date, a date in the future, a file that is not a photo,
unknown fields) refuses it, as a ValidationError naming the fields.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import uuid
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext
from PIL import Image, ImageOps, UnidentifiedImageError

from neisheng.accounts.access import REGISTRY_EDIT, VISITS_RECORD, user_may
from neisheng.accounts.services import audit_record
from neisheng.engine import schema
from neisheng.platform import scope
from neisheng.registry.models import Household
from neisheng.registry.services import EditConflict, household_update
from neisheng.registry.versions import BASELINE_REASON, record_version
from neisheng.visits.models import Kind, Photo, UpdateStatus, Visit

# The household facts a visitor sees on the spot and may report as changed; the others
# (status, category, the ledger ...) need papers and an office.
UPDATABLE_FIELDS = ("housing", "water", "food_clothing_ok", "willingness", "sudden_event",
                    "participates_village_affairs")
BOOLEAN_FIELDS = ("food_clothing_ok", "participates_village_affairs")
TRUE_WORDS = ("true", "1", "yes", "on")
FALSE_WORDS = ("false", "0", "no", "off")

PHOTO_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
PHOTO_LONGEST_SIDE = 1600
PHOTO_MAX_COUNT = 10
# A photo of more pixels than this is refused before it is decoded (a "decompression bomb"
# of a few KB could otherwise take the server's memory); a phone's camera takes ~50 MP at most.
PHOTO_MAX_PIXELS = 80_000_000
PHOTO_JPEG_QUALITY = 85


def _both(zh: str, en: str) -> str:
    return f"{zh} / {en}"


# --------------------------------------------------------------------------- checks


def household_existed_from(household: Household) -> dt.date | None:
    """The day the household was registered through the platform (its first history
    record), or None for households loaded from a snapshot: those existed before it, and
    the snapshot does not say since when."""
    # The state a bulk-loaded household had before its first edit is kept as a "+" record
    # too (registry.versions.BASELINE_REASON): that is not when the household was registered.
    first = (Household.history.filter(household_id=household.pk, history_type="+")
             .exclude(history_change_reason=BASELINE_REASON)
             .order_by("history_id").values_list("history_date", flat=True).first())
    return timezone.localdate(first) if first is not None else None


def _check_date(visited_on, household, errors: dict) -> None:
    if not isinstance(visited_on, dt.date) or isinstance(visited_on, dt.datetime):
        errors.setdefault("visited_on", []).append(gettext("请填写走访日期"))
        return
    if visited_on > timezone.localdate():
        errors.setdefault("visited_on", []).append(gettext("走访日期不能晚于今天"))
        return
    existed = household_existed_from(household)
    if existed is not None and visited_on < existed:
        errors.setdefault("visited_on", []).append(
            gettext("走访日期早于该户登记的日期 %(day)s") % {"day": existed.isoformat()})


def _decimal(value):
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return "invalid"


def _check_gps(latitude, longitude, accuracy, errors: dict) -> tuple:
    latitude, longitude = _decimal(latitude), _decimal(longitude)
    if latitude == "invalid" or (latitude is not None and not Decimal(-90) <= latitude <= Decimal(90)):
        errors.setdefault("latitude", []).append(gettext("纬度应在 -90 到 90 之间"))
        latitude = None
    if longitude == "invalid" or (longitude is not None and not Decimal(-180) <= longitude <= Decimal(180)):
        errors.setdefault("longitude", []).append(gettext("经度应在 -180 到 180 之间"))
        longitude = None
    if (latitude is None) != (longitude is None) and "latitude" not in errors and "longitude" not in errors:
        errors.setdefault("latitude", []).append(gettext("经度和纬度应同时填写"))
    if accuracy in ("", None):
        accuracy = None
    else:
        try:
            accuracy = int(accuracy)
            if accuracy < 0:
                raise ValueError
        except (TypeError, ValueError):
            errors.setdefault("gps_accuracy_m", []).append(gettext("定位精度应为不小于 0 的整数(米)"))
            accuracy = None
    if latitude is not None:
        latitude = latitude.quantize(Decimal("0.000001"))
    if longitude is not None:
        longitude = longitude.quantize(Decimal("0.000001"))
    return latitude, longitude, accuracy


def updates_checked(household: Household, updates: dict) -> tuple[dict, list[str]]:
    """The visit's updates as the household's fields take them, and the sentences of what
    the registry's own rules (the model's full_clean and the contract's ranges, as any
    edit is checked) refuse in them. Unknown fields are the caller's error (400)."""
    values, problems = {}, []
    for name, raw in updates.items():
        field = Household._meta.get_field(name)
        label = str(field.verbose_name)
        value = raw
        if name in BOOLEAN_FIELDS:
            word = str(raw).strip().lower()
            if isinstance(raw, bool):
                value = raw
            elif word in TRUE_WORDS:
                value = True
            elif word in FALSE_WORDS:
                value = False
            else:
                problems.append(gettext("%(field)s:应为是或否") % {"field": label})
                continue
        elif name == "willingness":
            column = schema.HOUSEHOLDS.column("willingness")
            try:
                value = int(str(raw).strip())
            except ValueError:
                problems.append(gettext("%(field)s:应为整数") % {"field": label})
                continue
            if not column.min_value <= value <= column.max_value:
                problems.append(gettext("%(field)s:应在 %(low)s 到 %(high)s 之间") % {
                    "field": label, "low": column.min_value, "high": column.max_value})
                continue
        else:
            value = str(raw).strip()
        values[name] = value
    if values:
        candidate = Household.objects.get(pk=household.pk)
        for name, value in values.items():
            setattr(candidate, name, value)
        try:
            candidate.full_clean(exclude=[f.name for f in Household._meta.fields if f.name not in values],
                                 validate_unique=False)
        except ValidationError as refused:
            for name, messages in refused.message_dict.items():
                label = str(Household._meta.get_field(name).verbose_name) if name in values else name
                problems.extend(f"{label}:{message}" for message in messages)
    return values, problems


def _checked_photo(upload) -> tuple[bytes, str, int, int]:
    """The photo re-encoded (at most PHOTO_LONGEST_SIDE px, turned upright, its metadata
    dropped: a camera's EXIF holds the place and the phone's serial number), its
    extension, width and height; ValueError with a sentence when it is not a photo."""
    name = getattr(upload, "name", "") or "photo"
    limit = settings.UPLOAD_MAX_BYTES
    if getattr(upload, "size", 0) and upload.size > limit:
        raise ValueError(gettext("照片 %(name)s 超过 %(size)s MB") % {"name": name, "size": f"{limit / 2**20:g}"})
    upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise ValueError(gettext("照片 %(name)s 超过 %(size)s MB") % {"name": name, "size": f"{limit / 2**20:g}"})
    not_a_photo = gettext("文件 %(name)s 不是可识别的照片") % {"name": name}
    try:
        with Image.open(io.BytesIO(content)) as probe:
            image_format = probe.format
            width, height = probe.size
            probe.verify()
        if image_format not in PHOTO_FORMATS or width * height > PHOTO_MAX_PIXELS:
            raise ValueError(not_a_photo)
        with Image.open(io.BytesIO(content)) as image:
            image = ImageOps.exif_transpose(image)
            image.thumbnail((PHOTO_LONGEST_SIDE, PHOTO_LONGEST_SIDE))
            out = io.BytesIO()
            if image_format == "JPEG":
                image.convert("RGB").save(out, "JPEG", quality=PHOTO_JPEG_QUALITY, optimize=True)
            elif image_format == "PNG":
                image.save(out, "PNG", optimize=True)
            else:
                image.save(out, "WEBP", quality=PHOTO_JPEG_QUALITY)
            return out.getvalue(), PHOTO_FORMATS[image_format], image.width, image.height
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValueError(not_a_photo) from None


def _problems_checked(problems, errors: dict) -> list[dict]:
    from neisheng.problems.models import Category

    checked = []
    for item in problems or ():
        if not isinstance(item, dict):
            errors.setdefault("problems", []).append(gettext("每个问题应有类别和描述"))
            continue
        category = str(item.get("category") or "").strip()
        description = str(item.get("description") or "").strip()
        if category not in Category.values:
            errors.setdefault("problems", []).append(
                gettext("问题类别应为 %(codes)s 之一") % {"codes": "、".join(Category.values)})
            continue
        if not description:
            errors.setdefault("problems", []).append(gettext("请写明问题的描述"))
            continue
        checked.append({"category": category, "description": description})
    return checked


# --------------------------------------------------------------------------- recording


@transaction.atomic
def visit_record(*, user, household: Household, visited_on: dt.date, kind: str, findings: str = "",
                 idempotency_key, cadres=None, photos=(), latitude=None, longitude=None, gps_accuracy_m=None,
                 updates: dict | None = None, base_version: int | None = None, raise_risk: bool = False,
                 risk_reason: str = "", problems=(), recorded_offline: bool = False,
                 request=None) -> tuple[Visit, bool]:
    """Record a visit once per `idempotency_key`: (visit, True) when stored now, (the
    stored visit, False) when the key was seen before (a phone sending again), unchanged.

    `updates` (household fields → values) are applied through registry.services with
    `base_version`, the household's version the form read: update_status says what
    became of them (interfaces11.md). `raise_risk` opens a cadre_screening case;
    `problems` ({category, description}) are raised in the problem ledger."""
    if not scope.code_is_within(user, household.village_id):
        raise Http404("未找到该户 / no such household")
    if not user_may(user, VISITS_RECORD):
        raise PermissionDenied("您的角色不能登记走访 / your role may not record visits")
    try:
        key = idempotency_key if isinstance(idempotency_key, uuid.UUID) else uuid.UUID(str(idempotency_key))
    except (TypeError, ValueError, AttributeError):
        raise ValidationError({"idempotency_key": [gettext("缺少有效的走访编号(UUID)")]}) from None
    seen = _seen(key, household)
    if seen is not None:
        return seen, False

    errors: dict[str, list[str]] = {}
    _check_date(visited_on, household, errors)
    if kind not in Kind.values:
        errors.setdefault("kind", []).append(gettext("走访类型应为 %(codes)s 之一") % {"codes": "、".join(Kind.values)})
    latitude, longitude, gps_accuracy_m = _check_gps(latitude, longitude, gps_accuracy_m, errors)
    updates = dict(updates or {})
    unknown = sorted(set(updates) - set(UPDATABLE_FIELDS))
    if unknown:
        errors.setdefault("updates", []).append(
            gettext("走访只能修改这些项目:%(fields)s") % {"fields": ", ".join(UPDATABLE_FIELDS)})
    if updates and base_version is None:
        errors.setdefault("base_version", []).append(gettext("修改台账时须附上读取时的版本号"))
    findings = (findings or "").strip()
    risk_reason = (risk_reason or "").strip()
    if raise_risk and not (risk_reason or findings):
        errors.setdefault("risk_reason", []).append(gettext("报告风险时请写明理由或走访情况"))
    problems = _problems_checked(problems, errors)
    photos = list(photos or ())
    if len(photos) > PHOTO_MAX_COUNT:
        errors.setdefault("photos", []).append(gettext("每次走访最多上传 %(n)s 张照片") % {"n": PHOTO_MAX_COUNT})
    checked_photos = []
    for upload in photos if "photos" not in errors else ():
        try:
            checked_photos.append(_checked_photo(upload))
        except ValueError as refused:
            errors.setdefault("photos", []).append(str(refused))
    if errors:
        raise ValidationError(errors)

    visit = Visit(household=household, division_code=household.village_id, visited_on=visited_on, kind=kind,
                  findings=findings, recorded_by=user if getattr(user, "is_authenticated", False) else None,
                  idempotency_key=key, recorded_offline=bool(recorded_offline), latitude=latitude,
                  longitude=longitude, gps_accuracy_m=gps_accuracy_m, updates=_json_safe(updates),
                  base_version=base_version)
    try:
        # Two sends of one visit at once: the unique key lets one in; the other reads it.
        with transaction.atomic():
            visit.save()
    except IntegrityError:
        seen = _seen(key, household)
        if seen is None:
            raise
        return seen, False

    if cadres is None:
        from neisheng.grid.selectors import cadre_of_user

        own = cadre_of_user(user)
        cadres = [own] if own is not None else []
    visit.cadres.set(cadres)
    for content, extension, width, height in checked_photos:
        photo = Photo(visit=visit, sha256=hashlib.sha256(content).hexdigest(), width=width, height=height,
                      size=len(content))
        photo.file.save(f"visit-{visit.pk}-{uuid.uuid4().hex[:12]}{extension}", ContentFile(content), save=False)
        photo.save()

    notes = []
    if updates:
        _updates_apply(visit, user=user, values=updates, version=base_version, request=request)
    if raise_risk:
        notes += _risk_raise(visit, user=user, reason=risk_reason or findings)
    for item in problems:
        notes += _problem_raise(visit, user=user, **item)
    if notes:
        visit.risk_message = "\n".join(notes)
    visit.save(update_fields=["update_status", "update_message", "case", "risk_message"])
    audit_record(user=user, action="create", division_code=household.village_id, object_type="visit",
                 object_id=str(visit.pk),
                 detail={"household": household.pk, "visited_on": visited_on.isoformat(), "kind": kind,
                         "offline": bool(recorded_offline), "photos": len(checked_photos),
                         "updates": visit.update_status, "case": visit.case_id,
                         "problems": [p.pk for p in visit.problems.all()]},
                 request=request)
    return visit, True


def _seen(key: uuid.UUID, household: Household) -> Visit | None:
    visit = Visit.objects.filter(idempotency_key=key).first()
    if visit is None:
        return None
    if visit.household_id != household.pk:
        # A key is one visit: reused for another household it is a client's mistake,
        # and the stored visit (perhaps outside this user's scope) is not shown.
        raise ValidationError({"idempotency_key": [gettext("该走访编号已用于另一户的走访")]})
    return visit


def _json_safe(values: dict) -> dict:
    return json.loads(json.dumps(values, default=str))


def _updates_apply(visit: Visit, *, user, values: dict, version: int | None, request=None) -> None:
    """Apply the visit's updates as `user` with `version`, setting update_status and
    update_message (both languages, "中文 / English") on the visit (not saved)."""
    household = visit.household
    checked, problems = updates_checked(household, values)
    if problems:
        visit.update_status = UpdateStatus.REFUSED
        # The registry's own sentences, in the language of the request that sent them.
        visit.update_message = "\n".join(problems)
        return
    if not user_may(user, REGISTRY_EDIT):
        visit.update_status = UpdateStatus.PROPOSED
        visit.update_message = _both("您的角色不能修改台账,修改内容已随走访保存,待有修改权限的干部确认",
                                     "your role may not edit the registry: the changes are kept with the visit "
                                     "for an officer who may to apply")
        return
    try:
        with transaction.atomic():
            household_update(user=user, household=household, values=checked, version=version, request=request)
    except EditConflict as conflict:
        visit.update_status = UpdateStatus.CONFLICT
        visit.update_message = _both(
            conflict.message_zh + ":" + ";".join(item.sentence_zh() for item in conflict.conflicts),
            conflict.message_en + ": " + "; ".join(
                f"{item.field}: the visit says {item.yours!r}, the record now says {item.theirs!r}"
                for item in conflict.conflicts))
    except ValidationError as refused:
        visit.update_status = UpdateStatus.REFUSED
        visit.update_message = "\n".join(refused.messages)
    else:
        visit.update_status = UpdateStatus.APPLIED
        visit.update_message = ""


def _risk_raise(visit: Visit, *, user, reason: str) -> list[str]:
    from neisheng.cases.errors import StepForbidden
    from neisheng.cases.services import case_report
    from neisheng.platform.workflow import TransitionRefused

    try:
        with transaction.atomic():
            visit.case = case_report(user=user, household=visit.household, channel="cadre_screening",
                                     reported_on=visit.visited_on, reason=reason)
    except (TransitionRefused, StepForbidden) as refused:
        return [str(refused)]
    return []


def _problem_raise(visit: Visit, *, user, category: str, description: str) -> list[str]:
    from neisheng.platform.workflow import TransitionRefused
    from neisheng.problems.services import problem_raise

    try:
        with transaction.atomic():
            problem = problem_raise(user=user, household=visit.household, category=category,
                                    description=description, raised_on=visit.visited_on)
    except (TransitionRefused, PermissionDenied, ValidationError) as refused:
        return [str(getattr(refused, "message", None) or refused)]
    visit.problems.add(problem)
    return []


@transaction.atomic
def visit_updates_apply(*, user, visit: Visit, request=None) -> Visit:
    """An editor applies a visit's updates that were kept as a conflict or a proposal, as
    they stand now: against the household's current version, so the visit's values are
    written over what the record now says, by this user, knowingly (the visit page shows
    both side by side first). A refusal by the registry's rules stays a refusal."""
    if not scope.code_is_within(user, visit.division_code):
        raise Http404("未找到该走访 / no such visit")
    if not user_may(user, REGISTRY_EDIT):
        raise PermissionDenied("您的角色不能修改台账 / your role may not edit the registry")
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if visit.update_status not in (UpdateStatus.CONFLICT, UpdateStatus.PROPOSED) or not visit.updates:
        raise ValidationError(gettext("该走访没有待确认的台账修改"))
    household = Household.objects.get(pk=visit.household_id)
    earlier = visit.update_status
    visit.household = household
    _updates_apply(visit, user=user, values=dict(visit.updates), version=record_version(household),
                   request=request)
    visit.save(update_fields=["update_status", "update_message"])
    audit_record(user=user, action="update", division_code=visit.division_code, object_type="visit",
                 object_id=str(visit.pk),
                 detail={"household": household.pk, "updates_applied": visit.update_status, "was": earlier},
                 request=request)
    return visit
