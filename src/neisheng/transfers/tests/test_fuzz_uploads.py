"""The importer fuzzing of tests/test_fuzz_importers.py through the web upload (issue 7): a
village cadre uploads malformed and hostile workbooks and CSV files. No server error, every
problem shown as a sentence, and nothing written to the registry."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.adversarial_files import far_cell_xlsx
from tests.test_fuzz_importers import FIXED_HOSTILE, csv_files, damaged_files, hostile_workbooks

from neisheng.registry.models import Household, IncomeItem, Person
from neisheng.transfers.models import ImportBatch

pytestmark = pytest.mark.django_db

UPLOADS = settings(max_examples=15, deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                          HealthCheck.data_too_large])


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def registry_counts() -> tuple[int, int, int]:
    return Household.objects.count(), Person.objects.count(), IncomeItem.objects.count()


def upload_and_check(client, suffix: str, data: bytes) -> None:
    before = registry_counts()
    batches = ImportBatch.objects.count()
    upload = SimpleUploadedFile(f"upload{suffix}", data, content_type="application/octet-stream")

    response = client.post(reverse("transfers:upload"), {"file": upload, "table": ""})

    assert response.status_code in (200, 302)
    if response.status_code == 200:
        # Refused by the form (empty file, wrong suffix): the page says why, no batch.
        assert ImportBatch.objects.count() == batches
        assert "errorlist" in response.content.decode() or "错误" in response.content.decode()
    else:
        batch = ImportBatch.objects.latest("pk")
        page = client.get(response["Location"])
        assert page.status_code == 200
        if batch.status == ImportBatch.Status.REJECTED:
            assert batch.issues
        for issue in batch.issues:
            for text in (issue["message_zh"], issue["message_en"]):
                assert text and "\n" not in text and "Traceback" not in text
            assert issue["row"] is None or issue["row"] >= 2
    assert registry_counts() == before


@pytest.fixture
def cadre_client(client, places, make_user):
    client.force_login(make_user("village", places["village"]))
    return client


@pytest.mark.parametrize("suffix, data", [f for f in FIXED_HOSTILE if f[0] != ".parquet"],
                         ids=lambda v: v if isinstance(v, str) else f"{len(v)}B")
def test_known_hostile_uploads(cadre_client, suffix, data):
    upload_and_check(cadre_client, suffix, data)


def test_the_far_cell_workbook_is_rejected_with_a_sentence_and_the_server_keeps_serving(cadre_client):
    upload_and_check(cadre_client, ".xlsx", far_cell_xlsx("XFD1048576"))
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.REJECTED and batch.rows == 0
    # The cadre reads the reader's own sentence naming the far cell, not "cannot read".
    assert "XFD1048576" in batch.issues[0]["message_zh"]
    assert "XFD1048576" in cadre_client.get(reverse("transfers:batch", args=[batch.pk])).content.decode()
    assert cadre_client.get(reverse("transfers:upload")).status_code == 200


def test_a_legacy_xls_is_refused_by_the_form_and_by_the_reader(cadre_client, tmp_path):
    from neisheng.engine.catalog import SnapshotFileError, read_raw_table
    from neisheng.engine.schema import TABLES

    legacy = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    response = cadre_client.post(reverse("transfers:upload"), {
        "file": SimpleUploadedFile("old.xls", legacy), "table": ""})
    assert response.status_code == 200 and ImportBatch.objects.count() == 0
    assert ".xlsx" in response.content.decode()
    disguised = tmp_path / "persons.xlsx"
    disguised.write_bytes(legacy)
    with pytest.raises(SnapshotFileError, match="xls"):
        read_raw_table(disguised, TABLES["persons"])


@UPLOADS
@given(file=st.one_of(
    damaged_files().filter(lambda f: f[0] != ".parquet"),
    hostile_workbooks().map(lambda d: (".xlsx", d)),
    csv_files().map(lambda d: (".csv", d)),
    st.tuples(st.sampled_from([".xlsx", ".xls", ".csv"]), st.binary(min_size=1, max_size=2_000)),
))
def test_fuzzed_uploads(cadre_client, file):
    upload_and_check(cadre_client, *file)


def test_a_nul_byte_quoted_in_a_problem_is_kept_on_every_database(client, make_user, places):
    """Found by the fuzzer on PostgreSQL: a CSV row holding a NUL byte made the problem's
    quotation unstorable in jsonb, and the upload a server error."""
    from neisheng.engine.schema import TABLES

    client.force_login(make_user("county", places["county"]))
    header = ",".join(column.name for column in TABLES["households"].columns)
    upload_and_check(client, ".csv", (header + "\n\x00\n").encode())
    batch = ImportBatch.objects.latest("pk")
    assert batch.status == ImportBatch.Status.REJECTED
    assert "\x00" not in str(batch.issues)
