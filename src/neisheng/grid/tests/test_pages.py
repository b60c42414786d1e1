"""The grid's pages as an officer and a cadre see them: the cadres list and its export,
a cadre's page, the forms (new cadre, photo, pair and change a household's cadre, end a
pair, village leader and area), the household page's "帮扶责任人" card and the import."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.utils import timezone
from PIL import Image

from neisheng.grid.models import AreaPair, Cadre, CadreKind, CadrePair, LeaderPair
from neisheng.registry.models import Household

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def officer(client, make_user, places):
    user = make_user("county", places["county"])
    client.force_login(user)
    return user


@pytest.fixture
def cadre(places):
    return Cadre.objects.create(cadre_id="C1", name="王强", division_code=places["village"].code, phone="13800000001",
                                unit="县农业农村局")


def _household(places, n=0):
    return Household.objects.filter(village=places["village"]).order_by("household_id")[n]


def _text(response) -> str:
    return response.content.decode()


def test_the_cadre_list_filters_searches_and_exports(client, officer, places, cadre):
    Cadre.objects.create(cadre_id="L1", name="张书记", kind=CadreKind.LEADER, division_code=places["town"].code)
    Cadre.objects.create(cadre_id="X1", name="外县", division_code=places["other_village"].code)
    page = _text(client.get("/grid/"))
    assert "王强" in page and "张书记" in page and "外县" not in page
    assert "13800000001" in page  # public on the board: shown in full
    leaders = _text(client.get("/grid/?kind=leader"))
    assert "张书记" in leaders and "王强" not in leaders
    assert "王强" in _text(client.get("/grid/?q=1380000"))
    assert "张书记" not in _text(client.get("/grid/?q=王"))
    export = client.post("/grid/?kind=assistance")
    assert export["Content-Type"].startswith(XLSX)
    rows = list(openpyxl.load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["C1"] and rows[1][7] == "13800000001"


def test_a_new_cadre_through_the_form_and_a_refusal_in_the_pages_language(client, officer, places):
    response = client.post("/grid/cadres/new/", {"cadre_id": "C7", "name": "李明", "kind": "assistance",
                                                 "division_code": places["village"].code, "phone": "13800000007"})
    cadre = Cadre.objects.get(cadre_id="C7")
    assert response.status_code == 302 and response["Location"] == f"/grid/cadres/{cadre.pk}/"
    again = client.post("/grid/cadres/new/", {"cadre_id": "C7", "name": "李明", "kind": "assistance",
                                              "division_code": places["village"].code},
                        HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 400 and "already exists" in _text(again) and "已存在" not in _text(again)
    outside = client.post("/grid/cadres/new/", {"cadre_id": "C8", "name": "李明", "kind": "assistance",
                                                "division_code": places["other_village"].code})
    assert outside.status_code == 400 and not Cadre.objects.filter(cadre_id="C8").exists()


def test_pairing_changing_and_ending_a_households_cadre(client, officer, places, cadre):
    household = _household(places)
    second = Cadre.objects.create(cadre_id="C2", name="李明", division_code=places["village"].code)
    today = timezone.localdate()
    form = _text(client.get(f"/grid/households/{household.pk}/cadre/"))
    assert "王强（C1）" in form and 'name="reason"' not in form
    response = client.post(f"/grid/households/{household.pk}/cadre/", {"cadre": cadre.pk, "on": "2026-03-02"})
    assert response.status_code == 302 and response["Location"] == f"/households/{household.pk}/"
    card = _text(client.get(f"/households/{household.pk}/"))
    assert 'id="household-cadre"' in card and "王强" in card and "13800000001" in card
    change = client.get(f"/grid/households/{household.pk}/cadre/")
    assert 'name="reason"' in _text(change) and "王强（C1）" not in _text(change).split('id="current-cadre"')[1]
    refused = client.post(f"/grid/households/{household.pk}/cadre/", {"cadre": second.pk, "on": str(today)})
    assert refused.status_code == 400
    client.post(f"/grid/households/{household.pk}/cadre/", {"cadre": second.pk, "on": str(today), "reason": "调动"})
    assert list(CadrePair.objects.filter(household=household).order_by("pk").values_list(
        "cadre__cadre_id", "ended_on", "end_reason")) == [("C1", today, "调动"), ("C2", None, "")]
    card = _text(client.get(f"/households/{household.pk}/"))
    assert 'id="household-cadre-history"' in card and "调动" in card
    pair = CadrePair.objects.get(household=household, ended_on__isnull=True)
    client.post(f"/grid/pairs/{pair.pk}/end/", {"on": str(today), "reason": "户已迁出"})
    pair.refresh_from_db()
    assert pair.ended_on == today and pair.end_reason == "户已迁出"
    assert "帮扶责任人" in _text(client.get(f"/households/{household.pk}/"))


def test_the_cadres_page_lists_households_with_the_heads_name_and_history(client, officer, places, cadre):
    household = _household(places)
    head = household.members.filter(relation="head").first()
    CadrePair.objects.create(cadre=cadre, household=household, division_code=household.village_id,
                             started_on=dt.date(2026, 1, 5))
    CadrePair.objects.create(cadre=cadre, household=_household(places, 1), division_code=household.village_id,
                             started_on=dt.date(2025, 1, 5), ended_on=dt.date(2025, 6, 1), end_reason="调整")
    page = _text(client.get(f"/grid/cadres/{cadre.pk}/"))
    assert household.pk in page.split('id="cadre-past-pairs"')[0]
    assert head is None or head.name in page
    assert "调整" in page and 'id="cadre-deactivate-link"' in page


def test_a_photo_is_uploaded_and_served_only_through_the_scoped_view(client, officer, places, cadre, settings,
                                                                     tmp_path, make_user):
    settings.MEDIA_ROOT = tmp_path
    image = io.BytesIO()
    Image.new("RGB", (900, 1200), "red").save(image, "PNG")
    image.seek(0)
    image.name = "me.png"
    response = client.post(f"/grid/cadres/{cadre.pk}/photo/edit/", {"photo": image})
    assert response.status_code == 302
    served = client.get(f"/grid/cadres/{cadre.pk}/photo/")
    assert served["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(b"".join(served.streaming_content))).size == (450, 600)
    not_image = io.BytesIO(b"<svg xmlns='http://www.w3.org/2000/svg'></svg>")
    not_image.name = "fake.jpg"
    refused = client.post(f"/grid/cadres/{cadre.pk}/photo/edit/", {"photo": not_image})
    assert refused.status_code == 400 and "不是可识别的图片" in _text(refused)
    client.force_login(make_user("county", places["other_county"]))
    assert client.get(f"/grid/cadres/{cadre.pk}/photo/").status_code == 404


def test_deactivating_a_cadre_ends_its_pairs(client, officer, places, cadre):
    CadrePair.objects.create(cadre=cadre, household=_household(places), division_code=places["village"].code,
                             started_on=dt.date(2026, 1, 5))
    form = _text(client.get(f"/grid/cadres/{cadre.pk}/deactivate/"))
    assert 'id="deactivate-warning"' in form
    today = timezone.localdate()
    client.post(f"/grid/cadres/{cadre.pk}/deactivate/", {"on": str(today), "reason": "退休"})
    cadre.refresh_from_db()
    assert not cadre.active and CadrePair.objects.get().ended_on == today
    assert 'id="cadre-inactive"' in _text(client.get(f"/grid/cadres/{cadre.pk}/"))


def test_a_village_gets_its_leader_and_area_cadres(client, officer, places):
    village = places["village"]
    leader = Cadre.objects.create(cadre_id="L1", name="张书记", kind=CadreKind.LEADER, division_code=places["town"].code)
    area_cadre = Cadre.objects.create(cadre_id="V1", name="赵主任", kind=CadreKind.VILLAGE, division_code=village.code)
    assert 'id="leader-missing"' in _text(client.get(f"/grid/villages/{village.code}/"))
    listing = _text(client.get("/grid/villages/"))
    assert village.name in listing and "grid-missing" in listing
    client.post(f"/grid/villages/{village.code}/leader/", {"leader": leader.pk, "on": "2026-01-10"})
    client.post(f"/grid/villages/{village.code}/areas/new/", {"cadre": area_cadre.pk, "area": "一组",
                                                               "on": "2026-01-10"})
    page = _text(client.get(f"/grid/villages/{village.code}/"))
    assert "张书记" in page and "一组" in page and "赵主任" in page
    pair = LeaderPair.objects.get()
    client.post(f"/grid/leader-pairs/{pair.pk}/end/", {"on": "2026-02-01", "reason": "换届"})
    pair.refresh_from_db()
    assert pair.ended_on == dt.date(2026, 2, 1)
    area = AreaPair.objects.get()
    client.post(f"/grid/area-pairs/{area.pk}/end/", {"on": "2026-02-01", "reason": "调整"})
    assert not AreaPair.objects.filter(ended_on__isnull=True).exists()


def test_the_pairs_list_shows_active_and_ended_pairs(client, officer, places, cadre):
    active, ended = _household(places), _household(places, 1)
    CadrePair.objects.create(cadre=cadre, household=active, division_code=places["village"].code,
                             started_on=dt.date(2026, 1, 5))
    CadrePair.objects.create(cadre=cadre, household=ended, division_code=places["village"].code,
                             started_on=dt.date(2025, 1, 5), ended_on=dt.date(2025, 6, 1), end_reason="调整")
    assert active.pk in _text(client.get("/grid/pairs/")) and ended.pk in _text(client.get("/grid/pairs/"))
    only_active = _text(client.get("/grid/pairs/?state=active"))
    assert active.pk in only_active and ended.pk not in only_active
    export = client.post("/grid/pairs/?state=ended")
    rows = list(openpyxl.load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [ended.pk]


def test_the_import_page_previews_every_problem_then_applies(client, officer, places, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    households = [h.pk for h in Household.objects.filter(village=places["village"]).order_by("household_id")[:2]]

    def upload(rows):
        workbook = openpyxl.Workbook()
        workbook.active.title = "cadres"
        workbook.active.append(["cadre_id", "name", "division_code"])
        workbook.active.append(["C1", "王强", places["village"].code])
        pairs = workbook.create_sheet("pairs")
        for row in rows:
            pairs.append(row)
        data = io.BytesIO()
        workbook.save(data)
        data.seek(0)
        data.name = "grid.xlsx"
        return client.post("/grid/import/", {"workbook": data})

    bad = upload([["cadre_id", "household_id", "started_on"], ["C1", households[0], "2026-13-01"],
                  ["C9", households[1], "2026-03-01"]])
    assert bad.status_code == 400
    problems = _text(bad)
    assert 'data-sheet="pairs" data-row="2" data-column="started_on"' in problems
    assert 'data-sheet="pairs" data-row="3" data-column="cadre_id"' in problems
    assert not Cadre.objects.exists()
    good = upload([["cadre_id", "household_id", "started_on"], ["C1", households[0], "2026-03-01"]])
    assert good.status_code == 200 and 'id="import-apply"' in _text(good)
    token = good.context["token"]
    applied = client.post("/grid/import/apply/", {"token": token, "file_name": "grid.xlsx"})
    assert applied.status_code == 302
    assert CadrePair.objects.get().household_id == households[0]
    # A preview is applied once.
    assert "预览已失效" in _text(client.post("/grid/import/apply/", {"token": token}))
    template = client.get("/grid/import/template/")
    assert template["Content-Type"].startswith(XLSX)


def test_a_cadre_without_grid_edit_reads_but_does_not_change(client, make_user, places, cadre):
    client.force_login(make_user("village", places["village"]))
    page = _text(client.get(f"/grid/cadres/{cadre.pk}/"))
    assert "王强" in page and 'id="cadre-edit-link"' not in page
    assert client.get(f"/grid/cadres/{cadre.pk}/edit/").status_code == 403
    household = _household(places)
    assert 'id="household-cadre-change"' not in _text(client.get(f"/households/{household.pk}/"))
