"""cases.md's condition 4 through the ledger (registered in ProblemsConfig.ready()): an
unclosed housing, education, medical or water problem refuses a risk elimination; once
closed, the elimination goes ahead. Another category does not block."""

from __future__ import annotations

import pytest

from neisheng.cases.services import case_transition
from neisheng.cases.tests.flow import case_in, eligible_household, step_payload
from neisheng.cases.tests.flow import users_by_role as case_users
from neisheng.platform.workflow import TransitionRefused
from neisheng.problems.services import problem_close, problem_raise, problem_resolve
from neisheng.problems.tests.support import days_ago, png


@pytest.fixture
def users(make_user, places):
    return case_users(make_user, places)


def test_an_open_problem_refuses_the_elimination_until_it_is_closed(users, places):
    household = eligible_household(places["village"])
    case = case_in("monitoring", household, users)
    problem = problem_raise(user=users["village"], household=household, category="housing", description="危房",
                            raised_on=days_ago(30))
    ago, fields = step_payload("elimination_proposed")
    with pytest.raises(TransitionRefused, match="1 个住房、教育、医疗或饮水问题"):
        case_transition(user=users["village"], case=case, to="elimination_proposed", on=days_ago(ago), **fields)
    problem_resolve(user=users["village"], problem=problem, resolved_on=days_ago(25), resolution="已加固",
                    files=[png()])
    # Resolved is not closed: it still blocks.
    with pytest.raises(TransitionRefused, match="1 个住房、教育、医疗或饮水问题"):
        case_transition(user=users["village"], case=case, to="elimination_proposed", on=days_ago(ago), **fields)
    problem_close(user=users["town"], problem=problem, closed_on=days_ago(22))
    case_transition(user=users["village"], case=case, to="elimination_proposed", on=days_ago(ago), **fields)
    assert case.state == "elimination_proposed"


def test_an_income_problem_does_not_block(users, places):
    household = eligible_household(places["village"])
    case = case_in("monitoring", household, users)
    problem_raise(user=users["village"], household=household, category="income", description="务工收入下降",
                  raised_on=days_ago(30))
    ago, fields = step_payload("elimination_proposed")
    case_transition(user=users["village"], case=case, to="elimination_proposed", on=days_ago(ago), **fields)
    assert case.state == "elimination_proposed"
