"""The one write path of model households (脱贫示范户评选, issue 16).

Every function is keyword-only, runs in one transaction and records an audit event with
the village it concerns; every step of a nomination is also a Transition (who, the
step's own date, when recorded, why). Refusals: PermissionDenied for a role without the
capability, Http404 for what lies outside the user's scope (as if it did not exist),
ValidationError named by field for what the user can correct, TransitionRefused with one
sentence "中文 / English" for a step the workflow or the review refuses now.

- Nominating: a household of the user's scope whose status is one of the policy's
  `honours.nominee_statuses`, once per village selection (the selection of the village
  and the year of the nomination date, made on the first nomination).
- Scoring: the facts are read from the registry (the ledger's net income per person by
  year, members' months of work), the assistance app (trainings finished) and the
  nomination (acts of help); `engine.honours.honour_score` scores them under the policy
  in use. Every score is a new row; the nomination keeps the latest total.
- The village review is the shared platform.review step (council, publicity of the
  policy's `review.publicity_days`, objections, the town's approval); a nomination whose
  latest score is below `honours.pass_score` is not put to it.
- The town's approval needs the review approved and the village under
  `honours.per_village` approved nominations in the year.
- Pairing: an approved model household with up to `honours.pair_max` motivation-poor
  households of its village (the current monitoring result says who is), each given the
  `morale_support` measure through measures.services.measure_assign; a pair's first
  meeting starts that measure (measures.services.measure_step).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from neisheng.accounts.access import HONOURS_APPROVE, HONOURS_NOMINATE, HONOURS_REVIEW
from neisheng.accounts.services import audit_record
from neisheng.engine import honours as engine
from neisheng.honours.models import HelpAct, Nomination, Pairing, PairMeeting, Score, Selection
from neisheng.honours.workflow import NOMINATION_WORKFLOW
from neisheng.platform import review as reviews
from neisheng.platform import scope
from neisheng.platform.access import require
from neisheng.platform.models import Review
from neisheng.platform.workflow import TransitionRefused, transition_perform, transition_record
from neisheng.registry.models import Household

S = Nomination.State
MORALE_SUPPORT = "morale_support"
# The years before the selection's whose finished trainings count as own effort.
TRAINING_YEARS_BACK = 2


def _today() -> dt.date:
    return timezone.localdate()


def honours_policy():
    """The policy in use today (monitoring.policies: the active version of the year)."""
    from neisheng.monitoring.policies import policy_current

    return policy_current().policy


def _audit(*, user, action: str, obj, object_type: str, division_code: str, detail: dict, request=None) -> None:
    audit_record(user=user, action=action, division_code=division_code, object_type=object_type,
                 object_id=str(obj.pk), detail=detail, request=request)


def _nomination_in_scope(user, nomination: Nomination) -> Nomination:
    if not scope.visible_to(user, Nomination).filter(pk=nomination.pk).exists():
        raise Http404("未找到该推荐 / no such nomination")
    return nomination


def _date_checked(field: str, value, problems: dict, *, not_before: dt.date | None = None) -> None:
    if not isinstance(value, dt.date):
        problems.setdefault(field, []).append(_("请填写日期。"))
    elif value > _today():
        problems.setdefault(field, []).append(_("日期不能晚于今天。"))
    elif not_before is not None and value < not_before:
        problems.setdefault(field, []).append(_("日期不能早于推荐日期。"))


# --- nominating ---------------------------------------------------------------------------


@transaction.atomic
def nomination_create(*, user, household: Household, source: str, nominated_by_name: str, nominated_on: dt.date,
                      story: str, request=None) -> Nomination:
    """Put `household` forward in its village's selection of the nomination's year."""
    require(user, HONOURS_NOMINATE)
    if household is None or not scope.visible_to(user, Household).filter(pk=household.pk).exists():
        raise Http404("未找到该户 / no such household")
    policy = honours_policy()
    problems: dict[str, list] = {}
    if household.status not in policy.honours_nominee_statuses:
        problems["household"] = [_("该户的户类型不在可推荐的范围内。")]
    if source not in Nomination.Source.values:
        problems["source"] = [_("请选择推荐方式。")]
    if not (nominated_by_name or "").strip():
        problems["nominated_by_name"] = [_("请填写推荐人。")]
    if not (story or "").strip():
        problems["story"] = [_("请填写事迹。")]
    _date_checked("nominated_on", nominated_on, problems)
    if problems:
        raise ValidationError(problems)
    selection, _made = Selection.objects.get_or_create(
        division_code=household.village_id, year=nominated_on.year,
        defaults={"opened_on": nominated_on, "created_by": user if user.is_authenticated else None})
    if Nomination.objects.filter(selection=selection, household=household).exists():
        raise ValidationError({"household": [_("该户已在本年度的评选中被推荐。")]})
    nomination = Nomination.objects.create(
        selection=selection, household=household, division_code=household.village_id, source=source,
        nominated_by_name=nominated_by_name.strip()[:100], nominated_on=nominated_on, story=story.strip(),
        created_by=user)
    transition_record(obj=nomination, workflow=NOMINATION_WORKFLOW, name="nominate", from_state="", user=user,
                      effective_on=nominated_on, reason=nomination.nominated_by_name)
    _audit(user=user, action="create", obj=nomination, object_type="honour_nomination",
           division_code=nomination.division_code,
           detail={"household": household.household_id, "source": source, "year": selection.year},
           request=request)
    return nomination


@transaction.atomic
def help_act_add(*, user, nomination: Nomination, done_on: dt.date, text: str, request=None) -> HelpAct:
    """An act of help the household gave others; counted by the next score."""
    require(user, HONOURS_NOMINATE)
    _nomination_in_scope(user, nomination)
    problems: dict[str, list] = {}
    if nomination.state not in (S.NOMINATED, S.SCORED):
        problems["text"] = [_("评议开始后不能再补充事迹。")]
    if not (text or "").strip():
        problems.setdefault("text", []).append(_("请填写帮助他人的事。"))
    _date_checked("done_on", done_on, problems)
    if problems:
        raise ValidationError(problems)
    act = HelpAct.objects.create(nomination=nomination, done_on=done_on, text=text.strip()[:300], recorded_by=user)
    _audit(user=user, action="create", obj=act, object_type="honour_help_act", division_code=nomination.division_code,
           detail={"nomination": nomination.pk, "done_on": done_on.isoformat()}, request=request)
    return act


# --- scoring --------------------------------------------------------------------------------


def household_facts(household: Household, *, year: int, help_acts: int, policy) -> engine.HonourFacts:
    """What a score is computed from, read from the registry (the ledger's net income per
    person by year, members' months of work) and the assistance app (trainings finished
    in the selection's year and the two before)."""
    from neisheng.assistance.models import TrainingAttendance
    from neisheng.registry.selectors.household_file import ledger_by_year

    alive = [m for m in household.members.all() if m.alive]
    income_pc = {line.year: line.per_capita for line in ledger_by_year(household, len(alive))}
    trainings = TrainingAttendance.objects.filter(
        household=household, completed=True, training__ends_on__year__gte=year - TRAINING_YEARS_BACK,
        training__ends_on__year__lte=year).count()
    return engine.HonourFacts(
        year=year, income_pc=income_pc,
        working_members=sum(1 for m in alive if m.employed_months >= policy.employment_months_at_least),
        trainings_finished=trainings, help_acts=help_acts, willingness=household.willingness)


def nomination_facts(nomination: Nomination, policy) -> engine.HonourFacts:
    return household_facts(nomination.household, year=nomination.selection.year,
                           help_acts=nomination.help_acts.count(), policy=policy)


def score_with(facts: engine.HonourFacts, policy) -> engine.HonourScore:
    return engine.honour_score(
        facts, weights=policy.honours_weight, income_growth_full=policy.honours_income_growth_full,
        own_effort_full=policy.honours_own_effort_full, helping_others_full=policy.honours_helping_others_full)


def score_of(nomination: Nomination, policy) -> engine.HonourScore:
    return score_with(nomination_facts(nomination, policy), policy)


@transaction.atomic
def nomination_score(*, user, nomination: Nomination, scored_on: dt.date, request=None) -> Score:
    """Score the nomination now (again, after more acts of help): a new Score row."""
    _nomination_in_scope(user, nomination)
    require(user, HONOURS_NOMINATE)
    policy = honours_policy()
    score = score_of(nomination, policy)
    transition_perform(obj=nomination, step="score", user=user, effective_on=scored_on,
                       reason=f"{score.total}", changes={"score_total": score.total})
    row = Score.objects.create(nomination=nomination, scored_on=scored_on, total=score.total,
                               criteria=score.figures(), pass_score=policy.honours_pass_score, scored_by=user)
    _audit(user=user, action="update", obj=nomination, object_type="honour_nomination",
           division_code=nomination.division_code,
           detail={"step": "score", "total": str(score.total), "pass_score": str(policy.honours_pass_score)},
           request=request)
    return row


# --- the village review ------------------------------------------------------------------------


def _review_under_way(nomination: Nomination) -> Review:
    review = reviews.review_of(nomination)
    if review is None or nomination.state != S.REVIEWING:
        raise TransitionRefused("该推荐不在评议公示中 / the nomination is not under review")
    return review


def _step_audit(user, nomination: Nomination, step: str, request=None, **detail) -> None:
    _audit(user=user, action="update", obj=nomination, object_type="honour_nomination",
           division_code=nomination.division_code, detail={"step": step, **detail}, request=request)


@transaction.atomic
def nomination_submit(*, user, nomination: Nomination, submitted_on: dt.date, request=None) -> Nomination:
    """Scored (at or above the pass score) → the village's review opens."""
    _nomination_in_scope(user, nomination)
    transition_perform(obj=nomination, step="submit", user=user, effective_on=submitted_on)
    reviews.review_open(obj=nomination, user=user, opened_on=submitted_on,
                        subject=f"脱贫示范户 {nomination.household_id} ({nomination.selection.year})")
    _step_audit(user, nomination, "submit", request)
    return nomination


@transaction.atomic
def nomination_review_decide(*, user, nomination: Nomination, decision: str, council_on: dt.date, note: str = "",
                             request=None) -> Nomination:
    """The council's decision (民主评议); a refusal ends the nomination with the note as why."""
    _nomination_in_scope(user, nomination)
    require(user, HONOURS_REVIEW)
    review = _review_under_way(nomination)
    reviews.review_record_decision(review=review, user=user, decision=decision, council_on=council_on, note=note)
    if review.state == Review.State.REJECTED:
        transition_perform(obj=nomination, step="council_refuse", user=user, effective_on=council_on,
                           reason=note.strip() or "民主评议未通过")
    _step_audit(user, nomination, "decide", request, decision=decision)
    return nomination


@transaction.atomic
def nomination_review_publicise(*, user, nomination: Nomination, start_on: dt.date, request=None) -> Nomination:
    """Post the council's decision for the policy's `review.publicity_days`."""
    _nomination_in_scope(user, nomination)
    require(user, HONOURS_REVIEW)
    reviews.review_publicise(review=_review_under_way(nomination), user=user, start_on=start_on,
                             policy=honours_policy())
    _step_audit(user, nomination, "publicise", request, start_on=start_on.isoformat())
    return nomination


@transaction.atomic
def nomination_review_object(*, user, nomination: Nomination, raised_by: str, raised_on: dt.date, text: str,
                             request=None):
    _nomination_in_scope(user, nomination)
    require(user, HONOURS_REVIEW)
    objection = reviews.review_object(review=_review_under_way(nomination), user=user, raised_by=raised_by,
                                      raised_on=raised_on, text=text)
    _step_audit(user, nomination, "object", request)
    return objection


@transaction.atomic
def nomination_review_resolve(*, user, nomination: Nomination, objection_pk: int, resolution: str,
                              resolved_on: dt.date, request=None):
    _nomination_in_scope(user, nomination)
    require(user, HONOURS_REVIEW)
    review = _review_under_way(nomination)
    objection = review.objections.filter(pk=objection_pk).first()
    if objection is None:
        raise Http404("no such objection")
    resolved = reviews.review_resolve_objection(objection=objection, user=user, resolution=resolution,
                                                resolved_on=resolved_on)
    _step_audit(user, nomination, "resolve", request)
    return resolved


def approved_count(selection: Selection) -> int:
    return selection.nominations.filter(state=S.APPROVED).count()


@transaction.atomic
def nomination_approve(*, user, nomination: Nomination, approved_on: dt.date, note: str = "",
                       request=None) -> Nomination:
    """The town approves the review and the nomination: refused while the publicity runs,
    with an objection unanswered, or once the village has its policy's number of model
    households of the year."""
    _nomination_in_scope(user, nomination)
    require(user, HONOURS_APPROVE)
    review = _review_under_way(nomination)
    # Locked, so two approvals at once cannot both pass the cap.
    selection = Selection.objects.select_for_update().get(pk=nomination.selection_id)
    cap = honours_policy().honours_per_village
    if approved_count(selection) >= cap:
        raise TransitionRefused(f"本村本年度已审定 {cap} 户示范户,已达上限 / the village already has {cap} "
                                f"approved model households this year, the most the policy allows")
    reviews.review_approve(review=review, user=user, approved_on=approved_on, note=note)
    transition_perform(obj=nomination, step="approve", user=user, effective_on=approved_on, reason=note)
    _step_audit(user, nomination, "approve", request, approved_on=approved_on.isoformat())
    return nomination


@transaction.atomic
def nomination_reject(*, user, nomination: Nomination, rejected_on: dt.date, reason: str,
                      request=None) -> Nomination:
    """The town does not approve (the reason is required); the review ends rejected too."""
    _nomination_in_scope(user, nomination)
    require(user, HONOURS_APPROVE)
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("请填写理由。")]})
    review = _review_under_way(nomination)
    if review.state == Review.State.OPEN:
        reviews.review_record_decision(review=review, user=user, decision=Review.Decision.REFUSED,
                                       council_on=rejected_on, note=reason)
    elif review.state in (Review.State.DECIDED, Review.State.PUBLICISED):
        reviews.review_reject(review=review, user=user, rejected_on=rejected_on, reason=reason)
    transition_perform(obj=nomination, step="reject", user=user, effective_on=rejected_on, reason=reason)
    _step_audit(user, nomination, "reject", request, reason=reason.strip())
    return nomination


