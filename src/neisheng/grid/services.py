"""The one write path of the responsibility grid (grid.md): cadres and their three kinds of pair.

Every service is atomic, checks scope first (Http404 for a record or a place outside the
user's division, so nothing outside it is even confirmed to exist), then the capability
(PermissionDenied without grid.edit), then the rules (GridRefused, one sentence
"中文 / English"). Every change is in the audit log under the division it concerns. A pair
is never deleted nor edited into another: it ends (date, who, why) and a new one begins.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid
from collections import Counter, defaultdict

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.http import Http404
from django.utils import timezone

from neisheng.accounts.access import GRID_EDIT
from neisheng.accounts.services import audit_record
from neisheng.grid.errors import GridRefused
from neisheng.grid.models import (
    AreaPair,
    AssignmentRun,
    Cadre,
    CadreKind,
    CadrePair,
    LeaderPair,
    PairSource,
)
from neisheng.grid.selectors import code_bounds, county_of
from neisheng.monitoring.policies import policy_current
from neisheng.platform import scope
from neisheng.platform.access import require
from neisheng.registry.models import Division, Household
from neisheng.transfers.uploads import upload_limit

CADRE_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
PHONE = re.compile(r"\+?[0-9][0-9 -]{3,17}[0-9]")
# Levels a cadre may serve: a county, a town or a village (divisions.PREFIX_LENGTH).
SERVED_LEVELS = (3, 4, 5)
VILLAGE_LEVEL = 5
CAPACITY_MAX = 100
PHOTO_MAX_SIDE = 600
# Refused before decoding: a small file may claim a huge canvas (a decompression bomb).
PHOTO_MAX_PIXELS = 40_000_000
# Rows per query when checking many households at once (SQLite's bound-variable limit).
CHUNK = 500

CADRE_FIELDS = ("cadre_id", "name", "kind", "unit", "post", "division_code", "phone", "capacity")


def _refused(zh: str, en: str) -> GridRefused:
    return GridRefused(f"{zh} / {en}")


def _check_place(user, code: str | None, *, what_zh: str, what_en: str) -> None:
    if not scope.code_is_within(user, code):
        raise Http404(f"未找到该{what_zh} / no such {what_en}")


def _check_edit(user) -> None:
    require(user, GRID_EDIT)


def _day(value, *, zh: str, en: str) -> dt.date:
    """A step's own date, given by the person: a date, not in the future."""
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise _refused(f"请填写{zh}", f"give the {en}")
    if value > timezone.localdate():
        raise _refused(f"{zh} {value} 晚于今天", f"the {en} {value} is in the future")
    return value


def _reason(value) -> str:
    reason = (value or "").strip()
    if not reason:
        raise _refused("请写明解除原因", "give the reason for ending the pair")
    return reason


def cadre_capacity(cadre: Cadre) -> int:
    """The cadre's own capacity, else the policy's max_per_cadre."""
    if cadre.capacity is not None:
        return cadre.capacity
    return policy_current().policy.grid_max_per_cadre


def _serves(cadre: Cadre, code: str) -> bool:
    """Whether `code` lies under the place the cadre serves."""
    bounds = code_bounds(cadre.division_code)
    return bounds is not None and bounds[0] <= code <= bounds[1]


# ------------------------------------------------------------------ cadres

