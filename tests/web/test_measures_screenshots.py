"""The pictures of the measures' documentation, taken on the demo county's measures and
activities (web/demo_measures.py) built on the test county, and on a county with known
effects planted (synth.effects) for the evaluation: a household's assistance plan
(measures-plan.png), a training with its attendance (measures-training.png)
and the evaluation page as a researcher sees it (measures-evaluation.png). Each is
checked for what a person looks at in it before it is taken."""

from __future__ import annotations

import pytest
from tests.support import PASSWORD
from tests.web.ui_checks import han_outside_data, horizontal_overflow

from neisheng.assistance.tests.test_evaluation import PLANTED_COUNTY, planted_county_load

pytestmark = pytest.mark.slow


@pytest.fixture
def demo_measures(site, tmp_path, settings):
    """The demo logins (with the tests' password) and the demo's measures and activities
    on the test county."""
    from neisheng.accounts.models import User
    from neisheng.accounts.services import demo_users_create
    from neisheng.web.demo_measures import demo_measures_build

    settings.MEDIA_ROOT = tmp_path / "uploads"
    logins = demo_users_create(county_code="500237", password=PASSWORD)
    made = demo_measures_build(home=tmp_path, logins=logins, year=2026)
    return made, {u["role"]: User.objects.get(username=u["username"]) for u in logins}


@pytest.fixture
def planted_county(site):
    return planted_county_load()


def test_a_plan_a_training_and_the_evaluation(site, demo_measures, planted_county, make_user, phone, desktop,
                                             sign_in, shoot):
    from neisheng.assistance.models import Training, TrainingAttendance
    from neisheng.registry.models import Division

    made, users = demo_measures
    assert not made.skipped, made.skipped

    # A household's plan: measures in several states, with costs and their funding.
    sign_in(desktop, users["village"])
    desktop.goto(f"{site}/assistance/plan/{made.plan_household}/")
    measures = desktop.locator("#plan-measures [data-measure]")
    assert measures.count() >= 5
    states = {measures.nth(i).get_attribute("data-state") for i in range(measures.count())}
    assert {"planned", "in_progress", "done", "abandoned"} <= states
    assert "危房改造" in desktop.locator("#plan-measures").inner_text()
    assert horizontal_overflow(desktop) <= 0
    # A plan is long: the picture shows its measures and activities, what a cadre checks.
    desktop.evaluate("document.querySelector('#plan-measures').scrollIntoView()")
    shoot(desktop, "measures-plan")

    # A training of the demo village with its attendance: on a phone, then on an office screen.
    training = Training.objects.filter(division_code=users["village"].division_id).order_by("pk").first()
    attended = TrainingAttendance.objects.filter(training=training)
    sign_in(phone, users["village"])
    phone.goto(f"{site}/assistance/trainings/{training.pk}/")
    assert training.course in phone.locator("#training-course").inner_text()
    rows = phone.locator("#attendance-table .attendance-row")
    assert rows.count() == attended.count() >= 5
    assert attended.filter(completed=True).exclude(certificate_no="").count() == attended.count() - 1
    assert horizontal_overflow(phone) <= 0
    desktop.goto(f"{site}/assistance/trainings/{training.pk}/")
    assert desktop.locator("#attendance-table .attendance-row").count() == attended.count()
    assert horizontal_overflow(desktop) <= 0
    shoot(desktop, "measures-training", full_page=True)

    # The evaluation of a county with effects planted, as a researcher sees it, in English too.
    from neisheng.assistance.evaluation import evaluation_for

    county = Division.objects.get(code=f"{PLANTED_COUNTY}000000")
    researcher = make_user("researcher", county)
    # Evaluating 2,000 households takes seconds; done here, the page finds it kept.
    assert evaluation_for(researcher, county).estimates
    desktop.context.clear_cookies()
    sign_in(desktop, researcher)
    desktop.goto(f"{site}/assistance/evaluation/")
    income = desktop.locator("#evaluation-income .forest-row")
    assert income.count() == 3
    assert desktop.locator("#evaluation-income").get_attribute("id") == "evaluation-income"
    assert "技能培训" in desktop.locator("#evaluation-income table").inner_text()
    assert horizontal_overflow(desktop) <= 0
    shoot(desktop, "measures-evaluation", full_page=True)
    phone.context.clear_cookies()
    sign_in(phone, researcher)
    phone.goto(f"{site}/assistance/evaluation/")
    assert horizontal_overflow(phone) <= 0
    phone.context.add_cookies([{"name": "django_language", "value": "en", "url": site}])
    phone.goto(f"{site}/assistance/evaluation/")
    assert "Did the measures work?" in phone.locator("h1").inner_text()
    assert han_outside_data(phone) == []
