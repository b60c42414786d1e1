"""The public self-report form (农户自主申报): usable without an account, matched to the
registry by the head's name and ID number, answering the same whether or not they match
(so it never reveals whether a number exists), rate-limited, CSRF-protected, and listed
for the officers of the village with the ID number masked."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from neisheng.cases.models import MonitoringCase, SelfReport
from neisheng.registry.models import Household, Person
from neisheng.web.tests.test_one_language import violations

pytestmark = pytest.mark.django_db
URL = "/cases/report/"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture(autouse=True)
def quick(settings):
    settings.NEISHENG_SELF_REPORT_MIN_SECONDS = 0


@pytest.fixture
def head(places):
    """The living head of a household of the village with no open case."""
    return (Person.objects.filter(household__village=places["village"], relation="head", alive=True)
            .select_related("household").order_by("person_id").first())


def _form(head, **changes) -> dict:
    return {"village": head.household.village_id, "head_name": head.name, "id_number": head.person_id,
            "phone": "13800001111", "reason": "家中突发火灾,房屋受损", **changes}


def _stranger_number(head) -> str:
    """An ID number nobody in the registry has, shaped like the head's."""
    number = head.person_id
    for digit in "0123456789":
        candidate = number[:-5] + digit * 4 + number[-1]
        if not Person.objects.filter(pk=candidate).exists():
            return candidate
    raise AssertionError("no free number")


def _body(response) -> str:
    return CSRF.sub("", response.content.decode())


def test_the_form_needs_no_account_and_offers_every_village(client, places):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="{places["village"].code}"' in html and f'value="{places["other_village"].code}"' in html
    for name in ("village", "head_name", "id_number", "phone", "reason"):
        assert f'name="{name}"' in html


def test_a_match_opens_a_case_and_a_mismatch_does_not_but_both_answer_alike(client, head):
    matched = client.post(URL, _form(head))
    unmatched = Client().post(URL, _form(head, id_number=_stranger_number(head)), REMOTE_ADDR="10.0.0.2")
    assert matched.status_code == unmatched.status_code == 200
    assert _body(matched) == _body(unmatched)
    assert "已收到您的申报" in _body(matched)

    case = MonitoringCase.objects.get(household=head.household)
    assert case.channel == "self_report" and case.state == "reported" and case.reported_by is None
    reports = {r.status: r for r in SelfReport.objects.all()}
    assert reports["matched"].case == case and reports["matched"].household == head.household
    assert reports["unmatched"].case is None and reports["unmatched"].household is None
    # The address is kept only as a keyed hash, for the rate limit.
    assert "127.0.0.1" not in reports["matched"].sender_hash and len(reports["matched"].sender_hash) == 64


def test_the_right_number_with_another_name_or_village_is_no_match(client, head, places):
    wrong_name = client.post(URL, _form(head, head_name=head.name + "某"))
    other_village = Household.objects.filter(village=places["other_village"]).first().village_id
    wrong_village = Client().post(URL, _form(head, village=other_village), REMOTE_ADDR="10.0.0.3")
    assert wrong_name.status_code == wrong_village.status_code == 200
    assert _body(wrong_name) == _body(wrong_village)
    assert not MonitoringCase.objects.filter(household=head.household).exists()
    assert set(SelfReport.objects.values_list("status", flat=True)) == {"unmatched"}


def test_a_household_with_an_open_case_keeps_it(client, head):
    client.post(URL, _form(head))
    client.post(URL, _form(head, reason="又一次申报"))
    assert MonitoringCase.objects.filter(household=head.household).count() == 1
    assert SelfReport.objects.filter(case__isnull=False).count() == 2


def test_the_answer_takes_the_same_least_time_matched_or_not(client, head, settings):
    import time

    settings.NEISHENG_SELF_REPORT_MIN_SECONDS = 0.3
    times = []
    for number in (head.person_id, _stranger_number(head)):
        started = time.monotonic()
        Client().post(URL, _form(head, id_number=number), REMOTE_ADDR=f"10.0.1.{len(times)}")
        times.append(time.monotonic() - started)
    assert min(times) >= 0.3


def test_over_the_limit_from_one_sender_the_same_page_says_429_and_nothing_is_kept(client, head, settings):
    settings.NEISHENG_SELF_REPORT_PER_HOUR = 3
    numbers = [_stranger_number(head)[:-2] + f"{i}X" for i in range(5)]
    answers = [client.post(URL, _form(head, id_number=n)).status_code for n in numbers]
    assert answers == [200, 200, 200, 429, 429]
    assert SelfReport.objects.count() == 3
    limited = client.post(URL, _form(head))
    assert limited.status_code == 429 and "请一小时后再试" in limited.content.decode()
    assert not MonitoringCase.objects.filter(household=head.household).exists()
    # Another sender is not held back by this one.
    assert Client().post(URL, _form(head), REMOTE_ADDR="10.0.0.9").status_code == 200


def test_one_id_number_is_limited_whoever_sends_it(head, settings):
    settings.NEISHENG_SELF_REPORT_PER_HOUR = 2
    number = _stranger_number(head)
    answers = [Client().post(URL, _form(head, id_number=number), REMOTE_ADDR=f"10.0.2.{i}").status_code
               for i in range(3)]
    assert answers == [200, 200, 429]


def test_the_form_refuses_a_post_without_its_csrf_token(head):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(URL, _form(head)).status_code == 403
    assert not SelfReport.objects.exists()


def test_a_form_with_mistakes_is_shown_again_with_them(client, head):
    response = client.post(URL, _form(head, id_number="12", village="nowhere"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="field-id_number"' in html and "has-error" in html
    assert not SelfReport.objects.exists()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_public_pages_are_in_one_language(client, head, language):
    """The scan of web/tests/test_one_language.py, for the pages the scope matrix does not
    list (they are public)."""
    client.cookies.load({"django_language": language})
    pages = {"form": client.get(URL), "sent wrong": client.post(URL, {"village": "x"}),
             "received": client.post(URL, _form(head))}
    for what, response in pages.items():
        html = response.content.decode()
        assert f'<html lang="{language}">' in html, what
        assert not violations(html, language), (what, violations(html, language))


def test_officers_of_the_village_see_every_report_with_the_id_number_masked(client, head, make_user, places):
    stranger = _stranger_number(head)
    client.post(URL, _form(head))
    Client().post(URL, _form(head, id_number=stranger, head_name="路人甲"), REMOTE_ADDR="10.0.0.5")
    village_officer = make_user("village", places["village"])
    client.force_login(village_officer)
    html = client.get("/cases/self-reports/").content.decode()
    assert head.name in html and "路人甲" in html
    assert head.person_id not in html and stranger not in html
    assert stranger[:4] + "*" * 10 + stranger[-4:] in html
    # The matched head's number is revealed through the audited reveal button.
    assert html.count('name="kind" value="id"') == 1
    elsewhere = make_user("village", places["other_village"], username="village-elsewhere")
    client.force_login(elsewhere)
    assert "路人甲" not in client.get("/cases/self-reports/").content.decode()
