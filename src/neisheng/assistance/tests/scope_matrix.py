"""The assistance app's routes in the scope matrix (tests/web/test_scope_matrix.py). Each
helper's entries sit in its own region; `targets` merges each region's records."""

from __future__ import annotations

ENDPOINTS: list[dict] = []

# --- C: coverage, village industries, poor villages ---
_C_READ = ("persons.read",)
_C_RECORD = ("activities.record",)
ENDPOINTS += [
    # Counts only: every role reads them (a division outside the scope is ignored).
    {"name": "coverage overview", "template": "/assistance/coverage/", "kind": "list", "needs": (), "shows": None},
    {"name": "coverage overview of a village", "template": "/assistance/coverage/?division={t.village}",
     "kind": "list", "needs": (), "shows": "village"},
    {"name": "coverage card export",
     "template": "/assistance/coverage/cards/{t.extra[coverage_card]}/export/?division={t.village}",
     "kind": "detail", "needs": (), "post": {}, "shows": "village"},
    {"name": "coverage gaps of households", "template": "/assistance/coverage/{t.extra[coverage_households]}/",
     "kind": "list", "needs": _C_READ},
    {"name": "coverage gaps of members",
     "template": "/assistance/coverage/{t.extra[coverage_members]}/?division={t.village}", "kind": "list",
     "needs": _C_READ},
    {"name": "coverage gaps of villages", "template": "/assistance/coverage/{t.extra[coverage_villages]}/",
     "kind": "list", "needs": _C_READ, "shows": "village"},
    {"name": "coverage gaps export", "template": "/assistance/coverage/{t.extra[coverage_members]}/?q={t.household}",
     "kind": "list", "needs": _C_READ, "post": {}},
    {"name": "villages", "template": "/assistance/villages/", "kind": "list", "needs": (), "shows": "village"},
    {"name": "villages search", "template": "/assistance/villages/?q={t.village}", "kind": "list", "needs": (),
     "shows": "village"},
    {"name": "poor village new", "template": "/assistance/villages/poor/new/", "kind": "list", "needs": _C_RECORD,
     "shows": "village"},
    {"name": "poor village remove", "template": "/assistance/villages/poor/{t.village}/remove/", "kind": "detail",
     "needs": _C_RECORD, "shows": "village"},
    {"name": "village industry new", "template": "/assistance/villages/industries/new/", "kind": "list",
     "needs": _C_RECORD, "shows": "village"},
    # Someone elsewhere cannot choose the village: the form comes back (200), nothing written.
    {"name": "village industry new sent", "template": "/assistance/villages/industries/new/", "kind": "list",
     "needs": _C_RECORD, "post": {"village": "{t.village}", "name": "高山脆李", "since": "2025"}, "shows": None,
     "answers": 302, "lists_rows": False},
    {"name": "village industry end", "template": "/assistance/villages/industries/{t.extra[village_industry]}/end/",
     "kind": "detail", "needs": _C_RECORD, "shows": None},
    {"name": "village industry end sent",
     "template": "/assistance/villages/industries/{t.extra[village_industry]}/end/", "kind": "detail",
     "needs": _C_RECORD, "post": {"ended": "2027"}, "shows": None, "answers": 302},
]


def _targets_c(*, household, other_household, places) -> dict:
    """Both households made gaps of the member and household targets (lifted, in no
    industry, a member of working age without a skill), both villages poor villages
    without an industry, and an industry elsewhere in the village's town to end."""
    import datetime as dt

    from neisheng.assistance.models import PoorVillage, VillageIndustry
    from neisheng.registry.models import Household, Person

    for someone in (household, other_household):
        Household.objects.filter(pk=someone.pk).update(status="lifted", industry_linked=False,
                                                       cooperative_member=False)
        members = Person.objects.filter(household=someone).order_by("birth_date", "person_id")
        working = members.filter(alive=True, birth_date__gt=dt.date(1968, 1, 1), birth_date__lt=dt.date(2009, 1, 1))
        member = working.first() or members.first()
        changes = {"alive": True, "labor": "ordinary", "has_skill": False}
        if not working.exists():
            changes["birth_date"] = dt.date(1980, 1, 1)
        Person.objects.filter(pk=member.pk).update(**changes)
        PoorVillage.objects.get_or_create(village_id=someone.village_id, defaults={"listed_year": 2014})
    # Starting after the policy's year: the village has no industry yet (a gap), and the
    # end form has one to stop.
    industry = VillageIndustry.objects.create(village_id=household.village_id, name="生态茶叶", since=2027)
    # The targets' codes stand in the routes' places, so the route guard knows the routes.
    return {"village_industry": industry.pk, "coverage_card": "coverage-able-household-without-industry",
            "coverage_households": "able_household_without_industry", "coverage_members": "member_without_skill",
            "coverage_villages": "poor_village_without_industry"}