def _cadre_values(user, values: dict, *, current: Cadre | None, known_divisions: set | None = None,
                  taken: set | None = None) -> dict:
    """The cleaned fields of a cadre, or GridRefused naming the first bad one."""
    given = {k: values[k] for k in CADRE_FIELDS if k in values}
    if current is not None:
        merged = {k: getattr(current, k) for k in CADRE_FIELDS}
        merged.update(given)
        given = merged
    cadre_id = str(given.get("cadre_id") or "").strip()
    if not CADRE_ID.fullmatch(cadre_id):
        raise _refused(f"干部编号“{cadre_id}”应为 1–32 位字母、数字、下划线或连字符",
                       f"the cadre number “{cadre_id}” must be 1–32 letters, digits, _ or -")
    name = str(given.get("name") or "").strip()
    if not name or len(name) > 64:
        raise _refused("请填写姓名（不超过 64 个字）", "give the name (at most 64 characters)")
    kind = str(given.get("kind") or CadreKind.ASSISTANCE).strip()
    if kind not in CadreKind.values:
        raise _refused(f"类别“{kind}”应为 {'、'.join(CadreKind.values)} 之一",
                       f"the kind “{kind}” must be one of {', '.join(CadreKind.values)}")
    unit = str(given.get("unit") or "").strip()
    post = str(given.get("post") or "").strip()
    if len(unit) > 100 or len(post) > 64:
        raise _refused("工作单位不超过 100 个字，职务不超过 64 个字",
                       "the unit is at most 100 characters and the post at most 64")
    code = str(given.get("division_code") or "").strip()
    known = (code in known_divisions) if known_divisions is not None else \
        Division.objects.filter(code=code, level__in=SERVED_LEVELS).exists()
    if not (re.fullmatch(r"\d{12}", code) and scope.code_is_within(user, code) and known):
        raise _refused(f"服务区划“{code}”不是您辖区内的县、乡镇或村",
                       f"the division served “{code}” is not a county, town or village of your area")
    phone = str(given.get("phone") or "").strip()
    if phone and not PHONE.fullmatch(phone):
        raise _refused(f"联系电话“{phone}”格式不对", f"the phone number “{phone}” is malformed")
    capacity = given.get("capacity")
    if capacity in ("", None):
        capacity = None
    else:
        try:
            capacity = int(str(capacity).strip())
        except ValueError:
            capacity = -1
        if not 0 <= capacity <= CAPACITY_MAX:
            raise _refused(f"包户上限应为 0–{CAPACITY_MAX} 的整数，或留空（按政策）",
                           f"the capacity must be a whole number 0–{CAPACITY_MAX}, or empty (the policy's)")
    if taken is not None:
        exists = cadre_id in taken
    else:
        others = Cadre.objects.filter(cadre_id=cadre_id)
        if current is not None:
            others = others.exclude(pk=current.pk)
        exists = others.exists()
    if exists:
        raise _refused(f"干部编号 {cadre_id} 已存在", f"the cadre number {cadre_id} already exists")
    return {"cadre_id": cadre_id, "name": name, "kind": kind, "unit": unit, "post": post,
            "division_code": code, "phone": phone, "capacity": capacity}


@transaction.atomic
def cadre_create(*, user, values: dict) -> Cadre:
    """A new cadre (values: cadre_id, name, kind, unit, post, division_code, phone, capacity)."""
    _check_edit(user)
    cleaned = _cadre_values(user, values, current=None)
    cadre = Cadre(**cleaned)
    try:
        with transaction.atomic():
            cadre.save()
    except IntegrityError:
        raise _refused(f"干部编号 {cleaned['cadre_id']} 已存在",
                       f"the cadre number {cleaned['cadre_id']} already exists") from None
    audit_record(user=user, action="create", division_code=cadre.division_code, object_type="cadre",
                 object_id=cadre.cadre_id, detail={k: v for k, v in cleaned.items() if k != "phone"})
    return cadre


@transaction.atomic
def cadre_update(*, user, cadre: Cadre, values: dict) -> Cadre:
    """Change a cadre's fields (simple_history keeps the earlier versions). A cadre with
    pairs keeps them: changing its kind is refused while it has active pairs of its kind."""
    _check_place(user, cadre.division_code, what_zh="干部", what_en="cadre")
    _check_edit(user)
    cadre = Cadre.objects.select_for_update().get(pk=cadre.pk)
    cleaned = _cadre_values(user, values, current=cadre)
    if cleaned["kind"] != cadre.kind and _active_pair_count(cadre):
        raise _refused("该干部仍有未解除的结对，不能改变类别", "the cadre still has active pairs: end them first to "
                       "change the kind")
    changed = {k: v for k, v in cleaned.items() if getattr(cadre, k) != v}
    for key, value in changed.items():
        setattr(cadre, key, value)
    if changed:
        cadre.save()
        audit_record(user=user, action="update", division_code=cadre.division_code, object_type="cadre",
                     object_id=cadre.cadre_id,
                     detail={"changed": sorted(changed), **{k: v for k, v in changed.items() if k != "phone"}})
    return cadre


