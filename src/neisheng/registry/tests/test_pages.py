"""The registry pages as a cadre, an officer and a researcher use them: what each sees,
searching and filtering, paging, exporting, and the forms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from tests.support import fresh_id_number

from neisheng.accounts.models import AuditEvent
from neisheng.engine import schema as engine_schema
from neisheng.monitoring.models import HouseholdResult, MonitoringRun
from neisheng.registry.lookups import ALREADY_REGISTERED
from neisheng.registry.models import Household, IncomeItem, Person
from neisheng.registry.selectors import household_file, listing
from neisheng.registry.versions import record_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_role(client, make_user):
    def login(role, division):
        user = make_user(role, division)
        client.force_login(user)
        return user

    return login


def _village_households(village):
    return Household.objects.filter(village=village).order_by("household_id")


def _households_on(response) -> list[str]:
    return [row.household.household_id for row in response.context["page"].rows]


def _fresh_id_number(birth=dt.date(1990, 5, 17), male=True) -> str:
    return fresh_id_number(birth, 101 if male else 102)


# --------------------------------------------------------------------------- home & tree


def test_home_counts_only_the_users_village(client, places, as_role):
    as_role("village", places["village"])
    response = client.get(reverse("registry:home"))
    assert response.status_code == 200
    figures = response.context["figures"]
    mine = _village_households(places["village"])
    assert figures["households"] == mine.count() > 0
    assert figures["persons"] == Person.objects.filter(household__in=mine, alive=True).count()
    lifted = {code: n for code, _, n in figures["status"]}["lifted"]
    assert lifted == mine.filter(status="lifted").count()
    assert figures["housing_problem"] == mine.filter(housing__in=["c_class", "d_class"]).count()
    assert "?status=lifted" in response.content.decode()
    assert not figures["with_results"]


def test_home_shows_risk_counts_once_results_exist(client, places, as_role):
    run = MonitoringRun.objects.create(year=2026, finished_at=timezone.now())
    households = list(_village_households(places["village"])[:3])
    for household, risk, poor in zip(households, ["red", "yellow", "red"], [True, False, False]):
        HouseholdResult.objects.create(household=household, run=run, size=1, risk=risk, motivation_poor=poor)
    as_role("town", places["town"])
    figures = client.get(reverse("registry:home")).context["figures"]
    assert {risk: n for risk, _, n in figures["risk"]} == {"red": 2, "yellow": 1, "green": 0}
    assert figures["motivation_poor"] == 1
    assert figures["motivation_poor_share"] == Decimal(100) / 3


def test_division_tree_counts_households_per_village_town_and_county(client, places, as_role):
    as_role("county", places["county"])
    response = client.get(reverse("registry:divisions"))
    assert response.status_code == 200
    [root] = response.context["roots"]
    assert root.division == places["county"]
    assert root.households == Household.objects.filter(village__code__startswith="500237").count()
    town = next(n for n in root.children if n.division == places["town"])
    assert town.households == sum(v.households for v in town.children)
    village = next(n for n in town.children if n.division == places["village"])
    assert village.households == _village_households(places["village"]).count()
    html = response.content.decode()
    assert f"?division={places['village'].code}" in html
    assert places["other_village"].code not in html


def test_a_researcher_sees_aggregates_but_no_household_list(client, places, as_role):
    as_role("researcher", places["county"])
    assert client.get(reverse("registry:home")).status_code == 200
    tree = client.get(reverse("registry:divisions"))
    assert tree.status_code == 200
    assert reverse("registry:household_list") not in tree.content.decode()
    assert client.get(reverse("registry:household_list")).status_code == 403
    household = _village_households(places["village"]).first()
    assert client.get(reverse("registry:household_detail", args=[household.pk])).status_code == 403


def test_pages_need_a_login(client):
    response = client.get(reverse("registry:household_list"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


# --------------------------------------------------------------------------- list


def test_the_list_shows_only_the_village_of_a_village_cadre(client, places, as_role):
    as_role("village", places["village"])
    response = client.get(reverse("registry:household_list"))
    assert response.status_code == 200
    shown = _households_on(response)
    assert shown == list(_village_households(places["village"]).values_list("pk", flat=True)[:50])
    html = response.content.decode()
    assert 'id="list-table"' in html and 'data-label="户主"' in html


def test_search_by_household_number_prefix_id_number_and_name(client, places, as_role):
    as_role("county", places["county"])
    household = _village_households(places["village"]).first()
    head = household.members.filter(relation="head").first()
    url = reverse("registry:household_list")

    assert _households_on(client.get(url, {"q": household.pk})) == [household.pk]
    by_prefix = _households_on(client.get(url, {"q": household.pk[:-1]}))
    assert household.pk in by_prefix and all(h.startswith(household.pk[:-1]) for h in by_prefix)

    number = head.person_id
    query = number[:17] + number[17].lower()
    assert _households_on(client.get(url, {"q": query})) == [household.pk]

    by_name = _households_on(client.get(url, {"q": head.name}))
    assert household.pk in by_name
    for shown in Household.objects.filter(pk__in=by_name):
        assert shown.village.code.startswith("500237")
        assert shown.members.filter(name__startswith=head.name).exists()

    surname = head.name[0]
    by_surname = _households_on(client.get(url, {"q": surname}))
    assert by_surname and all(
        Person.objects.filter(household_id=h, name__startswith=surname).exists() for h in by_surname
    )


def test_search_does_not_reach_outside_the_scope(client, places, as_role):
    as_role("village", places["village"])
    elsewhere = _village_households(places["other_village"]).first()
    person = elsewhere.members.first()
    url = reverse("registry:household_list")
    assert _households_on(client.get(url, {"q": elsewhere.pk})) == []
    assert _households_on(client.get(url, {"q": person.person_id})) == []
    assert _households_on(client.get(url, {"division": places["other_village"].code})) == []


def test_filters_by_division_status_category_and_risk(client, places, as_role):
    as_role("county", places["county"])
    url = reverse("registry:household_list")
    village = places["village"]
    shown = _households_on(client.get(url, {"division": village.code, "status": "lifted"}))
    assert shown == list(_village_households(village).filter(status="lifted").values_list("pk", flat=True))

    town_shown = _households_on(client.get(url, {"division": places["town"].code, "category": "dibao"}))
    expected = Household.objects.filter(village__parent=places["town"], category="dibao").order_by("pk")
    assert town_shown == list(expected.values_list("pk", flat=True)[:50])

    run = MonitoringRun.objects.create(year=2026, finished_at=timezone.now())
    red = _village_households(village).first()
    HouseholdResult.objects.create(household=red, run=run, size=2, risk="red")
    response = client.get(url, {"risk": "red"})
    assert _households_on(response) == [red.pk]
    assert "risk-red" in response.content.decode()


def test_pages_of_fifty_follow_each_other_without_overlap(client, places, as_role):
    as_role("county", places["county"])
    url = reverse("registry:household_list")
    everyone = list(Household.objects.filter(village__code__startswith="500237").order_by("pk")
                    .values_list("pk", flat=True))
    first = client.get(url)
    assert _households_on(first) == everyone[:50]
    assert first.context["page"].count == len(everyone)
    second = client.get(first.context["page"].next_url)
    assert _households_on(second) == everyone[50:100]
    back = client.get(second.context["page"].prev_url)
    assert _households_on(back) == everyone[:50]
    pages, seen, response = 0, [], first
    while True:
        seen += _households_on(response)
        pages += 1
        if not response.context["page"].next_url:
            break
        response = client.get(response.context["page"].next_url)
    assert seen == everyone
    assert pages == -(-len(everyone) // 50)


def test_export_is_a_real_workbook_of_the_filtered_list(client, places, as_role):
    user = as_role("county", places["county"])
    village = places["village"]
    response = client.post(reverse("registry:household_list") + f"?division={village.code}&status=lifted")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("户编号")
    expected = _village_households(village).filter(status="lifted")
    assert [r[0] for r in rows[1:]] == list(expected.values_list("pk", flat=True))
    assert {r[5] for r in rows[1:]} == {"脱贫户"}
    first = expected.first()
    size = first.members.filter(alive=True).count()
    assert rows[1][4] == size
    assert AuditEvent.objects.filter(user=user, action="export").exists()


def test_export_streams_in_batches_beyond_one_batch(places, make_user, monkeypatch):
    monkeypatch.setattr(listing, "EXPORT_BATCH", 7)
    officer = make_user("county", places["county"])
    matching = listing.households_matching(officer, listing.ListFilters())
    exported = [row[0] for row in listing.export_rows(matching)]
    assert exported == list(matching.values_list("pk", flat=True))


# --------------------------------------------------------------------------- household page


def test_household_page_shows_members_masked_ledger_and_guarantees(client, places, as_role):
    as_role("village", places["village"])
    household = next(h for h in _village_households(places["village"]) if h.ledger.exists())
    response = client.get(reverse("registry:household_detail", args=[household.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    member = household.members.first()
    assert member.name in html
    assert member.person_id not in html
    assert member.person_id[:4] + "*" * 10 + member.person_id[-4:] in html
    year = response.context["ledger"][0]
    rows = IncomeItem.objects.filter(household=household, year=year.year)
    kinds = {code: item.kind for code, item in engine_schema.LEDGER_ITEMS.items()}
    income = sum((r.amount for r in rows if kinds[r.item] == "income"), Decimal(0))
    cost = sum((r.amount for r in rows if kinds[r.item] == "cost"), Decimal(0))
    assert year.net == income - cost
    alive = household.members.filter(alive=True).count()
    assert year.per_capita == ((income - cost) / alive).quantize(Decimal("0.01"))
    assert [g.name for g in response.context["guarantees"]][:2] == ["不愁吃、不愁穿", "义务教育有保障"]
    assert "两不愁三保障" in html


def test_compulsory_education_uses_the_policy_age_band(client, places, as_role):
    as_role("village", places["village"])
    household = _village_households(places["village"]).first()
    from neisheng.policy import load_policy

    policy = load_policy()
    child_birth = dt.date(policy.reference_date.year - policy.compulsory_school_ages.low,
                          1, 1)
    child = Person.objects.create(
        person_id=_fresh_id_number(child_birth), household=household, name="辍学娃", relation="child",
        sex="male", birth_date=child_birth, education="none", schooling="not_in_school", labor="none",
        health="healthy",
    )
    response = client.get(reverse("registry:household_detail", args=[household.pk]))
    education = response.context["guarantees"][1]
    assert not education.ok and education.detail.values["members"].person_ids == (child.person_id,)
    guarantees = response.content.decode().split('id="guarantees"')[1].split("</section>")[0]
    assert '失学辍学:<span class="member" translate="no">辍学娃</span>' in guarantees


def test_a_village_cadre_gets_404_for_another_village(client, places, as_role):
    as_role("village", places["village"])
    elsewhere = _village_households(places["other_village"]).first()
    assert client.get(reverse("registry:household_detail", args=[elsewhere.pk])).status_code == 404
    assert client.get(reverse("registry:household_edit", args=[elsewhere.pk])).status_code == 404
    response = client.post(reverse("registry:household_edit", args=[elsewhere.pk]), {"status": "general"})
    assert response.status_code == 404
    assert client.get(reverse("registry:person_create", args=[elsewhere.pk])).status_code == 404


# --------------------------------------------------------------------------- forms


def _household_post(household, **changes):
    data = {
        "village": household.village_id, "status": household.status, "category": household.category,
        "housing": household.housing, "water": household.water, "poverty_cause": household.poverty_cause or "",
        "lifted_year": household.lifted_year or "", "willingness": household.willingness,
        "sudden_event": household.sudden_event,
    }
    for flag in ("food_clothing_ok", "cooperative_member", "industry_linked", "credit_access",
                 "participates_village_affairs"):
        if getattr(household, flag):
            data[flag] = "on"
    # The edit form carries the version it was opened at (issue 7, row 8).
    data["version"] = record_version(household)
    data.update(changes)
    return data


def test_editing_a_household_records_who_changed_what_in_the_history(client, places, as_role):
    cadre = as_role("village", places["village"])
    household = _village_households(places["village"]).filter(water="safe").first()
    response = client.post(reverse("registry:household_edit", args=[household.pk]),
                           _household_post(household, water="unsafe"))
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.water == "unsafe"
    assert AuditEvent.objects.filter(user=cadre, action="update", object_id=household.pk).exists()
    page = client.get(reverse("registry:household_detail", args=[household.pk]))
    [change] = [c for c in page.context["history"] if c.kind == "修改"]
    assert change.user == str(cadre)
    assert ("饮水安全", "安全", "不安全") in change.fields
    assert '<span translate="no">安全</span> → <span translate="no">不安全</span>' in page.content.decode()


def test_willingness_out_of_range_is_refused_in_chinese(client, places, as_role):
    as_role("village", places["village"])
    household = _village_households(places["village"]).first()
    response = client.post(reverse("registry:household_edit", args=[household.pk]),
                           _household_post(household, willingness=6))
    assert response.status_code == 200
    assert "超出允许范围" in response.content.decode()
    household.refresh_from_db()
    assert household.willingness != 6


def test_a_village_cadre_creates_households_only_in_their_village(client, places, as_role):
    as_role("village", places["village"])
    form = client.get(reverse("registry:household_create")).context["form"]
    assert list(form.fields["village"].queryset) == [places["village"]]
    template = _village_households(places["village"]).first()
    data = _household_post(template, household_id=places["village"].code + "9999")
    created = client.post(reverse("registry:household_create"), data)
    assert created.status_code == 302
    assert Household.objects.get(pk=places["village"].code + "9999").village == places["village"]
    data = _household_post(template, household_id=places["other_village"].code + "9999",
                           village=places["other_village"].code)
    refused = client.post(reverse("registry:household_create"), data)
    assert refused.status_code == 200
    assert not Household.objects.filter(pk=places["other_village"].code + "9999").exists()


def _person_post(**values):
    data = {"name": "张新", "relation": "child", "education": "junior", "schooling": "not_in_school",
            "labor": "ordinary", "health": "healthy", "disability_grade": 0, "medical_insured": "on",
            "employed_months": 6, "alive": "on"}
    data.update(values)
    return data


def test_a_member_with_a_bad_checksum_is_refused_and_nothing_is_saved(client, places, as_role):
    as_role("village", places["village"])
    household = _village_households(places["village"]).first()
    good = _fresh_id_number()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    before = Person.objects.count()
    response = client.post(reverse("registry:person_create", args=[household.pk]), _person_post(person_id=bad))
    assert response.status_code == 200
    assert response.context["form"].errors["person_id"] == ["证件号码校验码错误"]
    assert "证件号码校验码错误" in response.content.decode()
    assert Person.objects.count() == before


def test_a_member_is_added_with_birth_date_and_sex_from_the_id_number(client, places, as_role):
    cadre = as_role("village", places["village"])
    household = _village_households(places["village"]).first()
    number = _fresh_id_number(dt.date(1988, 2, 29), male=False)
    response = client.post(reverse("registry:person_create", args=[household.pk]),
                           _person_post(person_id=number[:17] + number[17].lower()))
    assert response.status_code == 302
    person = Person.objects.get(pk=number)
    assert (person.birth_date, person.sex, person.household_id) == (dt.date(1988, 2, 29), "female", household.pk)
    assert AuditEvent.objects.filter(user=cadre, action="create", object_type="person").exists()
    assert person.history.first().history_user == cadre


def test_member_form_rejects_disagreeing_birth_date_sex_and_duplicates(client, places, as_role):
    as_role("village", places["village"])
    household = _village_households(places["village"]).first()
    number = _fresh_id_number(male=True)
    url = reverse("registry:person_create", args=[household.pk])
    response = client.post(url, _person_post(person_id=number, birth_date="1991-01-01", sex="female",
                                             disability_grade=5, employed_months=13))
    errors = response.context["form"].errors
    assert errors["birth_date"] == ["出生日期与证件号码不符"]
    assert errors["sex"] == ["性别与证件号码不符"]
    assert "disability_grade" in errors and "employed_months" in errors
    existing = _village_households(places["other_village"]).first().members.first()
    response = client.post(url, _person_post(person_id=existing.person_id))
    assert "already_registered" in [e.code for e in response.context["form"].errors.as_data()["person_id"]]
    existing.refresh_from_db()
    assert existing.household_id != household.pk


def test_editing_a_member_uses_an_opaque_key_and_shows_in_history(client, places, as_role):
    as_role("village", places["village"])
    household = _village_households(places["village"]).first()
    person = household.members.first()
    key = household_file.member_key(person)
    url = reverse("registry:person_edit", args=[household.pk, key])
    assert person.person_id not in url
    form = client.get(url).context["form"]
    data = {name: form.initial.get(name) for name in form.fields}
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False and v is not None}
    data["employed_months"] = (person.employed_months + 1) % 13
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    person.refresh_from_db()
    page = client.get(reverse("registry:household_detail", args=[household.pk]))
    assert any("务工月数" in label for c in page.context["history"] for label, _, _ in c.fields)


def test_ledger_rows_are_added_and_edited_with_amount_checks(client, places, as_role):
    as_role("village", places["village"])
    household = _village_households(places["village"]).first()
    url = reverse("registry:ledger_create", args=[household.pk])
    refused = client.post(url, {"year": 2026, "item": "wage", "amount": "12.345", "source": "survey"})
    assert refused.context["form"].errors["amount"] == ["金额最多两位小数"]
    assert "金额最多两位小数" in refused.content.decode()
    negative = client.post(url, {"year": 2026, "item": "wage", "amount": "-1", "source": "survey"})
    assert negative.context["form"].errors["amount"] == ["金额不能为负数"]
    unknown = client.post(url, {"year": 2026, "item": "lottery", "amount": "1", "source": "survey"})
    assert unknown.context["form"].errors["item"] == ["不是收支台账目录中的项目"]
    created = client.post(url, {"year": 2026, "item": "wage", "amount": "1234.50", "source": "survey"})
    assert created.status_code == 302
    item = IncomeItem.objects.filter(household=household, amount=Decimal("1234.50")).latest("id")
    edit = reverse("registry:ledger_edit", args=[household.pk, item.pk])
    assert client.post(edit, {"year": 2026, "item": "wage", "amount": "2000", "source": "survey",
                              "version": record_version(item)}).status_code == 302
    item.refresh_from_db()
    assert item.amount == Decimal("2000.00")


def test_only_editing_roles_see_the_forms(client, places, as_role):
    as_role("assistance", places["village"])
    household = _village_households(places["village"]).first()
    assert client.get(reverse("registry:household_detail", args=[household.pk])).status_code == 200
    assert client.get(reverse("registry:household_edit", args=[household.pk])).status_code == 403
    assert client.get(reverse("registry:household_create")).status_code == 403


def test_a_new_household_number_must_be_unique_and_usable_in_addresses(client, places, as_role):
    as_role("village", places["village"])
    template = _village_households(places["village"]).first()
    url = reverse("registry:household_create")
    taken = client.post(url, _household_post(template, household_id=template.pk))
    assert taken.context["form"].errors["household_id"] == [ALREADY_REGISTERED[0]]
    slashed = client.post(url, _household_post(template, household_id="12/34"))
    assert "household_id" in slashed.context["form"].errors
    assert not Household.objects.filter(pk="12/34").exists()


def test_services_refuse_writes_outside_the_scope_even_without_a_form(places, make_user):
    from django.core.exceptions import PermissionDenied

    from neisheng.registry import services

    cadre = make_user("village", places["village"])
    elsewhere = _village_households(places["other_village"]).first()
    water_before = elsewhere.water
    changed_water = "safe" if water_before == "unsafe" else "unsafe"
    with pytest.raises(PermissionDenied):
        services.household_update(user=cadre, household=elsewhere, values={"water": changed_water})
    with pytest.raises(PermissionDenied):
        services.ledger_item_create(user=cadre, household=elsewhere,
                                    values={"year": 2026, "item": "wage", "amount": Decimal(1)})
    mine = _village_households(places["village"]).first()
    with pytest.raises(PermissionDenied):
        services.household_update(user=cadre, household=mine, values={"village": places["other_village"]})
    elsewhere.refresh_from_db()
    assert elsewhere.water == water_before
    assert not IncomeItem.objects.filter(household=elsewhere, amount=Decimal(1)).exists()
    assert _village_households(places["village"]).filter(pk=mine.pk).exists()
