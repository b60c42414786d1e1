"""What the plan and payment pages read. A plan is seen by whoever sees its project (its
total, collective share and review are the project's business); of its lines and
payments each user sees only the households of their own division (a village cadre sees
the town's plan and their own villagers in it)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import QuerySet
from django.http import Http404

from neisheng.platform import scope
from neisheng.projects.models import DistributionPlan, Payment, PlanShare
from neisheng.projects.selectors_projects import projects_visible
from neisheng.registry.models import Person


def plans_visible(user) -> QuerySet[DistributionPlan]:
    return DistributionPlan.objects.filter(project__in=projects_visible(user).values("pk"))


def plan_for(user, pk) -> DistributionPlan:
    plan = plans_visible(user).select_related("project", "revenue", "created_by").filter(pk=pk).first()
    if plan is None:
        raise Http404("no such plan")
    return plan


def payments_visible(user) -> QuerySet[Payment]:
    return scope.visible_to(user, Payment.objects.all())


def payment_for(user, pk) -> Payment:
    payment = payments_visible(user).select_related("plan__project", "household__village").filter(pk=pk).first()
    if payment is None:
        raise Http404("no such payment")
    return payment


def head_names(household_ids) -> dict[str, str]:
    """Each household's head (a living head first): the name a publicity list shows."""
    names: dict[str, str] = {}
    ids = list(dict.fromkeys(household_ids))
    for start in range(0, len(ids), 900):
        for household_id, name, alive in (Person.objects.filter(household_id__in=ids[start:start + 900],
                                                                relation="head")
                                          .order_by("-alive", "person_id").values_list("household_id", "name", "alive")):
            names.setdefault(household_id, name)
    return names


@dataclass
class Line:
    """One household's line of a plan, with why it gets what it gets."""

    household_id: str
    village: str
    head: str
    weight: Decimal
    members: int
    fraction: Fraction  # weight / sum of weights
    exact: Decimal  # the rest × fraction, to 4 places: what the amount rounds from
    amount: Decimal
    payments: list


def plan_lines(user, plan: DistributionPlan) -> tuple[list[Line], dict]:
    """The plan's lines the user may see, and the figures of the whole plan: the rest
    shared out, the sum of weights, the sum of every line and the check against the
    revenue (over all lines, seen or not: a sum is no one's personal data)."""
    all_shares = list(plan.shares.values_list("household_id", "weight", "amount"))
    weight_sum = sum((w for _, w, _ in all_shares), Decimal(0))
    rest = plan.total - plan.collective_amount
    payments_all = list(plan.payments.values_list("amount", "state"))
    figures = {
        "rest": rest, "weight_sum": weight_sum, "households": len(all_shares),
        "lines_sum": sum((a for _, _, a in all_shares), Decimal(0)),
        "payments_sum": sum((a for a, _ in payments_all), Decimal(0)),
        "paid_sum": sum((a for a, state in payments_all if state == Payment.State.PAID), Decimal(0)),
        "payments": len(payments_all), "paid": sum(1 for _, state in payments_all if state == Payment.State.PAID),
    }
    # A drafted plan is checked on its lines, an imported one (no lines) on its payments.
    figures["households_sum"] = figures["lines_sum"] if all_shares else figures["payments_sum"]
    figures["sum_with_collective"] = figures["households_sum"] + plan.collective_amount
    figures["difference"] = figures["sum_with_collective"] - plan.total
    figures["balanced"] = figures["difference"] == 0
    shares = list(scope.visible_to(user, PlanShare.objects.filter(plan=plan)).select_related("household__village")
                  .order_by("household_id"))
    payments: dict[str, list] = {}
    for payment in (scope.visible_to(user, Payment.objects.filter(plan=plan)).select_related("household__village")
                    .order_by("household_id", "pk")):
        payments.setdefault(payment.household_id, []).append(payment)
    heads = head_names([s.household_id for s in shares] + list(payments))
    lines = []
    for share in shares:
        fraction = Fraction(share.weight) / Fraction(weight_sum) if weight_sum else Fraction(0)
        exact = (Decimal(fraction.numerator) * rest / Decimal(fraction.denominator)).quantize(
            Decimal("0.0001"), rounding=ROUND_HALF_UP)
        lines.append(Line(share.household_id, share.household.village.name, heads.get(share.household_id, ""),
                          share.weight, share.members, fraction, exact, share.amount,
                          payments.pop(share.household_id, [])))
    # An imported plan's payments have no lines (kept as recorded): each its own line.
    loose = [p for rows in payments.values() for p in rows]
    for payment in loose:
        payment.head = heads.get(payment.household_id, "")
    return lines, {**figures, "loose_payments": loose, "heads": heads}
