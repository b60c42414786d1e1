"""The demo county's assistance measures and the activities that carry them out (issue 13,
item 6), so a newcomer sees every page of measures and activities with something on it,
coverage with gaps to fix, and an evaluation page that finds what was planted.

Known effects are planted in the synthetic county before it is loaded
(`synth.effects.plant_effects` with DEMO_EFFECTS, in `neisheng demo`): some households
received each measure last year, more often the poorer and larger ones, and their income
of this year rose by the planted share of last year's net income:

    skills_training 15 %, job_placement 25 %, public_welfare_post 10 %,
    industry_support 8 %, morale_support 0 (received, and changes nothing)

Made by the demo logins through the same services the pages, the imports and the API
call, never by writing rows:

- last year's measures as the county recorded them: one per planted receipt, assigned and
  started on its start date, done about two months later with its outcome;
- this year's plans in the demo village in every state: planned, in progress, done with
  its outcome, abandoned with its reason; one household's plan (帮扶计划) with costs and
  funding sources;
- two trainings (one in the demo village, one in its town) with attendance: most
  trainees finished and got a certificate (their has_skill set), one left early;
- a policy lecture and a village council in the demo village, with households attending;
- job placements (greenhouse work at 2,000 yuan a month, as in the seed), public-welfare
  posts (a cleaner of the village), industry participation (a cooperative, shares, a
  base's work), microcredit with repayments and one loan overdue, education aid (雨露计划)
  per student and term, insurance enrolment;
- poor villages and their specialty industries (一村一品), two poor villages left
  without one (coverage gaps);
- one attendance sheet refused, its bad rows named, nothing written.

Activities are given to households that received no planted measure, so the evaluation
compares what was planted (a household may take part in several activities). A county too small for a part (the tiny demo) skips that part
and says so. Dates count back from today (within the demo year).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

DEMO_EFFECTS = {
    "skills_training": 0.15,
    "job_placement": 0.25,
    "public_welfare_post": 0.10,
    "industry_support": 0.08,
    "morale_support": 0.0,
}
# Who carried out each planted measure (a department, as a county's plan names it) and
# what came of it.
RESPONSIBLE = {
    "skills_training": "县人力社保局",
    "job_placement": "县人力社保局",
    "public_welfare_post": "县乡村振兴局",
    "industry_support": "县农业农村委",
    "morale_support": "镇党委",
}
OUTCOMES = {
    "skills_training": "结业并取得职业技能培训合格证书",
    "job_placement": "在县内企业稳定务工",
    "public_welfare_post": "上岗从事村内保洁",
    "industry_support": "种植脆李并加入合作社",
    "morale_support": "参加政策宣讲和示范户分享",
}
PLANTED_DAYS_TO_DONE = 60
ABANDON_REASONS = ("农户全家外出务工,不再需要此项帮扶", "已享受同类政策,避免重复帮扶")


class ShortOfPeople(LookupError):
    pass


@dataclass
class DemoMeasures:
    """What the build made, for the summary, and the seconds each part took."""

    planted: dict[str, int] = field(default_factory=dict)  # measure -> last year's receipts recorded
    by_state: dict[str, int] = field(default_factory=dict)  # every assigned measure by state
    plan_household: str = ""
    trainings: int = 0
    trainees: int = 0
    certificates: int = 0
    training_pk: int | None = None
    meetings: int = 0
    meeting_attendances: int = 0
    placements: int = 0
    posts: int = 0
    industry: int = 0
    loans: int = 0
    repayments: int = 0
    overdue_loans: int = 0
    aid: int = 0
    insurance: int = 0
    poor_villages: int = 0
    village_industries: int = 0
    poor_without_industry: list[str] = field(default_factory=list)
    refused_import: str = ""
    refused_problems: int = 0
    skipped: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The summary printed before the browser opens."""
        planted = ", ".join(f"{k} {v}" for k, v in self.planted.items()) or "—"
        states = ", ".join(f"{k} {v}" for k, v in self.by_state.items())
        lines = [
            f"帮扶措施 measures: {sum(self.by_state.values())} ({states}); 去年植入效果 planted last year: {planted}",
            (f"帮扶活动 activities: 培训 trainings {self.trainings} (学员 trainees {self.trainees}, 证书 certificates "
             f"{self.certificates}), 会议 meetings {self.meetings} ({self.meeting_attendances} 户次 attended), "
             f"就业 placements {self.placements}, 公益岗位 posts {self.posts}, 产业 industry {self.industry}, "
             f"小额信贷 loans {self.loans} (还款 repayments {self.repayments}, 逾期 overdue {self.overdue_loans}), "
             f"教育资助 aid {self.aid}, 参保 insurance {self.insurance}"),
            (f"贫困村 poor villages: {self.poor_villages}, 特色产业 industries {self.village_industries}; "
             f"无产业的贫困村 without an industry: {', '.join(self.poor_without_industry) or '—'}; "
             f"未通过的导入 refused import: {self.refused_import or '—'} ({self.refused_problems} 处问题 problems)"),
        ]
        if self.plan_household:
            lines.append(f"帮扶计划 a household's plan: /assistance/plan/{self.plan_household}/")
        lines += [f"未生成 not built: {why}" for why in self.skipped]
        return lines


