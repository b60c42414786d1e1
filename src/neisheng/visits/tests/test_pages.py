"""The visit pages: the form (works without JavaScript, the API's field names), a visit
with a conflict side by side, the list with its filters and export, the week, the
household's card and the home's work card."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.utils import timezone

from neisheng.registry.services import household_update
from neisheng.registry.versions import record_version
from neisheng.visits.models import Visit

pytestmark = pytest.mark.django_db


def _form_post(household, **changes) -> dict:
    data = {"household": household.pk, "idempotency_key": str(uuid.uuid4()),
            "base_version": str(record_version(household)), "visited_on": timezone.localdate().isoformat(),
            "kind": "routine", "findings": "一切正常", "recorded_offline": "false"}
    data.update(changes)
    return data


def test_the_form_carries_the_apis_names_a_fresh_key_and_the_version(client, make_user, places, household):
    client.force_login(make_user("assistance", places["village"]))
    page = client.get(f"/visits/new/?household={household.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="visit-form"' in html and 'data-api="/api/visits/"' in html
    key = re.search(r'name="idempotency_key" value="([0-9a-f-]+)"', html).group(1)
    assert uuid.UUID(key).version == 4
    assert f'name="base_version" value="{record_version(household)}"' in html
    for name in ("visited_on", "kind", "findings", "photos", "latitude", "longitude", "gps_accuracy_m",
                 "raise_risk", "risk_reason", "update_housing", "problem_category", "recorded_offline"):
        assert f'name="{name}"' in html, name
    again = client.get(f"/visits/new/?household={household.pk}").content.decode()
    assert key not in again  # every form opened is a new visit


def test_the_form_without_javascript_records_the_visit_once(client, make_user, places, household):
    client.force_login(make_user("village", places["village"]))
    data = _form_post(household)
    sent = client.post(f"/visits/new/?household={household.pk}", data)
    assert sent.status_code == 302
    visit = Visit.objects.get(idempotency_key=data["idempotency_key"])
    assert sent["Location"] == f"/visits/{visit.pk}/"
    assert client.post(f"/visits/new/?household={household.pk}", data)["Location"] == f"/visits/{visit.pk}/"
    assert Visit.objects.filter(household=household).count() == 1
    shown = client.get(f"/visits/{visit.pk}/").content.decode()
    assert "一切正常" in shown


def test_a_future_date_is_shown_next_to_its_field(client, make_user, places, household):
    client.force_login(make_user("village", places["village"]))
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    sent = client.post(f"/visits/new/?household={household.pk}", _form_post(household, visited_on=tomorrow))
    assert sent.status_code == 400
    assert 'id="field-visited_on"' in sent.content.decode() and "has-error" in sent.content.decode()
    assert not Visit.objects.exists()


def test_a_conflict_is_shown_side_by_side_and_an_editor_applies_it(client, make_user, places, household):
    officer = make_user("village", places["village"])
    client.force_login(officer)
    read = record_version(household)
    values = ["safe", "c_class", "d_class"]
    theirs = next(v for v in values if v != household.housing)
    mine = next(v for v in values if v not in (household.housing, theirs))
    household_update(user=make_user("town", places["town"]), household=household, values={"housing": theirs},
                     version=read)
    client.post(f"/visits/new/?household={household.pk}", _form_post(household, base_version=str(read),
                                                                       update_housing=mine))
    visit = Visit.objects.get(household=household)
    assert visit.update_status == "conflict"
    page = client.get(f"/visits/{visit.pk}/").content.decode()
    compare = page[page.index('id="visit-compare"'):]
    start = compare.index('data-field="housing"')
    row = compare[start:compare.index("</tr>", start)]
    labels = {"safe": "安全", "c_class": "C级危房", "d_class": "D级危房"}
    assert row.index(labels[mine]) < row.index(labels[theirs])  # the visit's value, then the record's
    assert 'id="visit-apply"' in page
    client.post(f"/visits/{visit.pk}/apply/")
    household.refresh_from_db()
    visit.refresh_from_db()
    assert household.housing == mine and visit.update_status == "applied"


def _cadre_with_households(make_user, places, n=2):
    from neisheng.grid.models import Cadre, CadrePair
    from neisheng.registry.models import Household

    user = make_user("assistance", places["village"])
    cadre = Cadre.objects.create(cadre_id="C-7", name="赵帮扶", division_code=places["village"].code, user=user)
    chosen = list(Household.objects.filter(village=places["village"], members__alive=True).distinct()
                  .order_by("household_id")[:n])
    for household in chosen:
        Household.objects.filter(pk=household.pk).update(status="lifted")
        CadrePair.objects.create(cadre=cadre, household=household, division_code=household.village_id,
                                 started_on=timezone.localdate() - dt.timedelta(days=90))
    return user, cadre, chosen


def _visit(household, days_ago, **fields):
    return Visit.objects.create(household=household, division_code=household.village_id,
                                visited_on=timezone.localdate() - dt.timedelta(days=days_ago),
                                idempotency_key=uuid.uuid4(), **fields)


def test_the_week_lists_overdue_first_with_days_overdue_and_links_to_the_form(client, make_user, places):
    user, cadre, (first, second) = _cadre_with_households(make_user, places)
    _visit(first, 29)  # due tomorrow
    _visit(second, 33)  # three days overdue
    client.force_login(user)
    html = client.get("/visits/week/").content.decode()
    rows = re.findall(r'<tr class="week-row( overdue)?" data-household="(\d+)"', html)
    assert rows == [(" overdue", second.pk), ("", first.pk)]
    assert 'data-days-overdue="3"' in html
    assert (f'class="week-household" data-household="{first.pk}" '
            f'href="/visits/new/?household={first.pk}"') in html
    assert "visits/_offline.html" in [t.name for t in client.get("/visits/week/").templates]


def test_the_home_of_a_cadre_counts_the_week(client, make_user, places):
    user, cadre, (first, second) = _cadre_with_households(make_user, places)
    _visit(first, 2)
    client.force_login(user)
    html = client.get("/").content.decode()
    card = html[html.index('id="work-visits-week"'):]
    assert "本周应走访 1 户，其中逾期 1 户" in card and 'href="/visits/week/"' in card
    client.force_login(make_user("village", places["village"]))
    assert 'id="work-visits-week"' not in client.get("/").content.decode()


def test_the_household_page_shows_its_visits_and_the_due_day(client, make_user, places):
    user, cadre, (first, second) = _cadre_with_households(make_user, places)
    _visit(first, 10, findings="院坝已硬化")
    client.force_login(user)
    html = client.get(f"/households/{first.pk}/").content.decode()
    section = html[html.index('id="household-visits"'):]
    due = (timezone.localdate() + dt.timedelta(days=20)).isoformat()
    assert "院坝已硬化" in section and due in section
    assert f'href="/visits/new/?household={first.pk}"' in section


def test_the_list_filters_by_kind_date_and_conflicts_and_exports(client, make_user, places, household):
    client.force_login(make_user("town", places["town"]))
    routine = _visit(household, 3, kind="routine")
    conflict = _visit(household, 20, kind="screening", update_status="conflict", updates={"housing": "safe"})

    def listed(query):
        return [int(pk) for pk in re.findall(r'data-visit="(\d+)"', client.get("/visits/" + query).content.decode())]

    assert listed("") == [routine.pk, conflict.pk]
    assert listed("?kind=screening") == [conflict.pk]
    assert listed("?conflicts=yes") == [conflict.pk]
    since = (timezone.localdate() - dt.timedelta(days=5)).isoformat()
    assert listed(f"?from={since}") == [routine.pk]
    exported = client.post(f"/visits/?from={since}")
    assert exported["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_visit_page_is_in_one_language(client, make_user, places, language):
    from neisheng.web.tests.test_one_language import violations

    user, cadre, (first, second) = _cadre_with_households(make_user, places)
    _visit(first, 40, findings="漏雨", update_status="conflict", updates={"housing": "d_class", "water": "safe"},
           update_message="未保存 / not saved")
    visit = _visit(second, 2, update_status="proposed", updates={"food_clothing_ok": "false"},
                   risk_message="该户已有未结案的监测案件 #1 / the household already has an open case #1")
    officer = make_user("village", places["village"])
    client.cookies.load({"django_language": language})
    pages = {
        user: ["/", "/visits/week/", f"/visits/new/?household={first.pk}", f"/households/{first.pk}/"],
        officer: ["/visits/", "/visits/?conflicts=yes", f"/visits/{visit.pk}/",
                  f"/visits/{Visit.objects.get(household=first).pk}/",
                  f"/visits/week/?village={places['village'].code}", "/visits/week/"],
    }
    found = {}
    for who, urls in pages.items():
        client.force_login(who)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.content.decode()
            assert f'<html lang="{language}">' in html
            found.update({text: url for text in violations(html, language)})
    sent_wrong = client.post(f"/visits/new/?household={first.pk}", {"household": first.pk, "visited_on": "x"})
    found.update({text: "form sent wrong" for text in violations(sent_wrong.content.decode(), language)})
    assert not found, found
