"""Monitoring's work cards on each role's home (platform.extensions.work_card_add, from
MonitoringConfig.ready()): the warnings to act on first.

- Officers (county, town, village), administrators and researchers: red warnings and new
  warnings in the user's scope. New means red or yellow in the latest run covering the
  user, but not red or yellow in the run before it (of the same year when there is one,
  else the one before that). Then the first households with their reasons, red and new
  first, each linking to its page, and the counts linking to the filtered list. A
  researcher sees the counts only (no household of any kind).
- Assistance cadres: the red and yellow households of their village. Pairing a cadre with
  the households they help arrives with the grid app; until then the village is theirs.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Value, When
from django.urls import reverse

from neisheng.accounts.access import PERSONS_READ, Role, user_may
from neisheng.engine import schema
from neisheng.monitoring import selectors
from neisheng.monitoring.models import HouseholdResult, MonitoringRun
from neisheng.platform.extensions import WorkCard, work_card_add
from neisheng.registry.selectors import figures

ALERT = ("red", "yellow")
FIRST_HOUSEHOLDS = 8
WARNINGS_ROLES = frozenset({Role.COUNTY, Role.TOWN, Role.VILLAGE, Role.ADMIN, Role.RESEARCHER})
ASSISTANCE_ROLES = frozenset({Role.ASSISTANCE})


def previous_run(run: MonitoringRun, division_code: str | None) -> MonitoringRun | None:
    """The run a warning is new against: the newest earlier run of the same year covering
    the division, else the newest earlier run of any year."""
    earlier = (
        MonitoringRun.objects.filter(division_code__in=selectors._covering(division_code or ""))
        .filter(Q(started_at__lt=run.started_at) | Q(started_at=run.started_at, pk__lt=run.pk))
        .order_by("-started_at", "-pk")
    )
    return earlier.filter(year=run.year).first() or earlier.first()


def _alerting(user, run: MonitoringRun, previous: MonitoringRun | None):
    """The user's red and yellow results in `run`, each with `is_new` (0 or 1)."""
    results = selectors.results_visible_to(user, run).filter(risk__in=ALERT)
    if previous is None:
        return results.annotate(is_new=Value(0, output_field=IntegerField()))
    was_alerting = HouseholdResult.objects.filter(
        run=previous, household_id=OuterRef("household_id"), risk__in=ALERT)
    return results.annotate(is_new=Case(When(Exists(was_alerting), then=Value(0)), default=Value(1),
                                        output_field=IntegerField()))


def warnings_summary(user, *, households: bool = True) -> dict | None:
    """Counts of red, yellow and new warnings in the user's scope and the first households
    (red first, new first), as plain values; None before any run covers the user."""
    run = selectors.latest_run_for(user)
    if run is None:
        return None
    previous = previous_run(run, user.division_id)
    alerting = _alerting(user, run, previous)
    counts = alerting.aggregate(
        red=Count("pk", filter=Q(risk="red")),
        yellow=Count("pk", filter=Q(risk="yellow")),
        new=Count("pk", filter=Q(is_new=1)),
        new_red=Count("pk", filter=Q(is_new=1, risk="red")),
    )
    first = []
    if households:
        rows = (
            alerting.annotate(red_first=Case(When(risk="red", then=Value(0)), default=Value(1),
                                             output_field=IntegerField()))
            .order_by("red_first", "-is_new", "household_id")
            .values("household_id", "household__village__name", "risk", "reasons", "is_new")[:FIRST_HOUSEHOLDS]
        )
        for row in rows:
            codes = [c for c in row["reasons"].split(";") if c]
            first.append({
                "household_id": row["household_id"],
                "village": row["household__village__name"],
                "risk": row["risk"],
                "risk_label": schema.RISK[row["risk"]],
                "new": bool(row["is_new"]),
                "reasons": [schema.REASON.get(code, code) for code in codes],
                "url": reverse("registry:household_detail", args=[row["household_id"]]),
            })
    return {
        "run_year": run.year,
        "previous": previous is not None,
        **counts,
        "households": first,
    }


def _cached_summary(user, *, households: bool) -> dict | None:
    """Kept with the home page's figures, per scope, until the registry changes or a new
    run is loaded (a county's warnings are counted over a million results)."""
    return figures.cached_for_scope(user, f"work-warnings-{int(households)}",
                                    lambda: warnings_summary(user, households=households))


def _list_url(**params) -> str:
    return reverse("registry:household_list") + "?" + urlencode(params)


def warnings_context(request) -> dict | None:
    user = request.user
    if not (user.is_superuser or user.role in WARNINGS_ROLES):
        return None
    links = user_may(user, PERSONS_READ)
    summary = _cached_summary(user, households=links)
    if summary is None:
        return None
    return {
        "summary": summary, "links": links, "kind": "warnings",
        "red_url": _list_url(risk="red"), "yellow_url": _list_url(risk="yellow"),
    }


def assistance_context(request) -> dict | None:
    user = request.user
    if user.role not in ASSISTANCE_ROLES:
        return None
    summary = _cached_summary(user, households=True)
    if summary is None:
        return None
    return {
        "summary": summary, "links": True, "kind": "assistance",
        "red_url": _list_url(risk="red"), "yellow_url": _list_url(risk="yellow"),
    }


def register() -> None:
    work_card_add(WorkCard(name="warnings", template="monitoring/work_warnings.html",
                           context=warnings_context, order=10))
    work_card_add(WorkCard(name="assistance", template="monitoring/work_warnings.html",
                           context=assistance_context, order=10))