def planted_received(planted: pa.Table | None) -> list[dict]:
    """The planted receipts in a fixed order (household, measure)."""
    if planted is None or planted.num_rows == 0:
        return []
    return sorted(planted.to_pylist(), key=lambda r: (r["household_id"], r["measure"], r["person_id"] or ""))


def demo_measures_build(*, home: Path, logins: list[dict], year: int, say: Callable[[str], None] = lambda _: None,
                        planted: pa.Table | None = None) -> DemoMeasures:
    """Everything above, in order; `logins` as accounts.services.demo_users_create
    returned them, `planted` the measures received that synth.effects planted (None: no
    effects were planted, so last year has no measures). One transaction, each part in
    its own savepoint: a part the county is too small for is skipped and named."""
    from django.db import transaction

    from neisheng.accounts.models import User

    users = {u["role"]: User.objects.get(username=u["username"]) for u in logins}
    made = DemoMeasures()
    clock = time.perf_counter()
    today = _today(year)
    ctx = _Context(users=users, today=today, year=year, home=home,
                   taken={r["household_id"] for r in planted_received(planted)})

    parts = [
        ("planted", lambda: _planted_measures(ctx, made, planted_received(planted))),
        ("plans", lambda: _this_years_measures(ctx, made)),
        ("trainings", lambda: _trainings(ctx, made)),
        ("meetings", lambda: _meetings(ctx, made)),
        ("work", lambda: _work(ctx, made)),
        ("industry", lambda: _industry(ctx, made)),
        ("credit", lambda: _credit(ctx, made)),
        ("aid", lambda: _aid(ctx, made)),
        ("insurance", lambda: _insurance(ctx, made)),
        ("villages", lambda: _villages(ctx, made)),
        ("import", lambda: _refused_import(ctx, made)),
    ]
    with transaction.atomic():
        for name, part in parts:
            ctx.used = set()
            try:
                with transaction.atomic():
                    part()
            except ShortOfPeople as short:
                made.skipped.append(f"{name}: {short}")
            made.seconds[name] = time.perf_counter() - clock
            clock = time.perf_counter()
        _count(made)
    say(f"已登记帮扶措施和活动 / measures and activities recorded ({sum(made.by_state.values())} measures)")
    return made


def _today(year: int) -> dt.date:
    """The day the demo is built, kept within the demo year (services refuse future dates)."""
    from django.utils import timezone

    return min(timezone.localdate(), dt.date(year, 12, 31))


