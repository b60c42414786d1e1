"""Issue 9: an upload error names the allowed values, the preview shows every field
change (old → new) per record before applying, a page at a time, and after applying the
household's history shows those changes, as 导入 with its batch."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from neisheng.engine.schema import TABLES
from neisheng.registry.models import Household
from neisheng.transfers.changes import changes_page, changes_path
from neisheng.transfers.models import ImportBatch
from neisheng.transfers.services import (
    import_batch_apply,
    import_batch_create,
    import_batch_files_purge,
)
from neisheng.transfers.tests.test_upload import (
    english_workbook,
    household_row,
    logged_in,
    post_upload,
)
from neisheng.transfers.tests.test_upload_write_path import as_row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_value_outside_the_allowed_set_lists_the_allowed_values(client, places, make_user):
    cadre = make_user("village", places["village"])
    rows = [household_row("NEW0001", places["village"].code, status="x")]
    response = post_upload(logged_in(client, cadre), english_workbook("households", rows))
    chinese = client.get(response["Location"]).content.decode()
    message = re.search(r'class="issue-message">(.*?)</td>', chinese, re.DOTALL).group(1)
    assert re.sub(r"<[^>]+>", "", message) == ("户类型“x”不是允许的取值(允许:lifted 脱贫户、monitored 监测户(已识别)、"
                                               "general 一般农户)")
    # The value and the codes are data: the language scan skips them, not the words.
    assert '“<span translate="no">x</span>”' in message and '<span translate="no">lifted</span> 脱贫户' in message

    english = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    message = re.sub(r"<[^>]+>", "", re.search(r'class="issue-message">(.*?)</td>', english, re.DOTALL).group(1))
    assert message.startswith("Household type 'x' is not one of the allowed values (allowed: lifted (lifted household), ")
    assert "monitored (" in message and "general (general household)" in message
    assert not re.search(r"[\u4e00-\u9fff]", message)


def test_the_command_line_check_lists_the_allowed_ledger_items_too(places, make_user):
    cadre = make_user("village", places["village"])
    household = Household.objects.filter(village=places["village"]).first()
    headers = ",".join(TABLES["income_items"].column_names)
    csv = f"{headers}\n{household.pk},2026,salary,100,survey\n".encode()
    batch = import_batch_create(uploaded_file=SimpleUploadedFile("ledger.csv", csv), user=cadre)
    [issue] = batch.issues
    assert issue["message_zh"].startswith("项目“salary”不是收支台账目录中的项目(允许:wage 工资性收入、")
    assert issue["message_en"].startswith("item 'salary' is not an item of the ledger catalogue (allowed: wage, ")


def _changes_section(html: str) -> str:
    start = html.index('id="changes"')
    return html[start:html.index("</table>", start)]


def test_the_preview_shows_each_record_and_its_field_changes_old_to_new(client, places, make_user):
    cadre = make_user("village", places["village"])
    existing = Household.objects.filter(village=places["village"], housing="safe", willingness__gt=1).first()
    rows = [as_row(existing, housing="d_class", willingness=1), household_row("NEW0001", places["village"].code)]
    response = post_upload(logged_in(client, cadre), english_workbook("households", rows))
    batch = ImportBatch.objects.get()
    assert batch.can_apply

    section = _changes_section(client.get(response["Location"]).content.decode())
    changed = re.search(rf'<tr class="change-update">(?:(?!</tr>).)*{existing.pk}(?:(?!</tr>).)*</tr>', section,
                        re.DOTALL).group(0)
    assert re.search(r'住房安全: <span translate="no">安全</span> → <span translate="no">D级危房</span>', changed)
    assert re.search(rf'脱贫意愿: <span translate="no">{existing.willingness}</span> → <span translate="no">1</span>',
                     changed)
    assert "户类型" not in changed, "a field that does not change is not listed"
    created = re.search(r'<tr class="change-create">(?:(?!</tr>).)*NEW0001(?:(?!</tr>).)*</tr>', section,
                        re.DOTALL).group(0)
    assert re.search(r'户类型: <span translate="no">—</span> → <span translate="no">脱贫户</span>', created)

    english = _changes_section(client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert not re.search(r"[\u4e00-\u9fff]", text_of(re.sub(r'<(td|span) [^>]*translate="no".*?</\1>', "",
                                                            english, flags=re.DOTALL)))


def test_a_long_preview_is_paged_and_reads_one_page(client, places, make_user):
    cadre = make_user("village", places["village"])
    village = places["village"].code
    rows = [household_row(f"NEW{i:04d}", village) for i in range(120)]
    response = post_upload(logged_in(client, cadre), english_workbook("households", rows))
    batch = ImportBatch.objects.get()
    first = client.get(response["Location"]).content.decode()
    third = client.get(response["Location"] + "?page=3").content.decode()
    assert first.count('<tr class="change-create">') == 50 and "NEW0000" in first and "NEW0050" not in first
    assert third.count('<tr class="change-create">') == 20 and "NEW0119" in third
    assert client.get(response["Location"] + "?page=4").status_code == 404
    assert [c.record for c in changes_page(batch, start=118, count=50)] == ["NEW0118", "NEW0119"]


def test_after_applying_the_history_shows_the_uploaded_changes(client, places, make_user):
    cadre = make_user("village", places["village"])
    existing = Household.objects.filter(village=places["village"], housing="safe").first()
    post_upload(logged_in(client, cadre), english_workbook("households", [as_row(existing, housing="c_class")]))
    batch = ImportBatch.objects.get()
    client.post(reverse("transfers:apply", args=[batch.pk]))
    headers = ",".join(TABLES["income_items"].column_names)
    csv = f"{headers}\n{existing.pk},2031,wage,1234.50,survey\n".encode()
    ledger = import_batch_create(uploaded_file=SimpleUploadedFile("ledger.csv", csv), user=cadre)
    import_batch_apply(batch=ledger, user=cadre)

    page = client.get(reverse("registry:household_detail", args=[existing.pk])).content.decode()
    history = page[page.index('<section id="history">'):page.index("</section>", page.index('<section id="history">'))]
    rows = re.findall(r"<tr>.*?</tr>", history, re.DOTALL)
    household_row_ = next(r for r in rows if f"批次 {batch.pk}" in r)
    assert "导入" in household_row_
    assert re.search(r'住房安全: <span translate="no">安全</span> → <span translate="no">C级危房</span>', household_row_)
    ledger_row = next(r for r in rows if f"批次 {ledger.pk}" in r)
    assert re.search(r'金额[^:]*: <span translate="no">—</span> → <span translate="no">1234.50</span>', ledger_row)
    assert "import " not in history
    # The applied batch shows what it wrote.
    applied = client.get(reverse("transfers:batch", args=[batch.pk])).content.decode()
    assert "已导入的修改" in applied and "C级危房" in applied


def test_the_kept_changes_go_with_the_file(places, make_user):
    import datetime as dt

    from django.utils import timezone

    cadre = make_user("village", places["village"])
    existing = Household.objects.filter(village=places["village"]).first()
    upload = SimpleUploadedFile("h.xlsx", english_workbook("households", [as_row(existing, willingness=5)]))
    batch = import_batch_create(uploaded_file=upload, user=cadre)
    kept = changes_path(batch)
    assert kept.exists()
    purged = import_batch_files_purge(now=timezone.now() + dt.timedelta(days=400), retention_days=30)
    assert purged == 1 and not kept.exists()


def test_a_discarded_batch_lists_no_changes(client, places, make_user):
    cadre = make_user("village", places["village"])
    response = post_upload(logged_in(client, cadre),
                           english_workbook("households", [household_row("NEW0001", places["village"].code)]))
    batch = ImportBatch.objects.get()
    assert 'id="changes"' in client.get(response["Location"]).content.decode()
    client.post(reverse("transfers:discard", args=[batch.pk]))
    assert 'id="changes"' not in client.get(response["Location"]).content.decode()
