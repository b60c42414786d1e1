"""Reads of the registry workflow for the pages: key figures, the division tree, the
household list and one household's file. Every read starts from the scope selectors
of accounts.selectors, so nothing outside the user's division can appear.

A county holds up to a million households, so figures and counts are single aggregate
queries (COUNT … FILTER in PostgreSQL) and lists fetch one page of households and then
only those households' members; nothing loops over the whole registry in Python.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from neisheng.accounts.models import User
from neisheng.accounts.selectors import (
    divisions_under,
    divisions_visible_to,
    households_visible_to,
    person_key_is_well_formed,
    persons_visible_to,
    user_may_unmask,
)
from neisheng.engine import schema
from neisheng.monitoring.models import HouseholdResult
from neisheng.registry.models import PREFIX_LENGTH, Division, Household, IncomeItem, Person

PAGE_SIZE = 50
HOUSING_PROBLEMS = ("c_class", "d_class")

REASON_LABELS = {
    "income_below_line": "人均纯收入低于脱贫标准",
    "food_clothing": "吃穿未保障",
    "compulsory_education": "义务教育阶段失学辍学",
    "medical_insurance": "未参加基本医疗保险",
    "housing": "住房不安全",
    "water": "饮水不安全",
    "income_below_threshold": "人均纯收入低于防返贫监测范围",
    "income_drop": "收入大幅下降",
    "rigid_expense": "刚性支出较大",
    "sudden_event": "发生突发事件",
    "no_members": "无在世成员",
}


def results_exist() -> bool:
    return HouseholdResult.objects.exists()


# --------------------------------------------------------------------------- figures


FIGURES_SECONDS = 600


def _registry_version() -> tuple[int, int]:
    """Changes since a figure was counted: every write through the platform (forms, API,
    uploads, snapshot imports) leaves an audit event, and each monitoring run a row."""
    from neisheng.accounts.models import AuditEvent
    from neisheng.monitoring.models import MonitoringRun

    last_event = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    last_run = MonitoringRun.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return last_event, last_run


def cached_for_scope(user: User, name: str, compute):
    """County-wide counts take a second over a million households; they are kept per scope
    until the registry changes (or ten minutes pass, for writes made outside the platform)."""
    from django.core.cache import cache

    from neisheng.accounts.selectors import code_range

    bounds = code_range(user) or ("all", "all")
    event, run = _registry_version()
    key = f"registry-{name}-{bounds[0]}-{bounds[1]}-{event}-{run}"
    return cache.get_or_set(key, compute, FIGURES_SECONDS)


def key_figures(user: User) -> dict:
    """Counts for the home page: one aggregate over households (with the monitoring
    result joined only when a run has been loaded) and one count of alive persons."""
    with_results = results_exist()
    counts = {
        "households": Count("pk"),
        "housing_problem": Count("pk", filter=Q(housing__in=HOUSING_PROBLEMS)),
        "water_problem": Count("pk", filter=Q(water="unsafe")),
        "food_problem": Count("pk", filter=Q(food_clothing_ok=False)),
    }
    for code in schema.STATUS:
        counts[f"status_{code}"] = Count("pk", filter=Q(status=code))
    for code in schema.CATEGORY:
        counts[f"category_{code}"] = Count("pk", filter=Q(category=code))
    if with_results:
        for risk in ("red", "yellow", "green"):
            counts[f"risk_{risk}"] = Count("pk", filter=Q(result__risk=risk))
        counts["assessed"] = Count("pk", filter=Q(result__motivation_poor__isnull=False))
        counts["motivation_poor"] = Count("pk", filter=Q(result__motivation_poor=True))
    figures = households_visible_to(user).aggregate(**counts)
    figures["persons"] = persons_visible_to(user).filter(alive=True).count()
    figures["with_results"] = with_results
    figures["status"] = [(code, label, figures[f"status_{code}"]) for code, label in schema.STATUS.items()]
    figures["category"] = [
        (code, label, figures[f"category_{code}"]) for code, label in schema.CATEGORY.items()
    ]
    if with_results:
        figures["risk"] = [
            (risk, label, figures[f"risk_{risk}"])
            for risk, label in (("red", "红色预警"), ("yellow", "黄色预警"), ("green", "绿色"))
        ]
        assessed = figures["assessed"]
        figures["motivation_poor_share"] = (
            Decimal(figures["motivation_poor"] * 100) / assessed if assessed else None
        )
    return figures


# --------------------------------------------------------------------------- tree


@dataclass
class TreeNode:
    division: Division
    households: int = 0
    lifted: int = 0
    monitored: int = 0
    children: list[TreeNode] = field(default_factory=list)


def division_tree(user: User) -> list[TreeNode]:
    """The divisions under the user's own, each with household counts, as nested nodes.

    The counts come from one query grouped by village; towns and counties add their
    villages up in Python, which loops over divisions (hundreds), never households."""
    per_village = (
        households_visible_to(user)
        .values("village_id")
        .annotate(
            n=Count("pk"),
            lifted=Count("pk", filter=Q(status="lifted")),
            monitored=Count("pk", filter=Q(status="monitored")),
        )
        .order_by()
    )
    nodes = {d.code: TreeNode(d) for d in divisions_under(user).order_by("code")}
    for row in per_village:
        node = nodes.get(row["village_id"])
        if node is not None:
            node.households, node.lifted, node.monitored = row["n"], row["lifted"], row["monitored"]
    roots = []
    # Deepest first, so a town's total is complete before its county adds it.
    for node in sorted(nodes.values(), key=lambda n: -n.division.level):
        parent = nodes.get(node.division.parent_id)
        if parent is None:
            roots.append(node)
            continue
        parent.households += node.households
        parent.lifted += node.lifted
        parent.monitored += node.monitored
        parent.children.append(node)
    for node in nodes.values():
        node.children.sort(key=lambda n: n.division.code)
    return sorted(roots, key=lambda n: n.division.code)


def ancestors_of(user: User) -> list[Division]:
    """The divisions above the user's own, top first, for the breadcrumb."""
    if user.division_id is None:
        return []
    return list(
        divisions_visible_to(user).filter(level__lt=user.division.level).order_by("level")
    )


