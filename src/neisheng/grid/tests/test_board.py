"""The public board (公示牌) of a village, as a page and as an A4 PDF read back with pypdf:
every cadre's name and phone, the households by their heads' names only, the hotline;
never an ID number nor a household number."""

from __future__ import annotations

import dataclasses
import datetime as dt
from io import BytesIO

import pytest
from django.core.files.base import ContentFile
from PIL import Image
from pypdf import PdfReader

from neisheng.accounts.models import AuditEvent
from neisheng.grid.models import AreaPair, Cadre, CadreKind, CadrePair, LeaderPair
from neisheng.grid.selectors import head_names
from neisheng.registry.models import Division, Household, Person

pytestmark = pytest.mark.django_db
STARTED = dt.date(2026, 1, 5)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _jpeg() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (60, 80), (200, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def _cadre(cadre_id, name, kind, division, phone, unit="县农业农村局", photo=False) -> Cadre:
    cadre = Cadre(cadre_id=cadre_id, name=name, kind=kind, division_code=division, phone=phone, unit=unit)
    if photo:
        cadre.photo.save(f"{cadre_id}.jpg", ContentFile(_jpeg()), save=False)
    cadre.save()
    return cadre


@pytest.fixture
def board(places):
    """A village with a leader, two area cadres and two assistance cadres (one with a
    photo) with three households between them; and a neighbouring county's cadre."""
    village, town = places["village"], places["town"]
    leader = _cadre("L1", "孙包村", CadreKind.LEADER, town.code, "13900000001", unit="镇人民政府")
    LeaderPair.objects.create(leader=leader, village=village, started_on=STARTED)
    areas = [_cadre("V1", "周一组", CadreKind.VILLAGE, village.code, "13900000002", unit="村委会"),
             _cadre("V2", "吴二组", CadreKind.VILLAGE, village.code, "13900000003", unit="村委会")]
    AreaPair.objects.create(cadre=areas[0], village=village, area="一组", started_on=STARTED)
    AreaPair.objects.create(cadre=areas[1], village=village, area="二组", started_on=STARTED)
    helpers = [_cadre("A1", "郑帮扶", CadreKind.ASSISTANCE, village.code, "13900000004", photo=True),
               _cadre("A2", "王结对", CadreKind.ASSISTANCE, town.code, "13900000005")]
    households = list(Household.objects.filter(village=village).order_by("household_id")[:3])
    for cadre, household in zip([helpers[0], helpers[0], helpers[1]], households):
        CadrePair.objects.create(cadre=cadre, household=household, division_code=village.code, started_on=STARTED)
    elsewhere = _cadre("X1", "外县人", CadreKind.ASSISTANCE, places["other_village"].code, "13900000009")
    CadrePair.objects.create(cadre=elsewhere, household=Household.objects.filter(village=places["other_village"])
                             .first(), division_code=places["other_village"].code, started_on=STARTED)
    return {"village": village, "leader": leader, "areas": areas, "helpers": helpers, "households": households,
            "heads": head_names([h.household_id for h in households])}


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)


