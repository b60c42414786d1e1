"""English is available on every page: Chinese by default, English when the user picks
it in the language selector or the browser asks for it; and the compiled catalogue
that ships in the package matches the one translators edit."""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

import pytest
from django.utils import translation
from tests.support import PASSWORD

from neisheng.engine import measures, schema
from neisheng.monitoring.models import MONITOR_TYPE_CHOICES, RISK_CHOICES, STABILITY_CHOICES
from neisheng.registry.models import Household

pytestmark = pytest.mark.django_db

LC_MESSAGES = Path(__file__).resolve().parents[1] / "locale" / "en" / "LC_MESSAGES"
CHINESE_NAV = ["首页", "区划", "农户", "监测", "退出"]


@pytest.fixture
def officer_client(client, places, make_user):
    officer = make_user("county", places["county"])
    response = client.post("/accounts/login/", {"username": officer.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _household_under(places) -> Household:
    return Household.objects.filter(village__code__startswith=places["county"].prefix).order_by("household_id").first()


def _pages(places) -> list[str]:
    return ["/", "/households/", f"/households/{_household_under(places).household_id}/"]


def _text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_pages_are_chinese_by_default(officer_client, places):
    for url in _pages(places):
        page = _text(officer_client.get(url))
        assert '<html lang="zh-hans">' in page, url
        for word in CHINESE_NAV:
            assert f">{word}</a>" in page or f">{word}</button>" in page, (url, word)
        assert ">Households</a>" not in page, url


def test_choosing_english_translates_home_list_and_household(officer_client, places):
    response = officer_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302

    home, listing, household = (_text(officer_client.get(url)) for url in _pages(places))
    for url, page in zip(_pages(places), (home, listing, household)):
        assert '<html lang="en">' in page, url
        for nav in ("Home", "Divisions", "Households", "Monitoring", "Sign out"):
            assert f">{nav}</" in page, (url, nav)
        for word in CHINESE_NAV:
            assert f">{word}</a>" not in page and f">{word}</button>" not in page, (url, word)

    assert "Household type" in home and "Assistance category" in home
    assert "lifted household" in home.lower() or "general household" in home
    assert "Household number" in listing and "Head of household" in listing and "Export to Excel" in listing
    assert "Household members" in household and "Income and spending ledger" in household
    assert "Two assurances, three guarantees and safe drinking water" in household
    assert "户类型" not in home and "家庭成员" not in household

    # and back to Chinese
    officer_client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert ">首页</a>" in _text(officer_client.get("/"))


def test_login_page_follows_the_browser_language(client):
    english = _text(client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Sign in" in english and "Username" in english and "Password" in english
    assert "用户名" not in english and "密码" not in english

    chinese = _text(client.get("/accounts/login/"))
    assert "用户名" in chinese and "密码" in chinese and "Username" not in chinese


def test_every_contract_label_has_english():
    """Enumeration labels reach the pages as data and are translated there, so a label
    added to the contract without an English entry would show in Chinese on English pages."""
    labels = {label for table in schema.TABLES.values() for column in table.columns
              for label in column.choices.values()}
    labels |= set(schema.SOURCE_LABELS.values()) | set(schema.LEVELS.values())
    labels |= set(measures.MEASURE_LABELS.values())
    labels |= {label for _, label in RISK_CHOICES + MONITOR_TYPE_CHOICES + STABILITY_CHOICES}
    with translation.override("en"):
        untranslated = sorted(label for label in labels if translation.gettext(label) == label)
    assert untranslated == []


def _po_catalogue(path: Path) -> dict:
    """msgid (or (msgctxt, msgid), or (msgid, n) for plural forms) -> msgstr, as
    gettext keys a compiled catalogue; enough of the PO format for makemessages' output."""
    entries, entry, field = [], {}, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if entry:
                entries.append(entry)
            entry, field = {}, None
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[field] += ast.literal_eval(line)
        else:
            field, _, value = line.partition(" ")
            entry[field] = ast.literal_eval(value)
    catalogue = {}
    for e in entries:
        msgid = e["msgid"] if "msgctxt" not in e else f"{e['msgctxt']}\x04{e['msgid']}"
        if "msgid_plural" in e:
            for n in range(2):
                catalogue[(msgid, n)] = e[f"msgstr[{n}]"]
        elif msgid:
            catalogue[msgid] = e["msgstr"]
    return catalogue


def test_compiled_catalogue_is_current():
    po, mo = LC_MESSAGES / "django.po", LC_MESSAGES / "django.mo"
    # A checkout writes both files within moments of each other; an edit to the .po
    # without `django-admin compilemessages` afterwards leaves the .mo behind.
    assert mo.stat().st_mtime >= po.stat().st_mtime - 2, "django.po changed: run compilemessages"

    with mo.open("rb") as f:
        compiled = gettext.GNUTranslations(f)._catalog
    compiled = {key: value for key, value in compiled.items() if key != ""}
    assert compiled == _po_catalogue(po), "django.mo does not match django.po: run compilemessages"
    assert all(compiled.values()), "every message needs an English translation"


def test_form_choices_follow_the_language(officer_client, places):
    """The contract's labels in a form's choices (relation, ledger items) are translated too."""
    household = _household_under(places)
    member_form = f"/households/{household.household_id}/members/new/"
    ledger_form = f"/households/{household.household_id}/ledger/new/"
    assert ">户主</option>" in _text(officer_client.get(member_form))
    officer_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert ">Head of household</option>" in _text(officer_client.get(member_form))
    ledger = _text(officer_client.get(ledger_form))
    assert "工资性收入" not in ledger and "(income)</option>" in ledger
