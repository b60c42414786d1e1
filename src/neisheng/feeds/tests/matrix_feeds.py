"""Scope-matrix entries of the feed routes (helper D)."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.utils import timezone

from neisheng.accounts.access import FEEDS_UPLOAD, PERSONS_READ

READ = (PERSONS_READ,)
UPLOAD = (PERSONS_READ, FEEDS_UPLOAD)
ENDPOINTS: list[dict] = [
    # The feed is named after the household, so a list or page of it shows that number.
    {"name": "feed list", "template": "/feeds/", "kind": "list", "needs": READ},
    {"name": "feed list search", "template": "/feeds/?q={t.household}", "kind": "list", "needs": READ},
    {"name": "feed list applied", "template": "/feeds/?status=applied&type=death", "kind": "list", "needs": READ},
    {"name": "feed list export", "template": "/feeds/", "kind": "list", "needs": READ, "post": {}},
    {"name": "feed upload", "template": "/feeds/upload/", "kind": "list", "needs": UPLOAD, "shows": None,
     "lists_rows": False},
    {"name": "feed page", "template": "/feeds/{t.extra[feed]}/", "kind": "detail", "needs": READ},
    {"name": "feed rows", "template": "/feeds/{t.extra[feed]}/rows/", "kind": "detail", "needs": READ},
    {"name": "feed rows exact", "template": "/feeds/{t.extra[feed]}/rows/?match_kind=exact", "kind": "detail",
     "needs": READ},
    # The file's bytes (it holds full ID numbers), for those who upload feeds.
    {"name": "feed file", "template": "/feeds/{t.extra[feed]}/file/", "kind": "detail", "needs": UPLOAD,
     "shows": None},
    {"name": "feed apply", "template": "/feeds/{t.extra[pending_feed]}/apply/", "kind": "detail", "needs": UPLOAD,
     "post": {}, "shows": None, "answers": 302},
    {"name": "feed discard", "template": "/feeds/{t.extra[pending_feed]}/discard/", "kind": "detail",
     "needs": UPLOAD, "post": {}, "shows": None, "answers": 302},
    {"name": "feed api list", "template": "/api/feeds/", "kind": "list", "api": True, "needs": READ},
    {"name": "feed api page", "template": "/api/feeds/{t.extra[feed]}/", "kind": "detail", "api": True,
     "needs": READ},
    {"name": "feed row api list", "template": "/api/feed-rows/?feed={t.extra[feed]}", "kind": "list", "api": True,
     "needs": READ, "lists_rows": False},
    {"name": "feed row api list all", "template": "/api/feed-rows/", "kind": "list", "api": True, "needs": READ},
    {"name": "feed row api page", "template": "/api/feed-rows/{t.extra[feed_row]}/", "kind": "detail",
     "api": True, "needs": READ},
]


def _feed_of(household, *, status: str, rows: bool):
    """A death feed uploaded by a department clerk of the household's county, named after
    the household; applied with one exact row linked to its eldest member, or pending."""
    from neisheng.accounts.models import User
    from neisheng.feeds.models import Feed, FeedRow

    county = household.village_id[:6].ljust(12, "0")
    clerk = (User.objects.filter(username=f"feed-clerk-{county}").first()
             or User.objects.create_user(username=f"feed-clerk-{county}", role="department", division_id=county))
    person = household.members.order_by("birth_date", "person_id").first()
    content = f"证件号码,姓名,死亡日期\n{person.person_id},{person.name},2026-03-01\n".encode()
    feed = Feed(feed_type="death", department="public_security", division_code=county,
                original_name=f"{household.household_id}-{status}.csv", checksum="0" * 64, size=len(content),
                uploaded_by=clerk, received_on=timezone.localdate(), status=status, rows=1)
    feed.file.save("scope-matrix.csv", ContentFile(content), save=False)
    if rows:
        feed.count_exact = 1
        feed.applied_at = timezone.now()
        feed.applied_by = clerk
    feed.save()
    row = None
    if rows:
        row = FeedRow.objects.create(feed=feed, row=2, name=person.name, id_number=person.person_id,
                                     values={"id_number": person.person_id, "name": person.name,
                                             "death_date": "2026-03-01"},
                                     match_kind="exact", person=person, household=household, match_probability=1.0,
                                     division_code=household.village_id)
    return feed, row


def targets(*, household, other_household, places) -> dict:
    extra = {}
    for side, key in ((household, ""), (other_household, "_elsewhere")):
        feed, row = _feed_of(side, status="applied", rows=True)
        pending, _ = _feed_of(side, status="pending", rows=False)
        extra.update({f"feed{key}": feed.pk, f"feed_row{key}": row.pk, f"pending_feed{key}": pending.pk})
    return extra
