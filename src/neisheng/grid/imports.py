"""Cadres and pairs from one Excel workbook (issue 11, item 1): all or nothing, every bad
row named.

Sheets (English or Chinese names and headers; the template has both):
  cadres   / 干部: cadre_id 干部编号, name 姓名, kind 类别, unit 工作单位, post 职务,
                  division_code 服务区划, phone 联系电话, capacity 包户上限
  pairs    / 包户: cadre_id 干部编号, household_id 户编号, started_on 结对日期
  villages / 包村: cadre_id 干部编号, village_code 村代码, started_on 结对日期
  areas    / 包片: cadre_id 干部编号, village_code 村代码, area 片区, started_on 结对日期

`import_check` reads the workbook and returns a Preview listing EVERY bad row (sheet, row,
column, value, reason); `import_apply` checks again and, only when nothing is wrong,
writes everything in one transaction through grid.services (so every rule and audit of
a single edit holds). A cadre_id already present updates that cadre (simple_history
keeps the earlier version). The file is measured before it is read (the registry's
upload guard, engine.catalog: zip bombs, far-away cells) and read row by row by
openpyxl's read-only reader, so memory follows the rows, whatever the file claims.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from neisheng.accounts.services import audit_record
from neisheng.grid import services
from neisheng.grid.errors import GridRefused
from neisheng.grid.models import AreaPair, Cadre, CadreKind, CadrePair, LeaderPair, PairSource
from neisheng.grid.selectors import code_bounds, county_of
from neisheng.platform import scope
from neisheng.registry.models import Division, Household

# A county's grid is a few thousand cadres and tens of thousands of pairs; a sheet past
# this is not a grid workbook (and the preview would not be read).
SHEET_MAX_ROWS = 100_000
SHEET_MAX_COLUMNS = 32


@dataclass(frozen=True)
class SheetSpec:
    key: str
    names: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]  # (English header, Chinese header)
    required: tuple[str, ...]


SHEETS = (
    SheetSpec("cadres", ("cadres", "干部"),
              (("cadre_id", "干部编号"), ("name", "姓名"), ("kind", "类别"), ("unit", "工作单位"),
               ("post", "职务"), ("division_code", "服务区划"), ("phone", "联系电话"), ("capacity", "包户上限")),
              ("cadre_id", "name", "division_code")),
    SheetSpec("pairs", ("pairs", "包户"),
              (("cadre_id", "干部编号"), ("household_id", "户编号"), ("started_on", "结对日期")),
              ("cadre_id", "household_id", "started_on")),
    SheetSpec("villages", ("villages", "包村"),
              (("cadre_id", "干部编号"), ("village_code", "村代码"), ("started_on", "结对日期")),
              ("cadre_id", "village_code", "started_on")),
    SheetSpec("areas", ("areas", "包片"),
              (("cadre_id", "干部编号"), ("village_code", "村代码"), ("area", "片区"), ("started_on", "结对日期")),
              ("cadre_id", "village_code", "area", "started_on")),
)
SPEC = {s.key: s for s in SHEETS}
KIND_WORDS = {"包村领导": CadreKind.LEADER, "帮扶责任人": CadreKind.ASSISTANCE, "村干部": CadreKind.VILLAGE,
              **{k: k for k in CadreKind.values}}
CODE = re.compile(r"\d{12}")


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int  # the sheet's own row number (the header is row 1); 0: the whole sheet or file
    column: str
    value: str
    zh: str
    en: str

    def reason(self, language: str | None) -> str:
        return self.en if (language or "").startswith("en") else self.zh


@dataclass
class Preview:
    problems: list[Problem] = field(default_factory=list)
    cadres_new: int = 0
    cadres_updated: int = 0
    pairs: int = 0
    leader_pairs: int = 0
    area_pairs: int = 0
    rows: dict = field(default_factory=dict)  # sheet key -> list of (row number, values)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.cadres_new or self.cadres_updated or self.pairs
                                          or self.leader_pairs or self.area_pairs)

    def counts(self) -> dict:
        return {"cadres_new": self.cadres_new, "cadres_updated": self.cadres_updated, "pairs": self.pairs,
                "leader_pairs": self.leader_pairs, "area_pairs": self.area_pairs}


class WorkbookUnreadable(Exception):
    """The file is not a workbook this can read at all; str() is "中文 / English"."""


# ------------------------------------------------------------------ reading

def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def workbook_rows(path: Path) -> tuple[dict, list[Problem]]:
    """{sheet key: [(row number, {column: text})]} and the problems of the file's shape
    (a missing column, a sheet too long). WorkbookUnreadable when it is no workbook."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    from neisheng.engine.catalog import CFB_MAGIC, ZIP_MAGIC, SnapshotFileError, check_workbook

    with open(path, "rb") as fh:
        magic = fh.read(8)
    if magic == CFB_MAGIC:
        raise WorkbookUnreadable("旧版 Excel 文件（.xls）不能导入，请另存为 .xlsx 工作簿 / a legacy Excel file "
                                 "(.xls) cannot be imported; save it as an .xlsx workbook")
    if not magic.startswith(ZIP_MAGIC):
        raise WorkbookUnreadable("不是 Excel 工作簿（.xlsx） / not an Excel workbook (.xlsx)")
    try:
        # The registry upload's guard: every part measured before anything is inflated.
        check_workbook(path)
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except SnapshotFileError as error:
        raise WorkbookUnreadable(f"{error.message_zh} / {error.message_en}") from None
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, IndexError, AttributeError,
            OSError) as error:  # what openpyxl raises on a damaged workbook
        raise WorkbookUnreadable(f"无法读取工作簿 / cannot read the workbook ({type(error).__name__})") from None
    found: dict = {}
    problems: list[Problem] = []
    try:
        by_name = {name.strip().lower(): name for name in workbook.sheetnames}
        for spec in SHEETS:
            name = next((by_name[n] for n in spec.names if n in by_name), None)
            if name is None:
                continue
            rows, sheet_problems = _read_sheet(workbook[name], spec, name)
            found[spec.key] = rows
            problems += sheet_problems
    finally:
        workbook.close()
    if not found:
        problems.append(Problem("", 0, "", "", "工作簿中没有干部、包户、包村或包片工作表（见模板）",
                                "the workbook has none of the sheets cadres, pairs, villages or areas "
                                "(see the template)"))
    return found, problems


