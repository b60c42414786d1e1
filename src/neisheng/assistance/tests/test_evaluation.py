"""The evaluation page (帮扶成效评估): on a synthetic county with known effects planted
(synth.effects), the page finds each planted effect within its confidence interval and no
effect where none was planted; a researcher sees it and no household or person; too few
households carry the caution and hide their means; the evaluation is kept until the data
changes; scope."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import openpyxl
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from neisheng.measures.models import AssignedMeasure

pytestmark = pytest.mark.django_db

PLANTED_COUNTY = "500229"  # 城口县: beside the two counties every test database holds
EFFECTS = {"skills_training": 0.15, "job_placement": 0.25, "morale_support": 0.0}
YEAR = 2026  # the built-in policy's year: measures started in 2025 are evaluated
URL = "/assistance/evaluation/"


@pytest.fixture
def planted_county(county):
    return planted_county_load()


def planted_county_load():
    """A county of 2,000 households with the effects planted, loaded beside the test
    counties, and the measures its households received as assigned measures (done)."""
    from neisheng.registry.models import Division, Household
    from neisheng.registry.services import registry_load_tables
    from neisheng.synth import generate_county
    from neisheng.synth.effects import plant_effects

    tables = generate_county(households=2000, seed=5, year=YEAR, county_code=PLANTED_COUNTY)
    tables, planted = plant_effects(tables, effects=EFFECTS, seed=5, year=YEAR)
    known = set(Division.objects.values_list("code", flat=True))
    divisions = tables["divisions"]
    tables["divisions"] = divisions.filter(pc.invert(pc.is_in(divisions["code"], pa.array(sorted(known)))))
    registry_load_tables(tables=tables)
    households = Household.objects.in_bulk(planted["household_id"].to_pylist(), field_name="household_id")
    AssignedMeasure.objects.bulk_create([
        AssignedMeasure(household=households[row["household_id"]], person_id=row["person_id"] or "",
                        measure=row["measure"], assigned_on=row["started_on"], starts_on=row["started_on"],
                        responsible="县乡村振兴局", state=AssignedMeasure.State.DONE, outcome="已完成")
        for row in planted.to_pylist()])
    return tables, planted


def _truth(tables, planted) -> dict[str, float]:
    """Each measure's planted effect in yuan per person: the mean over its households of
    the yuan planted divided by the household's living members."""
    persons = tables["persons"].filter(pc.field("alive"))
    sizes = {}
    for household_id in persons["household_id"].to_pylist():
        sizes[household_id] = sizes.get(household_id, 0) + 1
    shares: dict[str, list[float]] = {}
    for row in planted.to_pylist():
        shares.setdefault(row["measure"], []).append(float(row["planted_yuan"]) / sizes[row["household_id"]])
    return {measure: sum(values) / len(values) for measure, values in shares.items()}


def _in_one_language(client) -> None:
    """The page in both languages, scanned as web/tests/test_one_language.py scans every page."""
    from neisheng.web.tests.test_one_language import violations

    for language in ("en", "zh-hans"):
        client.cookies.load({"django_language": language})
        html = client.get(URL).content.decode()
        assert f'<html lang="{language}">' in html
        assert violations(html, language) == [], language
    client.cookies.load({"django_language": "zh-hans"})


def _workbook_rows(response) -> list[dict]:
    sheet = openpyxl.load_workbook(BytesIO(response.content), read_only=True).worksheets[0]
    header, *rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(header, row)) for row in rows]


def test_the_page_finds_each_planted_effect_and_none_where_none_was_planted(client, make_user, planted_county):
    from neisheng.registry.models import Division

    tables, planted = planted_county
    truth = _truth(tables, planted)
    researcher = make_user("researcher", Division.objects.get(code=f"{PLANTED_COUNTY}000000"))
    client.force_login(researcher)

    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-division="{PLANTED_COUNTY}000000"' in html
    for label in ("技能培训", "就业帮扶", "扶志帮扶"):
        assert label in html
    assert html.count('class="forest-row') == 2 * len(EFFECTS)  # one chart per outcome

    rows = _workbook_rows(client.post(URL))
    income = {r["措施代码"]: r for r in rows if r["结果指标"] == "人均纯收入(元)"}
    risk = {r["措施代码"]: r for r in rows if r["结果指标"] == "收入低于监测范围的户占比"}
    assert set(income) == set(risk) == set(EFFECTS)
    for measure in ("skills_training", "job_placement"):
        found = income[measure]
        assert found["置信区间下限"] <= truth[measure] <= found["置信区间上限"], (measure, truth[measure], found)
        assert found["置信区间下限"] > 0, f"{measure}: a planted rise of {truth[measure]:.0f} yuan goes unseen"
        assert found["接受户数"] >= 30 and not found["提示"]
    none = income["morale_support"]
    assert none["置信区间下限"] <= 0 <= none["置信区间上限"], none
    assert risk["morale_support"]["置信区间下限"] <= 0 <= risk["morale_support"]["置信区间上限"]
    _in_one_language(client)


