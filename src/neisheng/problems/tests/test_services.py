"""problems.services: grid.md's states and who may make each step."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from neisheng.accounts.models import AuditEvent
from neisheng.platform.workflow import TransitionRefused, history
from neisheng.problems.models import Problem
from neisheng.problems.services import problem_close, problem_raise, problem_reopen, problem_resolve
from neisheng.problems.tests.support import (
    days_ago,
    docx,
    household_with_cadre,
    pdf,
    png,
    users_by_role,
)
from neisheng.problems.workflow import PROBLEM_WORKFLOW


@pytest.fixture
def users(make_user, places):
    return users_by_role(make_user, places)


@pytest.fixture
def household(places):
    return household_with_cadre(places["village"])[0]


def _raised(users, household, **kwargs) -> Problem:
    values = {"category": "housing", "description": "屋顶漏雨", "raised_on": days_ago(20)} | kwargs
    return problem_raise(user=users["assistance"], household=household, **values)


def _resolved(users, household, by="village") -> Problem:
    problem = _raised(users, household)
    problem_resolve(user=users[by], problem=problem, resolved_on=days_ago(5), resolution="已翻修屋顶",
                    files=[png()])
    return problem


def test_raising_defaults_the_deadline_and_the_household_cadre(users, household):
    problem = _raised(users, household)
    assert problem.state == "open" and problem.deadline == days_ago(20 - 30)
    assert problem.responsible.name == "王帮扶" and problem.division_code == household.village_id
    raised = history(problem, workflow=PROBLEM_WORKFLOW).get()
    assert (raised.name, raised.from_state, raised.to_state, raised.effective_on) == ("raise", "", "open",
                                                                                      days_ago(20))
    assert AuditEvent.objects.filter(object_type="problem", object_id=str(problem.pk), action="create").exists()


def test_raising_is_refused_outside_scope_without_the_capability_or_in_the_future(users, household, places,
                                                                                  make_user):
    with pytest.raises(Http404):
        _raised({"assistance": make_user("town", places["other_town"])}, household)
    with pytest.raises(PermissionDenied, match="your role may not raise"):
        _raised({"assistance": users["researcher"]}, household)
    with pytest.raises(TransitionRefused, match="in the future"):
        _raised(users, household, raised_on=days_ago(-1))
    with pytest.raises(TransitionRefused, match="category must be one of"):
        _raised(users, household, category="roads")
    assert not Problem.objects.exists()


def test_resolving_needs_text_and_at_least_one_file(users, household):
    problem = _raised(users, household)
    with pytest.raises(TransitionRefused, match="at least one photo or document"):
        problem_resolve(user=users["village"], problem=problem, resolved_on=days_ago(5), resolution="已修", files=[])
    with pytest.raises(TransitionRefused, match="describe how the problem was resolved"):
        problem_resolve(user=users["village"], problem=problem, resolved_on=days_ago(5), resolution=" ",
                        files=[png()])
    problem.refresh_from_db()
    assert problem.state == "open" and not problem.evidence.exists()


def test_evidence_is_checked_by_content_not_by_name(users, household):
    problem = _raised(users, household)
    renamed = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not a photo", content_type="image/jpeg")
    with pytest.raises(TransitionRefused, match="photo.jpg is not a photo"):
        problem_resolve(user=users["village"], problem=problem, resolved_on=days_ago(5), resolution="已修",
                        files=[png(), renamed])
    problem.refresh_from_db()
    assert problem.state == "open" and not problem.evidence.exists()
    photo, document, word = png(), pdf(), docx()
    contents = [photo.read(), document.read(), word.read()]
    problem_resolve(user=users["village"], problem=problem, resolved_on=days_ago(5), resolution="已修",
                    files=[photo, document, word])
    kept = list(problem.evidence.order_by("pk"))
    assert [e.content_type for e in kept] == [
        "image/png", "application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"]
    for evidence, content in zip(kept, contents, strict=True):
        assert evidence.sha256 == hashlib.sha256(content).hexdigest() and evidence.size == len(content)
        assert evidence.file.read() == content and evidence.round == 1


def test_an_oversized_file_is_refused(users, household, monkeypatch):
    from neisheng.problems import evidence

    monkeypatch.setattr(evidence, "EVIDENCE_MAX_BYTES", 20)
    problem = _raised(users, household)
    with pytest.raises(TransitionRefused, match="larger than"):
        problem_resolve(user=users["village"], problem=problem, resolved_on=days_ago(5), resolution="已修",
                        files=[pdf(), png()])


def test_the_resolver_cannot_close_a_different_reviewer_can(users, household):
    problem = _resolved(users, household, by="town")
    with pytest.raises(TransitionRefused, match="another reviewer must approve it"):
        problem_close(user=users["town"], problem=problem, closed_on=days_ago(1))
    assert PROBLEM_WORKFLOW.steps_open_to(problem, users["town"])[0].name == "reopen"
    with pytest.raises(PermissionDenied, match="your role may not do"):
        problem_close(user=users["village"], problem=problem, closed_on=days_ago(1))
    problem_close(user=users["county"], problem=problem, closed_on=days_ago(1), note="现场核验属实")
    problem.refresh_from_db()
    assert problem.state == "closed" and problem.closed_by == users["county"] and problem.resolved_by == users["town"]
    steps = [(t.name, t.username, t.effective_on) for t in history(problem, workflow=PROBLEM_WORKFLOW).order_by("pk")]
    assert steps == [("raise", users["assistance"].username, days_ago(20)),
                     ("resolve", users["town"].username, days_ago(5)),
                     ("close", users["county"].username, days_ago(1))]


def test_reopening_needs_a_reason_and_the_next_round_adds_files(users, household):
    problem = _resolved(users, household)
    first_file = problem.evidence.get()
    with pytest.raises(TransitionRefused, match="needs a reason"):
        problem_reopen(user=users["town"], problem=problem, reopened_on=days_ago(4), reason="  ")
    problem_reopen(user=users["town"], problem=problem, reopened_on=days_ago(4), reason="照片看不出屋顶")
    problem.refresh_from_db()
    assert problem.state == "open" and problem.reopened_times == 1
    problem_resolve(user=users["village"], problem=problem, resolved_on=days_ago(3), resolution="补充照片",
                    files=[png()])
    assert list(problem.evidence.values_list("round", flat=True)) == [1, 2]
    first_file.refresh_from_db()
    # Same content, a file of its own: the first round's file is still there and unchanged.
    second = problem.evidence.get(round=2)
    assert second.file.name != first_file.file.name and first_file.file.read() == second.file.read()
    problem_close(user=users["county"], problem=problem, closed_on=days_ago(2))
    problem_reopen(user=users["county"], problem=problem, reopened_on=days_ago(1), reason="复查又漏雨")
    problem.refresh_from_db()
    assert problem.state == "open" and problem.closed_on is None and problem.reopened_times == 2


def test_a_step_cannot_be_dated_before_the_previous_one(users, household):
    problem = _raised(users, household)
    with pytest.raises(TransitionRefused, match="before the previous step"):
        problem_resolve(user=users["village"], problem=problem, resolved_on=days_ago(25), resolution="已修",
                        files=[png()])


def test_only_the_listed_roles_may_resolve(users, household):
    problem = _raised(users, household)
    for role in ("department", "auditor", "researcher"):
        with pytest.raises(PermissionDenied):
            problem_resolve(user=users[role], problem=problem, resolved_on=days_ago(5), resolution="已修",
                            files=[png()])
