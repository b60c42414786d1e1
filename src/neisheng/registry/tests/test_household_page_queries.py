"""The household page's number of SQL queries. It renders every app's card
(platform.extensions.household_sections_rendered), and each card asked the database
again for what others had read already (the latest run, the household's result, the
policy in force, the members and ledger, the division chain) or counted its rows one
query at a time: 95 queries for a county officer before, each fast, the count the cost
at a million households. This keeps the figure from creeping back up as cards are added
or changed: a card that needs more should read once per request what others share."""

from __future__ import annotations

import pytest
from tests.web.test_scope_matrix import _MATRICES

from neisheng.registry.models import Household

pytestmark = pytest.mark.django_db

CARDS = ["household-activities", "household-projects", "portrait-motivation", "portrait-income", "portrait-runs"]
MOST_QUERIES = 66


@pytest.fixture
def household(places) -> Household:
    household = Household.objects.filter(village=places["village"]).order_by("household_id").first()
    other = Household.objects.filter(village=places["other_village"]).order_by("household_id").first()
    # Every app's scope-matrix records, so the household has rows in (nearly) every card.
    for matrix in _MATRICES:
        if hasattr(matrix, "targets"):
            matrix.targets(household=household, other_household=other, places=places)
    return household


@pytest.mark.parametrize("role", ["county", "village"])
def test_the_household_page_reads_what_its_cards_share_once(client, places, make_user, household, role,
                                                             django_assert_max_num_queries):
    client.force_login(make_user(role, places[role]))
    url = f"/households/{household.household_id}/"
    with django_assert_max_num_queries(MOST_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    for card in CARDS:
        assert f'id="{card}"' in page, card
