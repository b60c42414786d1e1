"""The one write path of surveys (surveys.md): questionnaires and their versions, surveys,
responses typed on the web or a phone or imported from the paper questionnaires'
workbook, and the registry changes their mapped answers propose.

Every function is keyword-only, runs in one transaction and records one audit event with
the division it concerns. Refusals: PermissionDenied for a role without the capability,
Http404 for a record outside the user's scope (the answer for one that does not exist),
ValidationError named by field for what the user can correct.

- A questionnaire is checked by the engine (`engine.surveys.questionnaire_parse`) before
  it is saved; a refusal names the YAML key. It is never edited: `questionnaire_revise`
  always adds a version, and a survey keeps the version it issued, so answers never
  change meaning under a new wording.
- A response is kept as returned, valid or not: validity is the engine's over the whole
  survey (a duplicate is only a duplicate of an earlier row). What cannot be a response
  at all is refused: an answer to a question the questionnaire does not have, a closed
  survey, a household not registered within the user's scope (answered as not
  registered, so nobody learns who lives elsewhere), a village that is not one of the
  survey's.
- An answer to a question with `maps_to` (will → willingness, village_affairs →
  participates_village_affairs) about a registry household proposes the value to a
  reviewer (a RegistryProposal, the household's value then kept beside it). Accepting
  writes through `registry.services.household_update_many` with "问卷调查 #<survey>" as
  the reason, which the household's history shows as the operation (a msgid of context
  "change") followed by the survey's number; an answer the engine finds invalid is not
  accepted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from importlib import resources
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from neisheng.accounts.access import (
    PERSONS_READ,
    SURVEYS_COLLECT,
    SURVEYS_DESIGN,
    SURVEYS_REVIEW,
    user_may,
)
from neisheng.accounts.services import audit_record
from neisheng.assistance.imports import PROBLEMS_KEPT, RowProblem
from neisheng.engine import surveys as engine
from neisheng.platform import scope
from neisheng.platform.access import require
from neisheng.registry.models import Division, Household
from neisheng.registry.services import RowsRefused, household_update_many
from neisheng.surveys.models import (
    Questionnaire,
    QuestionnaireVersion,
    RegistryProposal,
    Response,
    Survey,
    SurveyImport,
)
from neisheng.surveys.selectors import (
    questionnaire_of,
    questionnaires_visible,
    survey_table,
    surveys_visible,
)

# The registry's history shows this as the operation (a msgid of context "change"),
# followed by the survey's number: "问卷调查 #7" (registry.selectors.history).
REASON_NAME = "问卷调查"
TEMPLATES = "survey_templates"
TEMPLATE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,59}")
DEFAULT_TEMPLATE = "motivation-2019"
SOURCE_MAX_CHARS = 200_000
ACCEPTED_SUFFIXES = (".xlsx", ".xlsm", ".csv")
# The research returned 1,651 questionnaires; a county's survey is a few thousand.
MAX_ROWS = 50_000
VILLAGE_LEVEL = 5


def survey_reason(survey: Survey) -> str:
    return f"{REASON_NAME} #{survey.pk}"


def _today() -> dt.date:
    return timezone.localdate()


def _audit(*, user, action: str, record, object_type: str, division_code: str, detail: dict, request=None):
    audit_record(user=user, action=action, division_code=division_code, object_type=object_type,
                 object_id=str(record.pk), detail=detail, request=request)


def _raise(problems: dict) -> None:
    if problems:
        raise ValidationError(problems)


def _in_language(zh: str, en: str) -> str:
    return en if (translation.get_language() or "").startswith("en") else zh


# A sentence the engine wrote in both languages, shown in the reader's.
in_language = lazy(_in_language, str)


def _parsed(source: str, field: str = "source") -> engine.Questionnaire:
    """The engine's reading of a questionnaire's YAML; its refusal names the key."""
    if not (source or "").strip():
        raise ValidationError({field: [_("请填写问卷定义 (YAML)")]})
    if len(source) > SOURCE_MAX_CHARS:
        raise ValidationError({field: [_("问卷定义过长")]})
    try:
        return engine.questionnaire_parse(source, source="questionnaire")
    except engine.QuestionnaireError as error:
        raise ValidationError({field: [in_language(f"问卷定义有误({error.key}):{error.problem_zh}",
                                                   f"the questionnaire is not valid ({error.key}): "
                                                   f"{error.problem_en}")]}) from None


def _division_checked(user, code: str, problems: dict, field: str = "division_code") -> Division | None:
    division = Division.objects.filter(code=(code or "").strip()).first() if code else None
    if division is None or not scope.code_is_within(user, division.code):
        problems[field] = [_("区划不存在或不在您的管辖范围内")]
        return None
    return division


def _under(code: str, division_code: str) -> bool:
    """Whether `code` lies under (or is) the division `division_code`."""
    division = Division.objects.filter(code=division_code).first()
    return division is not None and bool(code) and code.startswith(division.prefix)


# --------------------------------------------------------------------------- questionnaires


def _version_add(*, user, questionnaire: Questionnaire, number: int, source: str, reason: str) -> QuestionnaireVersion:
    return QuestionnaireVersion.objects.create(
        questionnaire=questionnaire, number=number, source=source,
        sha256=hashlib.sha256(source.encode("utf-8")).hexdigest(), reason=(reason or "").strip()[:200],
        created_by=user if getattr(user, "is_authenticated", False) else None)


@transaction.atomic
def questionnaire_create(*, user, division_code: str, source: str, reason: str = "",
                         request=None) -> Questionnaire:
    """A questionnaire of a division within the user's, its YAML (checked by the engine)
    its version 1. Refused: YAML the engine refuses (naming the key), a code the division
    already has."""
    require(user, SURVEYS_DESIGN)
    problems: dict = {}
    _division_checked(user, division_code, problems)
    parsed = _parsed(source)
    if "division_code" not in problems and Questionnaire.objects.filter(division_code=division_code,
                                                                        code=parsed.code).exists():
        problems["source"] = [ValidationError(_("本区划已有代码为 %(code)s 的问卷,请修改它(保存为新版本)"),
                                              params={"code": parsed.code})]
    _raise(problems)
    questionnaire = Questionnaire.objects.create(division_code=division_code, code=parsed.code,
                                                 title=parsed.title[:200], created_by=user)
    version = _version_add(user=user, questionnaire=questionnaire, number=1, source=source, reason=reason)
    _audit(user=user, action="create", record=questionnaire, object_type="questionnaire",
           division_code=division_code,
           detail={"code": parsed.code, "version": version.number, "sha256": version.sha256,
                   "questions": len(parsed.questions), "reason": version.reason}, request=request)
    return questionnaire


def _questionnaire_here(user, questionnaire: Questionnaire) -> Questionnaire:
    """The questionnaire, locked, if it belongs to a division within the user's (one
    designed above is used, not changed, below)."""
    found = (scope.visible_to(user, Questionnaire).select_for_update().filter(pk=questionnaire.pk).first())
    if found is None:
        if questionnaires_visible(user).filter(pk=questionnaire.pk).exists():
            raise PermissionDenied("只有问卷所属区划的用户可以修改问卷 / only users of the questionnaire's "
                                   "division may change it")
        raise Http404("未找到该问卷 / no such questionnaire")
    return found


@transaction.atomic
def questionnaire_revise(*, user, questionnaire: Questionnaire, source: str, reason: str,
                         request=None) -> QuestionnaireVersion:
    """A new version of the questionnaire, always: earlier versions stay as they were and
    every survey keeps the version it issued. Refused: no reason, YAML the engine refuses,
    another questionnaire code (a new code is a new questionnaire), the current wording
    unchanged. The questionnaire's title follows the new version."""
    require(user, SURVEYS_DESIGN)
    questionnaire = _questionnaire_here(user, questionnaire)
    problems: dict = {}
    if not (reason or "").strip():
        problems["reason"] = [_("请说明修改原因")]
    parsed = _parsed(source)
    if parsed.code != questionnaire.code:
        problems["source"] = [ValidationError(_("问卷代码应仍为 %(code)s;代码不同的是另一份问卷"),
                                              params={"code": questionnaire.code})]
    current = questionnaire.current
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
    if current is not None and current.sha256 == digest and "source" not in problems:
        problems["source"] = [_("与当前版本相同,没有需要保存的修改")]
    _raise(problems)
    number = (current.number if current is not None else 0) + 1
    version = _version_add(user=user, questionnaire=questionnaire, number=number, source=source, reason=reason)
    if questionnaire.title != parsed.title[:200]:
        questionnaire.title = parsed.title[:200]
        questionnaire.save(update_fields=["title"])
    _audit(user=user, action="update", record=questionnaire, object_type="questionnaire",
           division_code=questionnaire.division_code,
           detail={"code": questionnaire.code, "version": number, "sha256": version.sha256,
                   "previous": current.number if current is not None else None, "reason": version.reason},
           request=request)
    return version


