"""`neisheng demo`: a synthetic county in a fresh database, one login per role, two
years of monitoring work (policies, runs, warning lists handed out, cases in every state:
web/demo_workflows.py), the responsibility grid with a week of visits and the problem
ledger (web/demo_grid.py), projects with their funds, distributions, renovations and audit
findings (web/demo_projects.py), the research's questionnaire survey and a survey of the
town's own households (web/demo_surveys.py), and a summary to read before opening the browser.

Every step is an ordinary service of the platform (synthesis, validation, registry load,
monitoring), so the demo shows what a county office would get from its own data."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from neisheng.web.demo_grid import DemoGrid
from neisheng.web.demo_workflows import DemoWorkflows

DEMO_YEAR = 2026
DEMO_COUNTY = "500237"  # 巫山县, 重庆市: one of the counties of the research


@dataclass
class DemoReport:
    county: str
    towns: int
    villages: int
    households: int
    persons: int
    ledger_rows: int
    by_status: dict[str, int]
    by_risk: dict[str, int]
    logins: list[dict]
    seconds: dict[str, float] = field(default_factory=dict)
    workflows: DemoWorkflows | None = None
    grid: DemoGrid | None = None
    feeds: object | None = None  # web.demo_feeds.DemoFeeds
    measures: object | None = None  # web.demo_measures.DemoMeasures
    projects: object | None = None  # web.demo_projects.DemoProjects
    surveys: object | None = None  # web.demo_surveys.DemoSurveys


def sqlite_files(database: Path) -> list[Path]:
    """The database and the write-ahead log files SQLite keeps next to it."""
    return [database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")]


def database_reset(database: Path) -> None:
    """A fresh, migrated database: the old file (if any) is removed first."""
    from django.core.management import call_command
    from django.db import connections

    connections.close_all()
    for path in sqlite_files(database):
        path.unlink(missing_ok=True)
    call_command("migrate", interactive=False, verbosity=0)


def demo_build(*, home: Path, tables: dict[str, pa.Table], say: Callable[[str], None] = lambda _: None,
               progress: Callable[[str, int, int], None] | None = None,
               planted: pa.Table | None = None) -> DemoReport:
    """Write the synthesized `tables` as a snapshot, import it into the (fresh) database
    through the same validation as any county's upload, create the demo logins and make
    the monitoring workflow (demo_workflows), the grid, the feeds, and the measures and
    activities (demo_measures; `planted`: the measures synth.effects planted in `tables`).
    Raises SnapshotInvalid if validation fails."""
    from neisheng.accounts.services import demo_users_create
    from neisheng.engine.catalog import write_snapshot
    from neisheng.transfers.services import snapshot_import
    from neisheng.web.demo_grid import demo_grid_build
    from neisheng.web.demo_workflows import demo_workflows_build

    seconds = {}
    started = time.perf_counter()
    snapshot = home / "demo-snapshot"
    shutil.rmtree(snapshot, ignore_errors=True)
    write_snapshot(tables, snapshot)
    snapshot_import(directory=snapshot, progress=progress)
    seconds["validate+load"] = time.perf_counter() - started
    say(f"已校验并载入 / validated and loaded {snapshot}")

    started = time.perf_counter()
    logins = demo_users_create(county_code=DEMO_COUNTY)
    seconds["logins"] = time.perf_counter() - started

    workflows = demo_workflows_build(home=home, logins=logins, year=DEMO_YEAR, say=say)
    seconds.update({"monitor" if name == "runs" else name: value for name, value in workflows.seconds.items()})
    for line in workflows.lines():
        say(line)
    grid = demo_grid_build(home=home, logins=logins, year=DEMO_YEAR, say=say, workflows=workflows)
    seconds["grid"] = sum(grid.seconds.values())
    for line in grid.lines():
        say(line)
    from neisheng.web.demo_feeds import demo_feeds_build

    feeds = demo_feeds_build(home=home, logins=logins, say=say)
    seconds["feeds"] = sum(feeds.seconds.values())
    for line in feeds.lines():
        say(line)
    from neisheng.web.demo_measures import demo_measures_build

    measures = demo_measures_build(home=home, logins=logins, year=DEMO_YEAR, say=say, planted=planted)
    seconds["measures"] = sum(measures.seconds.values())
    for line in measures.lines():
        say(line)
    from neisheng.web.demo_projects import demo_projects_build

    projects = demo_projects_build(home=home, logins=logins, year=DEMO_YEAR, say=say)
    seconds["projects"] = sum(projects.seconds.values())
    for line in projects.lines():
        say(line)
    from neisheng.web.demo_surveys import demo_surveys_build

    surveys = demo_surveys_build(home=home, logins=logins, year=DEMO_YEAR, say=say)
    seconds["surveys"] = sum(surveys.seconds.values())
    for line in surveys.lines():
        say(line)
    report = _report(tables, logins, seconds)
    report.workflows = workflows
    report.grid = grid
    report.feeds = feeds
    report.measures = measures
    report.projects = projects
    report.surveys = surveys
    return report


def _report(tables: dict[str, pa.Table], logins: list[dict], seconds: dict[str, float]) -> DemoReport:
    import pyarrow.compute as pc
    from django.db.models import Count

    from neisheng.engine.schema import RISK, STATUS
    from neisheng.monitoring.selectors import latest_results

    divisions = tables["divisions"]
    level = divisions["level"]
    status_counts = dict(zip(*[c.to_pylist() for c in pc.value_counts(tables["households"]["status"]).flatten()]))
    risk_counts = dict(latest_results().values_list("risk").annotate(n=Count("pk")).order_by())
    return DemoReport(
        county=pc.filter(divisions, pc.equal(level, 3))["name"][0].as_py(),
        towns=pc.sum(pc.equal(level, 4)).as_py(),
        villages=pc.sum(pc.equal(level, 5)).as_py(),
        households=tables["households"].num_rows,
        persons=tables["persons"].num_rows,
        ledger_rows=tables["income_items"].num_rows,
        by_status={s: status_counts.get(s, 0) for s in STATUS},
        by_risk={r: risk_counts.get(r, 0) for r in RISK},
        logins=logins,
        seconds=seconds,
    )