@transaction.atomic
def cadres_create_many(*, user, rows: list[dict]) -> list[Cadre]:
    """Many new cadres at once (the demo, an import): the same checks as cadre_create,
    all or none, a few queries per thousand rows; history rows written in bulk, one audit
    event per division served."""
    _check_edit(user)
    codes = sorted({str(r.get("division_code") or "").strip() for r in rows})
    known = {c for chunk in _chunks(codes)
             for c in Division.objects.filter(code__in=chunk, level__in=SERVED_LEVELS).values_list("code", flat=True)}
    ids = [str(r.get("cadre_id") or "").strip() for r in rows]
    taken = {c for chunk in _chunks(ids) for c in Cadre.objects.filter(cadre_id__in=chunk)
             .values_list("cadre_id", flat=True)}
    cleaned, seen = [], set()
    for number, row in enumerate(rows, start=1):
        try:
            values = _cadre_values(user, row, current=None, known_divisions=known, taken=taken)
        except GridRefused as error:
            raise GridRefused(f"第 {number} 行：{error.localized('zh')} / row {number}: {error.localized('en')}") from None
        if values["cadre_id"] in seen:
            raise _refused(f"干部编号 {values['cadre_id']} 出现两次", f"the cadre number {values['cadre_id']} appears twice")
        seen.add(values["cadre_id"])
        cleaned.append(values)
    from simple_history.utils import bulk_create_with_history

    try:
        with transaction.atomic():
            made = bulk_create_with_history([Cadre(**values) for values in cleaned], Cadre, batch_size=CHUNK,
                                            default_user=user if getattr(user, "is_authenticated", False) else None)
    except IntegrityError:
        raise _refused("有的干部编号已存在，请重试", "some cadre number exists already: try again") from None
    by_division: dict[str, list] = defaultdict(list)
    for values in cleaned:
        by_division[values["division_code"]].append(values["cadre_id"])
    for code, cadre_ids in sorted(by_division.items()):
        audit_record(user=user, action="create", division_code=code, object_type="cadre", object_id="",
                     detail={"cadres": cadre_ids})
    return made


@transaction.atomic
def cadre_user_link(*, user, cadre: Cadre, account) -> Cadre:
    """The cadre's platform account (their households, their week of visits), or None to
    unlink. The account must work within the cadre's place and be no other cadre's."""
    _check_place(user, cadre.division_code, what_zh="干部", what_en="cadre")
    _check_edit(user)
    cadre = Cadre.objects.select_for_update().get(pk=cadre.pk)
    if account is not None:
        if not scope.code_is_within(user, account.division_id or ""):
            raise Http404("未找到该用户 / no such user")
        bounds = code_bounds(cadre.division_code)
        if not account.division_id or not bounds[0] <= account.division_id <= bounds[1]:
            raise _refused(f"账号 {account.get_username()} 不在该干部的服务区划内",
                           f"the account {account.get_username()} does not work within the cadre's division")
        other = Cadre.objects.filter(user=account).exclude(pk=cadre.pk).first()
        if other is not None:
            raise _refused(f"账号 {account.get_username()} 已关联干部 {other.cadre_id}",
                           f"the account {account.get_username()} is already linked to the cadre {other.cadre_id}")
    before = cadre.user_id
    if before == getattr(account, "pk", None):
        return cadre
    cadre.user = account
    cadre.save()
    audit_record(user=user, action="update", division_code=cadre.division_code, object_type="cadre",
                 object_id=cadre.cadre_id, detail={"changed": ["user"], "user": getattr(account, "username", None),
                                                   "user_before": before})
    return cadre


def _active_pair_count(cadre: Cadre) -> int:
    return (cadre.household_pairs.filter(ended_on__isnull=True).count()
            + cadre.village_pairs.filter(ended_on__isnull=True).count()
            + cadre.area_pairs.filter(ended_on__isnull=True).count())


