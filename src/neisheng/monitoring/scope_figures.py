"""Home-page figures counted once per run (issue 17): as a run is stored, the key figures
(registry.selectors.figures.key_figures) and the warnings card (work.warnings_summary) of
every scope above the town level that the run is the latest for are counted by the very
functions the page calls, and kept with the registry's figures version of that moment.
The page reads them (platform.extensions.stored_figures) while that version is current,
so the first visit after a run, or after the server restarts, or in another worker
process, reads one row instead of aggregating a county's million households; after any
write the page counts for itself, as before. Apps add their own figures the same way
(platform.extensions.RunFigures: the grid's coverage, the policy targets' coverage), the
latter counted from the snapshot the run exported rather than read from the database
again.

Towns and villages are not stored: their few thousand households are counted quickly on
view, and a province's thousands of towns would lengthen every run.
"""

from __future__ import annotations

import pickle

from neisheng.accounts.access import Role
from neisheng.accounts.models import User
from neisheng.divisions import PREFIX_LENGTH, level_of
from neisheng.engine import schema
from neisheng.monitoring import selectors
from neisheng.monitoring.models import MonitoringRun, ScopeFigures
from neisheng.platform import scope
from neisheng.platform.extensions import STORED_NONE, RunExport, RunFigures, run_figures
from neisheng.platform.listing import last_write_event
from neisheng.registry.models import Division

FIGURES = "figures"
WARNINGS, WARNINGS_COUNTS = "work-warnings-1", "work-warnings-0"  # monitoring.work's names
STORED = (FIGURES, WARNINGS, WARNINGS_COUNTS)
TOWN_LEVEL = schema.VILLAGE_LEVEL - 1


def _stand_in(division: Division | None) -> User:
    """A user whose scope is `division` (unsaved): the figures of a scope depend on its
    division alone (an administrator without one sees everything)."""
    if division is None:
        return User(username="scope-figures", role=Role.ADMIN)
    return User(username="scope-figures", role=Role.COUNTY, division=division)


def _scopes(run: MonitoringRun) -> list[Division | None]:
    """The run's division and those under it above the town level (None: the unbounded
    scope of a run over the whole registry)."""
    divisions = Division.objects.filter(level__lt=TOWN_LEVEL).order_by("code")
    if run.division_code:
        prefix = run.division_code[: PREFIX_LENGTH[level_of(run.division_code)]]
        divisions = divisions.filter(code__gte=prefix.ljust(12, "0"), code__lte=prefix.ljust(12, "9"))
    return ([] if run.division_code else [None]) + list(divisions)


def scope_figures_store(run: MonitoringRun, *, export: RunExport | None = None,
                        last_write_at_export: int | None = None) -> int:
    """Count and keep the home-page figures of the run's scopes (inside the run's
    transaction, after everything the run stores), and every app's RunFigures; returns
    the scopes stored. Figures counted from the run's `export` are kept only when the
    registry's last write is still `last_write_at_export`, the one read before it."""
    from neisheng.monitoring.work import warnings_summary
    from neisheng.registry.selectors.figures import figures_version, key_figures

    # Read before counting: a write committed in between changes the version, and the
    # page then counts for itself rather than trusting figures that may miss it.
    version = figures_version()
    export_current = export is not None and last_write_at_export == last_write_event()
    apps = [figures for figures in run_figures() if figures.prepare is None or export_current]
    prepared = {}  # on the first scope stored: a newer run may leave this one none to store

    def prepared_for(figures: RunFigures):
        if figures.prepare is None:
            return None
        if figures.name not in prepared:
            prepared[figures.name] = figures.prepare(export)
        return prepared[figures.name]

    rows = []
    for division in _scopes(run):
        user = _stand_in(division)
        if selectors.latest_run_for(user) != run:
            continue  # a newer run covers this scope: its figures are that run's to store
        code = division.code if division is not None else ""
        summary = warnings_summary(user, households=True)
        values = {FIGURES: key_figures(user), WARNINGS: summary,
                  WARNINGS_COUNTS: None if summary is None else {**summary, "households": []}}
        values.update((figures.name, figures.count(user, prepared_for(figures))) for figures in apps)
        rows += [ScopeFigures(run=run, code=code, name=name, version=version, value=pickle.dumps(value))
                 for name, value in values.items()]
    ScopeFigures.objects.filter(run=run).delete()
    ScopeFigures.objects.bulk_create(rows)
    return len({row.code for row in rows})


def scope_figures_stored(user, name: str, version: str):
    """What a run stored for the user's scope under `name` at `version`, or STORED_NONE
    (the platform.extensions.stored_figures provider)."""
    if name not in STORED and name not in {figures.name for figures in run_figures()}:
        return STORED_NONE
    if not user.division_id and scope.code_range(user) is not None:
        return STORED_NONE  # no division and not unbounded: an empty scope
    run = selectors.latest_run_for(user)
    if run is None:
        return STORED_NONE
    value = (ScopeFigures.objects.filter(run=run, code=user.division_id or "", name=name, version=version)
             .values_list("value", flat=True).first())
    return STORED_NONE if value is None else pickle.loads(value)
