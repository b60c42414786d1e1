"""One language at a time: every page a user can open, rendered for every role (each at
the level where it works, as in the scope matrix), in English and in Chinese. English pages show no Han character outside
data; Chinese pages no English word outside data and a short list of codes.

The pages are the scope matrix's ENDPOINTS (tests/web/test_scope_matrix.py, which must
list every route the project serves) with its real ids, plus what a user meets beside
them: the sign-in, wrong-password and locked-out pages, 403, 404 and 500, forms sent back
with Django's own error messages, a revealed ID number, an upload's preview (its changes,
its problems over two pages) and the messages after saving, a household of each risk
colour, a filtered list, a list page past the end. Data is whatever sits in an element
with `translate="no"` (the HTML attribute that also tells browsers' translators to leave
it alone): names, village names, household numbers, user names, free text. The scan
drops those elements with their children, and <script>/<style>, then reads the text and
the attributes a user reads. It also refuses Django's "---------" blank choice and counts
without thousands separators.

`test_every_template_is_walked` checks that every template of the project is rendered by
this walk, or rendered on its own (PARTIALS) or named in NOT_WALKED with the reason, so a
new page cannot escape the scan."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import lxml.html
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.signals import template_rendered
from django.urls import get_resolver
from django.utils import translation
from tests.web import test_scope_matrix as matrix
from tests.web.test_scope_matrix import ENDPOINTS, PLACE, Target

from neisheng.accounts.access import Role
from neisheng.accounts.models import User
from neisheng.engine.schema import TABLES
from neisheng.monitoring.models import HouseholdResult
from neisheng.monitoring.services import monitoring_run
from neisheng.platform.models import Job, Objection, Review, Transition
from neisheng.platform.review import review_history
from neisheng.registry.models import Household
from neisheng.transfers.models import ImportBatch

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
# The scope matrix's household, member, ledger row, upload and job: real ids for its URLs.
target = matrix.target
_matrix_world = matrix._matrix_world

SRC = Path(__file__).resolve().parents[2]
LANGUAGES = ["en", "zh-hans"]
# Every role: their homes start with their own work, and what they may open differs.
ROLES = [role.value for role in Role]

# English words a Chinese page may show: codes and names of formats that Chinese
# officials use as they are, with no Chinese word in common use.
CODES = {  # compared in capitals: "xlsx" is XLSX
    "API",  # the programming interface: the menu and its pages
    "ID",  # as in "ID 号", the common name of an identifier
    "EXCEL", "XLSX", "CSV", "JSON", "YAML", "PDF",  # file formats, as their programs name them
    "SHA",  # SHA-256, the name of the checksum of an upload
    "IP",  # "IP 地址", an address on the network
    "MB",  # megabytes, the upload limit ("文件超过 20 MB")
}
# Attributes whose text a user reads (or hears, with a screen reader); data-label is
# shown before each cell of a table stacked on a phone (site.css), label names an <optgroup>.
READ_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt", "data-label", "label")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff5e]")
ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")

# Templates the walk does not reach, and why; every other template must be rendered.
NOT_WALKED = {
    # Never rendered: lists the contract's labels for makemessages.
    "i18n/data_labels.html",
    # The browsable API and the Swagger UI: frameworks' pages for programmers, outside
    # the walk (see _is_programmers_page).
    "rest_framework/api.html",
    "drf_spectacular/swagger_ui.html",
    # The public self-report form and its answer: outside the matrix (no division, no login),
    # scanned in both languages by cases/tests/test_self_report.py.
    "cases/self_report_form.html",
    "cases/self_report_done.html",
}


def _is_programmers_page(url: str) -> bool:
    """The API answers JSON; its browsable pages and the Swagger UI at /api/docs/ show the
    frameworks' own interface text (DRF's, Swagger's) and field names, which are code."""
    return url.startswith("/api/")


