"""The demo county's projects (issue 14, item 6): what a county office has once its
projects, their funds and revenue, the distribution of that revenue and the renovation
campaign are on the platform, so a newcomer sees a project's page, a distribution plan
and the audit's findings with something true on them.

Made by the demo logins through the projects' own services (the ones the pages, the
imports and the API call), inside one `audit_batch()` so the checks run once at the end:

- a photovoltaic station (125 kW, run by the demo town) whose electricity sales, about
  130,000 yuan a year, go 30 % to the village collective and the rest per household to
  the poor households of two villages; one household left last year, one joined this year;
- a greenhouse park built with 1,060,000 yuan (central, provincial and county funds),
  leased out, its rent paid per person to 40 households of four villages;
- 1,500,000 yuan of cold-chain equipment put into a company as shares (the county's),
  its yearly dividend weighted: 1.5 for a household without a labor-capable member, 1 else;
- a village's workshop paying 7,000 yuan of rent to its 6 poor households (per household:
  four 1,166.67 and two 1,166.66);
- funds spent against (one expenditure beyond a fund is tried and refused), assets, the
  station's approval (a PDF) and a contract, an agreement and minutes (small text files);
- last year's plans approved and paid; this year's: the village's paid, the station's
  approved with payments pending, the park's under publicity, the shares' a draft;
- the village's plan of last year, kept on paper, imported from its workbook: one
  household paid twice, one that is no beneficiary paid, and one payment left pending
  which the village pays now, to a household whose members have all died;
- about 30 renovations (双提升) priced against the default reference list: a few unit
  prices over the reference, one quantity over the list's maximum, one household over
  the cap, one household that is neither lifted nor monitored; photos before and after,
  some checked on site by the auditor;
- the audit's findings of those, one confirmed and one explained by the auditor.

Dates count back from today (kept within the demo year, as the other demo parts do);
last year's work happened last November and December.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

PV_REVENUE = {-1: Decimal("127836.40"), 0: Decimal("131205.60")}
PARK_RENT = {-1: Decimal("63600.00"), 0: Decimal("63600.00")}
SHARES_DIVIDEND = {-1: Decimal("112500.00"), 0: Decimal("120000.00")}
VILLAGE_RENT = {-1: Decimal("6500.00"), 0: Decimal("7000.00")}
PV_COLLECTIVE_SHARE = Decimal("0.3")
PV_HOUSEHOLDS_PER_VILLAGE = 40
PARK_HOUSEHOLDS = 40
SHARES_HOUSEHOLDS = 40
VILLAGE_HOUSEHOLDS = 6
RENOVATIONS = 30
# More for a household without a member able to work (the county's rule for the shares).
WEIGHT_WITHOUT_LABOR = Decimal("1.5")


class ShortOfHouseholds(LookupError):
    pass


@dataclass
class DemoProjects:
    """What the build made, for the summary and the tests, and the seconds each part took."""

    projects: dict[str, int] = field(default_factory=dict)  # photovoltaic/greenhouse/shares/village/renovation → pk
    plans: dict[str, int] = field(default_factory=dict)  # what the plan shows → pk
    plans_by_state: dict[str, int] = field(default_factory=dict)
    payments_paid: int = 0
    payments_pending: int = 0
    dividend_rows: int = 0
    funds: int = 0
    expenditures: int = 0
    refused_expenditure: str = ""
    renovations: int = 0
    renovation_items: int = 0
    photos: int = 0
    site_checked: int = 0
    findings: dict[str, int] = field(default_factory=dict)
    confirmed: int | None = None
    explained: int | None = None
    deceased_household: str = ""
    skipped: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The summary printed before the browser opens, with the pages to look at."""
        states = ", ".join(f"{k} {v}" for k, v in self.plans_by_state.items())
        findings = ", ".join(f"{k} {v}" for k, v in self.findings.items()) or "—"
        lines = [
            (f"项目 projects: {len(self.projects)} (资金 funds {self.funds}, 支出 expenditures {self.expenditures}, "
             f"超支被拒绝 overspending refused {1 if self.refused_expenditure else 0}); "
             f"分配方案 plans: {sum(self.plans_by_state.values())} ({states}); 分红 payments: 已发放 paid "
             f"{self.payments_paid}, 待发放 pending {self.payments_pending}"),
            (f"双提升改造 renovations: {self.renovations} (明细 items {self.renovation_items}, 照片 photos "
             f"{self.photos}, 入户核查 checked {self.site_checked}); 审计发现 findings: {findings}"),
        ]
        if "photovoltaic" in self.projects:
            lines.append(f"项目页 a project: /projects/{self.projects['photovoltaic']}/")
        if "village" in self.plans:
            lines.append(f"分配方案 a plan: /projects/plans/{self.plans['village']}/")
        lines.append("审计发现 the findings: /projects/audit/")
        lines += [f"未生成 not built: {why}" for why in self.skipped]
        return lines


