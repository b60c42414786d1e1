"""The model households' routes in the scope matrix (tests/web/test_scope_matrix.py):
every page and API route of /honours/ and its API, with the capabilities each needs. On
each side an approved nomination of the household (scored, with an act of help), paired
with another household of its village, and a meeting of the pair."""

from __future__ import annotations

from neisheng.accounts.access import HONOURS_FIGURES, HONOURS_NOMINATE, PERSONS_READ

FIGURES = (HONOURS_FIGURES,)
READ = (PERSONS_READ,)
ROLL = (PERSONS_READ, HONOURS_FIGURES)
NOMINATE = (PERSONS_READ, HONOURS_NOMINATE)
N = "/honours/nominations/{t.extra[honour_nomination]}/"

ENDPOINTS = [
    # Counts: every role that reads the figures, researchers too.
    {"name": "honours figures", "template": "/honours/", "kind": "list", "needs": FIGURES, "shows": "village"},
    {"name": "honours figures of a year", "template": "/honours/?year={t.extra[honours_year]}", "kind": "list",
     "needs": FIGURES, "shows": "village"},
    {"name": "honours figures export", "template": "/honours/", "kind": "list", "needs": FIGURES, "post": {},
     "shows": "village"},
    # The roll names households and tells their stories: roles that read persons (a
    # researcher has the counts above).
    {"name": "honours roll", "template": "/honours/roll/{t.village}/", "kind": "detail", "needs": ROLL},
    {"name": "honours roll of a year", "template": "/honours/roll/{t.village}/?year={t.extra[honours_year]}",
     "kind": "detail", "needs": ROLL},
    {"name": "honours roll export", "template": "/honours/roll/{t.village}/", "kind": "detail", "needs": ROLL,
     "post": {}},
    {"name": "honours roll PDF", "template": "/honours/roll/{t.village}/pdf/", "kind": "detail", "needs": ROLL,
     "shows": None},
    # Nominations name households: roles that read persons.
    {"name": "honours nominations", "template": "/honours/nominations/", "kind": "list", "needs": READ},
    {"name": "honours nominations search", "template": "/honours/nominations/?q={t.household}", "kind": "list",
     "needs": READ},
    {"name": "honours nominations export", "template": "/honours/nominations/", "kind": "list", "needs": READ,
     "post": {}},
    {"name": "honours nomination new", "template": "/honours/nominations/new/", "kind": "list", "needs": NOMINATE,
     "shows": None, "lists_rows": False},
    {"name": "honours nomination", "template": N, "kind": "detail", "needs": READ},
    {"name": "honours nomination step form", "template": N + "{t.extra[honours_step]}/", "kind": "detail", "needs": READ},
    # Scoring an approved nomination again is refused by its state: the form comes back (400).
    {"name": "honours nomination step refused", "template": N + "{t.extra[honours_step_refused]}/", "kind": "detail", "needs": NOMINATE,
     "post": {"score-scored_on": "{t.extra[honours_today]}"}, "shows": None, "answers": 400},
    {"name": "honours pair meeting", "template": "/honours/pairings/{t.extra[honour_pairing]}/meeting/",
     "kind": "detail", "needs": NOMINATE},
    # The API (honours/api.py).
    {"name": "API honours nominations", "template": "/api/honours-nominations/", "kind": "list", "api": True,
     "needs": READ},
    {"name": "API honours nominations of a year", "template": "/api/honours-nominations/?year={t.extra[honours_year]}",
     "kind": "list", "api": True, "needs": READ},
    {"name": "API honours nomination", "template": "/api/honours-nominations/{t.extra[honour_nomination]}/",
     "kind": "detail", "api": True, "needs": READ},
    {"name": "API honours nomination score", "template": "/api/honours-nominations/{t.extra[honour_nomination]}/score/",
     "kind": "detail", "api": True, "needs": NOMINATE, "post": {"on": "{t.extra[honours_today]}"}, "shows": None,
     "answers": 400},
    {"name": "API honours roll", "template": "/api/honours-roll/", "kind": "list", "api": True, "needs": READ},
    {"name": "API honours figures", "template": "/api/honours-figures/", "kind": "list", "api": True,
     "needs": FIGURES, "shows": "village"},
]


def targets(*, household, other_household, places) -> dict:
    """Written directly (the services have tests of their own)."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from neisheng.honours.models import HelpAct, Nomination, Pairing, PairMeeting, Score, Selection
    from neisheng.registry.models import Household

    today = timezone.localdate()
    # The steps are named in the route (<slug:step>), so the matrix's guard sees one route.
    made: dict = {"honours_today": today.isoformat(), "honours_year": today.year, "honours_step": "help",
                  "honours_step_refused": "score"}
    for side, suffix in ((household, ""), (other_household, "_elsewhere")):
        village = side.village_id
        selection = Selection.objects.create(division_code=village, year=today.year,
                                             opened_on=today - dt.timedelta(days=20))
        nomination = Nomination.objects.create(
            selection=selection, household=side, division_code=village, source="cadre", nominated_by_name="村两委",
            nominated_on=today - dt.timedelta(days=20), story="带头发展蜂蜜产业,带动邻里增收。", state="approved",
            score_total=Decimal("72.50"))
        Score.objects.create(nomination=nomination, scored_on=today - dt.timedelta(days=19), total=Decimal("72.50"),
                             pass_score=Decimal(60), criteria={
                                 "income_growth": {"weight": "0.4", "fraction": "3/5", "points": "24.00",
                                                   "earlier_year": today.year - 1, "later_year": today.year,
                                                   "earlier": "12000.00", "later": "15600.00", "growth": "0.3000",
                                                   "full_at": "0.5", "case": "grew"},
                                 "own_effort": {"weight": "0.3", "fraction": "1/1", "points": "30.00",
                                                "working_members": 2, "trainings_finished": 1, "full_at": 3},
                                 "helping_others": {"weight": "0.15", "fraction": "1/3", "points": "5.00",
                                                    "help_acts": 1, "full_at": 3},
                                 "willingness": {"weight": "0.15", "fraction": "3/4", "points": "11.25",
                                                 "willingness": 4}})
        HelpAct.objects.create(nomination=nomination, done_on=today - dt.timedelta(days=25), text="帮邻居修房")
        partner = Household.objects.filter(village_id=village).exclude(pk=side.pk).order_by("household_id").first()
        pairing = Pairing.objects.create(nomination=nomination, household=partner, division_code=village,
                                         paired_on=today - dt.timedelta(days=5))
        PairMeeting.objects.create(pairing=pairing, met_on=today - dt.timedelta(days=2), attendees="两户户主",
                                   discussed="交流养蜂技术")
        made.update({f"honour_nomination{suffix}": nomination.pk, f"honour_pairing{suffix}": pairing.pk})
    return made
