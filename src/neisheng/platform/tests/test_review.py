"""The review-and-publicity step (民主评议 → 公示 → 审批), with known answers: a posting
of N calendar days counting its first, approval refused while it runs and while an
objection is open, allowed after; every step logged with its own date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from neisheng.accounts.access import REGISTRY_EDIT
from neisheng.platform.models import Review
from neisheng.platform.review import (
    publicity_end,
    review_approve,
    review_approved,
    review_days_left,
    review_history,
    review_object,
    review_of,
    review_open,
    review_publicise,
    review_record_decision,
    review_reject,
    review_resolve_objection,
)
from neisheng.platform.workflow import Step, TransitionRefused, Workflow
from neisheng.policy import PolicyError, load_policy

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
# The story is told in the past (a step's date may not be in the future): day 0 is 30
# days ago, whatever today is.
D0 = timezone.localdate() - 30 * DAY


def day(n: int) -> dt.date:
    return D0 + n * DAY


@pytest.fixture
def household(places):
    from neisheng.registry.models import Household

    return Household.objects.filter(village=places["village"]).order_by("household_id").first()


@pytest.fixture
def cadre(make_user, places):
    return make_user("village", places["village"])


@pytest.fixture
def town_officer(make_user, places):
    return make_user("town", places["town"])


@pytest.fixture
def publicised(household, cadre):
    review = review_open(obj=household, user=cadre, opened_on=day(0), subject="纳入监测 张三户")
    review_record_decision(review=review, user=cadre, decision="agreed", council_on=day(1), note="9 票同意")
    return review_publicise(review=review, user=cadre, start_on=day(2))


def test_publicity_is_counted_in_calendar_days_from_the_day_of_posting():
    assert load_policy().review_publicity_days == 5
    assert publicity_end(dt.date(2026, 3, 2), 5) == dt.date(2026, 3, 6)  # Mon–Fri
    assert publicity_end(dt.date(2026, 3, 6), 5) == dt.date(2026, 3, 10)  # over a weekend, not skipping it
    assert publicity_end(dt.date(2026, 12, 30), 5) == dt.date(2027, 1, 3)


def test_approval_is_refused_during_publicity_and_with_an_open_objection_and_allowed_after(
        publicised, cadre, town_officer, household, places):
    review = publicised
    assert (review.state, review.publicity_days, review.publicity_start, review.publicity_end) == (
        "publicised", 5, day(2), day(6))

    objection = review_object(review=review, user=cadre, raised_by="李四", raised_on=day(3), text="收入不实")
    with pytest.raises(TransitionRefused) as refused:
        review_approve(review=review, user=town_officer, approved_on=day(6))
    assert str(refused.value) == (f"公示期至 {day(6)} 结束,{day(6)} 尚在公示期内,不能审批 / the publicity runs until "
                                  f"{day(6)}: approval is possible from the day after, not on {day(6)}")
    with pytest.raises(TransitionRefused) as refused:
        review_approve(review=review, user=town_officer, approved_on=day(7))
    assert str(refused.value) == "还有 1 条异议未处理,不能审批 / 1 objection(s) not yet resolved: approval must wait"
    review.refresh_from_db()
    assert review.state == "publicised" and review.approved_on is None

    review_resolve_objection(objection=objection, user=cadre, resolution="经核实收入属实", resolved_on=day(7))
    review_approve(review=review, user=town_officer, approved_on=day(7), note="同意纳入")
    review.refresh_from_db()
    assert (review.state, review.approved_on) == ("approved", day(7))
    assert review_of(household) == review

    assert [(t.name, t.from_state, t.to_state, t.effective_on, t.username) for t in review_history(review)] == [
        ("open", "", "open", day(0), cadre.username),
        ("council_agree", "open", "decided", day(1), cadre.username),
        ("publicise", "decided", "publicised", day(2), cadre.username),
        ("object", "publicised", "publicised", day(3), cadre.username),
        ("resolve_objection", "publicised", "publicised", day(7), cadre.username),
        ("approve", "publicised", "approved", day(7), town_officer.username),
    ]
    assert {t.division_code for t in review_history(review)} == {places["village"].code}


def test_a_review_publicised_today_cannot_be_approved_today(household, cadre, town_officer):
    today = timezone.localdate()
    review = review_open(obj=household, user=cadre, opened_on=today, subject="s")
    review_record_decision(review=review, user=cadre, decision="agreed", council_on=today)
    review_publicise(review=review, user=cadre, start_on=today)
    assert review_days_left(review, today) == 5
    with pytest.raises(TransitionRefused, match="尚在公示期内"):
        review_approve(review=review, user=town_officer, approved_on=today)
    with pytest.raises(TransitionRefused, match="in the future"):
        review_approve(review=review, user=town_officer, approved_on=today + 5 * DAY)


def test_the_number_of_days_comes_from_the_policy(household, cadre, tmp_path):
    county = tmp_path / "county.yaml"
    county.write_text("review: {publicity_days: 7}\n", encoding="utf-8")
    review = review_open(obj=household, user=cadre, opened_on=day(0), subject="s")
    review_record_decision(review=review, user=cadre, decision="agreed", council_on=day(0))
    review_publicise(review=review, user=cadre, start_on=day(1), policy=load_policy(county))
    assert (review.publicity_days, review.publicity_end) == (7, day(7))


@pytest.mark.parametrize("text,key", [
    ("review: {publicity_days: 0}\n", "review.publicity_days"),
    ("review: {publicity_days: 5.5}\n", "review.publicity_days"),
    ("review: {publicity_days: true}\n", "review.publicity_days"),
    ("review: {working_days: 5}\n", "review.working_days"),
    ("review: 5\n", "review"),
])
def test_a_bad_publicity_setting_is_refused_naming_its_key(tmp_path, text, key):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as refused:
        load_policy(path)
    assert refused.value.key == key and str(refused.value).startswith(f"{path}: {key}: ")


def test_the_village_that_decided_does_not_approve_its_own_decision(publicised, cadre, make_user, places):
    for who in (cadre, make_user("county", places["village"], username="county-at-village")):
        with pytest.raises(TransitionRefused, match="您不能执行“审批通过” / you may not do “Approve”"):
            review_approve(review=publicised, user=who, approved_on=day(8))


def test_objections_belong_to_the_publicity_period_and_are_resolved_once(publicised, cadre):
    with pytest.raises(TransitionRefused, match="outside the publicity period"):
        review_object(review=publicised, user=cadre, raised_by="王五", raised_on=day(7), text="迟到的异议")
    objection = review_object(review=publicised, user=cadre, raised_by="王五", raised_on=day(6), text="异议")
    review_resolve_objection(objection=objection, user=cadre, resolution="已答复", resolved_on=day(8))
    with pytest.raises(TransitionRefused, match="already resolved"):
        review_resolve_objection(objection=objection, user=cadre, resolution="再答复", resolved_on=day(9))
    objection.refresh_from_db()
    assert (objection.raised_by, objection.raised_on, objection.resolution, objection.resolved_on,
            objection.resolved_by) == ("王五", day(6), "已答复", day(8), cadre)


def test_a_council_refusal_ends_the_review_and_a_rejection_needs_a_reason(household, cadre, town_officer):
    review = review_open(obj=household, user=cadre, opened_on=day(0), subject="s")
    with pytest.raises(TransitionRefused, match="only one|already has a review"):
        review_open(obj=household, user=cadre, opened_on=day(0), subject="again")
    review_record_decision(review=review, user=cadre, decision="refused", council_on=day(1), note="收入超标")
    assert review.state == "rejected" and review.council_decision == "refused"
    with pytest.raises(TransitionRefused, match="cannot be done from the state"):
        review_publicise(review=review, user=cadre, start_on=day(2))

    second = review_open(obj=household, user=cadre, opened_on=day(3), subject="复议")  # a new one may follow
    review_record_decision(review=second, user=cadre, decision="agreed", council_on=day(4))
    with pytest.raises(TransitionRefused, match="needs a reason"):
        review_reject(review=second, user=town_officer, rejected_on=day(5), reason="")
    review_reject(review=second, user=town_officer, rejected_on=day(5), reason="材料不全")
    assert second.state == "rejected"


def test_no_one_reviews_an_object_outside_their_division(household, make_user, places):
    with pytest.raises(TransitionRefused, match="no such object"):
        review_open(obj=household, user=make_user("village", places["other_village"]), opened_on=day(0), subject="s")
    with pytest.raises(TransitionRefused, match="may not open a review"):
        review_open(obj=household, user=make_user("department", places["county"]), opened_on=day(0), subject="s")
    assert not Review.objects.exists()


def test_an_app_s_step_can_wait_for_an_approved_review(publicised, household, town_officer):
    close = Step("close", "销号 close", source=["open"], target="closed", capability=REGISTRY_EDIT,
                 requires=[review_approved()])
    cases = Workflow(object_type="registry.household", states={"open": "open", "closed": "closed"},
                     initial="open", steps=[close])
    household.state = "open"  # as a case model would have
    assert cases.refusal(household, "close", town_officer) == (
        "需先完成民主评议、公示并经审批 / needs a review decided, publicised and approved first")
    review_approve(review=publicised, user=town_officer, approved_on=day(7))
    assert cases.refusal(household, "close", town_officer) is None