def _user_text(html: str) -> list[str]:
    """Every piece of text a user reads on the page, data left out."""
    root = lxml.html.document_fromstring(html)
    marked = root.xpath("//*[@translate='no']")
    # The <title> and attributes cannot hold an element: data there (a household number,
    # a user name) is recognised as the data the page marks elsewhere.
    data = sorted({"".join(e.itertext()).strip() for e in marked} - {""}, key=len, reverse=True)
    for element in [*root.xpath("//script | //style"), *marked]:
        element.drop_tree()
    unmarkable = [title.text_content() for title in root.xpath("//title")]
    for title in root.xpath("//title"):
        title.drop_tree()
    texts = [text.strip() for text in root.itertext() if text.strip()]
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        unmarkable += [element.get(name) for name in READ_ATTRIBUTES if element.get(name)]
        is_button = element.tag == "button" or (
            element.tag == "input" and element.get("type") in ("submit", "button", "reset"))
        if is_button:
            unmarkable.append(element.get("value") or "")
    for text in unmarkable:
        for value in data:
            text = text.replace(value, " ")
        texts.append(text.strip())
    return [text for text in texts if text]


def wrong_language(text: str, language: str) -> bool:
    if language == "en":
        return bool(HAN.search(text))
    return any(word.upper() not in CODES for word in ENGLISH_WORD.findall(text))


# Five digits or more in a row, outside data: a count or amount without its thousands
# separators (codes and numbers such as household numbers are data, marked translate="no").
# A record's own number ("#18704", "run 18704", "第 18704 次运行") is an identifier, never
# grouped: on PostgreSQL the sequences run on across tests and reach five digits.
UNGROUPED = re.compile(r"(?<![\d,.#])(?<!run )(?<!第 )\d{5,}")


def violations(html: str, language: str) -> list[str]:
    # Django's blank choice "---------" is in no language: selects say 请选择 or 全部.
    return [text for text in _user_text(html)
            if wrong_language(text, language) or "-----" in text or UNGROUPED.search(text)]


@pytest.fixture
def pages(target, places, tmp_path):
    """A monitoring run over the registry, so pages show real reasons and measures, and
    the pages beyond the scope matrix's: a household of each risk colour."""
    monitoring_run(year=2026, work_dir=tmp_path / "run")
    # A job as the monitoring page starts one (the matrix's own is named after a household).
    Job.objects.filter(pk=target.job).update(title="%(year)s 年度监测运行", params={"year": 2026}, total=2,
                                            message="正在导出台账、计算并载入结果")
    extra = []
    for risk in ("red", "yellow", "green"):
        result = HouseholdResult.objects.filter(risk=risk, household__village=places["village"]) \
            .order_by("-run_id", "household_id").first() \
            or HouseholdResult.objects.filter(risk=risk, household__village_id__startswith="500237") \
            .order_by("-run_id", "household_id").first()
        if result:
            extra.append((f"a {risk} household", f"/households/{result.household_id}/"))
    # A list with filters and sorting chosen (the chips that show them), and a page past the end.
    extra += [("the list filtered and sorted", "/households/?risk=red&motivation=poor&sort=-household_id"),
              ("a list page past the end", "/households/?page=300")]
    return extra