# --- D: overdue first measures, household assistance plan ---
ENDPOINTS += [
    # Its rows are a third household of each village (the first two have the cases app's
    # open cases): the page shows no number of the target household, hence shows=None.
    dict(name="first measures overdue", template="/assistance/overdue/", kind="list", shows=None),
    dict(name="first measures overdue export", template="/assistance/overdue/", kind="list", post={}, shows=None),
    dict(name="assistance plan", template="/assistance/plan/{t.household}/", kind="detail"),
    dict(name="assistance plan PDF", template="/assistance/plan/{t.household}/pdf/", kind="detail", shows=None),
]


def _targets_d(*, household, other_household, places) -> dict:
    """An approved case past its first measure's due day in each village."""
    import datetime as dt

    from django.utils import timezone

    from neisheng.cases.models import MonitoringCase
    from neisheng.registry.models import Household

    today = timezone.localdate()
    made = {}
    for side, key in ((household, "overdue_household"), (other_household, "overdue_household_elsewhere")):
        third = Household.objects.filter(village_id=side.village_id).order_by("household_id")[2]
        MonitoringCase.objects.create(
            household=third, channel="cadre_screening", state="monitoring", reported_on=today - dt.timedelta(days=90),
            reason="因病支出骤增", deadline=today - dt.timedelta(days=75), monitoring_since=today - dt.timedelta(days=60))
        made[key] = third.household_id
    return made


# --- E: trainings, meetings, imports, the household's activities ---
_E_READ = ("persons.read",)
_E_RECORD = ("persons.read", "activities.record")
ENDPOINTS += [
    dict(name="training list", template="/assistance/trainings/", kind="list", needs=_E_READ, shows="village"),
    dict(name="training list export", template="/assistance/trainings/", kind="list", needs=_E_READ, post={},
         shows="village"),
    dict(name="training new", template="/assistance/trainings/new/", kind="list", needs=_E_RECORD, shows=None,
         lists_rows=False),
    dict(name="training template", template="/assistance/trainings/template/", kind="list", needs=_E_RECORD,
         shows=None, lists_rows=False),
    dict(name="training page", template="/assistance/trainings/{t.extra[training]}/", kind="detail", needs=_E_READ),
    dict(name="training attendance export", template="/assistance/trainings/{t.extra[training]}/", kind="detail",
         needs=_E_READ, post={}),
    # An empty form: refused by the form (400) inside, 404 elsewhere; nothing is written.
    dict(name="training attendance add", template="/assistance/trainings/{t.extra[training]}/attendance/",
         kind="detail", needs=_E_RECORD, post={}, shows=None, answers=400),
    dict(name="training import", template="/assistance/trainings/{t.extra[training]}/import/", kind="detail",
         needs=_E_RECORD, post={}, shows=None, answers=400),
    dict(name="meeting list", template="/assistance/meetings/", kind="list", needs=_E_READ, shows="village"),
    dict(name="meeting list export", template="/assistance/meetings/", kind="list", needs=_E_READ, post={},
         shows="village"),
    dict(name="meeting new", template="/assistance/meetings/new/", kind="list", needs=_E_RECORD, shows=None,
         lists_rows=False),
    dict(name="meeting template", template="/assistance/meetings/template/", kind="list", needs=_E_RECORD,
         shows=None, lists_rows=False),
    dict(name="meeting page", template="/assistance/meetings/{t.extra[meeting]}/", kind="detail", needs=_E_READ),
    dict(name="meeting attendance export", template="/assistance/meetings/{t.extra[meeting]}/", kind="detail",
         needs=_E_READ, post={}),
    dict(name="meeting attendance add", template="/assistance/meetings/{t.extra[meeting]}/attendance/",
         kind="detail", needs=_E_RECORD, post={}, shows=None, answers=400),
    dict(name="meeting import", template="/assistance/meetings/{t.extra[meeting]}/import/", kind="detail",
         needs=_E_RECORD, post={}, shows=None, answers=400),
    dict(name="activity import result", template="/assistance/imports/{t.extra[activity_import]}/", kind="detail",
         needs=_E_READ, shows="village"),
    dict(name="API trainings", template="/api/trainings/", kind="list", api=True, needs=_E_READ, shows="village"),
    dict(name="API training", template="/api/trainings/{t.extra[training]}/", kind="detail", api=True,
         needs=_E_READ, shows="village"),
    dict(name="API training attendance", template="/api/trainings/{t.extra[training]}/attendance/", kind="detail",
         api=True, needs=_E_READ),
    dict(name="API training attendance record", template="/api/trainings/{t.extra[training]}/attendance/",
         kind="detail", api=True, needs=_E_RECORD, post={}, shows=None, answers=400),
    dict(name="API meetings", template="/api/meetings/", kind="list", api=True, needs=_E_READ, shows="village"),
    dict(name="API meeting", template="/api/meetings/{t.extra[meeting]}/", kind="detail", api=True,
         needs=_E_READ, shows="village"),
    dict(name="API meeting attendance", template="/api/meetings/{t.extra[meeting]}/attendance/", kind="detail",
         api=True, needs=_E_READ),
]


