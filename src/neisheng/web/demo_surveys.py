"""The demo county's surveys (issue 15, item 6), made by the demo logins through the
surveys' own services (the ones the pages, the phone form and the API call):

- the research's survey (shared/seeds/002, `synth.survey.research_survey`): the research
  questionnaire copied from its template into the county, a survey issuing 1,700
  questionnaires and the 1,651 returned ones imported from their workbook, so the report
  shows 1,634 valid and 有效率 96.12 %, with the 17 invalid questionnaires and their
  reasons. The research's six counties are made up and not in the demo's registry: each
  of its 54 villages is placed in a village of the demo county (in code order, in turn),
  so the rates per village name villages the county's users know, and every row lies
  within the county's scope;
- a small survey of the demo town's own households on the same questionnaire (about 60
  responses, each linked to a registry household): typed on the web by the town, sent
  from a phone by the village cadre (one sent twice, stored once), and a paper batch
  imported; a first attempt at that batch refused with its bad rows named (a household
  number that is not registered, a village outside the town, a household of another
  village than the one written); two invalid questionnaires (one entered twice, one with
  every attitude the same). The answers about drive (脱贫意愿) and village affairs propose
  registry changes: some accepted into the registry (the household's history shows the
  survey), some declined with a reason, the rest left for the town to review.

Dates count back from today, kept within the demo year as the other demo parts do.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SMALL_WEB = 24
SMALL_PHONE = 16
SMALL_IMPORT = 20
SEED = 15


@dataclass
class DemoSurveys:
    """What the build made, for the summary and the tests, and the seconds each part took."""

    research: int | None = None  # survey pk
    research_summary: dict = field(default_factory=dict)
    small: int | None = None
    responses: dict[str, int] = field(default_factory=dict)  # source -> count (small survey)
    proposals: dict[str, int] = field(default_factory=dict)  # state -> count
    refused_import: int | None = None
    refused_problems: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        from neisheng.engine.surveys import percent

        s = self.research_summary
        lines = []
        if s:
            lines.append(f"问卷调查 research survey: 发放 issued {s['issued']:,}, 回收 returned {s['returned']:,}, "
                         f"有效 valid {s['valid']:,}, 有效率 {percent(s['validity_rate'])} — "
                         f"/surveys/{self.research}/")
        if self.small is not None:
            sources = ", ".join(f"{k} {v}" for k, v in self.responses.items())
            states = ", ".join(f"{k} {v}" for k, v in self.proposals.items())
            lines.append(f"本镇农户问卷 the town's survey: {sum(self.responses.values())} responses ({sources}); "
                         f"台账建议 proposals: {states}; 被拒绝的导入 refused import: {self.refused_problems} "
                         f"bad rows — /surveys/{self.small}/")
        return lines


def _today(year: int) -> dt.date:
    from django.utils import timezone

    return min(timezone.localdate(), dt.date(year, 12, 31))


def demo_surveys_build(*, home: Path, logins: list[dict], year: int,
                       say: Callable[[str], None] = lambda _: None) -> DemoSurveys:
    """Both surveys, in one transaction; `logins` as accounts.services.demo_users_create
    returned them."""
    from django.db import transaction

    from neisheng.accounts.models import User

    users = {u["role"]: User.objects.get(username=u["username"]) for u in logins}
    made = DemoSurveys()
    today = _today(year)
    clock = time.perf_counter()
    with transaction.atomic():
        _research(users, today, made)
        made.seconds["research"] = time.perf_counter() - clock
        clock = time.perf_counter()
        _small(users, today, made)
        made.seconds["households"] = time.perf_counter() - clock
    say(f"已导入研究问卷并登记本镇农户问卷 / the research survey imported and the town's survey recorded "
        f"({made.research_summary.get('returned', 0):,} + {sum(made.responses.values())} responses)")
    return made


# --------------------------------------------------------------------------- the research's survey


def research_workbook(villages: list[str], seed: int = 2019) -> bytes:
    """The research's returned questionnaires as the workbook the county would import,
    each of the research's villages placed in one of `villages` (in code order, in turn)."""
    from openpyxl import Workbook

    from neisheng.synth.survey import research_survey

    table, _issued = research_survey(seed)
    codes = table.column("village_code").to_pylist()
    placed = {code: villages[i % len(villages)] for i, code in enumerate(sorted(set(codes)))}
    book = Workbook(write_only=True)
    sheet = book.create_sheet("问卷数据")
    sheet.append(table.column_names)
    columns = [table.column(name).to_pylist() for name in table.column_names]
    where = table.column_names.index("village_code")
    for row in zip(*columns):
        row = list(row)
        row[where] = placed.get(row[where], row[where])
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _research(users: dict, today: dt.date, made: DemoSurveys) -> None:
    from django.core.files.base import ContentFile

    from neisheng.registry.models import Division
    from neisheng.surveys import selectors, services
    from neisheng.synth.survey import ISSUED

    county = users["county"]
    questionnaire = services.questionnaire_from_template(user=county, division_code=county.division_id)
    version = questionnaire.current
    opened_on = today - dt.timedelta(days=75)
    survey = services.survey_open(user=county, version=version, division_code=county.division_id,
                                  name="贫困治理共同体内生动力调查(六区县研究数据)", issued=ISSUED, opened_on=opened_on)
    villages = list(Division.objects.filter(level=5, code__startswith=county.division.prefix)
                    .order_by("code").values_list("code", flat=True))
    record = services.responses_import(
        user=county, survey=survey, file=ContentFile(research_workbook(villages), name="六区县问卷录入.xlsx"),
        answered_on=opened_on + dt.timedelta(days=20))
    if record.outcome != record.Outcome.APPLIED:
        raise RuntimeError(f"the research survey's import was refused: {record.problems[:3]}")
    services.survey_close(user=county, survey=survey, closed_on=opened_on + dt.timedelta(days=30))
    made.research = survey.pk
    made.research_summary = selectors.survey_report(survey).summary