def template_source(template: str = DEFAULT_TEMPLATE) -> str:
    """The YAML of a questionnaire template shipped with the engine
    (engine/survey_templates/<template>.yaml); ValidationError for an unknown one."""
    if not TEMPLATE_NAME.fullmatch(template or ""):
        raise ValidationError({"template": [_("没有这个问卷模板")]})
    path = resources.files("neisheng.engine").joinpath(TEMPLATES, f"{template}.yaml")
    if not path.is_file():
        raise ValidationError({"template": [_("没有这个问卷模板")]})
    return path.read_text(encoding="utf-8")


def templates_available() -> list[str]:
    folder = resources.files("neisheng.engine").joinpath(TEMPLATES)
    return sorted(Path(p.name).stem for p in folder.iterdir() if p.name.endswith(".yaml"))


@transaction.atomic
def questionnaire_from_template(*, user, division_code: str, template: str = DEFAULT_TEMPLATE,
                                request=None) -> Questionnaire:
    """A shipped template copied into a division as the first version of its questionnaire."""
    return questionnaire_create(user=user, division_code=division_code, source=template_source(template),
                                reason=f"模板 {template}", request=request)


# --------------------------------------------------------------------------- surveys


@transaction.atomic
def survey_open(*, user, version: QuestionnaireVersion, division_code: str, name: str, issued: int,
                opened_on: dt.date, request=None) -> Survey:
    """A survey issuing `version` (of a questionnaire the user sees: their division's or
    one above) in a division within the user's and within the questionnaire's, with the
    number of questionnaires issued."""
    require(user, SURVEYS_DESIGN)
    version = QuestionnaireVersion.objects.select_related("questionnaire").filter(
        pk=version.pk, questionnaire__in=questionnaires_visible(user)).first()
    if version is None:
        raise Http404("未找到该问卷版本 / no such questionnaire version")
    problems: dict = {}
    division = _division_checked(user, division_code, problems)
    if division is not None and not _under(division.code, version.questionnaire.division_code):
        problems["division_code"] = [_("调查区划应在问卷所属区划之内")]
    if not (name or "").strip():
        problems["name"] = [_("请填写调查名称")]
    if isinstance(issued, bool) or not isinstance(issued, int) or issued < 1:
        problems["issued"] = [_("发放份数应为正整数")]
    if opened_on is None:
        problems["opened_on"] = [_("请填写开始日期")]
    _raise(problems)
    survey = Survey.objects.create(division_code=division.code, name=name.strip()[:200], version=version,
                                   issued=issued, opened_on=opened_on, created_by=user)
    _audit(user=user, action="create", record=survey, object_type="survey", division_code=survey.division_code,
           detail={"name": survey.name, "questionnaire": version.questionnaire.code, "version": version.number,
                   "issued": issued, "opened_on": opened_on.isoformat()}, request=request)
    return survey