def photo_jpeg(photo) -> bytes:
    """The uploaded image as a JPEG at most PHOTO_MAX_SIDE px on its longest side, or
    GridRefused: the content decides, whatever the file's name or declared type says."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    size = getattr(photo, "size", None)
    if size is not None and size > upload_limit():
        raise _refused(f"照片超过 {upload_limit() / (1024 * 1024):g} MB 的上传上限",
                       f"the photo is larger than the {upload_limit() / (1024 * 1024):g} MB upload limit")
    try:
        photo.seek(0)
        with Image.open(photo) as probe:
            width, height = probe.size
            if width * height > PHOTO_MAX_PIXELS:
                raise _refused("照片像素过多", "the photo has too many pixels")
            probe.verify()
        photo.seek(0)
        with Image.open(photo) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            if image.mode not in ("RGB", "L"):
                image = image.convert("RGBA")
                background = Image.new("RGB", image.size, "white")
                background.paste(image, mask=image.getchannel("A"))
                image = background
            image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    except GridRefused:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise _refused("上传的文件不是可识别的图片", "the file uploaded is not an image") from None
    return out.getvalue()


@transaction.atomic
def cadre_photo_set(*, user, cadre: Cadre, photo) -> Cadre:
    """The cadre's photo (for the public board): checked by content, stored as a JPEG
    of at most 600 px. The earlier file stays in storage, as the history's."""
    _check_place(user, cadre.division_code, what_zh="干部", what_en="cadre")
    _check_edit(user)
    data = photo_jpeg(photo)
    cadre = Cadre.objects.select_for_update().get(pk=cadre.pk)
    cadre.photo.save(f"{cadre.cadre_id}-{uuid.uuid4().hex[:12]}.jpg", ContentFile(data), save=False)
    cadre.save()
    audit_record(user=user, action="update", division_code=cadre.division_code, object_type="cadre",
                 object_id=cadre.cadre_id, detail={"changed": ["photo"], "bytes": len(data)})
    return cadre


@transaction.atomic
def cadre_deactivate(*, user, cadre: Cadre, on: dt.date, reason: str) -> Cadre:
    """The cadre leaves the grid on `on`: every active pair of theirs ends that day with
    the reason, and the cadre is no longer offered for new pairs."""
    _check_place(user, cadre.division_code, what_zh="干部", what_en="cadre")
    _check_edit(user)
    on = _day(on, zh="离岗日期", en="date of leaving")
    reason = _reason(reason)
    cadre = Cadre.objects.select_for_update().get(pk=cadre.pk)
    if not cadre.active:
        raise _refused("该干部已不在岗", "the cadre is already inactive")
    ended = 0
    for queryset in (cadre.household_pairs, cadre.village_pairs, cadre.area_pairs):
        for pair in queryset.select_for_update().filter(ended_on__isnull=True):
            _end(user=user, pair=pair, ended_on=on, reason=reason)
            ended += 1
    cadre.active = False
    cadre.save()
    audit_record(user=user, action="update", division_code=cadre.division_code, object_type="cadre",
                 object_id=cadre.cadre_id, detail={"changed": ["active"], "active": False, "on": str(on),
                                                   "reason": reason, "pairs_ended": ended})
    return cadre


# ------------------------------------------------------------------ pairs (common)

def _end(*, user, pair, ended_on: dt.date, reason: str) -> None:
    if ended_on < pair.started_on:
        raise _refused(f"解除日期 {ended_on} 早于结对日期 {pair.started_on}",
                       f"the end date {ended_on} is before the pair began on {pair.started_on}")
    pair.ended_on = ended_on
    pair.ended_by = user
    pair.end_reason = reason
    pair.ended_at = timezone.now()
    pair.save(update_fields=["ended_on", "ended_by", "end_reason", "ended_at"])
    audit_record(user=user, action="update", division_code=_pair_division(pair), object_type=_pair_type(pair),
                 object_id=str(pair.pk), detail={"ended_on": str(ended_on), "reason": reason})


def _pair_type(pair) -> str:
    return {CadrePair: "cadre_pair", LeaderPair: "leader_pair", AreaPair: "area_pair"}[type(pair)]


def _pair_division(pair) -> str:
    return pair.division_code if isinstance(pair, CadrePair) else pair.village_id


def _pair_end(*, user, model, pair, ended_on, reason):
    _check_place(user, _pair_division(pair), what_zh="结对", what_en="pair")
    _check_edit(user)
    ended_on = _day(ended_on, zh="解除日期", en="end date")
    reason = _reason(reason)
    pair = model.objects.select_for_update().get(pk=pair.pk)
    if pair.ended_on is not None:
        raise _refused(f"该结对已于 {pair.ended_on} 解除", f"the pair already ended on {pair.ended_on}")
    _end(user=user, pair=pair, ended_on=ended_on, reason=reason)
    return pair


# ------------------------------------------------------------------ 包户: cadre and household