# --------------------------------------------------------------------------- the town's own survey


def _answers(rng: random.Random, household, *, straight: bool = False) -> dict:
    """A household's answers to the research questionnaire, leaning on its registry
    record: its drive (脱贫意愿) moves its attitudes, as in the synthetic research survey."""
    base = household.willingness or 3
    will = max(1, min(5, base + rng.choice((-1, 0, 0, 1, 1))))

    def near(value: int) -> int:
        return max(1, min(5, value + rng.choice((-1, 0, 1))))

    answers = {
        "difficulties": rng.sample("ABCDE", rng.choice((1, 2))),
        "head_education": rng.choice("AABBC"),
        "poverty_cause": rng.choice("AAABBCDE"),
        "medical_aid": rng.choice("AB"),
        "income_factors": rng.sample("ABC", rng.choice((1, 2))),
        "learning_wishes": rng.sample("ABCDEF", rng.choice((1, 2, 3))),
        "support_received": rng.sample("ABCDEFG", rng.choice((1, 2))),
        "will": will,
        "confidence": near(will),
        "rely_on_government": near(6 - will),
        "willing_to_learn": near(will),
        "village_concern": near(will),
        "village_affairs": "A" if (household.participates_village_affairs or rng.random() < 0.3) else "B",
        "policy_awareness": rng.choice("AABBC"),
        "policy_execution": rng.choice("AABBD"),
        "satisfaction": rng.choice("AAABC"),
    }
    if straight:
        answers.update(dict.fromkeys(("will", "confidence", "rely_on_government", "willing_to_learn",
                                      "village_concern"), 5))
    if rng.random() < 0.15:
        answers["remark"] = rng.choice(("希望多组织技能培训", "产业路还要继续修", "感谢驻村工作队"))
    return answers