def _survey_seen(user, survey: Survey, *, lock: bool = False) -> Survey:
    rows = surveys_visible(user)
    if lock:
        rows = rows.select_for_update()
    found = rows.filter(pk=survey.pk).first()
    if found is None:
        raise Http404("未找到该调查 / no such survey")
    return found


@transaction.atomic
def survey_close(*, user, survey: Survey, closed_on: dt.date, request=None) -> Survey:
    """Close a survey of the user's division (or one under it): it takes no more responses."""
    require(user, SURVEYS_DESIGN)
    survey = _survey_seen(user, survey, lock=True)
    if not scope.code_is_within(user, survey.division_code):
        raise PermissionDenied("只有组织调查的区划可以结束调查 / only the division that runs the survey may close it")
    problems: dict = {}
    if survey.state != Survey.State.OPEN:
        problems["state"] = [_("调查已结束")]
    if closed_on is None:
        problems["closed_on"] = [_("请填写结束日期")]
    elif closed_on < survey.opened_on:
        problems["closed_on"] = [_("结束日期不能早于开始日期")]
    _raise(problems)
    survey.state, survey.closed_on = Survey.State.CLOSED, closed_on
    survey.save(update_fields=["state", "closed_on"])
    # A step is an update whose detail names the new state: the audit log's actions are few
    # and shared, its sentences read the state through the app's vocabulary.
    _audit(user=user, action="update", record=survey, object_type="survey", division_code=survey.division_code,
           detail={"state": survey.state, "closed_on": closed_on.isoformat(), "responses": survey.responses.count()}, request=request)
    return survey


