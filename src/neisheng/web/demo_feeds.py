"""The demo county's department feeds (issue 12, item 7): what a county office has once
its departments send their lists, so a newcomer sees the feed pages, the review queue
and the findings with something on them — and the findings on the dashboard.

Eleven feeds from eight departments, made from the demo registry as a department would
send them (feeds.md's layouts, Chinese headers; Excel files and GB18030 CSV files, as
county offices' systems export them), written to `<home>/demo-feeds/` and uploaded and
applied by the department login through the feeds services, as the upload page does:

- most rows carry the person's ID number and link exactly; a few have it missing, two
  digits transposed or one digit wrong, the name written with a homophone or in
  traditional characters, so some link probably and some wait in the review queue; a
  few people are not in the registry at all;
- each rule of feeds.md fires at least once (and some rows sit just below a threshold,
  so they do not): a death of a person still alive in the registry, assistance paid
  after that death, dibao paid to a household that is not dibao, a car of a lifted
  household's member, a company shareholder, urban property, two children missing from
  the school roll (which lists every other child), high school fees, in-patient self-pay
  over both thresholds, an out-patient month over its threshold, three persons the
  insurance roll says are not insured, a new serious illness, a disaster loss;
- one malformed feed refused with its bad rows named (nothing applied);
- then the decisions, by the roles that make them: some findings confirmed, two of them
  opened as department_screening cases, one written to the income ledger, one
  dismissed with a reason; one review pair accepted (which raises its finding), one
  rejected, the rest left in the queue.

Persons are chosen in a fixed order, each household at most once and none with an open
case, so every build makes the same feeds from the same registry.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from neisheng.engine.feeds import DEPARTMENTS, FEED_TYPES

FOLDER = "demo-feeds"
# Homophones for the last character of a given name (同音字): how a clerk who heard a
# name writes it. Only characters of the demo's names need an entry.
HOMOPHONES = {"明": "铭", "华": "桦", "军": "君", "平": "萍", "英": "瑛", "强": "蔷", "红": "宏", "梅": "玫",
              "兰": "岚", "静": "靖", "丽": "莉", "燕": "艳", "斌": "彬", "霞": "侠", "刚": "钢", "波": "博",
              "民": "敏", "兴": "星", "杰": "洁", "福": "富", "胜": "晟", "东": "冬", "国": "帼", "俊": "骏",
              "玲": "琳", "勇": "永", "文": "雯", "海": "凯"}
NOT_IN_REGISTRY = (("欧阳振宇", "1979-03-14"), ("司马红霞", "1988-11-02"), ("诸葛文龙", "1965-07-21"),
                   ("上官秀琴", "1992-01-30"), ("端木建军", "1970-09-09"))


class ShortOfHouseholds(LookupError):
    pass


@dataclass
class DemoFeeds:
    """What the feeds' build made, for the summary, and the seconds each part took."""

    files: dict[str, str] = field(default_factory=dict)  # feed type -> file name
    departments: int = 0
    rows: int = 0
    by_match: dict[str, int] = field(default_factory=dict)
    rejected: str = ""
    rejected_problems: int = 0
    findings_by_rule: dict[str, int] = field(default_factory=dict)
    confirmed: int = 0
    cases: int = 0
    dismissed: int = 0
    ledger_written: int = 0
    review_accepted: int = 0
    review_rejected: int = 0
    # Set when the county is too small for the feeds' plan (a demo of a few dozen
    # households): the demo goes on without feeds and says so.
    skipped: str = ""
    review_waiting: int = 0
    folder: str = ""
    seconds: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The summary printed before the browser opens."""
        if self.skipped:
            return [f"部门数据 department feeds: 未生成 not built ({self.skipped})"]
        match = ", ".join(f"{k} {v}" for k, v in self.by_match.items())
        rules = ", ".join(f"{k} {v}" for k, v in self.findings_by_rule.items())
        return [
            (f"部门数据 department feeds: {len(self.files)} 份 files, {self.departments} 个部门 departments, "
             f"{self.rows} 行 rows ({match}); 未通过 refused: {self.rejected} ({self.rejected_problems} 处问题 "
             f"problems); 文件 files in {self.folder}"),
            (f"比对线索 findings: {sum(self.findings_by_rule.values())} ({rules}); 已确认 confirmed "
             f"{self.confirmed}, 转为案件 cases {self.cases}, 写入台账 ledger {self.ledger_written}, "
             f"已排除 dismissed {self.dismissed}"),
            (f"人工核对 review queue: 确认 accepted {self.review_accepted}, 否定 rejected {self.review_rejected}, "
             f"待核对 waiting {self.review_waiting}"),
        ]


def ago(days: int) -> dt.date:
    from django.utils import timezone

    return timezone.localdate() - dt.timedelta(days=days)


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def homophone(name: str) -> str:
    """`name` with the last character of the given name that has a homophone replaced
    (李明 → 李铭); the name itself when none has."""
    for i in range(len(name) - 1, 0, -1):
        if name[i] in HOMOPHONES:
            return name[:i] + HOMOPHONES[name[i]] + name[i + 1:]
    return name


def traditional(name: str) -> str:
    from opencc import OpenCC

    return OpenCC("s2t").convert(name)


def transposed(id_number: str) -> str:
    """Two neighbouring digits of the sequence swapped (the commonest typing error),
    or the sequence's last digit changed when they are equal."""
    digits = list(id_number)
    for i in (14, 15, 12, 13):
        if digits[i] != digits[i + 1]:
            digits[i], digits[i + 1] = digits[i + 1], digits[i]
            return "".join(digits)
    digits[16] = str((int(digits[16]) + 2) % 10)
    return "".join(digits)


