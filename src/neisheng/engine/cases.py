"""The rules of monitoring cases (shared/spec/cases.md) that decide from dates and facts
alone: the identification deadline, whether a notice has been up long enough, and which
elimination conditions a household fails. The cases app gathers the facts from the
database and refuses a step with the sentences these return ("中文", "English").

Working days come from `chinese_calendar` (China's official public holidays and the
adjusted working weekends, maintained upstream every year) rather than a hand-typed
table. For a year the package has no data for yet, Monday to Friday are the working
days: a deadline then may be off by a holiday, never by a weekend.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import chinese_calendar

from neisheng.engine.schema import RISK

Sentence = tuple[str, str]

RISK_EN = {"red": "red", "yellow": "yellow", "green": "green"}


def is_working_day(day: dt.date) -> bool:
    """China's official calendar; Monday–Friday for a year it does not cover."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def deadline_after(start: dt.date, days: int, *, working_days: bool) -> dt.date:
    """`days` calendar days after `start`, or the `days`-th working day after it (the
    start itself is not counted, as "within 15 days of the first clue" is read)."""
    if days < 0:
        raise ValueError(f"days must not be negative, got {days}")
    if not working_days:
        return start + dt.timedelta(days=days)
    day, counted = start, 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def notice_problem(start: dt.date, end: dt.date, *, days: int, today: dt.date) -> Sentence | None:
    """Why a notice posted from `start` to `end` cannot end its publicity yet (cases.md:
    end − start ≥ days, end not in the future), or None."""
    if end < start:
        return (f"公示结束日期 {end} 早于开始日期 {start}", f"the notice ends ({end}) before it starts ({start})")
    if end > today:
        return (f"公示结束日期 {end} 晚于今天,公示尚未结束",
                f"the notice ends on {end}, which is after today: it is still posted")
    if (end - start).days < days:
        return (f"公示期 {start} 至 {end} 仅 {(end - start).days} 天,不足 {days} 天",
                f"the notice from {start} to {end} lasted {(end - start).days} days, fewer than {days}")
    return None


def full_months_between(start: dt.date, end: dt.date) -> int:
    """Whole calendar months from `start` to `end`: 15 March → 15 September is 6, → 14
    September 5. A start on the 31st reaches a shorter month on its last day."""
    if end < start:
        return 0
    months = (end.year - start.year) * 12 + end.month - start.month
    # The day `months` months after start, clamped to that month's last day.
    year, month = divmod(start.month - 1 + months, 12)
    year += start.year
    day = min(start.day, calendar.monthrange(year, month + 1)[1])
    if dt.date(year, month + 1, day) > end:
        months -= 1
    return months


@dataclass(frozen=True)
class EliminationFacts:
    months_monitored: int
    measures_while_monitored: int
    risk: str | None  # the household's current (or latest run's) risk; None: no result
    income_pc: Decimal | None
    monitoring_threshold: Decimal
    open_blocking_problems: int
    labor_capable_alive: bool


def elimination_problems(facts: EliminationFacts, *, min_months: int) -> list[Sentence]:
    """Each elimination condition of cases.md the household does not meet, in its order."""
    problems: list[Sentence] = []
    if facts.months_monitored < min_months:
        problems.append((f"纳入监测仅 {facts.months_monitored} 个月,不足 {min_months} 个月",
                         f"monitored for {facts.months_monitored} months, fewer than {min_months}"))
    if facts.measures_while_monitored < 1:
        problems.append(("监测期间未落实任何帮扶措施", "no assistance measure was assigned while monitored"))
    if facts.risk is None:
        problems.append(("该户没有监测结果,无法判断风险", "the household has no monitoring result to judge its risk by"))
    elif facts.risk != "green":
        problems.append((f"最近的监测结果为{RISK.get(facts.risk, facts.risk)}风险,不是绿色",
                         f"its latest monitoring result is {RISK_EN.get(facts.risk, facts.risk)}, not green"))
    if facts.risk is not None and (facts.income_pc is None or facts.income_pc < facts.monitoring_threshold):
        if facts.income_pc is None:
            problems.append(("人均纯收入未知,无法确认达到监测收入范围",
                             "income per person is unknown: it cannot be shown to reach the monitoring threshold"))
        else:
            problems.append((f"人均纯收入 {facts.income_pc} 元低于监测收入范围 {facts.monitoring_threshold} 元",
                             (f"income per person {facts.income_pc} is below the monitoring threshold "
                              f"{facts.monitoring_threshold}")))
    if facts.open_blocking_problems > 0:
        problems.append((f"尚有 {facts.open_blocking_problems} 个住房、教育、医疗或饮水问题未解决",
                         f"{facts.open_blocking_problems} housing, education, medical or water problem(s) are open"))
    if not facts.labor_capable_alive:
        problems.append(("该户没有在世的有劳动能力成员,不能消除风险,应继续监测并落实兜底保障",
                         ("the household has no alive labor-capable member: its risk is never eliminated "
                          "(it stays monitored with social assistance)")))
    return problems