# --------------------------------------------------------------------------- responses


def _household_visible(user, household) -> Household | None:
    """The household (an instance or its number) if registered within the user's scope."""
    if household is None or household == "":
        return None
    key = getattr(household, "pk", household)
    return scope.visible_to(user, Household).filter(pk=str(key).strip()).first()


def _plain_answers(answers) -> dict:
    """The answers as given, unanswered ones (None, "", []) left out: the engine reads an
    empty cell as unanswered, so nothing is lost."""
    kept = {}
    for code, value in (answers or {}).items():
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "" or (isinstance(value, (list, tuple)) and not value):
            continue
        if isinstance(value, tuple):
            value = list(value)
        kept[str(code)] = value
    return kept


def _answer_allowed(value) -> bool:
    if isinstance(value, (str, int, float, bool)):
        return True
    return isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value)


def _proposals_make(*, questionnaire: engine.Questionnaire, response: Response, household: Household,
                    answers: dict, group: str | None) -> list[RegistryProposal]:
    """The registry values the response's mapped answers propose for its household: one
    per answer that maps to a value (an answer out of range maps to none) differing from
    the household's."""
    made, fields = [], set()
    for question in questionnaire.questions:
        if question.maps_to is None or question.code not in answers or question.maps_to in fields:
            continue  # two questions mapped to one field: the first proposes
        if group in questionnaire.groups and not question.asked_of(group):
            continue
        value = question.mapped(question.parse(answers[question.code]))
        if value is None:
            continue
        before = _json_value(getattr(household, question.maps_to, None))
        if before == value:
            continue
        fields.add(question.maps_to)
        made.append(RegistryProposal(response=response, household=household, division_code=household.village_id,
                                     question=question.code, field=question.maps_to, value=value,
                                     value_before=before))
    return made


