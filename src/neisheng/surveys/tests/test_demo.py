"""The demo county's surveys (issue 15, item 6) on the test county with the demo logins:
the research's survey imported whole (有效率 96.12 %), the town's survey of its own
households from the web, a phone and paper, its proposals in every state and a refused
import with its bad rows named."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_the_demo_has_the_research_survey_and_the_town_s_own(county, tmp_path, settings,
                                                              django_capture_on_commit_callbacks):
    from neisheng.accounts.services import demo_users_create
    from neisheng.engine.surveys import percent
    from neisheng.surveys.models import Response, SurveyImport
    from neisheng.web.demo_surveys import demo_surveys_build

    settings.MEDIA_ROOT = tmp_path / "uploads"
    logins = demo_users_create(county_code="500237", password="demo-surveys-test-2026")
    said = []
    with django_capture_on_commit_callbacks(execute=True):
        made = demo_surveys_build(home=tmp_path, logins=logins, year=2026, say=said.append)
    summary = made.research_summary
    assert (summary["issued"], summary["returned"], summary["valid"]) == (1700, 1651, 1634)
    assert percent(summary["validity_rate"]) == "96.12%"
    assert Response.objects.filter(survey_id=made.research).count() == 1651

    assert set(made.responses) == {"web", "phone", "import"}
    assert 50 <= sum(made.responses.values()) <= 70
    linked = Response.objects.filter(survey_id=made.small)
    assert not linked.filter(household__isnull=True).exists()
    assert all(made.proposals[state] > 0 for state in ("proposed", "accepted", "declined")), made.proposals
    refused = SurveyImport.objects.get(pk=made.refused_import)
    assert refused.outcome == "refused" and [p["row"] for p in refused.problems] == \
        sorted(p["row"] for p in refused.problems) and len(refused.problems) == 3
    assert len(made.lines()) == 2 and said
