"""The monitoring app's routes in the scope matrix (tests/web/test_scope_matrix.py).
Helpers C (runs, policies), E, F (portrait) and G (dashboard) each add their entries in
their own commented block."""

from __future__ import annotations

from django.utils import timezone

from neisheng.accounts.access import MONITORING_RUN, POLICY_EDIT

ENDPOINTS = [
    # C: monitoring runs and policies (run_views.py, policy_views.py, api.py). A run of the
    # village's county and one of the other county (targets below); runs show counts, so
    # every role may read them, and their household results need persons.read.
    dict(name="monitoring run start", template="/monitoring/run/", kind="list", needs=(MONITORING_RUN,),
         shows=None, lists_rows=False),
    # A start sent back with its error (no year): the form again, nothing started.
    dict(name="monitoring run start sent back", template="/monitoring/run/", kind="list", needs=(MONITORING_RUN,),
         post={}, shows=None, lists_rows=False),
    dict(name="monitoring runs", template="/monitoring/runs/", kind="list", needs=(), shows=None),
    dict(name="monitoring run page", template="/monitoring/runs/{t.extra[run]}/", kind="detail", needs=(),
         shows=None),
    dict(name="monitoring run polled", template="/monitoring/runs/{t.extra[run]}/?format=json", kind="detail",
         needs=(), shows=None),
    # A run still running: its page shows the progress (polling its own JSON).
    dict(name="monitoring run running", template="/monitoring/runs/{t.extra[running_run]}/", kind="detail",
         needs=(), shows=None),
    dict(name="monitoring run results export", template="/monitoring/runs/{t.extra[run]}/", kind="detail",
         post={}),
    dict(name="API monitoring runs", template="/api/monitoring/runs/", kind="list", api=True, needs=(), shows=None),
    dict(name="API monitoring run", template="/api/monitoring/runs/{t.extra[run]}/", kind="detail", api=True,
         needs=(), shows=None),
    dict(name="API monitoring run results", template="/api/monitoring/runs/{t.extra[run]}/results/", kind="detail",
         api=True),
    # Policies are the installation's, per year (not a division's): the same for every
    # officer who may edit them.
    dict(name="monitoring policies", template="/monitoring/policies/", kind="list", needs=(POLICY_EDIT,),
         shows=None, lists_rows=False),
    dict(name="monitoring policy new", template="/monitoring/policies/new/?year=2026", kind="list",
         needs=(POLICY_EDIT,), shows=None, lists_rows=False),
    dict(name="monitoring policy new sent back", template="/monitoring/policies/new/?year=2026", kind="list",
         needs=(POLICY_EDIT,), post={"year": "2026", "text": "year: 2026\n"}, shows=None, lists_rows=False),
    dict(name="monitoring policy page", template="/monitoring/policies/{t.extra[policy]}/", kind="list",
         needs=(POLICY_EDIT,), shows=None, lists_rows=False),
    # end C
    # F: the household portrait, printable (monitoring/portrait.py)
    dict(name="household portrait", template="/monitoring/portrait/{t.household}/", kind="detail"),
    # end F
    # G: the dashboard (views.overview, dashboard.py) of a division chosen within scope,
    # and a card's export; someone elsewhere asking for the village gets their own division.
    dict(name="monitoring dashboard of a division", template="/monitoring/?division={t.village}", kind="list",
         needs=(), shows="village"),
    dict(name="monitoring dashboard of a run", template="/monitoring/?run={t.extra[run]}", kind="list",
         needs=(), shows=None),
    dict(name="monitoring dashboard card export", template="/monitoring/?division={t.village}", kind="list",
         needs=(), shows="village", post={"card": "motivation"}),
    # end G
]


# C: a finished run of each county with a result of its household, and a policy version.
def _runs_targets(*, household, other_household, places) -> dict:
    from neisheng.monitoring.models import HouseholdResult, MonitoringRun, PolicyVersion
    from neisheng.policy import default_policy_text

    runs = {}
    for name, someone, county in (("run", household, places["county"]),
                                  ("other_run", other_household, places["other_county"])):
        run = MonitoringRun.objects.create(year=2026, division_code=county.code, finished_at=timezone.now(),
                                           households=1, red=1)
        HouseholdResult.objects.create(household=someone, run=run, size=2, risk="red", reasons="rigid_expense")
        runs[name] = run.pk
    runs["running_run"] = MonitoringRun.objects.create(year=2026, division_code=places["county"].code).pk
    text = default_policy_text()
    policy = PolicyVersion.objects.create(year=2026, text=text, sha256="0" * 64, note="")
    return {**runs, "policy": policy.pk}


# G: each county's finished run (C's above) summarised for the village, its town and county.
def _dashboard_targets(*, household, other_household, places) -> dict:
    from neisheng.monitoring.models import MonitoringRun, RegionSummary

    for county, village in ((places["county"], places["village"]), (places["other_county"], places["other_village"])):
        run = MonitoringRun.objects.filter(division_code=county.code, finished_at__isnull=False).latest("pk")
        for division in (village, village.parent, county):
            RegionSummary.objects.create(
                run=run, code=division.code, name=division.name, level=division.level,
                parent_code=division.parent_id or "", values={"households": 1, "persons": 2, "risk_red": 1,
                                                              "motivation_poor": 1, "motivation_M0": 0.5})
    return {}


# Each block's targets, merged (E, F, G: append yours).
TARGETS = [_runs_targets, _dashboard_targets]


def targets(*, household, other_household, places) -> dict:
    extra = {}
    for make in TARGETS:
        extra.update(make(household=household, other_household=other_household, places=places))
    return extra