def one_digit_wrong(id_number: str) -> str:
    digits = list(id_number)
    digits[13] = str((int(digits[13]) + 3) % 10)
    return "".join(digits)


def stranger_id(n: int, birth: str, taken: set[str]) -> str:
    """A well-formed ID number of the county that no registry person holds."""
    from neisheng import ids

    sequence = 901 + 2 * n
    while True:
        first17 = f"500237{birth.replace('-', '')}{sequence:03d}"
        number = first17 + ids.check_digit(first17)
        if number not in taken:
            return number
        sequence += 20


# --------------------------------------------------------------------------- the registry, as picked from


@dataclass
class Member:
    person_id: str
    name: str
    birth_date: dt.date
    alive: bool
    disability_grade: int
    household_id: str
    status: str
    category: str
    town: str
    address: str


def _town_of(village_code: str, towns: dict[str, str]) -> str:
    return next((name for prefix, name in towns.items() if village_code.startswith(prefix)), "")


class Registry:
    """The county's persons in a fixed order, handed out so that no household is used
    twice and none with an open case (a confirmed finding may open one)."""

    def __init__(self, county) -> None:
        from neisheng.cases.models import MonitoringCase
        from neisheng.registry.models import Division, Person

        towns = {town.prefix: town.name for town in Division.objects.filter(level=4, code__startswith=county.prefix)}
        rows = (Person.objects.filter(household__village__code__startswith=county.prefix)
                .order_by("person_id")
                .values_list("person_id", "name", "birth_date", "alive", "disability_grade", "household_id",
                             "household__status", "household__category", "household__village__code",
                             "household__village__name"))
        self.members = [
            Member(pid, name, birth, alive, grade or 0, hid, status, category, _town_of(village, towns),
                   f"{county.name}{_town_of(village, towns)}{village_name}")
            for pid, name, birth, alive, grade, hid, status, category, village, village_name in rows
        ]
        self.ids = {m.person_id for m in self.members}
        # Spread the picks over the county rather than its first village.
        self.members.sort(key=lambda m: _digest(m.person_id))
        busy = set(MonitoringCase.objects.values_list("household_id", flat=True))
        self.used_households: set[str] = set(busy)

    def take(self, *, status: Iterable[str] | None = None, category: Iterable[str] | None = None,
             adult: bool = True, today: dt.date, homophone_able: bool = False) -> Member:
        for m in self.members:
            if m.household_id in self.used_households or not m.alive:
                continue
            if status is not None and m.status not in status:
                continue
            if category is not None and m.category not in category:
                continue
            age = today.year - m.birth_date.year
            if adult and not 20 <= age <= 70:
                continue
            if homophone_able and homophone(m.name) == m.name:
                continue
            self.used_households.add(m.household_id)
            return m
        raise ShortOfHouseholds("演示县的农户不够 / the demo county has too few households for its feeds")