def _check_assistance(cadre: Cadre) -> None:
    if not cadre.active:
        raise _refused(f"干部 {cadre.cadre_id} 已不在岗", f"the cadre {cadre.cadre_id} is inactive")
    if cadre.kind != CadreKind.ASSISTANCE:
        raise _refused(f"干部 {cadre.cadre_id} 不是帮扶责任人，不能包户",
                       f"the cadre {cadre.cadre_id} is not an assistance cadre and cannot be paired with a household")


def _check_county(cadre: Cadre, household_village: str, household_id: str) -> None:
    # grid.md: a cadre outside the household's county is never assigned.
    if county_of(cadre.division_code) != county_of(household_village):
        raise _refused(f"干部 {cadre.cadre_id} 不在户 {household_id} 所在的县",
                       f"the cadre {cadre.cadre_id} does not serve the county of household {household_id}")


@transaction.atomic
def cadre_pair_start(*, user, cadre: Cadre, household: Household, started_on: dt.date,
                     source: str = PairSource.MANUAL, assignment: AssignmentRun | None = None) -> CadrePair:
    """包户: pair a household with an assistance cadre of its county who has room. A
    household with an active pair is refused (end it, or use cadre_pair_change)."""
    _check_place(user, household.village_id, what_zh="户", what_en="household")
    _check_place(user, cadre.division_code, what_zh="干部", what_en="cadre")
    _check_edit(user)
    started_on = _day(started_on, zh="结对日期", en="start date")
    if source not in PairSource.values:
        raise _refused(f"来源“{source}”不对", f"unknown source “{source}”")
    household = Household.objects.select_for_update().get(pk=household.pk)
    cadre = Cadre.objects.select_for_update().get(pk=cadre.pk)
    _check_assistance(cadre)
    _check_county(cadre, household.village_id, household.pk)
    current = CadrePair.objects.filter(household=household, ended_on__isnull=True).select_related("cadre").first()
    if current is not None:
        raise _refused(f"户 {household.pk} 已由 {current.cadre.name} 包户，请先解除或更换",
                       f"household {household.pk} is already paired with {current.cadre.cadre_id}: end or "
                       "change that pair first")
    load = cadre.household_pairs.filter(ended_on__isnull=True).count()
    capacity = cadre_capacity(cadre)
    if source != PairSource.AUTO and load >= capacity:
        raise _refused(f"干部 {cadre.name} 已包 {load} 户，达到上限 {capacity} 户",
                       f"the cadre {cadre.cadre_id} already has {load} households, the limit is {capacity}")
    pair = CadrePair(cadre=cadre, household=household, division_code=household.village_id, started_on=started_on,
                     started_by=user, source=source, assignment=assignment)
    try:
        with transaction.atomic():
            pair.save()
    except IntegrityError:
        raise _refused(f"户 {household.pk} 已有帮扶责任人", f"household {household.pk} already has a cadre") from None
    audit_record(user=user, action="create", division_code=pair.division_code, object_type="cadre_pair",
                 object_id=str(pair.pk), detail={"cadre": cadre.cadre_id, "household": household.pk,
                                                 "started_on": str(started_on), "source": source})
    return pair


@transaction.atomic
def cadre_pair_end(*, user, pair: CadrePair, ended_on: dt.date, reason: str) -> CadrePair:
    return _pair_end(user=user, model=CadrePair, pair=pair, ended_on=ended_on, reason=reason)


@transaction.atomic
def cadre_pair_change(*, user, household: Household, cadre: Cadre, on: dt.date, reason: str) -> CadrePair:
    """换人: the household's active pair (if any) ends on `on` with the reason and the new
    cadre's pair begins that day, in one transaction."""
    _check_place(user, household.village_id, what_zh="户", what_en="household")
    _check_edit(user)
    on = _day(on, zh="更换日期", en="date of the change")
    current = CadrePair.objects.filter(household=household, ended_on__isnull=True).first()
    if current is not None:
        if current.cadre_id == cadre.pk:
            raise _refused(f"户 {household.pk} 的帮扶责任人已是 {cadre.name}",
                           f"household {household.pk} is already paired with {cadre.cadre_id}")
        cadre_pair_end(user=user, pair=current, ended_on=on, reason=reason)
    return cadre_pair_start(user=user, cadre=cadre, household=household, started_on=on)


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


