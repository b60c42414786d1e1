"""Issue 10, item 4: results that stay current. An edit of a household (its page, an
upload, the API) re-evaluates it at once with the policy in use through the engine's own
expressions; its page, the household list and its risk filter show the new risk marked
as changed since the last run; the next run confirms it."""

from __future__ import annotations

import re

import pytest
from django.db import transaction
from django.urls import reverse
from rest_framework.test import APIClient

from neisheng.monitoring import current
from neisheng.monitoring.models import HouseholdResult, MonitoringRun, Reevaluation
from neisheng.monitoring.services import monitoring_run
from neisheng.registry import services
from neisheng.registry.models import Household, Person
from neisheng.registry.versions import record_version
from neisheng.transfers.models import ImportBatch
from neisheng.transfers.tests.test_upload import english_workbook, person_row, post_upload
from neisheng.transfers.tests.test_upload_write_path import page_form

pytestmark = pytest.mark.django_db

CHANGED = "自上次监测运行后已变化"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def run(county, tmp_path) -> MonitoringRun:
    return monitoring_run(year=2026, work_dir=tmp_path / "run")


@pytest.fixture
def cadre(client, places, make_user):
    user = make_user("village", places["village"])
    client.force_login(user)
    return user


def _green(places, run, **values) -> Household:
    """A household of the village, green in the run, with safe housing."""
    return (Household.objects.filter(village=places["village"], housing="safe", **values)
            .filter(monitoring_results__run=run, monitoring_results__risk="green").order_by("household_id").first())


def _card(client, household) -> str:
    page = client.get(reverse("registry:household_detail", args=[household.pk])).content.decode()
    return page[page.index('id="monitoring"'):page.index("</section>", page.index('id="monitoring"'))]


def _list_row(client, household, **params) -> str | None:
    page = client.get(reverse("registry:household_list"), params).content.decode()
    found = re.search(rf"<tr[^>]*>\s*<td[^>]*><a href=\"[^\"]*{household.pk}/\">.*?</tr>", page, re.DOTALL)
    return found.group(0) if found else None


def test_d_class_housing_on_the_page_turns_the_household_red_at_once_marked_changed(
        client, places, run, cadre, django_capture_on_commit_callbacks):
    household = _green(places, run)
    assert 'data-risk="green"' in _card(client, household) and CHANGED not in _card(client, household)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry:household_edit", args=[household.pk]),
                               page_form(household, housing="d_class"))
    assert response.status_code == 302

    card = _card(client, household)
    assert 'data-risk="red"' in card and 'data-changed="1"' in card
    assert 'data-reason="housing"' in card
    assert CHANGED in card and 'id="run-risk"' in card  # and what the run said: green
    assert re.search(r'id="run-risk">绿色<', card)
    # The list shows the current risk, marked, and its risk filter finds it.
    row = _list_row(client, household, risk="red")
    assert row is not None and '<span class="risk-red">' in row and CHANGED in row
    assert _list_row(client, household, risk="green") is None
    assert _list_row(client, household, changed="changed") is not None
    shown = current.current_result(household)
    assert (shown.risk, shown.changed, shown.reevaluated, shown.run) == ("red", True, True, run)
    assert "housing" in shown.reasons and shown.run_risk == "green"


def test_the_next_run_confirms_the_edit_and_the_mark_goes(client, places, run, cadre, tmp_path,
                                                          django_capture_on_commit_callbacks):
    household = _green(places, run)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("registry:household_edit", args=[household.pk]), page_form(household, housing="d_class"))
    assert Reevaluation.objects.filter(household=household, changed=True).exists()

    confirming = monitoring_run(year=2026, work_dir=tmp_path / "next")

    assert HouseholdResult.objects.get(run=confirming, household=household).risk == "red"
    card = _card(client, household)
    assert 'data-risk="red"' in card and CHANGED not in card and 'data-changed' not in card
    row = _list_row(client, household, risk="red")
    assert row is not None and CHANGED not in row
    shown = current.current_result(household)
    assert (shown.risk, shown.changed, shown.reevaluated, shown.run) == ("red", False, False, confirming)
    # The run superseded the re-evaluation made before it started.
    assert not Reevaluation.objects.filter(household=household).exists()


def test_an_upload_that_edits_a_member_reevaluates_the_household(client, places, run, cadre,
                                                                 django_capture_on_commit_callbacks):
    household = _green(places, run)
    member = Person.objects.filter(household=household, alive=True, medical_insured=True).first()
    row = person_row(member.person_id, household.pk)
    row.update({c: getattr(member, c) for c in row if c not in ("person_id", "household_id")})
    row["medical_insured"] = False
    response = post_upload(client, english_workbook("persons", [row]))
    batch = ImportBatch.objects.get()
    assert batch.status == "pending", client.get(response["Location"]).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("transfers:apply", args=[batch.pk]))

    assert not Person.objects.get(pk=member.pk).medical_insured
    shown = current.current_result(household)
    assert shown.risk == "red" and "medical_insurance" in shown.reasons and shown.changed
    assert 'data-reason="medical_insurance"' in _card(client, household)


