"""The grid's one write path: cadres and their pairs, each change audited under its
division, refused outside the user's scope or without grid.edit, nothing deleted."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone
from PIL import Image

from neisheng.accounts.models import AuditEvent
from neisheng.grid import services
from neisheng.grid.errors import GridRefused
from neisheng.grid.models import AreaPair, Cadre, CadreKind, CadrePair, LeaderPair
from neisheng.registry.models import Household

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 2)


@pytest.fixture
def officer(make_user, places):
    return make_user("county", places["county"])


def _cadre(officer, places, cadre_id="C1", **values):
    return services.cadre_create(user=officer, values={"cadre_id": cadre_id, "name": "王强",
                                                       "division_code": places["village"].code,
                                                       "phone": "13800000001", **values})


def _households(places, n=3, where="village"):
    return list(Household.objects.filter(village=places[where]).order_by("household_id")[:n])


def test_a_cadre_is_created_audited_and_updated_with_history(officer, places):
    cadre = _cadre(officer, places, unit="县农业农村局", capacity="3")
    assert (cadre.cadre_id, cadre.kind, cadre.capacity) == ("C1", CadreKind.ASSISTANCE, 3)
    event = AuditEvent.objects.get(object_type="cadre", action="create")
    assert event.division_code == places["village"].code and event.object_id == "C1"
    services.cadre_update(user=officer, cadre=cadre, values={"name": "王刚"})
    cadre.refresh_from_db()
    assert cadre.name == "王刚" and cadre.unit == "县农业农村局"
    assert [h.name for h in cadre.history.order_by("history_date")] == ["王强", "王刚"]
    assert AuditEvent.objects.filter(object_type="cadre", action="update", detail__name="王刚").exists()


@pytest.mark.parametrize("values, words", [
    ({"cadre_id": "C 1"}, "干部编号"),
    ({"name": ""}, "姓名"),
    ({"kind": "boss"}, "类别"),
    ({"division_code": "123"}, "服务区划"),
    ({"division_code": "500237999999"}, "服务区划"),
    ({"phone": "call me"}, "联系电话"),
    ({"capacity": "101"}, "包户上限"),
])
def test_a_bad_cadre_is_refused_with_the_field_named(officer, places, values, words):
    with pytest.raises(GridRefused, match=words):
        _cadre(officer, places, **values)
    assert not Cadre.objects.exists()


def test_a_cadre_outside_the_users_division_is_refused(make_user, places):
    town = make_user("town", places["town"])
    with pytest.raises(GridRefused, match="服务区划"):
        services.cadre_create(user=town, values={"cadre_id": "C9", "name": "李明",
                                                 "division_code": places["other_village"].code})
    elsewhere = Cadre.objects.create(cadre_id="C8", name="李明", division_code=places["other_village"].code)
    with pytest.raises(Http404):
        services.cadre_update(user=town, cadre=elsewhere, values={"name": "李四"})
    with pytest.raises(GridRefused, match="已存在"):
        services.cadre_create(user=town, values={"cadre_id": "C8", "name": "李明",
                                                 "division_code": places["village"].code})


def test_a_role_without_grid_edit_may_not_change_the_grid(make_user, places, officer):
    cadre = _cadre(officer, places)
    village_cadre = make_user("village", places["village"])
    with pytest.raises(PermissionDenied):
        services.cadre_update(user=village_cadre, cadre=cadre, values={"name": "王刚"})
    with pytest.raises(PermissionDenied):
        services.cadre_pair_start(user=village_cadre, cadre=cadre, household=_households(places)[0], started_on=DAY)


def test_a_household_has_one_cadre_at_a_time_and_a_change_keeps_the_history(officer, places):
    first, second = _cadre(officer, places), _cadre(officer, places, "C2")
    household = _households(places)[0]
    pair = services.cadre_pair_start(user=officer, cadre=first, household=household, started_on=DAY)
    assert (pair.division_code, pair.source, pair.started_by) == (places["village"].code, "manual", officer)
    with pytest.raises(GridRefused, match="已由"):
        services.cadre_pair_start(user=officer, cadre=second, household=household, started_on=DAY)
    with pytest.raises(GridRefused, match="原因"):
        services.cadre_pair_change(user=officer, household=household, cadre=second, on=DAY, reason=" ")
    new = services.cadre_pair_change(user=officer, household=household, cadre=second, on=DAY + dt.timedelta(days=3),
                                     reason="工作调动")
    pair.refresh_from_db()
    assert (pair.ended_on, pair.end_reason, pair.ended_by) == (DAY + dt.timedelta(days=3), "工作调动", officer)
    assert new.is_active and new.cadre == second
    assert CadrePair.objects.filter(household=household).count() == 2
    assert AuditEvent.objects.filter(object_type="cadre_pair", division_code=places["village"].code).count() == 3


def test_dates_are_the_persons_own_and_never_in_the_future(officer, places):
    cadre = _cadre(officer, places)
    household = _households(places)[0]
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(GridRefused, match="晚于今天"):
        services.cadre_pair_start(user=officer, cadre=cadre, household=household, started_on=tomorrow)
    pair = services.cadre_pair_start(user=officer, cadre=cadre, household=household, started_on=DAY)
    with pytest.raises(GridRefused, match="早于结对日期"):
        services.cadre_pair_end(user=officer, pair=pair, ended_on=DAY - dt.timedelta(days=1), reason="错误")
    with pytest.raises(GridRefused, match="解除原因"):
        services.cadre_pair_end(user=officer, pair=pair, ended_on=DAY, reason="")
    services.cadre_pair_end(user=officer, pair=pair, ended_on=DAY, reason="户已迁出")
    with pytest.raises(GridRefused, match="已于"):
        services.cadre_pair_end(user=officer, pair=pair, ended_on=DAY, reason="再次")


def test_a_cadre_takes_no_more_households_than_the_capacity(officer, places):
    cadre = _cadre(officer, places, capacity="2")
    households = _households(places, 3)
    for household in households[:2]:
        services.cadre_pair_start(user=officer, cadre=cadre, household=household, started_on=DAY)
    with pytest.raises(GridRefused, match="上限 2"):
        services.cadre_pair_start(user=officer, cadre=cadre, household=households[2], started_on=DAY)


def test_only_an_active_assistance_cadre_of_the_county_takes_a_household(officer, places, make_user):
    leader = _cadre(officer, places, "L1", kind="leader")
    household = _households(places)[0]
    with pytest.raises(GridRefused, match="不是帮扶责任人"):
        services.cadre_pair_start(user=officer, cadre=leader, household=household, started_on=DAY)
    admin = make_user("admin", None)
    far = services.cadre_create(user=admin, values={"cadre_id": "F1", "name": "远方",
                                                    "division_code": places["other_village"].code})
    with pytest.raises(GridRefused, match="所在的县"):
        services.cadre_pair_start(user=admin, cadre=far, household=household, started_on=DAY)
    with pytest.raises(Http404):
        services.cadre_pair_start(user=officer, cadre=far, household=household, started_on=DAY)


def test_many_pairs_at_once_are_all_or_nothing(officer, places):
    cadre, other = _cadre(officer, places), _cadre(officer, places, "C2")
    households = _households(places, 4)
    services.cadre_pair_start(user=officer, cadre=other, household=households[3], started_on=DAY)
    with pytest.raises(GridRefused, match=households[3].household_id):
        services.cadre_pairs_create_many(user=officer, pairs=[(cadre, h) for h in households], started_on=DAY,
                                         source="import")
    assert not CadrePair.objects.filter(cadre=cadre).exists()
    with pytest.raises(GridRefused, match="两个结对"):
        services.cadre_pairs_create_many(user=officer, pairs=[(cadre, households[0]), (other, households[0])],
                                         started_on=DAY, source="import")
    made = services.cadre_pairs_create_many(user=officer, pairs=[(cadre, h) for h in households[:3]], started_on=DAY,
                                            source="auto")
    assert made == 3 and CadrePair.objects.filter(cadre=cadre, source="auto", ended_on__isnull=True).count() == 3
    event = AuditEvent.objects.get(object_type="cadre_pair", detail__source="auto")
    assert event.division_code == places["village"].code and len(event.detail["pairs"]) == 3


def test_a_leaving_cadre_ends_every_pair_with_the_reason(officer, places):
    cadre = _cadre(officer, places)
    households = _households(places, 2)
    for household in households:
        services.cadre_pair_start(user=officer, cadre=cadre, household=household, started_on=DAY)
    services.cadre_deactivate(user=officer, cadre=cadre, on=DAY + dt.timedelta(days=10), reason="退休")
    cadre.refresh_from_db()
    assert not cadre.active
    assert set(CadrePair.objects.filter(cadre=cadre).values_list("ended_on", "end_reason")) == {
        (DAY + dt.timedelta(days=10), "退休")}
    with pytest.raises(GridRefused, match="不在岗"):
        services.cadre_pair_start(user=officer, cadre=cadre, household=_households(places, 3)[2], started_on=DAY)


def test_leaders_and_area_cadres_serve_villages_one_at_a_time(officer, places, make_user):
    village = places["village"]
    leader = _cadre(officer, places, "L1", kind="leader", division_code=places["town"].code)
    second = _cadre(officer, places, "L2", kind="leader", division_code=places["town"].code)
    pair = services.leader_pair_start(user=officer, leader=leader, village=village, started_on=DAY)
    with pytest.raises(GridRefused, match="已由"):
        services.leader_pair_start(user=officer, leader=second, village=village, started_on=DAY)
    services.leader_pair_end(user=officer, pair=pair, ended_on=DAY, reason="换届")
    services.leader_pair_start(user=officer, leader=second, village=village, started_on=DAY)
    assert LeaderPair.objects.filter(village=village).count() == 2
    area_cadre = _cadre(officer, places, "V1", kind="village")
    area = services.area_pair_start(user=officer, cadre=area_cadre, village=village.code, area="一组", started_on=DAY)
    with pytest.raises(GridRefused, match="已由"):
        services.area_pair_start(user=officer, cadre=area_cadre, village=village, area="一组", started_on=DAY)
    services.area_pair_start(user=officer, cadre=area_cadre, village=village, area="二组", started_on=DAY)
    with pytest.raises(GridRefused, match="不是包村领导"):
        services.leader_pair_start(user=officer, leader=area_cadre, village=village, started_on=DAY)
    services.area_pair_end(user=officer, pair=area, ended_on=DAY, reason="调整")
    assert AreaPair.objects.filter(village=village, ended_on__isnull=True).count() == 1
    # A village cadre of another village does not serve this one.
    stranger = Cadre.objects.create(cadre_id="V2", name="赵六", kind="village", division_code=places["other_village"].code)
    with pytest.raises(GridRefused, match="不含"):
        services.area_pair_start(user=make_user("admin", None), cadre=stranger, village=village, area="三组",
                                 started_on=DAY)


def _image(fmt="PNG", size=(1200, 800)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "green").save(out, fmt)
    return out.getvalue()


def test_a_photo_is_checked_by_content_and_stored_small_as_jpeg(officer, places, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cadre = _cadre(officer, places)
    services.cadre_photo_set(user=officer, cadre=cadre, photo=SimpleUploadedFile("a.png", _image()))
    cadre.refresh_from_db()
    with Image.open(cadre.photo.open("rb")) as stored:
        assert stored.format == "JPEG" and max(stored.size) == 600 and stored.size == (600, 400)
    with pytest.raises(GridRefused, match="不是可识别的图片"):
        services.cadre_photo_set(user=officer, cadre=cadre,
                                 photo=SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not an image at all"))
    settings.UPLOAD_MAX_BYTES = 1000
    with pytest.raises(GridRefused, match="上传上限"):
        services.cadre_photo_set(user=officer, cadre=cadre, photo=SimpleUploadedFile("b.png", _image()))


def test_many_cadres_at_once_all_or_nothing_with_history(officer, places):
    rows = [{"cadre_id": f"C{n}", "name": f"干部{n}", "division_code": places["village"].code} for n in range(3)]
    with pytest.raises(GridRefused, match="第 4 行"):
        services.cadres_create_many(user=officer, rows=[*rows, {"cadre_id": "C9", "name": "外县",
                                                                "division_code": places["other_village"].code}])
    assert not Cadre.objects.exists()
    made = services.cadres_create_many(user=officer, rows=rows)
    assert [c.cadre_id for c in made] == ["C0", "C1", "C2"]
    assert Cadre.history.count() == 3
    assert AuditEvent.objects.get(object_type="cadre", detail__cadres=["C0", "C1", "C2"]).division_code == \
        places["village"].code
    with pytest.raises(GridRefused, match="已存在"):
        services.cadres_create_many(user=officer, rows=rows[:1])


def test_a_cadres_account_is_linked_once_and_within_its_place(officer, places, make_user):
    cadre = _cadre(officer, places)
    account = make_user("assistance", places["village"])
    services.cadre_user_link(user=officer, cadre=cadre, account=account)
    cadre.refresh_from_db()
    assert cadre.user == account
    second = _cadre(officer, places, "C2")
    with pytest.raises(GridRefused, match="已关联"):
        services.cadre_user_link(user=officer, cadre=second, account=account)
    with pytest.raises(GridRefused, match="服务区划"):
        services.cadre_user_link(user=officer, cadre=second, account=make_user("town", places["town"]))
    services.cadre_user_link(user=officer, cadre=cadre, account=None)
    cadre.refresh_from_db()
    assert cadre.user is None


def test_an_assignment_run_may_use_a_cadre_of_the_county_outside_a_town_officers_scope(make_user, places):
    town = make_user("town", places["town"])
    county_cadre = Cadre.objects.create(cadre_id="K1", name="县干部", division_code=places["county"].code)
    household = _households(places, 1)[0]
    with pytest.raises(Http404):
        services.cadre_pairs_create_many(user=town, pairs=[(county_cadre, household)], started_on=DAY,
                                         source="import")
    assert services.cadre_pairs_create_many(user=town, pairs=[(county_cadre, household)], started_on=DAY,
                                            source="auto") == 1
