"""Coverage of the policy targets for a division (issue 13, point 3): the registry of the
division as the contract's tables, its villages as poor or not and with or without a
specialty industry, through `engine.coverage.coverage_gaps` with the policy in force.

The result is kept in the cache per (division, policy, data version): the version moves
with every write through the platform (each leaves an audit event, village lists and
industries included), so a page never shows gaps an activity already closed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc
from django.db.models import Q

from neisheng.assistance.models import PoorVillage, VillageIndustry
from neisheng.engine import coverage as rules
from neisheng.engine.schema import VILLAGE_LEVEL
from neisheng.monitoring.policies import policy_current
from neisheng.platform import scope
from neisheng.platform.cache import cached
from neisheng.platform.extensions import RunExport, RunFigures, run_figures_add, stored_or_counted
from neisheng.platform.listing import data_version
from neisheng.registry.models import Division
from neisheng.registry.snapshots import registry_tables

KEPT_SECONDS = 600
RUN_FIGURES = "assistance-coverage"  # the name a monitoring run stores a scope's coverage under


@dataclass
class Coverage:
    year: int
    gaps: pa.Table  # engine.coverage.GAPS_SCHEMA
    counts: pa.Table  # engine.coverage.COUNTS_SCHEMA, per village

    def totals(self, prefix: str = "") -> dict[str, tuple[int, int]]:
        """{target: (eligible, gaps)} over the villages whose code starts with `prefix`."""
        found = {target: [0, 0] for target in rules.TARGETS}
        for row in self.counts.to_pylist():
            if row["village_code"].startswith(prefix):
                found[row["target"]][0] += row["eligible"]
                found[row["target"]][1] += row["gaps"]
        return {target: (eligible, gaps) for target, (eligible, gaps) in found.items()}

    def within(self, prefix: str) -> Coverage:
        """The gaps and counts of the villages whose code starts with `prefix`."""
        return Coverage(year=self.year,
                        gaps=self.gaps.filter(pc.starts_with(self.gaps["village_code"], prefix)),
                        counts=self.counts.filter(pc.starts_with(self.counts["village_code"], prefix)))

    def gaps_of(self, target: str, prefix: str = "") -> pa.Table:
        """The target's gaps in villages whose code starts with `prefix`, in the engine's order."""
        mask = pc.equal(self.gaps["target"], target)
        if prefix:
            mask = pc.and_(mask, pc.starts_with(self.gaps["village_code"], prefix))
        return self.gaps.filter(mask)


@dataclass
class ChildRow:
    division: Division
    totals: dict[str, tuple[int, int]] = field(default_factory=dict)


def share(eligible: int, gaps: int) -> float | None:
    """The share of the eligible that miss the target; None when no one is eligible."""
    return gaps / eligible if eligible else None


def industry_active_in(year: int) -> Q:
    """A specialty industry counts for `year` from its first year up to the year before
    the one it stopped in: a village whose industry stopped this year has none now."""
    return Q(since__lte=year) & (Q(ended__isnull=True) | Q(ended__gt=year))


def villages_table(*, division_code: str, year: int) -> pa.Table:
    """engine.coverage.VILLAGES_SCHEMA for every village under `division_code` ("" all)."""
    villages = Division.objects.filter(level=VILLAGE_LEVEL)
    poor = PoorVillage.objects.all()
    industries = VillageIndustry.objects.filter(industry_active_in(year))
    if division_code:
        low, high = _bounds(division_code)
        villages = villages.filter(code__gte=low, code__lte=high)
        poor = poor.filter(village_id__gte=low, village_id__lte=high)
        industries = industries.filter(village_id__gte=low, village_id__lte=high)
    codes = list(villages.order_by("code").values_list("code", flat=True))
    poor_codes = set(poor.values_list("village_id", flat=True))
    with_industry = set(industries.values_list("village_id", flat=True))
    return pa.table({
        "village_code": pa.array(codes, pa.string()),
        "poor": pa.array([code in poor_codes for code in codes], pa.bool_()),
        "has_industry": pa.array([code in with_industry for code in codes], pa.bool_()),
    }, schema=rules.VILLAGES_SCHEMA)


def _bounds(division_code: str) -> tuple[str, str]:
    division = Division.objects.get(pk=division_code)
    return division.prefix.ljust(12, "0"), division.prefix.ljust(12, "9")


def coverage_for(user, division: Division | None) -> Coverage:
    """The coverage of `division` (within the user's scope: the caller chose it with
    registry.selectors.tree.division_chosen), or of everything for a reader whose scope
    has no bound and who chose none; nothing for anyone else without a division."""
    in_use = policy_current()
    policy = in_use.policy
    if division is None and scope.code_range(user) is not None:
        return _computed(tables=None, villages=None, policy=policy)
    code = division.code if division is not None else ""
    digest = hashlib.sha256(in_use.text.encode()).hexdigest()[:16]
    version = "-".join(str(v) for v in data_version())
    key = f"assistance-coverage-{code or 'all'}-{policy.year}-{digest}-{version}"

    def count() -> Coverage:
        tables = registry_tables(division_code=code)
        return _computed(tables=tables, villages=villages_table(division_code=code, year=policy.year),
                         policy=policy)

    own_scope = division == user.division or (division is None and not user.division_id)
    return cached(key, lambda: stored_or_counted(user, RUN_FIGURES, version, count, own_scope=own_scope),
                  KEPT_SECONDS)


def _run_coverage(export: RunExport) -> Coverage:
    """The coverage of everything a monitoring run exported, with the policy in force, as
    coverage_for would count it: the registry read from the run's snapshot, not again
    from the database (a county's twelve million rows)."""
    policy = policy_current().policy
    tables = {name: export.table(name, columns) for name, columns in rules.COLUMNS_READ.items()}
    return _computed(tables=tables, villages=villages_table(division_code=export.division_code, year=policy.year),
                     policy=policy)


def _scope_coverage(user, whole: Coverage) -> Coverage:
    """The part of a run's coverage in `user`'s scope: each gap and count is a village's,
    so a division's coverage is its villages'."""
    return whole.within(user.division.prefix) if user.division_id else whole


def register_run_figures() -> None:
    """Each monitoring run counts the coverage of the scopes whose home figures it stores
    (monitoring.scope_figures) from the snapshot it exported: the dashboard's card and
    the coverage page read it instead of counting a county on view."""
    run_figures_add(RunFigures(name=RUN_FIGURES, count=_scope_coverage, prepare=_run_coverage))


def _computed(*, tables, villages, policy) -> Coverage:
    if tables is None:
        return Coverage(year=policy.year, gaps=rules.GAPS_SCHEMA.empty_table(),
                        counts=rules.COUNTS_SCHEMA.empty_table())
    gaps, counts = rules.coverage_gaps(households=tables["households"], persons=tables["persons"],
                                       income_items=tables["income_items"], villages=villages, policy=policy,
                                       year=policy.year)
    return Coverage(year=policy.year, gaps=gaps, counts=counts)


def children_of(user, division: Division | None) -> list[Division]:
    """The divisions one level down from the chosen one (the villages of a town, the
    towns of a county); a village is its own only row; without a division, the highest
    divisions in scope."""
    if division is None:
        top = scope.visible_to(user, Division).order_by("level").values_list("level", flat=True).first()
        return list(scope.visible_to(user, Division).filter(level=top).order_by("code")) if top else []
    children = list(Division.objects.filter(parent_id=division.code).order_by("code"))
    return children or [division]


def child_rows(user, division: Division | None, coverage: Coverage) -> list[ChildRow]:
    return [ChildRow(division=child, totals=coverage.totals(child.prefix)) for child in children_of(user, division)]
