"""The cases API's rows of the scope matrix (tests/web/test_scope_matrix.py), added to the
app's matrix by cases/tests/scope_matrix.py. The case is the one its `targets` creates
({t.extra[case]}: an open case of the household, inside and in the other county)."""

from __future__ import annotations

from neisheng.accounts.access import CASES_REPORT, PERSONS_READ

READ = (PERSONS_READ,)
API_ENDPOINTS = [
    dict(name="API cases", template="/api/cases/", kind="list", api=True, needs=READ),
    dict(name="API case", template="/api/cases/{t.extra[case]}/", kind="detail", api=True, needs=READ),
    # Elsewhere the case does not exist (404) before any rule is read; inside, a step
    # without its fields is refused (400) for every role.
    dict(name="API case transition", template="/api/cases/{t.extra[case]}/transition/", kind="detail", api=True,
         needs=(), post={"to": "rejected"}, shows=None, answers=400),
    # Reporting a household elsewhere: no such household (404); inside, the household
    # already has the open case, which is refused by name (400).
    dict(name="API case report", template="/api/cases/", kind="detail", api=True, needs=(CASES_REPORT,),
         post={"household_id": "{t.household}", "channel": "cadre_screening", "reported_on": "2026-01-05",
               "reason": "务工收入骤减"}, shows=None, answers=400),
]