# --------------------------------------------------------------------------- list


@dataclass(frozen=True)
class ListFilters:
    q: str = ""
    division: Division | None = None
    status: str = ""
    category: str = ""
    risk: str = ""
    problem: str = ""  # housing | water | food
    motivation: str = ""  # poor

    def as_params(self) -> dict[str, str]:
        params = {
            "q": self.q, "status": self.status, "category": self.category, "risk": self.risk,
            "problem": self.problem, "motivation": self.motivation,
            "division": self.division.code if self.division else "",
        }
        return {k: v for k, v in params.items() if v}


PROBLEMS = {"housing": "住房不安全", "water": "饮水不安全", "food": "吃穿未保障"}
RISKS = {"red": "红色", "yellow": "黄色", "green": "绿色"}


def list_filters_from(user: User, params) -> ListFilters:
    """Read the list's query parameters, ignoring anything that is not a known code or
    a division inside the user's scope (a division outside it filters to nothing)."""
    division = None
    code = (params.get("division") or params.get("village") or "").strip()
    if code:
        division = divisions_under(user).filter(code=code).first() or Division(code="", level=5)

    def pick(name, allowed):
        value = (params.get(name) or "").strip()
        return value if value in allowed else ""

    return ListFilters(
        q=(params.get("q") or "").strip()[:64],
        division=division,
        status=pick("status", schema.STATUS),
        category=pick("category", schema.CATEGORY),
        risk=pick("risk", RISKS),
        problem=pick("problem", PROBLEMS),
        motivation=pick("motivation", {"poor"}),
    )


def _looks_like_id_number(text: str) -> bool:
    return len(text) == 18 and text[:17].isdigit() and text[17] in "0123456789Xx"


