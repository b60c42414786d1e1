"""Assigned measures (一户一策): the one service that assigns them, with its refusals; the
count risk elimination asks for; the list of the user's division with its export; the
household page's section."""

from __future__ import annotations

import datetime as dt
import re
from io import BytesIO

import lxml.html
import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from neisheng.accounts.models import AuditEvent
from neisheng.measures.models import AssignedMeasure
from neisheng.measures.selectors import measures_assigned_between
from neisheng.measures.services import measure_assign
from neisheng.registry.models import Household

pytestmark = pytest.mark.django_db


def _css(element, selector: str) -> list:
    """Elements matching a small CSS selector (tag, .class, #id, [attr] and [attr="v"],
    descendants), as XPath: lxml's cssselect needs a package the project does not use."""
    steps = []
    for part in selector.split():
        tag, rest = re.match(r"([a-z]*)(.*)", part).groups()
        conditions = []
        for kind, name, value in re.findall(r'([.#]|\[)([\w-]+)(?:="([^"]*)")?\]?', rest):
            if kind == ".":
                conditions.append(f'contains(concat(" ", normalize-space(@class), " "), " {name} ")')
            elif kind == "#":
                conditions.append(f'@id="{name}"')
            else:
                conditions.append(f'@{name}="{value}"' if value else f"@{name}")
        steps.append((tag or "*") + "".join(f"[{c}]" for c in conditions))
    return element.xpath(".//" + "//".join(steps))


@pytest.fixture
def household(places) -> Household:
    return Household.objects.filter(village=places["village"]).order_by("household_id").first()


@pytest.fixture
def cadre(make_user, places):
    return make_user("village", places["village"])


def _assign(user, household, **changes):
    values = dict(measure="skills_training", assigned_on=timezone.localdate(), responsible="镇人社服务中心")
    values.update(changes)
    return measure_assign(user=user, household=household, **values)


def test_a_cadre_assigns_a_measure_to_a_member_and_it_is_audited(cadre, household):
    member = household.members.filter(alive=True).first()
    assigned = _assign(cadre, household, person_id=member.person_id, from_recommendation=True, note="三月开班")
    assert (assigned.household_id, assigned.person_id, assigned.state) == (household.pk, member.person_id, "planned")
    assert assigned.assigned_by == cadre and assigned.from_recommendation
    event = AuditEvent.objects.get(object_type="assigned_measure", object_id=str(assigned.pk))
    assert event.action == "create" and event.division_code == household.village_id
    assert event.detail["measure"] == "skills_training"


@pytest.mark.parametrize("changes, field", [
    ({"assigned_on": dt.date.today() + dt.timedelta(days=1)}, "assigned_on"),
    ({"measure": "no_such_measure"}, "measure"),
    ({"person_id": "110101199001011234"}, "person_id"),
    ({"responsible": "  "}, "responsible"),
])
def test_what_the_service_refuses_is_named_by_field(cadre, household, changes, field):
    with pytest.raises(ValidationError) as refused:
        _assign(cadre, household, **changes)
    assert field in refused.value.message_dict
    assert not AssignedMeasure.objects.exists()


def test_a_member_of_another_household_is_refused(cadre, household, places):
    neighbour = Household.objects.filter(village=places["village"]).exclude(pk=household.pk).first()
    stranger = neighbour.members.filter(alive=True).first()
    with pytest.raises(ValidationError):
        _assign(cadre, household, person_id=stranger.person_id)


@pytest.mark.parametrize("role", ["department", "auditor", "researcher"])
def test_roles_without_the_capability_are_refused(make_user, places, household, role):
    with pytest.raises(PermissionDenied):
        _assign(make_user(role, places["county"]), household)


def test_a_household_outside_the_users_division_is_as_if_it_did_not_exist(make_user, places, household):
    with pytest.raises(Http404):
        _assign(make_user("village", places["other_village"]), household)


