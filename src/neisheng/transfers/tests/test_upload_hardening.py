"""Issue 7, rows 2, 6, 10 and 13: what an upload may cost the server, tell the uploader,
reach beyond the administrator's division, and keep on disk."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from neisheng.accounts.masking import mask_phone
from neisheng.accounts.models import AuditEvent
from neisheng.engine.schema import TABLES
from neisheng.policy import PolicyError, load_policy
from neisheng.registry.models import Household, IncomeItem
from neisheng.transfers.models import ISSUES_KEPT, ImportBatch
from neisheng.transfers.services import import_batch_create, import_batch_files_purge
from neisheng.transfers.tests.test_upload import english_workbook, household_row, xlsx
from neisheng.transfers.uploads import too_large_message
from neisheng.transfers.views import ISSUES_PER_PAGE

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root: Path) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()] if Path(root).exists() else []


def csv_upload(name: str, lines: list[str]) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join(lines) + "\n").encode("utf-8"), content_type="text/csv")


# ---- Row 2: a file with very many problems ---------------------------------------------

BAD_ROWS = 2_500
BAD_VALUES_PER_ROW = 4  # status, category, housing and water all outside the contract


def test_a_file_full_of_problems_stores_a_capped_list_counts_the_rest_and_pages_it(client, places, make_user):
    """Before, every problem was stored (499,989 of them, 100 MB of JSON, a 156 MB page)."""
    cadre = make_user("village", places["village"])
    village = places["village"].code
    names = TABLES["households"].column_names
    lines = [",".join(names)]
    for i in range(BAD_ROWS):
        row = household_row(f"BAD{i:05d}", village, status="x", category="x", housing="x", water="x")
        lines.append(",".join(str(row[n]) for n in names))
    client.force_login(cadre)

    response = client.post(reverse("transfers:upload"), {"file": csv_upload("bad.csv", lines), "table": ""})

    batch = ImportBatch.objects.get()
    total = BAD_ROWS * BAD_VALUES_PER_ROW
    assert batch.status == "rejected"
    assert batch.issues_total == total
    assert len(batch.issues) == ISSUES_KEPT
    assert batch.issues_not_kept == total - ISSUES_KEPT
    assert batch.issues[0]["row"] == 2  # the first problems of the file are the ones kept

    page = client.get(response["Location"])
    html = page.content.decode()
    assert f"另有 {total - ISSUES_KEPT} 个问题未显示" in html
    assert f">{total:,}</div>" in html  # the figure counts every problem found (with separators)
    assert html.count('data-label="行"') == ISSUES_PER_PAGE
    assert len(page.content) < 200_000
    assert '?page=2"' in html and f'?page={ISSUES_KEPT // ISSUES_PER_PAGE}"' in html

    last = client.get(response["Location"] + f"?page={ISSUES_KEPT // ISSUES_PER_PAGE}")
    assert last.status_code == 200 and "第 901–1000 个" in last.content.decode()
    for wrong in (ISSUES_KEPT // ISSUES_PER_PAGE + 1, 0, "abc"):
        assert client.get(response["Location"] + f"?page={wrong}").status_code == 404


def test_the_upload_page_never_loads_the_problems_of_the_batches_it_lists(client, places, make_user):
    cadre = make_user("village", places["village"])
    rows = [household_row("NEW0001", places["village"].code, status="rich")]
    batch = import_batch_create(uploaded_file=xlsx("h.xlsx", english_workbook("households", rows)), user=cadre)
    client.force_login(cadre)

    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("transfers:upload"))

    batch_queries = [q["sql"] for q in queries if "transfers_importbatch" in q["sql"]]
    assert batch_queries and not any('"issues"' in sql.split(" FROM ")[0] for sql in batch_queries)
    assert batch.original_name in page.content.decode()


# ---- Row 6: rows of another village's households ---------------------------------------

def _preview(client, html: str, household_id: str) -> str:
    """The counts and problems of a preview page, the guessed number replaced."""
    start = html.index('<div class="figures')
    end = html.index(reverse("transfers:upload"), html.index("问题清单"))
    return html[start:end].replace(household_id, "HID")


def test_ledger_rows_for_another_village_tell_nothing_of_its_households(client, places, make_user):
    """Four guesses at another village's ledger: same item and amount, same item with another
    amount, an item the household does not have, a household that does not exist. Before,
    the preview said unchanged / to update / to create / not found: 4 of 4 guessed right."""
    cadre = make_user("village", places["village"])
    item = IncomeItem.objects.filter(household__village_id=places["other_village"].code).order_by("id").first()
    hid = item.household_id
    missing = hid[:-3] + "999"
    assert not Household.objects.filter(household_id=missing).exists()
    headers = ",".join(TABLES["income_items"].column_names)
    guesses = {
        "unchanged": (hid, f"{hid},{item.year},{item.item},{item.amount},{item.source}"),
        "changed": (hid, f"{hid},{item.year},{item.item},{item.amount + 1},{item.source}"),
        "new item": (hid, f"{hid},2031,{item.item},{item.amount},{item.source}"),
        "no household": (missing, f"{missing},{item.year},{item.item},{item.amount},{item.source}"),
    }
    client.force_login(cadre)
    answers = {}
    for name, (guessed, line) in guesses.items():
        response = client.post(reverse("transfers:upload"),
                               {"file": csv_upload("ledger.csv", [headers, line]), "table": ""})
        batch = ImportBatch.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))
        assert (batch.to_create, batch.to_update, batch.unchanged) == (0, 0, 0)
        assert [i["reason"] for i in batch.issues] == ["household_out_of_scope"]
        answers[name] = _preview(client, client.get(response["Location"]).content.decode(), guessed)

    assert len(set(answers.values())) == 1, answers
    assert "您的管辖范围内没有这个户编号" in answers["no household"]


def test_household_rows_for_another_village_tell_nothing_of_its_households(places, make_user):
    """A row naming another village is answered "not your village", whether or not the
    household number exists there, and counts as nothing."""
    cadre = make_user("village", places["village"])
    other = places["other_village"].code
    existing = Household.objects.filter(village_id=other).order_by("household_id").first()
    answers = []
    for hid in (existing.household_id, existing.household_id[:-3] + "999"):
        batch = import_batch_create(
            uploaded_file=xlsx("h.xlsx", english_workbook("households", [household_row(hid, other)])), user=cadre)
        answers.append(([(i["row"], i["column"], i["reason"]) for i in batch.issues],
                        batch.to_create, batch.to_update, batch.unchanged))
    assert answers[0] == answers[1] == ([(2, "village_code", "village_out_of_scope")], 0, 0, 0)


# ---- Row 10: administrators tied to a division -----------------------------------------

def _village_outside(town) -> str:
    """A village of the same county outside `town` (the synthetic county has one town)."""
    from neisheng.registry.models import Division

    other_town = Division.objects.create(code=town.code[:6] + "199000", name="外镇", level=4, parent=town.parent)
    return Division.objects.create(code=town.code[:6] + "199201", name="外村", level=5, parent=other_town).code


def test_an_administrator_of_a_town_cannot_open_apply_or_discard_a_county_upload(client, places, make_user):
    """Before, the town's administrator could apply it; checked against the town, the
    county officer's batch was then permanently rejected."""
    county_officer = make_user("county", places["county"])
    village = _village_outside(places["town"])
    batch = import_batch_create(
        uploaded_file=xlsx("h.xlsx", english_workbook("households", [household_row("NEW0001", village)])),
        user=county_officer)
    assert batch.can_apply
    town_admin = make_user("admin", places["town"], username="town-admin")
    client.force_login(town_admin)

    assert client.get(reverse("transfers:batch", args=[batch.pk])).status_code == 404
    assert client.post(reverse("transfers:apply", args=[batch.pk])).status_code == 404
    assert client.post(reverse("transfers:discard", args=[batch.pk])).status_code == 404
    assert batch.original_name not in client.get(reverse("transfers:upload")).content.decode()
    batch.refresh_from_db()
    assert batch.status == "pending" and batch.can_apply
    assert not Household.objects.filter(household_id="NEW0001").exists()

    # The county's administrator, and one without a division, may open and apply it.
    client.force_login(make_user("admin", places["county"], username="county-admin"))
    assert client.get(reverse("transfers:batch", args=[batch.pk])).status_code == 200
    client.force_login(make_user("admin", None))
    client.post(reverse("transfers:apply", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == "applied" and Household.objects.filter(household_id="NEW0001").exists()


def test_an_administrator_applies_a_batch_against_its_uploaders_scope(client, places, make_user):
    """An administrator over the county applying a village cadre's batch writes only what
    the cadre may: the cadre moved to another village since the preview, so the row is
    out of the uploader's scope now, though well within the administrator's."""
    from neisheng.registry.models import Division

    cadre = make_user("village", places["village"])
    batch = import_batch_create(
        uploaded_file=xlsx("h.xlsx", english_workbook(
            "households", [household_row("NEW0002", places["village"].code)])),
        user=cadre)
    assert batch.can_apply
    cadre.division = Division.objects.create(code=places["village"].code[:9] + "299", name="新村", level=5,
                                             parent=places["town"])
    cadre.save()
    client.force_login(make_user("admin", places["county"], username="county-admin"))

    client.post(reverse("transfers:apply", args=[batch.pk]))

    batch.refresh_from_db()
    assert batch.status == "rejected"
    assert [i["reason"] for i in batch.issues] == ["village_out_of_scope"]
    assert not Household.objects.filter(household_id="NEW0002").exists()


def test_persons_rows_for_another_village_tell_nothing_of_its_members(places, make_user):
    """A registered member of another village's household, a new ID number for it, and a
    household that does not exist: one answer, nothing counted."""
    from neisheng.transfers.tests.test_upload import person_row

    cadre = make_user("village", places["village"])
    household = Household.objects.filter(village_id=places["other_village"].code).order_by("household_id").first()
    member = household.members.order_by("person_id").first()
    registered = {name: getattr(member, name) for name in TABLES["persons"].column_names}
    registered["birth_date"] = registered["birth_date"].isoformat()
    guesses = [
        (household.household_id, registered),
        (household.household_id, person_row(member.person_id[:-4] + "0000", household.household_id)),
        (household.household_id[:-3] + "999", {**registered, "household_id": household.household_id[:-3] + "999"}),
    ]
    answers = []
    for hid, row in guesses:
        batch = import_batch_create(uploaded_file=xlsx("p.xlsx", english_workbook("persons", [row])), user=cadre)
        answers.append(([(i["row"], i["column"], i["reason"], i["value"] == hid) for i in batch.issues
                         if i["column"] == "household_id"],
                        [i["reason"] for i in batch.issues if i["column"] == "person_id"],
                        batch.to_create, batch.to_update, batch.unchanged))
    assert answers[0] == answers[2] == ([(2, "household_id", "household_out_of_scope", True)], [], 0, 0, 0)
    assert answers[1][0] == answers[0][0] and answers[1][2:] == (0, 0, 0)


def test_an_administrator_of_a_town_cannot_reveal_the_phone_of_a_county_officer(client, places, make_user):
    from neisheng.registry.tests.test_reveal import REVEAL, render

    county_officer = make_user("county", places["county"])
    county_officer.phone = "13900002222"
    county_officer.save()
    cadre = make_user("village", places["village"])
    cadre.phone = "13900003333"
    cadre.save()
    town_admin = make_user("admin", places["town"], username="town-admin")

    html = render("{% masked_phone person %}", town_admin, person=county_officer)
    assert mask_phone(county_officer.phone) in html and "<form" not in html
    client.force_login(town_admin)
    refused = client.post(REVEAL, {"kind": "phone", "key": str(county_officer.pk), "next": "/"})
    assert refused.status_code == 404 and county_officer.phone not in refused.content.decode()
    assert not AuditEvent.objects.filter(action="view_unmasked").exists()

    # Within the town: the village cadre's number is revealed as before.
    assert "<form" in render("{% masked_phone person %}", town_admin, person=cadre)
    shown = client.post(REVEAL, {"kind": "phone", "key": str(cadre.pk), "next": "/"})
    assert shown.status_code == 200 and cadre.phone in shown.content.decode()


# ---- Row 13: size limit and retention --------------------------------------------------

@pytest.mark.parametrize("lines", [1_000, 5_000])
def test_an_upload_over_the_limit_is_refused_before_it_is_stored_or_read(client, places, make_user, settings,
                                                                        media, monkeypatch, lines):
    """The 63 MB CSV, at a scale of KB: a 20 KB limit and a 63 KB file (refused at its
    first chunk), or a 315 KB one (refused by the request's announced length). Before, it
    was stored, read and then rejected, and the file kept."""
    settings.UPLOAD_MAX_BYTES = 20 * 1024
    received = []
    original = MemoryFileUploadHandler.receive_data_chunk

    def spy(self, raw_data, start):
        received.append(len(raw_data))
        return original(self, raw_data, start)

    monkeypatch.setattr(MemoryFileUploadHandler, "receive_data_chunk", spy)

    def never(**kwargs):
        raise AssertionError("an oversized upload was read")

    monkeypatch.setattr("neisheng.transfers.services.check_upload", never)
    headers = ",".join(TABLES["income_items"].column_names)
    big = csv_upload("big.csv", [headers] + ["H1,2026,wage,100,survey" + " " * 40] * lines)
    assert big.size > 62 * 1024
    client.force_login(make_user("village", places["village"]))

    response = client.post(reverse("transfers:upload"), {"file": big, "table": ""})

    html = response.content.decode()
    assert response.status_code == 200
    assert too_large_message() in html and "请拆分后分别上传" in html
    assert "这个字段是必填项" not in html and "This field is required" not in html
    assert not ImportBatch.objects.exists()
    assert stored_files(media) == []
    assert sum(received) == 0  # not one byte of it was kept, even in memory


def test_an_upload_within_the_limit_is_accepted(client, places, make_user, settings):
    settings.UPLOAD_MAX_BYTES = 20 * 1024
    client.force_login(make_user("village", places["village"]))
    content = english_workbook("households", [household_row("NEW0001", places["village"].code)])
    assert len(content) < 20 * 1024
    response = client.post(reverse("transfers:upload"), {"file": xlsx("h.xlsx", content), "table": ""})
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.can_apply and len(batch.checksum) == 64


def test_the_upload_limit_message_is_one_sentence_with_the_default_limit(settings):
    settings.UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    assert too_large_message().startswith("文件超过 20 MB 的上传上限")


def _batch(user, name: str):
    return import_batch_create(
        uploaded_file=xlsx(name, english_workbook("households", [household_row("NEW0001", user.division.code)])),
        user=user)


def _aged(batch, status: str, age_days: int, now):
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=status, created_at=now - dt.timedelta(days=age_days),
        applied_at=now - dt.timedelta(days=age_days) if status == "applied" else None)
    batch.refresh_from_db()
    return batch


def test_old_upload_files_are_deleted_and_their_record_kept(places, make_user, client):
    cadre = make_user("village", places["village"])
    now = timezone.now()
    retention = load_policy().upload_retention_days
    assert retention == 30
    ages = {  # name: (status, days since applied or uploaded)
        "old-applied": ("applied", retention + 1), "old-rejected": ("rejected", retention + 5),
        "abandoned": ("pending", retention + 1), "fresh-applied": ("applied", retention - 1),
        "fresh-rejected": ("rejected", 2), "pending": ("pending", retention - 1),
    }
    batches = {name: _batch(cadre, f"{name}.xlsx") for name in ages}
    batches = {name: _aged(b, *ages[name], now) for name, b in batches.items()}
    paths = {name: Path(b.file.path) for name, b in batches.items()}
    assert all(path.exists() for path in paths.values())

    assert import_batch_files_purge(now=now) == 3

    for name in ("old-applied", "old-rejected", "abandoned"):
        gone = ImportBatch.objects.get(pk=batches[name].pk)
        assert not paths[name].exists()
        assert gone.file.name == "" and gone.file_purged_at == now
        assert gone.checksum == batches[name].checksum and len(gone.checksum) == 64
        assert gone.uploaded_by == cadre and gone.rows == 1 and gone.created_at == batches[name].created_at
    assert ImportBatch.objects.get(pk=batches["old-applied"].pk).status == "applied"
    abandoned = ImportBatch.objects.get(pk=batches["abandoned"].pk)
    assert abandoned.status == "rejected" and not abandoned.can_apply
    for name in ("fresh-applied", "fresh-rejected", "pending"):
        kept = ImportBatch.objects.get(pk=batches[name].pk)
        assert paths[name].exists() and kept.file_purged_at is None
    assert ImportBatch.objects.get(pk=batches["pending"].pk).can_apply
    assert import_batch_files_purge(now=now) == 0

    client.force_login(cadre)
    page = client.get(reverse("transfers:batch", args=[batches["old-rejected"].pk])).content.decode()
    assert "按保留期限删除" in page


def test_a_new_upload_purges_old_files_in_passing(places, make_user):
    cadre = make_user("village", places["village"])
    old = _aged(_batch(cadre, "old.xlsx"), "rejected", 400, timezone.now())
    path = Path(old.file.path)
    import_batch_create(
        uploaded_file=xlsx("new.xlsx", english_workbook("households", [household_row("NEW0002", places["village"].code)])),
        user=cadre)
    old.refresh_from_db()
    assert not path.exists() and old.file_purged_at is not None


def test_the_purge_command_uses_the_policy_retention(places, make_user, tmp_path):
    from neisheng.cli import main

    cadre = make_user("village", places["village"])
    batch = _aged(_batch(cadre, "ten-days.xlsx"), "rejected", 10, timezone.now())
    policy = tmp_path / "county.yaml"
    policy.write_text("uploads:\n  retention_days: 7\n", encoding="utf-8")

    result = CliRunner().invoke(main, ["purge-uploads", "--policy", str(policy)])

    assert result.exit_code == 0, result.output
    assert "已删除 1 个超过 7 天的上传文件" in result.output
    batch.refresh_from_db()
    assert batch.file_purged_at is not None


@pytest.mark.parametrize("value", [0, -3, "thirty", True, 100_000])
def test_a_nonsense_retention_is_refused_naming_the_key(tmp_path, value):
    policy = tmp_path / "county.yaml"
    policy.write_text(f"uploads:\n  retention_days: {value!r}\n".replace("'", '"'), encoding="utf-8")
    with pytest.raises(PolicyError) as refused:
        load_policy(policy)
    assert refused.value.key == "uploads.retention_days"
    assert re.search(r"uploads\.retention_days: .+ / must be a whole number of days", str(refused.value))


def test_the_purge_command_refuses_a_bad_policy_in_one_sentence(tmp_path):
    from neisheng.cli import main

    policy = tmp_path / "county.yaml"
    policy.write_text("uploads:\n  retention_days: 0\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["purge-uploads", "--policy", str(policy)])
    assert result.exit_code == 1
    assert "uploads.retention_days" in result.output and "Traceback" not in result.output
