"""Search that finds, on the household list: a given name (and the member it matched),
a middle part of a household number, the last digits of an ID number only for roles that
may see ID numbers (audited); filters for every result column; the work first; the
export of the filtered list; and every write path keeping the search keys right."""

from __future__ import annotations

import datetime as dt
import importlib
import re
from html import unescape
from io import BytesIO

import openpyxl
import pytest
from django.apps import apps
from django.utils import timezone
from tests.support import fresh_id_number

from neisheng.accounts.models import AuditEvent
from neisheng.monitoring.models import HouseholdResult, MonitoringRun
from neisheng.registry import names, services
from neisheng.registry.models import Household, Person

pytestmark = pytest.mark.django_db

URL = "/households/"


def _shown(response) -> list[str]:
    return [row.household.household_id for row in response.context["page"].rows]


def _all_shown(client, params) -> list[str]:
    """Every household the search finds, over all its pages."""
    found, page = [], 1
    while True:
        response = client.get(URL, {**params, "page": page})
        found += _shown(response)
        if not response.context["page"].next_url:
            return found
        page += 1


def _text(response) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def login(client, make_user):
    def as_role(role, division):
        user = make_user(role, division)
        client.force_login(user)
        return user

    return as_role


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize("name, given", [
    ("张伟", "伟"), ("李建国", "建国"), ("欧阳修", "修"), ("司马相如", "相如"), ("诸葛亮", "亮"),
    ("上官婉儿", "婉儿"), ("买买提·艾力", "买买提"), ("王", ""), ("", ""), (None, ""),
])
def test_the_given_name_follows_the_surname_compound_or_not(name, given):
    assert names.given_name(name) == given


def test_the_id_suffix_is_reversed_and_upper_case():
    assert names.id_suffix_reversed("50023719900517101x") == "X10171"


# --------------------------------------------------------------------------- search


def test_a_given_name_finds_every_household_with_a_member_so_named(client, login, places):
    login("county", places["county"])
    member = (Person.objects.filter(household__village__code__startswith="500237").exclude(relation="head")
              .exclude(given_name="").order_by("person_id").first())
    given = member.given_name
    found = _all_shown(client, {"q": given})
    assert member.household_id in found
    expected = set(Person.objects.filter(household__village__code__startswith="500237")
                   .filter(given_name__startswith=given).values_list("household_id", flat=True))
    assert expected <= set(found)
    for household_id in found:
        assert Person.objects.filter(household_id=household_id).filter(
            given_name__startswith=given).exists() or Person.objects.filter(
            household_id=household_id, name__startswith=given).exists()


def test_the_row_names_the_member_the_search_matched(client, login, places):
    login("county", places["county"])
    household = Household.objects.filter(village=places["village"]).order_by("pk").first()
    head = household.members.get(relation="head")
    services.person_create(user=_officer(places), household=household, values={
        **_member_values(), "name": "欧阳娜娜", "relation": "child"})
    response = client.get(URL, {"q": "娜娜"})
    assert household.pk in _shown(response)
    row = next(r for r in response.context["page"].rows if r.household.pk == household.pk)
    assert row.head_name == head.name and row.matched == ["欧阳娜娜"]
    assert "匹配成员: 欧阳娜娜" in " ".join(_text(response).split())
    # Found by the head: the head is on the row already, no "matching member".
    by_head = client.get(URL, {"q": head.name})
    row = next(r for r in by_head.context["page"].rows if r.household.pk == household.pk)
    assert row.matched == []


def test_a_middle_part_of_a_household_number_finds_it(client, login, places):
    login("county", places["county"])
    household = Household.objects.filter(village=places["village"]).order_by("pk").last()
    middle = household.pk[8:12]
    assert not household.pk.startswith(middle)
    found = _all_shown(client, {"q": middle})
    assert household.pk in found
    assert all(middle in h for h in found)
    in_scope = Household.objects.filter(village__code__startswith="500237", household_id__contains=middle)
    assert len(found) == in_scope.count()
    # Two digits are too short for a middle part: only the start of a number.
    assert all(h.startswith(middle[:2]) for h in _shown(client.get(URL, {"q": middle[:2]})))


def _suffix_nobody_has_in_a_household_number(places, length=5):
    numbers = list(Household.objects.values_list("pk", flat=True))
    for person in Person.objects.filter(household__village=places["village"]).order_by("person_id"):
        suffix = person.person_id[-length:]
        if suffix.isdigit() and not any(suffix in n for n in numbers):
            return person, suffix
    raise AssertionError("no usable ID suffix")