def households_matching(user: User, filters: ListFilters) -> QuerySet[Household]:
    """Households in scope matching the search and filters, ordered by household number.

    The search never uses a leading-wildcard LIKE: a household number matches exactly or
    by prefix (the primary key's index serves both), an ID number exactly after
    normalising (upper-case X) and only for roles that may unmask (the view audits it),
    a member's name exactly or by prefix (the name index)."""
    qs = households_visible_to(user)
    if filters.division is not None:
        division = filters.division
        if not division.code:
            return qs.none()
        prefix = division.code[: PREFIX_LENGTH[division.level]]
        qs = qs.filter(village_id__gte=prefix.ljust(12, "0"), village_id__lte=prefix.ljust(12, "9"))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.risk:
        qs = qs.filter(result__risk=filters.risk)
    if filters.motivation == "poor":
        qs = qs.filter(result__motivation_poor=True)
    if filters.problem == "housing":
        qs = qs.filter(housing__in=HOUSING_PROBLEMS)
    elif filters.problem == "water":
        qs = qs.filter(water="unsafe")
    elif filters.problem == "food":
        qs = qs.filter(food_clothing_ok=False)
    if filters.q:
        q = filters.q
        if _looks_like_id_number(q):
            if not user_may_unmask(user):
                # Searching by full number would confirm a number guessed from a masked one.
                return qs.none()
            number = q[:17] + q[17].upper()
            qs = qs.filter(pk__in=Person.objects.filter(person_id=number).values("household_id"))
        else:
            # A UNION of the two index lookups, not `number LIKE … OR pk IN (…)`: with the
            # OR, PostgreSQL walks every household in scope testing both (≈150 ms on
            # 300,000 households); the UNION fetches the few matching numbers first (≈5 ms).
            by_number = Household.objects.filter(household_id__startswith=q).order_by().values("pk")
            by_name = Person.objects.filter(name__startswith=q).order_by().values("household_id")
            qs = qs.filter(pk__in=by_number.union(by_name))
    return qs.order_by("household_id")


@dataclass
class ListRow:
    household: Household
    head_name: str
    size: int
    risk: str | None


def list_rows(households: list[Household]) -> list[ListRow]:
    """Head's name and alive size for a page of households: one query over their members."""
    ids = [h.household_id for h in households]
    heads: dict[str, str] = {}
    sizes: dict[str, int] = defaultdict(int)
    for household_id, name, relation, alive in Person.objects.filter(household_id__in=ids).values_list(
        "household_id", "name", "relation", "alive"
    ):
        if alive:
            sizes[household_id] += 1
        if relation == "head" and (alive or household_id not in heads):
            heads[household_id] = name
    rows = []
    for h in households:
        result = getattr(h, "result", None) if _has_result(h) else None
        rows.append(ListRow(h, heads.get(h.household_id, ""), sizes[h.household_id],
                            result.risk if result else None))
    return rows


def _has_result(household: Household) -> bool:
    try:
        household.result  # noqa: B018 - reverse one-to-one raises when absent
    except HouseholdResult.DoesNotExist:
        return False
    return True


@dataclass
class Page:
    rows: list[ListRow]
    next_after: str | None
    prev_before: str | None
    total: int
    total_capped: bool


COUNT_CAP = 10_000


def household_page(qs: QuerySet[Household], *, after: str = "", before: str = "") -> Page:
    """One page of 50 by keyset pagination on the household number.

    OFFSET pagination makes PostgreSQL read and discard every earlier row, so page 2,000
    of a million households would be slow; `household_id > last seen` walks the primary
    key index straight to the page. The total is counted only up to COUNT_CAP rows
    ("10000+ 户"), because an exact COUNT(*) over a county costs a full scan on every
    page view."""
    base = qs.select_related("village", "result")
    if before:
        chunk = list(base.filter(household_id__lt=before).order_by("-household_id")[: PAGE_SIZE + 1])
        has_more_before = len(chunk) > PAGE_SIZE
        chunk = list(reversed(chunk[:PAGE_SIZE]))
        has_more_after = True
    else:
        if after:
            base = base.filter(household_id__gt=after)
        chunk = list(base[: PAGE_SIZE + 1])
        has_more_after = len(chunk) > PAGE_SIZE
        chunk = chunk[:PAGE_SIZE]
        has_more_before = bool(after)
    total = qs.order_by()[: COUNT_CAP + 1].count()
    return Page(
        rows=list_rows(chunk),
        next_after=chunk[-1].household_id if chunk and has_more_after else None,
        prev_before=chunk[0].household_id if chunk and has_more_before else None,
        total=min(total, COUNT_CAP),
        total_capped=total > COUNT_CAP,
    )


