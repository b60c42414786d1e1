"""The household page's card of its projects (projects/sections.py): the projects it
benefits from, its shares, its dividends paid and to pay, its renovations with totals,
in Chinese and in English; nothing for a household with none of them, nor for roles that
may not read households; the ledger row a payment wrote names its project."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import lxml.html
import pytest
from django.urls import reverse

from neisheng.projects.models import (
    Beneficiary,
    PlanShare,
    PriceList,
    Renovation,
    RenovationItem,
)
from neisheng.projects.tests.test_reports import make_project, pay, plan
from neisheng.registry.models import Household, IncomeItem

pytestmark = pytest.mark.django_db

D = Decimal
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff01-\uff5e]")


@pytest.fixture
def household_in_projects(places):
    household = Household.objects.filter(village=places["village"]).order_by("household_id").first()
    park = make_project(places["village"].code, name="大棚园区", kind="greenhouse")
    Beneficiary.objects.create(project=park, household=household, starts_on=dt.date(2024, 3, 1))
    spring = plan(park, title="春季分配")
    share = PlanShare.objects.create(plan=spring, household=household, weight=D("1"), members=3,
                                     amount=D("1166.67"))
    pay(spring, household, "1166.67", dt.date(2026, 6, 20)).__class__.objects.filter(plan=spring).update(share=share)
    pay(plan(park, title="秋季分配"), household, "500.00")
    prices = PriceList.objects.create(division_code=places["county"].code, name="参考价格表",
                                      effective_on=dt.date(2025, 1, 1))
    renovation = Renovation.objects.create(household=household, price_list=prices, done_on=dt.date(2026, 4, 1),
                                           contractor="巫山建筑队")
    for code, amount in (("L01", "250.00"), ("M02", "1234.50")):
        RenovationItem.objects.create(renovation=renovation, item_code=code, kind="labor", quantity=D("1"),
                                      unit="项", unit_price=D(amount), amount=D(amount))
    return {"household": household, "park": park, "spring": spring, "renovation": renovation}


def _section(client, household, language="zh-hans"):
    client.cookies["django_language"] = language
    response = client.get(reverse("registry:household_detail", args=[household.pk]),
                          HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    found = lxml.html.fromstring(response.content.decode()).xpath('//section[@id="household-projects"]')
    return found[0] if found else None


def _text_outside_data(element) -> str:
    for data in element.xpath('.//*[@translate="no"]'):
        data.drop_tree()
    return " ".join(element.itertext())


def test_the_card_shows_projects_shares_payments_and_renovations_with_totals(client, make_user, places,
                                                                            household_in_projects):
    made = household_in_projects
    client.force_login(make_user("village", places["village"]))
    section = _section(client, made["household"])
    text = " ".join(section.itertext())
    assert "大棚园区" in text and "春季分配" in text and "秋季分配" in text and "巫山建筑队" in text
    assert section.xpath('string(.//*[@class="paid-total"])') == "1,166.67"
    assert section.xpath('string(.//*[@class="pending-total"])') == "500.00"
    assert section.xpath('string(.//*[@class="renovation-total"])') == "1,484.50"
    assert [tr.get("data-state") for tr in section.xpath('.//table[@id="household-projects-payments"]//tr[@data-state]')] \
        == ["paid", "pending"]
    links = section.xpath(".//a/@href")
    assert reverse("projects:detail", args=[made["park"].pk]) in links
    assert reverse("projects:plan", args=[made["spring"].pk]) in links
    assert reverse("projects:renovation", args=[made["renovation"].pk]) in links
    assert "1,484.50" in text and "2026-06-20" in text


def test_the_card_speaks_english_on_an_english_page(client, make_user, places, household_in_projects):
    client.force_login(make_user("village", places["village"]))
    section = _section(client, household_in_projects["household"], "en")
    assert section.xpath('string(.//h2)') == "Projects, dividends and renovations"
    words = _text_outside_data(section)
    assert "Dividends paid" in words and "Home renovations" in words
    assert not HAN.findall(words), HAN.findall(words)
    labels = " ".join(section.xpath(".//@data-label"))
    assert not HAN.findall(labels), labels


def test_no_card_without_projects_nor_for_roles_that_do_not_read_households(client, make_user, places,
                                                                          household_in_projects):
    client.force_login(make_user("village", places["village"]))
    other = Household.objects.filter(village=places["village"]).order_by("household_id")[1]
    assert _section(client, other) is None
    from neisheng.projects.sections import projects_section

    class Request:
        user = make_user("researcher", places["county"])

    assert projects_section(Request, household_in_projects["household"]) is None


def test_a_dividend_in_the_ledger_names_its_project_and_links_to_it(client, make_user, places,
                                                                   household_in_projects):
    made = household_in_projects
    IncomeItem.objects.create(household=made["household"], year=2026, item="dividend", amount=D("1166.67"),
                              source=f"project:{made['park'].pk}")
    client.force_login(make_user("village", places["village"]))
    url = reverse("registry:household_detail", args=[made["household"].pk])
    page = lxml.html.fromstring(client.get(url).content.decode())
    link = page.xpath('//section[@id="ledger"]//a[@class="ledger-project"]')
    assert [(a.get("href"), a.text_content()) for a in link] == [
        (reverse("projects:detail", args=[made["park"].pk]), f"项目 #{made['park'].pk}")]
    client.cookies["django_language"] = "en"
    english = lxml.html.fromstring(client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert english.xpath('string(//section[@id="ledger"]//a[@class="ledger-project"])') == f"Project #{made['park'].pk}"