def demo_projects_build(*, home: Path, logins: list[dict], year: int,
                        say: Callable[[str], None] = lambda _: None) -> DemoProjects:
    """Everything above, in order; `logins` as accounts.services.demo_users_create
    returned them. One transaction; the audit runs once, when the batch ends, then the
    auditor decides two findings."""
    from django.db import transaction

    from neisheng.accounts.models import User
    from neisheng.projects.services.audit import audit_batch

    users = {u["role"]: User.objects.get(username=u["username"]) for u in logins}
    made = DemoProjects()
    ctx = _Context(users=users, today=_today(year), year=year, home=home)
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        made.seconds[name] = time.perf_counter() - clock
        clock = time.perf_counter()

    with transaction.atomic():
        with audit_batch():
            for name, part in (("projects", _projects), ("plans", _plans), ("import", _imported_plan),
                               ("renovations", _renovations)):
                try:
                    if name != "projects" and "workshop" not in ctx.objects:
                        raise ShortOfHouseholds("the projects were not built")
                    with transaction.atomic():
                        part(ctx, made)
                except ShortOfHouseholds as short:
                    made.skipped.append(f"{name}: {short}")
                lap(name)
        lap("audit")
        _decide(ctx, made)
        _count(made)
        lap("decide")
    say(f"已登记项目、收益分配和双提升改造 / projects, distributions and renovations recorded "
        f"({len(made.projects)} projects, {sum(made.plans_by_state.values())} plans, {made.payments_paid} payments "
        f"paid, {made.renovations} renovations, {sum(made.findings.values())} findings)")
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
    objects: dict = field(default_factory=dict)  # what one part made that a later one uses

    def ago(self, days: int) -> dt.date:
        return self.today - dt.timedelta(days=days)

    def last_year(self, month: int, day: int) -> dt.date:
        return dt.date(self.year - 1, month, day)

    @property
    def county(self):
        return self.users["county"].division

    @property
    def town(self):
        return self.users["town"].division

    @property
    def village(self):
        return self.users["village"].division

    def villages(self, n: int) -> list:
        """`n` villages of the demo town (the demo village first), fewer if it has fewer."""
        from neisheng.registry.models import Division

        others = Division.objects.filter(parent=self.town, level=5).exclude(code=self.village.code).order_by("code")
        return [self.village, *others[:n - 1]]

    def households(self, n: int, *, villages: list, why: str, poor: bool = True, avoid: set[str] = frozenset(),
                   per_village: int | None = None) -> list:
        """Up to `n` households with a living member in `villages` (lifted or monitored
        ones first when `poor`, then others), in household-number order, taking from each
        village in turn; those in `avoid` only when nothing else is left."""
        from neisheng.platform import scope
        from neisheng.registry.models import Household

        rows = (scope.visible_to(self.users["county"], Household)
                .filter(village__in=[v.code for v in villages], members__alive=True).distinct()
                .order_by("household_id"))
        statuses = [("lifted", "monitored")] + ([] if poor else [("general",)])
        pools: dict[str, list] = {v.code: [] for v in villages}
        for status in statuses:
            for household in rows.filter(status__in=status).iterator():
                pools[household.village_id].append(household)
        for pool in pools.values():
            pool.sort(key=lambda h: h.household_id in avoid)  # a stable sort: fresh ones first
            if per_village is not None:
                del pool[per_village:]
        chosen = []
        while len(chosen) < n and any(pools.values()):
            for pool in pools.values():
                if pool and len(chosen) < n:
                    chosen.append(pool.pop(0))
        if not chosen:
            raise ShortOfHouseholds(f"no household for {why}")
        return chosen


# --------------------------------------------------------------------------- projects


