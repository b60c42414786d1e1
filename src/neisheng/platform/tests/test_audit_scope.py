"""The audit log is scoped by the division each event carries: one filter, whatever the
object type (issue 8: no per-object-type subquery, so a new app adds no branch)."""

import importlib

import pytest
from django.apps import apps

from neisheng.accounts.models import AuditEvent
from neisheng.accounts.services import audit_record
from neisheng.platform.audit import audit_events_visible_to
from neisheng.registry.models import Household, IncomeItem, Person

pytestmark = pytest.mark.django_db


def _seen(user) -> set[str]:
    return set(audit_events_visible_to(user).values_list("object_id", flat=True))


def test_an_event_about_a_new_kind_of_object_is_scoped_by_its_division(places, make_user):
    audit_record(user=None, action="update", division_code=places["village"].code, object_type="case",
                 object_id="case-here")
    audit_record(user=None, action="update", division_code=places["other_village"].code, object_type="case",
                 object_id="case-there")

    assert "case-here" in _seen(make_user("admin", places["town"], username="town-admin"))
    assert "case-there" not in _seen(make_user("admin", places["town"], username="town-admin-2"))
    assert _seen(make_user("admin", places["other_county"], username="far-admin")) >= {"case-there"}
    assert "case-here" not in _seen(make_user("admin", places["other_county"], username="far-admin-2"))
    assert {"case-here", "case-there"} <= _seen(make_user("admin", None, username="root-admin"))


def test_what_people_of_the_division_did_elsewhere_is_theirs_to_see(places, make_user):
    cadre = make_user("village", places["village"], username="cadre")
    audit_record(user=cadre, action="view_unmasked", division_code=places["other_village"].code,
                 object_type="person", object_id="probe")
    assert "probe" in _seen(make_user("admin", places["county"], username="county-admin"))


def test_only_roles_that_may_read_the_log_see_any_of_it(places, make_user):
    audit_record(user=None, action="update", division_code=places["village"].code, object_type="case",
                 object_id="case-here")
    assert not _seen(make_user("county", places["county"], username="officer"))


def test_the_writer_cannot_be_called_without_a_division():
    with pytest.raises(TypeError):
        audit_record(user=None, action="update", object_type="household", object_id="x")


def test_existing_events_get_the_division_of_their_object(places, make_user):
    """The migration that added division_code fills it from the object, else the actor."""
    household = Household.objects.filter(village=places["village"]).first()
    person = Person.objects.filter(household__village=places["other_village"]).first()
    item = IncomeItem.objects.filter(household__village=places["village"]).first()
    clerk = make_user("department", places["county"], username="clerk")
    events = {
        "household": AuditEvent.objects.create(action="update", object_type="household",
                                               object_id=household.pk),
        "person": AuditEvent.objects.create(action="update", object_type="person", object_id=person.pk,
                                            user=clerk),
        "income_item": AuditEvent.objects.create(action="update", object_type="income_item",
                                                 object_id=str(item.pk)),
        "user": AuditEvent.objects.create(action="login", object_type="user", object_id=str(clerk.pk)),
        "export": AuditEvent.objects.create(action="export", object_type="household_list", user=clerk),
        "gone": AuditEvent.objects.create(action="update", object_type="household", object_id="no-such"),
    }
    migration = importlib.import_module("neisheng.accounts.migrations.0003_auditevent_division_code")
    migration.backfill(apps, None)

    codes = {name: AuditEvent.objects.get(pk=e.pk).division_code for name, e in events.items()}
    assert codes == {
        "household": places["village"].code, "person": places["other_village"].code,
        "income_item": places["village"].code, "user": places["county"].code,
        "export": places["county"].code, "gone": "",
    }


def test_an_auditor_reads_the_log_of_its_division_and_nothing_outside(client, places, make_user):
    """Issue 9: the 审计/纪检 auditor reads the audit log, scoped like an administrator's."""
    cadre = make_user("village", places["village"], username="cadre-here")
    far_cadre = make_user("village", places["other_village"], username="cadre-there")
    audit_record(user=cadre, action="update", division_code=places["village"].code, object_type="household",
                 object_id="household-here")
    audit_record(user=far_cadre, action="update", division_code=places["other_village"].code,
                 object_type="household", object_id="household-there")
    auditor = make_user("auditor", places["county"], username="auditor-here")

    assert "household-here" in _seen(auditor)
    assert "household-there" not in _seen(auditor)

    client.force_login(auditor)
    response = client.get("/accounts/audit/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "household-here" in page and "household-there" not in page
    assert "审计日志" in page  # and the menu leads there
    far_auditor = make_user("auditor", places["other_county"], username="auditor-there")
    assert _seen(far_auditor) >= {"household-there"} and "household-here" not in _seen(far_auditor)
