"""Scope, role by role and endpoint by endpoint: someone whose division is elsewhere gets
nothing of this one.

The division under test is the village of 巫山 (500237) in the shared `places`; every
identifier of that county (household numbers, village and division codes, ID numbers)
begins with 500237, so "nothing of it" is checked on the whole body of each answer:
HTML, JSON, or the cells of an exported workbook. Each negative case has a positive
twin (the same role inside the division sees the row), so a URL that silently stopped
working cannot pass as "shows nothing"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from io import BytesIO

import openpyxl
import pytest
from django.urls import Resolver404, get_resolver, resolve

from neisheng.accounts.models import UNMASKING_ROLES, Role
from neisheng.monitoring.models import HouseholdResult, MonitoringRun
from neisheng.registry.models import Household

pytestmark = pytest.mark.django_db

HIDDEN_COUNTY = "500237"
OWN_COUNTY = "500238"
ROLES = [role.value for role in Role]
# Each role sits at the level where it works: elsewhere, and here for the positive twin.
PLACE = {
    "county": "county", "town": "town", "village": "village", "assistance": "village",
    "department": "county", "auditor": "county", "researcher": "county", "admin": "county",
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Target:
    household: str
    person: str
    member_key: str
    reveal_key: str
    income_item: int
    village: str


@dataclass(frozen=True)
class Endpoint:
    name: str
    template: str  # filled from a Target
    kind: str  # "list" or "detail"
    api: bool = False
    person_level: bool = True  # researchers see aggregates only
    editing: bool = False  # only EDITING_ROLES may open it
    unmasking: bool = False  # only UNMASKING_ROLES may call it
    admin_only: bool = False  # only administrators may open it
    post: dict | None = None
    shows: str | None = "household"  # what of the Target the same role inside sees
    refused_as: int = 403  # 404 where a refusal must look like "no such record" (issue 7, row 3)

    def url(self, target: Target) -> str:
        return self.template.format(t=target)

    def denied_to(self, role: str) -> bool:
        """Whether the role is refused (403) whatever the division."""
        return ((self.person_level and role == "researcher")
                or (self.editing and role not in {"county", "town", "village", "admin"})
                or (self.unmasking and role not in UNMASKING_ROLES)
                or (self.admin_only and role != "admin"))


ENDPOINTS = [
    Endpoint("home", "/", "list", person_level=False, shows=None),
    Endpoint("divisions", "/divisions/", "list", person_level=False, shows=None),
    Endpoint("household list", "/households/", "list"),
    Endpoint("household search", "/households/?q={t.household}", "list"),
    Endpoint("household list by village", "/households/?division={t.village}", "list"),
    # Exports are a POST (with CSRF token) to the page's own address, filters in its query string.
    Endpoint("household export", "/households/", "list", post={}),
    Endpoint("household search export", "/households/?q={t.household}", "list", post={}),
    Endpoint("household new", "/households/new/", "list", editing=True, shows="village"),
    Endpoint("household page", "/households/{t.household}/", "detail"),
    Endpoint("household edit", "/households/{t.household}/edit/", "detail", editing=True),
    Endpoint("member new", "/households/{t.household}/members/new/", "detail", editing=True),
    Endpoint("member edit", "/households/{t.household}/members/{t.member_key}/edit/", "detail", editing=True),
    Endpoint("ledger new", "/households/{t.household}/ledger/new/", "detail", editing=True),
    Endpoint("ledger edit", "/households/{t.household}/ledger/{t.income_item}/edit/", "detail", editing=True),
    Endpoint("reveal an ID number", "/accounts/reveal/", "detail", unmasking=True,
             post={"kind": "id", "key": "{t.reveal_key}"}, shows="person"),
    Endpoint("API divisions", "/api/divisions/", "list", api=True, person_level=False, shows="village"),
    Endpoint("API division", "/api/divisions/{t.village}/", "detail", api=True, person_level=False,
             shows="village"),
    Endpoint("API summary", "/api/summary/", "list", api=True, person_level=False, shows=None),
    Endpoint("API households", "/api/households/", "list", api=True),
    Endpoint("API household search", "/api/households/?search={t.household}", "list", api=True),
    Endpoint("API household", "/api/households/{t.household}/", "detail", api=True),
    Endpoint("API persons", "/api/persons/", "list", api=True),
    # Addressing by full ID number is for roles that may unmask (and audited).
    Endpoint("API person", "/api/persons/{t.person}/", "detail", api=True, unmasking=True, refused_as=404),
    Endpoint("API person by key", "/api/persons/{t.reveal_key}/", "detail", api=True),
    Endpoint("API person unmasked", "/api/persons/{t.person}/?unmask=1", "detail", api=True, unmasking=True,
             shows="person"),
    Endpoint("API income items", "/api/income-items/", "list", api=True),
    Endpoint("API income item", "/api/income-items/{t.income_item}/", "detail", api=True),
    Endpoint("API household results", "/api/household-results/", "list", api=True),
    Endpoint("API household result", "/api/household-results/{t.household}/", "detail", api=True),
    Endpoint("audit log", "/accounts/audit/", "list", admin_only=True),
    Endpoint("audit log export", "/accounts/audit/", "list", admin_only=True, post={}),
]
# The monitoring overview joins the matrix as soon as the project mounts it at /monitoring/
# (the route check below then requires it).
MONITORING = [
    Endpoint("monitoring overview", "/monitoring/", "list", person_level=False, shows=None),
    Endpoint("monitoring export", "/monitoring/", "list", person_level=False, shows=None, post={}),
]


def _mounted(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


ENDPOINTS += [e for e in MONITORING if _mounted(e.template.split("?")[0])]
IDS = [e.name for e in ENDPOINTS]


@pytest.fixture
def target(places) -> Target:
    """The first household of the village (first on every list page ordered by number),
    its eldest member and a ledger row of it."""
    from neisheng.accounts.selectors import person_reveal_key
    from neisheng.accounts.services import audit_record
    from neisheng.registry.selectors import member_key

    household = Household.objects.filter(village=places["village"]).order_by("household_id").first()
    person = household.members.order_by("birth_date", "person_id").first()
    # A monitoring result on both sides, so the results endpoints have rows to hide.
    run = MonitoringRun.objects.create(year=2026)
    for someone in (household, Household.objects.filter(village=places["other_village"]).first()):
        HouseholdResult.objects.create(household=someone, run=run, size=2, risk="red", reasons="rigid_expense")
    # A change of the household in the audit log, for the audit endpoints to hide.
    audit_record(user=None, action="update", object_type="household", object_id=household.household_id)
    assert household.household_id.startswith(HIDDEN_COUNTY) and person.person_id.startswith(HIDDEN_COUNTY[:2])
    return Target(
        household=household.household_id, person=person.person_id, member_key=member_key(person),
        reveal_key=person_reveal_key(person), income_item=household.ledger.order_by("pk").first().pk,
        village=places["village"].code,
    )


def _fetch(client, endpoint: Endpoint, target: Target):
    if endpoint.post is not None:
        return client.post(endpoint.url(target), {k: v.format(t=target) for k, v in endpoint.post.items()})
    return client.get(endpoint.url(target))


def _body_text(response) -> str:
    """What the user receives, as text: a workbook's cells, or the page or JSON."""
    if response.get("Content-Type", "").startswith(XLSX):
        workbook = openpyxl.load_workbook(BytesIO(response.content), read_only=True)
        return "\n".join(
            "\t".join("" if v is None else str(v) for v in row)
            for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)
        )
    return response.content.decode("utf-8", errors="replace")