@transaction.atomic
def nomination_withdraw(*, user, nomination: Nomination, withdrawn_on: dt.date, reason: str,
                        request=None) -> Nomination:
    _nomination_in_scope(user, nomination)
    transition_perform(obj=nomination, step="withdraw", user=user, effective_on=withdrawn_on, reason=reason)
    _step_audit(user, nomination, "withdraw", request, reason=(reason or "").strip())
    return nomination


# --- pairing ------------------------------------------------------------------------------------


def motivation_poor(household_ids) -> set[str]:
    """Of `household_ids`, those whose current monitoring result is motivation-poor."""
    from neisheng.monitoring.current import current_results

    return {h for h, r in current_results(household_ids).items() if r.motivation_poor}


@transaction.atomic
def pairing_create(*, user, nomination: Nomination, household: Household, paired_on: dt.date, note: str = "",
                   request=None) -> Pairing:
    """Pair the approved model household with a motivation-poor household of its village;
    the paired household gets the morale_support measure (measures' own write path)."""
    from neisheng.measures.services import measure_assign

    require(user, HONOURS_NOMINATE)
    _nomination_in_scope(user, nomination)
    if household is None or not scope.visible_to(user, Household).filter(pk=household.pk).exists():
        raise Http404("未找到该户 / no such household")
    nomination = Nomination.objects.select_for_update().get(pk=nomination.pk)
    problems: dict[str, list] = {}
    if nomination.state != S.APPROVED:
        problems["household"] = [_("只有经乡镇审定的示范户才能结对。")]
    elif household.village_id != nomination.division_code or household.pk == nomination.household_id:
        problems["household"] = [_("结对农户应为本村的其他农户。")]
    elif household.pk not in motivation_poor([household.pk]):
        problems["household"] = [_("该户当前的监测结果不是内生动力不足。")]
    elif nomination.pairings.filter(household=household).exists():
        problems["household"] = [_("该户已与这户示范户结对。")]
    elif nomination.pairings.count() >= honours_policy().honours_pair_max:
        problems["household"] = [_("这户示范户的结对户数已达政策上限。")]
    _date_checked("paired_on", paired_on, problems)
    if not problems and paired_on < nomination.nominated_on:
        problems["paired_on"] = [_("日期不能早于推荐日期。")]
    if problems:
        raise ValidationError(problems)
    measure = measure_assign(user=user, household=household, measure=MORALE_SUPPORT, assigned_on=paired_on,
                             responsible=f"示范户 {nomination.household_id}",
                             note=(note or "").strip() or f"与脱贫示范户 {nomination.household_id} 结对",
                             request=request)
    pairing = Pairing.objects.create(nomination=nomination, household=household, division_code=household.village_id,
                                     paired_on=paired_on, measure=measure, note=(note or "").strip(), created_by=user)
    _audit(user=user, action="create", obj=pairing, object_type="honour_pairing", division_code=pairing.division_code,
           detail={"model": nomination.household_id, "household": household.household_id,
                   "paired_on": paired_on.isoformat(), "measure": measure.pk}, request=request)
    return pairing


