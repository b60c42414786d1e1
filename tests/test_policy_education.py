"""The policy ranks the contract's education codes itself (it sits below the engine and
cannot import the contract): the two lists must stay the same codes in the same order."""

from dataclasses import replace

from neisheng.engine.schema import EDUCATION
from neisheng.policy import EDUCATION_RANK, load_policy


def test_the_policy_ranks_exactly_the_contracts_education_codes_in_order():
    assert list(EDUCATION_RANK) == list(EDUCATION)


def test_at_least_senior_counts_vocational_with_senior_and_college_above():
    policy = replace(load_policy(), education_at_least="senior")
    assert policy.education_levels_meeting_bar == ("senior", "vocational", "college")
