"""Issue 7, row 11: after `import-snapshot --replace`, a household number reused for
another family does not bring the replaced family's history (names, masked ID numbers)
onto the new household's page. That history stays in the database for auditors."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
from django.urls import reverse

from neisheng.accounts.masking import mask_id_number
from neisheng.engine.catalog import write_snapshot
from neisheng.registry import services
from neisheng.registry.models import Household, Person
from neisheng.transfers.services import snapshot_import


def _reuse_number(tables: dict[str, pa.Table], number: str, other: str) -> dict[str, pa.Table]:
    """The snapshot with household `other`'s family registered under `number` instead of
    the family that had it (and `other` gone)."""
    households = tables["households"]
    households = households.filter(pc.not_equal(households["household_id"], number))
    ids = households["household_id"]
    households = households.set_column(households.schema.get_field_index("household_id"), "household_id",
                                       pc.if_else(pc.equal(ids, other), number, ids))
    out = dict(tables, households=households)
    for name in ("persons", "income_items"):
        table = tables[name]
        table = table.filter(pc.not_equal(table["household_id"], number))
        column = table.schema.get_field_index("household_id")
        owner = table["household_id"]
        out[name] = table.set_column(column, "household_id", pc.if_else(pc.equal(owner, other), number, owner))
    return out


def test_a_reused_household_number_does_not_show_the_replaced_familys_history(
        county_tables, places, make_user, client, tmp_path):
    cadre = make_user("village", places["village"])
    client.force_login(cadre)
    old, other = Household.objects.filter(village=places["village"]).order_by("household_id")[:2]
    old_members = list(old.members.all())
    new_members = list(other.members.all())
    new_names = {p.name for p in new_members}
    new_masked = {mask_id_number(p.person_id) for p in new_members}
    departed = next(p for p in old_members
                    if p.name not in new_names and mask_id_number(p.person_id) not in new_masked)
    # The old family's file gets history: a member's and the household's changes.
    services.person_update(user=cadre, person=departed, values={"employed_months": (departed.employed_months + 1) % 13})
    services.household_update(user=cadre, household=old, values={"willingness": old.willingness % 5 + 1})
    page = client.get(reverse("registry:household_detail", args=[old.pk])).content.decode()
    assert departed.name in page and mask_id_number(departed.person_id) in page

    snapshot = tmp_path / "replacement"
    write_snapshot(_reuse_number(county_tables, old.pk, other.pk), snapshot)
    snapshot_import(directory=snapshot, replace=True)

    assert set(Person.objects.filter(household_id=old.pk).values_list("name", flat=True)) == new_names
    response = client.get(reverse("registry:household_detail", args=[old.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert departed.name not in page
    assert mask_id_number(departed.person_id) not in page
    assert response.context["history"] == []
    # Nothing is lost for the auditors.
    assert Person.history.filter(person_id=departed.person_id, name=departed.name).exists()
    assert Household.history.filter(household_id=old.pk).count() >= 2

    # The new family's own history starts with its first change after the replacement.
    new_household = Household.objects.get(pk=old.pk)
    services.household_update(user=cadre, household=new_household,
                              values={"water": "unsafe" if new_household.water == "safe" else "safe"})
    history = client.get(reverse("registry:household_detail", args=[old.pk])).context["history"]
    assert [change.kind for change in history] == ["修改", "导入时状态"]
    assert [label for label, _, _ in history[0].fields] == ["饮水安全"]