def _targets_e(*, household, other_household, places) -> dict:
    """A course and a meeting held by each village, each with the village's household
    (its eldest member trained, certified), and a refused attendance sheet kept there."""
    import datetime as dt

    from django.core.files.base import ContentFile

    from neisheng.assistance.models import (
        ActivityImport,
        Meeting,
        MeetingAttendance,
        Training,
        TrainingAttendance,
    )

    made = {}
    for key, someone in (("", household), ("other_", other_household)):
        village = someone.village_id
        member = someone.members.order_by("birth_date", "person_id").first()
        training = Training.objects.create(division_code=village, course=f"培训 {someone.household_id}",
                                           starts_on=dt.date(2026, 3, 2), ends_on=dt.date(2026, 3, 6),
                                           trainer="县职业技术学校")
        TrainingAttendance.objects.create(training=training, household=someone, person=member, days_attended=5,
                                          completed=True, certificate_no="DG-1", certified_on=dt.date(2026, 3, 6))
        meeting = Meeting.objects.create(division_code=village, kind=Meeting.Kind.COUNCIL,
                                         held_on=dt.date(2026, 3, 9), topic=f"议事 {someone.household_id}")
        MeetingAttendance.objects.create(meeting=meeting, household=someone, person=member)
        record = ActivityImport(division_code=village, kind=ActivityImport.Kind.TRAINING_ATTENDANCE,
                                training=training, file_name=f"{someone.household_id}.xlsx", sha256="0" * 64,
                                outcome=ActivityImport.Outcome.REFUSED,
                                problems=[{"row": 2, "column": "name", "column_zh": "姓名",
                                           "value": someone.household_id, "reason_zh": "姓名与登记的该证件号码的姓名不一致",
                                           "reason_en": "the name differs from the registered name of this ID number"}])
        record.file.save(f"{someone.household_id}.xlsx", ContentFile(b"PK"), save=False)
        record.save()
        if key == "":
            made.update(training=training.pk, meeting=meeting.pk, activity_import=record.pk)
    return made


