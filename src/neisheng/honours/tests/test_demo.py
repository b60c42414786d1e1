"""The demo county's model households (issue 16) on the test county with the demo logins:
nominations from all three sources, one refused at the pass score, three approved and one
rejected with its reason after the publicity, the roll, pairs and their meetings."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_the_demo_has_a_completed_selection_a_roll_and_pairs(county, tmp_path, django_capture_on_commit_callbacks,
                                                             client):
    from neisheng.accounts.services import demo_users_create
    from neisheng.honours.models import Nomination, Pairing
    from neisheng.monitoring.services import monitoring_run
    from neisheng.platform.review import review_of
    from neisheng.platform.workflow import history
    from neisheng.web.demo_honours import demo_honours_build

    monitoring_run(year=2026, work_dir=tmp_path / "run")
    logins = demo_users_create(county_code="500237", password="demo-honours-test-2026")
    said = []
    with django_capture_on_commit_callbacks(execute=True):
        made = demo_honours_build(home=tmp_path, logins=logins, year=2026, say=said.append)
    assert set(made.sources) == {"cadre", "village", "self"}
    assert made.states == {"approved": 3, "rejected": 1, "scored": 1}, made.states
    assert made.below_pass is not None and "合格分" in made.refusal
    rejected = Nomination.objects.get(pk=made.rejected)
    assert history(rejected).last().reason.startswith("经公示后核实")
    for pk in made.approved:
        review = review_of(Nomination.objects.get(pk=pk))
        assert review.state == "approved" and review.approved_on > review.publicity_end
    assert made.pairings >= 1 and made.meetings >= made.pairings
    assert Pairing.objects.filter(nomination_id__in=made.approved, measure__measure="morale_support").count() \
        == made.pairings
    client.force_login(next(u for u in _users(logins) if u.role == "town"))
    roll = client.get(f"/honours/roll/{made.village}/").content.decode()
    assert roll.count('class="card roll-entry"') == 3
    assert len(made.lines()) == 1 and said


def _users(logins):
    from neisheng.accounts.models import User

    return User.objects.filter(username__in=[u["username"] for u in logins])
