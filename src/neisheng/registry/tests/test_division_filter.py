"""The list's division filter offers towns, and the villages of the town in view."""

import re

import pytest

from neisheng.registry.models import Division

pytestmark = pytest.mark.django_db


def options(client, url):
    html = client.get(url).content.decode()
    select = re.search(r'<select name="division">(.*?)</select>', html, re.DOTALL).group(1)
    return set(re.findall(r'<option value="(\d{12})"', select))


def test_towns_first_then_the_chosen_towns_villages(client, places, make_user):
    officer = make_user("county", places["county"])
    client.force_login(officer)
    county = places["county"].prefix
    towns = set(Division.objects.filter(level=4, code__startswith=county).values_list("code", flat=True))
    villages_of = lambda town: set(Division.objects.filter(level=5, parent_id=town).values_list("code", flat=True))

    shown = options(client, "/households/")
    if len(towns) > 1:
        assert shown == towns
    else:
        assert shown == towns | villages_of(next(iter(towns)))

    town = places["town"].code
    assert options(client, f"/households/?division={town}") == towns | villages_of(town)
    village = places["village"]
    assert options(client, f"/households/?division={village.code}") == towns | villages_of(village.parent_id)