EXPORT_BATCH = 2_000
EXPORT_HEADERS = [
    "户编号 household number", "村 village", "村代码 village code", "户主 head", "人口 size",
    "户类型 status", "保障类别 category", "住房安全 housing", "饮水安全 water", "风险 risk",
]


def export_rows(qs: QuerySet[Household]):
    """Every matching household as a spreadsheet row, fetched in keyset batches so a
    county-wide export never holds all households (or a huge IN list) at once."""
    last = ""
    base = qs.select_related("village", "result")
    while True:
        batch = list(base.filter(household_id__gt=last)[:EXPORT_BATCH])
        if not batch:
            return
        for row in list_rows(batch):
            h = row.household
            yield [
                h.household_id, h.village.name, h.village_id, row.head_name, row.size,
                schema.STATUS.get(h.status, h.status), schema.CATEGORY.get(h.category, h.category),
                schema.HOUSING.get(h.housing, h.housing), schema.WATER.get(h.water, h.water),
                RISKS.get(row.risk or "", ""),
            ]
        last = batch[-1].household_id


# --------------------------------------------------------------------------- one household


def member_key(person: Person) -> str:
    """A member's key in URLs (Person.key, random), so full ID numbers never appear in
    addresses, browser history or server logs."""
    return person.key


def member_by_key(household: Household, key: str) -> Person | None:
    if not person_key_is_well_formed(key):
        return None
    return household.members.filter(key=key).first()