def test_the_last_digits_of_an_id_number_find_the_member_for_roles_that_may_unmask(client, login, places):
    officer = login("county", places["county"])
    person, suffix = _suffix_nobody_has_in_a_household_number(places)
    before = AuditEvent.objects.count()
    response = client.get(URL, {"q": suffix})
    assert person.household_id in _shown(response)
    row = next(r for r in response.context["page"].rows if r.household.pk == person.household_id)
    assert person.relation == "head" and row.head_name == person.name or person.name in row.matched
    for household_id in _shown(response):
        assert Person.objects.filter(household_id=household_id, person_id__endswith=suffix).exists()
    event = AuditEvent.objects.filter(user=officer, action="view_unmasked").latest("id")
    assert AuditEvent.objects.count() > before
    assert event.detail["lookup"] == "id_suffix" and event.detail["suffix"] == suffix
    assert event.detail["found"] >= 1 and event.division_code == places["county"].code
    assert person.person_id not in response.content.decode()  # the list never shows the number


def test_a_role_that_may_not_unmask_finds_no_one_by_id_digits_and_is_not_audited(client, login, places):
    clerk = login("department", places["county"])
    _, suffix = _suffix_nobody_has_in_a_household_number(places)
    response = client.get(URL, {"q": suffix})
    assert _shown(response) == []
    assert not AuditEvent.objects.filter(user=clerk, action="view_unmasked").exists()
    # Their digits still find household numbers.
    household = Household.objects.filter(village=places["village"]).order_by("pk").first()
    assert household.pk in _all_shown(client, {"q": household.pk[-5:]})
    assert "证件号码" not in response.context["list"].search_label


def test_a_full_id_number_is_still_audited_for_everyone(client, login, places):
    clerk = login("department", places["county"])
    person = Person.objects.filter(household__village=places["village"]).first()
    assert _shown(client.get(URL, {"q": person.person_id})) == []
    event = AuditEvent.objects.filter(user=clerk, action="view_unmasked").latest("id")
    assert event.detail["lookup"] == "id_number" and event.detail["allowed"] is False


# --------------------------------------------------------------------------- results


@pytest.fixture
def results(places):
    """A run with results for the first six households of the village."""
    run = MonitoringRun.objects.create(year=2026, finished_at=timezone.now())
    households = list(Household.objects.filter(village=places["village"]).order_by("pk")[:6])
    rows = [
        ("green", "", None, "stable", False),
        ("red", "medical_insurance;housing", "marginal", "borderline", True),
        ("yellow", "income_drop", "unstable_lifted", "consolidating", False),
        ("red", "housing", "sudden_hardship", "borderline", False),
        ("yellow", "rigid_expense;income_drop;water", "marginal", "consolidating", True),
        ("green", "", None, "stable", None),
    ]
    for household, (risk, reasons, monitor_type, stability, poor) in zip(households, rows):
        HouseholdResult.objects.create(run=run, household=household, size=3, risk=risk, reasons=reasons,
                                       monitor_type=monitor_type, stability=stability, motivation_poor=poor)
    return [h.pk for h in households]


def test_the_work_comes_first_red_then_yellow_then_the_rest(client, login, places, results):
    login("village", places["village"])
    shown = _shown(client.get(URL))
    assert shown[:4] == [results[1], results[3], results[2], results[4]]
    rest = list(Household.objects.filter(village=places["village"]).exclude(pk__in=shown[:4])
                .order_by("pk").values_list("pk", flat=True))
    assert shown[4:] == rest[:46]
    # Sorting by number puts them back in number order.
    assert _shown(client.get(URL, {"sort": "number"}))[:6] == results


@pytest.mark.parametrize("params, expected", [
    ({"risk": "red"}, [1, 3]),
    ({"reason": "housing"}, [1, 3]),
    ({"reason": "income_drop"}, [2, 4]),
    ({"monitor_type": "marginal"}, [1, 4]),
    ({"stability": "consolidating"}, [2, 4]),
    ({"motivation": "poor"}, [1, 4]),
    ({"motivation": "adequate", "stability": "stable"}, [0]),
])
def test_every_result_column_filters(client, login, places, results, params, expected):
    login("village", places["village"])
    assert sorted(_shown(client.get(URL, params))) == [results[i] for i in expected]


def test_the_row_shows_reasons_in_words_and_the_result_columns(client, login, places, results):
    login("village", places["village"])
    response = client.get(URL, {"risk": "yellow", "sort": "number"})
    text = " ".join(_text(response).split())
    assert "收入大幅下降" in text and "刚性支出较大、收入大幅下降 等 1 项" in text
    assert "脱贫不稳定户" in text and "巩固" in text and "内生动力不足" in text
    html = response.content.decode()
    for column in ("risk", "reasons", "monitor_type", "stability", "motivation"):
        assert f'data-column="{column}"' in html
    chip = re.search(r'<ul class="chips".*?</ul>', html, re.DOTALL).group(0)
    assert "风险:" in unescape(re.sub(r"<[^>]+>", " ", chip)) and "黄色" in chip


