"""The councils app's routes in the scope matrix (tests/web/test_scope_matrix.py): every
page and API route of /councils/ and the councils' API, with the capabilities each needs.
On each side a council of the household's village with the household's eldest member as
its president, a meeting the household came to, the household's demand answered and
closed, an open suggestion, and a supervision note on a project of the village."""

from __future__ import annotations

from neisheng.accounts.access import COUNCILS_FIGURES, COUNCILS_RECORD, PERSONS_READ

FIGURES = (COUNCILS_FIGURES,)
RECORD = (COUNCILS_RECORD,)
NAMES = (PERSONS_READ, COUNCILS_RECORD)
C = "/councils/{t.extra[council]}/"

ENDPOINTS = [
    # Councils and their figures: counts only, for every role that reads figures.
    {"name": "councils list", "template": "/councils/", "kind": "list", "needs": FIGURES, "shows": "village"},
    {"name": "councils list of a village", "template": "/councils/?division={t.village}&year={t.extra[council_year]}",
     "kind": "list", "needs": FIGURES, "shows": "village", "lists_rows": False},
    {"name": "councils list export", "template": "/councils/", "kind": "list", "needs": FIGURES, "post": {},
     "shows": "village"},
    {"name": "council new", "template": "/councils/new/", "kind": "list", "needs": RECORD, "shows": "village",
     "lists_rows": False},
    # A council's page and everything under it names villagers.
    {"name": "council page", "template": C, "kind": "detail", "needs": NAMES},
    {"name": "council page of a year", "template": C + "?year={t.extra[council_year]}", "kind": "detail",
     "needs": NAMES},
    {"name": "council items export", "template": C, "kind": "detail", "needs": NAMES, "post": {}},
    {"name": "council member new", "template": C + "members/new/", "kind": "detail", "needs": NAMES},
    {"name": "council meeting new", "template": C + "meetings/new/", "kind": "detail", "needs": NAMES,
     "shows": None},
    {"name": "council item new", "template": C + "items/new/", "kind": "detail", "needs": NAMES, "shows": None},
    {"name": "council note new", "template": C + "notes/new/", "kind": "detail", "needs": NAMES, "shows": None},
    {"name": "council member end", "template": "/councils/members/{t.extra[council_member]}/end/",
     "kind": "detail", "needs": NAMES, "shows": None},
    {"name": "council meeting", "template": "/councils/meetings/{t.extra[council_meeting]}/", "kind": "detail",
     "needs": NAMES},
    {"name": "council item", "template": "/councils/items/{t.extra[council_item]}/", "kind": "detail",
     "needs": NAMES},
    {"name": "council item respond", "template": "/councils/items/{t.extra[council_item_open]}/respond/",
     "kind": "detail", "needs": NAMES, "shows": None},
    {"name": "council item response sent", "template": "/councils/items/{t.extra[council_item_open]}/respond/",
     "kind": "detail", "needs": NAMES, "shows": None, "answers": 302,
     "post": {"responded_on": "{t.extra[council_today]}", "responder": "村委会", "action": "已安排维修",
              "closes": "on"}},
    # The API (councils/api.py).
    {"name": "API councils", "template": "/api/councils/", "kind": "list", "api": True, "needs": FIGURES,
     "shows": "village"},
    {"name": "API council", "template": "/api/councils/{t.extra[council]}/", "kind": "detail", "api": True,
     "needs": FIGURES, "shows": "village"},
    {"name": "API council figures", "template": "/api/councils/figures/", "kind": "list", "api": True,
     "needs": FIGURES, "shows": "village"},
    {"name": "API council figures by town", "template": "/api/councils/figures/?by=town", "kind": "list",
     "api": True, "needs": FIGURES, "shows": None, "lists_rows": False},
    {"name": "API council meetings", "template": "/api/council-meetings/", "kind": "list", "api": True,
     "needs": NAMES},
    {"name": "API council meeting", "template": "/api/council-meetings/{t.extra[council_meeting]}/",
     "kind": "detail", "api": True, "needs": NAMES},
    {"name": "API council items", "template": "/api/council-items/", "kind": "list", "api": True, "needs": NAMES},
    {"name": "API council item", "template": "/api/council-items/{t.extra[council_item]}/", "kind": "detail",
     "api": True, "needs": NAMES},
    {"name": "API council item respond", "template": "/api/council-items/{t.extra[council_item_open]}/respond/",
     "kind": "detail", "api": True, "needs": NAMES,
     "post": {"responded_on": "{t.extra[council_today]}", "responder": "村委会", "action": "已答复",
              "closes": "true"}},
]


def targets(*, household, other_household, places) -> dict:
    """Written directly (the services have tests of their own)."""
    import datetime as dt

    from django.utils import timezone

    from neisheng.councils.models import (
        Attendance,
        Council,
        CouncilMember,
        Item,
        Meeting,
        Response,
        SupervisionNote,
    )
    from neisheng.projects.models import Project, ProjectDivision

    today = timezone.localdate()
    day = today - dt.timedelta(days=20)
    made: dict = {"council_today": today.isoformat(), "council_year": str(today.year)}
    for side, suffix in ((household, ""), (other_household, "_elsewhere")):
        village = side.village_id
        council = Council.objects.create(division_code=village, name="村扶贫理事会", founded_on=dt.date(2018, 3, 1))
        person = side.members.order_by("birth_date", "person_id").first()
        member = CouncilMember.objects.create(council=council, division_code=village, person=person, household=side,
                                              name=person.name, role="president", starts_on=dt.date(2018, 3, 1))
        meeting = Meeting.objects.create(council=council, division_code=village, held_on=day, kind="hearing",
                                         topic="听取群众意见", minutes="收集意见")
        Attendance.objects.create(meeting=meeting, division_code=village, member=member, household=side,
                                  person=person)
        item = Item.objects.create(council=council, division_code=village, kind="demand", category="infrastructure",
                                   meeting=meeting, raised_on=day, household=side, raised_by=person.name,
                                   text="修复村道", closed_on=day + dt.timedelta(days=9))
        Response.objects.create(item=item, division_code=village, responded_on=day + dt.timedelta(days=9),
                                responder="村委会", action="已修复", closes=True)
        open_item = Item.objects.create(council=council, division_code=village, kind="suggestion", category="policy",
                                        raised_on=day, household=side, text="多宣讲政策")
        project = Project.objects.create(division_code=village, name="村级光伏电站", kind="photovoltaic")
        ProjectDivision.objects.create(project=project, division_code=village)
        SupervisionNote.objects.create(council=council, division_code=village, checked_on=day, project=project,
                                       checked="电站收益台账", finding="账实相符")
        made.update({f"council{suffix}": council.pk, f"council_member{suffix}": member.pk,
                     f"council_meeting{suffix}": meeting.pk, f"council_item{suffix}": item.pk,
                     f"council_item_open{suffix}": open_item.pk})
    return made