def test_the_pdf_names_every_cadre_with_phone_the_heads_and_the_hotline(client, make_user, places, board):
    client.force_login(make_user("town", places["town"]))
    response = client.get(f"/grid/board/{board['village'].code}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = _pdf_text(response.content)
    assert board["village"].name in text
    for cadre in [board["leader"], *board["areas"], *board["helpers"]]:
        assert cadre.name in text, cadre.name
        assert cadre.phone in text, cadre.phone
    assert "一组" in text and "二组" in text
    for name in board["heads"].values():
        assert name in text
    assert "12317" in text
    assert "外县人" not in text  # another county's cadre is not this village's


def test_the_pdf_shows_no_id_number_and_no_household_number(client, make_user, places, board):
    client.force_login(make_user("county", places["county"]))
    text = _pdf_text(client.get(f"/grid/board/{board['village'].code}/pdf/").content)
    compact = text.replace(" ", "").replace("\n", "")
    for household in board["households"]:
        assert household.household_id not in compact
        for person_id in Person.objects.filter(household=household).values_list("person_id", flat=True):
            assert person_id not in compact and person_id[-6:] not in compact


def test_the_hotline_comes_from_the_policy(client, make_user, places, board, monkeypatch):
    from neisheng.monitoring import policies

    real = policies.policy_current

    def with_hotline():
        in_use = real()
        return dataclasses.replace(in_use, policy=dataclasses.replace(in_use.policy, grid_hotline="023-5555"))

    monkeypatch.setattr(policies, "policy_current", with_hotline)
    client.force_login(make_user("county", places["county"]))
    text = _pdf_text(client.get(f"/grid/board/{board['village'].code}/pdf/").content)
    assert "023-5555" in text and "12317" not in text


def test_printing_a_board_is_audited_as_an_export(client, make_user, places, board):
    user = make_user("county", places["county"])
    client.force_login(user)
    client.get(f"/grid/board/{board['village'].code}/pdf/")
    event = AuditEvent.objects.filter(action="export", object_type="grid_board").get()
    assert event.user == user and event.object_id == board["village"].code


def test_a_long_board_runs_over_several_numbered_pages(client, make_user, places, board):
    village = board["village"]
    helpers = [_cadre(f"M{i:02d}", f"多页{i:02d}", CadreKind.ASSISTANCE, village.code, f"1380000{i:04d}")
               for i in range(24)]
    households = Household.objects.filter(village=village).order_by("household_id")[3:27]
    for cadre, household in zip(helpers, households):
        CadrePair.objects.create(cadre=cadre, household=household, division_code=village.code, started_on=STARTED)
    client.force_login(make_user("county", places["county"]))
    reader = PdfReader(BytesIO(client.get(f"/grid/board/{village.code}/pdf/").content))
    pages = len(reader.pages)
    assert pages >= 2
    assert f"1 / {pages}" in reader.pages[0].extract_text()
    assert "多页23" in _pdf_text(client.get(f"/grid/board/{village.code}/pdf/").content)


def test_the_town_pdf_prints_each_village_s_board(client, make_user, places, board):
    second = Division.objects.create(code=places["town"].code[:9] + "299", name="新建村", level=5,
                                     parent=places["town"])
    client.force_login(make_user("town", places["town"]))
    response = client.get(f"/grid/boards/town/{places['town'].code}/pdf/")
    assert response.content.startswith(b"%PDF")
    text = _pdf_text(response.content)
    assert board["village"].name in text and second.name in text and board["leader"].name in text


def test_the_page_shows_the_board_with_photo_or_silhouette(client, make_user, places, board):
    client.force_login(make_user("village", board["village"]))
    page = client.get(f"/grid/board/{board['village'].code}/").content.decode()
    for cadre in [board["leader"], *board["areas"], *board["helpers"]]:
        assert cadre.name in page and cadre.phone in page
    assert f"/grid/cadres/{board['helpers'][0].pk}/photo/" in page  # the photo, through its scoped address
    assert "data:image/svg+xml" in page  # the others' silhouettes
    for household in board["households"]:
        assert household.household_id not in page


def test_a_board_elsewhere_is_no_such_village(client, make_user, places, board):
    client.force_login(make_user("county", places["other_county"]))
    assert client.get(f"/grid/board/{board['village'].code}/").status_code == 404
    assert client.get(f"/grid/board/{board['village'].code}/pdf/").status_code == 404
    assert client.get(f"/grid/boards/town/{places['town'].code}/pdf/").status_code == 404
    assert not AuditEvent.objects.filter(object_type="grid_board").exists()


def test_a_researcher_may_not_print_names(client, make_user, places, board):
    client.force_login(make_user("researcher", places["county"]))
    assert client.get(f"/grid/board/{board['village'].code}/pdf/").status_code == 403
