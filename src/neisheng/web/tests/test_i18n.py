"""English is available on every page: Chinese by default, English when the user picks
it in the language selector or the browser asks for it; and the compiled catalogue
that ships in the package matches the one translators edit."""

from __future__ import annotations

import ast
import gettext
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.template import Context, Template
from django.utils import translation
from tests.support import PASSWORD

from neisheng.engine import measures, schema
from neisheng.registry.models import Household
from neisheng.web.tests import test_one_language as one_language

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
    labels |= set(schema.RISK.values()) | set(schema.MONITOR_TYPE.values()) | set(schema.STABILITY.values())
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



def _our_labels():
    """Every verbose name and choice label of the project's models, as (where, label)."""
    for model in apps.get_models():
        if not model.__module__.startswith("neisheng.") or model.__name__.startswith("Historical"):
            continue
        for field in model._meta.get_fields():
            if hasattr(field, "verbose_name") and not field.auto_created:
                yield f"{model.__name__}.{field.name}", field.verbose_name
            for _, label in getattr(field, "flatchoices", None) or ():
                yield f"{model.__name__}.{field.name} choice", label


def test_model_labels_and_choices_are_in_one_language():
    """Labels are Chinese message ids shown in the reader's language: never "户编号
    household number" (both at once), never a Chinese label left on an English page."""
    for language in ("zh-hans", "en"):
        with translation.override(language):
            mixed = sorted(f"{where}: {label}" for where, label in _our_labels()
                           # a field named after its attribute ("func path") has no label to show
                           if str(label) != where.split(".")[1].replace("_", " ")
                           and one_language.wrong_language(str(label), language))
        assert mixed == [], (language, mixed)


def test_form_blank_choices_are_words_not_dashes(officer_client):
    """A select's empty choice says 请选择 / 全部 (Please choose / All), not Django's "---------"."""
    for url in ("/households/new/", "/households/"):
        assert "---------" not in _text(officer_client.get(url)), url


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_counts_and_amounts_have_thousands_separators_in_both_languages(language):
    """Django's Chinese formats group by four with no separator ("12345"); ours by three."""
    page = Template('{% load humanize %}{{ n|intcomma }} · {{ amount|floatformat:"2g" }} · '
                    '{{ amount|floatformat:2|intcomma }} · {{ year }}')
    with translation.override(language):
        shown = page.render(Context({"n": 12345, "amount": Decimal("33332.5"), "year": 2026}))
    assert shown == "12,345 · 33,332.50 · 33,332.50 · 2026"


def test_form_inputs_and_ids_are_never_grouped(officer_client, places):
    """The separator is for reading: a form sends back what it shows, so an amount in an
    input keeps no separator, while the same amount on the household page has one."""
    household = _household_under(places)
    row = household.ledger.order_by("pk").first()
    type(row).objects.filter(pk=row.pk).update(amount=Decimal("12345.60"))
    page = _text(officer_client.get(f"/households/{household.household_id}/"))
    form = _text(officer_client.get(f"/households/{household.household_id}/ledger/{row.pk}/edit/"))
    assert "12,345.60" in page and household.household_id in page
    assert 'value="12345.60"' in form and "12,345" not in form
    assert f'value="{row.year}"' in form


def test_django_s_own_form_messages_follow_the_language(officer_client):
    """Django's messages (not a whole number) come from its own catalogue, one language at a time."""
    wrong = {"lifted_year": "x"}  # (an empty POST is no POST to `Form(request.POST or None)`)
    chinese = _text(officer_client.post("/households/new/", wrong))
    assert "输入整数。" in chinese and "Enter a whole number" not in chinese
    officer_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = _text(officer_client.post("/households/new/", wrong))
    assert "Enter a whole number." in english and "输入整数" not in english


def test_a_job_shows_its_title_progress_and_error_in_the_reader_s_language():
    from neisheng.platform.models import Job

    job = Job(title="%(year)s 年度监测运行", params={"year": 2026}, message="已完成:%(households)s 户",
              result={"households": 1234}, error="政策年度 2025 与监测年度 2026 不符 / the policy is for 2025, not 2026")
    with translation.override("zh-hans"):
        assert (job.title_shown, job.message_shown, job.error_shown) == (
            "2026 年度监测运行", "已完成:1234 户", "政策年度 2025 与监测年度 2026 不符")
    with translation.override("en"):
        assert (job.title_shown, job.message_shown, job.error_shown) == (
            "Monitoring run 2026", "Done: 1234 households", "the policy is for 2025, not 2026")


def test_the_locked_out_page_gives_the_lock_s_length_in_one_language(client, settings):
    settings.AXES_COOLOFF_TIME = 0.5  # hours
    for language, sentence in (("zh-hans", "账号已暂时锁定 30 分钟。"), ("en", "the account is locked for 30 minutes.")):
        client.cookies.load({"django_language": language})
        for _ in range(settings.AXES_FAILURE_LIMIT):
            locked = client.post("/accounts/login/", {"username": f"guess-{language}", "password": "wrong"})
        assert locked.status_code == 429 and sentence in locked.content.decode(), language