def _json_value(value):
    """A registry value as the proposal keeps it (JSON): numbers, flags and codes as they
    are, anything else (an amount, a date) as its text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _idempotency_key(value, problems: dict):
    if value in (None, ""):
        return None
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        problems["idempotency_key"] = [_("提交编号应为 UUID")]
        return None


def _repeat_of(user, key, survey: Survey) -> Response | None:
    first = Response.objects.filter(idempotency_key=key).first()
    if first is None:
        return None
    if first.survey_id != survey.pk or not scope.code_is_within(user, first.division_code):
        # A key is one response: reused for another survey (or by someone who may not see
        # the response it stands for) it is a client's mistake, and the stored response
        # is not shown.
        raise ValidationError({"idempotency_key": [_("该提交编号已用于另一次调查的问卷")]})
    first.created = False
    return first


@transaction.atomic
def response_submit(*, user, survey: Survey, respondent_id: str, group: str, answers: dict,
                    answered_on: dt.date, source: str, household=None, village_code: str = "",
                    idempotency_key=None, request=None) -> Response:
    """One returned questionnaire typed on the web or a phone (`source`). `answers`:
    question code → an option key or label, a list of keys, a number or text, kept as
    given. Returns the response, its `created` false when `idempotency_key` was seen
    before (a phone sending again: the first response, unchanged).

    `household` (an instance or its number) must be registered within the user's scope;
    its village is the response's when no village is given. The response's division is
    its village's, else the survey's, and must be within the user's scope."""
    require(user, SURVEYS_COLLECT)
    survey = _survey_seen(user, survey)
    problems: dict = {}
    key = _idempotency_key(idempotency_key, problems)
    if key is not None:
        seen = _repeat_of(user, key, survey)
        if seen is not None:
            return seen
    questionnaire = questionnaire_of(survey.version)
    if survey.state != Survey.State.OPEN:
        problems["survey"] = [_("调查已结束,不再接收问卷")]
    respondent_id = (str(respondent_id) if respondent_id is not None else "").strip()
    if not respondent_id:
        problems["respondent_id"] = [_("请填写问卷编号")]
    elif len(respondent_id) > 60:
        problems["respondent_id"] = [_("问卷编号不能超过 60 个字")]
    group_written = (str(group) if group is not None else "").strip()
    group_key = questionnaire.group_key(group_written)
    stored_group = group_key or group_written
    if not group_written:
        problems["group"] = [_("请选择调查对象")]
    elif len(stored_group) > 40:
        problems["group"] = [_("调查对象不能超过 40 个字")]
    if not isinstance(answers, dict):
        problems["answers"] = [_("答案应为“题目代码: 答案”的映射")]
        answers = {}
    answers = _plain_answers(answers)
    codes = {q.code for q in questionnaire.questions}
    unknown = sorted(set(answers) - codes)
    if unknown:
        problems["answers"] = [ValidationError(_("问卷没有这些题目:%(codes)s"), params={"codes": "、".join(unknown)})]
    elif any(not _answer_allowed(v) for v in answers.values()):
        problems["answers"] = [_("答案应为选项、选项列表、数字或文字")]
    if answered_on is None:
        problems["answered_on"] = [_("请填写填写日期")]
    elif answered_on > _today():
        problems["answered_on"] = [_("填写日期不能晚于今天")]
    elif answered_on < survey.opened_on:
        problems["answered_on"] = [_("填写日期不能早于调查开始日期")]
    if source not in Response.Source.values:
        problems["source"] = [_("来源不是允许的取值")]
    found = _household_visible(user, household)
    if household not in (None, "") and found is None:
        problems["household"] = [_("在您管辖范围内的登记中没有这户")]
    village_code = (village_code or "").strip()
    if found is not None and village_code and found.village_id != village_code:
        problems["village_code"] = [_("该户不在所填的村")]
    village_code = village_code or (found.village_id if found is not None else "")
    if village_code and "village_code" not in problems:
        _village_checked(user, survey, village_code, problems)
    division_code = village_code or survey.division_code
    if "village_code" not in problems and not scope.code_is_within(user, division_code):
        problems["village_code"] = [_("请填写您管辖范围内的村")]
    _raise(problems)

    response = Response(survey=survey, division_code=division_code, respondent_id=respondent_id,
                        group=stored_group, household=found, village_code=village_code, answers=answers,
                        source=source, answered_on=answered_on, idempotency_key=key,
                        entered_by=user if getattr(user, "is_authenticated", False) else None)
    try:
        # Two sends of one response at once: the unique key lets one in; the other reads it.
        with transaction.atomic():
            response.save()
    except IntegrityError:
        seen = _repeat_of(user, key, survey) if key is not None else None
        if seen is None:
            raise
        return seen
    response.created = True
    proposals = []
    if found is not None:
        proposals = RegistryProposal.objects.bulk_create(_proposals_make(
            questionnaire=questionnaire, response=response, household=found, answers=answers, group=group_key))
    _audit(user=user, action="create", record=response, object_type="survey_response", division_code=division_code,
           detail={"survey": survey.pk, "source": source, "household": found.pk if found is not None else None,
                   "answers": len(answers), "proposals": len(proposals)}, request=request)
    return response


def _village_checked(user, survey: Survey, code: str, problems: dict, field: str = "village_code") -> bool:
    if not Division.objects.filter(code=code, level=VILLAGE_LEVEL).exists():
        problems[field] = [_("没有这个村代码")]
    elif not _under(code, survey.division_code):
        problems[field] = [_("该村不在本次调查的区划内")]
    elif not scope.code_is_within(user, code):
        problems[field] = [_("该村不在您的管辖范围内")]
    else:
        return True
    return False


# --------------------------------------------------------------------------- imports


def _row_problem(row: int, column: str, value, zh: str, en: str) -> RowProblem:
    from neisheng.engine.surveys import FIXED_HEADERS_ZH

    header = FIXED_HEADERS_ZH.get(column, ("",))[0]
    return RowProblem(row, column, "" if value is None else str(value)[:60], zh, en, header)


def _kept(problems: list[RowProblem]) -> list[dict]:
    problems = sorted(problems, key=lambda p: (p.row, p.column))
    kept = [p.as_dict() for p in problems[:PROBLEMS_KEPT]]
    if len(problems) > PROBLEMS_KEPT:
        more = len(problems) - PROBLEMS_KEPT
        kept.append(RowProblem(0, "", "", f"另有 {more:,} 个问题未列出,请先改正以上各行",
                               f"{more:,} more problems are not listed; correct the rows above first").as_dict())
    return kept