def _projects(ctx: _Context, made: DemoProjects) -> None:
    """The four projects of the seeds and the renovation campaign, with their funds,
    expenditures, assets, beneficiaries, revenue of two years and a document each."""
    from neisheng.projects.models import Fund, Project, Revenue
    from neisheng.projects.services import projects as services

    Kind, Source = Project.Kind, Fund.Source
    county, town, village = ctx.users["county"], ctx.users["town"], ctx.users["village"]
    y0, y1 = ctx.year, ctx.year - 1

    # The photovoltaic station: the town's, serving the poor households of two villages.
    pv_villages = ctx.villages(2)
    pv = services.project_create(
        user=town, division_code=ctx.town.code, name=f"{ctx.town.name}125千瓦村级光伏扶贫电站",
        kind=Kind.PHOTOVOLTAIC, served_codes=[v.code for v in pv_villages], number=f"GF-{ctx.town.code[:9]}-01",
        description="装机容量125千瓦,并网发电,售电收入的30%归村集体,其余按户分配给受益脱贫户和监测户。",
        started_on=dt.date(2019, 3, 1), completed_on=dt.date(2019, 6, 28), manager=f"{ctx.town.name}人民政府")
    _funds(ctx, made, pv, [(Source.CENTRAL, "600000.00", dt.date(2019, 2, 20), "渝财农〔2019〕12号"),
                           (Source.COUNTY, "280000.00", dt.date(2019, 3, 5), "巫财发〔2019〕31号")],
           spent=[(0, "600000.00", dt.date(2019, 5, 10), "光伏组件及逆变器采购", "重庆某新能源公司"),
                  (1, "236400.00", dt.date(2019, 6, 20), "支架、线缆及并网工程", "县电力安装公司")])
    services.asset_add(user=town, project=pv, name="125千瓦光伏电站", value=Decimal("836400.00"),
                       location=f"{pv_villages[0].name}村委会屋顶及荒坡", holder=f"{ctx.town.name}人民政府",
                       acquired_on=dt.date(2019, 6, 28))
    poor = ctx.households(PV_HOUSEHOLDS_PER_VILLAGE * len(pv_villages), villages=pv_villages, why="the station",
                          per_village=PV_HOUSEHOLDS_PER_VILLAGE)
    # One household moved away last spring, one was identified this year and joined.
    leaver, joiner, stayers = poor[0], poor[-1], poor[1:-1]
    for household in stayers:
        services.beneficiary_add(user=town, project=pv, household=household, starts_on=dt.date(2019, 7, 1))
    left = services.beneficiary_add(user=town, project=pv, household=leaver, starts_on=dt.date(2019, 7, 1))
    services.beneficiary_end(user=town, beneficiary=left, ends_on=dt.date(y1, 4, 30))
    services.beneficiary_add(user=town, project=pv, household=joiner, starts_on=dt.date(y0, 3, 1),
                             note="新识别监测户,经村民代表会议同意纳入")
    _revenue(ctx, pv, Revenue.Kind.ELECTRICITY, PV_REVENUE, payer="国网重庆市电力公司巫山县供电分公司", user=town)

    # The greenhouse park: the town's, built with three funds, leased out, its rent per person.
    park_villages = ctx.villages(4)
    park = services.project_create(
        user=town, division_code=ctx.town.code, name=f"{ctx.town.name}蔬菜大棚产业园",
        kind=Kind.GREENHOUSE, served_codes=[v.code for v in park_villages], number=f"DP-{ctx.town.code[:9]}-01",
        description="建成钢架大棚120亩,整体出租给种植企业,租金按人口分配给四个村的40户受益户。",
        started_on=dt.date(2018, 3, 10), completed_on=dt.date(2018, 10, 30), manager="县蔬菜大棚基地")
    _funds(ctx, made, park, [(Source.CENTRAL, "600000.00", dt.date(2018, 2, 26), "财农〔2018〕8号"),
                             (Source.PROVINCIAL, "300000.00", dt.date(2018, 3, 20), "渝财农〔2018〕45号"),
                             (Source.COUNTY, "160000.00", dt.date(2018, 4, 2), "巫财发〔2018〕17号")],
           spent=[(0, "600000.00", dt.date(2018, 6, 15), "钢架大棚主体工程", "县建筑公司"),
                  (1, "285400.00", dt.date(2018, 9, 1), "滴灌及温控设备", "某农业设备公司"),
                  (2, "94600.00", dt.date(2018, 10, 20), "园区道路和水池", "县建筑公司")])
    services.asset_add(user=town, project=park, name="钢架大棚120亩及配套设施", value=Decimal("980000.00"),
                       location=f"{park_villages[0].name}", holder=f"{ctx.town.name}人民政府",
                       acquired_on=dt.date(2018, 10, 30), note="整体出租,年租金63,600元")
    for household in ctx.households(PARK_HOUSEHOLDS, villages=park_villages, why="the greenhouse park",
                                    avoid={h.household_id for h in poor}):
        services.beneficiary_add(user=town, project=park, household=household, starts_on=dt.date(2019, 1, 1))
    _revenue(ctx, park, Revenue.Kind.RENT, PARK_RENT, payer="巫山县某蔬菜种植有限公司", user=town)

    # Equipment held as shares: the county's, its dividend weighted.
    shares = services.project_create(
        user=county, division_code=ctx.county.code, name="冷链物流设备入股分红项目", kind=Kind.EQUITY_SHARE,
        served_codes=[ctx.county.code], number=f"RG-{ctx.county.code[:6]}-01",
        description="以财政扶贫资金购置冷链物流设备150万元,折股量化入股县农产品物流公司,每年按8%保底分红。",
        started_on=dt.date(2020, 4, 1), completed_on=dt.date(2020, 5, 20), manager="县乡村振兴局")
    _funds(ctx, made, shares, [(Source.PROVINCIAL, "1000000.00", dt.date(2020, 3, 18), "渝财农〔2020〕22号"),
                               (Source.COUNTY, "500000.00", dt.date(2020, 3, 30), "巫财发〔2020〕9号")],
           spent=[(0, "1000000.00", dt.date(2020, 5, 12), "冷库及冷藏车购置", "某冷链设备公司"),
                  (1, "500000.00", dt.date(2020, 5, 18), "分拣包装设备购置", "某冷链设备公司")])
    services.asset_add(user=county, project=shares, name="冷链物流设备(折股150万元)", value=Decimal("1500000.00"),
                       location="县农产品物流园", holder="县农产品物流有限公司", acquired_on=dt.date(2020, 5, 20),
                       note="股权由县乡村振兴局代持")
    shareholders = ctx.households(SHARES_HOUSEHOLDS, villages=_county_villages(ctx), why="the shares")
    for household in shareholders:
        services.beneficiary_add(user=county, project=shares, household=household, starts_on=dt.date(2020, 6, 1))
    _revenue(ctx, shares, Revenue.Kind.DIVIDEND, SHARES_DIVIDEND, payer="县农产品物流有限公司", user=county)

    # The village's workshop, its rent to its 6 poor households.
    workshop = services.project_create(
        user=village, division_code=ctx.village.code, name=f"{ctx.village.name}扶贫车间", kind=Kind.WORKSHOP,
        served_codes=[ctx.village.code], description="村集体建设的扶贫车间,出租给服装加工企业,租金分配给本村6户脱贫户。",
        started_on=dt.date(2020, 8, 1), completed_on=dt.date(2020, 12, 15), manager=f"{ctx.village.name}村民委员会")
    _funds(ctx, made, workshop, [(Source.COLLECTIVE, "80000.00", dt.date(2020, 7, 20), ""),
                                 (Source.SOCIAL, "20000.00", dt.date(2020, 8, 5), "东西部协作捐赠")],
           spent=[(0, "78000.00", dt.date(2020, 11, 30), "车间主体建设", "本村施工队")])
    services.asset_add(user=village, project=workshop, name="扶贫车间300平方米", value=Decimal("78000.00"),
                       location=f"{ctx.village.name}村委会旁", holder=f"{ctx.village.name}股份经济合作社",
                       acquired_on=dt.date(2020, 12, 15))
    six = _six(ctx)
    for household in six:
        services.beneficiary_add(user=village, project=workshop, household=household, starts_on=dt.date(2021, 1, 1))
    _revenue(ctx, workshop, Revenue.Kind.RENT, VILLAGE_RENT, payer="巫山县某服装加工厂", user=village)

    # The renovation campaign (its renovations are made by _renovations).
    campaign = services.project_create(
        user=county, division_code=ctx.county.code, name=f"{ctx.year}年农村住房和人居环境“双提升”工程",
        kind=Kind.INFRASTRUCTURE, served_codes=[ctx.county.code], number=f"SJ-{ctx.year}-01",
        description="对脱贫户和监测户的住房、厨房、厕所和院坝进行改造,按县参考价格表逐项核价。",
        started_on=dt.date(ctx.year, 3, 1), manager="县住房城乡建委")
    _funds(ctx, made, campaign, [(Source.COUNTY, "600000.00", dt.date(ctx.year, 2, 20), f"巫财发〔{ctx.year}〕6号")],
           spent=[(0, "350000.00", min(ctx.ago(20), dt.date(ctx.year, 11, 30)), "第一批改造工程款", "各施工队")])

    made.projects = {"photovoltaic": pv.pk, "greenhouse": park.pk, "shares": shares.pk, "village": workshop.pk,
                     "renovation": campaign.pk}
    ctx.objects.update(pv=pv, park=park, shares=shares, workshop=workshop, campaign=campaign, six=six,
                       shareholders=shareholders, pv_households=poor)
    _documents(ctx, {"photovoltaic": pv, "greenhouse": park, "shares": shares, "village": workshop})
    _refused_expenditure(ctx, made, park)