def _without_echo(body: str, target: Target) -> str:
    """The body without the user's own search typed back to them (the search box, and
    links that keep the search); a row of the household would still show its number."""
    for value in (target.household, target.village):
        for echo in (f'value="{value}"', f"q={value}", f"search={value}", f"division={value}"):
            body = body.replace(echo, "")
    return body


def _signed_in(client, make_user, places, role: str, where: str):
    user = make_user(role, places[where], username=f"{role}-{where}")
    client.force_login(user)
    return user


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
@pytest.mark.parametrize("role", ROLES)
def test_someone_elsewhere_gets_nothing_of_the_division(client, make_user, places, target, role, endpoint):
    _signed_in(client, make_user, places, role, f"other_{PLACE[role]}")
    response = _fetch(client, endpoint, target)
    body = _without_echo(_body_text(response), target)
    assert HIDDEN_COUNTY not in body, f"{endpoint.name} shows something of {HIDDEN_COUNTY} to {role} elsewhere"
    if endpoint.denied_to(role):
        assert response.status_code in (403, 404), response.status_code
    elif endpoint.kind == "detail":
        assert response.status_code == 404, response.status_code
    else:
        assert response.status_code == 200, response.status_code


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
@pytest.mark.parametrize("role", ROLES)
def test_the_same_role_inside_the_division_sees_it(client, make_user, places, target, role, endpoint):
    _signed_in(client, make_user, places, role, PLACE[role])
    response = _fetch(client, endpoint, target)
    if endpoint.denied_to(role):
        assert response.status_code in {403, endpoint.refused_as}, response.status_code
        assert target.household not in _body_text(response)
        return
    assert response.status_code == 200, response.status_code
    if endpoint.shows:
        assert getattr(target, endpoint.shows) in _body_text(response)