@dataclass
class _Context:
    users: dict
    today: dt.date
    year: int
    home: Path
    taken: set[str]  # households whose measures the evaluation compares: no activity for them
    used: set[str] = field(default_factory=set)  # households the current part has given something

    def ago(self, days: int) -> dt.date:
        """`days` before today, never before 1 January of the demo year (unless today is)."""
        return max(self.today - dt.timedelta(days=days), min(dt.date(self.year, 1, 1), self.today))

    @property
    def village(self):
        return self.users["village"].division

    @property
    def town(self):
        return self.village.parent

    def households(self, n: int, *, where: str = "village", why: str) -> list:
        """`n` households of the demo village (or the county), in household-number order,
        none that received a planted measure nor one this part already chose."""
        from neisheng.platform import scope
        from neisheng.registry.models import Household

        user = self.users["county"]
        rows = scope.visible_to(user, Household).filter(members__alive=True).distinct()
        if where == "village":
            rows = rows.filter(village=self.village)
        chosen = []
        for household in rows.order_by("household_id").iterator():
            if household.household_id not in self.taken and household.household_id not in self.used:
                chosen.append(household)
                self.used.add(household.household_id)
                if len(chosen) == n:
                    return chosen
        if not chosen:
            raise ShortOfPeople(f"no household left for {why}")
        return chosen

    def plan_household(self):
        """A lifted or monitored household of the demo village with a cadre, so that its
        printed plan shows recommendations and who helps it; None when there is none."""
        from neisheng.platform import scope
        from neisheng.registry.models import Household

        rows = scope.visible_to(self.users["county"], Household).filter(
            village=self.village, status__in=("monitored", "lifted"), members__alive=True,
            cadre_pairs__ended_on__isnull=True).distinct()
        for household in rows.order_by("household_id").iterator():
            if household.household_id not in self.taken and household.household_id not in self.used:
                self.used.add(household.household_id)
                return household
        return None

    def people(self, n: int, *, why: str, ages: tuple[int, int] = (16, 59), labor: bool = True,
               schooling: tuple[str, ...] = (), extra: dict | None = None, where: str = "county") -> list:
        """`n` living members (one per household, as `households` chooses them), aged
        `ages` at the end of the demo year, labor-capable or in school as asked."""
        from neisheng.platform import scope
        from neisheng.registry.models import Person

        born_after = dt.date(self.year - ages[1] - 1, 12, 31)
        born_by = dt.date(self.year - ages[0], 12, 31)
        rows = scope.visible_to(self.users["county"], Person).filter(
            alive=True, birth_date__gt=born_after, birth_date__lte=born_by, **(extra or {}))
        if labor:
            rows = rows.filter(labor__in=("skilled", "ordinary", "weak"))
        if schooling:
            rows = rows.filter(schooling__in=schooling)
        if where == "village":
            rows = rows.filter(household__village=self.village)
        chosen = []
        for person in rows.select_related("household").order_by("household__village_id", "household_id",
                                                                  "person_id").iterator():
            if person.household_id not in self.taken and person.household_id not in self.used:
                chosen.append(person)
                self.used.add(person.household_id)
                if len(chosen) == n:
                    break
        if not chosen:
            raise ShortOfPeople(f"no one fits {why}")
        return chosen


def _planted_measures(ctx: _Context, made: DemoMeasures, received: list[dict]) -> None:
    """Last year's measures: assigned and started on the planted start date, done about
    two months later with its outcome (the measures the evaluation looks at)."""
    from neisheng.measures import services
    from neisheng.registry.models import Household

    user = ctx.users["county"]
    households = Household.objects.in_bulk({r["household_id"] for r in received}, field_name="household_id")
    counts = Counter(row["measure"] for row in received)
    made.planted = dict(counts)
    many = getattr(services, "measures_done_many", None)
    if many is not None:
        # Thousands of them in a county-sized demo: one bulk write, as an upload would.
        many(user=user, rows=[{
            "household": households[row["household_id"]], "person_id": row["person_id"] or "",
            "measure": row["measure"], "started_on": row["started_on"],
            "done_on": min(row["started_on"] + dt.timedelta(days=PLANTED_DAYS_TO_DONE), ctx.today),
            "responsible": RESPONSIBLE[row["measure"]], "outcome": OUTCOMES[row["measure"]]} for row in received])
        return
    measure_assign, measure_step = services.measure_assign, services.measure_step
    for row in received:
        started = row["started_on"]
        done_on = min(started + dt.timedelta(days=PLANTED_DAYS_TO_DONE), ctx.today)
        measure = measure_assign(user=user, household=households[row["household_id"]], measure=row["measure"],
                                 assigned_on=started, responsible=RESPONSIBLE[row["measure"]],
                                 person_id=row["person_id"] or "", starts_on=started)
        measure_step(user=user, measure=measure, step="start", effective_on=started)
        measure_step(user=user, measure=measure, step="complete", effective_on=done_on,
                     outcome=OUTCOMES[row["measure"]])


