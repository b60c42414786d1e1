"""Trainings (issue 13, item 2): a certificate gives the trainee `has_skill` through the
registry's write path, with the training named in the household's history, carries out
the person's skills_training measure, and the next monitoring run no longer recommends
training for them. Refusals by field; scope on every page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from neisheng.assistance.models import Training, TrainingAttendance
from neisheng.assistance.services.trainings import training_attendance_record, training_create
from neisheng.measures.models import AssignedMeasure
from neisheng.registry.models import Person
from neisheng.registry.selectors.history import change_history

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
LABOR_CAPABLE = ("skilled", "ordinary", "weak")


def trainee_in(village, *, exclude=()) -> Person:
    """A living, labor-capable member aged 20–50 without a skill."""
    born_after, born_before = TODAY.replace(year=TODAY.year - 50), TODAY.replace(year=TODAY.year - 20)
    return (Person.objects.filter(household__village=village, alive=True, has_skill=False, labor__in=LABOR_CAPABLE,
                                  birth_date__gt=born_after, birth_date__lt=born_before)
            .exclude(pk__in=exclude).select_related("household").order_by("person_id").first())


def course(user, division, **changes) -> Training:
    values = {"division_code": division.code, "course": "电工培训", "skill": "电工",
              "starts_on": TODAY - dt.timedelta(days=20), "ends_on": TODAY - dt.timedelta(days=11),
              "trainer": "县职业技术学校", "organizer": "县人社局"}
    values.update(changes)
    return training_create(user=user, **values)


@pytest.fixture
def officer(make_user, places):
    return make_user("county", places["county"])


def test_a_certificate_gives_the_skill_with_the_training_in_the_history(officer, places):
    training = course(officer, places["county"])
    person = trainee_in(places["village"])
    attendance = training_attendance_record(user=officer, training=training, person=person, days_attended=10,
                                            completed=True, certificate_no="DG-2026-001",
                                            certified_on=TODAY - dt.timedelta(days=10))
    person.refresh_from_db()
    assert person.has_skill
    # Labels come in the active language, which another test may have left in English.
    with translation.override("zh-hans"):
        change = next(c for c in change_history(person.household) if (c.kind, c.activity) == ("技能培训", training.pk))
    assert ("掌握实用技能", "否", "是") in [tuple(map(str, f)) for f in change.fields]
    measure = attendance.measure
    assert (measure.measure, measure.person_id, measure.state) == ("skills_training", person.person_id, "done")
    assert measure.starts_on == training.starts_on and measure.ends_on == TODAY - dt.timedelta(days=10)


def test_attending_without_a_certificate_starts_the_measure_and_gives_no_skill(officer, places):
    training = course(officer, places["county"])
    person = trainee_in(places["village"])
    attendance = training_attendance_record(user=officer, training=training, person=person, days_attended=4,
                                            completed=False)
    person.refresh_from_db()
    assert not person.has_skill
    assert attendance.measure.state == AssignedMeasure.State.IN_PROGRESS
    # The certificate recorded later corrects the same seat and completes the same measure.
    again = training_attendance_record(user=officer, training=training, person=person, days_attended=10,
                                       completed=True, certificate_no="DG-7", certified_on=TODAY)
    assert again.pk == attendance.pk and TrainingAttendance.objects.filter(training=training).count() == 1
    assert AssignedMeasure.objects.get(pk=attendance.measure_id).state == AssignedMeasure.State.DONE
    person.refresh_from_db()
    assert person.has_skill


def test_an_existing_planned_measure_is_the_one_carried_out(officer, places):
    from neisheng.measures.services import measure_assign

    training = course(officer, places["county"])
    person = trainee_in(places["village"])
    planned = measure_assign(user=officer, household=person.household, measure="skills_training",
                             assigned_on=training.starts_on - dt.timedelta(days=5), responsible="县人社局",
                             person_id=person.person_id)
    attendance = training_attendance_record(user=officer, training=training, person=person, days_attended=10,
                                            completed=True, certificate_no="A1", certified_on=training.ends_on)
    assert attendance.measure_id == planned.pk
    planned.refresh_from_db()
    assert planned.state == AssignedMeasure.State.DONE


@pytest.mark.parametrize("values, field", [
    ({"days_attended": 11}, "days_attended"),
    ({"completed": False, "certificate_no": "X", "certified_on": TODAY}, "completed"),
    ({"certificate_no": "X"}, "certified_on"),
    ({"certified_on": TODAY}, "certificate_no"),
    ({"certificate_no": "X", "certified_on": TODAY + dt.timedelta(days=1)}, "certified_on"),
    ({"certificate_no": "X", "certified_on": TODAY - dt.timedelta(days=40)}, "certified_on"),
])
def test_bad_attendance_is_refused_by_field_and_writes_nothing(officer, places, values, field):
    training = course(officer, places["county"])
    person = trainee_in(places["village"])
    given = {"days_attended": 10, "completed": True, "certificate_no": "", "certified_on": None, **values}
    with pytest.raises(ValidationError) as refused:
        training_attendance_record(user=officer, training=training, person=person, **given)
    assert field in refused.value.message_dict
    assert not TrainingAttendance.objects.exists()
    assert not AssignedMeasure.objects.filter(household=person.household, measure="skills_training").exists()


def test_a_course_not_begun_and_a_person_outside_its_division_are_refused(officer, make_user, places):
    later = course(officer, places["county"], starts_on=TODAY + dt.timedelta(days=3),
                   ends_on=TODAY + dt.timedelta(days=9))
    person = trainee_in(places["village"])
    with pytest.raises(ValidationError):
        training_attendance_record(user=officer, training=later, person=person, days_attended=0, completed=False)
    # An administrator sees both counties: a course of the other county takes none of this one.
    admin = make_user("admin")
    elsewhere = course(admin, places["other_village"])
    with pytest.raises(ValidationError) as refused:
        training_attendance_record(user=admin, training=elsewhere, person=person, days_attended=1,
                                   completed=False)
    assert "person" in refused.value.message_dict


def test_scope_and_role_are_checked(make_user, places, officer):
    training = course(officer, places["county"])
    stranger = make_user("county", places["other_county"], username="elsewhere")
    with pytest.raises(Http404):
        training_attendance_record(user=stranger, training=training, person=trainee_in(places["village"]),
                                   days_attended=1, completed=False)
    with pytest.raises(PermissionDenied):
        training_create(user=make_user("researcher", places["county"]), division_code=places["county"].code,
                        course="x", starts_on=TODAY, ends_on=TODAY, trainer="y")
    with pytest.raises(ValidationError) as refused:
        training_create(user=officer, division_code=places["other_county"].code, course="x", starts_on=TODAY,
                        ends_on=TODAY - dt.timedelta(days=1), trainer="")
    assert {"division_code", "ends_on", "trainer"} <= set(refused.value.message_dict)


def test_the_next_monitoring_run_no_longer_recommends_training(officer, places, tmp_path):
    from neisheng.monitoring.models import RecommendedMeasure
    from neisheng.monitoring.services import monitoring_run

    first = monitoring_run(year=2026, work_dir=tmp_path / "first")
    recommended = (RecommendedMeasure.objects.filter(run=first, measure="skills_training",
                                                     household__village__code__startswith="500237")
                   .exclude(person_id="").order_by("person_id").first())
    assert recommended is not None
    person = Person.objects.select_related("household").get(pk=recommended.person_id)
    training = course(officer, places["county"])
    training_attendance_record(user=officer, training=training, person=person, days_attended=10, completed=True,
                               certificate_no="C-1", certified_on=training.ends_on)
    second = monitoring_run(year=2026, work_dir=tmp_path / "second")
    assert not RecommendedMeasure.objects.filter(run=second, measure="skills_training",
                                                 person_id=person.person_id).exists()
    # Others of the county are still recommended: the run did see the registry afresh.
    assert RecommendedMeasure.objects.filter(run=second, measure="skills_training").exists()


# --------------------------------------------------------------------------- pages


def test_the_pages_list_create_show_and_add_a_trainee(client, officer, places):
    client.force_login(officer)
    response = client.post("/assistance/trainings/new/", {
        "division_code": places["county"].code, "course": "家政服务培训", "skill": "家政",
        "starts_on": (TODAY - dt.timedelta(days=6)).isoformat(), "ends_on": (TODAY - dt.timedelta(days=2)).isoformat(),
        "trainer": "县职校", "fees_waived": "on"})
    training = Training.objects.get(course="家政服务培训")
    assert response.status_code == 302 and response["Location"] == f"/assistance/trainings/{training.pk}/"
    person = trainee_in(places["village"])
    response = client.post(f"/assistance/trainings/{training.pk}/attendance/", {
        "person_id": person.person_id, "name": person.name, "days_attended": "5", "completed": "on",
        "certificate_no": "JZ-01", "certified_on": (TODAY - dt.timedelta(days=2)).isoformat()})
    assert response.status_code == 302
    page = client.get(f"/assistance/trainings/{training.pk}/").content.decode()
    assert person.name in page and person.household_id in page
    assert person.person_id not in page  # masked
    assert person.person_id[:4] + "*" in page and "JZ-01" in page
    listing = client.get("/assistance/trainings/").content.decode()
    assert "家政服务培训" in listing
    export = client.post("/assistance/trainings/")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_add_form_says_what_is_wrong_and_never_who_lives_elsewhere(client, officer, places):
    client.force_login(officer)
    training = course(officer, places["county"])
    elsewhere = Person.objects.filter(household__village=places["other_village"]).order_by("person_id").first()
    response = client.post(f"/assistance/trainings/{training.pk}/attendance/", {
        "person_id": elsewhere.person_id, "days_attended": "1"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "在您管辖范围内的登记中没有这个证件号码" in page and elsewhere.name not in page
    person = trainee_in(places["village"])
    response = client.post(f"/assistance/trainings/{training.pk}/attendance/", {
        "person_id": person.person_id, "name": "不是此人", "days_attended": "99"})
    page = response.content.decode()
    assert response.status_code == 400 and "姓名与登记的该证件号码的姓名不一致" in page
    assert not TrainingAttendance.objects.exists()


def test_a_village_cadre_sees_a_county_course_with_their_own_trainees_only(client, officer, make_user, places):
    admin = make_user("admin")
    training = course(officer, places["county"])
    here = trainee_in(places["village"])
    training_attendance_record(user=officer, training=training, person=here, days_attended=2, completed=False)
    # A county course of the other county, with a trainee there: no one here sees it.
    there = trainee_in(places["other_village"])
    far_course = course(admin, places["other_county"], course="焊工培训")
    training_attendance_record(user=admin, training=far_course, person=there, days_attended=2, completed=False)
    client.force_login(make_user("village", places["village"]))
    page = client.get(f"/assistance/trainings/{training.pk}/").content.decode()
    assert here.household_id in page
    listing = client.get("/assistance/trainings/").content.decode()
    assert "电工培训" in listing and "焊工培训" not in listing
    assert client.get(f"/assistance/trainings/{far_course.pk}/").status_code == 404


def test_the_api_lists_records_and_refuses_by_field(client, officer, places):
    client.force_login(officer)
    response = client.post("/api/trainings/", {
        "division_code": places["county"].code, "course": "电商培训", "starts_on": (TODAY - dt.timedelta(days=3)).isoformat(),
        "ends_on": (TODAY - dt.timedelta(days=1)).isoformat(), "trainer": "县电商中心"}, content_type="application/json")
    assert response.status_code == 201
    pk = response.json()["id"]
    person = trainee_in(places["village"])
    response = client.post(f"/api/trainings/{pk}/attendance/", {
        "person_id": person.person_id, "days_attended": 3, "completed": True, "certificate_no": "DS-1",
        "certified_on": TODAY.isoformat()}, content_type="application/json")
    assert response.status_code == 201 and response.json()["person_id"] == person.person_id[:4] + "*" * 10 + \
        person.person_id[-4:]
    person.refresh_from_db()
    assert person.has_skill
    listed = client.get(f"/api/trainings/{pk}/attendance/").json()
    assert [row["household_id"] for row in listed["results"]] == [person.household_id]
    response = client.post(f"/api/trainings/{pk}/attendance/", {
        "person_id": person.person_id, "days_attended": 9, "completed": False}, content_type="application/json")
    assert response.status_code == 400 and "days_attended" in response.json()