# --------------------------------------------------------------------------- the files


def _row(m: Member | None, *, name: str | None = None, id_number: str | None = None, birth: bool = True,
         address: bool = True, **own) -> dict:
    values = {
        "证件号码": m.person_id if id_number is None and m is not None else (id_number or ""),
        "姓名": name if name is not None else (m.name if m else ""),
        "出生日期": m.birth_date if (m is not None and birth) else "",
        "住址": m.address if (m is not None and address) else "",
    }
    values.update(own)
    return values


def _headers(feed_type: str) -> list[str]:
    return [c.header_zh for c in FEED_TYPES[feed_type].all_columns]


def _text(value) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


def write_xlsx(path: Path, feed_type: str, rows: list[dict]) -> None:
    """An Excel workbook as a department's system exports it: dates as date cells, ID
    numbers as text."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(FEED_TYPES[feed_type].label_zh)
    headers = _headers(feed_type)
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) if isinstance(row.get(h), dt.date) else _text(row.get(h)) for h in headers])
    book.save(path)


def write_csv(path: Path, feed_type: str, rows: list[dict]) -> None:
    """A CSV in GB18030, the encoding of most county offices' Windows exports."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    headers = _headers(feed_type)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_text(row.get(h)) for h in headers])
    path.write_bytes(out.getvalue().encode("gb18030"))


# --------------------------------------------------------------------------- the feeds


@dataclass
class Plan:
    """The feeds to send, and who was picked for what (for the decisions afterwards)."""

    feeds: list[tuple[str, str, list[dict]]] = field(default_factory=list)  # (type, file name, rows)
    to_confirm: list[tuple[str, str]] = field(default_factory=list)  # (rule, person_id)
    to_case: list[tuple[str, str]] = field(default_factory=list)
    to_ledger: tuple[str, str] | None = None
    to_dismiss: tuple[str, str, str] | None = None  # (rule, person_id, reason)


