"""The division reports on hand-made data: funds by source, kind and division; dividends
paid per household and per village in a year; households that receive nothing; what a
town officer sees of other towns; the exports; the home page's card of payments to make
and the dashboard's card of dividends paid."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from django.db.models import Count, Q
from django.urls import reverse

from neisheng.projects.models import (
    DistributionPlan,
    Expenditure,
    Fund,
    Payment,
    Project,
    ProjectDivision,
    Revenue,
)
from neisheng.registry.models import Division, Household, Person

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
D = Decimal


def make_project(code: str, *, name: str = "光伏电站", kind: str = "photovoltaic", serves=()) -> Project:
    project = Project.objects.create(division_code=code, name=name, kind=kind)
    for served in serves or (code,):
        ProjectDivision.objects.create(project=project, division_code=served)
    return project


def fund(project, source, amount, *spent) -> Fund:
    made = Fund.objects.create(project=project, source=source, amount=D(amount), received_on=dt.date(2025, 3, 1))
    for amount_spent in spent:
        Expenditure.objects.create(fund=made, amount=D(amount_spent), spent_on=dt.date(2025, 6, 1), purpose="建设")
    return made


def plan(project, *, title="分配方案", state="approved", plan_on=dt.date(2026, 6, 1)) -> DistributionPlan:
    revenue = Revenue.objects.create(project=project, year=plan_on.year, kind="rent", amount=D("7000.00"),
                                     received_on=plan_on)
    return DistributionPlan.objects.create(project=project, revenue=revenue, division_code=project.division_code,
                                           title=title, plan_on=plan_on, total=D("7000.00"),
                                           collective_share=D("0"), method="per_household", state=state)


def pay(the_plan, household, amount, paid_on=None) -> Payment:
    return Payment.objects.create(plan=the_plan, household=household, amount=D(amount),
                                  state="paid" if paid_on else "pending", paid_on=paid_on)


def households_of(village, n=3) -> list[Household]:
    return list(Household.objects.filter(village=village).order_by("household_id")[:n])


def login(client, make_user, role, division):
    user = make_user(role, division)
    client.force_login(user)
    return user


def workbook(response) -> list[tuple]:
    assert response["Content-Type"].startswith(XLSX)
    sheet = openpyxl.load_workbook(BytesIO(response.content), read_only=True).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


def card_of(response, key):
    return next(card for card in response.context["cards"] if card.key == key)


def cell_values(card) -> list[list]:
    return [[cell.value for cell in row] for row in card.rows]


def second_town(places) -> Division:
    """Another town of the county with a village, and the village's last household moved
    there (the synthetic county has one town of one village)."""
    town = Division.objects.create(code="500237102000", name="双龙镇", level=4, parent=places["county"])
    village = Division.objects.create(code="500237102201", name="安静村", level=5, parent=town)
    moved = Household.objects.filter(village=places["village"]).order_by("-household_id").first()
    Household.objects.filter(pk=moved.pk).update(village=village)
    return town


def village_of(town) -> Division:
    return Division.objects.filter(level=5, parent=town).order_by("code").first()


# --------------------------------------------------------------------------- funds


@pytest.fixture
def funded(places):
    """In the village: a greenhouse park with two funds (the central one partly spent, the
    provincial one spent whole); the county's photovoltaic station serving the village;
    a project of another town and one of the other county, which a town officer never sees."""
    village = places["village"]
    park = make_project(village.code, name="大棚园区", kind="greenhouse")
    fund(park, "central", "100000.00", "20000.00", "10000.00")
    fund(park, "provincial", "50000.00", "50000.00")
    station = make_project(places["county"].code, name="县光伏电站", serves=[village.code])
    fund(station, "county", "80000.00", "5000.00")
    other_town = second_town(places)
    fund(make_project(village_of(other_town).code, name="邻镇车间", kind="workshop"), "central", "7000.00")
    fund(make_project(places["other_village"].code, name="外县项目"), "central", "9000.00", "1000.00")
    return {"park": park, "station": station, "other_town": other_town}


def test_funds_by_source_and_kind_add_up_received_spent_and_balance(client, make_user, places, funded):
    login(client, make_user, "town", places["town"])
    response = client.get(reverse("projects:funds"))
    assert response.status_code == 200
    by_source = card_of(response, "funds-by-source")
    assert cell_values(by_source) == [
        ["中央资金", D("100000.00"), D("30000.00"), D("70000.00"), 0.3],
        ["省级资金", D("50000.00"), D("50000.00"), D("0.00"), 1.0],
        ["县级资金", D("80000.00"), D("5000.00"), D("75000.00"), 0.0625],
    ]
    assert [c.value for c in by_source.total] == ["合计", D("230000.00"), D("85000.00"), D("145000.00"),
                                                  pytest.approx(85000 / 230000)]
    by_kind = card_of(response, "funds-by-kind")
    assert cell_values(by_kind) == [["光伏电站", 1, D("80000.00"), D("5000.00"), D("75000.00")],
                                    ["大棚园区", 1, D("150000.00"), D("80000.00"), D("70000.00")]]
    assert response.context["projects_count"] == 2


def test_funds_per_division_count_each_project_once_where_it_is_run(client, make_user, places, funded):
    """A town officer: the village's park in its row, the county's station (serving the
    village) in the last row; another town's and another county's projects nowhere."""
    login(client, make_user, "town", places["town"])
    by_division = card_of(client.get(reverse("projects:funds")), "funds-by-division")
    rows = {row[1] or row[0]: row[2:] for row in cell_values(by_division)}
    assert rows[places["village"].code] == [1, D("150000.00"), D("80000.00"), D("70000.00")]
    assert rows["本级或上级主管的项目"] == [1, D("80000.00"), D("5000.00"), D("75000.00")]
    assert sum(row[0] for row in rows.values()) == 2
    assert set(rows) - {"本级或上级主管的项目"} == set(
        Division.objects.filter(parent=places["town"]).values_list("code", flat=True))
    body = client.get(reverse("projects:funds")).content.decode()
    assert "邻镇车间" not in body and "500238" not in body


def test_a_county_officer_drills_down_to_a_village(client, make_user, places, funded):
    login(client, make_user, "county", places["county"])
    county = card_of(client.get(reverse("projects:funds")), "funds-by-division")
    towns = {row[1]: row[2:] for row in cell_values(county)}
    assert towns[places["town"].code] == [1, D("150000.00"), D("80000.00"), D("70000.00")]
    assert towns[funded["other_town"].code] == [1, D("7000.00"), D("0"), D("7000.00")]
    assert [c.value for c in county.total][2:] == [3, D("237000.00"), D("85000.00"), D("152000.00")]
    village = client.get(reverse("projects:funds"), {"division": places["village"].code})
    assert village.context["division"] == places["village"]
    rows = cell_values(card_of(village, "funds-by-division"))
    assert rows[0][1] == places["village"].code and rows[0][2:] == [1, D("150000.00"), D("80000.00"),
                                                                    D("70000.00")]
    # A division outside the reader's scope is ignored: their own is shown.
    outside = client.get(reverse("projects:funds"), {"division": places["other_village"].code})
    assert outside.context["division"] == places["county"]


def test_funds_export_every_fund_and_each_card(client, make_user, places, funded):
    login(client, make_user, "town", places["town"])
    rows = workbook(client.post(reverse("projects:funds")))
    assert rows[0][0] == "项目名称" and len(rows) == 4
    park = sorted((r for r in rows[1:] if r[0] == "大棚园区"), key=lambda r: r[3])
    assert [(r[3], r[6], r[7], r[8]) for r in park] == [("中央资金", 100000, 30000, 70000),
                                                         ("省级资金", 50000, 50000, 0)]
    card = workbook(client.post(reverse("projects:funds"), {"card": "funds-by-source"}))
    assert card[0][:4] == ("资金来源", "到位资金(元)", "已支出(元)", "结余(元)")
    assert card[-1][:4] == ("合计", 230000, 85000, 145000)
    assert client.post(reverse("projects:funds"), {"card": "nothing"}).status_code == 404


# --------------------------------------------------------------------------- dividends


@pytest.fixture
def paid(places):
    """Payments of the village's park: the first household paid twice in 2026 and once in
    2025, the second once in 2026, the third only owed; one in the other county."""
    first, second, third = households_of(places["village"])
    park = make_project(places["village"].code, name="大棚园区", kind="greenhouse")
    spring, autumn = plan(park, title="春季分配"), plan(park, title="秋季分配", plan_on=dt.date(2026, 9, 1))
    last_year = plan(park, title="上年分配", plan_on=dt.date(2025, 6, 1))
    pay(spring, first, "1166.67", dt.date(2026, 6, 20))
    pay(autumn, first, "500.00", dt.date(2026, 9, 20))
    pay(spring, second, "1166.66", dt.date(2026, 6, 20))
    pay(last_year, first, "800.00", dt.date(2025, 6, 20))
    pay(autumn, third, "500.00")
    elsewhere = households_of(places["other_village"], 1)[0]
    pay(plan(make_project(places["other_village"].code)), elsewhere, "300.00", dt.date(2026, 7, 1))
    return {"households": (first, second, third), "park": park, "autumn": autumn}


def _listed(response) -> dict:
    return {row["household_id"]: (row["payments"], row["projects"], row["total"]) for row in response.context["page"].rows}


def test_dividends_paid_per_household_in_the_latest_year_by_default(client, make_user, places, paid):
    first, second, _ = paid["households"]
    login(client, make_user, "village", places["village"])
    response = client.get(reverse("projects:dividends"))
    assert response.context["year"] == 2026
    assert _listed(response) == {first.pk: (2, 1, D("1666.67")), second.pk: (1, 1, D("1166.66"))}
    assert [row["project_list"][0]["project"].name for row in response.context["page"].rows] == ["大棚园区"] * 2
    village = response.context["card"]
    assert cell_values(village) == [[places["village"].name, places["village"].code, 2, 3, D("2833.33")]]
    body = response.content.decode()
    assert "1,666.67" in body and "2,833.33" in body
    assert _listed(client.get(reverse("projects:dividends"), {"year": "2025"})) == {first.pk: (1, 1, D("800.00"))}
    years = [y["year"] for y in response.context["years"]]
    assert years == [2026, 2025]


def test_dividends_export_households_and_village_totals(client, make_user, places, paid):
    first, second, _ = paid["households"]
    login(client, make_user, "town", places["town"])
    rows = workbook(client.post(reverse("projects:dividends") + "?year=2026"))
    assert rows[0] == ("户编号", "户主", "村", "项目", "发放笔数", "分红金额(元)")
    assert [(r[0], r[2], r[3], r[4], r[5]) for r in rows[1:]] == [
        (first.pk, places["village"].name, "大棚园区", 2, 1666.67),
        (second.pk, places["village"].name, "大棚园区", 1, 1166.66)]
    totals = workbook(client.post(reverse("projects:dividends") + "?year=2026", {"card": "dividends-by-village"}))
    assert totals[1] == (places["village"].name, places["village"].code, 2, 3, 2833.33)


def test_unpaid_lists_lifted_and_monitored_households_paid_nothing_that_year(client, make_user, places, paid):
    first, second, third = paid["households"]
    Household.objects.filter(pk__in=[first.pk, second.pk, third.pk]).update(status="lifted")
    general = households_of(places["village"], 4)[3]
    Household.objects.filter(pk=general.pk).update(status="general")
    login(client, make_user, "village", places["village"])
    listed = client.get(reverse("projects:unpaid"), {"year": "2026"})
    ids = {row["household"].pk for row in listed.context["page"].rows}
    expected = set(Household.objects.filter(village=places["village"], status__in=["lifted", "monitored"])
                   .exclude(pk__in=[first.pk, second.pk]).values_list("pk", flat=True))
    assert third.pk in expected and general.pk not in expected
    assert listed.context["page"].count == len(expected)
    assert ids <= expected
    # In 2025 only the first was paid: the second is among those receiving nothing.
    in_2025 = client.get(reverse("projects:unpaid"), {"year": "2025", "q": second.pk})
    assert [row["household"].pk for row in in_2025.context["page"].rows] == [second.pk]


def test_unpaid_without_labor_capacity_reuses_the_contracts_labor_capable_codes(client, make_user, places, paid):
    """Members alive and none of them skilled, ordinary or weak labor: the rule of
    engine.coverage's incapable households. A household whose members all died is not one."""
    _, _, third = paid["households"]
    capable, incapable, gone = (Household.objects.filter(village=places["village"]).exclude(payments_in_test(paid))
                                .annotate(n=Count("members")).filter(n__gte=2).order_by("household_id")[:3])
    Household.objects.filter(pk__in=[third.pk, capable.pk, incapable.pk, gone.pk]).update(status="monitored")
    Person.objects.filter(household__in=[capable, incapable]).update(labor="lost", alive=True)
    Person.objects.filter(pk=first_member(incapable)).update(labor="skilled", alive=False)
    Person.objects.filter(pk=first_member(capable)).update(labor="weak")
    Person.objects.filter(household=gone).update(alive=False, labor="none")
    assert Person.objects.filter(household=incapable, alive=True).exists()
    login(client, make_user, "village", places["village"])
    url = reverse("projects:unpaid")
    for household, shown in ((incapable, True), (capable, False), (gone, False)):
        response = client.get(url, {"year": "2026", "labor": "none", "q": household.pk})
        assert [row["household"].pk for row in response.context["page"].rows] == ([household.pk] if shown else [])
    response = client.get(url, {"year": "2026", "q": incapable.pk})
    assert 'class="risk-red">无劳动能力' in response.content.decode()
    rows = workbook(client.post(url + f"?year=2026&labor=none&q={incapable.pk}"))
    assert rows[0] == ("户编号", "户主", "村", "户类型", "劳动能力")
    assert rows[1][0] == incapable.pk and rows[1][3:] == ("监测户(已识别)", "无劳动能力")


