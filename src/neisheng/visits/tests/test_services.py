"""visits.services.visit_record: once per key (even two sends at once), updates through the
registry's one write path (applied, conflict kept and shown, refused, proposed), a risk
opens a cadre_screening case, problems go to the ledger, photos are checked by content."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from neisheng.accounts.models import AuditEvent
from neisheng.cases.models import MonitoringCase
from neisheng.registry.services import household_update
from neisheng.registry.versions import record_version
from neisheng.visits.models import Visit
from neisheng.visits.services import visit_record, visit_updates_apply
from neisheng.visits.tests.conftest import image_bytes

pytestmark = pytest.mark.django_db


def _record(user, household, **changes):
    arguments = {"visited_on": timezone.localdate(), "kind": "routine", "findings": "在家",
                 "idempotency_key": uuid.uuid4()}
    arguments.update(changes)
    return visit_record(user=user, household=household, **arguments)


def test_the_same_key_twice_is_one_visit_returned_unchanged(make_user, places, household):
    cadre = make_user("village", places["village"])
    key = uuid.uuid4()
    first, created = _record(cadre, household, idempotency_key=key)
    again, created_again = _record(cadre, household, idempotency_key=key, findings="另一次发送")
    assert created and not created_again
    assert again.pk == first.pk and again.findings == "在家"
    assert Visit.objects.filter(idempotency_key=key).count() == 1
    assert AuditEvent.objects.filter(object_type="visit", object_id=str(first.pk)).count() == 1


def test_two_sends_at_once_store_one_visit(make_user, places, household, monkeypatch):
    """The second send did not see the first when it looked (both in flight): the unique
    key refuses its insert, and it answers with the stored visit."""
    from neisheng.visits import services

    cadre = make_user("village", places["village"])
    key = uuid.uuid4()
    first, _ = _record(cadre, household, idempotency_key=key)
    looked = []

    def not_yet_seen(k, h):
        looked.append(k)
        return None if len(looked) == 1 else Visit.objects.filter(idempotency_key=k).first()

    monkeypatch.setattr(services, "_seen", not_yet_seen)
    again, created = _record(cadre, household, idempotency_key=key)
    assert not created and again.pk == first.pk and len(looked) == 2
    assert Visit.objects.filter(idempotency_key=key).count() == 1


def test_a_key_of_another_households_visit_is_refused(make_user, places, household):
    from neisheng.registry.models import Household

    cadre = make_user("village", places["village"])
    key = uuid.uuid4()
    _record(cadre, household, idempotency_key=key)
    neighbour = Household.objects.filter(village=places["village"]).exclude(pk=household.pk).first()
    with pytest.raises(ValidationError) as refused:
        _record(cadre, neighbour, idempotency_key=key)
    assert "idempotency_key" in refused.value.message_dict


def test_an_edit_made_meanwhile_is_a_conflict_kept_not_overwritten(make_user, places, household):
    cadre = make_user("village", places["village"])
    read = record_version(household)
    values = ["safe", "c_class", "d_class"]
    theirs = next(v for v in values if v != household.housing)
    mine = next(v for v in values if v not in (household.housing, theirs))
    town = make_user("town", places["town"])
    household_update(user=town, household=household, values={"housing": theirs}, version=read)
    visit, created = _record(cadre, household, updates={"housing": mine}, base_version=read)
    assert created and visit.update_status == "conflict"
    assert "住房安全" in visit.update_message and " / " in visit.update_message
    household.refresh_from_db()
    assert household.housing == theirs
    assert Visit.objects.get(pk=visit.pk).updates == {"housing": mine}
    # An editor who has compared both applies the visit's value knowingly.
    visit_updates_apply(user=town, visit=visit)
    household.refresh_from_db()
    assert household.housing == mine and Visit.objects.get(pk=visit.pk).update_status == "applied"


def test_a_value_the_registry_refuses_is_refused_and_the_visit_kept(make_user, places, household):
    visit, created = _record(make_user("village", places["village"]), household,
                             updates={"housing": "palace", "willingness": "9"}, base_version=record_version(household))
    assert created and visit.update_status == "refused"
    assert "住房安全" in visit.update_message and "脱贫意愿" in visit.update_message


def test_updates_of_someone_who_may_not_edit_wait_for_an_officer(make_user, places, household):
    wanted = not household.participates_village_affairs
    visit, _ = _record(make_user("assistance", places["village"]), household,
                       updates={"participates_village_affairs": "true" if wanted else "false"},
                       base_version=record_version(household))
    assert visit.update_status == "proposed"
    household.refresh_from_db()
    assert household.participates_village_affairs is not wanted
    with pytest.raises(PermissionDenied):
        visit_updates_apply(user=make_user("assistance", places["village"], username="another"), visit=visit)
    visit_updates_apply(user=make_user("village", places["village"]), visit=visit)
    household.refresh_from_db()
    assert household.participates_village_affairs is wanted


def test_a_field_a_visit_may_not_change_is_refused(make_user, places, household):
    with pytest.raises(ValidationError) as refused:
        _record(make_user("village", places["village"]), household, updates={"status": "normal"}, base_version=0)
    assert "updates" in refused.value.message_dict


def test_a_raised_risk_opens_a_cadre_screening_case_and_a_second_keeps_a_note(make_user, places, household):
    cadre = make_user("assistance", places["village"])
    visit, _ = _record(cadre, household, raise_risk=True, risk_reason="户主突发重病,无力务工")
    case = MonitoringCase.objects.get(household=household)
    assert visit.case == case and case.channel == "cadre_screening" and case.reported_on == visit.visited_on
    assert case.reason == "户主突发重病,无力务工"
    second, created = _record(cadre, household, raise_risk=True)  # the findings are the reason
    assert created and second.case is None and f"#{case.pk}" in second.risk_message
    assert MonitoringCase.objects.filter(household=household).count() == 1


def test_problems_are_raised_and_linked(make_user, places, household):
    visit, _ = _record(make_user("assistance", places["village"]), household,
                       problems=[{"category": "water", "description": "自来水管冻裂"}])
    problem = visit.problems.get()
    assert problem.category == "water" and problem.household_id == household.pk
    assert problem.raised_on == visit.visited_on


def test_a_photo_is_checked_by_content_resized_and_its_checksum_kept(make_user, places, household):
    import hashlib

    cadre = make_user("assistance", places["village"])
    renamed_png = SimpleUploadedFile("照片.jpg", image_bytes("PNG", (800, 3200)), content_type="image/jpeg")
    visit, _ = _record(cadre, household, photos=[renamed_png])
    photo = visit.photos.get()
    assert (photo.width, photo.height) == (400, 1600) and photo.file.name.endswith(".png")
    with photo.file.open("rb") as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == photo.sha256
    for content in (b"%PDF-1.4 not a photo", image_bytes("GIF", (10, 10)), b""):
        with pytest.raises(ValidationError) as refused:
            _record(cadre, household, photos=[SimpleUploadedFile("a.jpg", content or b"\x00")])
        assert "photos" in refused.value.message_dict


def test_dates_gps_scope_and_capability(make_user, places, household):
    cadre = make_user("village", places["village"])
    for changes, field in (({"visited_on": timezone.localdate() + dt.timedelta(days=1)}, "visited_on"),
                           ({"latitude": "91", "longitude": "100"}, "latitude"),
                           ({"latitude": "30", "longitude": "181"}, "longitude"),
                           ({"latitude": "30"}, "latitude"),
                           ({"kind": "party"}, "kind")):
        with pytest.raises(ValidationError) as refused:
            _record(cadre, household, **changes)
        assert field in refused.value.message_dict, changes
    with pytest.raises(Http404):
        _record(make_user("village", places["other_village"]), household)
    with pytest.raises(PermissionDenied):
        _record(make_user("department", places["county"]), household)
    assert not Visit.objects.exists()


def test_a_visit_before_the_household_was_registered_is_refused(make_user, places):
    from neisheng.registry.services import household_create

    officer = make_user("village", places["village"])
    new = household_create(user=officer, values={"village": places["village"], "status": "lifted",
                                                 "category": "ordinary", "housing": "safe", "water": "safe"})
    with pytest.raises(ValidationError) as refused:
        _record(officer, new, visited_on=timezone.localdate() - dt.timedelta(days=3))
    assert "visited_on" in refused.value.message_dict


def test_the_cadre_defaults_to_the_users_own(make_user, places, household):
    from neisheng.grid.models import Cadre

    user = make_user("assistance", places["village"])
    cadre = Cadre.objects.create(cadre_id="C-1", name="王帮扶", division_code=places["village"].code, user=user)
    visit, _ = _record(user, household)
    assert list(visit.cadres.all()) == [cadre]


def test_a_loaded_household_edited_today_still_takes_an_earlier_visit(make_user, places, household):
    """Its first edit keeps its loaded state as a history record: not its registration."""
    officer = make_user("village", places["village"])
    household_update(user=officer, household=household, values={"willingness": household.willingness % 5 + 1},
                     version=record_version(household))
    visit, created = _record(officer, household, visited_on=timezone.localdate() - dt.timedelta(days=3))
    assert created and visit.visited_on < timezone.localdate()
