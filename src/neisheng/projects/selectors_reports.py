"""What the division reports read (issue 14, point 5): the funds of the projects a reader
sees, by source, by kind and by division one level down; the dividends paid per
household in a year; the households that receive nothing; one household's part in the
projects (its page's section); the payments of approved plans still to make.

Projects are read through `projects_visible`; payments, shares, beneficiaries and
renovations through `platform.scope.visible_to` (the household's village)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum

from neisheng.engine.schema import LABOR_CAPABLE
from neisheng.platform import scope
from neisheng.projects.models import (
    DistributionPlan,
    Expenditure,
    Fund,
    Payment,
    Project,
    ProjectDivision,
)
from neisheng.projects.selectors_projects import projects_visible
from neisheng.registry.models import Division, Household, Person

ZERO = Decimal("0.00")
FEN = Decimal("0.01")


def money(value) -> Decimal:
    """A sum as yuan with its two places (SQLite sums decimals to fewer)."""
    return (value or ZERO).quantize(FEN)


def _bounds(prefix: str) -> tuple[str, str]:
    return prefix.ljust(12, "0"), prefix.ljust(12, "9")


def _under(field_name: str, division: Division | None) -> Q:
    """`field_name` (a division code) lies under `division` (everything for None)."""
    if division is None:
        return Q()
    low, high = _bounds(division.prefix)
    return Q(**{f"{field_name}__gte": low, f"{field_name}__lte": high})


# --------------------------------------------------------------------------- funds


def projects_in(user, division: Division | None) -> QuerySet[Project]:
    """The projects the reader sees that concern `division`: run within it, or serving a
    division within it (a county's photovoltaic station paying a town's villages)."""
    projects = projects_visible(user)
    if division is None:
        return projects
    served = ProjectDivision.objects.filter(_under("division_code", division), project=OuterRef("pk"))
    return projects.filter(_under("division_code", division) | Q(Exists(served)))


@dataclass
class Money:
    """Funds received, spent from them, and what is left."""

    received: Decimal = ZERO
    spent: Decimal = ZERO
    projects: int = 0

    @property
    def balance(self) -> Decimal:
        return self.received - self.spent

    def add(self, other: Money) -> None:
        self.received += other.received
        self.spent += other.spent
        self.projects += other.projects


def _sums(rows, key: str) -> dict:
    return {row[key]: money(row["total"]) for row in rows.order_by().values(key).annotate(total=Sum("amount"))}


def funds_by_source(projects: QuerySet[Project]) -> dict[str, Money]:
    """Fund.Source code → money, in the sources' order, every source listed."""
    received = _sums(Fund.objects.filter(project__in=projects), "source")
    spent = _sums(Expenditure.objects.filter(fund__project__in=projects), "fund__source")
    return {code: Money(received.get(code, ZERO), spent.get(code, ZERO)) for code in Fund.Source.values}


