import re

import pytest
from django.template import engines
from django.test import Client, RequestFactory
from django.urls import reverse

from neisheng.accounts.masking import mask_id_number, mask_phone
from neisheng.accounts.models import AuditEvent, User
from neisheng.platform import scope
from neisheng.registry.models import Division, Person, new_person_key
from neisheng.registry.reveal import person_reveal_key

pytestmark = pytest.mark.django_db

REVEAL = "/reveal/"


def render(template, user, **context):
    request = RequestFactory().get("/households/1/?tab=members")
    request.user = user
    return engines["django"].from_string("{% load masking %}" + template).render(context, request)


def person_in(village):
    return Person.objects.filter(household__village=village).order_by("person_id").first()


def neighbour_village_with_a_person(village):
    """Village B: the next village code in village A's town, with one household copied
    from village A under a new number and ID number."""
    from neisheng.registry.models import Household

    neighbour = Division.objects.create(code=str(int(village.code) + 1), name="邻村", level=5, parent=village.parent)
    template = Household.objects.filter(village=village).first()
    member = template.members.first()
    template.pk, template.village = "B" + template.household_id, neighbour
    template.save(force_insert=True)
    member.pk, member.household, member.key = member.person_id[:-4] + "9999", template, new_person_key()
    member.save(force_insert=True)
    return neighbour, member


def reveal(client, kind, key, **headers):
    return client.post(REVEAL, {"kind": kind, "key": key, "next": "/households/"}, headers=headers)


def reveal_key_on_page(html):
    return re.search(r'name="key" value="([^"]+)"', html).group(1)


def test_the_reveal_url_is_named():
    assert reverse("registry:reveal") == REVEAL


def test_the_tag_shows_the_masked_number_and_a_button_but_never_the_full_number(places, make_user):
    cadre = make_user("village", places["village"])
    person = person_in(places["village"])
    html = render("{% masked_id pid %}", cadre, pid=person.person_id)

    assert mask_id_number(person.person_id) in html
    assert person.person_id not in html
    assert f'action="{REVEAL}"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="kind" value="id"' in html
    assert "显示" in html
    assert 'name="next" value="/households/1/?tab=members"' in html


def test_the_buttons_carry_no_inline_script(places, make_user):
    # The Content-Security-Policy runs no inline script: the fetch lives in site.js.
    cadre = make_user("village", places["village"])
    people = list(scope.visible_to(cadre, Person)[:3])
    html = render("{% for p in people %}{% masked_id p.person_id %}{% endfor %}", cadre, people=people)
    assert html.count("<form") == 3
    assert "<script" not in html


def test_a_researcher_sees_the_masked_number_without_a_button(places, make_user):
    researcher = make_user("researcher", places["county"])
    person = person_in(places["village"])
    html = render("{% masked_id pid %}", researcher, pid=person.person_id)
    assert mask_id_number(person.person_id) in html
    assert "<form" not in html
    assert person.person_id not in html


def test_a_cadre_reveals_a_person_of_the_village_and_the_view_is_logged(client, places, make_user):
    cadre = make_user("village", places["village"])
    person = person_in(places["village"])
    client.force_login(cadre)
    key = reveal_key_on_page(render("{% masked_id pid %}", cadre, pid=person.person_id))

    response = reveal(client, "id", key)
    assert response.status_code == 200
    page = response.content.decode()
    assert person.person_id in page
    assert 'href="/households/"' in page
    assert "no-store" in response["Cache-Control"]

    event = AuditEvent.objects.get(action="view_unmasked")
    assert (event.user, event.object_type, event.object_id) == (cadre, "person", person.person_id)
    assert event.detail["household_id"] == person.household_id


