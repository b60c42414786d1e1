"""Reads of the monitoring workflow: the latest run, and its results counted under the
user's division (aggregates only, so every role may see them)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from neisheng.accounts.models import User
from neisheng.accounts.selectors import divisions_under, households_visible_to
from neisheng.monitoring.models import (
    MONITOR_TYPE_CHOICES,
    RISK_CHOICES,
    HouseholdResult,
    MonitoringRun,
)
from neisheng.registry.models import Division


def run_latest() -> MonitoringRun | None:
    return MonitoringRun.objects.order_by("-started_at", "-pk").first()


def results_visible_to(user: User) -> QuerySet[HouseholdResult]:
    return HouseholdResult.objects.filter(household__in=households_visible_to(user))


@dataclass
class RiskCounts:
    """One row of the overview: a division and its households' results."""

    code: str
    name: str
    households: int = 0
    risk: Counter = field(default_factory=Counter)
    monitor_type: Counter = field(default_factory=Counter)
    motivation_poor: int = 0

    def add(self, row: dict) -> None:
        n = row["n"]
        self.households += n
        self.risk[row["risk"]] += n
        self.monitor_type[row["monitor_type"]] += n
        if row["motivation_poor"]:
            self.motivation_poor += n

    def cells(self) -> list[int]:
        return [self.households, *(self.risk[r] for r, _ in RISK_CHOICES),
                *(self.monitor_type[t] for t, _ in MONITOR_TYPE_CHOICES), self.motivation_poor]

    def labelled(self) -> list[tuple[str, int]]:
        """(column label, count) pairs, for the phone layout's cell labels."""
        return [(zh, n) for (zh, _), n in zip(COLUMNS, self.cells())]


COLUMNS = [
    ("户数", "households"), *((label.split()[0], f"risk {code}") for code, label in RISK_CHOICES),
    *((label, code) for code, label in MONITOR_TYPE_CHOICES), ("内生动力不足", "motivation poor"),
]


def _breakdown_divisions(user: User) -> list[Division]:
    """The divisions one level below the user's (a village cadre: the village itself);
    an administrator without a division gets the top divisions in the registry."""
    under = divisions_under(user)
    if user.division_id is None:
        top = under.filter(parent__isnull=True)
        if top.count() == 1:
            only = top.get()
            return list(under.filter(parent=only)) or [only]
        return list(top)
    return list(under.filter(parent_id=user.division_id)) or [user.division]


def risk_overview(user: User) -> tuple[RiskCounts, list[RiskCounts]]:
    """The user's whole scope, and one row per division one level below."""
    total = RiskCounts(code=user.division_id or "", name=user.division.name if user.division_id else "")
    divisions = _breakdown_divisions(user)
    rows = [RiskCounts(code=d.code, name=d.name) for d in divisions]
    prefixes = [(d.prefix, counts) for d, counts in zip(divisions, rows)]
    grouped = (
        results_visible_to(user)
        .values("household__village_id", "risk", "monitor_type", "motivation_poor")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in grouped:
        total.add(row)
        village = row["household__village_id"]
        for prefix, counts in prefixes:
            if village.startswith(prefix):
                counts.add(row)
                break
    return total, rows