def demo_feeds_plan(registry: Registry, *, policy, today: dt.date) -> Plan:
    """Every feed's rows, from the registry and the policy's thresholds."""
    plan = Plan()
    take = registry.take
    year = today.year
    # Dates inside this calendar year, however early in it the demo is built.
    first_of_year = dt.date(year, 1, 1)

    def this_year(days: int) -> dt.date:
        return max(ago(days), first_of_year)

    def add(feed_type: str, extension: str, rows: list[dict]) -> None:
        plan.feeds.append((feed_type, f"{FEED_TYPES[feed_type].label_zh}-{today:%Y%m}.{extension}", rows))

    strangers = [(name, dt.date.fromisoformat(birth), stranger_id(n, birth, registry.ids))
                 for n, (name, birth) in enumerate(NOT_IN_REGISTRY)]

    def stranger(n: int, **own) -> dict:
        name, birth, number = strangers[n]
        return {"证件号码": number, "姓名": name, "出生日期": birth, "住址": "", **own}

    # Public security: deaths. One of the dead was still paid assistance afterwards.
    paid_after_death = take(category=["dibao"], today=today)
    died = take(today=today)
    add("death", "xlsx", [
        _row(paid_after_death, 死亡日期=ago(95)),
        _row(died, 死亡日期=ago(20)),
    ])
    plan.to_confirm.append(("deceased_alive", died.person_id))

    # Civil affairs: last month's dibao and tekun payments, one to a household that is
    # neither, and one to the person who died three months ago.
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    payments = []
    paid = [m for m in registry.members if m.category in ("dibao", "tekun") and m.alive
            and m.household_id not in registry.used_households]
    heads: dict[str, Member] = {}
    for m in paid:
        heads.setdefault(m.household_id, m)
    for m in list(heads.values())[:40]:
        payments.append(_row(m, 救助类别="低保" if m.category == "dibao" else "特困", 月份=last_month,
                             金额="720.00" if m.category == "dibao" else "1150.00"))
    not_dibao = take(category=["ordinary"], status=["general"], today=today)
    payments.append(_row(not_dibao, 救助类别="低保", 月份=last_month, 金额="720.00"))
    payments.append(_row(paid_after_death, 救助类别="低保", 月份=last_month, 金额="720.00"))
    add("social_assistance", "csv", payments)
    plan.to_ledger = ("assistance_category_mismatch", not_dibao.person_id)
    plan.to_confirm.append(("assistance_category_mismatch", not_dibao.person_id))

    # Vehicle registration: a lifted household's car, a monitored household's truck;
    # vehicles that raise nothing.
    car = take(status=["lifted"], today=today)
    truck = take(status=["monitored"], today=today)
    motorcycle = take(status=["lifted"], today=today)
    general_car = take(status=["general"], today=today)
    add("vehicle", "xlsx", [
        _row(car, 号牌="渝D·3K815", 车辆类型="小汽车", 登记日期=ago(200)),
        _row(truck, 号牌="渝D·7H226", 车辆类型="货车", 登记日期=ago(75)),
        _row(motorcycle, 号牌="渝D·Q0937", 车辆类型="摩托车", 登记日期=ago(400)),
        _row(general_car, 号牌="渝D·5M302", 车辆类型="小汽车", 登记日期=ago(30)),
    ])
    plan.to_confirm.append(("vehicle_owner", car.person_id))

    # Market regulation: a shareholder (dismissed: the company was closed), a manager.
    shareholder = take(status=["monitored"], today=today)
    manager = take(status=["lifted"], today=today)
    general_boss = take(status=["general"], today=today)
    add("company", "csv", [
        _row(shareholder, 企业名称="巫山县青岭种养殖专业合作社", 身份="股东"),
        _row(manager, 企业名称="巫山县福田农产品有限公司", 身份="高管"),
        _row(general_boss, 企业名称="巫山县江南建材有限公司", 身份="法定代表人"),
    ])
    plan.to_dismiss = ("company_role", shareholder.person_id,
                       "该合作社已于去年注销,股东身份系历史登记,经核实本人无经营收入")

    # Housing: an urban flat of a lifted household's member; property that raises nothing.
    owner = take(status=["lifted"], today=today)
    rural_owner = take(status=["lifted"], today=today)
    general_owner = take(status=["general"], today=today)
    add("property", "xlsx", [
        _row(owner, 房产坐落="巫山县高唐街道广东中路88号3单元502", 面积="89.5", 城镇房产="是"),
        _row(rural_owner, 房产坐落=rural_owner.address, 面积="120", 城镇房产="否"),
        _row(general_owner, 房产坐落="巫山县龙门街道春晓路16号", 面积="102.3", 城镇房产="是"),
    ])
    plan.to_confirm.append(("urban_property", owner.person_id))

    # Education: the autumn term's roll lists every child of school age but two.
    reference = policy.reference_date
    youngest, oldest = policy.feeds_school_age_from, policy.feeds_school_age_to

    def age(m: Member) -> int:
        return reference.year - m.birth_date.year - ((m.birth_date.month, m.birth_date.day)
                                                    > (reference.month, reference.day))

    children = sorted((m for m in registry.members if m.alive and youngest <= age(m) <= oldest),
                      key=lambda m: m.person_id)
    missing = [m for m in children if m.disability_grade not in (1, 2)
               and m.household_id not in registry.used_households][:2]
    registry.used_households.update(m.household_id for m in missing)
    roll = [_row(m, 学校=f"{m.town}{'中心小学' if age(m) <= 11 else '中学'}",
                 年级=f"{age(m) - 5}年级" if age(m) <= 11 else f"初{age(m) - 11}" if age(m) <= 14 else "初三",
                 学期=f"{year}秋季")
            for m in children if m not in missing]
    add("school_roll", "xlsx", roll)
    if missing:
        plan.to_confirm.append(("child_not_in_school", missing[0].person_id))

    over = Decimal(str(policy.feeds_school_fees_over))
    fees_high, fees_at, fees_low = (take(today=today) for _ in range(3))
    add("school_fees", "csv", [
        _row(fees_high, 年度=str(year), 自付学费=str(over + Decimal(2500))),
        _row(fees_at, 年度=str(year), 自付学费=str(over)),  # not over: no finding
        _row(fees_low, 年度=str(year), 自付学费="3200"),
    ])

    # Medical insurance: claims summed over the year or the month, each rule once just
    # over and once just under; rows whose person must be found without a right ID
    # number, and three strangers. (The rows that need the probabilistic model are kept
    # to this feed and the disaster feed: a feed whose rows all link by ID number skips
    # the model, which keeps the demo quick.)
    lifted_limit = Decimal(str(policy.feeds_inpatient_lifted))
    other_limit = Decimal(str(policy.feeds_inpatient_other))
    month_limit = Decimal(str(policy.feeds_outpatient_month))
    inpatient_lifted = take(status=["lifted", "monitored"], today=today)
    inpatient_under = take(status=["lifted", "monitored"], today=today)
    inpatient_other = take(status=["general"], today=today)
    outpatient = take(today=today)
    outpatient_under = take(today=today)
    traditional_form = take(today=today)
    homophone_only = take(today=today, homophone_able=True)
    swapped = take(today=today, homophone_able=True)
    month_start = today.replace(day=1) - dt.timedelta(days=1)
    month_start = month_start.replace(day=1)
    claims = [
        _row(inpatient_lifted, 类别="住院", 结算日期=this_year(120), 个人自付=str(lifted_limit * Decimal("0.6"))),
        _row(inpatient_lifted, 类别="住院", 结算日期=this_year(35), 个人自付=str(lifted_limit * Decimal("0.45"))),
        _row(inpatient_under, 类别="住院", 结算日期=this_year(50), 个人自付=str(lifted_limit - 100)),
        _row(inpatient_other, 类别="住院", 结算日期=this_year(80), 个人自付=str(other_limit)),
        _row(outpatient, 类别="门诊", 结算日期=month_start, 个人自付=str(month_limit - 200)),
        _row(outpatient, 类别="门诊", 结算日期=month_start + dt.timedelta(days=14), 个人自付="260.00"),
        _row(outpatient_under, 类别="门诊", 结算日期=month_start + dt.timedelta(days=3),
             个人自付=str(month_limit - Decimal("0.01"))),
        # Found without the ID number: the name in traditional characters, with the birth date.
        _row(traditional_form, name=traditional(traditional_form.name), id_number="", 类别="门诊",
             结算日期=this_year(10), 个人自付="86.50"),
        # A homophone and one wrong digit, no birth date: for a person to decide.
        _row(homophone_only, name=homophone(homophone_only.name), id_number=one_digit_wrong(homophone_only.person_id),
             birth=False, 类别="门诊", 结算日期=this_year(12), 个人自付="132.00"),
        # Two digits transposed and the name written with a homophone.
        _row(swapped, name=homophone(swapped.name), id_number=transposed(swapped.person_id), 类别="门诊",
             结算日期=this_year(8), 个人自付="64.00"),
        stranger(0, 类别="门诊", 结算日期=this_year(25), 个人自付="120.00"),
        stranger(1, 类别="住院", 结算日期=this_year(70), 个人自付="3100.00"),
        stranger(2, 类别="住院", 结算日期=this_year(60), 个人自付="6400.00"),
        stranger(3, 类别="门诊", 结算日期=this_year(15), 个人自付="95.00"),
    ]
    add("medical_claims", "xlsx", claims)
    plan.to_confirm.append(("inpatient_self_pay", inpatient_lifted.person_id))
    plan.to_case.append(("inpatient_self_pay", inpatient_lifted.person_id))

    # The year's insurance roll: every living person of the county, three of them not insured.
    uninsured = [take(today=today) for _ in range(3)]
    no = {m.person_id for m in uninsured}
    insured = [_row(m, birth=False, address=False, 年度=str(year), 已参保="否" if m.person_id in no else "是")
               for m in sorted((m for m in registry.members if m.alive), key=lambda m: m.person_id)]
    add("insurance_roll", "csv", insured)

    # Health: a serious illness diagnosed this autumn (new), one two years ago (not).
    ill = take(status=["lifted", "monitored"], today=today)
    ill_long_ago = take(today=today)
    add("serious_illness", "xlsx", [
        _row(ill, 诊断="急性心肌梗死", 确诊日期=ago(45)),
        _row(ill_long_ago, 诊断="2型糖尿病", 确诊日期=ago(730)),
    ])
    plan.to_confirm.append(("new_serious_illness", ill.person_id))
    plan.to_case.append(("new_serious_illness", ill.person_id))

    # Emergency management: this summer's flood, losses at, above and below the threshold;
    # two rows the clerk could not give an ID number for, only the name and the village.
    at_least = Decimal(str(policy.feeds_disaster_loss_at_least))
    flooded = [take(status=["lifted", "monitored"], today=today) for _ in range(3)]
    unsure = [take(today=today) for _ in range(3)]
    add("disaster", "csv", [
        _row(flooded[0], 受灾日期=ago(100), 损失金额=str(at_least + 3600)),
        _row(flooded[1], 受灾日期=ago(100), 损失金额=str(at_least)),
        _row(flooded[2], 受灾日期=ago(100), 损失金额="3000.00"),
        *(_row(m, id_number="", birth=False, 受灾日期=ago(100), 损失金额=str(at_least + 1000 * (n + 1)))
          for n, m in enumerate(unsure)),
        stranger(4, 受灾日期=ago(100), 损失金额="7200.00"),
    ])
    plan.to_confirm.append(("disaster_loss", flooded[0].person_id))
    return plan


