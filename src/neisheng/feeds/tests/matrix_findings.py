"""Scope-matrix entries of the review queue and the findings (helper E)."""

from __future__ import annotations

from django.utils import timezone

from neisheng.accounts.access import FEEDS_REVIEW, FINDINGS_DECIDE, PERSONS_READ

READ = (PERSONS_READ,)
DECIDE = (PERSONS_READ, FINDINGS_DECIDE)
REVIEW = (PERSONS_READ, FEEDS_REVIEW)
ENDPOINTS: list[dict] = [
    {"name": "finding list", "template": "/feeds/findings/", "kind": "list", "needs": READ},
    {"name": "finding list search", "template": "/feeds/findings/?q={t.household}", "kind": "list", "needs": READ},
    {"name": "finding list by division", "template": "/feeds/findings/?division={t.village}&state=new",
     "kind": "list", "needs": READ},
    {"name": "finding list export", "template": "/feeds/findings/", "kind": "list", "needs": READ, "post": {}},
    {"name": "finding page", "template": "/feeds/findings/{t.extra[finding]}/", "kind": "detail", "needs": READ},
    {"name": "finding page confirmed", "template": "/feeds/findings/{t.extra[confirmed_finding]}/",
     "kind": "detail", "needs": READ},
    {"name": "finding confirm", "template": "/feeds/findings/{t.extra[finding]}/confirm/", "kind": "detail",
     "needs": DECIDE},
    {"name": "finding dismiss", "template": "/feeds/findings/{t.extra[finding]}/dismiss/", "kind": "detail",
     "needs": DECIDE},
    {"name": "finding open case", "template": "/feeds/findings/{t.extra[confirmed_finding]}/case/",
     "kind": "detail", "needs": DECIDE},
    {"name": "finding write ledger", "template": "/feeds/findings/{t.extra[confirmed_finding]}/ledger/",
     "kind": "detail", "needs": DECIDE},
    # A confirmation: the finding's page follows (302).
    {"name": "finding confirm sent", "template": "/feeds/findings/{t.extra[finding]}/confirm/", "kind": "detail",
     "needs": DECIDE, "post": {"on": "{t.extra[findings_today]}", "reason": "已核实"}, "shows": None, "answers": 302},
    # Counts only (researchers see the dashboard's counts too).
    {"name": "findings dashboard export",
     "template": "/feeds/findings/dashboard/{t.extra[findings_card]}/export/?division={t.village}",
     "kind": "detail", "needs": (), "post": {}, "shows": "village"},
    {"name": "review queue", "template": "/feeds/review/", "kind": "list", "needs": REVIEW},
    {"name": "review queue by division", "template": "/feeds/review/?division={t.village}", "kind": "list",
     "needs": REVIEW},
    {"name": "review page", "template": "/feeds/review/{t.extra[review_row]}/", "kind": "detail", "needs": REVIEW},
    {"name": "review reject", "template": "/feeds/review/{t.extra[review_row]}/", "kind": "detail",
     "needs": REVIEW, "post": {"decision": "reject", "note": "出生日期不同"}, "shows": None, "answers": 302},
    {"name": "finding api list", "template": "/api/findings/", "kind": "list", "api": True, "needs": READ},
    {"name": "finding api page", "template": "/api/findings/{t.extra[finding]}/", "kind": "detail", "api": True,
     "needs": READ},
    {"name": "finding api confirm", "template": "/api/findings/{t.extra[finding]}/confirm/", "kind": "detail",
     "api": True, "needs": DECIDE, "post": {"on": "{t.extra[findings_today]}"}},
    {"name": "finding api dismiss", "template": "/api/findings/{t.extra[finding]}/dismiss/", "kind": "detail",
     "api": True, "needs": DECIDE, "post": {"on": "{t.extra[findings_today]}", "reason": "数据有误"}},
    # The household has an open case (the cases app's target): refused, naming that case.
    {"name": "finding api open case", "template": "/api/findings/{t.extra[confirmed_finding]}/open_case/",
     "kind": "detail", "api": True, "needs": DECIDE, "post": {}, "shows": None, "answers": 400},
    {"name": "finding api write ledger", "template": "/api/findings/{t.extra[confirmed_finding]}/write_ledger/",
     "kind": "detail", "api": True, "needs": DECIDE, "post": {"on": "{t.extra[findings_today]}"}},
]


def _made_for(household) -> dict:
    """A review row with the household's member as its candidate, a new finding and a
    confirmed one (civil affairs paid dibao to a household not in that category, so it
    has ledger amounts), on a civil-affairs feed of the household's county."""
    from neisheng.feeds.models import FindingState
    from neisheng.feeds.tests.findings_support import (
        feed_made,
        feed_row_made,
        finding_made,
        member_of,
    )

    person = member_of(household)
    month = timezone.localdate().strftime("%Y-%m")
    paid = {"id_number": person.person_id, "name": person.name, "kind": "dibao", "month": month, "amount": "620.00"}
    doubtful = {"id_number": "", "name": person.name, "kind": "dibao", "month": month, "amount": "620.00"}
    feed = feed_made(household=household, feed_type="social_assistance", rows=[paid, doubtful])
    feed_row_made(feed=feed, number=2, row=paid, person=person)
    review = feed_row_made(feed=feed, number=3, row=doubtful, person=person, kind="review", candidates=[person],
                           probability=0.8)
    new = finding_made(feed=feed, household=household, person=person, rule="deceased_alive", rows=[2],
                       evidence=f"公安部门登记 {person.name} 已死亡")
    confirmed = finding_made(feed=feed, household=household, person=person, rule="assistance_category_mismatch",
                             rows=[2], period=month, evidence=f"{person.name} 领取低保金 620 元,该户不是低保户")
    confirmed.state = FindingState.CONFIRMED
    confirmed.save(update_fields=["state"])
    return {"finding": new.pk, "confirmed_finding": confirmed.pk, "review_row": review.pk}


def targets(*, household, other_household, places, feeds: dict) -> dict:
    extra = {"findings_card": "findings-by-rule", "findings_today": str(timezone.localdate())}
    for side, key in ((household, ""), (other_household, "_elsewhere")):
        extra.update({f"{name}{key}": value for name, value in _made_for(side).items()})
    return extra