def _walk(client, make_user, places, target: Target, extra, role: str, language: str):
    """Yield (description, url, response) for every page the role can open."""
    client.cookies.load({"django_language": language})
    # Before signing in: the sign-in page, a wrong password, and the lock after five.
    yield "sign-in", "/accounts/login/", client.get("/accounts/login/")
    who = f"locked-{role}-{language}"
    yield "wrong password", "/accounts/login/", client.post("/accounts/login/", {"username": who, "password": "x"})
    for _ in range(5):
        locked = client.post("/accounts/login/", {"username": who, "password": "x"})
    yield "locked out", "/accounts/login/", locked

    user = User.objects.filter(username=f"{role}-scan").first() \
        or make_user(role, places[PLACE[role]], username=f"{role}-scan")
    client.force_login(user)
    ImportBatch.objects.filter(pk=target.batch).update(uploaded_by=user)
    for endpoint in ENDPOINTS:
        url = endpoint.url(target)
        if endpoint.post is not None or _is_programmers_page(url):
            continue
        yield endpoint.name, url, client.get(url)
    for what, url in extra:
        yield what, url, client.get(url)
    yield "a page that does not exist", "/households/NO-SUCH-HOUSEHOLD/", client.get("/households/NO-SUCH-HOUSEHOLD/")
    yield "an address nobody serves", "/no-such-page/", client.get("/no-such-page/")
    # Forms sent back with Django's own messages (required fields, wrong choices, not a
    # number); an empty POST would be read as no POST at all (`Form(request.POST or None)`).
    wrong = {"year": "x", "amount": "x", "lifted_year": "x", "status": "x", "birth_date": "x", "table": "x"}
    for url in ("/households/new/", f"/households/{target.household}/members/new/",
                f"/households/{target.household}/ledger/new/", "/transfers/upload/"):
        yield f"{url} sent wrong", url, client.post(url, wrong)
    # A full number revealed without script, and uploads: one that changes a household
    # (its preview lists the change), one with more problems than a page shows.
    yield "a revealed ID number", "/reveal/", client.post("/reveal/", {"kind": "id", "key": target.reveal_key})
    household = Household.objects.get(pk=target.household)
    changed = _household_row(household, willingness=household.willingness % 5 + 1)
    wrong = [_household_row(household, status="no-such-status", water="") for _ in range(120)]
    for what, rows in (("an upload that changes a household", [changed]), ("an upload with problems", wrong)):
        sent = client.post("/transfers/upload/", {"file": _csv(rows)})
        if sent.status_code == 302:
            yield what, sent["Location"], client.get(sent["Location"])
            if rows is wrong:
                yield f"{what}, page 2", sent["Location"], client.get(sent["Location"] + "?page=2")
            else:
                applied = client.post(sent["Location"] + "apply/", follow=True)
                yield f"{what}, applied", sent["Location"], applied
        else:
            yield what, "/transfers/upload/", sent
    # Messages after a save and a refusal; the page they come back to.
    ledger = f"/households/{target.household}/ledger/new/"
    saved = client.post(ledger, {"year": 2026, "item": "wage", "amount": "12345.6", "source": "survey"}, follow=True)
    yield "a ledger row saved", ledger, saved
    yield "a monitoring run refused", "/monitoring/run/", client.post("/monitoring/run/", {"year": "x"}, follow=True)
    # Pages that list what the walk did: audit entries in words, uploads with their states.
    for url in ("/accounts/audit/", "/transfers/upload/", "/"):
        yield f"{url} after the walk", url, client.get(url)
    yield "a server error", "(500)", _server_error(client, language)


def _household_row(household, **changes) -> dict:
    row = {column.name: getattr(household, column.name if column.name != "village_code" else "village_id")
           for column in TABLES["households"].columns}
    row.update(changes)
    return {name: ("" if value is None else int(value) if isinstance(value, bool) else value)
            for name, value in row.items()}


def _csv(rows: list[dict]) -> SimpleUploadedFile:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile("households.csv", text.getvalue().encode("utf-8"), content_type="text/csv")


def _server_error(client, language: str):
    """The 500 page, as Django's handler renders it (no page of ours fails on purpose)."""
    request = RequestFactory().get("/")
    request.COOKIES = {"django_language": language}
    with translation.override(language):
        return get_resolver().resolve_error_handler(500)(request)


def _html(response) -> str | None:
    if response.status_code in (301, 302) or not response.get("Content-Type", "").startswith("text/html"):
        return None
    return response.content.decode()


def scan(client, make_user, places, target, extra, role: str, language: str) -> dict[str, list[str]]:
    """Text in the other language -> the pages (url, what, status) showing it."""
    found, walked = {}, 0
    for what, url, response in _walk(client, make_user, places, target, extra, role, language):
        html = _html(response)
        if html is None:
            continue
        walked += 1
        assert f'<html lang="{language}">' in html, f"{url} ({what}) is not in {language}"
        for text in violations(html, language):
            found.setdefault(text, []).append(f"{url} ({what}, {response.status_code})")
    assert walked > len(ENDPOINTS) // 2, "the walk reached too few pages to mean anything"
    return found


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", ROLES)
def test_every_page_is_in_one_language(client, make_user, places, target, pages, role, language):
    found = scan(client, make_user, places, target, pages, role, language)
    lines = []
    for text, where in found.items():
        where = list(dict.fromkeys(where))
        more = f" (+{len(where) - 3} more)" if len(where) > 3 else ""
        lines.append(f"  {text!r} on {', '.join(where[:3])}{more}")
    if found:
        pytest.fail(f"{role} in {language}: {len(found)} texts in the other language:\n" + "\n".join(lines))