def _rows_checked(*, user, survey: Survey, table) -> tuple[list[dict], list[RowProblem]]:
    """The file's rows as the responses they become, and every row that cannot be one:
    no respondent id, a household not registered within the user's scope, a village that
    is not one of the survey's (or not the household's), a row outside the user's scope.
    Rows the five validity rules find invalid are responses like any other."""
    questionnaire = questionnaire_of(survey.version)
    codes = [q.code for q in questionnaire.questions]
    columns = {name: table.column(name).to_pylist() for name in table.column_names}
    numbers = columns["row"]
    wanted_households = {h for h in columns["household_id"] if h}
    households: dict[str, Household] = {}
    ordered = sorted(wanted_households)
    for start in range(0, len(ordered), 500):
        households.update((h.pk, h) for h in scope.visible_to(user, Household).filter(pk__in=ordered[start:start + 500]))
    wanted_villages = {v for v in columns["village_code"] if v}
    villages = set(Division.objects.filter(code__in=wanted_villages, level=VILLAGE_LEVEL).values_list("code", flat=True))
    survey_prefix = Division.objects.get(code=survey.division_code).prefix
    rows, problems = [], []
    for i, number in enumerate(numbers):
        respondent_id = columns["respondent_id"][i] or ""
        group = columns["group"][i] or ""
        household_id = columns["household_id"][i]
        village_code = columns["village_code"][i] or ""
        bad = False
        if not respondent_id:
            problems.append(_row_problem(number, "respondent_id", "", "问卷编号不能为空", "respondent_id is empty"))
            bad = True
        elif len(respondent_id) > 60:
            problems.append(_row_problem(number, "respondent_id", respondent_id, "问卷编号不能超过 60 个字",
                                         "respondent_id must be at most 60 characters"))
            bad = True
        if len(group) > 40:
            problems.append(_row_problem(number, "group", group, "调查对象不能超过 40 个字",
                                         "group must be at most 40 characters"))
            bad = True
        household = households.get(household_id) if household_id else None
        if household_id and household is None:
            problems.append(_row_problem(number, "household_id", household_id, "在您管辖范围内的登记中没有这个户编号",
                                         "no household with this number is registered within your scope"))
            bad = True
        if village_code:
            if village_code not in villages:
                problems.append(_row_problem(number, "village_code", village_code, "没有这个村代码",
                                             "no village has this code"))
                bad = True
            elif not village_code.startswith(survey_prefix):
                problems.append(_row_problem(number, "village_code", village_code, "该村不在本次调查的区划内",
                                             "the village is not within the survey's division"))
                bad = True
            elif household is not None and household.village_id != village_code:
                problems.append(_row_problem(number, "village_code", village_code, "该户不在所填的村",
                                             "the household is not in this village"))
                bad = True
        if household is not None and not village_code:
            village_code = household.village_id
        division_code = village_code or survey.division_code
        if not bad and not scope.code_is_within(user, division_code):
            problems.append(_row_problem(number, "village_code", village_code,
                                         "不在您的管辖范围内,请填写您管辖范围内的村代码",
                                         "outside your scope; give a village code within it"))
            bad = True
        if bad:
            continue
        answers = {code: columns[code][i] for code in codes if columns[code][i] is not None}
        rows.append({"row": number, "respondent_id": respondent_id, "group": group, "household": household,
                     "village_code": village_code, "division_code": division_code, "answers": answers})
    return rows, problems