def _six(ctx: _Context) -> list:
    """The village's 6 poor households: the one with the fewest living members (whose
    deaths the imported plan's late payment follows), then the first five others."""
    from django.db.models import Count, Q

    from neisheng.registry.models import Household

    poor = ctx.households(VILLAGE_HOUSEHOLDS * 5, villages=[ctx.village], why="the village's workshop")
    if len(poor) < VILLAGE_HOUSEHOLDS:
        raise ShortOfHouseholds(f"{ctx.village.name} has only {len(poor)} poor households")
    alive = dict(Household.objects.filter(pk__in=[h.pk for h in poor])
                 .annotate(n=Count("members", filter=Q(members__alive=True))).values_list("pk", "n"))
    smallest = min(poor, key=lambda h: (alive[h.pk], h.household_id))
    return [smallest, *[h for h in poor if h is not smallest][:VILLAGE_HOUSEHOLDS - 1]]


def _county_villages(ctx: _Context) -> list:
    from neisheng.registry.models import Division

    return list(Division.objects.filter(level=5, code__startswith=ctx.county.prefix).order_by("code"))


def _funds(ctx: _Context, made: DemoProjects, project, funds: list, *, spent: list) -> None:
    from neisheng.projects.services import projects as services

    user = _user_for(ctx, project)
    made_funds = [services.fund_add(user=user, project=project, source=source, amount=Decimal(amount),
                                    received_on=received_on, document_no=document_no)
                  for source, amount, received_on, document_no in funds]
    for index, amount, spent_on, purpose, payee in spent:
        services.expenditure_add(user=user, fund=made_funds[index], amount=Decimal(amount), spent_on=spent_on,
                                 purpose=purpose, payee=payee, voucher_no=f"{spent_on:%Y%m}-{index + 1:03d}")
        made.expenditures += 1
    made.funds += len(made_funds)


