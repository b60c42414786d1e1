"""Key figures are kept per scope, and a change anywhere in the platform shows at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from neisheng.registry.models import Household
from neisheng.registry.services import household_create, household_update

pytestmark = pytest.mark.django_db


def households_on_home(client) -> int:
    return client.get("/").context["figures"]["households"]


def test_figures_follow_every_change(client, places, make_user):
    officer = make_user("county", places["county"])
    client.force_login(officer)
    before = households_on_home(client)
    values = {
        "household_id": "TEST-CACHE-1", "village": places["village"], "status": "monitored",
        "category": "ordinary", "housing": "safe", "water": "safe", "food_clothing_ok": True,
        "willingness": 3, "sudden_event": "none",
    }
    household_create(user=officer, values=values)
    assert households_on_home(client) == before + 1

    monitored = client.get("/").context["figures"]["status_monitored"]
    household_update(user=officer, household=Household.objects.get(pk="TEST-CACHE-1"),
                     values={"status": "general"})
    assert client.get("/").context["figures"]["status_monitored"] == monitored - 1


def test_figures_are_kept_between_requests(client, places, make_user):
    officer = make_user("county", places["county"])
    client.force_login(officer)
    with CaptureQueriesContext(connection) as first:
        client.get("/")
    with CaptureQueriesContext(connection) as second:
        client.get("/")
    counting = [q["sql"] for q in first.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counting, "the first request counts"
    assert not [q["sql"] for q in second.captured_queries if "COUNT(" in q["sql"].upper()]


def test_the_division_tree_follows_a_change(client, places, make_user):
    import re

    officer = make_user("county", places["county"])
    client.force_login(officer)
    village = places["village"]

    def count_shown() -> int:
        html = client.get("/divisions/").content.decode()
        item = re.search(rf'<li data-code="{village.code}">(.*?)</li>', html, re.DOTALL).group(1)
        return int(re.search(r'class="badge">([\d,]+)', item).group(1).replace(",", ""))

    before = count_shown()
    assert before == Household.objects.filter(village=village).count()
    household_create(user=officer, values={
        "household_id": "TEST-CACHE-2", "village": village, "status": "general", "category": "ordinary",
        "housing": "safe", "water": "safe", "food_clothing_ok": True, "willingness": 4, "sudden_event": "none",
    })
    assert count_shown() == before + 1
