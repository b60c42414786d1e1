"""The pages: the selection taken through its steps on the web, the roll (page, Excel,
PDF read back, API) for those who read persons and counts only for those who read figures
only, the figures, the exports and the household page's card."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from neisheng.accounts.models import AuditEvent
from neisheng.honours import services
from neisheng.honours.models import Nomination
from neisheng.honours.selectors import head_names
from neisheng.honours.tests.conftest import START, TODAY, nominate, reviewed

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(cadre, town, lifted, passing):
    nomination = reviewed(nominate(cadre, lifted[0], story="养殖山羊三十只,带着邻居一起干。"), cadre)
    services.nomination_approve(user=town, nomination=nomination, approved_on=TODAY)
    return nomination


def test_nominating_on_the_web_then_scoring(client, cadre, lifted):
    client.force_login(cadre)
    page = client.get(f"/honours/nominations/new/?household={lifted[0].pk}")
    assert page.status_code == 200 and lifted[0].pk in page.content.decode()
    refused = client.post("/honours/nominations/new/", {"household": "NO-SUCH", "source": "self",
                                                        "nominated_by_name": "本人", "nominated_on": START,
                                                        "story": "x"})
    assert refused.status_code == 400 and "没有这个户编号" in refused.content.decode()
    sent = client.post("/honours/nominations/new/", {"household": lifted[0].pk, "source": "self",
                                                     "nominated_by_name": "户主本人", "nominated_on": START,
                                                     "story": "自己养蜂,还教会了三户邻居。"})
    nomination = Nomination.objects.get(household=lifted[0])
    assert sent.status_code == 302 and sent["Location"] == f"/honours/nominations/{nomination.pk}/"
    detail = client.get(sent["Location"]).content.decode()
    assert 'data-step="score"' in detail and 'data-step="help"' in detail
    scored = client.post(f"/honours/nominations/{nomination.pk}/score/", {"score-scored_on": TODAY})
    assert scored.status_code == 302
    detail = client.get(sent["Location"]).content.decode()
    assert 'id="score-table"' in detail and 'data-criterion="income_growth"' in detail and "人均纯收入" in detail


def test_a_refused_step_says_why_on_the_form(client, cadre, lifted, monkeypatch):
    import dataclasses

    real = services.honours_policy
    monkeypatch.setattr(services, "honours_policy", lambda: dataclasses.replace(real(), honours_pass_score=100))
    nomination = nominate(cadre, lifted[0])
    services.nomination_score(user=cadre, nomination=nomination, scored_on=START)
    client.force_login(cadre)
    assert 'data-step="submit"' not in client.get(f"/honours/nominations/{nomination.pk}/").content.decode()
    sent = client.post(f"/honours/nominations/{nomination.pk}/submit/", {"submit-submitted_on": TODAY})
    assert sent.status_code == 400 and "合格分" in sent.content.decode()


def test_the_town_sees_approve_only_after_the_publicity(client, cadre, town, lifted, passing):
    early = reviewed(nominate(cadre, lifted[0]), cadre, publicise_on=TODAY - dt.timedelta(days=1))
    client.force_login(town)
    assert 'data-step="approve"' in client.get(f"/honours/nominations/{early.pk}/").content.decode()
    sent = client.post(f"/honours/nominations/{early.pk}/approve/", {"approve-approved_on": TODAY})
    assert sent.status_code == 400 and "公示期" in sent.content.decode()
    client.cookies.load({"django_language": "en"})
    sent = client.post(f"/honours/nominations/{early.pk}/approve/", {"approve-approved_on": TODAY})
    assert "publicity runs until" in sent.content.decode()


def test_the_roll_names_and_tells_the_story_to_those_who_read_persons(client, approved, town):
    head = head_names([approved.household_id])[approved.household_id]
    client.force_login(town)
    page = client.get(f"/honours/roll/{approved.division_code}/").content.decode()
    assert head in page and "养殖山羊三十只" in page and approved.household_id in page
    town_roll = client.get(f"/honours/roll/{town.division_id}/").content.decode()
    assert head in town_roll


def test_a_researcher_gets_counts_and_no_roll(client, approved, make_user, places):
    client.force_login(make_user("researcher", places["county"]))
    figures = client.get("/honours/").content.decode()
    assert 'id="total-approved">1<' in figures and "/honours/roll/" not in figures
    for url in (f"/honours/roll/{approved.division_code}/", f"/honours/roll/{approved.division_code}/pdf/",
                "/api/honours-roll/", "/honours/nominations/", f"/honours/nominations/{approved.pk}/"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/honours/roll/{approved.division_code}/").status_code == 403


def test_the_roll_exports_to_excel_audited(client, approved, town):
    head = head_names([approved.household_id])[approved.household_id]
    client.force_login(town)
    response = client.post(f"/honours/roll/{town.division_id}/?year={approved.selection.year}")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    found = [r for r in rows if approved.household_id in r]
    assert len(found) == 1 and head in found[0] and "养殖山羊三十只,带着邻居一起干。" in found[0]
    assert AuditEvent.objects.filter(action="export", object_type="honour_roll").exists()
    roll = client.get(f"/api/honours-roll/?village={town.division_id}").json()
    assert [(r["household"], r["name"], r["story"]) for r in roll] == [
        (approved.household_id, head, "养殖山羊三十只,带着邻居一起干。")]


def _cjk_font_installed() -> bool:
    import subprocess

    listed = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False)
    return bool(listed.stdout.strip())


def test_the_roll_pdf_reads_back(client, approved, town):
    from pypdf import PdfReader

    # Without a CJK font WeasyPrint draws every Chinese character as the same empty glyph,
    # and the text reads back as nonsense: say so rather than fail on the words below.
    assert _cjk_font_installed(), "no CJK font for WeasyPrint: install fonts-wqy-microhei (.ci/run does)"
    head = head_names([approved.household_id])[approved.household_id]
    client.force_login(town)
    response = client.get(f"/honours/roll/{approved.division_code}/pdf/")
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    compact = "".join(text.split())
    assert "脱贫光荣榜" in compact and head in compact and "养殖山羊三十只" in compact
    assert str(approved.score_total) in compact and str(approved.selection.year) in compact
    assert AuditEvent.objects.filter(action="export", object_type="honour_roll",
                                     object_id=approved.division_code).exists()


def test_the_figures_count_without_names(client, approved, cadre, make_user, places, lifted):
    from neisheng.honours.tests.test_services import _motivation_poor
    from neisheng.registry.models import Household

    partner = Household.objects.filter(village=places["village"]).exclude(pk=lifted[0].pk).first()
    _motivation_poor([partner])
    pairing = services.pairing_create(user=cadre, nomination=approved, household=partner, paired_on=TODAY)
    services.pair_meeting_add(user=cadre, pairing=pairing, met_on=TODAY, attendees="两户", discussed="种植经验")
    nominate(cadre, lifted[1])
    client.force_login(make_user("researcher", places["county"]))
    page = client.get("/honours/").content.decode()
    assert 'id="total-nominated">2<' in page and 'id="total-approved">1<' in page
    assert 'id="total-paired">1<' in page and 'id="total-meetings">1<' in page
    assert approved.household_id not in page
    figures = client.get("/api/honours-figures/").json()
    assert figures["total"] == {"nominated": 2, "approved": 1, "rejected": 0, "paired": 1, "meetings": 1}
    book = openpyxl.load_workbook(io.BytesIO(client.post("/honours/").content))
    rows = list(book.active.iter_rows(values_only=True))
    assert any(r[0] == places["village"].code and r[2] == 2 and r[3] == 1 for r in rows)


def test_the_nominations_export_and_the_household_card(client, approved, town):
    client.force_login(town)
    book = openpyxl.load_workbook(io.BytesIO(client.post("/honours/nominations/").content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[1][0] == approved.household_id and "养殖山羊" in rows[1][-1]
    card = client.get(f"/households/{approved.household_id}/").content.decode()
    assert 'id="household-honours"' in card and f"/honours/nominations/{approved.pk}/" in card


def test_the_api_lists_and_creates_nominations(client, cadre, lifted, make_user, places):
    client.force_login(cadre)
    made = client.post("/api/honours-nominations/", {"household_id": lifted[1].pk, "source": "village",
                                                     "nominated_by_name": "第三村民小组", "nominated_on": START,
                                                     "story": "带头修路"}, content_type="application/json")
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    scored = client.post(f"/api/honours-nominations/{pk}/score/", {}, content_type="application/json")
    assert scored.status_code == 200 and set(scored.json()["score"]["criteria"]) == {
        "income_growth", "own_effort", "helping_others", "willingness"}
    listed = client.get("/api/honours-nominations/?state=scored").json()
    assert [n["id"] for n in listed["results"]] == [pk] if isinstance(listed, dict) else [n["id"] for n in listed] == [pk]
    client.force_login(make_user("auditor", places["county"]))
    refused = client.post("/api/honours-nominations/", {"household_id": lifted[2].pk}, content_type="application/json")
    assert refused.status_code == 403