def _review_partial(places) -> str:
    """platform/_review.html as a workflow app's page will include it: no app does yet."""
    review = Review.objects.create(
        object_type="test", object_id="1", division_code=places["village"].code, subject="纳入监测 张三户",
        state=Review.State.PUBLICISED, council_decision=Review.Decision.AGREED, council_on="2026-03-01",
        council_note="同意", publicity_days=5, publicity_start="2026-03-02", publicity_end="2026-03-06")
    Objection.objects.create(review=review, raised_by="李四", raised_on="2026-03-03", text="收入有误")
    Transition.objects.create(object_type="review", object_id=str(review.pk), division_code=review.division_code,
                              name="publicise", from_state="decided", to_state="publicised", username="cadre",
                              effective_on="2026-03-02")
    return render_to_string("platform/_review.html", {"review": review, "review_steps": review_history(review)})


# Partial templates no page includes yet, rendered on their own: name -> render(places).
PARTIALS = {"platform/_review.html": _review_partial}


@pytest.mark.parametrize("language", LANGUAGES)
def test_partials_no_page_includes_yet_are_in_one_language(places, language):
    with translation.override(language):
        for name, render in PARTIALS.items():
            html = f'<html lang="{language}"><body>{render(places)}</body></html>'
            assert html.count("<tr") >= 3, name  # the objection and the step are there to scan
            assert violations(html, language) == [], (name, language)


def _templates() -> set[str]:
    """Every template of the project, by the name Django finds it by."""
    names = set()
    for folder in SRC.glob("*/templates"):
        if folder.parent.name == "tests":
            continue
        names |= {str(path.relative_to(folder)) for path in folder.rglob("*.html")}
    return names


def test_every_template_is_walked(client, make_user, places, target, pages):
    rendered = set()

    def seen(sender, template, context, **kwargs):
        rendered.add(template.name)

    template_rendered.connect(seen)
    try:
        # The same templates render in either language: one walk per role is enough.
        for role in ROLES:
            for _ in _walk(client, make_user, places, target, pages, role, "zh-hans"):
                pass
            client.logout()
    finally:
        template_rendered.disconnect(seen)
    missed = sorted(_templates() - rendered - NOT_WALKED - set(PARTIALS))
    assert not missed, f"templates the language scan never renders (walk them, or list them in NOT_WALKED): {missed}"
    assert not NOT_WALKED & rendered, "a template listed as not walked is walked: take it off NOT_WALKED"


def test_the_scan_finds_the_other_language_and_skips_data():
    page = ('<html lang="en"><head><title>张三 · Household</title><style>b{}</style></head><body>'
            '<h1>户编号 Household number</h1><td translate="no"><b>张三</b></td>'
            '<input type="submit" value="保存"><input name="q" value="张"><a title="导出">x</a>'
            '<td data-label="户主">x</td><select><option>请选择</option><option>---------</option></select>'
            '<script>var 中 = 1;</script></body></html>')
    assert sorted(violations(page, "en")) == sorted(["户编号 Household number", "请选择", "---------", "导出", "户主", "保存"])
    assert "李四 · Household" in violations(page.replace("<title>张三", "<title>李四"), "en")
    chinese = ('<html lang="zh-hans"><body><p>导出 Excel 和 API · 共 12,345 户</p><p>ID 号</p>'
               '<p translate="no">Zhang San 5002371012010001</p><p>风险: 绿色 green</p><p>a 级</p>'
               '<p>人均 33,332.50 元,2026 年</p><p>纯收入 54155 元</p></body></html>')
    assert violations(chinese, "zh-hans") == ["风险: 绿色 green", "纯收入 54155 元"]