def _malformed(registry: Registry, *, today: dt.date) -> bytes:
    """A disaster feed typed by hand: a date that does not exist, a loss in words and a
    row without a name — refused as a whole, each bad row named."""
    people = registry.members[:3]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_headers("disaster"))
    writer.writerow([people[0].person_id, people[0].name, "", "", f"{today.year}-02-30", "6000"])
    writer.writerow([people[1].person_id, people[1].name, "", "", ago(100).isoformat(), "六千元"])
    writer.writerow([people[2].person_id, "", "", "", ago(100).isoformat(), "5200"])
    return out.getvalue().encode("gb18030")


# --------------------------------------------------------------------------- the whole build


def demo_feeds_build(*, home: Path, logins: list[dict], say: Callable[[str], None] = lambda _: None) -> DemoFeeds:
    """Everything above, in order; `logins` as accounts.services.demo_users_create
    returned them. One transaction: the feeds are there whole or not at all."""
    from django.db import transaction

    from neisheng.accounts.models import User

    users = {u["role"]: User.objects.get(username=u["username"]) for u in logins}
    made = DemoFeeds()
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        made.seconds[name] = made.seconds.get(name, 0.0) + now - clock
        clock = now

    try:
        with transaction.atomic():
            _build(home=home, users=users, made=made, lap=lap, say=say)
    except ShortOfHouseholds as short:
        return DemoFeeds(skipped=str(short))
    return made