def test_the_script_gets_the_bare_number(client, places, make_user):
    cadre = make_user("assistance", places["village"])
    person = person_in(places["village"])
    client.force_login(cadre)
    response = reveal(client, "id", person_reveal_key(person.person_id), **{"X-Neisheng-Reveal": "1"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == person.person_id


def test_a_cadre_of_village_a_gets_nothing_about_village_b_and_nothing_is_logged(client, places, make_user):
    cadre = make_user("village", places["village"])
    client.force_login(cadre)
    _, neighbour = neighbour_village_with_a_person(places["village"])
    for outsider in (neighbour, person_in(places["other_village"])):
        response = reveal(client, "id", person_reveal_key(outsider.person_id))
        assert response.status_code == 404
        assert outsider.person_id not in response.content.decode()
    assert not AuditEvent.objects.filter(action="view_unmasked").exists()

    # Village B's person is real: the town officer above both villages may see it.
    client.force_login(make_user("town", places["town"]))
    assert reveal(client, "id", person_reveal_key(neighbour.person_id)).status_code == 200


def test_a_forged_key_reveals_nothing(client, places, make_user):
    county_officer = make_user("county", places["county"])
    person = person_in(places["village"])
    client.force_login(county_officer)
    forged = mask_id_number(person.person_id) + "." + "0" * 32
    for key in (forged, "A" * 22, "", "nonsense", person.person_id):
        assert reveal(client, "id", key).status_code == 404
    assert not AuditEvent.objects.filter(action="view_unmasked").exists()


def test_a_researcher_cannot_reveal_at_all(client, places, make_user):
    researcher = make_user("researcher", places["county"])
    colleague = make_user("county", places["county"])
    colleague.phone = "13812345678"
    colleague.save()
    client.force_login(researcher)
    person = person_in(places["village"])
    assert reveal(client, "id", person_reveal_key(person.person_id)).status_code == 403
    assert reveal(client, "phone", str(colleague.pk)).status_code == 403
    assert not AuditEvent.objects.filter(action="view_unmasked").exists()


def test_a_department_clerk_cannot_reveal(client, places, make_user):
    clerk = make_user("department", places["county"])
    client.force_login(clerk)
    person = person_in(places["village"])
    assert reveal(client, "id", person_reveal_key(person.person_id)).status_code == 403


def test_revealing_needs_sign_in_post_and_a_known_kind(client, places, make_user):
    person = person_in(places["village"])
    response = reveal(client, "id", person_reveal_key(person.person_id))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    client.force_login(make_user("village", places["village"]))
    assert client.get(REVEAL).status_code == 405
    assert reveal(client, "passport", "x").status_code == 400


def test_a_post_without_csrf_token_is_refused(places, make_user):
    cadre = make_user("village", places["village"])
    person = person_in(places["village"])
    client = Client(enforce_csrf_checks=True)
    client.force_login(cadre)
    response = reveal(client, "id", person_reveal_key(person.person_id))
    assert response.status_code == 403
    assert person.person_id not in response.content.decode()
    assert not AuditEvent.objects.filter(action="view_unmasked").exists()


def test_the_form_the_tag_renders_passes_csrf(places, make_user):
    cadre = make_user("village", places["village"])
    person = person_in(places["village"])
    client = Client(enforce_csrf_checks=True)
    client.force_login(cadre)
    client.get(reverse("accounts:login"))  # the browser now holds a CSRF cookie
    # The page the tag renders for that browser (as the CSRF middleware would see it).
    request = RequestFactory().get("/households/")
    request.user = cadre
    request.META["CSRF_COOKIE"] = client.cookies["csrftoken"].value
    html = engines["django"].from_string("{% load masking %}{% masked_id pid %}").render({"pid": person.person_id}, request)
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', html))

    answer = client.post(REVEAL, fields)
    assert answer.status_code == 200
    assert person.person_id in answer.content.decode()


@pytest.fixture
def officers(places, make_user):
    def with_phone(user, phone):
        user.phone = phone
        user.save()
        return user

    return {
        "town": with_phone(make_user("town", places["town"]), "13900001111"),
        "town_colleague": make_user("town", places["town"], username="town-colleague"),
        "county": make_user("county", places["county"]),
        "admin": make_user("admin", None),
    }


def test_a_phone_is_masked_and_revealable_by_a_colleague_of_the_same_division(client, officers):
    town = officers["town"]
    colleague = officers["town_colleague"]
    html = render("{% masked_phone person %}", colleague, person=town)
    assert mask_phone(town.phone) in html and town.phone not in html
    assert 'name="kind" value="phone"' in html

    client.force_login(colleague)
    response = reveal(client, "phone", reveal_key_on_page(html))
    assert response.status_code == 200 and town.phone in response.content.decode()
    event = AuditEvent.objects.get(action="view_unmasked")
    assert (event.object_type, event.object_id, event.detail["kind"]) == ("user", str(town.pk), "phone")


def test_a_phone_is_not_revealable_from_another_division(client, officers):
    town, county = officers["town"], officers["county"]
    html = render("{% masked_phone person %}", county, person=town)
    assert mask_phone(town.phone) in html and "<form" not in html

    client.force_login(county)
    assert reveal(client, "phone", str(town.pk)).status_code == 404
    assert reveal(client, "phone", "not-a-number").status_code == 404
    assert not AuditEvent.objects.filter(action="view_unmasked").exists()


def test_an_admin_reveals_any_phone(client, officers):
    client.force_login(officers["admin"])
    response = reveal(client, "phone", str(officers["town"].pk))
    assert response.status_code == 200 and officers["town"].phone in response.content.decode()


def test_a_bare_phone_string_is_masked_without_a_button(officers):
    html = render('{% masked_phone "13812345678" %}', officers["admin"])
    assert "138****5678" in html and "<form" not in html
    assert render("{% masked_phone '' %}", officers["admin"]) == ""


def test_nothing_is_shown_for_an_empty_id(officers):
    assert render("{% masked_id none %}", officers["admin"], none=None) == ""


def test_no_full_number_in_user_records_is_touched(officers):
    assert User.objects.get(pk=officers["town"].pk).phone == "13900001111"