def _this_years_measures(ctx: _Context, made: DemoMeasures) -> None:
    """The demo village's plans of this year in every state, and one household's plan
    with costs and funding sources (the printable 帮扶计划)."""
    from neisheng.measures.models import AssignedMeasure
    from neisheng.measures.services import measure_assign, measure_step

    user = ctx.users["village"]
    chosen = ctx.plan_household()
    households = ([chosen] if chosen else []) + ctx.households(8 if chosen else 9, why="this year's measures")
    Funding = AssignedMeasure.Funding
    plan, *others = households
    made.plan_household = plan.household_id
    # The plan: housing, an industry with a loan, insurance for the family, one abandoned.
    housing = measure_assign(user=user, household=plan, measure="housing_renovation", assigned_on=ctx.ago(150),
                             responsible="县住房城乡建委", starts_on=ctx.ago(120), ends_on=ctx.ago(30),
                             cost=Decimal(25000), funding_source=Funding.LINKAGE_FUND, from_recommendation=True)
    measure_step(user=user, measure=housing, step="start", effective_on=ctx.ago(120))
    measure_step(user=user, measure=housing, step="complete", effective_on=ctx.ago(30),
                 outcome="危房改造完成,经验收住房安全")
    industry = measure_assign(user=user, household=plan, measure="industry_support", assigned_on=ctx.ago(100),
                              responsible="县农业农村委", starts_on=ctx.ago(90), cost=Decimal(3000),
                              funding_source=Funding.DEPARTMENT, from_recommendation=True)
    measure_step(user=user, measure=industry, step="start", effective_on=ctx.ago(90))
    measure_assign(user=user, household=plan, measure="microcredit", assigned_on=ctx.ago(20),
                   responsible="县农商行", starts_on=ctx.ago(10), cost=Decimal(50000), funding_source=Funding.CREDIT)
    measure_assign(user=user, household=plan, measure="medical_assistance", assigned_on=ctx.ago(15),
                   responsible="县医保局", responsible_kind=AssignedMeasure.Responsible.DEPARTMENT,
                   from_recommendation=True)
    dropped = measure_assign(user=user, household=plan, measure="public_welfare_post", assigned_on=ctx.ago(80),
                             responsible="村委会")
    measure_step(user=user, measure=dropped, step="abandon", effective_on=ctx.ago(60), reason=ABANDON_REASONS[0])

    plans = [("water_project", "县水利局", "planned"), ("school_return", "县教委", "planned"),
             ("asset_dividend", "县乡村振兴局", "in_progress"), ("medical_assistance", "县医保局", "in_progress"),
             ("housing_renovation", "县住房城乡建委", "done"), ("social_assistance_review", "县民政局", "done"),
             ("industry_support", "县农业农村委", "abandoned"), ("asset_dividend", "县乡村振兴局", "planned")]
    for household, (code, responsible, state) in zip(others, plans):
        measure = measure_assign(user=user, household=household, measure=code, assigned_on=ctx.ago(90),
                                 responsible=responsible, from_recommendation=True)
        if state in ("in_progress", "done"):
            measure_step(user=user, measure=measure, step="start", effective_on=ctx.ago(60))
        if state == "done":
            measure_step(user=user, measure=measure, step="complete", effective_on=ctx.ago(20),
                         outcome="已落实,经回访农户满意")
        if state == "abandoned":
            measure_step(user=user, measure=measure, step="abandon", effective_on=ctx.ago(40),
                         reason=ABANDON_REASONS[1])