def payments_in_test(paid) -> Q:
    return Q(pk__in=[h.pk for h in paid["households"]])


def first_member(household) -> str:
    return Person.objects.filter(household=household).order_by("person_id").values_list("pk", flat=True)[0]


def test_a_town_officer_sees_only_its_villages(client, make_user, places, paid):
    other_town_village = village_of(second_town(places))
    neighbour = households_of(other_town_village, 1)[0]
    pay(plan(make_project(other_town_village.code)), neighbour, "999.00", dt.date(2026, 8, 1))
    login(client, make_user, "town", places["town"])
    listed = _listed(client.get(reverse("projects:dividends")))
    assert neighbour.pk not in listed and len(listed) == 2
    unpaid = client.get(reverse("projects:unpaid"), {"year": "2026"})
    assert all(row["household"].village.parent_id == places["town"].pk for row in unpaid.context["page"].rows)
    # A division outside the scope is no choice of the filter: ignored, the whole scope is read.
    outside = client.get(reverse("projects:dividends"), {"division": other_town_village.code})
    assert neighbour.pk not in _listed(outside)
    assert client.get(reverse("projects:dividends")).status_code == 200
    login(client, make_user, "researcher", places["county"])
    assert client.get(reverse("projects:dividends")).status_code == 403


# --------------------------------------------------------------------------- cards