def test_a_researcher_sees_aggregates_and_no_household_or_person(client, make_user, planted_county):
    from neisheng.registry.models import Division, Person

    _, planted = planted_county
    client.force_login(make_user("researcher", Division.objects.get(code=f"{PLANTED_COUNTY}000000")))
    body = client.get(URL).content.decode() + "\n".join(
        str(v) for row in _workbook_rows(client.post(URL)) for v in row.values())
    receivers = planted["household_id"].to_pylist()
    assert not [h for h in receivers if h in body]
    names = Person.objects.filter(household_id__in=receivers[:200]).values_list("name", flat=True)
    assert not [n for n in names if len(n) >= 3 and n in body]
    # No person-level page opens for a researcher either.
    assert client.get(f"/households/{receivers[0]}/").status_code == 403


def test_too_few_households_carry_the_caution_and_hide_their_means(client, make_user, places):
    from neisheng.registry.models import Household

    few = Household.objects.filter(village__code__startswith="500237").order_by("household_id")[:5]
    for household in few:
        AssignedMeasure.objects.create(household=household, measure="industry_support",
                                       assigned_on=dt.date(YEAR - 1, 4, 1), responsible="镇农业服务中心",
                                       state=AssignedMeasure.State.IN_PROGRESS)
    client.force_login(make_user("county", places["county"]))
    page = client.get(URL).content.decode()
    assert 'data-caution="too_few"' in page
    assert "这个数字很不可靠" in page
    rows = _workbook_rows(client.post(URL))
    assert rows and all(r["接受户数"] == 5 for r in rows)
    # Five households are fewer than the policy's 30: their means are not shown anywhere.
    assert all(r["接受户·前"] is None and r["接受户·后"] is None for r in rows)
    assert all(r["提示"] for r in rows)
    _in_one_language(client)


def test_an_abandoned_measure_is_not_a_measure_received(client, make_user, places):
    from neisheng.registry.models import Household

    household = Household.objects.filter(village__code__startswith="500237").order_by("household_id").first()
    AssignedMeasure.objects.create(household=household, measure="microcredit", assigned_on=dt.date(YEAR - 1, 4, 1),
                                   responsible="县农商行", state=AssignedMeasure.State.ABANDONED)
    client.force_login(make_user("county", places["county"]))
    page = client.get(URL).content.decode()
    assert 'id="evaluation-empty"' in page and "扶贫小额信贷" not in page


def test_the_evaluation_is_kept_until_the_data_changes(client, make_user, places, monkeypatch):
    from neisheng.accounts.services import audit_record
    from neisheng.assistance import evaluation
    from neisheng.registry.models import Household

    household = Household.objects.filter(village__code__startswith="500237").order_by("household_id").first()
    AssignedMeasure.objects.create(household=household, measure="job_placement", assigned_on=dt.date(YEAR - 1, 4, 1),
                                   responsible="县人社局")
    computed = []
    real = evaluation.evaluation_compute

    def counted(**kwargs):
        computed.append(kwargs["division_code"])
        return real(**kwargs)

    monkeypatch.setattr(evaluation, "evaluation_compute", counted)
    client.force_login(make_user("county", places["county"]))
    client.get(URL)
    client.get(URL)
    assert computed == [places["county"].code]
    audit_record(user=None, action="update", division_code=household.village_id, object_type="household",
                 object_id=household.household_id)
    client.get(URL)
    assert len(computed) == 2


def test_a_division_outside_the_scope_is_never_evaluated(client, make_user, places):
    client.force_login(make_user("town", places["other_town"]))
    page = client.get(f"{URL}?division={places['village'].code}").content.decode()
    assert f'data-division="{places["other_town"].code}"' in page
    # The address typed is echoed back (the language switch keeps it); nothing else is.
    assert "500237" not in page.replace(f"division={places['village'].code}", "")


def test_roles_without_the_capability_are_refused(client, make_user, places):
    client.force_login(make_user("assistance", places["village"]))
    assert client.get(URL).status_code == 403
    client.force_login(make_user("department", places["county"]))
    assert client.get(URL).status_code == 200


def test_the_chart_draws_each_interval_around_its_effect_and_the_zero_line():
    from neisheng.assistance.evaluation_chart import ForestChart, Interval, axis_bounds

    rows = [Interval("技能培训", 300.0, 100.0, 500.0, "+300"),
            Interval("扶志帮扶", -20.0, -200.0, 160.0, "−20", caution=True),
            Interval("公益岗位", None, None, None, "—")]
    low, high = axis_bounds(rows)
    assert low <= -200 and high >= 500 and low < 0 < high
    svg = ForestChart(rows, legend_labels=("成效", "仅供参考")).svg(title="各项措施的成效", key="t")
    assert svg.count('class="forest-row') == 3 and svg.count("forest-caution") == 1
    assert 'class="forest-zero"' in svg and svg.count('<circle class="forest-point"') == 2
    assert '<title>公益岗位: —</title>' in svg
    assert [item.label for item in ForestChart(rows, legend_labels=("成效", "仅供参考")).legend()] == ["成效", "仅供参考"]