def _read_sheet(sheet, spec: SheetSpec, name: str) -> tuple[list, list[Problem]]:
    rows = sheet.iter_rows(values_only=True, max_col=SHEET_MAX_COLUMNS)
    header = next(rows, None) or ()
    aliases = {alias.lower(): english for english, zh in spec.columns for alias in (english, zh)}
    where = {}
    for index, cell in enumerate(header):
        key = aliases.get(_text(cell).lower())
        if key is not None and key not in where:
            where[key] = index
    missing = [english for english in spec.required if english not in where]
    if missing:
        zh = "、".join(dict(spec.columns)[m] for m in missing)
        return [], [Problem(name, 1, ", ".join(missing), "", f"缺少列：{zh}",
                            f"missing column(s): {', '.join(missing)}")]
    out = []
    for number, values in enumerate(rows, start=2):
        texts = {key: _text(values[i]) if i < len(values) else "" for key, i in where.items()}
        if not any(texts.values()):
            continue
        if len(out) >= SHEET_MAX_ROWS:
            return [], [Problem(name, number, "", "", f"工作表超过 {SHEET_MAX_ROWS} 行，请拆分后分别导入",
                                f"the sheet has more than {SHEET_MAX_ROWS} rows; split it")]
        out.append((number, texts))
    return out, []


def _date(text: str) -> dt.date | None:
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


# ------------------------------------------------------------------ checking

