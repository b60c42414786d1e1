"""The household list: its filters and search, one page of rows (keyset pagination) and
the Excel export of every matching household."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import QuerySet

from neisheng.accounts.access import PERSON_UNMASK, user_may
from neisheng.accounts.models import User
from neisheng.divisions import PREFIX_LENGTH
from neisheng.engine import schema
from neisheng.platform import scope
from neisheng.platform.extensions import household_attribute, households_annotated_for
from neisheng.registry.models import Division, Household, Person
from neisheng.registry.selectors.attributes import MOTIVATION, RISK

PAGE_SIZE = 50
HOUSING_PROBLEMS = ("c_class", "d_class")


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
RISKS = schema.RISK


def list_filters_from(user: User, params) -> ListFilters:
    """Read the list's query parameters, ignoring anything that is not a known code or
    a division inside the user's scope (a division outside it filters to nothing)."""
    division = None
    code = (params.get("division") or params.get("village") or "").strip()
    if code:
        division = scope.visible_to(user, Division).filter(code=code).first() or Division(code="", level=5)

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
    qs = scope.visible_to(user, Household)
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
    for name, value in ((RISK, filters.risk), (MOTIVATION, filters.motivation)):
        if value:
            attribute = household_attribute(name)
            if attribute is None:
                return qs.none()
            qs = households_annotated_for(user, qs, [attribute]).filter(**{name: value})
    if filters.problem == "housing":
        qs = qs.filter(housing__in=HOUSING_PROBLEMS)
    elif filters.problem == "water":
        qs = qs.filter(water="unsafe")
    elif filters.problem == "food":
        qs = qs.filter(food_clothing_ok=False)
    if filters.q:
        q = filters.q
        if _looks_like_id_number(q):
            if not user_may(user, PERSON_UNMASK):
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

    @property
    def risk_label(self) -> str:
        return schema.RISK.get(self.risk or "", "")


def list_rows(households: list[Household], risks: dict[str, str | None] | None = None) -> list[ListRow]:
    """Head's name and alive size for a page of households: one query over their members;
    `risks` (household number → risk in the latest run) from one query over their results."""
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
    risks = risks or {}
    return [ListRow(h, heads.get(h.household_id, ""), sizes[h.household_id], risks.get(h.household_id))
            for h in households]


def _latest_risks(households: list[Household], user: User | None = None) -> dict[str, str | None]:
    """household number → risk of a page of households, as `user`'s pages show it (the
    latest run covering the user; no user: the latest run), from one query."""
    attribute = household_attribute(RISK)
    if not households or attribute is None:
        return {}
    rows = Household.objects.filter(pk__in=[h.household_id for h in households]).order_by()
    rows = households_annotated_for(user, rows, [attribute]) if user is not None else attribute.annotate(rows)
    return {household_id: risk for household_id, risk in rows.values_list("household_id", RISK) if risk}


@dataclass
class Page:
    rows: list[ListRow]
    next_after: str | None
    prev_before: str | None
    total: int
    total_capped: bool


COUNT_CAP = 10_000


def household_page(qs: QuerySet[Household], *, after: str = "", before: str = "",
                   user: User | None = None) -> Page:
    """One page of 50 by keyset pagination on the household number.

    OFFSET pagination makes PostgreSQL read and discard every earlier row, so page 2,000
    of a million households would be slow; `household_id > last seen` walks the primary
    key index straight to the page. The total is counted only up to COUNT_CAP rows
    ("10000+ 户"), because an exact COUNT(*) over a county costs a full scan on every
    page view. Risks are those `user`'s pages show (the latest run covering the user)."""
    base = qs.select_related("village")
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
        rows=list_rows(chunk, _latest_risks(chunk, user)),
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


def export_rows(qs: QuerySet[Household], user: User | None = None):
    """Every matching household as a spreadsheet row, fetched in keyset batches so a
    county-wide export never holds all households (or a huge IN list) at once; the risk
    is the one `user`'s pages show (the latest run covering the user)."""
    last = ""
    base = qs.select_related("village")
    while True:
        batch = list(base.filter(household_id__gt=last)[:EXPORT_BATCH])
        if not batch:
            return
        for row in list_rows(batch, _latest_risks(batch, user)):
            h = row.household
            yield [
                h.household_id, h.village.name, h.village_id, row.head_name, row.size,
                schema.STATUS.get(h.status, h.status), schema.CATEGORY.get(h.category, h.category),
                schema.HOUSING.get(h.housing, h.housing), schema.WATER.get(h.water, h.water),
                RISKS.get(row.risk or "", ""),
            ]
        last = batch[-1].household_id