def _small(users: dict, today: dt.date, made: DemoSurveys) -> None:
    from django.core.exceptions import ValidationError
    from django.core.files.base import ContentFile
    from openpyxl import Workbook

    from neisheng.platform import scope
    from neisheng.registry.models import Division, Household
    from neisheng.surveys import services
    from neisheng.surveys.models import Questionnaire, RegistryProposal, Response

    town, village = users["town"], users["village"]
    rng = random.Random(SEED)
    questionnaire = Questionnaire.objects.get(division_code=users["county"].division_id, code="motivation-2019")
    opened_on = today - dt.timedelta(days=40)
    survey = services.survey_open(user=town, version=questionnaire.current, division_code=town.division_id,
                                  name=f"{today.year}年本镇脱贫户内生动力回访", issued=80, opened_on=opened_on)
    made.small = survey.pk
    # Lifted and monitored households first (the survey is about them), others if short.
    wanted = SMALL_WEB + SMALL_PHONE + SMALL_IMPORT
    households = list(scope.visible_to(town, Household).filter(status__in=("lifted", "monitored"))
                      .order_by("village_id", "household_id")[:wanted * 4])
    if len(households) < wanted:
        households += list(scope.visible_to(town, Household).exclude(status__in=("lifted", "monitored"))
                           .order_by("village_id", "household_id")[:wanted - len(households)])
    own = [h for h in households if h.village_id == village.division_id]
    others = [h for h in households if h.village_id != village.division_id]
    phone_households = own[:SMALL_PHONE]
    rest = others + own[SMALL_PHONE:]
    web_households = rest[:SMALL_WEB]
    import_households = rest[SMALL_WEB:SMALL_WEB + SMALL_IMPORT]
    number = 0

    def next_id() -> str:
        nonlocal number
        number += 1
        return f"HF{today.year}-{number:03d}"

    def day(k: int) -> dt.date:
        return min(today, opened_on + dt.timedelta(days=2 + k % 30))

    first = None
    for k, household in enumerate(web_households):
        response = services.response_submit(
            user=town, survey=survey, respondent_id=next_id(), group="household", household=household,
            answers=_answers(rng, household, straight=k == 5), answered_on=day(k), source=Response.Source.WEB)
        first = first or response
    if first is not None:
        # Typed in again by mistake: the engine finds the second entry a duplicate.
        services.response_submit(user=town, survey=survey, respondent_id=first.respondent_id, group="household",
                                 household=first.household, answers=dict(first.answers), answered_on=day(3),
                                 source=Response.Source.WEB)
    for k, household in enumerate(phone_households):
        key = uuid.UUID(int=rng.getrandbits(128), version=4)
        sent = {"user": village, "survey": survey, "respondent_id": next_id(), "group": "脱贫主体",
                "household": household, "answers": _answers(rng, household), "answered_on": day(k + 7),
                "source": Response.Source.PHONE, "idempotency_key": key}
        services.response_submit(**sent)
        if k == 0:
            services.response_submit(**sent)  # the phone lost the answer and sent it again: stored once

    header = ["respondent_id", "group", "household_id", "village_code",
              *(q for q in ("difficulties", "head_education", "poverty_cause", "medical_aid", "income_factors",
                            "learning_wishes", "support_received", "will", "confidence", "rely_on_government",
                            "willing_to_learn", "village_concern", "village_affairs", "policy_awareness",
                            "policy_execution", "satisfaction", "remark"))]

    def workbook(rows: list[list]) -> bytes:
        book = Workbook(write_only=True)
        sheet = book.create_sheet("问卷")
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    paper = []
    for household in import_households:
        answers = _answers(rng, household)
        paper.append([next_id(), "脱贫主体", household.household_id, household.village_id,
                      *("、".join(v) if isinstance(v, list) else v for v in (answers.get(q) for q in header[4:]))])
    # The first attempt: three rows that cannot be responses, all named, nothing written.
    outside = Division.objects.filter(level=5).exclude(code__startswith=town.division.prefix).order_by("code").first()
    wrong = [list(paper[0]), list(paper[1]), list(paper[2])]
    # A number written wrong on the paper: the village's code and a sequence not registered.
    unregistered = next(f"{village.division_id}{n:04d}" for n in range(9999, 0, -1)
                        if not Household.objects.filter(pk=f"{village.division_id}{n:04d}").exists())
    wrong[0][0], wrong[0][2] = "HF-错1", unregistered
    wrong[1][0], wrong[1][2], wrong[1][3] = "HF-错2", None, outside.code if outside is not None else "000000000000"
    other_village = next((h.village_id for h in import_households if h.village_id != wrong[2][3]), None)
    wrong[2][0], wrong[2][3] = "HF-错3", other_village or "000000000000"
    refused = services.responses_import(user=town, survey=survey,
                                        file=ContentFile(workbook(paper + wrong), name="纸质问卷第一批.xlsx"),
                                        answered_on=day(12))
    made.refused_import, made.refused_problems = refused.pk, len(refused.problems)
    applied = services.responses_import(user=town, survey=survey,
                                        file=ContentFile(workbook(paper), name="纸质问卷第一批(改正).xlsx"),
                                        answered_on=day(12))
    if applied.outcome != applied.Outcome.APPLIED:
        raise RuntimeError(f"the demo's paper questionnaires were refused: {applied.problems[:3]}")

    # The town reviews: the drive answers of valid questionnaires accepted, a few declined.
    pending = list(RegistryProposal.objects.filter(response__survey=survey).select_related("response")
                   .order_by("pk"))
    decided_on = today
    for k, proposal in enumerate(pending):
        if k % 3 == 0:
            try:
                services.proposal_accept(user=town, proposal=proposal, decided_on=decided_on)
            except ValidationError:
                services.proposal_decline(user=town, proposal=proposal, decided_on=decided_on,
                                          reason="问卷无效,不据此修改台账")
        elif k % 3 == 1 and k < 12:
            services.proposal_decline(user=town, proposal=proposal, decided_on=decided_on,
                                      reason="与入户走访了解的情况不一致,待下次走访核实")
    counts: dict[str, int] = {}
    for source in Response.objects.filter(survey=survey).values_list("source", flat=True):
        counts[source] = counts.get(source, 0) + 1
    made.responses = counts
    made.proposals = {state: RegistryProposal.objects.filter(response__survey=survey, state=state).count()
                      for state in RegistryProposal.State.values}