@transaction.atomic
def responses_import(*, user, survey: Survey, file, answered_on: dt.date | None = None,
                     request=None) -> SurveyImport:
    """The paper questionnaires of a survey from an Excel workbook or a CSV file in the
    responses layout of surveys.md, read by the engine (`responses_read`): all or
    nothing. The file is kept as it came (name, SHA-256, size) on a SurveyImport, saved
    APPLIED with the rows written or REFUSED with every bad row named (row, column, value,
    reason in Chinese and English) and nothing else written.

    Refused whole: a file the engine cannot read as the questionnaire's (not a workbook,
    no respondent_id or group column, a required question without a column), a closed
    survey, and any row that cannot be a response (see `_rows_checked`). Rows the five
    validity rules find invalid are stored: they are returned questionnaires, which the
    report lists as invalid. `answered_on`: the day the paper questionnaires were
    answered, today unless given."""
    require(user, SURVEYS_DESIGN)
    survey = _survey_seen(user, survey, lock=True)
    name = Path(getattr(file, "name", "") or "responses").name[:255]
    division = survey.division_code if scope.code_is_within(user, survey.division_code) else user.division_id
    if not division:
        raise Http404("区划不在您的管辖范围内 / division outside your scope")
    record = SurveyImport(division_code=division, survey=survey, file_name=name, uploaded_by=user,
                          outcome=SurveyImport.Outcome.REFUSED)
    record.file.save(name, file, save=False)
    with record.file.open("rb") as stored:
        record.sha256 = hashlib.file_digest(stored, "sha256").hexdigest()
    record.size = record.file.size
    answered_on = answered_on or _today()

    problems: list[RowProblem] = []
    rows: list[dict] = []
    if survey.state != Survey.State.OPEN:
        problems.append(RowProblem(0, "", "", "调查已结束,不再接收问卷", "the survey is closed"))
    elif Path(name).suffix.lower() not in ACCEPTED_SUFFIXES:
        problems.append(RowProblem(0, "", "", "只能导入 Excel 工作簿(.xlsx)或 CSV 文件",
                                   "only an Excel workbook (.xlsx) or a CSV file can be imported"))
    elif answered_on > _today() or answered_on < survey.opened_on:
        problems.append(RowProblem(0, "answered_on", str(answered_on), "填写日期应在调查开始日期和今天之间",
                                   "the day answered must lie between the survey's start and today"))
    else:
        questionnaire = questionnaire_of(survey.version)
        try:
            table = engine.responses_read(Path(record.file.path), questionnaire, file_name=name)
        except engine.ResponsesError as error:
            problems.append(RowProblem(error.row or 0, error.column or "", error.value or "",
                                       error.sentence("zh"), error.sentence("en")))
        else:
            if table.num_rows > MAX_ROWS:
                problems.append(RowProblem(0, "", "", f"表格超过 {MAX_ROWS:,} 行,请拆分后分别导入",
                                           f"the sheet has more than {MAX_ROWS:,} rows; split it"))
            else:
                rows, problems = _rows_checked(user=user, survey=survey, table=table)

    created = proposals = 0
    if not problems:
        record.outcome, record.rows_written = SurveyImport.Outcome.APPLIED, len(rows)
        record.save()
        entered_by = user if getattr(user, "is_authenticated", False) else None
        made = Response.objects.bulk_create([
            Response(survey=survey, division_code=r["division_code"], respondent_id=r["respondent_id"],
                     group=r["group"], household=r["household"], village_code=r["village_code"],
                     answers=r["answers"], source=Response.Source.IMPORT, answered_on=answered_on,
                     survey_import=record, entered_by=entered_by)
            for r in rows], batch_size=500)
        created = len(made)
        if any(r["household"] is not None for r in rows):
            if any(m.pk is None for m in made):  # a database that returns no keys from a bulk insert
                made = list(Response.objects.filter(survey_import=record).order_by("pk"))
            questionnaire = questionnaire_of(survey.version)
            pending = []
            for row, response in zip(rows, made, strict=True):
                if row["household"] is not None:
                    pending += _proposals_make(questionnaire=questionnaire, response=response,
                                               household=row["household"], answers=row["answers"],
                                               group=questionnaire.group_key(row["group"]))
            proposals = len(RegistryProposal.objects.bulk_create(pending, batch_size=500))
    else:
        record.outcome, record.problems, record.rows_written = SurveyImport.Outcome.REFUSED, _kept(problems), 0
        record.save()
    audit_record(user=user, action="import", division_code=division, object_type="survey_import",
                 object_id=str(record.pk),
                 detail={"survey": survey.pk, "file": name, "sha256": record.sha256, "outcome": record.outcome,
                         "rows_written": created, "proposals": proposals, "problems": len(problems)},
                 request=request)
    return record


# --------------------------------------------------------------------------- proposals