def _user_for(ctx: _Context, project):
    """The login of the project's own division (who records and plans for it)."""
    return next(user for user in (ctx.users["village"], ctx.users["town"], ctx.users["county"])
                if user.division_id == project.division_code)


def _approver_for(ctx: _Context, project):
    """The level above the project's division, which approves its plans."""
    level_above = {ctx.village.code: "town", ctx.town.code: "county"}
    return ctx.users[level_above.get(project.division_code, "admin")]


def _revenue(ctx: _Context, project, kind, amounts: dict[int, Decimal], *, payer: str, user) -> None:
    from neisheng.projects.services import projects as services

    for offset, amount in amounts.items():
        received_on = ctx.last_year(11, 10) if offset else ctx.ago(70)
        services.revenue_add(user=user, project=project, year=ctx.year + offset, kind=kind, amount=amount,
                             received_on=received_on, payer=payer)


DOCUMENTS = {
    "greenhouse": ("大棚租赁合同", "大棚租赁合同.txt",
                   "出租方:{town}人民政府\n承租方:巫山县某蔬菜种植有限公司\n租期五年,年租金63,600元,每年11月支付。\n"),
    "shares": ("入股分红协议", "入股分红协议.txt",
               "甲方:县乡村振兴局(代持)\n乙方:县农产品物流有限公司\n设备折股150万元,每年按8%保底分红。\n"),
    "village": ("村民代表会议记录", "村民代表会议记录.txt",
                "议题:扶贫车间租金分配\n决定:租金按户平均分配给本村6户脱贫户。\n"),
}


def _documents(ctx: _Context, projects: dict) -> None:
    """The station's approval (立项批复) as a one-page PDF; a contract, an agreement and
    the minutes of a council as small text files for the others."""
    from django.core.files.base import ContentFile

    from neisheng.projects.services import projects as services

    station = projects["photovoltaic"]
    services.document_add(user=_user_for(ctx, station), project=station, title="立项批复",
                          file=ContentFile(_approval_pdf(station), name="立项批复.pdf"))
    for key, (title, name, text) in DOCUMENTS.items():
        project = projects[key]
        services.document_add(user=_user_for(ctx, project), project=project, title=title,
                              file=ContentFile(text.format(town=ctx.town.name).encode("utf-8"), name=name))


def _approval_pdf(project) -> bytes:
    """Rendered once (WeasyPrint, as the platform's printed plans are): the fonts the
    printed plans use, nothing fetched."""
    from html import escape

    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = (f"<html><body style='font-family: \"WenQuanYi Micro Hei\", sans-serif'><h1>关于{escape(project.name)}的"
            f"立项批复</h1><p>{escape(project.description)}</p><p>经研究,同意立项。</p>"
            f"<p>{escape(project.manager)}</p></body></html>")
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=["data"])).write_pdf()


def _refused_expenditure(ctx: _Context, made: DemoProjects, project) -> None:
    """An expenditure beyond what the park's county fund still holds: refused, nothing written."""
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from neisheng.projects.models import Fund
    from neisheng.projects.services import projects as services

    fund = Fund.objects.get(project=project, source=Fund.Source.COUNTY)
    try:
        with transaction.atomic():
            services.expenditure_add(user=_user_for(ctx, project), fund=fund, amount=Decimal("80000.00"),
                                     spent_on=ctx.ago(60), purpose="大棚棚膜更换", payee="某农业设备公司")
    except ValidationError as refused:
        made.refused_expenditure = "; ".join(refused.messages)
    else:
        raise RuntimeError("an expenditure beyond its fund was not refused")


# --------------------------------------------------------------------------- plans


