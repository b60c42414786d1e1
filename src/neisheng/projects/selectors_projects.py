"""Which projects a user sees: those run within the user's division, and those serving a
division within it (a village cadre sees the town's greenhouse park that pays its
villagers; the park's funds and revenue, and of its households only the village's own,
since beneficiaries, shares and payments are scoped by the household's village)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from neisheng.platform import scope
from neisheng.projects.models import Project, ProjectDivision


def projects_visible(user) -> QuerySet[Project]:
    served = scope.visible_to(user, ProjectDivision.objects.filter(project=OuterRef("pk")))
    return Project.objects.filter(scope.within(user, "division_code") | Exists(served))


def project_for(user, pk) -> Project:
    """The project `pk` if the user sees it; Http404 otherwise (the same answer as a
    project that does not exist, so its existence is not disclosed)."""
    project = projects_visible(user).filter(pk=pk).first()
    if project is None:
        raise Http404("no such project")
    return project


# --------------------------------------------------------------------------- a project's figures

def yuan(value) -> Decimal:
    """A sum as yuan to the fen (SQLite sums decimals as floats)."""
    from neisheng.projects.models import FEN

    return Decimal(str(value or 0)).quantize(FEN)


def funds_by_source(project: Project) -> list[dict]:
    """Per source of money: what came in, what was spent from it and what is left
    (a project's funds are seen by whoever sees the project)."""
    from django.db.models import Sum

    from neisheng.projects.models import ZERO, Expenditure, Fund

    received = {row["source"]: yuan(row["total"]) for row in
                Fund.objects.filter(project=project).values("source").annotate(total=Sum("amount"))}
    spent = {row["fund__source"]: yuan(row["total"]) for row in
             Expenditure.objects.filter(fund__project=project).values("fund__source").annotate(total=Sum("amount"))}
    rows = []
    for code, label in Fund.Source.choices:
        if code in received:
            amount, used = received[code] or ZERO, spent.get(code) or ZERO
            rows.append({"source": code, "label": label, "amount": amount, "spent": used, "balance": amount - used})
    return rows


def funds_with_balance(project: Project) -> list:
    """The project's funds, each with `spent` and `balance` set."""
    from django.db.models import Sum
    from django.db.models.functions import Coalesce

    from neisheng.projects.models import ZERO, Fund

    funds = list(Fund.objects.filter(project=project).annotate(spent=Coalesce(Sum("expenditures__amount"), ZERO))
                 .order_by("received_on", "pk"))
    for fund in funds:
        fund.spent = yuan(fund.spent)
        fund.balance = fund.amount - fund.spent
    return funds


def beneficiaries_over_time(user, project: Project, *, today) -> dict:
    """The project's beneficiaries the user sees (by their household's village): active
    today, and per year how many joined, left, and were active at the year's end (or
    today, for this year)."""
    from neisheng.projects.models import Beneficiary

    rows = list(scope.visible_to(user, Beneficiary.objects.filter(project=project))
                .values_list("starts_on", "ends_on"))
    active_now = sum(1 for starts, ends in rows if starts <= today and (ends is None or today <= ends))
    years = sorted({s.year for s, _e in rows} | {e.year for _s, e in rows if e is not None})
    by_year = []
    if years:
        for year in range(years[0], max(years[-1], today.year) + 1):
            end = today if year == today.year else dt.date(year, 12, 31)
            by_year.append({
                "year": year,
                "joined": sum(1 for s, _e in rows if s.year == year),
                "left": sum(1 for _s, e in rows if e is not None and e.year == year),
                "active": sum(1 for s, e in rows if s <= end and (e is None or end <= e)),
            })
    return {"active_now": active_now, "total": len(rows), "by_year": by_year}


def revenue_by_year(user, project: Project) -> list[dict]:
    """Per year: the revenue received, the dividends paid (payments marked paid, by the
    year they were paid, of the households the user sees) and the year's revenue rows,
    each with its distribution plans."""
    from collections import defaultdict

    from django.db.models import Sum
    from django.db.models.functions import ExtractYear

    from neisheng.projects.models import ZERO, DistributionPlan, Payment, Revenue

    revenues = list(Revenue.objects.filter(project=project).order_by("year", "received_on", "pk"))
    plans = defaultdict(list)
    for plan in DistributionPlan.objects.filter(project=project).order_by("plan_on", "pk"):
        plans[plan.revenue_id].append(plan)
    paid = {row["year"]: yuan(row["total"]) for row in
            scope.visible_to(user, Payment.objects.filter(plan__project=project, state=Payment.State.PAID,
                                                          paid_on__isnull=False))
            .annotate(year=ExtractYear("paid_on")).values("year").annotate(total=Sum("amount"))}
    years = sorted({r.year for r in revenues} | set(paid))
    out = []
    for year in years:
        items = [r for r in revenues if r.year == year]
        for revenue in items:
            revenue.plan_list = plans.get(revenue.pk, [])
        out.append({"year": year, "revenue": sum((r.amount for r in items), ZERO), "paid": paid.get(year) or ZERO,
                    "items": items})
    return out