@transaction.atomic
def cadre_pairs_create_many(*, user, pairs: list[tuple[Cadre, Household]], started_on: dt.date, source: str,
                            assignment: AssignmentRun | None = None) -> int:
    """Many 包户 pairs at once (an import, the assignment button): all or none. The same
    rules as cadre_pair_start, checked with a few queries per thousand pairs; capacity is
    not re-checked for source "auto" (the engine's assignment respects it, and keeps
    existing pairs over capacity on purpose, grid.md rule 1), nor the cadre's place
    against the user's scope (the engine may pick any cadre of the county for a town's
    households; the households are scope-checked). One audit event per village."""
    _check_edit(user)
    started_on = _day(started_on, zh="结对日期", en="start date")
    if source not in PairSource.values:
        raise _refused(f"来源“{source}”不对", f"unknown source “{source}”")
    if not pairs:
        return 0
    cadres = {c.pk: c for c, _h in pairs}
    households = {}
    for cadre, household in pairs:
        _check_place(user, household.village_id, what_zh="户", what_en="household")
        if household.pk in households:
            raise _refused(f"户 {household.pk} 出现在两个结对中", f"household {household.pk} is in two pairs")
        households[household.pk] = household
    if source != PairSource.AUTO:
        # The assign button may give a town's households a cadre of the whole county
        # (grid.md), who lies outside a town officer's scope; the households are checked.
        for cadre in cadres.values():
            _check_place(user, cadre.division_code, what_zh="干部", what_en="cadre")
    fresh = {c.pk: c for chunk in _chunks(list(cadres))
             for c in Cadre.objects.select_for_update().filter(pk__in=chunk)}
    for cadre in fresh.values():
        _check_assistance(cadre)
    for cadre, household in pairs:
        _check_county(fresh[cadre.pk], household.village_id, household.pk)
    ids = list(households)
    for chunk in _chunks(ids):
        taken = (CadrePair.objects.filter(household_id__in=chunk, ended_on__isnull=True)
                 .values_list("household_id", flat=True).first())
        if taken is not None:
            raise _refused(f"户 {taken} 已有帮扶责任人", f"household {taken} already has a cadre")
    if source != PairSource.AUTO:
        loads = {pk: n for chunk in _chunks(list(fresh))
                 for pk, n in CadrePair.objects.filter(cadre_id__in=chunk, ended_on__isnull=True)
                 .values("cadre_id").annotate(n=Count("pk")).values_list("cadre_id", "n")}
        added = Counter(c.pk for c, _h in pairs)
        for pk, extra in added.items():
            cadre = fresh[pk]
            capacity = cadre_capacity(cadre)
            if loads.get(pk, 0) + extra > capacity:
                raise _refused(f"干部 {cadre.name}（{cadre.cadre_id}）将包 {loads.get(pk, 0) + extra} 户，超过上限 "
                               f"{capacity} 户", f"the cadre {cadre.cadre_id} would have {loads.get(pk, 0) + extra} "
                               f"households, over the limit of {capacity}")
    rows = [CadrePair(cadre_id=c.pk, household_id=h.pk, division_code=h.village_id, started_on=started_on,
                      started_by=user, source=source, assignment=assignment) for c, h in pairs]
    try:
        with transaction.atomic():
            CadrePair.objects.bulk_create(rows, batch_size=CHUNK)
    except IntegrityError:
        raise _refused("有的户同时已有帮扶责任人，请重试", "some household got a cadre meanwhile: try again") from None
    by_village: dict[str, list] = defaultdict(list)
    for cadre, household in pairs:
        by_village[household.village_id].append([fresh[cadre.pk].cadre_id, household.pk])
    for village, village_pairs in sorted(by_village.items()):
        audit_record(user=user, action="create", division_code=village, object_type="cadre_pair",
                     object_id="", detail={"source": source, "assignment": getattr(assignment, "pk", None),
                                           "started_on": str(started_on), "pairs": village_pairs})
    return len(rows)


# ------------------------------------------------------------------ 包村 and 包片

def _village(user, village) -> Division:
    code = getattr(village, "code", village)
    _check_place(user, code, what_zh="村", what_en="village")
    division = Division.objects.filter(code=code).first()
    if division is None:
        raise Http404("未找到该村 / no such village")
    if division.level != VILLAGE_LEVEL:
        raise _refused(f"{division.name}（{code}）不是村", f"{code} is not a village")
    return division