def test_measures_assigned_between_counts_the_days_inclusive_and_leaves_out_abandoned_ones(cadre, household):
    for day, state in [(dt.date(2026, 1, 10), "planned"), (dt.date(2026, 2, 1), "done"),
                       (dt.date(2026, 3, 1), "abandoned"), (dt.date(2026, 4, 1), "in_progress")]:
        AssignedMeasure.objects.create(household=household, measure="microcredit", assigned_on=day,
                                       responsible="x", state=state)
    assert measures_assigned_between(household, dt.date(2026, 1, 10)) == 3
    assert measures_assigned_between(household, dt.date(2026, 1, 11)) == 2
    assert measures_assigned_between(household, dt.date(2026, 1, 1), dt.date(2026, 2, 1)) == 2
    assert measures_assigned_between(household, dt.date(2026, 2, 2), dt.date(2026, 3, 31)) == 0


def test_the_form_assigns_and_returns_to_the_household(client, cadre, household):
    client.force_login(cadre)
    url = f"/measures/new/?household={household.household_id}&measure=microcredit"
    page = lxml.html.document_fromstring(client.get(url).content.decode())
    assert _css(page, 'select[name="measure"] option[selected]')[0].get("value") == "microcredit"
    assert _css(page, 'select[name="person"] option[selected]')[0].get("value") == ""  # the whole household
    assert _css(page, 'input[name="assigned_on"]')[0].get("value") == timezone.localdate().isoformat()
    sent = client.post(url, {"measure": "microcredit", "person": "", "assigned_on": timezone.localdate().isoformat(),
                             "responsible": "村信贷员"})
    assert sent.status_code == 302 and sent["Location"].startswith(f"/households/{household.household_id}/")
    assigned = AssignedMeasure.objects.get()
    assert (assigned.measure, assigned.person_id, assigned.from_recommendation) == ("microcredit", "", False)


def test_the_form_says_why_a_future_date_is_refused(client, cadre, household):
    client.force_login(cadre)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    sent = client.post(f"/measures/new/?household={household.household_id}",
                       {"measure": "microcredit", "person": "", "assigned_on": tomorrow, "responsible": "x"})
    assert sent.status_code == 200 and "安排日期不能晚于今天" in sent.content.decode()
    assert not AssignedMeasure.objects.exists()


def test_the_list_shows_the_divisions_measures_filters_and_exports_them(client, cadre, household, places):
    other = Household.objects.filter(village=places["other_village"]).first()
    _assign(cadre, household, measure="microcredit")
    AssignedMeasure.objects.create(household=household, measure="skills_training", assigned_on=dt.date(2026, 1, 5),
                                   responsible="镇人社服务中心")
    AssignedMeasure.objects.create(household=other, measure="microcredit", assigned_on=dt.date(2026, 1, 5),
                                   responsible="elsewhere")
    client.force_login(cadre)
    page = lxml.html.document_fromstring(client.get("/measures/").content.decode())
    assert [r.get("data-measure") for r in _css(page, 'tr.assigned-measure')] == ["microcredit", "skills_training"]
    assert other.household_id not in client.get("/measures/").content.decode()
    filtered = lxml.html.document_fromstring(client.get("/measures/?measure=skills_training").content.decode())
    assert [r.get("data-measure") for r in _css(filtered, 'tr.assigned-measure')] == ["skills_training"]
    exported = client.post("/measures/?measure=skills_training")
    sheet = openpyxl.load_workbook(BytesIO(exported.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "户编号" and len(rows) == 2 and rows[1][0] == household.household_id
    assert AuditEvent.objects.filter(action="export", object_type="assigned_measures").exists()


def test_the_household_page_lists_its_measures_and_offers_to_assign_one(client, cadre, household, make_user, places):
    _assign(cadre, household, measure="microcredit")
    client.force_login(cadre)
    page = lxml.html.document_fromstring(client.get(f"/households/{household.household_id}/").content.decode())
    section = page.get_element_by_id("measures-assigned")
    assert _css(section, 'li.assigned-measure[data-measure="microcredit"]')
    assert _css(section, '#measure-assign')
    client.force_login(make_user("auditor", places["county"]))
    page = lxml.html.document_fromstring(client.get(f"/households/{household.household_id}/").content.decode())
    assert _css(page.get_element_by_id("measures-assigned"), 'li.assigned-measure')
    assert not _css(page, '#measure-assign')