class _Checker:
    def __init__(self, user, found: dict, problems: list[Problem]):
        self.user = user
        self.found = found
        self.problems = problems
        self.preview = Preview(problems=problems, rows={k: v[:50] for k, v in found.items()})
        self.today = timezone.localdate()

    def bad(self, sheet: str, row: int, column: str, value: str, zh: str, en: str) -> None:
        self.problems.append(Problem(SPEC[sheet].names[0], row, column, value, zh, en))

    def started_on(self, sheet: str, row: int, text: str) -> dt.date | None:
        day = _date(text)
        if day is None:
            self.bad(sheet, row, "started_on", text, "结对日期应写成 2026-03-01 这样的年月日", "the start date must be written like 2026-03-01")
        elif day > self.today:
            self.bad(sheet, row, "started_on", text, "结对日期晚于今天", "the start date is in the future")
            return None
        return day

    # --- cadres
    def cadres(self) -> dict[str, dict]:
        """The cadres as they will be after the import: {cadre_id: {kind, division_code,
        capacity, active, existing}} for those of the sheet, and for existing ones named
        by the pair sheets."""
        final: dict[str, dict] = {}
        rows = self.found.get("cadres", [])
        ids = [t["cadre_id"] for _n, t in rows]
        existing = {c.cadre_id: c for chunk in _chunks(ids) for c in Cadre.objects.filter(cadre_id__in=chunk)}
        seen: dict[str, int] = {}
        known_codes = _divisions([t.get("division_code", "") for _n, t in rows])
        for number, t in rows:
            ok = True
            cadre_id = t["cadre_id"]
            if not services.CADRE_ID.fullmatch(cadre_id):
                self.bad("cadres", number, "cadre_id", cadre_id, "干部编号应为 1–32 位字母、数字、下划线或连字符",
                         "the cadre number must be 1–32 letters, digits, _ or -")
                ok = False
            elif cadre_id in seen:
                self.bad("cadres", number, "cadre_id", cadre_id, f"干部编号与第 {seen[cadre_id]} 行重复",
                         f"the cadre number repeats row {seen[cadre_id]}")
                ok = False
            seen.setdefault(cadre_id, number)
            current = existing.get(cadre_id)
            if current is not None and not scope.code_is_within(self.user, current.division_code):
                self.bad("cadres", number, "cadre_id", cadre_id, "该干部编号已被您辖区以外的干部使用",
                         "the cadre number belongs to a cadre outside your area")
                ok = False
            if not t["name"] or len(t["name"]) > 64:
                self.bad("cadres", number, "name", t["name"], "请填写姓名（不超过 64 个字）",
                         "give the name (at most 64 characters)")
            kind_text = t.get("kind", "")
            kind = KIND_WORDS.get(kind_text) if kind_text else (current.kind if current else CadreKind.ASSISTANCE)
            if kind is None:
                self.bad("cadres", number, "kind", kind_text,
                         "类别应为 包村领导、帮扶责任人 或 村干部",
                         "the kind must be leader, assistance or village")
            elif current is not None and kind != current.kind and _has_active_pairs(current):
                self.bad("cadres", number, "kind", kind_text, "该干部仍有未解除的结对，不能改变类别",
                         "the cadre still has active pairs: the kind cannot change")
            if len(t.get("unit", "")) > 100 or len(t.get("post", "")) > 64:
                self.bad("cadres", number, "unit", t.get("unit", ""), "工作单位不超过 100 个字，职务不超过 64 个字",
                         "the unit is at most 100 characters and the post at most 64")
            code = t["division_code"]
            if not CODE.fullmatch(code):
                self.bad("cadres", number, "division_code", code, "服务区划应为 12 位数字代码",
                         "the division served must be a 12-digit code")
                ok = False
            elif code not in known_codes or not scope.code_is_within(self.user, code):
                self.bad("cadres", number, "division_code", code, "服务区划不是您辖区内的县、乡镇或村",
                         "the division served is not a county, town or village of your area")
                ok = False
            phone = t.get("phone", "")
            if phone and not services.PHONE.fullmatch(phone):
                self.bad("cadres", number, "phone", phone, "联系电话格式不对", "the phone number is malformed")
            capacity = None
            if t.get("capacity", ""):
                try:
                    capacity = int(t["capacity"])
                except ValueError:
                    capacity = -1
                if not 0 <= capacity <= services.CAPACITY_MAX:
                    self.bad("cadres", number, "capacity", t["capacity"],
                             f"包户上限应为 0–{services.CAPACITY_MAX} 的整数，或留空",
                             f"the capacity must be a whole number 0–{services.CAPACITY_MAX}, or empty")
                    capacity = None
            if ok:
                if current is None:
                    self.preview.cadres_new += 1
                else:
                    self.preview.cadres_updated += 1
                final[cadre_id] = {"kind": kind, "division_code": code, "capacity": capacity,
                                   "active": True if current is None else current.active, "existing": current}
        return final

    def cadre(self, final: dict, sheet: str, number: int, cadre_id: str, kind: str) -> dict | None:
        info = final.get(cadre_id)
        if info is None:
            current = Cadre.objects.filter(cadre_id=cadre_id).first()
            if current is not None and scope.code_is_within(self.user, current.division_code):
                info = final[cadre_id] = {"kind": current.kind, "division_code": current.division_code,
                                          "capacity": current.capacity, "active": current.active,
                                          "existing": current}
        if info is None:
            self.bad(sheet, number, "cadre_id", cadre_id, "未知的干部编号（不在干部表，也不在您辖区的干部中）",
                     "unknown cadre number (neither in the cadres sheet nor among your area's cadres)")
            return None
        if not info["active"]:
            self.bad(sheet, number, "cadre_id", cadre_id, "该干部已不在岗", "the cadre is inactive")
            return None
        if info["kind"] != kind:
            zh = {CadreKind.ASSISTANCE: "帮扶责任人", CadreKind.LEADER: "包村领导", CadreKind.VILLAGE: "村干部"}[kind]
            self.bad(sheet, number, "cadre_id", cadre_id, f"该干部不是{zh}", f"the cadre is not of kind {kind}")
            return None
        return info

    # --- 包户
    def pairs(self, final: dict) -> list[tuple[str, str, dt.date]]:
        rows = self.found.get("pairs", [])
        ids = [t["household_id"] for _n, t in rows]
        households = {h.pk: h for chunk in _chunks(ids)
                      for h in scope.visible_to(self.user, Household.objects.filter(pk__in=chunk))}
        paired = {pk for chunk in _chunks(ids)
                  for pk in CadrePair.objects.filter(household_id__in=chunk, ended_on__isnull=True)
                  .values_list("household_id", flat=True)}
        seen: dict[str, int] = {}
        added: Counter = Counter()
        good = []
        for number, t in rows:
            info = self.cadre(final, "pairs", number, t["cadre_id"], CadreKind.ASSISTANCE)
            household_id = t["household_id"]
            household = households.get(household_id)
            if household is None:
                self.bad("pairs", number, "household_id", household_id, "未知的户编号，或该户不在您的辖区",
                         "unknown household, or not in your area")
            elif household_id in seen:
                self.bad("pairs", number, "household_id", household_id, f"该户与第 {seen[household_id]} 行重复：一户只能有一名帮扶责任人",
                         f"the household repeats row {seen[household_id]}: a household has one cadre")
                household = None
            elif household_id in paired:
                self.bad("pairs", number, "household_id", household_id, "该户已有帮扶责任人，请先在系统中解除或更换",
                         "the household already has a cadre: end or change that pair first")
                household = None
            seen.setdefault(household_id, number)
            day = self.started_on("pairs", number, t["started_on"])
            if info is None or household is None or day is None:
                continue
            if county_of(info["division_code"]) != county_of(household.village_id):
                self.bad("pairs", number, "cadre_id", t["cadre_id"], "该干部不在这户所在的县",
                         "the cadre does not serve the household's county")
                continue
            added[t["cadre_id"]] += 1
            good.append((t["cadre_id"], household_id, day, number))
        # Capacity: the cadre's pairs after the import, counting those already active.
        loads = _active_loads([c for c in added if final[c]["existing"] is not None], final)
        policy_max = None
        for cadre_id, extra in added.items():
            capacity = final[cadre_id]["capacity"]
            if capacity is None:
                if policy_max is None:
                    from neisheng.monitoring.policies import policy_current

                    policy_max = policy_current().policy.grid_max_per_cadre
                capacity = policy_max
            load = loads.get(cadre_id, 0) + extra
            if load > capacity:
                first = next(n for c, _h, _d, n in good if c == cadre_id)
                self.bad("pairs", first, "cadre_id", cadre_id, f"该干部将包 {load} 户，超过上限 {capacity} 户",
                         f"the cadre would have {load} households, over the limit of {capacity}")
        self.preview.pairs = len(good)
        return [(c, h, d) for c, h, d, _n in good]

    # --- 包村 and 包片
    def villages(self, sheet: str, final: dict, kind: str) -> list:
        rows = self.found.get(sheet, [])
        codes = [t["village_code"] for _n, t in rows]
        villages = {d.code: d for chunk in _chunks(codes)
                    for d in scope.visible_to(self.user, Division.objects.filter(code__in=chunk, level=5))}
        if sheet == "villages":
            taken = {v for chunk in _chunks(codes) for v in LeaderPair.objects.filter(
                village_id__in=chunk, ended_on__isnull=True).values_list("village_id", flat=True)}
        else:
            taken = {(v, a) for chunk in _chunks(codes) for v, a in AreaPair.objects.filter(
                village_id__in=chunk, ended_on__isnull=True).values_list("village_id", "area")}
        seen: dict = {}
        good = []
        for number, t in rows:
            info = self.cadre(final, sheet, number, t["cadre_id"], kind)
            code = t["village_code"]
            village = villages.get(code)
            area = t.get("area", "")
            key = code if sheet == "villages" else (code, area)
            if not CODE.fullmatch(code):
                self.bad(sheet, number, "village_code", code, "村代码应为 12 位数字", "the village code must be 12 digits")
                village = None
            elif village is None:
                self.bad(sheet, number, "village_code", code, "未知的村代码，或该村不在您的辖区",
                         "unknown village, or not in your area")
            if sheet == "areas" and (not area or len(area) > 64):
                self.bad(sheet, number, "area", area, "请填写片区（不超过 64 个字）", "give the area (at most 64 characters)")
                village = None
            if village is not None and key in seen:
                self.bad(sheet, number, "village_code", code, f"与第 {seen[key]} 行重复", f"repeats row {seen[key]}")
                village = None
            elif village is not None and key in taken:
                self.bad(sheet, number, "village_code", code,
                         "该村已有包村领导，请先解除" if sheet == "villages" else "该片区已有村干部，请先解除",
                         "the village already has a leader: end that pair first" if sheet == "villages"
                         else "the area already has a cadre: end that pair first")
                village = None
            seen.setdefault(key, number)
            day = self.started_on(sheet, number, t["started_on"])
            if info is None or village is None or day is None:
                continue
            bounds = code_bounds(info["division_code"])
            if not bounds[0] <= code <= bounds[1]:
                self.bad(sheet, number, "cadre_id", t["cadre_id"], "该干部的服务区划不含这个村",
                         "the cadre does not serve this village")
                continue
            good.append((t["cadre_id"], code, area, day))
        if sheet == "villages":
            self.preview.leader_pairs = len(good)
        else:
            self.preview.area_pairs = len(good)
        return good


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _divisions(codes: list[str]) -> set[str]:
    codes = sorted({c for c in codes if CODE.fullmatch(c)})
    return {c for chunk in _chunks(codes)
            for c in Division.objects.filter(code__in=chunk, level__in=services.SERVED_LEVELS)
            .values_list("code", flat=True)}