def test_a_researcher_is_refused_every_person_level_endpoint_even_at_home(client, make_user, places, target):
    _signed_in(client, make_user, places, "researcher", "county")
    refused = {e.name: _fetch(client, e, target).status_code for e in ENDPOINTS if e.person_level}
    assert set(refused.values()) == {403}, refused


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
def test_no_one_signed_in_gets_anything(client, target, endpoint):
    response = _fetch(client, endpoint, target)
    assert HIDDEN_COUNTY not in _without_echo(_body_text(response), target)
    if endpoint.api:
        assert response.status_code in (401, 403), response.status_code
    else:
        assert response.status_code == 302, response.status_code
        assert response["Location"].startswith("/accounts/login/")


def test_someone_elsewhere_sees_their_own_county_in_the_lists(client, make_user, places, target):
    """The lists above are empty of 巫山 because they hold 巫溪, not because they are empty."""
    _signed_in(client, make_user, places, "county", "other_county")
    for endpoint in ENDPOINTS:
        if endpoint.kind == "list" and endpoint.name not in {"home", "API summary"} \
                and "{t." not in endpoint.template and not endpoint.admin_only:
            assert OWN_COUNTY in _body_text(_fetch(client, endpoint, target)), endpoint.name


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.name.endswith("export")],
                         ids=[e.name for e in ENDPOINTS if e.name.endswith("export")])
def test_every_export_is_a_post_answered_with_a_workbook(client, make_user, places, target, endpoint):
    """So the rows above check a workbook's cells, not a page; a GET only shows the page."""
    role = "admin" if endpoint.admin_only else "county"
    _signed_in(client, make_user, places, role, PLACE[role])
    assert _fetch(client, endpoint, target)["Content-Type"].startswith(XLSX)
    assert client.get(endpoint.url(target) + "&format=xlsx" if "?" in endpoint.template
                      else endpoint.url(target) + "?format=xlsx")["Content-Type"].startswith("text/html")


def test_every_registry_endpoint_is_in_the_matrix():
    """A page or API route added to the registry must be added to ENDPOINTS too."""
    covered = {e.template.split("?")[0] for e in ENDPOINTS}

    def pattern_text(entries, prefix=""):
        for entry in entries:
            text = prefix + str(entry.pattern)
            if hasattr(entry, "url_patterns"):
                yield from pattern_text(entry.url_patterns, text)
            else:
                yield text

    routes = [text for text in pattern_text(get_resolver().url_patterns)
              if text.startswith(("api/", "households", "divisions", "monitoring")) and "schema" not in text
              and "docs" not in text and "format" not in text]
    covered_shapes = {_shape(c) for c in covered}
    missing = [route for route in routes if _shape("/" + route) not in covered_shapes | {"/api/"}]
    assert not missing, missing


def _shape(route: str) -> str:
    """A route with every parameter as <>: "api/^persons/(?P<person_id>[^/]+)/$" and
    "/api/persons/{t.person}/" are both "/api/persons/<>/"."""
    route = re.sub(r"\(\?P<[^>]+>[^)]*\)|<[^>]+>|\{[^}]+\}", "<>", route)
    return "/" + route.replace("^", "").replace("$", "").strip("/") + "/"