@transaction.atomic
def pair_meeting_add(*, user, pairing: Pairing, met_on: dt.date, attendees: str, discussed: str,
                     request=None) -> PairMeeting:
    """A meeting of the pair; the first one starts the paired household's measure."""
    from neisheng.measures.models import AssignedMeasure
    from neisheng.measures.services import measure_step

    require(user, HONOURS_NOMINATE)
    if not scope.visible_to(user, Pairing).filter(pk=pairing.pk).exists():
        raise Http404("未找到该结对 / no such pairing")
    problems: dict[str, list] = {}
    if not (attendees or "").strip():
        problems["attendees"] = [_("请填写参加人员。")]
    if not (discussed or "").strip():
        problems["discussed"] = [_("请填写交流内容。")]
    _date_checked("met_on", met_on, problems)
    if "met_on" not in problems and met_on < pairing.paired_on:
        problems["met_on"] = [_("交流日期不能早于结对日期。")]
    if problems:
        raise ValidationError(problems)
    meeting = PairMeeting.objects.create(pairing=pairing, met_on=met_on, attendees=attendees.strip()[:300],
                                         discussed=discussed.strip(), recorded_by=user)
    measure = pairing.measure
    if measure is not None and measure.state == AssignedMeasure.State.PLANNED:
        measure_step(user=user, measure=measure, step="start", effective_on=met_on,
                     reason=f"示范户结对交流 #{meeting.pk}", request=request)
    _audit(user=user, action="create", obj=meeting, object_type="honour_pair_meeting",
           division_code=pairing.division_code, detail={"pairing": pairing.pk, "met_on": met_on.isoformat()},
           request=request)
    return meeting