def test_an_api_edit_reevaluates_the_household(places, run, cadre, django_capture_on_commit_callbacks):
    household = _green(places, run)
    api = APIClient()
    api.force_authenticate(cadre)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.patch(f"/api/households/{household.pk}/",
                             {"water": "unsafe", "version": record_version(household)}, format="json")
    assert response.status_code == 200, response.content
    shown = current.current_result(household)
    assert shown.risk == "red" and "water" in shown.reasons and shown.changed


def test_a_rolled_back_edit_reevaluates_nothing(places, run, cadre, django_capture_on_commit_callbacks):
    household = _green(places, run)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.household_update(user=cadre, household=household, values={"housing": "d_class"})
            raise RuntimeError("the caller gives up")
    assert callbacks == []
    assert not Reevaluation.objects.exists()
    assert current.current_result(household).risk == "green"


def test_an_unchanged_outcome_is_reevaluated_but_not_marked(places, run, cadre, django_capture_on_commit_callbacks):
    household = _green(places, run)
    with django_capture_on_commit_callbacks(execute=True):
        services.household_update(user=cadre, household=household, values={"poverty_cause": "illness"})
    reevaluation = Reevaluation.objects.get(household=household)
    assert (reevaluation.risk, reevaluation.changed, reevaluation.base_run) == ("green", False, run)
    shown = current.current_result(household)
    assert shown.reevaluated and not shown.changed


def test_many_households_are_reevaluated_as_one_batch_equal_to_the_run(places, run):
    ids = list(Household.objects.values_list("pk", flat=True))
    assert current.household_reevaluate(ids) == len(ids)
    # Nothing changed since the run: the same result for every household, none marked.
    run_rows = {r["household_id"]: r for r in HouseholdResult.objects.filter(run=run).values()}
    for reevaluation in Reevaluation.objects.all():
        expected = run_rows[reevaluation.household_id]
        for name in ("size", "income_pc", "risk", "reasons", "monitor_type", "stability", "motivation_poor",
                     "deprived"):
            assert getattr(reevaluation, name) == expected[name], (reevaluation.household_id, name)
        assert abs(reevaluation.motivation_score - expected["motivation_score"]) < 1e-9
        assert not reevaluation.changed
    shown = current.current_results(ids[:50])
    assert len(shown) == 50 and not any(r.changed for r in shown.values())


def test_a_reevaluation_made_before_any_run_is_shown_unmarked(places, cadre, django_capture_on_commit_callbacks):
    household = Household.objects.filter(village=places["village"]).order_by("household_id").first()
    with django_capture_on_commit_callbacks(execute=True):
        services.household_update(user=cadre, household=household, values={"housing": "d_class"})
    shown = current.current_result(household)
    assert shown.risk == "red" and shown.run is None and not shown.changed


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_changed_mark_is_in_one_language(client, places, run, cadre, language,
                                             django_capture_on_commit_callbacks):
    from neisheng.web.tests.test_one_language import violations

    household = _green(places, run)
    client.cookies.load({"django_language": language})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("registry:household_edit", args=[household.pk]), page_form(household, housing="d_class"))
    for url in (reverse("registry:household_detail", args=[household.pk]),
                reverse("registry:household_list") + "?risk=red&changed=changed"):
        html = client.get(url).content.decode()
        assert 'id="changed-since-run"' in html or "data-column=\"changed\"" in html, url
        assert violations(html, language) == [], url
    if language == "en":
        assert "Changed since the last monitoring run" in html


def test_a_county_run_supersedes_only_its_own_households_reevaluations(places, run, tmp_path):
    from neisheng.monitoring.services import run_create, run_results_store

    inside = Household.objects.filter(village=places["village"]).order_by("household_id").first()
    outside = Household.objects.filter(village=places["other_village"]).order_by("household_id").first()
    current.household_reevaluate([inside.pk, outside.pk])
    county_run = run_create(year=2026, policy_source="default", division_code=places["county"].code)
    county_run.started_at = county_run.started_at.replace(year=county_run.started_at.year + 1)
    county_run.save(update_fields=["started_at"])
    out = tmp_path / "run" / "results"
    # The whole registry's results of the first run, stored again as the county's run.
    from neisheng.engine import backend, monitor
    from neisheng.policy import load_policy
    from neisheng.registry.snapshots import snapshot_export

    snapshot_export(directory=tmp_path / "snap", fmt="parquet", headers="en")
    con = backend.connect()
    tables, divisions = backend.open_snapshot(con, tmp_path / "snap")
    backend.write_results(con, monitor(tables, divisions, load_policy()), out)
    con.disconnect()
    run_results_store(run=county_run, out_dir=out)

    assert set(Reevaluation.objects.values_list("household_id", flat=True)) == {outside.pk}