def _has_active_pairs(cadre: Cadre) -> bool:
    return (cadre.household_pairs.filter(ended_on__isnull=True).exists()
            or cadre.village_pairs.filter(ended_on__isnull=True).exists()
            or cadre.area_pairs.filter(ended_on__isnull=True).exists())


def _active_loads(cadre_ids: list[str], final: dict) -> dict[str, int]:
    from django.db.models import Count

    loads = {}
    for chunk in _chunks(cadre_ids):
        for cadre_id, n in (CadrePair.objects.filter(cadre__cadre_id__in=chunk, ended_on__isnull=True)
                            .values("cadre__cadre_id").annotate(n=Count("pk")).values_list("cadre__cadre_id", "n")):
            loads[cadre_id] = n
    return loads


def _check(user, path: Path) -> tuple[Preview, dict, list, list, list]:
    found, problems = workbook_rows(path)
    checker = _Checker(user, found, problems)
    final = checker.cadres()
    pairs = checker.pairs(final)
    leaders = checker.villages("villages", final, CadreKind.LEADER)
    areas = checker.villages("areas", final, CadreKind.VILLAGE)
    checker.problems.sort(key=lambda p: ([s.names[0] for s in SHEETS].index(p.sheet) if p.sheet in
                                         [s.names[0] for s in SHEETS] else -1, p.row))
    return checker.preview, found, pairs, leaders, areas


