"""The home page's problem cards (platform.extensions.work_card_add): for a reviewer, the
resolved problems waiting for them to close or reopen (not those they resolved
themselves); for a cadre with a platform account, the overdue problems they are
responsible for."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from neisheng.accounts.access import PERSONS_READ, PROBLEMS_REVIEW, user_may
from neisheng.platform.extensions import WorkCard, work_card_add
from neisheng.problems import selectors

FIRST = 8


def review_context(request) -> dict | None:
    user = request.user
    if not user.is_authenticated or not user_may(user, PERSONS_READ) or not user_may(user, PROBLEMS_REVIEW):
        return None
    waiting = selectors.awaiting_review(user)
    if not waiting.exists():
        return None
    today = timezone.localdate()
    first = waiting.select_related("household__village").order_by("deadline", "pk")[:FIRST]
    return {
        "count": waiting.count(),
        "problems": [{"problem": p, "overdue": selectors.problem_is_overdue(p, today),
                      "url": reverse("problems:detail", args=[p.pk])} for p in first],
        "list_url": reverse("problems:list") + "?state=resolved",
    }


def cadre_overdue_context(request) -> dict | None:
    user = request.user
    if not user.is_authenticated or not user_may(user, PERSONS_READ):
        return None
    overdue = selectors.overdue_for_cadre_user(user)
    if not overdue.exists():
        return None
    first = overdue.select_related("household__village").order_by("deadline", "pk")[:FIRST]
    return {
        "count": overdue.count(),
        "problems": [{"problem": p, "overdue": True, "url": reverse("problems:detail", args=[p.pk])} for p in first],
        "list_url": reverse("problems:list") + f"?overdue=yes&responsible={first[0].responsible_id}",
    }


def register() -> None:
    work_card_add(WorkCard(name="problems-review", template="problems/work_review.html", context=review_context,
                           order=25))
    work_card_add(WorkCard(name="problems-overdue", template="problems/work_overdue.html",
                           context=cadre_overdue_context, order=26))
