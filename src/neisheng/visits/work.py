"""The home page's work card of a user who is a cadre (grid.Cadre.user): "本周应走访 N 户，
其中逾期 M 户", linking to the week (visits.selectors.week_for)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from neisheng.accounts.access import PERSONS_READ, user_may
from neisheng.grid.selectors import cadre_of_user
from neisheng.platform.extensions import WorkCard, work_card_add
from neisheng.visits import selectors

FIRST_ROWS = 5


def week_context(request) -> dict | None:
    user = request.user
    if not getattr(user, "is_authenticated", False) or not user_may(user, PERSONS_READ):
        return None
    cadre = cadre_of_user(user)
    if cadre is None:
        return None
    rows = selectors.week_for(user=user, cadre=cadre, today=timezone.localdate())
    return {
        "count": len(rows), "overdue": sum(1 for r in rows if r.overdue), "rows": rows[:FIRST_ROWS],
        "week_url": reverse("visits:week"),
    }


def register() -> None:
    work_card_add(WorkCard(name="visits-week", template="visits/work_week.html", context=week_context, order=12))