def import_check(*, user, path: Path) -> Preview:
    """What the workbook would do, and every bad row. Writes nothing."""
    from neisheng.accounts.access import GRID_EDIT
    from neisheng.platform.access import require

    require(user, GRID_EDIT)
    return _check(user, path)[0]


@transaction.atomic
def import_apply(*, user, path: Path, name: str = "") -> Preview:
    """Check again and write everything, or nothing (GridRefused when any row is bad)."""
    from neisheng.accounts.access import GRID_EDIT
    from neisheng.platform.access import require

    require(user, GRID_EDIT)
    preview, found, pairs, leaders, areas = _check(user, path)
    if preview.problems:
        raise GridRefused(f"工作簿有 {len(preview.problems)} 处错误，未导入任何内容 / the workbook has "
                          f"{len(preview.problems)} problems; nothing was imported")
    if not preview.ok:
        raise GridRefused("工作簿中没有可导入的行 / the workbook has no rows to import")
    new_rows = []
    for _number, t in found.get("cadres", []):
        values = {k: t.get(k, "") for k in services.CADRE_FIELDS}
        values["kind"] = KIND_WORDS.get(values["kind"], values["kind"]) if values["kind"] else None
        current = Cadre.objects.filter(cadre_id=t["cadre_id"]).first()
        if current is None:
            if values["kind"] is None:
                values["kind"] = CadreKind.ASSISTANCE
            new_rows.append(values)
        else:
            if values["kind"] is None:
                values.pop("kind")
            services.cadre_update(user=user, cadre=current, values=values)
    if new_rows:
        services.cadres_create_many(user=user, rows=new_rows)
    cadres = {c.cadre_id: c for chunk in _chunks([p[0] for p in pairs + leaders + areas])
              for c in Cadre.objects.filter(cadre_id__in=chunk)}
    households = {h.pk: h for chunk in _chunks([p[1] for p in pairs])
                  for h in Household.objects.filter(pk__in=chunk)}
    by_day = defaultdict(list)
    for cadre_id, household_id, day in pairs:
        by_day[day].append((cadres[cadre_id], households[household_id]))
    for day, day_pairs in sorted(by_day.items()):
        services.cadre_pairs_create_many(user=user, pairs=day_pairs, started_on=day, source=PairSource.IMPORT)
    for cadre_id, code, _area, day in leaders:
        services.leader_pair_start(user=user, leader=cadres[cadre_id], village=code, started_on=day)
    for cadre_id, code, area, day in areas:
        services.area_pair_start(user=user, cadre=cadres[cadre_id], village=code, area=area, started_on=day)
    audit_record(user=user, action="import", division_code=user.division_id, object_type="grid_workbook",
                 object_id=name[:64], detail=preview.counts())
    return preview


EXAMPLES = {
    "cadres": ["C0001", "张伟", "assistance", "县农业农村局", "科员", "500238001001", "13800000000", ""],
    "pairs": ["C0001", "5002380010010001", "2026-01-15"],
    "villages": ["C0002", "500238001001", "2026-01-15"],
    "areas": ["C0003", "500238001001", "一组", "2026-01-15"],
}


def template_workbook(*, english: bool) -> bytes:
    """The template: one sheet per kind of row, headers in the page's language (the
    reader accepts both), and an example row to overwrite."""
    from io import BytesIO

    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for spec in SHEETS:
        sheet = workbook.create_sheet(spec.names[0] if english else spec.names[1])
        sheet.append([english_name if english else zh for english_name, zh in spec.columns])
        example = list(EXAMPLES[spec.key])
        if spec.key == "cadres" and not english:
            example[2] = "帮扶责任人"
        sheet.append(example)
        for column in sheet.columns:
            sheet.column_dimensions[column[0].column_letter].width = 18
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
