"""Each role's home starts with its own work (platform.extensions work cards): red and new
warnings for officers, the village's red and yellow households for an assistance cadre,
a clerk's uploads, an auditor's findings; then the figures."""

from __future__ import annotations

import re

import pytest

from neisheng.accounts.models import AuditEvent
from neisheng.accounts.services import audit_record
from neisheng.engine import backend, catalog, monitor
from neisheng.monitoring.models import HouseholdResult
from neisheng.monitoring.services import monitoring_results_load
from neisheng.policy import load_policy
from neisheng.transfers.models import ImportBatch

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def engine_results(county_tables, tmp_path_factory):
    root = tmp_path_factory.mktemp("home-work")
    catalog.write_snapshot(county_tables, root / "snapshot")
    con = backend.connect()
    tables, divisions = backend.open_snapshot(con, root / "snapshot")
    backend.write_results(con, monitor(tables, divisions, load_policy()), root / "results")
    return root / "results"


@pytest.fixture
def one_run(county, engine_results):
    return monitoring_results_load(out_dir=engine_results, year=2026, policy_source="default")


@pytest.fixture
def two_runs(county, engine_results, places):
    """Two runs of 2026 with the same results, except that two red households of the
    village were green in the first: they, and only they, are new warnings."""
    first = monitoring_results_load(out_dir=engine_results, year=2026, policy_source="default")
    village_red = HouseholdResult.objects.filter(run=first, household__village=places["village"], risk="red")
    was_green = list(village_red.order_by("household_id").values_list("household_id", flat=True)[:2])
    assert len(was_green) == 2, "the fixture village needs two red households"
    HouseholdResult.objects.filter(run=first, household_id__in=was_green).update(risk="green")
    second = monitoring_results_load(out_dir=engine_results, year=2026, policy_source="default")
    return first, second, was_green


def _home(client, user) -> str:
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def _latest_in(village, run, risk) -> list[str]:
    return list(HouseholdResult.objects.filter(run=run, household__village=village, risk=risk)
                .order_by("household_id").values_list("household_id", flat=True))


def _count(html: str, name: str) -> int:
    match = re.search(rf'data-count="{name}">(?:<a[^>]*>)?<span class="count">([\d,]+)</span>', html)
    assert match, f"no {name} count on the page"
    return int(match.group(1).replace(",", ""))


def test_a_village_cadre_home_starts_with_the_red_warnings_of_the_village(client, places, make_user, one_run):
    village = places["village"]
    html = _home(client, make_user("village", village))

    red = _latest_in(village, one_run, "red")
    assert 'id="work-warnings"' in html
    assert _count(html, "red") == len(red)
    # The work comes before every figure of the page.
    assert html.index('id="work-warnings"') < html.index('class="figures"')
    listed = re.findall(r'<a href="/households/(\w+)/" translate="no">', html)
    assert listed and set(listed) <= set(red) | set(_latest_in(village, one_run, "yellow"))
    assert listed[: min(len(red), 8)] == red[:8], "red households first"
    assert 'href="/households/?risk=red"' in html
    # One run only: nothing can be called new yet, and the page says so.
    assert 'data-count="new"' not in html and "暂无法判断哪些是新增预警" in html


def test_new_warnings_are_those_not_red_or_yellow_in_the_previous_run(client, places, make_user, two_runs):
    _, second, was_green = two_runs
    html = _home(client, make_user("village", places["village"]))

    assert _count(html, "new") == 2
    assert _count(html, "red") == len(_latest_in(places["village"], second, "red"))
    listed = re.findall(r'<a href="/households/(\w+)/" translate="no">', html)
    # Red and new first: the two households that were green come at the top.
    assert listed[:2] == sorted(was_green)
    first_item = html[html.index(f'/households/{listed[0]}/'):]
    assert "新增" in first_item[: first_item.index("</li>")]


def test_the_warnings_are_those_of_the_users_scope_only(client, places, make_user, two_runs):
    html = _home(client, make_user("town", places["other_town"]))

    assert _count(html, "new") == 0
    for household_id in two_runs[2]:
        assert household_id not in html


def test_a_researcher_sees_the_counts_but_no_household(client, places, make_user, one_run):
    html = _home(client, make_user("researcher", places["county"]))

    assert _count(html, "red") == HouseholdResult.objects.filter(
        run=one_run, household__village__code__startswith=places["county"].prefix, risk="red").count()
    assert "/households/" not in html


def test_an_assistance_cadre_sees_the_red_and_yellow_households_of_the_village(client, places, make_user, one_run):
    village = places["village"]
    html = _home(client, make_user("assistance", village))

    assert 'id="work-assistance"' in html and 'id="work-warnings"' not in html
    assert _count(html, "red") == len(_latest_in(village, one_run, "red"))
    assert _count(html, "yellow") == len(_latest_in(village, one_run, "yellow"))
    assert "网格" in html  # says that pairing arrives with the grid app