def _plans(ctx: _Context, made: DemoProjects) -> None:
    """Last year's plans of the station, the park and the shares approved and paid; this
    year's: the village's 7,000 yuan paid, the station's approved with payments pending,
    the park's under publicity, the shares' a draft."""
    from neisheng.projects.models import DistributionPlan, Revenue

    o = ctx.objects
    Method = DistributionPlan.Method
    weights = _shares_weights(o["shareholders"])

    def revenue(project, year):
        return Revenue.objects.get(project=project, year=year)

    last = ctx.year - 1
    for project, method, share, plan_weights, title in (
            (o["pv"], Method.PER_HOUSEHOLD, PV_COLLECTIVE_SHARE, None, "光伏电站售电收益分配方案"),
            (o["park"], Method.PER_PERSON, Decimal(0), None, "蔬菜大棚租金分配方案"),
            (o["shares"], Method.WEIGHTED, Decimal(0), weights, "冷链设备入股分红分配方案")):
        plan = _draft(ctx, project, revenue(project, last), plan_on=ctx.last_year(11, 20), share=share,
                      method=method, weights=plan_weights, title=f"{last}年度{title}")
        _review(ctx, plan, start=ctx.last_year(11, 20))
        _approve(ctx, plan, on=ctx.last_year(11, 28))
        _pay_all(ctx, plan, on=ctx.last_year(12, 5))

    # This year's, one in each state.
    village = _draft(ctx, o["workshop"], revenue(o["workshop"], ctx.year), plan_on=ctx.ago(50), share=Decimal(0),
                     method=Method.PER_HOUSEHOLD, title=f"{ctx.year}年度扶贫车间租金分配方案")
    _review(ctx, village, start=ctx.ago(50))
    _approve(ctx, village, on=ctx.ago(42))
    _pay_all(ctx, village, on=ctx.ago(35))
    made.plans["village"] = village.pk

    station = _draft(ctx, o["pv"], revenue(o["pv"], ctx.year), plan_on=ctx.ago(30), share=PV_COLLECTIVE_SHARE,
                     method=Method.PER_HOUSEHOLD, title=f"{ctx.year}年度光伏电站售电收益分配方案")
    _review(ctx, station, start=ctx.ago(30))
    _approve(ctx, station, on=ctx.ago(22))
    _pay_some(ctx, station, on=ctx.ago(15))
    made.plans["photovoltaic"] = station.pk

    park = _draft(ctx, o["park"], revenue(o["park"], ctx.year), plan_on=ctx.ago(5), share=Decimal(0),
                  method=Method.PER_PERSON, title=f"{ctx.year}年度蔬菜大棚租金分配方案")
    _review(ctx, park, start=ctx.ago(5))
    made.plans["greenhouse"] = park.pk

    shares = _draft(ctx, o["shares"], revenue(o["shares"], ctx.year), plan_on=ctx.ago(1), share=Decimal(0),
                    method=Method.WEIGHTED, weights=weights, title=f"{ctx.year}年度冷链设备入股分红分配方案")
    made.plans["shares"] = shares.pk


def _shares_weights(households: list) -> dict[str, Decimal]:
    """1.5 for a household with no living member able to work, 1 for the others."""
    from neisheng.engine.schema import LABOR_CAPABLE
    from neisheng.registry.models import Person

    ids = [h.household_id for h in households]
    working = set(Person.objects.filter(household_id__in=ids, alive=True, labor__in=LABOR_CAPABLE)
                  .values_list("household_id", flat=True))
    return {h: (Decimal(1) if h in working else WEIGHT_WITHOUT_LABOR) for h in ids}


def _draft(ctx: _Context, project, revenue, *, plan_on, share, method, title, weights=None):
    from neisheng.projects.services.plans import plan_draft

    return plan_draft(user=_user_for(ctx, project), project=project, revenue=revenue, plan_on=plan_on,
                      collective_share=share, method=method, weights=weights, title=title)


def _review(ctx: _Context, plan, *, start: dt.date) -> None:
    """Submitted on `start`, agreed by the council the next day, posted the day after for
    the policy's days."""
    from neisheng.projects.services.plans import (
        plan_review_decide,
        plan_review_publicise,
        plan_submit,
    )

    user = _user_for(ctx, plan.project)
    plan_submit(user=user, plan=plan, submitted_on=start)
    plan_review_decide(user=user, plan=plan, decision="agreed", council_on=start + dt.timedelta(days=1),
                       note="村民代表会议一致同意")
    plan_review_publicise(user=user, plan=plan, start_on=start + dt.timedelta(days=2))


def _approve(ctx: _Context, plan, *, on: dt.date) -> None:
    from neisheng.projects.services.plans import plan_approve

    plan_approve(user=_approver_for(ctx, plan.project), plan=plan, approved_on=on, note="同意")


def _pay_all(ctx: _Context, plan, *, on: dt.date) -> None:
    from neisheng.projects.services.plans import plan_pay_all

    plan_pay_all(user=_user_for(ctx, plan.project), plan=plan, paid_on=on)