def funds_by_kind(projects: QuerySet[Project]) -> dict[str, Money]:
    """Project.Kind code → money and number of projects: what the funds were used for.
    Kinds with no project are left out."""
    received = _sums(Fund.objects.filter(project__in=projects), "project__kind")
    spent = _sums(Expenditure.objects.filter(fund__project__in=projects), "fund__project__kind")
    counted = dict(projects.order_by().values("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    return {code: Money(received.get(code, ZERO), spent.get(code, ZERO), counted[code])
            for code in Project.Kind.values if counted.get(code)}


@dataclass
class DivisionMoney:
    division: Division | None  # None: the projects run at the chosen level or above it
    money: Money = field(default_factory=Money)


def funds_by_division(projects: QuerySet[Project], division: Division | None,
                      children: list[Division]) -> list[DivisionMoney]:
    """Each project counted once, in the division one level down that runs it (a village
    chosen is its own only row); projects run at the chosen division itself or above it
    (serving it) in a last row, so the rows add up to the total. Every child is listed,
    with nothing as zero."""
    received = _sums(Fund.objects.filter(project__in=projects), "project_id")
    spent = _sums(Expenditure.objects.filter(fund__project__in=projects), "fund__project_id")
    rows = [DivisionMoney(child) for child in children]
    own = DivisionMoney(None)
    for pk, code in projects.order_by().values_list("pk", "division_code"):
        money = Money(received.get(pk, ZERO), spent.get(pk, ZERO), 1)
        row = next((r for r in rows if code.startswith(r.division.prefix)), own)
        row.money.add(money)
    return [*rows, own] if own.money.projects or not rows else rows


def fund_rows(projects: QuerySet[Project]) -> list[dict]:
    """Every fund of the projects with what was spent from it (the detail export)."""
    spent = _sums(Expenditure.objects.filter(fund__project__in=projects), "fund_id")
    funds = Fund.objects.filter(project__in=projects).select_related("project").order_by(
        "project__division_code", "project__name", "project_id", "received_on", "pk")
    return [{"fund": fund, "spent": spent.get(fund.pk, ZERO), "balance": fund.amount - spent.get(fund.pk, ZERO)}
            for fund in funds]


# --------------------------------------------------------------------------- dividends paid


def _in_year(year: int) -> Q:
    # A range on the date rather than its year extracted, so an index on paid_on serves.
    return Q(paid_on__gte=dt.date(year, 1, 1), paid_on__lte=dt.date(year, 12, 31))


def payments_paid(user, *, year: int, division: Division | None = None) -> QuerySet[Payment]:
    """Payments the reader sees, paid in `year`, to households under `division`."""
    return scope.visible_to(user, Payment).filter(_in_year(year), _under("household__village_id", division),
                                                  state=Payment.State.PAID)


def any_paid(user, division: Division | None) -> bool:
    """Whether any payment the reader sees under `division` was paid."""
    return scope.visible_to(user, Payment).filter(_under("household__village_id", division),
                                                  state=Payment.State.PAID).exists()


def years_paid(user) -> list[int]:
    """The years with a payment paid that the reader sees, latest first."""
    paid = scope.visible_to(user, Payment).filter(state=Payment.State.PAID, paid_on__isnull=False)
    return [day.year for day in paid.dates("paid_on", "year", order="DESC")]


def year_chosen(user, asked: str) -> tuple[int, list[int]]:
    """The year asked for (`?year=`, any four-digit year), else the latest with payments,
    else this one; and the years with payments to offer."""
    years = years_paid(user)
    if asked.isdigit() and len(asked) == 4:
        return int(asked), years
    return (years[0] if years else dt.date.today().year), years


def dividends_per_household(payments: QuerySet[Payment]) -> QuerySet:
    """One row per household: household_id, village_id, payments, projects, total."""
    return (payments.order_by().values("household_id", village_id=F("household__village_id"))
            .annotate(payments=Count("pk"), projects=Count("plan__project_id", distinct=True), total=Sum("amount")))


@dataclass
class VillageDividends:
    village: Division
    households: int
    payments: int
    total: Decimal


def dividends_per_village(payments: QuerySet[Payment]) -> list[VillageDividends]:
    rows = (payments.order_by().values("household__village_id")
            .annotate(households=Count("household_id", distinct=True), payments=Count("pk"), total=Sum("amount")))
    rows = {row["household__village_id"]: row for row in rows}
    villages = Division.objects.filter(pk__in=rows).order_by("code")
    return [VillageDividends(v, rows[v.code]["households"], rows[v.code]["payments"], money(rows[v.code]["total"]))
            for v in villages]


def dividends_per_division(payments: QuerySet[Payment], children: list[Division]) -> list[tuple[Division, int, Decimal]]:
    """(division one level down, households paid, total) for each child, zeros kept."""
    per_village = dividends_per_village(payments)
    rows = []
    for child in children:
        mine = [v for v in per_village if v.village.code.startswith(child.prefix)]
        rows.append((child, sum(v.households for v in mine), sum((v.total for v in mine), ZERO)))
    return rows


def household_projects_paid(household_ids, *, year: int) -> dict[str, list[Project]]:
    """household_id → the projects whose payments it was paid in `year` (one page's rows)."""
    found: dict[str, dict[int, Project]] = defaultdict(dict)
    paid = Payment.objects.filter(_in_year(year), household_id__in=list(household_ids), state=Payment.State.PAID)
    for payment in paid.select_related("plan__project").order_by("household_id", "plan__project__name"):
        found[payment.household_id][payment.plan.project_id] = payment.plan.project
    return {household_id: list(projects.values()) for household_id, projects in found.items()}


# --------------------------------------------------------------------------- receiving nothing


def without_labor_capacity() -> Q:
    """A household with members alive and none of them labor-capable: the rule of
    engine.coverage (its "incapable" households) and of cases.elimination, both reading
    the contract's `engine.schema.LABOR_CAPABLE`; a household whose members have all died
    is no one's to support and is not counted."""
    alive = Person.objects.filter(household=OuterRef("pk"), alive=True)
    return Q(Exists(alive)) & ~Q(Exists(alive.filter(labor__in=sorted(LABOR_CAPABLE))))


def households_unpaid(user, *, year: int, statuses, division: Division | None = None,
                      without_labor: bool = False) -> QuerySet[Household]:
    """Households of `statuses` (the policy's measures_coverage_statuses: lifted and
    monitored) the reader sees, paid no project dividend in `year`."""
    paid = Payment.objects.filter(_in_year(year), household=OuterRef("pk"), state=Payment.State.PAID)
    households = scope.visible_to(user, Household).filter(_under("village_id", division),
                                                          status__in=list(statuses)).filter(~Q(Exists(paid)))
    if without_labor:
        households = households.filter(without_labor_capacity())
    return households


def labor_capable_of(household_ids) -> set[str]:
    """Of these households, those with a labor-capable member alive (a page's rows)."""
    return set(Person.objects.filter(household_id__in=list(household_ids), alive=True,
                                     labor__in=sorted(LABOR_CAPABLE)).values_list("household_id", flat=True))


# --------------------------------------------------------------------------- work


def payments_pending(user) -> QuerySet[Payment]:
    """Payments of approved plans not yet paid, in the reader's scope."""
    return scope.visible_to(user, Payment).filter(state=Payment.State.PENDING,
                                                  plan__state=DistributionPlan.State.APPROVED)


def pending_by_plan(payments: QuerySet[Payment], limit: int = 8) -> list[dict]:
    """The plans with payments pending, the oldest plan first: plan, project, how many, how much."""
    rows = (payments.order_by().values("plan_id")
            .annotate(n=Count("pk"), total=Sum("amount")).order_by("plan_id")[:limit])
    rows = list(rows)
    plans = DistributionPlan.objects.select_related("project").in_bulk([row["plan_id"] for row in rows])
    shown = [{"plan": plans[row["plan_id"]], "count": row["n"], "total": money(row["total"])} for row in rows]
    return sorted(shown, key=lambda row: (row["plan"].plan_on, row["plan"].pk))