def test_a_department_clerk_sees_their_own_uploads_first(client, places, make_user, county):
    clerk = make_user("department", places["county"])
    other = make_user("county", places["county"])
    ImportBatch.objects.create(original_name="医保名单.xlsx", table="persons", rows=120, issues_total=3,
                               uploaded_by=clerk)
    ImportBatch.objects.create(original_name="别人的.xlsx", table="persons", rows=5, uploaded_by=other)
    html = _home(client, clerk)

    assert 'id="work-uploads"' in html and 'id="work-warnings"' not in html
    assert "医保名单.xlsx" in html and "别人的.xlsx" not in html
    assert _count(html, "pending") == 1 and _count(html, "problems") == 1
    assert html.index('id="work-uploads"') < html.index('class="figures"')


def test_an_officer_sees_the_uploads_card_only_while_an_upload_waits(client, places, make_user, county):
    officer = make_user("county", places["county"])
    assert 'id="work-uploads"' not in _home(client, officer)

    ImportBatch.objects.create(original_name="台账.xlsx", table="income_items", rows=10, uploaded_by=officer)
    html = _home(client, officer)
    assert 'id="work-uploads"' in html and "台账.xlsx" in html


def test_an_auditor_sees_the_findings_of_the_last_seven_days_in_the_division(client, places, make_user, county):
    auditor = make_user("auditor", places["county"])
    officer = make_user("village", places["village"])
    for _ in range(3):
        audit_record(user=officer, action=AuditEvent.Action.VIEW_UNMASKED, division_code=places["village"].code,
                     object_type="person", object_id="x")
    audit_record(user=officer, action=AuditEvent.Action.EXPORT, division_code=places["village"].code)
    elsewhere = make_user("village", places["other_village"])
    audit_record(user=elsewhere, action=AuditEvent.Action.EXPORT, division_code=places["other_village"].code)
    html = _home(client, auditor)

    if 'id="work-audit"' not in html:
        pytest.fail("the auditor's home has no findings card (does the auditor read the audit log?)")
    card = html[html.index('id="work-audit"'):]
    found = dict(re.findall(r'data-action="(\w+)"><a href="[^"]*"><span class="count">(\d+)</span>', card))
    assert found == {"view_unmasked": "3", "export": "1", "login_failed": "0"}
    assert "/accounts/audit/?action=view_unmasked&amp;date_from=" in card


def test_a_role_without_work_still_gets_the_figures(client, places, make_user, county):
    html = _home(client, make_user("county", places["county"]))

    assert 'id="work"' not in html
    assert 'class="figures"' in html


@pytest.mark.parametrize("role", ["village", "assistance", "researcher"])
def test_the_home_in_english_has_no_chinese_outside_data(client, places, make_user, one_run, role):
    from neisheng.web.tests.test_error_pages import HAN, visible_text

    client.force_login(make_user(role, places["village"]))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()

    text = visible_text(html)
    assert "red warnings" in text
    assert not HAN.findall(text), text


def test_an_app_adds_its_work_card_to_the_home_page_in_its_order(client, places, make_user, county, monkeypatch,
                                                                  settings):
    import copy
    from pathlib import Path

    from neisheng.platform import extensions
    from neisheng.platform.extensions import WorkCard

    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*templates[0]["DIRS"], Path(extensions.__file__).parent / "tests" / "templates"]
    settings.TEMPLATES = templates
    monkeypatch.setattr(extensions, "_work_cards", dict(extensions._work_cards))
    extensions.work_card_add(WorkCard(name="visits", template="work_card_test.html", order=5,
                                      context=lambda request: {"name": "visits", "text": "逾期走访 3 户"}))
    extensions.work_card_add(WorkCard(name="cases", template="work_card_test.html", order=1,
                                      context=lambda request: None))  # nothing for this user
    extensions.work_card_add(WorkCard(name="problems", template="work_card_test.html", order=50,
                                      context=lambda request: {"name": "problems", "text": "问题 1 个"}))
    department = make_user("department", places["county"])
    ImportBatch.objects.create(original_name="a.xlsx", table="persons", rows=1, uploaded_by=department)
    html = _home(client, department)

    assert 'id="work-cases"' not in html
    order = [html.index(f'id="work-{name}"') for name in ("visits", "uploads", "problems")]
    assert order == sorted(order) and "逾期走访 3 户" in html
    with pytest.raises(ValueError):
        extensions.work_card_add(WorkCard(name="visits", template="other.html", context=lambda request: None))