def _check_serving(cadre: Cadre, kind: str, village: Division) -> None:
    if not cadre.active:
        raise _refused(f"干部 {cadre.cadre_id} 已不在岗", f"the cadre {cadre.cadre_id} is inactive")
    if cadre.kind != kind:
        zh, en = {CadreKind.LEADER: ("包村领导", "a leader"), CadreKind.VILLAGE: ("村干部", "a village cadre")}[kind]
        raise _refused(f"干部 {cadre.cadre_id} 不是{zh}", f"the cadre {cadre.cadre_id} is not {en}")
    if not _serves(cadre, village.code):
        raise _refused(f"干部 {cadre.cadre_id} 的服务区划不含 {village.name}",
                       f"the cadre {cadre.cadre_id} does not serve the village {village.code}")


@transaction.atomic
def leader_pair_start(*, user, leader: Cadre, village, started_on: dt.date) -> LeaderPair:
    """包村: a leader takes a village (one leader per village at a time) that lies under
    the place the leader serves."""
    village = _village(user, village)
    _check_place(user, leader.division_code, what_zh="干部", what_en="cadre")
    _check_edit(user)
    started_on = _day(started_on, zh="结对日期", en="start date")
    leader = Cadre.objects.select_for_update().get(pk=leader.pk)
    _check_serving(leader, CadreKind.LEADER, village)
    current = LeaderPair.objects.filter(village=village, ended_on__isnull=True).select_related("leader").first()
    if current is not None:
        raise _refused(f"{village.name} 已由 {current.leader.name} 包村，请先解除",
                       f"the village {village.code} already has the leader {current.leader.cadre_id}: end that "
                       "pair first")
    pair = LeaderPair(leader=leader, village=village, started_on=started_on, started_by=user)
    try:
        with transaction.atomic():
            pair.save()
    except IntegrityError:
        raise _refused(f"{village.name} 已有包村领导", f"the village {village.code} already has a leader") from None
    audit_record(user=user, action="create", division_code=village.code, object_type="leader_pair",
                 object_id=str(pair.pk), detail={"leader": leader.cadre_id, "started_on": str(started_on)})
    return pair


@transaction.atomic
def leader_pair_end(*, user, pair: LeaderPair, ended_on: dt.date, reason: str) -> LeaderPair:
    return _pair_end(user=user, model=LeaderPair, pair=pair, ended_on=ended_on, reason=reason)


@transaction.atomic
def area_pair_start(*, user, cadre: Cadre, village, area: str, started_on: dt.date) -> AreaPair:
    """包片: a village cadre takes an area of a village they serve (one cadre per area)."""
    village = _village(user, village)
    _check_place(user, cadre.division_code, what_zh="干部", what_en="cadre")
    _check_edit(user)
    started_on = _day(started_on, zh="结对日期", en="start date")
    area = (area or "").strip()
    if not area or len(area) > 64:
        raise _refused("请填写片区（不超过 64 个字）", "give the area (at most 64 characters)")
    cadre = Cadre.objects.select_for_update().get(pk=cadre.pk)
    _check_serving(cadre, CadreKind.VILLAGE, village)
    current = AreaPair.objects.filter(village=village, area=area, ended_on__isnull=True).select_related("cadre").first()
    if current is not None:
        raise _refused(f"{village.name}“{area}”已由 {current.cadre.name} 包片，请先解除",
                       f"the area “{area}” of {village.code} already has the cadre {current.cadre.cadre_id}")
    pair = AreaPair(cadre=cadre, village=village, area=area, started_on=started_on, started_by=user)
    try:
        with transaction.atomic():
            pair.save()
    except IntegrityError:
        raise _refused(f"片区“{area}”已有村干部", f"the area “{area}” already has a cadre") from None
    audit_record(user=user, action="create", division_code=village.code, object_type="area_pair",
                 object_id=str(pair.pk), detail={"cadre": cadre.cadre_id, "area": area,
                                                 "started_on": str(started_on)})
    return pair


@transaction.atomic
def area_pair_end(*, user, pair: AreaPair, ended_on: dt.date, reason: str) -> AreaPair:
    return _pair_end(user=user, model=AreaPair, pair=pair, ended_on=ended_on, reason=reason)
