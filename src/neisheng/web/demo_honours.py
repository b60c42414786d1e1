"""The demo county's model households (issue 16, item 2), made by the demo logins through
the honours' own services (the ones the pages and the API call), in the demo village:

- a selection of the year with five nominations from all three sources: the assistance
  cadre's (干部推荐), the village's (村组推荐, two) and a household's own (农户自荐),
  each with its story and a few recorded acts of help, and one more of a household whose
  ledger shows little growth;
- every nomination scored from the registry (income growth from the ledger, members'
  work and finished trainings, acts of help, willingness); the weak one stays below the
  pass score and its submission to the village review is refused;
- the four others put to the village review (民主评议 agreed, publicised for the
  policy's days, one objection raised and answered), then three approved by the town and
  one rejected with its reason;
- the honour roll of the village (the three approved, best score first);
- each model household paired with motivation-poor households of the village (the
  current monitoring results say who is), each given the morale_support measure, and a
  few meetings of each pair, the first starting the measure.

The nominated households are those of the village whose ledger gives the best scores,
so the roll shows growth a reader believes. Dates count back from today, kept within the
demo year as the other demo parts do.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

STORIES = (
    "夫妻俩在县城务工,又在家养了二十多只山羊,收入一年比一年多;还主动把养羊经验教给同组的两户。",
    "户主参加了电商培训,在网上卖自家的蜂蜜和腊肉,带动邻居一起发货;村里修路时出工最多。",
    "因病致贫后全家不等不靠,儿子进厂务工,户主种了三亩脆李;自己申请参评,想给孩子做个榜样。",
    "承包了村里的撂荒地种魔芋,农忙时雇本村困难户帮工,按时足额发工钱。",
    "户主在公益岗位上打扫村道,家里种了些玉米。",
)
HELP_ACTS = (
    "帮邻居抢收玉米两天,没要工钱",
    "带同组两户困难户到县城找到建筑工地的活",
    "把自家的旋耕机借给三户老人家用",
    "为村里的留守老人代购药品",
)
REJECT_REASON = "经公示后核实,该户今年有违规占地建房的情况,暂不列为示范户。"
MEETINGS = (
    ("两户户主、驻村第一书记", "讲自家养殖的经验,约定下个月一起去合作社看看"),
    ("两户户主及家人", "帮着算了一笔种植魔芋的账,先试种半亩"),
    ("两户户主、村妇联主任", "回访试种情况,介绍了县里的电商培训班"),
)


@dataclass
class DemoHonours:
    """What the build made, for the summary and the tests, and the seconds it took."""

    village: str = ""
    village_name: str = ""
    year: int = 0
    sources: dict[str, int] = field(default_factory=dict)
    states: dict[str, int] = field(default_factory=dict)
    scores: dict[int, str] = field(default_factory=dict)  # nomination pk -> total
    approved: list[int] = field(default_factory=list)
    rejected: int | None = None
    below_pass: int | None = None
    refusal: str = ""
    pairings: int = 0
    meetings: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        if not self.village:
            return []
        sources = ", ".join(f"{k} {v}" for k, v in self.sources.items())
        states = ", ".join(f"{k} {v}" for k, v in self.states.items())
        line = (f"脱贫示范户评选 model households, {self.village_name} {self.year}: {sum(self.sources.values())} "
                f"nominated ({sources}); {states}; 结对 paired {self.pairings}, 交流 meetings {self.meetings} — "
                f"/honours/roll/{self.village}/")
        return [line]


def _today(year: int) -> dt.date:
    from django.utils import timezone

    return min(timezone.localdate(), dt.date(year, 12, 31))


def demo_honours_build(*, home: Path, logins: list[dict], year: int,
                       say: Callable[[str], None] = lambda _: None) -> DemoHonours:
    """The demo village's selection, roll and pairs, in one transaction; `logins` as
    accounts.services.demo_users_create returned them."""
    from django.db import transaction

    from neisheng.accounts.models import User

    users = {u["role"]: User.objects.get(username=u["username"]) for u in logins}
    made = DemoHonours()
    clock = time.perf_counter()
    with transaction.atomic():
        _selection(users, _today(year), made)
        made.seconds["selection"] = time.perf_counter() - clock
        clock = time.perf_counter()
        _pairs(users, _today(year), made)
        made.seconds["pairs"] = time.perf_counter() - clock
    say(f"已完成示范户评选并结对 / the model households selected and paired ({len(made.approved)} approved, "
        f"{made.pairings} pairs)")
    return made


def _ranked(village: str, year: int, policy) -> list:
    """The village's households that may be nominated, best expected score first (as if
    each had three acts of help recorded)."""
    from neisheng.honours.services import household_facts, score_with
    from neisheng.registry.models import Household

    ranked = []
    for household in (Household.objects.filter(village_id=village, status__in=policy.honours_nominee_statuses)
                      .prefetch_related("members", "ledger").order_by("household_id")):
        score = score_with(household_facts(household, year=year, help_acts=3, policy=policy), policy)
        ranked.append((score.total, household))
    ranked.sort(key=lambda pair: (-pair[0], pair[1].household_id))
    return ranked


def _selection(users: dict, today: dt.date, made: DemoHonours) -> None:
    from collections import Counter

    from neisheng.honours import services
    from neisheng.honours.models import Nomination
    from neisheng.platform.workflow import TransitionRefused
    from neisheng.registry.models import Division

    cadre, helper, town = users["village"], users["assistance"], users["town"]
    village = cadre.division_id
    policy = services.honours_policy()
    start = today - dt.timedelta(days=45)
    ranked = _ranked(village, start.year, policy)
    if len(ranked) < 5:
        return
    # The four best, and the one whose ledger shows least: its score stays below the pass.
    chosen = [h for _score, h in ranked[:4]] + [ranked[-1][1]]
    plan = [  # (by, source, who nominated, acts of help)
        (helper, "cadre", "帮扶责任人", 3),
        (cadre, "village", "第一村民小组", 3),
        (cadre, "self", "户主本人", 3),
        (cadre, "village", "第三村民小组", 3),
        (helper, "cadre", "帮扶责任人", 0),
    ]
    nominations = []
    for i, (household, (by, source, name, acts)) in enumerate(zip(chosen, plan, strict=True)):
        nomination = services.nomination_create(user=by, household=household, source=source,
                                                nominated_by_name=name, nominated_on=start + dt.timedelta(days=i),
                                                story=STORIES[i])
        for k in range(acts):
            services.help_act_add(user=by, nomination=nomination, done_on=start - dt.timedelta(days=30 - 7 * k),
                                  text=HELP_ACTS[(i + k) % len(HELP_ACTS)])
        services.nomination_score(user=by, nomination=nomination, scored_on=start + dt.timedelta(days=6))
        nominations.append(nomination)
        made.scores[nomination.pk] = str(nomination.score_total)
    made.village, made.year = village, nominations[0].selection.year
    made.village_name = Division.objects.get(code=village).name
    made.sources = dict(Counter(n.source for n in nominations))

    submitted_on = start + dt.timedelta(days=8)
    for_review = []
    for nomination in nominations:
        try:
            services.nomination_submit(user=cadre, nomination=nomination, submitted_on=submitted_on)
        except TransitionRefused as refused:
            made.below_pass, made.refusal = nomination.pk, str(refused)
        else:
            for_review.append(nomination)
    council_on, posted_on = start + dt.timedelta(days=10), start + dt.timedelta(days=11)
    for nomination in for_review:
        services.nomination_review_decide(user=cadre, nomination=nomination, decision="agreed",
                                          council_on=council_on, note="村民代表 23 人参加,全部同意")
        services.nomination_review_publicise(user=cadre, nomination=nomination, start_on=posted_on)
    if len(for_review) > 1:
        objection = services.nomination_review_object(
            user=cadre, nomination=for_review[1], raised_by="村民(匿名)", raised_on=posted_on + dt.timedelta(days=1),
            text="听说这户去年欠合作社的化肥款没还")
        services.nomination_review_resolve(user=cadre, nomination=for_review[1], objection_pk=objection.pk,
                                           resolution="经核实,欠款已于去年年底结清,有合作社收据",
                                           resolved_on=posted_on + dt.timedelta(days=2))
    decided_on = posted_on + dt.timedelta(days=policy.review_publicity_days + 2)
    # The town turns down the last of those put to the review (the one a villager's
    # later report concerns); the others are approved, as many as the policy allows.
    rejected = for_review[-1] if len(for_review) > 1 else None
    for nomination in for_review:
        if nomination is rejected:
            services.nomination_reject(user=town, nomination=nomination, rejected_on=decided_on, reason=REJECT_REASON)
            made.rejected = nomination.pk
        elif len(made.approved) < policy.honours_per_village:
            services.nomination_approve(user=town, nomination=nomination, approved_on=decided_on,
                                        note="经公示无异议,同意列为脱贫示范户")
            made.approved.append(nomination.pk)
    made.states = dict(Counter(Nomination.objects.filter(pk__in=[n.pk for n in nominations])
                               .values_list("state", flat=True)))


def _pairs(users: dict, today: dt.date, made: DemoHonours) -> None:
    from neisheng.honours import services
    from neisheng.honours.models import Nomination
    from neisheng.registry.models import Household

    if not made.approved:
        return
    cadre = users["village"]
    policy = services.honours_policy()
    models = list(Nomination.objects.filter(pk__in=made.approved).order_by("-score_total", "pk"))
    ids = list(Household.objects.filter(village_id=made.village).exclude(pk__in=[m.household_id for m in models])
               .values_list("pk", flat=True))
    poor = sorted(services.motivation_poor(ids))
    paired_on = today - dt.timedelta(days=24)
    # The best-scored model household takes the most pairs, as a village would ask of it.
    wanted = [policy.honours_pair_max, 2, 1]
    for model, count in zip(models, wanted, strict=False):
        for _ in range(min(count, policy.honours_pair_max)):
            if not poor:
                return
            pairing = services.pairing_create(user=cadre, nomination=model, household=Household.objects.get(pk=poor.pop(0)),
                                              paired_on=paired_on, note="村两委安排结对")
            made.pairings += 1
            for k, (attendees, discussed) in enumerate(MEETINGS[: 3 - made.pairings % 3]):
                services.pair_meeting_add(user=cadre, pairing=pairing, met_on=paired_on + dt.timedelta(days=3 + 8 * k),
                                          attendees=attendees, discussed=discussed)
                made.meetings += 1