def _build(*, home: Path, users, made: DemoFeeds, lap, say) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from neisheng.feeds.models import Feed
    from neisheng.feeds.services import feed_apply, feed_upload
    from neisheng.monitoring.policies import policy_current

    today = timezone.localdate()
    clerk = users["department"]
    registry = Registry(clerk.division)
    plan = demo_feeds_plan(registry, policy=policy_current().policy, today=today)
    folder = home / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    made.folder = str(folder)
    for feed_type, file_name, rows in plan.feeds:
        path = folder / file_name
        (write_xlsx if file_name.endswith(".xlsx") else write_csv)(path, feed_type, rows)
        made.files[feed_type] = file_name
    lap("files")

    for feed_type, file_name, _ in plan.feeds:
        feed = feed_upload(user=clerk, uploaded_file=SimpleUploadedFile(file_name, (folder / file_name).read_bytes()),
                           feed_type=feed_type)
        if feed.status != Feed.Status.PENDING:
            raise RuntimeError(f"演示数据 {file_name} 未通过 / the demo feed {file_name} was refused: "
                               f"{feed.issues[:3]}")
        feed = feed_apply(feed=feed, user=clerk)
        if feed.status != Feed.Status.APPLIED:
            raise RuntimeError(f"演示数据 {file_name} 比对失败 / the demo feed {file_name} failed: {feed.error}")
    lap("apply")

    malformed_name = f"受灾-手工录入-{today:%Y%m%d}.csv"
    refused = feed_upload(user=clerk, uploaded_file=SimpleUploadedFile(malformed_name, _malformed(registry, today=today)),
                          feed_type="disaster")
    made.rejected, made.rejected_problems = malformed_name, refused.issues_total
    say(f"已导入部门数据:{len(plan.feeds)} 份 / the department feeds are applied: {len(plan.feeds)} files")

    _decide(users=users, plan=plan, made=made, today=today)
    lap("decisions")
    _count(made)
    say("已处理比对线索和人工核对 / findings decided and review pairs checked")


