"""`neisheng demo`: a synthetic county in a fresh database, one login per role, two
years of monitoring work (policies, runs, warning lists handed out, cases in every state:
web/demo_workflows.py), the responsibility grid with a week of visits and the problem
ledger (web/demo_grid.py), projects with their funds, distributions, renovations and audit
findings (web/demo_projects.py), the research's questionnaire survey and a survey of the
town's own households (web/demo_surveys.py), two village poverty councils with a year of
meetings, suggestions and demands (web/demo_councils.py), a completed selection of model
households with its honour roll (web/demo_honours.py), the households' archives with a few
gaps and students' files (web/demo_archives.py), and a summary to read before opening the
browser.

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
    councils: object | None = None  # web.demo_councils.DemoCouncils
    honours: object | None = None  # web.demo_honours.DemoHonours
    archives: object | None = None  # web.demo_archives.DemoArchives


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
    # The later parts, in this order: projects before surveys and councils (a council
    # supervises its village's projects), councils before honours (a council's meetings are
    # part of a household's record) and archives last, so the files find the other
    # workflows' documents already made.
    from neisheng.web.demo_archives import demo_archives_build
    from neisheng.web.demo_councils import demo_councils_build
    from neisheng.web.demo_honours import demo_honours_build
    from neisheng.web.demo_projects import demo_projects_build
    from neisheng.web.demo_surveys import demo_surveys_build

    later = {}
    for name, build in [("projects", demo_projects_build), ("surveys", demo_surveys_build),
                        ("councils", demo_councils_build), ("honours", demo_honours_build),
                        ("archives", demo_archives_build)]:
        later[name] = build(home=home, logins=logins, year=DEMO_YEAR, say=say)
        seconds[name] = sum(later[name].seconds.values())
        for line in later[name].lines():
            say(line)
    report = _report(tables, logins, seconds)
    report.workflows = workflows
    report.grid = grid
    report.feeds = feeds
    report.measures = measures
    for name, made in later.items():
        setattr(report, name, made)
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