def _trainings(ctx: _Context, made: DemoMeasures) -> None:
    """Two courses with attendance: most trainees finish with a certificate, one leaves
    early (no certificate, no skill)."""
    from neisheng.assistance.services.trainings import training_attendance_record, training_create

    courses = [
        (ctx.users["village"], ctx.village.code, "脆李种植与管护技术培训", "果树栽培", "县农广校", "village", 8),
        (ctx.users["town"], ctx.town.code, "电工(初级)职业技能培训", "电工", "县职业教育中心", "county", 10),
    ]
    for user, division, course, skill, trainer, where, n in courses:
        starts, ends = ctx.ago(75), ctx.ago(61)
        training = training_create(user=user, division_code=division, course=course, starts_on=starts, ends_on=ends,
                                   trainer=trainer, skill=skill, venue="镇便民服务中心", organizer="县人力社保局")
        made.training_pk = made.training_pk or training.pk
        trainees = ctx.people(n, why=course, ages=(16, 59), extra={"has_skill": False},
                              where="village" if where == "village" else "county")
        for index, person in enumerate(trainees):
            finished = index != len(trainees) - 1
            training_attendance_record(
                user=user, training=training, person=person, days_attended=(ends - starts).days + 1 if finished else 4,
                completed=finished, certificate_no=f"{ctx.year}{training.pk:03d}{index + 1:04d}" if finished else "",
                certified_on=ends if finished else None, note="" if finished else "外出务工,提前离开")


def _meetings(ctx: _Context, made: DemoMeasures) -> None:
    from neisheng.assistance.models import Meeting
    from neisheng.assistance.services.meetings import meeting_attendance_record, meeting_create

    user = ctx.users["village"]
    households = ctx.households(8, why="meetings")
    for kind, topic, days, host in ((Meeting.Kind.LECTURE, "防返贫监测帮扶政策宣讲", 50, "驻村第一书记"),
                                    (Meeting.Kind.COUNCIL, "村集体经济收益分配方案议事", 25, "村党支部书记")):
        meeting = meeting_create(user=user, division_code=ctx.village.code, kind=kind, held_on=ctx.ago(days),
                                 topic=topic, host=host, minutes="到会农户对方案无异议。")
        for household in households:
            meeting_attendance_record(user=user, meeting=meeting, household=household)


def _work(ctx: _Context, made: DemoMeasures) -> None:
    """Placements (greenhouse work at 2,000 yuan a month) and public-welfare posts."""
    from neisheng.assistance.services.work import placement_record, post_record

    user = ctx.users["county"]
    start = max(dt.date(ctx.year, 3, 1), ctx.ago(240))
    months = max(1, min(8, (ctx.today.year - start.year) * 12 + ctx.today.month - start.month))
    for index, person in enumerate(ctx.people(5, why="job placements", ages=(16, 59))):
        placement_record(user=user, person=person, employer=("巫山县脆李产业园", "县蔬菜大棚基地")[index % 2],
                         job=("果园管护工", "大棚种植工")[index % 2], starts_on=start, months=months,
                         monthly_wage=Decimal(2000))
    for person in ctx.people(4, why="welfare posts", ages=(16, 64), where="village"):
        post_record(user=user, person=person, post="村道保洁员", village=person.household.village_id,
                    starts_on=start, months=months, monthly_pay=Decimal(500))