def _pay_some(ctx: _Context, plan, *, on: dt.date) -> None:
    """A third of the payments made (one at a time, as a cashier records them), the rest pending."""
    from neisheng.projects.models import Payment
    from neisheng.projects.services.plans import payment_pay

    payments = list(Payment.objects.filter(plan=plan).order_by("household_id", "pk"))
    for index, payment in enumerate(payments[:max(1, len(payments) // 3)]):
        payment_pay(user=_user_for(ctx, plan.project), payment=payment, paid_on=on,
                    voucher_no=f"FH{on:%Y%m%d}{index + 1:03d}")


# --------------------------------------------------------------------------- the imported plan


def _imported_plan(ctx: _Context, made: DemoProjects) -> None:
    """The village's plan of last year, kept on paper before the platform: imported as
    recorded. One household is paid twice, one household that is no beneficiary is paid,
    and the payment of one household, left pending on paper, is paid now, after all its
    members died (the registry records the deaths first, as the village would)."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from neisheng.projects.imports_plans import PAYMENT_COLUMNS, plan_import
    from neisheng.projects.models import Payment, Revenue
    from neisheng.projects.services.plans import payment_pay
    from neisheng.registry.models import Person
    from neisheng.registry.services import person_update

    user = ctx.users["village"]
    workshop, six = ctx.objects["workshop"], ctx.objects["six"]
    revenue = Revenue.objects.get(project=workshop, year=ctx.year - 1)
    stranger = ctx.households(1, villages=[ctx.village], poor=False, why="a payee who is no beneficiary",
                              avoid={h.household_id for h in six}, per_village=None)[0]
    if stranger.household_id in {h.household_id for h in six}:
        raise ShortOfHouseholds("no household of the village outside the workshop's six")
    # The household of the six with the fewest living members (_six); its payment was left unpaid.
    bereaved = six[0]
    paid_on = ctx.last_year(12, 18)
    each = (revenue.amount / len(six)).quantize(Decimal("0.01"))
    rows = [(h.household_id, each, None if h is bereaved else paid_on) for h in six]
    rows.append((six[1].household_id, each, paid_on))  # the same household a second time
    rows.append((stranger.household_id, each, paid_on))  # on the list, though no beneficiary
    workbook = _workbook([c.zh_header for c in PAYMENT_COLUMNS],
                         [(h, float(a), d, f"村记{i + 1:03d}" if d else "") for i, (h, a, d) in enumerate(rows)])
    record = plan_import(user=user, project=workshop, revenue=revenue, plan_on=ctx.last_year(12, 10),
                         collective_amount=Decimal(0), file=ContentFile(workbook, name=f"{ctx.year - 1}年车间租金发放表.xlsx"),
                         title=f"{ctx.year - 1}年度扶贫车间租金分配(纸质台账导入)",
                         note="平台启用前在村账簿上手工编制,启用后按原样导入")
    if record.outcome != record.Outcome.APPLIED:
        raise RuntimeError(f"the demo's imported plan was refused: {record.problems}")
    made.plans["imported"] = record.plan.pk

    # The deaths, through the registry's one write path, then the payment left pending.
    for person in Person.objects.filter(household_id=bereaved.household_id, alive=True):
        person_update(user=user, person=person, values={"alive": False})
    pending = Payment.objects.get(plan=record.plan, household_id=bereaved.household_id, state=Payment.State.PENDING)
    # The registry dates a death by the day it learned of it (projects.people): today,
    # whatever the demo's year, so the payment that follows is dated today too.
    payment_pay(user=user, payment=pending, paid_on=timezone.localdate(), voucher_no="补发001")
    made.deceased_household = bereaved.household_id


def _workbook(header: list[str], rows: list[tuple]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------- renovations


# A renovation's lines, turn by turn: (item code, quantity). Codes L.. are labour, M.. material.
ORDINARY_LINES = [
    [("L01", "6"), ("L06", "8"), ("M01", "2"), ("M05", "40")],
    [("L02", "4"), ("M10", "2"), ("M12", "6"), ("L04", "3"), ("M07", "4")],
    [("L03", "3"), ("M13", "120"), ("M16", "12"), ("M17", "5")],
    [("L01", "5"), ("L05", "2"), ("M18", "1"), ("M06", "20"), ("M09", "2")],
    [("L01", "4"), ("M19", "1"), ("M14", "30"), ("M15", "15")],
    [("L06", "10"), ("M21", "60"), ("M02", "4"), ("M03", "3")],
]
# One household's renovation at the list's largest quantities: within every item's price
# and maximum, over the cap as a whole (21,800 yuan).
OVER_CAP_LINES = [("L01", "30"), ("L02", "20"), ("M19", "1"), ("M18", "1"), ("M12", "20")]
# Renovations (by turn) with their last material line priced over the reference by this
# factor, or its quantity this many times the list's maximum.
OVER_PRICE = {3: Decimal("1.25"), 9: Decimal("1.20"), 15: Decimal("1.18")}
OVER_QUANTITY = {6: Decimal("1.3")}
OVER_CAP = 12
CONTRACTORS = ("巫山县某建筑劳务队", "本村施工队", "巫山县某装饰工程公司")


def _renovations(ctx: _Context, made: DemoProjects) -> None:
    """About 30 renovations of the campaign, priced against the county's default list;
    photos of the first ten, most of those checked on site by the auditor."""
    from django.core.files.base import ContentFile

    from neisheng.platform import scope
    from neisheng.projects.models import RenovationItem, RenovationPhoto
    from neisheng.projects.services.prices import price_list_default
    from neisheng.projects.services.renovations import (
        renovation_item_add,
        renovation_photo_add,
        renovation_record,
        renovation_site_check,
    )
    from neisheng.registry.models import Household

    county, auditor = ctx.users["county"], ctx.users["auditor"]
    prices = {item.item_code: item for item in price_list_default(division_code=ctx.county.code, user=county)
              .items.all()}
    villages = _county_villages(ctx)
    households = ctx.households(RENOVATIONS - 1, villages=villages, why="renovations")
    # One household that is neither lifted nor monitored (renovation_not_eligible).
    general = (scope.visible_to(county, Household).filter(village__in=[v.code for v in villages], status="general",
                                                           members__alive=True)
               .order_by("household_id").first())
    if general is None:
        raise ShortOfHouseholds("no general household to renovate")
    households.append(general)
    before, after = _photo("before"), _photo("after")
    for index, household in enumerate(households):
        done_on = ctx.ago(30 + (index * 7) % 150)
        renovation = renovation_record(user=county, household=household, done_on=done_on,
                                       contractor=CONTRACTORS[index % len(CONTRACTORS)],
                                       project=ctx.objects["campaign"],
                                       note="一般户,经村民代表会议同意纳入" if household is general else "")
        lines = OVER_CAP_LINES if index == OVER_CAP else ORDINARY_LINES[index % len(ORDINARY_LINES)]
        odd = [code for code, _ in lines if code.startswith("M")][-1]
        for code, quantity in lines:
            reference = prices[code]
            price, quantity = reference.reference_price, Decimal(quantity)
            if code == odd and index in OVER_PRICE:
                price = (price * OVER_PRICE[index]).quantize(Decimal("0.01"))
            elif index % 4 == 1:
                price = (price * Decimal("0.95")).quantize(Decimal("0.01"))  # bargained below the list
            if code == odd and index in OVER_QUANTITY:
                quantity = (reference.max_quantity * OVER_QUANTITY[index]).quantize(Decimal(1))
            renovation_item_add(user=county, renovation=renovation, item_code=code,
                                kind=RenovationItem.Kind.LABOR if code.startswith("L") else RenovationItem.Kind.MATERIAL,
                                quantity=quantity, unit_price=price)
        if index < 10:
            renovation_photo_add(user=county, renovation=renovation, moment=RenovationPhoto.Moment.BEFORE,
                                 file=ContentFile(before, name="改造前.png"), caption="改造前的厨房")
            renovation_photo_add(user=county, renovation=renovation, moment=RenovationPhoto.Moment.AFTER,
                                 file=ContentFile(after, name="改造后.png"), caption="改造后的厨房")
        if index < 8:
            checked_on = min(done_on + dt.timedelta(days=10), ctx.today)
            found = index not in OVER_QUANTITY
            renovation_site_check(user=auditor, renovation=renovation, checked_on=checked_on, checked=found,
                                  remarks="与登记一致" if found else "现场所见用量明显少于登记数量,与登记不符")


def _photo(moment: str) -> bytes:
    """A small picture standing for a photo: a grey, cracked wall before; a white wall
    with a window after."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (160, 120), (128, 118, 104) if moment == "before" else (236, 236, 228))
    draw = ImageDraw.Draw(image)
    if moment == "before":
        draw.line([(30, 10), (55, 50), (40, 80), (70, 118)], fill=(60, 50, 40), width=3)
    else:
        draw.rectangle([(60, 30), (110, 75)], fill=(150, 200, 235), outline=(90, 90, 90), width=3)
        draw.rectangle([(0, 100), (160, 120)], fill=(180, 160, 130))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


# --------------------------------------------------------------------------- the audit


def _decide(ctx: _Context, made: DemoProjects) -> None:
    """The auditor confirms a payment made twice and explains a price over the reference."""
    from neisheng.projects.models import AuditFinding
    from neisheng.projects.services.audit import finding_confirm, finding_explain

    auditor = ctx.users["auditor"]
    findings = AuditFinding.objects.filter(cleared_at__isnull=True, state=AuditFinding.State.NEW).order_by("pk")
    twice = findings.filter(rule=AuditFinding.Check.DUPLICATE_PAYMENT).first()
    if twice is not None:
        finding_confirm(user=auditor, finding=twice, on=ctx.today, note="经核对发放凭证,确属重复发放,已责令收回")
        made.confirmed = twice.pk
    price = findings.filter(rule=AuditFinding.Check.RENOVATION_PRICE).first()
    if price is not None:
        finding_explain(user=auditor, finding=price, on=ctx.today,
                        reason="该户位于高山地区,材料需人工背运,经入户核实单价含运费,属合理")
        made.explained = price.pk


def _count(made: DemoProjects) -> None:
    from django.db.models import Count

    from neisheng.projects import models
    from neisheng.registry.models import IncomeItem

    states = dict(models.DistributionPlan.objects.values_list("state").annotate(n=Count("pk")).order_by())
    made.plans_by_state = {state: states.get(state, 0) for state in models.DistributionPlan.State.values}
    made.payments_paid = models.Payment.objects.filter(state=models.Payment.State.PAID).count()
    made.payments_pending = models.Payment.objects.filter(state=models.Payment.State.PENDING).count()
    made.dividend_rows = IncomeItem.objects.filter(item="dividend", source__startswith="project:").count()
    made.renovations = models.Renovation.objects.count()
    made.renovation_items = models.RenovationItem.objects.count()
    made.photos = models.RenovationPhoto.objects.count()
    made.site_checked = models.Renovation.objects.filter(site_checked=True).count()
    made.findings = dict(Counter(models.AuditFinding.objects.filter(cleared_at__isnull=True)
                                 .values_list("rule", flat=True)))