def age_on(birth: dt.date, day: dt.date) -> int:
    """Full years completed on `day` (a 29 February birthday counts from 1 March)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@dataclass
class LedgerYear:
    year: int
    rows: list[IncomeItem]
    income: Decimal
    cost: Decimal
    rigid: Decimal
    net: Decimal
    per_capita: Decimal | None


def ledger_by_year(household: Household, alive_size: int) -> list[LedgerYear]:
    """Each year's rows with net income (income − production cost), per-capita income
    (net / alive members, as monitoring.md defines it) and rigid expenditure."""
    years: dict[int, list[IncomeItem]] = defaultdict(list)
    catalogue_order = {code: i for i, code in enumerate(schema.LEDGER_ITEMS)}
    for item in sorted(household.ledger.all(),
                       key=lambda i: (-i.year, catalogue_order.get(i.item, len(catalogue_order)), i.pk)):
        item.source_label = schema.SOURCE_LABELS.get(item.source, item.source)
        item.kind = schema.LEDGER_ITEMS[item.item].kind if item.item in schema.LEDGER_ITEMS else None
        years[item.year].append(item)
    out = []
    for year, rows in years.items():
        totals = {"income": Decimal(0), "cost": Decimal(0), "rigid": Decimal(0)}
        for row in rows:
            if row.kind in totals:
                totals[row.kind] += row.amount
        net = totals["income"] - totals["cost"]
        per_capita = (net / alive_size).quantize(Decimal("0.01")) if alive_size else None
        out.append(LedgerYear(year, rows, totals["income"], totals["cost"], totals["rigid"], net, per_capita))
    return out


@dataclass
class Guarantee:
    name: str
    ok: bool
    detail: str


def guarantees(household: Household, alive: list[Person], policy) -> list[Guarantee]:
    """两不愁三保障 and safe drinking water as monitoring.md states them, with the age
    band and home-schooling grades taken from the policy."""
    school_ages = policy.compulsory_school_ages
    out_of_school = [
        p for p in alive
        if school_ages.low <= age_on(p.birth_date, policy.reference_date) <= school_ages.high
        and p.schooling == "not_in_school"
        and p.disability_grade not in policy.home_schooling_disability_grades
    ]
    in_band = [p for p in alive
               if school_ages.low <= age_on(p.birth_date, policy.reference_date) <= school_ages.high]
    uninsured = [p for p in alive if not p.medical_insured]
    return [
        Guarantee("不愁吃、不愁穿", household.food_clothing_ok,
                  "" if household.food_clothing_ok else "吃穿未保障"),
        Guarantee(
            "义务教育有保障", not out_of_school,
            (f"{school_ages}周岁成员 {len(in_band)} 人" if not out_of_school
             else "失学辍学:" + "、".join(p.name for p in out_of_school)),
        ),
        Guarantee("基本医疗有保障", not uninsured,
                  "" if not uninsured else "未参保:" + "、".join(p.name for p in uninsured)),
        Guarantee("住房安全有保障", household.housing == "safe", schema.HOUSING.get(household.housing, "")),
        Guarantee("饮水安全有保障", household.water == "safe", schema.WATER.get(household.water, "")),
    ]


@dataclass
class Change:
    at: dt.datetime
    user: str
    what: str
    kind: str
    fields: list[tuple[str, str, str]]


def _shown(model, field_name: str, value) -> str:
    if value is None or value == "":
        return "—"
    try:
        model_field = model._meta.get_field(field_name)
    except Exception:  # noqa: BLE001 - history-only fields have no label
        return str(value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _label(model, field_name: str) -> str:
    try:
        return str(model._meta.get_field(field_name).verbose_name)
    except Exception:  # noqa: BLE001
        return field_name


HISTORY_LIMIT = 200
HIDDEN_FIELDS = {"person_id", "key"}


def change_history(household: Household, *, mask=lambda s: s) -> list[Change]:
    """Who changed which field of the household, its members and ledger rows, from
    what to what and when, newest first. Consecutive versions of each record are
    compared in Python, so the whole history costs three queries.

    The history starts at the latest snapshot load: after `import-snapshot --replace` a
    household number may name another family, whose page must not show the replaced
    family's members. Their records stay in the database for auditors."""
    from neisheng.registry.versions import history_start

    start = history_start()
    sources = [
        (Household, Household.history.filter(household_id=household.household_id), lambda r: "农户信息"),
        (Person, Person.history.filter(household_id=household.household_id),
         lambda r: f"成员 {r.name}({mask(r.person_id)})"),
        (IncomeItem, IncomeItem.history.filter(household_id=household.household_id),
         lambda r: f"台账 {r.year} {schema.ITEM_LABELS.get(r.item, r.item)}"),
    ]
    changes: list[Change] = []
    for model, records, describe in sources:
        if start is not None:
            records = records.filter(history_date__gte=start)
        records = list(records.select_related("history_user").order_by("history_date", "history_id")[:HISTORY_LIMIT])
        previous: dict = {}
        fields = [f.name for f in model._meta.concrete_fields
                  if f.name not in HIDDEN_FIELDS and not f.primary_key]
        key_field = model._meta.pk.attname
        for record in records:
            key = getattr(record, key_field)
            before = previous.get(key)
            diffs = []
            if record.history_type == "~" and before is not None:
                for name in fields:
                    attname = model._meta.get_field(name).attname
                    old, new = getattr(before, attname), getattr(record, attname)
                    if old != new:
                        diffs.append((_label(model, name), _shown(model, name, old), _shown(model, name, new)))
                if not diffs:
                    previous[key] = record
                    continue
            kind = {"+": "新增", "~": "修改", "-": "删除"}[record.history_type]
            if record.history_change_reason:
                kind = record.history_change_reason
            user = record.history_user
            changes.append(Change(
                at=record.history_date,
                user=(str(user) if user else "系统"),
                what=describe(record),
                kind=kind,
                fields=diffs,
            ))
            previous[key] = record
    changes.sort(key=lambda c: c.at, reverse=True)
    return changes