def _industry(ctx: _Context, made: DemoMeasures) -> None:
    from neisheng.assistance.models import IndustryParticipation
    from neisheng.assistance.services.industry import industry_join

    user = ctx.users["village"]
    Kind = IndustryParticipation.Kind
    joins = [("巫山脆李专业合作社", Kind.COOPERATIVE), ("村集体光伏电站", Kind.SHARES),
             ("县蔬菜大棚基地", Kind.WORK), ("巫山脆李专业合作社", Kind.COOPERATIVE), ("中药材订单种植", Kind.ORDER)]
    for household, (name, kind) in zip(ctx.households(len(joins), why="industry"), joins):
        industry_join(user=user, household=household, name=name, kind=kind, joined_on=ctx.ago(120))


def _credit(ctx: _Context, made: DemoMeasures) -> None:
    """Loans with repayments; one past its due date and not repaid (overdue)."""
    from neisheng.assistance.services.credit import loan_record, loan_repayment_record

    user = ctx.users["county"]
    households = ctx.households(4, why="microcredit")
    for index, household in enumerate(households):
        overdue = index == len(households) - 1 and len(households) > 1
        lent = dt.date(ctx.year - 3, 4, 15) if overdue else ctx.ago(200)
        due = ctx.ago(45) if overdue else lent + dt.timedelta(days=3 * 365)
        loan = loan_record(user=user, household=household, bank="巫山县农村商业银行", amount=Decimal(50000),
                           lent_on=lent, due_on=due, note="扶贫小额信贷,财政贴息")
        paid = [(lent + dt.timedelta(days=365), Decimal(10000))] if overdue else [(ctx.ago(20), Decimal(2000))]
        for paid_on, amount in paid:
            loan_repayment_record(user=user, loan=loan, paid_on=paid_on, amount=amount)


def _aid(ctx: _Context, made: DemoMeasures) -> None:
    """雨露计划 for students of vocational schools and high schools, per term."""
    from neisheng.assistance.models import EducationAid
    from neisheng.assistance.services.aid import education_aid_record

    user = ctx.users["county"]
    students = ctx.people(3, why="education aid", ages=(15, 24), labor=False,
                          schooling=("secondary_vocational", "higher_vocational", "senior", "undergraduate_plus"))
    for student in students:
        terms = [(EducationAid.Term.SPRING, dt.date(ctx.year, 3, 20))]
        if ctx.today >= dt.date(ctx.year, 10, 20):
            terms.append((EducationAid.Term.AUTUMN, dt.date(ctx.year, 10, 20)))
        for term, paid_on in terms:
            if paid_on > ctx.today:
                continue
            education_aid_record(user=user, person=student, program=EducationAid.Program.YULU, year=ctx.year,
                                 term=term, amount=Decimal(1500), school="巫山县职业教育中心", paid_on=paid_on)


def _insurance(ctx: _Context, made: DemoMeasures) -> None:
    """Basic medical insurance for the uninsured (their medical_insured set), else the
    county's 防贫保险 for members of working age."""
    from neisheng.assistance.models import InsuranceEnrolment
    from neisheng.assistance.services.aid import insurance_enrol

    user = ctx.users["county"]
    Scheme = InsuranceEnrolment.Scheme
    try:
        enrolled = [(p, Scheme.BASIC_MEDICAL, Decimal(380)) for p in
                    ctx.people(3, why="insurance", ages=(0, 80), labor=False, extra={"medical_insured": False})]
    except ShortOfPeople:
        enrolled = []
    if len(enrolled) < 3:
        enrolled += [(p, Scheme.ACCIDENT, Decimal(100)) for p in
                     ctx.people(3 - len(enrolled), why="insurance", ages=(16, 64), labor=False)]
    for person, scheme, subsidy in enrolled:
        insurance_enrol(user=user, person=person, scheme=scheme, year=ctx.year, enrolled_on=ctx.ago(30),
                        subsidy=subsidy)


