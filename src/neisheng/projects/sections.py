"""The household page's "项目收益与改造" card (platform.extensions.household_section_add):
the projects the household benefits from (over time), its shares in distribution plans,
the dividends paid or still to pay, and the renovations of its home with their totals.
Shown only when there is one of them, to roles that may read households."""

from __future__ import annotations

from django.db.models import Count, F, Q, Sum

from neisheng.accounts.access import PERSONS_READ, user_may
from neisheng.platform import scope
from neisheng.platform.listing import first_and_count
from neisheng.projects.models import Beneficiary, Payment, PlanShare, Renovation
from neisheng.projects.selectors_reports import money
from neisheng.projects.views_reports import url_or_none

SHOWN = 20


def household_projects(user, household) -> dict:
    """The household's rows in the projects app that the user sees, newest first (at most
    SHOWN of each), with totals over all of them."""
    beneficiaries = (scope.visible_to(user, Beneficiary).filter(household=household)
                     .select_related("project").order_by("-starts_on", "-pk"))
    shares = (scope.visible_to(user, PlanShare).filter(household=household)
              .select_related("plan", "plan__project").order_by("-plan__plan_on", "-pk"))
    payments = (scope.visible_to(user, Payment).filter(household=household)
                .select_related("plan", "plan__project").order_by(F("paid_on").desc(nulls_last=True), "-plan__plan_on", "-pk"))
    renovated_rows = scope.visible_to(user, Renovation).filter(household=household)
    renovations = (renovated_rows.annotate(total=Sum("items__amount"), lines=Count("items"))
                   .order_by("-done_on", "-pk"))
    # The payments' and the renovations' counts and totals each in one aggregate.
    paid_q, pending_q = Q(state=Payment.State.PAID), Q(state=Payment.State.PENDING)
    summed = payments.aggregate(
        n=Count("pk"), paid_total=Sum("amount", filter=paid_q), paid_n=Count("pk", filter=paid_q),
        pending_total=Sum("amount", filter=pending_q), pending_n=Count("pk", filter=pending_q))
    renovated = renovated_rows.aggregate(total=Sum("items__amount"), n=Count("pk", distinct=True))
    beneficiary_rows, beneficiary_count = first_and_count(beneficiaries, SHOWN)
    share_rows, share_count = first_and_count(shares, SHOWN)
    return {
        "beneficiaries": [{"row": b, "url": url_or_none("projects:detail", b.project_id)} for b in beneficiary_rows],
        "shares": [{"row": s, "url": url_or_none("projects:plan", s.plan_id)} for s in share_rows],
        "payments": [{"row": p, "url": url_or_none("projects:plan", p.plan_id)}
                     for p in (payments[:SHOWN] if summed["n"] else [])],
        "renovations": [{"row": r, "url": url_or_none("projects:renovation", r.pk)}
                        for r in (renovations[:SHOWN] if renovated["n"] else [])],
        "counts": {"beneficiaries": beneficiary_count, "shares": share_count, "payments": summed["n"],
                   "renovations": renovated["n"]},
        "paid_total": money(summed["paid_total"]), "paid_count": summed["paid_n"],
        "pending_total": money(summed["pending_total"]), "pending_count": summed["pending_n"],
        "renovation_total": money(renovated["total"]),
    }


def projects_section(request, household) -> dict | None:
    user = request.user
    if not user_may(user, PERSONS_READ):
        return None
    found = household_projects(user, household)
    if not any(found["counts"].values()):
        return None
    return {"household": household, **found}