def _finding(rule: str, person_id: str):
    from neisheng.feeds.models import Finding

    return Finding.objects.filter(rule=rule, person_id=person_id).order_by("pk").first()


def _decide(*, users, plan: Plan, made: DemoFeeds, today: dt.date) -> None:
    """The county officer's decisions on the findings, the department clerk's on the
    review queue, each through its service."""
    from neisheng.feeds.findings import (
        finding_case_open,
        finding_confirm,
        finding_dismiss,
        finding_ledger_write,
    )
    from neisheng.feeds.models import FeedRow, ReviewState
    from neisheng.feeds.review import feed_row_accept, feed_row_reject

    officer, clerk = users["county"], users["department"]
    waiting = list(FeedRow.objects.filter(review_state=ReviewState.PENDING).order_by("feed_id", "row"))
    if waiting:
        feed_row_accept(row=waiting[0], user=clerk, note="姓名、村和受灾地点与户籍一致,经电话核实为同一人")
    if len(waiting) > 1:
        feed_row_reject(row=waiting[-1], user=clerk, note="经村委会核实,同名同村另有其人,非本登记人员")

    for rule, person_id in plan.to_confirm:
        finding = _finding(rule, person_id)
        if finding is not None and finding.state == "new":
            finding_confirm(finding=finding, user=officer, on=today, reason="经入户核实,情况属实")
    for rule, person_id in plan.to_case:
        finding = _finding(rule, person_id)
        if finding is not None and finding.state == "confirmed" and finding.case_id is None:
            finding_case_open(finding=finding, user=officer, on=today)
    if plan.to_ledger:
        finding = _finding(*plan.to_ledger)
        if finding is not None and finding.state == "confirmed":
            finding_ledger_write(finding=finding, user=officer, on=today)
    if plan.to_dismiss:
        rule, person_id, reason = plan.to_dismiss
        finding = _finding(rule, person_id)
        if finding is not None and finding.state == "new":
            finding_dismiss(finding=finding, user=officer, on=today, reason=reason)


def _count(made: DemoFeeds) -> None:
    from neisheng.engine.feeds import MATCH_KINDS
    from neisheng.engine.screening import RULES
    from neisheng.feeds.models import Feed, FeedRow, Finding, ReviewState

    applied = Feed.objects.filter(status=Feed.Status.APPLIED)
    made.departments = len({FEED_TYPES[t].department for t in applied.values_list("feed_type", flat=True)})
    kinds = Counter(FeedRow.objects.values_list("match_kind", flat=True))
    made.rows = sum(kinds.values())
    made.by_match = {k: kinds[k] for k in MATCH_KINDS}
    rules = Counter(Finding.objects.values_list("rule", flat=True))
    made.findings_by_rule = {r: rules[r] for r in RULES if rules[r]}
    states = Counter(Finding.objects.values_list("state", flat=True))
    made.confirmed, made.dismissed = states["confirmed"], states["dismissed"]
    made.cases = Finding.objects.filter(case__isnull=False).count()
    made.ledger_written = Finding.objects.filter(ledger_written_at__isnull=False).count()
    reviews = Counter(FeedRow.objects.values_list("review_state", flat=True))
    made.review_accepted = reviews[ReviewState.ACCEPTED]
    made.review_rejected = reviews[ReviewState.REJECTED]
    made.review_waiting = reviews[ReviewState.PENDING]
    assert set(DEPARTMENTS) >= {FEED_TYPES[t].department for t in made.files}
