"""The home page's cards (platform.extensions.work_card_add): for those who decide
findings (findings.decide), the new findings in their scope; for clerks who review pairs
(feeds.review), the feed rows waiting for them."""

from __future__ import annotations

from django.urls import reverse

from neisheng.accounts.access import FEEDS_REVIEW, FINDINGS_DECIDE, PERSONS_READ, user_may
from neisheng.feeds import finding_selectors as selectors
from neisheng.feeds.models import FindingState
from neisheng.platform.extensions import WorkCard, work_card_add

FIRST = 8


def findings_context(request) -> dict | None:
    user = request.user
    if not user.is_authenticated or not user_may(user, PERSONS_READ) or not user_may(user, FINDINGS_DECIDE):
        return None
    new = selectors.findings_visible_to(user).filter(state=FindingState.NEW)
    first = list(new.select_related("household__village", "person").order_by("-created_at", "-pk")[:FIRST])
    if not first:
        return None
    return {"count": new.count(), "findings": first,
            "list_url": reverse("feeds:finding_list") + "?state=new"}


def review_context(request) -> dict | None:
    user = request.user
    if not user.is_authenticated or not user_may(user, PERSONS_READ) or not user_may(user, FEEDS_REVIEW):
        return None
    waiting = selectors.review_waiting(user)
    first = list(waiting.select_related("feed").order_by("feed_id", "row")[:FIRST])
    if not first:
        return None
    return {"count": waiting.count(), "rows": first, "list_url": reverse("feeds:review_queue")}


def register() -> None:
    work_card_add(WorkCard(name="findings-new", template="feeds/finding_work.html", context=findings_context,
                           order=27))
    work_card_add(WorkCard(name="feeds-review", template="feeds/review_work.html", context=review_context,
                           order=28))
