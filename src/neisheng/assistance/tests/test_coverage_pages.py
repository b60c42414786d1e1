"""The coverage pages: each planted gap is found and listed with its household, a user sees
only their division's gaps, the export lists every gap with ID numbers masked, the counts
are the engine's, and a change through the platform shows at once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest

from neisheng.assistance.coverage import coverage_for, villages_table
from neisheng.assistance.models import PoorVillage, VillageIndustry
from neisheng.assistance.services.villages import village_industry_create
from neisheng.engine import coverage as rules
from neisheng.monitoring.policies import policy_current
from neisheng.registry.models import Household, IncomeItem, Person
from neisheng.registry.services import household_update, ledger_item_create
from neisheng.registry.snapshots import registry_tables

pytestmark = pytest.mark.django_db


def _plant(household: Household, target: str) -> Person | None:
    """Make `household` (and, for the member target, one member) a gap of `target`."""
    members = Person.objects.filter(household=household).order_by("birth_date", "person_id")
    Household.objects.filter(pk=household.pk).update(status="monitored", category="ordinary",
                                                     industry_linked=False, cooperative_member=False)
    if target == rules.MEMBER_WITHOUT_SKILL or target == rules.ABLE_HOUSEHOLD_WITHOUT_INDUSTRY:
        member = members.first()
        Person.objects.filter(pk=member.pk).update(alive=True, labor="ordinary", has_skill=False,
                                                   birth_date=dt.date(1985, 3, 1))
        return member
    if target == rules.INCAPABLE_HOUSEHOLD_WITHOUT_SUPPORT:
        members.update(labor="lost")
        Person.objects.filter(pk=members.first().pk).update(alive=True)
        year = policy_current().policy.year
        IncomeItem.objects.filter(household=household, year=year, item__in=["dividend", "dibao", "tekun"]).delete()
        return None
    raise AssertionError(target)


def _body(response) -> str:
    return response.content.decode()


def _workbook_rows(response) -> list[list]:
    workbook = openpyxl.load_workbook(BytesIO(response.content), read_only=True)
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


@pytest.fixture
def county_officer(make_user, places):
    return make_user("county", places["county"])


@pytest.fixture
def household(places) -> Household:
    return Household.objects.filter(village=places["village"]).order_by("household_id").first()


@pytest.mark.parametrize("target", [rules.MEMBER_WITHOUT_SKILL, rules.ABLE_HOUSEHOLD_WITHOUT_INDUSTRY,
                                    rules.INCAPABLE_HOUSEHOLD_WITHOUT_SUPPORT])
def test_each_planted_household_gap_is_listed_with_its_household(client, county_officer, places, household, target):
    member = _plant(household, target)
    client.force_login(county_officer)
    body = _body(client.get(f"/assistance/coverage/{target}/?q={household.household_id}"))
    assert f'data-household="{household.household_id}"' in body
    assert places["village"].name in body
    head = Person.objects.filter(household=household, relation="head").values_list("name", flat=True).first()
    assert head in body
    if target == rules.MEMBER_WITHOUT_SKILL:
        assert member.name in body
        assert member.person_id not in body  # masked
        assert member.person_id[:4] + "**********" + member.person_id[-4:] in body


def test_a_planted_poor_village_without_an_industry_is_listed_and_leaves_with_an_industry(
        client, county_officer, places):
    village = places["village"]
    PoorVillage.objects.create(village=village, listed_year=2014)
    client.force_login(county_officer)
    listed = _body(client.get(f"/assistance/coverage/{rules.POOR_VILLAGE_WITHOUT_INDUSTRY}/"))
    assert f'data-village="{village.code}"' in listed
    village_industry_create(user=county_officer, village=village, name="高山脆李",
                            since=policy_current().policy.year)
    listed = _body(client.get(f"/assistance/coverage/{rules.POOR_VILLAGE_WITHOUT_INDUSTRY}/"))
    assert f'data-village="{village.code}"' not in listed


def test_a_user_sees_only_their_divisions_gaps(client, make_user, places):
    mine = Household.objects.filter(village=places["village"]).order_by("household_id").first()
    theirs = Household.objects.filter(village=places["other_village"]).order_by("household_id").first()
    for someone in (mine, theirs):
        _plant(someone, rules.ABLE_HOUSEHOLD_WITHOUT_INDUSTRY)
    client.force_login(make_user("village", places["village"]))
    body = _body(client.get(f"/assistance/coverage/{rules.ABLE_HOUSEHOLD_WITHOUT_INDUSTRY}/"))
    assert f'data-household="{mine.household_id}"' in body
    assert theirs.household_id not in body and places["other_village"].code[:6] not in body
    # Asking for the other county's village is ignored, not obeyed.
    body = _body(client.get(f"/assistance/coverage/{rules.ABLE_HOUSEHOLD_WITHOUT_INDUSTRY}/"
                            f"?division={places['other_village'].code}"))
    assert theirs.household_id not in body
    overview = _body(client.get(f"/assistance/coverage/?division={places['other_village'].code}"))
    # (the address typed is echoed by the language form; nothing else of it is there)
    assert places["other_village"].code[:6] not in overview.replace(f"?division={places['other_village'].code}", "")
    assert places["village"].code in overview


def test_the_export_lists_every_gap_of_the_target_with_masked_id_numbers(client, county_officer, places):
    client.force_login(county_officer)
    coverage = coverage_for(county_officer, places["county"])
    expected = coverage.gaps_of(rules.MEMBER_WITHOUT_SKILL).to_pylist()
    assert expected, "the synthetic county has members without a skill"
    response = client.post(f"/assistance/coverage/{rules.MEMBER_WITHOUT_SKILL}/")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _workbook_rows(response)
    cells = [row for row in rows if row and row[0] and str(row[0]).startswith("500237")]
    assert [row[0] for row in cells] == [gap["household_id"] for gap in expected]
    assert all("*" in row[4] and len(row[4]) == 18 for row in cells)
    assert not any(gap["person_id"] in str(row) for gap in expected for row in rows)


def test_the_overview_counts_are_the_engines_for_the_division(client, county_officer, places):
    county = places["county"]
    policy = policy_current().policy
    tables = registry_tables(division_code=county.code)
    _, counts = rules.coverage_gaps(households=tables["households"], persons=tables["persons"],
                                    income_items=tables["income_items"],
                                    villages=villages_table(division_code=county.code, year=policy.year),
                                    policy=policy, year=policy.year)
    client.force_login(county_officer)
    response = client.get("/assistance/coverage/")
    summary = next(card for card in response.context["cards"] if card.key == "coverage-summary")
    for target, row in zip(rules.TARGETS, summary.rows, strict=True):
        mine = [c for c in counts.to_pylist() if c["target"] == target]
        assert (row[2].value, row[3].value) == (sum(c["eligible"] for c in mine), sum(c["gaps"] for c in mine))
    body = _body(response)
    assert 'id="coverage-member-without-skill"' in body and "<svg" in body
    # Per town: the towns of the county, each leading one level down.
    assert f"/assistance/coverage/?division={places['town'].code}" in body


def test_an_activity_through_the_platform_closes_the_gap_at_once(client, county_officer, household):
    _plant(household, rules.ABLE_HOUSEHOLD_WITHOUT_INDUSTRY)
    client.force_login(county_officer)
    url = f"/assistance/coverage/{rules.ABLE_HOUSEHOLD_WITHOUT_INDUSTRY}/?q={household.household_id}"
    assert f'data-household="{household.household_id}"' in _body(client.get(url))
    household_update(user=county_officer, household=Household.objects.get(pk=household.pk),
                     values={"industry_linked": True})
    assert f'data-household="{household.household_id}"' not in _body(client.get(url))


def test_a_researcher_reads_the_counts_but_no_household(client, make_user, places):
    client.force_login(make_user("researcher", places["county"]))
    body = _body(client.get("/assistance/coverage/"))
    assert "/assistance/coverage/member_without_skill/" not in body
    assert client.get(f"/assistance/coverage/{rules.MEMBER_WITHOUT_SKILL}/").status_code == 403


def test_an_unknown_target_is_404(client, county_officer):
    client.force_login(county_officer)
    assert client.get("/assistance/coverage/nothing_like_it/").status_code == 404


def test_the_summary_card_is_on_the_monitoring_dashboard_and_exports(client, county_officer, places):
    client.force_login(county_officer)
    assert 'id="coverage-summary"' in _body(client.get("/monitoring/"))
    response = client.post(f"/assistance/coverage/cards/coverage-summary/export/?division={places['county'].code}")
    rows = _workbook_rows(response)
    assert any(row and row[0] == "有劳动能力但未掌握技能的成员" for row in rows)


def test_a_dividend_this_year_takes_an_incapable_household_off_the_list(client, county_officer, household):
    _plant(household, rules.INCAPABLE_HOUSEHOLD_WITHOUT_SUPPORT)
    client.force_login(county_officer)
    url = f"/assistance/coverage/{rules.INCAPABLE_HOUSEHOLD_WITHOUT_SUPPORT}/?q={household.household_id}"
    assert f'data-household="{household.household_id}"' in _body(client.get(url))
    ledger_item_create(user=county_officer, household=household, values={
        "year": policy_current().policy.year, "item": "dividend", "amount": Decimal("300.00"), "source": "survey"})
    assert f'data-household="{household.household_id}"' not in _body(client.get(url))
    assert VillageIndustry.objects.count() == 0
