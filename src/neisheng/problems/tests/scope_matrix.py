"""The problems app's routes in the scope matrix (tests/web/test_scope_matrix.py)."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.utils import timezone

from neisheng.accounts.access import PERSONS_READ, PROBLEMS_RAISE, PROBLEMS_RESOLVE, PROBLEMS_REVIEW

READ = (PERSONS_READ,)
ENDPOINTS = [
    {"name": "problem list", "template": "/problems/", "kind": "list", "needs": READ},
    {"name": "problem list search", "template": "/problems/?q={t.household}", "kind": "list", "needs": READ},
    {"name": "problem list overdue", "template": "/problems/?overdue=yes&division={t.village}", "kind": "list",
         "needs": READ, "lists_rows": False},
    {"name": "problem list export", "template": "/problems/", "kind": "list", "needs": READ, "post": {}},
    {"name": "problem page", "template": "/problems/{t.extra[problem]}/", "kind": "detail", "needs": READ},
    # Resolved, with its evidence and the reviewer's buttons.
    {"name": "problem page resolved", "template": "/problems/{t.extra[resolved_problem]}/", "kind": "detail",
         "needs": READ},
    {"name": "problem resolve", "template": "/problems/{t.extra[problem]}/resolve/", "kind": "detail",
         "needs": (PERSONS_READ, PROBLEMS_RESOLVE)},
    {"name": "problem close", "template": "/problems/{t.extra[resolved_problem]}/close/", "kind": "detail",
         "needs": (PERSONS_READ, PROBLEMS_REVIEW)},
    {"name": "problem reopen", "template": "/problems/{t.extra[resolved_problem]}/reopen/", "kind": "detail",
         "needs": (PERSONS_READ, PROBLEMS_REVIEW)},
    # The file itself: a photo's bytes, not the household's number.
    {"name": "problem evidence", "template": "/problems/{t.extra[resolved_problem]}/evidence/{t.extra[evidence]}/",
         "kind": "detail", "needs": READ, "shows": None},
    {"name": "problem new", "template": "/problems/new/?household={t.household}", "kind": "detail",
         "needs": (PERSONS_READ, PROBLEMS_RAISE)},
    # Per cadre and per village: the village's code, no household.
    {"name": "problems overdue", "template": "/problems/overdue/", "kind": "list", "needs": READ, "shows": "village"},
    {"name": "problems overdue by village export", "template": "/problems/overdue/?table=villages", "kind": "list",
         "needs": READ, "post": {}, "shows": "village"},
    {"name": "problems overdue by cadre export", "template": "/problems/overdue/?table=cadres", "kind": "list",
         "needs": READ, "post": {}, "shows": None, "lists_rows": False},
    # Counts only (researchers see the dashboard's counts too); a division elsewhere is "no such division".
    {"name": "problems dashboard export", "template": "/problems/dashboard/{t.extra[problems_card]}/export/?division={t.village}",
         "kind": "detail", "needs": (), "post": {}, "shows": "village"},
    {"name": "problem api list", "template": "/api/problems/", "kind": "list", "api": True, "needs": READ},
    {"name": "problem api page", "template": "/api/problems/{t.extra[problem]}/", "kind": "detail", "api": True,
         "needs": READ},
    {"name": "problem api close", "template": "/api/problems/{t.extra[resolved_problem]}/close/", "kind": "detail",
         "api": True, "needs": (PERSONS_READ, PROBLEMS_REVIEW), "post": {"closed_on": "{t.extra[today]}"}},
    {"name": "problem api reopen", "template": "/api/problems/{t.extra[resolved_problem]}/reopen/", "kind": "detail",
         "api": True, "needs": (PERSONS_READ, PROBLEMS_REVIEW), "post": {"reopened_on": "{t.extra[today]}",
                                                                          "reason": "复查"}},
    {"name": "problem api resolve", "template": "/api/problems/{t.extra[problem]}/resolve/", "kind": "detail",
         "api": True, "needs": (PERSONS_READ, PROBLEMS_RESOLVE), "post": {}, "answers": 400},
]


def _days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def _problems_of(household):
    """An overdue open problem and a resolved one with a photo, resolved by someone who
    is none of the matrix's users (so any reviewer of the village may close it)."""
    from neisheng.accounts.models import User
    from neisheng.problems.models import Evidence, Problem

    resolver = User.objects.create_user(username=f"resolver-{household.pk}", role="village",
                                        division_id=household.village_id)
    problem = Problem.objects.create(household=household, division_code=household.village_id, category="housing",
                                     description="屋顶漏雨", raised_on=_days_ago(40), deadline=_days_ago(10))
    resolved = Problem.objects.create(household=household, division_code=household.village_id, category="water",
                                      description="自来水停供", raised_on=_days_ago(20), deadline=_days_ago(-10),
                                      state="resolved", resolution="已修复管道", resolved_on=_days_ago(5),
                                      resolved_by=resolver)
    evidence = Evidence(problem=resolved, round=1, original_name="管道.png", content_type="image/png", size=8,
                        sha256="0" * 64, uploaded_by=resolver)
    evidence.file.save("scope-matrix.png", ContentFile(b"\x89PNG\r\n\x1a\n"), save=False)
    evidence.save()
    return problem, resolved, evidence


def _scanning_cadre(places):
    """The assistance cadre the language scan signs in as (web/tests/test_one_language.py
    takes an existing "<role>-scan" user), with a cadre record, so that its home shows
    the card of a cadre's overdue problems."""
    from neisheng.accounts.models import User
    from neisheng.grid.models import Cadre

    user = User.objects.filter(username="assistance-scan").first() or User.objects.create_user(
        username="assistance-scan", role="assistance", division=places["village"])
    # Another app's matrix may have given the same user its cadre record already.
    return Cadre.objects.filter(user=user).first() or Cadre.objects.create(
        cadre_id="C-SCOPE-MATRIX", name="赵包户", division_code=places["village"].code, user=user)


def targets(*, household, other_household, places) -> dict:
    extra = {"problems_card": "problems-by-division", "today": str(timezone.localdate())}
    for side, key in ((household, ""), (other_household, "_elsewhere")):
        problem, resolved, evidence = _problems_of(side)
        if not key:
            problem.responsible = _scanning_cadre(places)
            problem.save(update_fields=["responsible"])
        extra.update({f"problem{key}": problem.pk, f"resolved_problem{key}": resolved.pk, f"evidence{key}": evidence.pk})
    return extra
