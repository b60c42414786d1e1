"""The home page's work card "warning rows handed to you": open rows handed to the user
or to the user's division, overdue first (earliest deadline first), the first eight with
their reasons, each linking to its row."""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse

from neisheng.accounts.access import PERSONS_READ, user_may
from neisheng.engine import schema
from neisheng.platform.extensions import WorkCard, work_card_add
from neisheng.warninglists import selectors

FIRST_ROWS = 8


def handed_context(request) -> dict | None:
    user = request.user
    if not user_may(user, PERSONS_READ):
        return None
    rows = selectors.rows_handed_to(user)
    # Most users have nothing handed to them: one indexed probe before counting.
    if not rows.exists():
        return None
    on = selectors.today()
    counts = rows.aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(handover__deadline__lt=on)))
    first = []
    for row in rows.select_related("household__village", "handover")[:FIRST_ROWS]:
        first.append({
            "household_id": row.household_id, "village": row.household.village.name,
            "risk": row.risk, "risk_label": schema.RISK.get(row.risk, row.risk),
            "reasons": selectors.reason_labels(row.reasons), "deadline": row.handover.deadline,
            "overdue": row.shown_status == "overdue", "url": reverse("warninglists:row", args=[row.pk]),
        })
    return {"counts": counts, "rows": first,
            "list_url": reverse("warninglists:list") + "?status=overdue" if counts["overdue"]
            else reverse("warninglists:handovers")}


def register() -> None:
    work_card_add(WorkCard(name="warnings-handed", template="warninglists/work_handed.html",
                           context=handed_context, order=15))