def test_result_filters_appear_only_once_results_exist(client, login, places):
    login("village", places["village"])
    html = client.get(URL).content.decode()
    assert 'name="risk"' not in html and 'name="stability"' not in html
    assert 'name="status"' in html and 'name="problem"' in html


def test_the_export_is_the_filtered_list_with_its_result_columns(client, login, places, results):
    user = login("village", places["village"])
    response = client.post(URL + "?reason=housing")
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("户编号", "村") and "风险原因" in rows[0] and "稳定性" in rows[0]
    assert sorted(r[0] for r in rows[1:]) == sorted([results[1], results[3]])
    reasons = rows[0].index("风险原因")
    assert {r[reasons] for r in rows[1:]} == {"未参加基本医疗保险、住房不安全", "住房不安全"}
    event = AuditEvent.objects.filter(user=user, action="export").latest("id")
    assert event.detail["filters"] == {"reason": "housing"}


def test_an_export_is_a_post_a_get_only_lists(client, login, places):
    login("village", places["village"])
    response = client.get(URL)
    assert response["Content-Type"].startswith("text/html")
    assert 'id="list-export"' in response.content.decode()


# --------------------------------------------------------------------------- write paths


def _officer(places):
    from neisheng.accounts.models import User

    return User.objects.get_or_create(username="keys-officer", defaults={
        "role": "county", "division": places["county"]})[0]


def _member_values(birth=dt.date(1990, 5, 17)) -> dict:
    return {
        "person_id": fresh_id_number(birth, 101), "name": "张伟", "relation": "child", "sex": "male",
        "birth_date": birth, "education": "junior", "schooling": "not_in_school", "labor": "ordinary",
        "health": "healthy",
    }


def test_the_snapshot_load_filled_every_persons_search_keys():
    for person in Person.objects.order_by("person_id")[:500]:
        assert person.given_name == names.given_name(person.name)
        assert person.id_suffix_reversed == person.person_id[-6:][::-1].upper()


def test_pages_api_and_uploads_keep_the_search_keys(places):
    officer = _officer(places)
    household = Household.objects.filter(village=places["village"]).first()
    created = services.person_create(user=officer, household=household, values=_member_values())
    created.refresh_from_db()
    assert (created.given_name, created.id_suffix_reversed) == ("伟", created.person_id[-6:][::-1])
    services.person_update(user=officer, person=created, values={"name": "司马光"})
    created.refresh_from_db()
    assert created.given_name == "光"

    values = _member_values(dt.date(1991, 3, 2))
    many = services.person_create_many(user=officer, rows=[{**values, "household_id": household.pk,
                                                            "name": "诸葛亮"}])
    stored = Person.objects.get(pk=many[0].pk)
    assert (stored.given_name, stored.id_suffix_reversed) == ("亮", values["person_id"][-6:][::-1])
    services.person_update_many(user=officer, changes=[(stored, {"name": "上官婉儿"})])
    stored.refresh_from_db()
    assert stored.given_name == "婉儿"
    assert Person.history.filter(person_id=stored.pk).latest("history_id").given_name == "婉儿"


def test_the_migration_fills_existing_persons_and_their_history(places):
    migration = importlib.import_module("neisheng.registry.migrations.0003_person_search_keys")
    person = Person.objects.filter(household__village=places["village"]).first()
    services.person_update(user=_officer(places), person=person, values={"name": "欧阳修"})
    Person.objects.update(given_name="", id_suffix_reversed="")
    Person.history.update(given_name="", id_suffix_reversed="")
    migration.fill_search_keys(apps, None)
    person.refresh_from_db()
    assert (person.given_name, person.id_suffix_reversed) == ("修", person.person_id[-6:][::-1].upper())
    assert set(Person.history.filter(person_id=person.pk).values_list("given_name", flat=True)) == {
        names.given_name(n) for n in Person.history.filter(person_id=person.pk).values_list("name", flat=True)}


def test_sorting_by_risk_pages_through_every_household_once_from_either_end(client, login, places, results):
    login("village", places["village"])
    rank = {"red": 0, "yellow": 1, "green": 2}
    risks = dict(HouseholdResult.objects.values_list("household_id", "risk"))
    everyone = list(Household.objects.filter(village=places["village"]).values_list("pk", flat=True))
    for sort, descending in (("risk", False), ("-risk", True)):
        shown = _all_shown(client, {"sort": sort})
        expected = sorted(everyone, key=lambda h: (rank.get(risks.get(h), 3), h), reverse=descending)
        assert shown == expected, sort
