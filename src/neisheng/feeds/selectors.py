"""Reads of feeds and their rows, always through platform.scope.

A feed lies in its uploader's division (a county for a department clerk); its rows and
findings lie in the village of the household each was linked to. Whoever's division holds
the feed sees it whole; a town or village officer sees a county's feed through the rows
linked in their division, and its counts are those rows' counts only."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from neisheng.engine.screening import RULES
from neisheng.feeds.models import Feed, FeedRow, Finding
from neisheng.platform import scope

COUNT_FIELDS = ("rows", "count_exact", "count_probable", "count_review", "count_unmatched", "findings_count")


def feed_rows_visible_to(user) -> QuerySet[FeedRow]:
    return scope.visible_to(user, FeedRow.objects.all())


def feeds_visible_to(user) -> QuerySet[Feed]:
    """Feeds of the user's division, and feeds with a row linked in it."""
    bounds = scope.code_range(user)
    feeds = Feed.objects.select_related("uploaded_by")
    if bounds is None:
        return feeds.all()
    return feeds.filter(scope.within(user, Feed.division_field)
                        | Q(pk__in=feed_rows_visible_to(user).values("feed_id")))


def feed_is_whole_for(user, feed: Feed) -> bool:
    """Whether the feed lies in the user's division (so every row of it is theirs to see)."""
    return scope.code_is_within(user, feed.division_code)


def rows_of_feed(user, feed: Feed) -> QuerySet[FeedRow]:
    return feed_rows_visible_to(user).filter(feed=feed)


def feed_counts(user, feeds: list[Feed]) -> dict[int, dict[str, int]]:
    """Per feed: rows, the four match counts and the findings, as the user may see them:
    the feed's own counts when it lies in their division, else those of their rows (one
    query for all such feeds of a page)."""
    counts = {f.pk: {name: getattr(f, name) for name in COUNT_FIELDS} for f in feeds if feed_is_whole_for(user, f)}
    partial = [f.pk for f in feeds if f.pk not in counts]
    if partial:
        by_kind = (feed_rows_visible_to(user).filter(feed_id__in=partial).values("feed_id", "match_kind")
                   .annotate(n=Count("pk")))
        findings = dict(scope.visible_to(user, Finding.objects.filter(feed_id__in=partial)).values("feed_id")
                        .annotate(n=Count("pk")).values_list("feed_id", "n"))
        for pk in partial:
            counts[pk] = {name: 0 for name in COUNT_FIELDS}
            counts[pk]["findings_count"] = findings.get(pk, 0)
        for entry in by_kind:
            part = counts[entry["feed_id"]]
            part[f"count_{entry['match_kind']}"] = entry["n"]
            part["rows"] += entry["n"]
    return counts


def findings_by_rule(user, feed: Feed) -> list[tuple[str, str, int]]:
    """(rule, Chinese label, count) of the feed's findings the user may see, in feeds.md's
    order, only rules with findings."""
    counts = dict(scope.visible_to(user, Finding.objects.filter(feed=feed)).values("rule")
                  .annotate(n=Count("pk")).values_list("rule", "n"))
    return [(code, label, counts[code]) for code, label in RULES.items() if counts.get(code)]
