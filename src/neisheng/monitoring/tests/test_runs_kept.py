"""Issue 8: every monitoring run is kept with the policy it used; pages, lists, filters and
the API read the latest run; the household page and the engine agree on per-capita income."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import yaml
from django.utils import timezone
from tests.support import fresh_id_number

from neisheng.engine import household as engine_household
from neisheng.monitoring.models import HouseholdResult, MonitoringRun, RecommendedMeasure
from neisheng.monitoring.selectors import latest_run
from neisheng.monitoring.services import monitoring_run
from neisheng.policy import load_policy, resolved_policy_text
from neisheng.registry.models import Household, IncomeItem, Person
from neisheng.registry.selectors.figures import key_figures

pytestmark = pytest.mark.django_db


def _one(pattern: str, html: str) -> str:
    found = re.findall(pattern, html, flags=re.DOTALL)
    assert len(found) == 1, (pattern, found)
    return found[0]


def _policy_text(**changes) -> str:
    data = yaml.safe_load(resolved_policy_text())
    data.update(changes)
    return yaml.safe_dump(data, allow_unicode=True)


@pytest.fixture
def officer(client, places, make_user):
    user = make_user("county", places["county"])
    client.force_login(user)
    return user


@pytest.fixture
def two_runs(places):
    """The same village household red in an earlier run and green in the latest."""
    household = Household.objects.filter(village=places["village"]).order_by("household_id").first()
    earlier = MonitoringRun.objects.create(year=2026, policy="earlier.yaml", policy_text=_policy_text(),
                                           finished_at=timezone.now())
    HouseholdResult.objects.create(run=earlier, household=household, size=2, risk="red",
                                   reasons="income_below_line", income_pc=Decimal("1000.00"))
    RecommendedMeasure.objects.create(run=earlier, household=household, measure="skills_training",
                                      explanation="earlier run")
    latest = MonitoringRun.objects.create(year=2026, policy="latest.yaml", policy_text=_policy_text(),
                                         finished_at=timezone.now())
    HouseholdResult.objects.create(run=latest, household=household, size=2, risk="green",
                                   income_pc=Decimal("9999.00"))
    return household, earlier, latest


def test_two_runs_are_kept_and_the_latest_is_shown_everywhere(client, officer, two_runs):
    household, earlier, latest = two_runs
    assert latest_run() == latest
    # Nothing was deleted: both runs keep their rows.
    assert HouseholdResult.objects.filter(household=household).count() == 2
    assert RecommendedMeasure.objects.filter(run=earlier).count() == 1

    page = client.get(f"/households/{household.pk}/").content.decode()
    # Issue 10: the portrait lists every run's result over time (the earlier one red);
    # everywhere else the page shows the latest run's.
    runs_section = re.search(r'<section class="card portrait" id="portrait-runs">.*?</section>', page, re.DOTALL)
    outside = page.replace(runs_section.group(0), "") if runs_section else page
    assert _one(r'id="risk">([^<]*)<', page) == "绿色" and "红色" not in outside
    assert _one(r'class="income-pc">([^<]*)<', page) == "9,999.00"  # thousands separators (issue 9)
    assert "earlier run" not in page  # the earlier run's measures belong to it

    red = client.get("/households/", {"risk": "red"}).content.decode()
    green = client.get("/households/", {"risk": "green"}).content.decode()
    assert household.pk not in red and household.pk in green

    figures = {risk: n for risk, _, n in key_figures(officer)["risk"]}
    assert figures == {"red": 0, "yellow": 0, "green": 1}

    # Issue 10: the dashboard (/monitoring/) reads a run's region summaries, which these
    # hand-made runs do not have; monitoring/tests/test_dashboard*.py cover it.

    api = client.get(f"/api/household-results/{household.pk}/").json()
    assert api["run"] == latest.pk and api["risk"] == "green"
    assert client.get("/api/household-results/", {"risk": "red"}).json()["count"] == 0
    assert client.get("/api/households/", {"risk": "green"}).json()["count"] == 1


def test_the_household_page_shows_the_threshold_of_the_run_it_shows(client, officer, two_runs):
    household, _, latest = two_runs
    latest.policy_text = _policy_text(monitoring_threshold=7777)
    latest.save()
    default = load_policy()
    assert default.monitoring_threshold != Decimal(7777)

    page = client.get(f"/households/{household.pk}/").content.decode()
    assert _one(r'class="monitoring-threshold">([^<]*)<', page) == "7,777"
    assert _one(r'class="poverty-line">([^<]*)<', page) == f"{default.poverty_line:,}"


def test_a_run_with_another_school_age_band_is_explained_with_it(client, officer, two_runs):
    """Ages and guarantees on the page use the shown run's policy, not the default."""
    household, _, latest = two_runs
    latest.policy_text = _policy_text(rules={**yaml.safe_load(resolved_policy_text())["rules"],
                                             "compulsory_school_ages": [7, 14]})
    latest.save()
    page = client.get(f"/households/{household.pk}/").content.decode()
    assert "义务教育年龄 7–14 周岁" in page


