"""The surveys' write path (surveys.md, issue 15): a questionnaire is never edited (every
change a version, a survey keeps its own), a response is kept as returned and refused
only when it cannot be one, a phone's repeat is stored once, and a mapped answer reaches
the registry only when a reviewer accepts it."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from neisheng.accounts.models import AuditEvent
from neisheng.registry.models import Household
from neisheng.registry.selectors.history import change_history
from neisheng.surveys import selectors, services
from neisheng.surveys.models import QuestionnaireVersion, RegistryProposal, Response
from neisheng.surveys.tests.conftest import OPENED, TODAY, household_answers

pytestmark = pytest.mark.django_db

SHORT = """
code: short
title: 简短问卷
groups: {household: 脱贫主体}
questions:
  - code: will
    text: 我愿意靠自己的努力脱贫致富
    type: likert
    maps_to: willingness
"""


def submit(user, survey, respondent_id, *, household=None, answers=None, key=None, group="household", **extra):
    return services.response_submit(user=user, survey=survey, respondent_id=respondent_id, group=group,
                                    answers=household_answers() if answers is None else answers,
                                    household=household, answered_on=TODAY, source=Response.Source.WEB,
                                    idempotency_key=key, **extra)


# --------------------------------------------------------------------------- questionnaires


def test_a_revision_is_a_new_version_and_the_survey_keeps_its_own(officer, places, questionnaire, survey):
    first = questionnaire.current
    assert first.number == 1 and "will" in first.source
    reworded = first.source.replace("我愿意靠自己的努力脱贫致富", "我愿意通过自己的努力过上好日子")
    second = services.questionnaire_revise(user=officer, questionnaire=questionnaire, source=reworded,
                                           reason="第一题措辞改得更口语化")
    assert second.number == 2 and questionnaire.current == second
    first.refresh_from_db()
    survey.refresh_from_db()
    assert "我愿意靠自己的努力脱贫致富" in first.source  # nothing overwritten
    assert survey.version_id == first.pk  # answers keep the wording they were given to
    assert selectors.questionnaire_of(survey.version).question("will").text == "我愿意靠自己的努力脱贫致富"
    assert list(questionnaire.versions.order_by("number").values_list("number", flat=True)) == [1, 2]
    # A new survey can issue the new wording; the old one still reports on the old.
    later = services.survey_open(user=officer, version=second, division_code=places["town"].code, name="第二轮",
                                 issued=10, opened_on=TODAY)
    assert later.version == second and survey.version == first


def test_a_revision_needs_a_reason_a_change_and_the_same_code(officer, questionnaire):
    source = questionnaire.current.source
    with pytest.raises(ValidationError) as refused:
        services.questionnaire_revise(user=officer, questionnaire=questionnaire, source=source + "\n", reason="")
    assert "reason" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.questionnaire_revise(user=officer, questionnaire=questionnaire, source=source, reason="无修改")
    assert "source" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.questionnaire_revise(user=officer, questionnaire=questionnaire,
                                      source=source.replace("code: motivation-2019", "code: other", 1), reason="换代码")
    assert "motivation-2019" in refused.value.message_dict["source"][0]
    assert QuestionnaireVersion.objects.filter(questionnaire=questionnaire).count() == 1


def test_a_questionnaire_the_engine_refuses_is_refused_naming_the_key(officer, places):
    with pytest.raises(ValidationError) as refused:
        services.questionnaire_create(user=officer, division_code=places["county"].code,
                                      source=SHORT.replace("type: likert", "type: slider"), reason="")
    assert "questions.will.type" in refused.value.message_dict["source"][0]
    repeated = SHORT + "  - code: will\n    text: 又一题\n    type: text\n"
    with pytest.raises(ValidationError) as refused:
        services.questionnaire_create(user=officer, division_code=places["county"].code, source=repeated, reason="")
    assert "questions[2].code" in refused.value.message_dict["source"][0]
    made = services.questionnaire_create(user=officer, division_code=places["county"].code, source=SHORT, reason="")
    assert made.code == "short" and made.current.number == 1
    with pytest.raises(ValidationError):  # one code per division
        services.questionnaire_create(user=officer, division_code=places["county"].code, source=SHORT, reason="")


def test_designing_needs_the_capability_and_the_division(make_user, places):
    with pytest.raises(PermissionDenied):
        services.questionnaire_from_template(user=make_user("researcher", places["county"]),
                                             division_code=places["county"].code)
    with pytest.raises(ValidationError) as refused:
        services.questionnaire_from_template(user=make_user("town", places["town"]),
                                             division_code=places["other_county"].code)
    assert "division_code" in refused.value.message_dict


# --------------------------------------------------------------------------- responses


def test_a_repeated_idempotency_key_returns_the_first_response(officer, survey, village_households):
    key = uuid.uuid4()
    household = village_households["here"][0]
    first = submit(officer, survey, "Q001", household=household, key=key)
    again = submit(officer, survey, "Q001", household=household, key=str(key),
                   answers=household_answers(will=1))
    assert first.created and not again.created
    assert again.pk == first.pk and again.answers["will"] == 4
    assert Response.objects.filter(survey=survey).count() == 1
    assert AuditEvent.objects.filter(object_type="survey_response").count() == 1
    assert RegistryProposal.objects.filter(response=first).count() == len(first.proposals.all())


def test_what_cannot_be_a_response_is_refused(officer, places, survey, village_households):
    with pytest.raises(ValidationError) as refused:
        submit(officer, survey, "Q1", answers=household_answers(hobby="钓鱼"))
    assert "hobby" in refused.value.message_dict["answers"][0]
    other_county = Household.objects.filter(village__code__startswith=places["other_county"].prefix).first()
    for household in (other_county.pk, "500237999999999999"):
        with pytest.raises(ValidationError) as refused:
            submit(officer, survey, "Q2", household=household)
        # Out of scope is answered as not registered: nobody learns who lives elsewhere.
        assert refused.value.message_dict["household"] == ["在您管辖范围内的登记中没有这户"]
    with pytest.raises(ValidationError) as refused:
        submit(officer, survey, "Q3", village_code=places["other_village"].code)
    assert "village_code" in refused.value.message_dict
    services.survey_close(user=officer, survey=survey, closed_on=TODAY)
    with pytest.raises(ValidationError) as refused:
        submit(officer, survey, "Q4")
    assert "survey" in refused.value.message_dict
    assert not Response.objects.filter(survey=survey).exists()


def test_invalid_answers_are_kept_as_returned_and_reported_invalid(officer, survey):
    submit(officer, survey, "Q1")
    submit(officer, survey, "Q2", answers=household_answers(will=7))
    submit(officer, survey, "Q1")  # entered twice
    submit(officer, survey, "Q3", group="村民代表")
    assert Response.objects.filter(survey=survey).count() == 4
    report = selectors.survey_report(survey)
    assert report.summary["returned"] == 4 and report.summary["valid"] == 1
    assert report.invalid.to_pylist() == [
        {"row": 2, "respondent_id": "Q2", "reasons": "out_of_range"},
        {"row": 3, "respondent_id": "Q1", "reasons": "duplicate"},
        {"row": 4, "respondent_id": "Q3", "reasons": "unknown_group"},
    ]


def test_the_response_takes_the_village_of_its_household_and_the_survey_otherwise(officer, places, survey,
                                                                                  village_households):
    household = village_households["here"][0]
    linked = submit(officer, survey, "Q1", household=household)
    assert (linked.village_code, linked.division_code) == (household.village_id, household.village_id)
    plain = submit(officer, survey, "Q2")
    assert (plain.village_code, plain.division_code) == ("", places["county"].code)
    with pytest.raises(ValidationError) as refused:
        submit(officer, survey, "Q3", household=household, village_code=village_households["other_village"].code)
    assert "village_code" in refused.value.message_dict


def test_a_village_cadre_answers_the_county_survey_within_their_village(make_user, places, survey,
                                                                         village_households):
    cadre = make_user("village", places["village"])
    made = submit(cadre, survey, "V1", household=village_households["here"][1], group="脱贫主体")
    assert made.group == "household" and made.division_code == places["village"].code
    with pytest.raises(ValidationError) as refused:  # no village: the county's, outside the cadre's scope
        submit(cadre, survey, "V2")
    assert "village_code" in refused.value.message_dict
    with pytest.raises(ValidationError):
        submit(cadre, survey, "V3", household=village_households["there"][0])


# --------------------------------------------------------------------------- proposals


def test_an_accepted_proposal_changes_the_household_through_the_registry(officer, survey, village_households):
    household = village_households["here"][0]
    Household.objects.filter(pk=household.pk).update(willingness=2, participates_village_affairs=False)
    household.refresh_from_db()
    response = submit(officer, survey, "Q1", household=household, answers=household_answers(will=5))
    proposals = {p.field: p for p in response.proposals.all()}
    assert set(proposals) == {"willingness", "participates_village_affairs"}
    will = proposals["willingness"]
    assert (will.question, will.value, will.value_before, will.state) == ("will", 5, 2, "proposed")
    assert (proposals["participates_village_affairs"].value, proposals["participates_village_affairs"].value_before) \
        == (True, False)
    household.refresh_from_db()
    assert household.willingness == 2  # nothing reaches the registry before a reviewer accepts

    accepted = services.proposal_accept(user=officer, proposal=will, decided_on=TODAY)
    assert accepted.state == "accepted" and accepted.decided_by == officer
    household.refresh_from_db()
    assert household.willingness == 5
    change = next(c for c in change_history(household) if any(f[0] == "脱贫意愿" for f in c.fields))
    assert (change.kind, change.activity) == ("问卷调查", survey.pk)
    assert ("脱贫意愿", "2", "5") in change.fields
    # The next response about the household proposes from the value now registered.
    later = submit(officer, survey, "Q2", household=household, answers=household_answers(will=3))
    nxt = later.proposals.get(field="willingness")
    assert (nxt.value, nxt.value_before) == (3, 5)
    # An answer equal to the registry's proposes nothing.
    same = submit(officer, survey, "Q3", household=household, answers=household_answers(will=5, village_affairs="B"))
    assert not same.proposals.filter(field="willingness").exists()
    with pytest.raises(ValidationError):  # decided once
        services.proposal_accept(user=officer, proposal=will, decided_on=TODAY)


def test_an_answer_the_engine_finds_invalid_is_not_accepted(officer, survey, village_households):
    household = village_households["here"][0]
    Household.objects.filter(pk=household.pk).update(willingness=1)
    submit(officer, survey, "Q1")
    twice = submit(officer, survey, "Q1", household=household, answers=household_answers(will=5))
    proposal = twice.proposals.get(field="willingness")
    with pytest.raises(ValidationError) as refused:
        services.proposal_accept(user=officer, proposal=proposal, decided_on=TODAY)
    assert "重复问卷" in refused.value.messages[0]
    household.refresh_from_db()
    proposal.refresh_from_db()
    assert household.willingness == 1 and proposal.state == "proposed"
    # An out-of-range answer maps to nothing at all.
    wild = submit(officer, survey, "Q9", household=household, answers=household_answers(will=9))
    assert not wild.proposals.filter(field="willingness").exists()


def test_declining_needs_a_reason_and_leaves_the_household(officer, survey, village_households):
    household = village_households["here"][0]
    Household.objects.filter(pk=household.pk).update(willingness=2)
    proposal = submit(officer, survey, "Q1", household=household,
                      answers=household_answers(will=5)).proposals.get(field="willingness")
    with pytest.raises(ValidationError) as refused:
        services.proposal_decline(user=officer, proposal=proposal, decided_on=TODAY, reason="  ")
    assert "reason" in refused.value.message_dict
    declined = services.proposal_decline(user=officer, proposal=proposal, decided_on=TODAY,
                                         reason="与走访了解的情况不一致")
    assert declined.state == "declined" and declined.reason == "与走访了解的情况不一致"
    household.refresh_from_db()
    assert household.willingness == 2
    with pytest.raises(ValidationError) as refused:
        services.proposal_accept(user=officer, proposal=proposal, decided_on=TODAY)
    assert "state" in refused.value.message_dict


def test_reviewing_needs_the_capability_and_the_household_in_scope(make_user, officer, places, survey,
                                                                   village_households):
    household = village_households["here"][0]
    Household.objects.filter(pk=household.pk).update(willingness=2)
    proposal = submit(officer, survey, "Q1", household=household,
                      answers=household_answers(will=5)).proposals.get(field="willingness")
    with pytest.raises(PermissionDenied):
        services.proposal_accept(user=make_user("assistance", places["village"]), proposal=proposal,
                                 decided_on=TODAY)
    from django.http import Http404

    with pytest.raises(Http404):
        services.proposal_accept(user=make_user("county", places["other_county"]), proposal=proposal,
                                 decided_on=TODAY)
    with pytest.raises(ValidationError) as refused:
        services.proposal_accept(user=officer, proposal=proposal, decided_on=OPENED - dt.timedelta(days=1))
    assert "decided_on" in refused.value.message_dict