# --- F: job placements, welfare posts, industry participation ---
def _f_endpoints() -> list[dict]:
    from neisheng.accounts.access import ACTIVITIES_RECORD, PERSONS_READ

    read, record = (PERSONS_READ,), (PERSONS_READ, ACTIVITIES_RECORD)
    made: list[dict] = []
    for label, path, target, end in (("placement", "placements", "f_placement", "end"),
                                     ("post", "posts", "f_post", "end"),
                                     ("industry", "industry", "f_industry", "leave")):
        page = f"/assistance/{path}/{{t.extra[{target}]}}/"
        api = f"/api/{path}/{{t.extra[{target}]}}/"
        made += [
            {"name": f"assistance {label} list", "template": f"/assistance/{path}/", "kind": "list", "needs": read},
            {"name": f"assistance {label} list search", "template": f"/assistance/{path}/?q={{t.household}}",
             "kind": "list", "needs": read},
            {"name": f"assistance {label} list export", "template": f"/assistance/{path}/", "kind": "list",
             "needs": read, "post": {}},
            {"name": f"assistance {label} new", "template": f"/assistance/{path}/new/", "kind": "list",
             "needs": record, "shows": None, "lists_rows": False},
            # Opened from the household's page: elsewhere the household does not exist.
            {"name": f"assistance {label} new for household",
             "template": f"/assistance/{path}/new/?household={{t.household}}", "kind": "detail", "needs": record},
            {"name": f"assistance {label} import", "template": f"/assistance/{path}/import/", "kind": "list",
             "needs": record, "shows": None, "lists_rows": False},
            {"name": f"assistance {label} import template", "template": f"/assistance/{path}/import/template/",
             "kind": "list", "needs": record, "shows": None, "lists_rows": False},
            {"name": f"assistance {label} page", "template": page, "kind": "detail", "needs": read},
            {"name": f"assistance {label} {end}", "template": page + f"{end}/", "kind": "detail", "needs": record,
             "shows": None},
            {"name": f"API {label} list", "template": f"/api/{path}/", "kind": "list", "api": True, "needs": read},
            {"name": f"API {label}", "template": api, "kind": "detail", "api": True, "needs": read},
            # An empty body is refused (400) once the record is found: elsewhere it is not found (404).
            {"name": f"API {label} {end}", "template": api + f"{end}/", "kind": "detail", "api": True,
             "needs": record, "post": {}, "shows": None, "answers": 400},
        ]
    return made


ENDPOINTS += _f_endpoints()


def _targets_f(*, household, other_household, places) -> dict:
    import datetime as dt
    from decimal import Decimal

    from neisheng.assistance.models import IndustryParticipation, JobPlacement, WelfarePost

    made = {}
    for suffix, someone in (("", household), ("_elsewhere", other_household)):
        person = someone.members.order_by("birth_date", "person_id").first()
        placement = JobPlacement.objects.create(
            household=someone, person=person, employer="蔬菜大棚合作社", job="采摘", starts_on=dt.date(2026, 3, 1),
            year=2026, months=6, monthly_wage=Decimal(2000))
        post = WelfarePost.objects.create(
            household=someone, person=person, post="保洁员", village_id=someone.village_id,
            starts_on=dt.date(2026, 1, 1), year=2026, months=12, monthly_pay=Decimal(500))
        joined = IndustryParticipation.objects.create(household=someone, name="脆李种植合作社",
                                                      kind="cooperative", joined_on=dt.date(2026, 2, 1))
        made.update({f"f_placement{suffix}": placement.pk, f"f_post{suffix}": post.pk,
                     f"f_industry{suffix}": joined.pk})
    return made


