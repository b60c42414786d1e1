"""The demo county's village poverty councils (扶贫理事会, issue 16, item 3), made by the
demo logins through the councils' own services (the ones the pages and the API call), in
two villages of the demo town (the demo village and the next one, the two the town's
photovoltaic station serves):

- the demo village's council, registered by the village cadre, with six members: four
  villagers (会长, 副会长, 秘书长, 理事) and two named from outside (the first secretary
  as 理事, a retired teacher as 监事); one villager left in the spring to work away and a
  neighbour took the role (the row kept with the day and the reason);
- the neighbouring village's council, registered by the town, with four members;
- a year of meetings: the demo village's council meets about every other month (more than
  the policy's `councils.meetings_per_year`), the other three times, one of them last
  December, so its figures show a meeting short;
- at each meeting the members in office that day and a rotating group of the village's
  households came: each household that did not yet take part in village affairs now does,
  through the registry's write path (its history names the meeting);
- the villagers' suggestions and demands raised at the meetings and a few on their own,
  each answered by an office on a day: most closed within the policy's answer days (some
  with a first reply before the closing one), every fourth closed late (after a first
  reply), the newest still open and one older demand open past the answer days;
- the councils' supervision notes on the projects and distribution plans of their
  villages (demo_projects made them; none when it did not), one noting a concern.

Dates count back from today, kept within the demo year as the other demo parts do.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# (kind, category, text): what villagers raise at a council's meetings (seed 001, 许营镇).
ITEMS = (
    ("demand", "infrastructure", "三组到村委会的便道雨天泥泞,请求硬化"),
    ("suggestion", "policy", "建议把小额信贷政策印成明白纸发到每户"),
    ("demand", "livelihood", "独居老人家中漏雨,请求帮助维修屋顶"),
    ("suggestion", "industry", "建议合作社统一收购脆李,避免压价"),
    ("demand", "assistance", "希望帮扶责任人每月至少上门一次"),
    ("suggestion", "funds", "建议光伏收益分配名单在村务公开栏公示满七天"),
    ("demand", "infrastructure", "四组饮水管道冬天冻裂,请求更换保温管"),
    ("suggestion", "industry", "建议组织一次电商培训,教大家网上卖土特产"),
    ("demand", "policy", "孩子上大学的雨露计划补助还没到账,请求核实"),
    ("suggestion", "other", "建议在村委会旁设一个农家书屋"),
    ("demand", "livelihood", "残疾人护理补贴停发,请求核查原因"),
    ("suggestion", "assistance", "建议脱贫示范户和后进户结对,一起学技术"),
    ("demand", "funds", "扶贫车间租金分红比去年少,请求说明"),
    ("suggestion", "infrastructure", "建议在学校路口装一盏路灯"),
    ("demand", "industry", "公益岗位人员变动没有公示,请求公开"),
)
# (responder, what was done): the first reply, and the closing one.
REPLIES = (
    ("村民委员会", "已记录,报请乡镇研究"),
    ("驻村工作队", "已上门了解情况,正在协调"),
)
CLOSINGS = (
    ("镇交通办", "已纳入今年通组路硬化计划并完工,村民验收合格"),
    ("村民委员会", "已印制明白纸,由网格员逐户发放并讲解"),
    ("镇民政办", "已安排危房改造资金,屋顶已修好"),
    ("村股份经济合作社", "已与收购商签订保底收购协议"),
    ("驻村工作队", "已调整帮扶责任人走访计划,每月上门并在台账签字"),
    ("村民委员会", "分配名单已在村务公开栏公示七天,无异议"),
    ("镇水利站", "已更换保温管,恢复供水"),
    ("县商务委", "已在村里办了两期电商培训,32人参加"),
    ("县教委资助中心", "经核实补助已于本月发放到户"),
    ("村民委员会", "已利用村委会闲置房间设立农家书屋"),
    ("县残联", "经核查是信息未更新,已补发停发月份的补贴"),
    ("村民委员会", "已在村民大会上确定三对结对户"),
    ("村股份经济合作社", "已在村民大会上说明租金下降原因并公示账目"),
    ("镇建设办", "已安装太阳能路灯一盏"),
    ("镇人力社保所", "已在公开栏补公示公益岗位人员名单"),
)
MEETINGS = (  # (kind, topic, minutes)
    ("policy", "宣讲防止返贫监测和帮扶政策", "驻村第一书记讲解监测对象的识别标准和帮扶措施,发放政策明白纸。"),
    ("hearing", "听取群众意见和诉求", "逐组收集群众的意见建议和困难诉求,当场登记,明确答复时限。"),
    ("pairing", "结对帮扶安排", "理事会成员与困难户结对,约定每月走访一次,帮助解决生产生活困难。"),
    ("assessment", "参与脱贫户收入评议和数据核查", "对本村脱贫户和监测户的收入台账逐户评议,核对家庭人口和务工情况。"),
    ("supervision", "监督项目收益分配", "核对光伏电站和扶贫车间收益分配名单、金额和公示情况。"),
    ("regular", "理事会例会", "通报上次会议群众诉求的办理情况,安排下一阶段工作。"),
)
A_MEETINGS = 7  # the demo village's council: about every other month
B_MEETINGS = 3  # the other: three, one of them last December
HOUSEHOLDS_PER_MEETING = 8
A_WALK_IN = 2  # items raised on their own, between meetings


@dataclass
class DemoCouncils:
    """What the build made, for the summary and the tests, and the seconds it took."""

    year: int = 0
    councils: dict[str, int] = field(default_factory=dict)  # village code -> council pk
    village_names: dict[str, str] = field(default_factory=dict)
    members: int = 0
    members_ended: int = 0
    meetings: dict[str, int] = field(default_factory=dict)  # village code -> meetings
    attendance: int = 0
    affairs_set: int = 0
    items: dict[str, int] = field(default_factory=dict)  # kind -> count
    closed_on_time: int = 0
    closed_late: int = 0
    open: int = 0
    open_overdue: int = 0
    responses: int = 0
    notes: int = 0
    concerns: int = 0
    item_late: int | None = None  # a demand closed after the answer days, for the screenshots
    seconds: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        if not self.councils:
            return []
        per_village = ", ".join(f"{self.village_names.get(code, code)} {n}" for code, n in self.meetings.items())
        items = ", ".join(f"{kind} {n}" for kind, n in self.items.items())
        first = next(iter(self.councils.values()))
        return [
            (f"扶贫理事会 village councils: {len(self.councils)} ({self.members} members, {self.members_ended} left); "
             f"会议 meetings {sum(self.meetings.values())} ({per_village}), 到会 attendance {self.attendance}, "
             f"参与村集体事务 newly taking part in village affairs {self.affairs_set}"),
            (f"建议和诉求 suggestions and demands: {sum(self.items.values())} ({items}); 按时办结 on time "
             f"{self.closed_on_time}, 超期办结 late {self.closed_late}, 未办结 open {self.open} "
             f"(超期 overdue {self.open_overdue}); 监督记录 supervision notes {self.notes} "
             f"(需跟进 concerns {self.concerns})"),
            f"理事会 a council: /councils/{first}/ — 各村和乡镇汇总 the figures: /councils/?year={self.year}",
        ]


def _today(year: int) -> dt.date:
    from django.utils import timezone

    return min(timezone.localdate(), dt.date(year, 12, 31))


def meeting_days(today: dt.date, n: int) -> list[dt.date]:
    """`n` days spread from early in the year (or, early in a year, the last eleven months)
    to five days before `today`, oldest first."""
    first = dt.date(today.year, 1, 12)
    if (today - first).days < 120:
        first = today - dt.timedelta(days=330)
    last = today - dt.timedelta(days=5)
    span = (last - first).days
    return [first + dt.timedelta(days=round(span * k / max(n - 1, 1))) for k in range(n)]


def demo_councils_build(*, home: Path, logins: list[dict], year: int,
                        say: Callable[[str], None] = lambda _: None) -> DemoCouncils:
    """The two councils and their year, in one transaction; `logins` as
    accounts.services.demo_users_create returned them."""
    from django.db import transaction

    from neisheng.accounts.models import User
    from neisheng.registry.models import Division

    users = {u["role"]: User.objects.get(username=u["username"]) for u in logins}
    made = DemoCouncils(year=year)
    today = _today(year)
    village_user, town_user = users["village"], users["town"]
    village = Division.objects.get(code=village_user.division_id)
    neighbour = (Division.objects.filter(parent_id=town_user.division_id, level=village.level)
                 .exclude(code=village.code).order_by("code").first())
    clock = time.perf_counter()
    with transaction.atomic():
        plans = [(village, village_user, A_MEETINGS, dt.date(year - 3, 4, 15), True)]
        if neighbour is not None:
            plans.append((neighbour, town_user, B_MEETINGS, dt.date(year - 2, 9, 1), False))
        for division, user, meetings, founded, main in plans:
            _council(user=user, town_user=town_user, village=division, meetings=meetings, founded=founded,
                     today=today, main=main, made=made)
            made.seconds[division.code] = time.perf_counter() - clock
            clock = time.perf_counter()
    say(f"已登记扶贫理事会及其会议、建议诉求和监督记录 / the village councils recorded ({len(made.councils)} councils, "
        f"{sum(made.meetings.values())} meetings, {sum(made.items.values())} suggestions and demands)")
    return made


def _people(village_code: str) -> list:
    """A living adult of each household of the village (its head when alive), in
    household order."""
    from neisheng.registry.models import Person

    chosen: dict[str, object] = {}
    for person in (Person.objects.filter(household__village_id=village_code, alive=True)
                   .order_by("household_id", "birth_date", "person_id")):
        if person.household_id not in chosen or person.relation == "head":
            chosen[person.household_id] = person
    return list(chosen.values())


def _council(*, user, town_user, village, meetings: int, founded: dt.date, today: dt.date, main: bool,
             made: DemoCouncils) -> None:
    from neisheng.councils import services
    from neisheng.councils.models import Attendance
    from neisheng.engine.councils import answer_days

    council = services.council_create(
        user=user, division_code=village.code, name=f"{village.name}扶贫理事会", founded_on=founded,
        purpose="宣传扶贫政策,结对帮扶困难户,参与评议和数据核查,监督项目和收益分配,收集群众意见建议和诉求并跟踪答复。")
    made.councils[village.code] = council.pk
    made.village_names[village.code] = village.name
    people = _people(village.code)
    if len(people) < 4:
        return
    # Members: villagers from the village's households and named outsiders.
    roles = ["president", "vice", "secretary", "director"] if main else ["president", "secretary"]
    members = [services.member_add(user=user, council=council, role=role, starts_on=founded, person=person)
               for role, person in zip(roles, people, strict=False)]
    members.append(services.member_add(user=user, council=council, role="director", starts_on=founded,
                                       name="刘建国", affiliation="驻村第一书记"))
    members.append(services.member_add(user=user, council=council, role="supervisor", starts_on=founded,
                                       name="陈德明" if main else "周玉兰", affiliation="退休教师"))
    days = meeting_days(today, meetings)
    if not main:
        days = [dt.date(today.year - 1, 12, 10), *days[1:]] if len(days) > 1 else days
    if main and len(people) > len(roles) and len(days) > 2:
        # A director leaves to work away in the spring; a neighbour takes the role.
        left_on = days[1] + dt.timedelta(days=10)
        members[3] = services.member_end(user=user, member=members[3], ends_on=left_on,
                                         reason="外出务工,无法参加理事会活动")
        members.append(services.member_add(user=user, council=council, role="director",
                                           starts_on=left_on + dt.timedelta(days=1), person=people[len(roles)]))
        made.members_ended += 1
    made.members += len(members)
    households = [p.household_id for p in people]
    texts = ITEMS if main else ITEMS[5:12]
    limit = services_answer_days(today.year)
    raised = []
    for index, held_on in enumerate(days):
        kind, topic, minutes = MEETINGS[index % len(MEETINGS)]
        came = [m for m in members if m.current_on(held_on)]
        start = (index * HOUSEHOLDS_PER_MEETING // 2) % len(households)
        group = (households[start:] + households[:start])[:HOUSEHOLDS_PER_MEETING]
        meeting = services.meeting_record(user=user, council=council, held_on=held_on, kind=kind, topic=topic,
                                          minutes=minutes, members=came, households=group)
        made.meetings[village.code] = made.meetings.get(village.code, 0) + 1
        rows = list(Attendance.objects.filter(meeting=meeting).values_list("affairs_set", flat=True))
        made.attendance += len(rows)
        made.affairs_set += sum(rows)
        # Two items at each meeting (one at the last), from the pool in turn.
        for turn in range(1 if index == len(days) - 1 else 2):
            number = len(raised)
            if number >= len(texts):
                break
            item_kind, category, text = texts[number]
            household = group[(turn + 1) % len(group)]
            raised.append(services.item_raise(
                user=user, council=council, kind=item_kind, category=category, text=text, meeting=meeting,
                household=household, raised_by=_name_of(people, household)))
    if main:
        # A few raised on their own, between meetings (at the village committee's office).
        for extra in range(A_WALK_IN):
            number = len(raised)
            if number >= len(texts) or len(days) < 3:
                break
            item_kind, category, text = texts[number]
            day = days[-2 - extra] + dt.timedelta(days=9)
            household = households[-1 - extra]
            raised.append(services.item_raise(user=user, council=council, kind=item_kind, category=category,
                                              text=text, raised_on=min(day, today), household=household,
                                              raised_by=_name_of(people, household)))
    # The answers: most on time, every fourth late, the newest open, one old demand left open.
    raised.sort(key=lambda item: (item.raised_on, item.pk))
    left_open_old = next((i for i in raised[len(raised) // 2:] if i.kind == "demand"), None)
    for number, item in enumerate(raised):
        if item is left_open_old:
            reply = REPLIES[number % len(REPLIES)]
            services.item_respond(user=town_user, item=item, responded_on=item.raised_on + dt.timedelta(days=4),
                                  responder=reply[0], action=reply[1])
            made.responses += 1
            continue
        late = number % 4 == 3
        took = limit + 6 + number % 9 if late else 2 + (number * 5) % (limit - 2)
        closes_on = item.raised_on + dt.timedelta(days=took)
        if (late or number % 3 == 0) and took > 3:
            reply = REPLIES[number % len(REPLIES)]
            services.item_respond(user=town_user, item=item, responded_on=item.raised_on + dt.timedelta(days=2),
                                  responder=reply[0], action=reply[1])
            made.responses += 1
        if closes_on > today:
            continue
        responder, action = CLOSINGS[ITEMS.index((item.kind, item.category, item.text)) % len(CLOSINGS)]
        services.item_respond(user=town_user, item=item, responded_on=closes_on, responder=responder, action=action,
                              closes=True)
        made.responses += 1
        if late and item.kind == "demand" and made.item_late is None:
            made.item_late = item.pk
    for item in raised:
        item.refresh_from_db(fields=["closed_on"])
        made.items[item.kind] = made.items.get(item.kind, 0) + 1
        days_taken = answer_days(item.raised_on, item.closed_on)
        if days_taken is None:
            made.open += 1
            made.open_overdue += (today - item.raised_on).days > limit
        elif days_taken <= limit:
            made.closed_on_time += 1
        else:
            made.closed_late += 1
    _notes(user=town_user, council=council, village=village.code, days=days, today=today, made=made)


def services_answer_days(year: int) -> int:
    from neisheng.councils.selectors import policy_of

    return policy_of(year).councils_answer_days


def _name_of(people: list, household_id: str) -> str:
    return next((p.name for p in people if p.household_id == household_id), "")


NOTES = (
    ("发电收入台账与电费结算单", "本年度售电收入与供电公司结算单一致,收入已入村集体账户。", False),
    ("收益分配名单、金额和公示", "分配名单经村民代表会议通过并公示七天;一户去年已迁出仍在名单上,已请村委会更正。", True),
    ("租金收取和分配", "租金按合同按时收取,分配到户金额与公示一致。", False),
)


def _notes(*, user, council, village: str, days: list[dt.date], today: dt.date, made: DemoCouncils) -> None:
    """Supervision notes on the village's projects and their plans, as the town sees
    them (none when the demo's projects were not built)."""
    from neisheng.councils import services
    from neisheng.platform import scope
    from neisheng.projects.models import DistributionPlan, Project

    projects = [p for p in scope.visible_to(user, Project, ancestors=True).order_by("pk")
                if p.kind in ("photovoltaic", "workshop") and services.project_concerns_village(p, village)]
    written = 0
    for project in projects:
        plan = (scope.visible_to(user, DistributionPlan, ancestors=True)
                .filter(project=project, plan_on__lte=today).order_by("-plan_on", "-pk").first())
        checked_on = max(days[-1] if days else today, plan.plan_on if plan else today - dt.timedelta(days=30))
        checked_on = min(checked_on + dt.timedelta(days=1), today)
        checked, finding, concern = NOTES[0] if project.kind == "photovoltaic" else NOTES[2]
        services.note_record(user=user, council=council, checked_on=checked_on - dt.timedelta(days=1),
                             checked=checked, finding=finding, project=project)
        written += 1
        if plan is not None and project.kind == "photovoltaic":
            checked, finding, concern = NOTES[1]
            services.note_record(user=user, council=council, checked_on=checked_on, checked=checked,
                                 finding=finding, concern=concern, plan=plan)
            written += 1
            made.concerns += concern
    made.notes += written
