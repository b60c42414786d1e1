"""Who may make each step of a monitoring case: cases.md's table, copied here as the spec
writes it (not from accounts/access.py), against every role through the API. A role the
table names moves the case; every other role gets 403 and the case stays."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from neisheng.cases.models import MonitoringCase
from neisheng.cases.tests.flow import (
    ROLES,
    case_in,
    days_ago,
    eligible_household,
    step_payload,
    users_by_role,
)

# cases.md, "Cases: states and transitions": (from, to, who may), in the table's words.
# "town or county officer" → town, county; "village cadre" → village; "assistance cadre" → assistance.
IDENTIFYING = ("reported", "verified", "compared", "village_reviewed", "publicized", "town_reviewed")
SPEC_TABLE = [
    ("reported", "verified", {"village", "assistance", "town"}),
    ("verified", "compared", {"county"}),
    ("compared", "village_reviewed", {"village"}),
    ("village_reviewed", "publicized", {"village"}),
    ("publicized", "town_reviewed", {"town"}),
    ("town_reviewed", "monitoring", {"county"}),
    *[(source, "rejected", {"town", "county"}) for source in IDENTIFYING],
    ("monitoring", "elimination_proposed", {"village", "assistance"}),
    ("elimination_proposed", "elimination_publicized", {"village"}),
    ("elimination_publicized", "risk_eliminated", {"county"}),
    ("elimination_proposed", "monitoring", {"town", "county"}),
    ("elimination_publicized", "monitoring", {"town", "county"}),
    ("risk_eliminated", "monitoring", {"town", "county"}),
]
# "— → reported: any role but researcher and auditor".
MAY_REPORT = set(ROLES) - {"researcher", "auditor"}


def _payload(source: str, to: str) -> dict:
    """Valid fields for the step: the main line's, or a reason for the steps that take one."""
    if to == "rejected" or (to == "monitoring" and source != "town_reviewed"):
        return {"to": to, "on": str(days_ago(1)), "note": "核实后收入稳定,不符合条件"}
    ago, fields = step_payload(to)
    payload = {"to": to, "on": str(days_ago(ago)), "note": "测试"}
    for name, value in fields.items():
        payload[name] = str(value) if hasattr(value, "isoformat") else value
    return payload


def _post(client: APIClient, case: MonitoringCase, payload: dict):
    url = f"/api/cases/{case.pk}/transition/"
    if "consent_scan" in payload:
        return client.post(url, payload, format="multipart")
    return client.post(url, payload, format="json")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("source, to, who", SPEC_TABLE, ids=[f"{s}->{t}" for s, t, _ in SPEC_TABLE])
def test_each_step_is_made_by_the_roles_the_table_names_and_refused_to_the_others(
        source, to, who, role, places, make_user):
    users = users_by_role(make_user, places)
    case = case_in(source, eligible_household(places["village"]), users)
    client = APIClient()
    client.force_authenticate(users[role])
    response = _post(client, case, _payload(source, to))
    case.refresh_from_db()
    if role in who:
        assert response.status_code == 200, response.content.decode()
        assert response.json()["state"] == to and case.state == to
    else:
        assert response.status_code == 403, response.content.decode()
        assert case.state == source
        assert " / " in response.json()["detail"]


@pytest.mark.parametrize("role", ROLES)
def test_reporting_is_open_to_every_role_but_researcher_and_auditor(role, places, make_user):
    users = users_by_role(make_user, places)
    household = eligible_household(places["village"])
    client = APIClient()
    client.force_authenticate(users[role])
    response = client.post("/api/cases/", {"household_id": household.pk, "channel": "cadre_screening",
                                           "reported_on": str(days_ago(0)), "reason": "突发大病"}, format="json")
    if role in MAY_REPORT:
        assert response.status_code == 201, response.content.decode()
        assert response.json()["state"] == "reported"
    else:
        assert response.status_code == 403
        assert not MonitoringCase.objects.filter(household=household).exists()