# --- G: microcredit, education aid, insurance ---
def _g_endpoints() -> list[dict]:
    from neisheng.accounts.access import ACTIVITIES_RECORD, PERSONS_READ

    read, record = (PERSONS_READ,), (PERSONS_READ, ACTIVITIES_RECORD)
    made: list[dict] = []
    for label, path, api_path, target in (("loan", "credit", "loans", "g_loan"),
                                          ("education aid", "aid", "education-aid", "g_aid"),
                                          ("insurance", "insurance", "insurance", "g_insurance")):
        page = f"/assistance/{path}/{{t.extra[{target}]}}/"
        made += [
            {"name": f"assistance {label} list", "template": f"/assistance/{path}/", "kind": "list", "needs": read},
            {"name": f"assistance {label} list search", "template": f"/assistance/{path}/?q={{t.household}}",
             "kind": "list", "needs": read},
            {"name": f"assistance {label} list export", "template": f"/assistance/{path}/", "kind": "list",
             "needs": read, "post": {}},
            {"name": f"assistance {label} new", "template": f"/assistance/{path}/new/", "kind": "list",
             "needs": record, "shows": None, "lists_rows": False},
            # Opened from the household's page: elsewhere the household does not exist.
            {"name": f"assistance {label} new for household",
             "template": f"/assistance/{path}/new/?household={{t.household}}", "kind": "detail", "needs": record},
            {"name": f"assistance {label} import", "template": f"/assistance/{path}/import/", "kind": "list",
             "needs": record, "shows": None, "lists_rows": False},
            {"name": f"assistance {label} import template", "template": f"/assistance/{path}/import/?template=1",
             "kind": "list", "needs": record, "shows": None, "lists_rows": False},
            {"name": f"assistance {label} page", "template": page, "kind": "detail", "needs": read},
            {"name": f"API {label} list", "template": f"/api/{api_path}/", "kind": "list", "api": True,
             "needs": read},
            {"name": f"API {label}", "template": f"/api/{api_path}/{{t.extra[{target}]}}/", "kind": "detail",
             "api": True, "needs": read},
        ]
    made += [
        {"name": "assistance loan list overdue", "template": "/assistance/credit/?standing=overdue", "kind": "list",
         "needs": read},
        {"name": "assistance loan repayments import", "template": "/assistance/credit/repayments/import/",
         "kind": "list", "needs": record, "shows": None, "lists_rows": False},
        {"name": "assistance loan repay", "template": "/assistance/credit/{t.extra[g_loan]}/repay/", "kind": "detail",
         "needs": record},
        # An empty body is refused (400) once the loan is found: elsewhere it is not found (404).
        {"name": "API loan repay", "template": "/api/loans/{t.extra[g_loan]}/repay/", "kind": "detail", "api": True,
         "needs": record, "post": {}, "shows": None, "answers": 400},
    ]
    return made


ENDPOINTS += _g_endpoints()


def _targets_g(*, household, other_household, places) -> dict:
    """An overdue loan, a term of aid and an enrolment on each side (written directly:
    the matrix tests who sees them, not how they are recorded)."""
    import datetime as dt
    from decimal import Decimal

    from neisheng.assistance.models import EducationAid, InsuranceEnrolment, Microcredit

    made = {}
    for suffix, someone in (("", household), ("_elsewhere", other_household)):
        person = someone.members.order_by("birth_date", "person_id").first()
        loan = Microcredit.objects.create(household=someone, bank="县农商银行", amount=Decimal(50000),
                                          lent_on=dt.date(2024, 3, 1), due_on=dt.date(2025, 3, 1))
        aid = EducationAid.objects.create(household=someone, person=person, program="yulu", school="县职业教育中心",
                                          year=2026, term="spring", amount=Decimal(1500))
        enrolment = InsuranceEnrolment.objects.create(household=someone, person=person, scheme="basic_medical",
                                                      year=2026, enrolled_on=dt.date(2026, 1, 5),
                                                      subsidy=Decimal(380))
        made.update({f"g_loan{suffix}": loan.pk, f"g_aid{suffix}": aid.pk, f"g_insurance{suffix}": enrolment.pk})
    return made


# --- H: evaluation ---
# Aggregates only, so researchers are let in; the division's code is on the page (and in
# each row of the workbook) for the positive twin, never a household.
ENDPOINTS += [
    dict(name="evaluation", template="/assistance/evaluation/", kind="list", needs=("measures.evaluate",),
         shows=None),
    dict(name="evaluation of a village", template="/assistance/evaluation/?division={t.village}", kind="list",
         needs=("measures.evaluate",), shows="village"),
    dict(name="evaluation export", template="/assistance/evaluation/?division={t.village}", kind="list",
         needs=("measures.evaluate",), shows="village", post={}),
]


def _targets_h(*, household, other_household, places) -> dict:
    """A measure done last year on both sides, so each side's evaluation has a row."""
    import datetime as dt

    from neisheng.measures.models import AssignedMeasure

    for someone in (household, other_household):
        AssignedMeasure.objects.create(household=someone, measure="job_placement", assigned_on=dt.date(2025, 3, 1),
                                       starts_on=dt.date(2025, 3, 10), responsible="县人社局",
                                       state=AssignedMeasure.State.DONE, outcome="在本县务工")
    return {}


def targets(*, household, other_household, places) -> dict:
    made = {}
    for part in (_targets_c, _targets_d, _targets_e, _targets_f, _targets_g, _targets_h):
        made.update(part(household=household, other_household=other_household, places=places))
    return made
