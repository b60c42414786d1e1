"""Issue 7, row 8: a village cadre and a town officer edit the same household from the
same version. Changes to different fields are both kept; a change to a field the other
changed meanwhile is refused with what was changed, by whom and when — never a silent
revert. Through the forms and through the API, for households, members and ledger rows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from neisheng.registry.models import Household, IncomeItem, Person


@pytest.fixture
def officers(places, make_user):
    """The village cadre and the town officer above that village, each with a browser."""
    village = make_user("village", places["village"])
    town = make_user("town", places["town"])
    browsers = {}
    for name, user in (("village", village), ("town", town)):
        browsers[name] = Client()
        browsers[name].force_login(user)
    return village, town, browsers


def _household(places, **values) -> Household:
    return Household.objects.filter(village=places["village"], **values).order_by("household_id").first()


def _opened(browser, url) -> dict:
    """The edit form as the browser received it, ready to be posted back."""
    response = browser.get(url)
    assert response.status_code == 200
    assert 'type="hidden" name="version"' in response.content.decode()
    return _as_posted(response.context["form"])


def _as_posted(form) -> dict:
    data = {}
    for field in form:
        value = field.value()
        if isinstance(value, bool):
            if value:
                data[field.name] = "on"
        elif value is not None:
            data[field.name] = str(value)
    return data


def test_two_officers_changing_different_fields_of_a_household_keep_both(places, officers):
    cadre, officer, browsers = officers
    household = _household(places, housing="safe", water="safe")
    url = reverse("registry:household_edit", args=[household.pk])
    by_cadre, by_officer = _opened(browsers["village"], url), _opened(browsers["town"], url)

    assert browsers["village"].post(url, by_cadre | {"housing": "d_class"}).status_code == 302
    # The town officer's form still says housing "safe": saving water must not undo that.
    assert browsers["town"].post(url, by_officer | {"water": "unsafe"}).status_code == 302

    household.refresh_from_db()
    assert (household.housing, household.water) == ("d_class", "unsafe")
    page = browsers["town"].get(reverse("registry:household_detail", args=[household.pk]))
    changes = {(c.user, field) for c in page.context["history"] for field in c.fields}
    assert (str(cadre), ("住房安全", "安全", "D级危房")) in changes
    assert (str(officer), ("饮水安全", "安全", "不安全")) in changes


def test_the_second_change_of_the_same_field_is_refused_with_what_changed_in_chinese(places, officers):
    cadre, _, browsers = officers
    household = _household(places, housing="safe", water="safe")
    url = reverse("registry:household_edit", args=[household.pk])
    by_cadre, by_officer = _opened(browsers["village"], url), _opened(browsers["town"], url)

    assert browsers["village"].post(url, by_cadre | {"housing": "c_class", "water": "unsafe"}).status_code == 302
    refused = browsers["town"].post(url, by_officer | {"housing": "d_class"})

    assert refused.status_code == 200
    text = refused.content.decode()
    assert "未保存:您打开后,其他人修改了同一项目" in text
    assert f"住房安全:您填写“D级危房”,{cadre} 于 " in text and "已改为“C级危房”" in text
    household.refresh_from_db()
    assert (household.housing, household.water) == ("c_class", "unsafe")

    # The form shown again holds the officer's housing and the cadre's water: saving it
    # now is a decision taken knowingly, and still does not undo the water.
    again = _as_posted(refused.context["form"])
    assert (again["housing"], again["water"]) == ("d_class", "unsafe")
    assert browsers["town"].post(url, again).status_code == 302
    household.refresh_from_db()
    assert (household.housing, household.water) == ("d_class", "unsafe")


def test_a_member_and_a_ledger_row_are_protected_through_the_forms(places, officers):
    _, _, browsers = officers
    household = _household(places)
    person = household.members.order_by("birth_date").first()
    page = browsers["village"].get(reverse("registry:household_detail", args=[household.pk]))
    [key] = [row["key"] for row in page.context["members"] if row["person"].pk == person.pk]
    url = reverse("registry:person_edit", args=[household.pk, key])
    by_cadre, by_officer = _opened(browsers["village"], url), _opened(browsers["town"], url)
    months = person.employed_months
    assert browsers["village"].post(url, by_cadre | {"employed_months": (months + 1) % 13}).status_code == 302
    refused = browsers["town"].post(url, by_officer | {"employed_months": (months + 2) % 13})
    assert refused.status_code == 200 and "务工月数:您填写" in refused.content.decode()
    assert Person.objects.get(pk=person.pk).employed_months == (months + 1) % 13

    item = household.ledger.order_by("id").first()
    url = reverse("registry:ledger_edit", args=[household.pk, item.pk])
    by_cadre, by_officer = _opened(browsers["village"], url), _opened(browsers["town"], url)
    assert browsers["village"].post(url, by_cadre | {"amount": "111.00"}).status_code == 302
    refused = browsers["town"].post(url, by_officer | {"amount": "222.00"})
    assert refused.status_code == 200 and "金额(元):您填写“222.00”" in refused.content.decode()
    assert IncomeItem.objects.get(pk=item.pk).amount == Decimal("111.00")


def test_a_form_without_its_version_is_not_saved(places, officers):
    _, _, browsers = officers
    household = _household(places, water="safe")
    url = reverse("registry:household_edit", args=[household.pk])
    data = _opened(browsers["village"], url)
    del data["version"]
    response = browsers["village"].post(url, data | {"water": "unsafe"})
    assert response.status_code == 200 and "缺少版本信息" in response.content.decode()
    assert Household.objects.get(pk=household.pk).water == "safe"


# --------------------------------------------------------------------------- API


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_two_officers_through_the_api_keep_both_changes_or_get_409(places, officers):
    cadre, officer, _ = officers
    household = _household(places, housing="safe", water="safe")
    url = f"/api/households/{household.pk}/"
    a, b = _api(cadre), _api(officer)
    read_a, read_b = a.get(url).json(), b.get(url).json()
    assert read_a["version"] == read_b["version"]

    # Whole-record PUTs from the same version, different fields: both kept.
    assert a.put(url, read_a | {"housing": "d_class"}, format="json").status_code == 200
    saved = b.put(url, read_b | {"water": "unsafe"}, format="json")
    assert saved.status_code == 200, saved.json()
    assert (saved.json()["housing"], saved.json()["water"]) == ("d_class", "unsafe")

    # The same field from the same version: the second is refused, with what changed.
    read_a, read_b = a.get(url).json(), b.get(url).json()
    assert a.patch(url, {"housing": "c_class", "version": read_a["version"]}, format="json").status_code == 200
    refused = b.put(url, read_b | {"housing": "safe"}, format="json")
    assert refused.status_code == 409
    body = refused.json()
    [conflict] = body["conflicts"]
    assert (conflict["field"], conflict["yours"], conflict["theirs"]) == ("housing", "safe", "c_class")
    assert conflict["changed_by"] == str(cadre) and conflict["changed_at"]
    assert body["version"] == a.get(url).json()["version"]
    household.refresh_from_db()
    assert (household.housing, household.water) == ("c_class", "unsafe")

    # Without the version it read, a client cannot change anything.
    missing = b.patch(url, {"water": "safe"}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()
    assert Household.objects.get(pk=household.pk).water == "unsafe"


def test_members_and_ledger_rows_through_the_api(places, officers):
    cadre, officer, _ = officers
    household = _household(places)
    a, b = _api(cadre), _api(officer)
    listed = a.get("/api/persons/", {"household": household.pk}).json()["results"][0]
    url = listed["url"]
    read_b = b.get(url).json()
    months = listed["employed_months"]
    assert a.patch(url, {"employed_months": (months + 1) % 13, "version": listed["version"]},
                   format="json").status_code == 200
    refused = b.patch(url, {"employed_months": (months + 2) % 13, "version": read_b["version"]}, format="json")
    assert refused.status_code == 409 and refused.json()["conflicts"][0]["field"] == "employed_months"
    # A different field from the same stale version is merged.
    merged = b.patch(url, {"has_skill": not listed["has_skill"], "version": read_b["version"]}, format="json")
    assert merged.status_code == 200
    assert (merged.json()["has_skill"], merged.json()["employed_months"]) == (not listed["has_skill"],
                                                                              (months + 1) % 13)

    item = household.ledger.order_by("id").first()
    url = f"/api/income-items/{item.pk}/"
    read_a, read_b = a.get(url).json(), b.get(url).json()
    assert a.patch(url, {"amount": "10.00", "version": read_a["version"]}, format="json").status_code == 200
    refused = b.put(url, read_b | {"amount": "20.00"}, format="json")
    assert refused.status_code == 409 and refused.json()["conflicts"][0]["theirs"] == "10.00"
    assert IncomeItem.objects.get(pk=item.pk).amount == Decimal("10.00")