def _villages(ctx: _Context, made: DemoMeasures) -> None:
    """The demo village and every other village of the county are poor villages; each
    has a specialty industry but the last two: one whose industry stopped this year, one
    that never had one (the gaps coverage shows; a county of one village has the first)."""
    from neisheng.assistance.services.villages import (
        poor_village_create,
        village_industry_create,
        village_industry_end,
    )
    from neisheng.platform import scope
    from neisheng.registry.models import Division

    user = ctx.users["county"]
    made.poor_without_industry = []
    villages = list(scope.visible_to(user, Division).filter(level=5).order_by("code"))
    poor = [ctx.village, *[v for v in villages if v.code != ctx.village.code][::2]]
    industries = ("脆李", "柑橘", "中药材", "生态养殖", "高山蔬菜", "烤烟", "核桃", "乡村旅游")
    gaps = min(2, len(poor))
    for index, village in enumerate(poor):
        poor_village_create(user=user, village=village, listed_year=2014)
        gap = index - (len(poor) - gaps)  # 0: the industry stopped, 1: never had one
        if gap < 1:
            industry = village_industry_create(user=user, village=village, name=industries[index % len(industries)],
                                               since=2018)
        if gap == 0:
            village_industry_end(user=user, industry=industry, ended=ctx.year)
        if gap >= 0:
            made.poor_without_industry.append(village.name)


def _refused_import(ctx: _Context, made: DemoMeasures) -> None:
    """An attendance sheet with bad rows (a person not registered, a name that is not the
    registry's, a date that is no date): refused whole, every bad row named."""
    from django.core.files.base import ContentFile

    from neisheng.assistance.models import ActivityImport, Training
    from neisheng.assistance.services.trainings import training_attendance_import
    from neisheng.web.demo_feeds import stranger_id

    user = ctx.users["village"]
    training = Training.objects.filter(division_code=ctx.village.code).order_by("pk").first()
    if training is None:
        raise ShortOfPeople("no training to import attendance for")
    someone = ctx.people(2, why="the refused import", ages=(16, 59), where="village")
    first = someone[0]
    lines = ["证件号码,姓名,出勤天数,是否结业,证书编号,发证日期,备注",
             f"{first.person_id},{first.name},15,是,,{ctx.ago(61).isoformat()},",
             f"{stranger_id(0, '1990-01-01', set())},欧阳振宇,15,是,,,",
             f"{someone[-1].person_id},{someone[-1].name}甲,15,是,,,",
             f"{first.person_id},{first.name},12,否,,2026-13-45,"]
    file = ContentFile("\n".join(lines).encode("utf-8"), name="脆李培训出勤表.csv")
    record = training_attendance_import(user=user, training=training, file=file)
    if record.outcome != ActivityImport.Outcome.REFUSED:
        raise RuntimeError("the demo's bad attendance sheet was not refused")
    made.refused_import = record.file_name
    made.refused_problems = len(record.problems or [])


def _count(made: DemoMeasures) -> None:
    """What is in the database (a part skipped midway wrote nothing)."""
    from django.db.models import Count

    from neisheng.assistance import models
    from neisheng.assistance.services.credit import overdue_loans
    from neisheng.measures.models import AssignedMeasure

    counts = dict(AssignedMeasure.objects.values_list("state").annotate(n=Count("pk")).order_by())
    made.by_state = {state: counts.get(state, 0) for state in AssignedMeasure.State.values}
    made.trainings = models.Training.objects.count()
    made.trainees = models.TrainingAttendance.objects.count()
    made.certificates = models.TrainingAttendance.objects.filter(completed=True).exclude(certificate_no="").count()
    made.meetings = models.Meeting.objects.count()
    made.meeting_attendances = models.MeetingAttendance.objects.count()
    made.placements = models.JobPlacement.objects.count()
    made.posts = models.WelfarePost.objects.count()
    made.industry = models.IndustryParticipation.objects.count()
    made.loans = models.Microcredit.objects.count()
    made.repayments = models.MicrocreditRepayment.objects.count()
    made.overdue_loans = overdue_loans(models.Microcredit.objects.all()).count()
    made.aid = models.EducationAid.objects.count()
    made.insurance = models.InsuranceEnrolment.objects.count()
    made.poor_villages = models.PoorVillage.objects.count()
    made.village_industries = models.VillageIndustry.objects.count()