def test_the_home_page_shows_payments_to_make_to_those_who_record_them(client, make_user, places, paid):
    login(client, make_user, "village", places["village"])
    body = client.get(reverse("registry:home")).content.decode()
    assert 'id="work-dividend-payments"' in body and "秋季分配" in body
    assert '<span class="count">1</span> 笔待发放,合计 500.00 元' in body
    paid["autumn"].payments.update(state="paid", paid_on=dt.date(2026, 10, 1))
    assert 'id="work-dividend-payments"' not in client.get(reverse("registry:home")).content.decode()


def test_no_payment_card_for_roles_that_do_not_pay_or_plans_not_approved(client, make_user, places, paid):
    login(client, make_user, "assistance", places["village"])
    assert 'id="work-dividend-payments"' not in client.get(reverse("registry:home")).content.decode()
    DistributionPlan.objects.filter(pk=paid["autumn"].pk).update(state="reviewing")
    login(client, make_user, "village", places["village"])
    assert 'id="work-dividend-payments"' not in client.get(reverse("registry:home")).content.decode()


def test_the_dashboard_card_gives_dividends_paid_per_division(client, make_user, places, paid):
    login(client, make_user, "town", places["town"])
    response = client.get(reverse("monitoring:overview"))
    body = response.content.decode()
    assert 'id="dividends-by-division"' in body
    from neisheng.projects.views_reports import dividends_division_card

    card = dividends_division_card(response.wsgi_request.user, places["town"])
    rows = {row[1].value: (row[2].value, row[3].value) for row in card.rows}
    assert rows[places["village"].code] == (2, D("2833.33"))
    assert sum(households for households, _ in rows.values()) == 2
    export = reverse("projects:reports_card_export", args=["dividends-by-division"])
    sheet = workbook(client.post(export + f"?division={places['town'].code}"))
    assert (places["village"].name, places["village"].code, 2, 2833.33) in sheet
    assert client.post(export + f"?division={places['other_village'].code}").status_code == 404


def test_no_dashboard_card_where_nothing_was_paid(client, make_user, places):
    login(client, make_user, "town", places["town"])
    assert 'id="dividends-by-division"' not in client.get(reverse("monitoring:overview")).content.decode()
