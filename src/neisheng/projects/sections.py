"""The household page's "项目收益与改造" card (platform.extensions.household_section_add):
the projects the household benefits from (over time), its shares in distribution plans,
the dividends paid or still to pay, and the renovations of its home with their totals.
Shown only when there is one of them, to roles that may read households."""

from __future__ import annotations

from django.db.models import Count, F, Sum

from neisheng.accounts.access import PERSONS_READ, user_may
from neisheng.platform import scope
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
    renovations = (scope.visible_to(user, Renovation).filter(household=household)
                   .annotate(total=Sum("items__amount"), lines=Count("items")).order_by("-done_on", "-pk"))
    paid = payments.filter(state=Payment.State.PAID).aggregate(total=Sum("amount"), n=Count("pk"))
    pending = payments.filter(state=Payment.State.PENDING).aggregate(total=Sum("amount"), n=Count("pk"))
    renovated = Renovation.objects.filter(pk__in=renovations.values("pk")).aggregate(total=Sum("items__amount"))
    return {
        "beneficiaries": [{"row": b, "url": url_or_none("projects:detail", b.project_id)} for b in beneficiaries[:SHOWN]],
        "shares": [{"row": s, "url": url_or_none("projects:plan", s.plan_id)} for s in shares[:SHOWN]],
        "payments": [{"row": p, "url": url_or_none("projects:plan", p.plan_id)} for p in payments[:SHOWN]],
        "renovations": [{"row": r, "url": url_or_none("projects:renovation", r.pk)} for r in renovations[:SHOWN]],
        "counts": {"beneficiaries": beneficiaries.count(), "shares": shares.count(), "payments": payments.count(),
                   "renovations": renovations.count()},
        "paid_total": money(paid["total"]), "paid_count": paid["n"],
        "pending_total": money(pending["total"]), "pending_count": pending["n"],
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
