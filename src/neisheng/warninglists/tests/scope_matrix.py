"""The warning lists' entries of the scope matrix (tests/web/test_scope_matrix.py): every
route of /warnings/ and /api/warnings/, with a run, its warning rows and handovers on
both sides (the village under test and the other county)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from neisheng.accounts.access import PERSONS_READ, WARNINGS_FOLLOW_UP, WARNINGS_HAND_OVER

READ = (PERSONS_READ,)
HAND_OVER = (PERSONS_READ, WARNINGS_HAND_OVER)
FOLLOW_UP = (PERSONS_READ, WARNINGS_FOLLOW_UP)
ROW = "{t.extra[warning_row]}"


def endpoint(**fields) -> dict:
    """One entry: the fields of tests/web/test_scope_matrix.py's Endpoint."""
    return fields


ENDPOINTS = [
    endpoint(name="warning list", template="/warnings/", kind="list", needs=READ),
    endpoint(name="warning list of a run", template="/warnings/?run={t.extra[warning_run]}", kind="list", needs=READ),
    endpoint(name="warning list by village", template="/warnings/?division={t.village}", kind="list", needs=READ),
    endpoint(name="warning list overdue", template="/warnings/?status=overdue&sort=deadline", kind="list", needs=READ,
         shows=None),
    endpoint(name="warnings export", template="/warnings/", kind="list", needs=READ, post={}),
    endpoint(name="warning row", template=f"/warnings/{ROW}/", kind="detail", needs=READ),
    endpoint(name="warning row dismiss form", template=f"/warnings/{ROW}/dismiss/", kind="detail", needs=FOLLOW_UP),
    endpoint(name="warning row dismiss", template=f"/warnings/{ROW}/dismiss/", kind="detail", needs=FOLLOW_UP,
         post={"reason": "monitored"}, shows=None, answers=302),
    endpoint(name="warning handover form", template=f"/warnings/handover/?row={ROW}", kind="list", needs=HAND_OVER),
    endpoint(name="warning handover", template=f"/warnings/handover/?row={ROW}", kind="list", needs=HAND_OVER,
         post={"to": "u:{t.extra[warning_cadre]}", "deadline": "2099-12-31", "note": "尽快入户"}, shows=None,
         answers=302, lists_rows=False),
    endpoint(name="warning handovers", template="/warnings/handovers/", kind="list", needs=READ, shows="village"),
    endpoint(name="warnings follow-up", template="/warnings/follow-up/", kind="list", needs=(), shows=None),
    endpoint(name="warnings follow-up by village", template="/warnings/follow-up/?division={t.village}", kind="list",
         needs=(), shows=None),
    endpoint(name="warnings follow-up export", template="/warnings/follow-up/", kind="list", needs=(), shows=None,
         post={}),
    endpoint(name="API warnings", template="/api/warnings/", kind="list", api=True, needs=READ),
    endpoint(name="API warnings of a run", template="/api/warnings/?run={t.extra[warning_run]}", kind="list", api=True,
         needs=READ),
]


def targets(*, household, other_household, places) -> dict:
    """A finished run with both households red, its warning list built as a run builds
    it, and on each side the row handed to the town and a handover to a village cadre."""
    from neisheng.accounts.models import User
    from neisheng.monitoring.models import HouseholdResult, MonitoringRun
    from neisheng.warninglists.build import warning_rows_build
    from neisheng.warninglists.models import WarningHandover, WarningRow

    run = MonitoringRun.objects.create(year=2026, finished_at=timezone.now())
    for someone in (household, other_household):
        HouseholdResult.objects.create(household=someone, run=run, size=2, risk="red",
                                       reasons="income_below_threshold;rigid_expense")
    warning_rows_build(run)
    cadres = {}
    for someone, town, village, side in ((household, places["town"], places["village"], "here"),
                                         (other_household, places["other_town"], places["other_village"], "there")):
        cadre = User.objects.create_user(username=f"warnings-cadre-{side}", role="village", division=village,
                                         display_name=f"村干部{side}")
        cadres[side] = cadre
        deadline = timezone.localdate() + dt.timedelta(days=10)
        WarningHandover.objects.create(run=run, division_code=village.code, to_user=cadre,
                                       handed_on=timezone.localdate(), deadline=deadline)
        to_town = WarningHandover.objects.create(run=run, division_code=town.code, to_division=town,
                                                 handed_on=timezone.localdate(), deadline=deadline)
        WarningRow.objects.filter(run=run, household=someone).update(handover=to_town)
    return {
        "warning_run": run.pk,
        "warning_row": WarningRow.objects.get(run=run, household=household).pk,
        "warning_cadre": cadres["here"].pk,
    }
