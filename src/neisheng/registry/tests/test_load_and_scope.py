import pytest

from neisheng.platform import scope
from neisheng.registry.models import Household, IncomeItem, Person

pytestmark = pytest.mark.django_db


def test_the_county_loads_whole(county):
    assert Household.objects.count() == county["households"].num_rows
    assert Person.objects.count() == county["persons"].num_rows
    assert IncomeItem.objects.count() == county["income_items"].num_rows


def test_a_village_cadre_sees_only_the_village(places, make_user):
    cadre = make_user("village", places["village"])
    seen = scope.visible_to(cadre, Household)
    assert seen.exists()
    assert set(seen.values_list("village_id", flat=True)) == {places["village"].code}
    assert not scope.visible_to(cadre, Person).exclude(household__village_id=places["village"].code).exists()


def test_a_county_officer_sees_the_county_and_no_one_without_division_sees_anything(places, make_user):
    seen = scope.visible_to(make_user("county", places["county"]), Household)
    assert seen.count() == Household.objects.filter(village__code__startswith="500237").count() > 0
    assert not scope.visible_to(make_user("village", None, username="nobody"), Household).exists()