def _proposal_seen(user, proposal: RegistryProposal) -> RegistryProposal:
    require(user, SURVEYS_REVIEW)
    if not user_may(user, PERSONS_READ):
        raise PermissionDenied("您的角色只能查看汇总统计 / your role sees aggregates only")
    found = (scope.visible_to(user, RegistryProposal).select_for_update()
             .select_related("response__survey__version", "household").filter(pk=proposal.pk).first())
    if found is None:
        raise Http404("未找到该建议 / no such proposal")
    return found


def _decided_on_checked(proposal: RegistryProposal, decided_on, problems: dict) -> None:
    if proposal.state != RegistryProposal.State.PROPOSED:
        problems["state"] = [_("该建议已审核")]
    if decided_on is None:
        problems["decided_on"] = [_("请填写审核日期")]
    elif decided_on > _today():
        problems["decided_on"] = [_("审核日期不能晚于今天")]
    elif decided_on < proposal.response.answered_on:
        problems["decided_on"] = [_("审核日期不能早于问卷填写日期")]


def response_validity(response: Response) -> tuple[bool, list[str]]:
    """Whether the engine finds the response valid within its survey, and its reasons."""
    survey = response.survey
    table = survey_table(survey)
    pks = list(survey.responses.order_by("pk").values_list("pk", flat=True))
    checked = engine.validity(questionnaire_of(survey.version), table)
    index = pks.index(response.pk)
    return bool(checked.column("valid")[index].as_py()), list(checked.column("reasons")[index].as_py())


@transaction.atomic
def proposal_accept(*, user, proposal: RegistryProposal, decided_on: dt.date, request=None) -> RegistryProposal:
    """Write the proposed value into the household through the registry's one write path
    ("问卷调查 #<survey>" in its history). Refused: a decided proposal, a response the
    engine finds invalid (naming its reasons), a value the registry refuses; the registry
    itself refuses a user who may not edit the household (PermissionDenied)."""
    proposal = _proposal_seen(user, proposal)
    problems: dict = {}
    _decided_on_checked(proposal, decided_on, problems)
    _raise(problems)
    valid, reasons = response_validity(proposal.response)
    if not valid:
        words = "、".join(engine.REASONS_ZH.get(r, r) for r in reasons)
        words_en = ", ".join(r.replace("_", " ") for r in reasons)
        raise ValidationError({"__all__": [in_language(f"该问卷无效({words}),其答案不能写入台账",
                                                       f"the questionnaire is invalid ({words_en}); its answers "
                                                       "cannot be written into the registry")]})
    survey = proposal.response.survey
    try:
        household_update_many(user=user, changes=[(proposal.household, {proposal.field: proposal.value})],
                              change_reason=survey_reason(survey))
    except RowsRefused as refused:
        raise ValidationError({"value": [f"{p.message_zh} / {p.message_en}" for p in refused.problems]}) from None
    proposal.state = RegistryProposal.State.ACCEPTED
    proposal.decided_by, proposal.decided_on, proposal.decided_at = user, decided_on, timezone.now()
    proposal.save(update_fields=["state", "decided_by", "decided_on", "decided_at"])
    _audit(user=user, action="update", record=proposal, object_type="survey_proposal",
           division_code=proposal.division_code,
           detail={"state": proposal.state, "household": proposal.household_id, "field": proposal.field, "value": proposal.value,
                   "before": proposal.value_before, "survey": survey.pk, "response": proposal.response_id},
           request=request)
    return proposal


@transaction.atomic
def proposal_decline(*, user, proposal: RegistryProposal, decided_on: dt.date, reason: str,
                     request=None) -> RegistryProposal:
    """Decline a proposal with the reason (required); the household is not changed."""
    proposal = _proposal_seen(user, proposal)
    problems: dict = {}
    _decided_on_checked(proposal, decided_on, problems)
    if not (reason or "").strip():
        problems["reason"] = [_("请说明不采纳的原因")]
    _raise(problems)
    proposal.state = RegistryProposal.State.DECLINED
    proposal.decided_by, proposal.decided_on, proposal.decided_at = user, decided_on, timezone.now()
    proposal.reason = reason.strip()[:200]
    proposal.save(update_fields=["state", "decided_by", "decided_on", "decided_at", "reason"])
    _audit(user=user, action="update", record=proposal, object_type="survey_proposal",
           division_code=proposal.division_code,
           detail={"state": proposal.state, "household": proposal.household_id, "field": proposal.field, "value": proposal.value,
                   "reason": proposal.reason, "response": proposal.response_id}, request=request)
    return proposal