def test_the_page_and_the_engine_agree_on_10000_01_for_two(client, officer, places, tmp_path):
    """The issue's example: net income 10,000.01 yuan, 2 members. Half to even would give
    5000.00; monitoring.md rounds half away from zero: 5000.01, on every part of the page."""
    year = load_policy().year
    household = Household.objects.create(
        household_id="T-10000-01", village=places["village"], status="general", category="ordinary",
        housing="safe", water="safe",
    )
    for n, relation in enumerate(("head", "spouse")):
        birth = dt.date(1980, 1, 1 + n)
        Person.objects.create(
            person_id=fresh_id_number(birth, 101 + 2 * n), household=household, name=f"测试{n}", relation=relation,
            sex="male", birth_date=birth, education="junior", schooling="not_in_school", labor="ordinary",
            health="healthy",
        )
    IncomeItem.objects.create(household=household, year=year, item="wage", amount=Decimal("10000.01"))

    monitoring_run(year=year, work_dir=tmp_path / "run")

    engine_result = HouseholdResult.objects.get(run=latest_run(), household=household).income_pc
    assert engine_result == Decimal("5000.01")
    assert engine_household.ledger_years(
        [{"household_id": household.pk, "year": year, "item": "wage", "amount": Decimal("10000.01"),
          "source": "survey"}], 2)[year].per_capita == Decimal("5000.01")

    page = client.get(f"/households/{household.pk}/").content.decode()
    ledger = _one(rf'data-year="{year}".*?class="per-capita">([^<]*)<', page)
    monitoring = _one(r'class="income-pc">([^<]*)<', page)
    assert ledger.replace(",", "") == monitoring.replace(",", "") == "5000.01"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_existing_results_under_their_runs(county):
    """Rows of the one-result-per-household table move to the (run, household) table, each
    under the run it named; nothing is lost."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    # Every app's leaf: going back to monitoring 0001 also unapplies the apps built on it
    # (warning lists, cases), which must come back too.
    leaf = executor.loader.graph.leaf_nodes()
    executor.migrate([("monitoring", "0001_initial")])
    old = MigrationExecutor(connection).loader.project_state([("monitoring", "0001_initial")]).apps
    run = old.get_model("monitoring", "MonitoringRun").objects.create(year=2026, policy="old.yaml")
    households = list(old.get_model("registry", "Household").objects.order_by("pk").values_list("pk", flat=True)[:3])
    for pk, risk in zip(households, ("red", "yellow", "green")):
        old.get_model("monitoring", "HouseholdResult").objects.create(
            run=run, household_id=pk, size=2, risk=risk, income_pc=Decimal("123.45"))

    MigrationExecutor(connection).migrate(leaf)

    kept = HouseholdResult.objects.filter(run_id=run.pk).order_by("household_id")
    assert [(r.household_id, r.risk, r.income_pc) for r in kept] == [
        (pk, risk, Decimal("123.45")) for pk, risk in zip(households, ("red", "yellow", "green"))
    ]
    assert MonitoringRun.objects.get(pk=run.pk).resolved_policy() == load_policy()  # no stored text: default

    # And back: the old table can hold one result per household, the newest.
    executor = MigrationExecutor(connection)
    executor.migrate([("monitoring", "0001_initial")])
    old = MigrationExecutor(connection).loader.project_state([("monitoring", "0001_initial")]).apps
    assert old.get_model("monitoring", "HouseholdResult").objects.filter(run_id=run.pk).count() == 3
    MigrationExecutor(connection).migrate(leaf)


def test_risk_codes_and_labels_come_from_the_schema():
    from django.utils import translation

    from neisheng.engine import schema
    from neisheng.registry.selectors import household_file, listing

    # The schema's Chinese labels, one language at a time (English from django.po).
    with translation.override("zh-hans"):
        assert {c: str(label) for c, label in HouseholdResult._meta.get_field("risk").choices} == schema.RISK
        assert {c: str(label) for c, label in HouseholdResult._meta.get_field("monitor_type").choices} \
            == schema.MONITOR_TYPE
        assert {c: str(label) for c, label in HouseholdResult._meta.get_field("stability").choices} == schema.STABILITY
    with translation.override("en"):
        assert str(dict(HouseholdResult._meta.get_field("risk").choices)["red"]) == "Red"
    assert listing.RISKS is schema.RISK and household_file.REASON_LABELS is schema.REASON
