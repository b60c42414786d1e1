"""platform.bulk.rows_out: a query's rows as Arrow, the same on SQLite (fetched) and on
PostgreSQL (COPY), with nothing lost between an empty text and a missing one."""

import pyarrow as pa
import pytest

from neisheng.platform.bulk import rows_out
from neisheng.registry.models import Division

pytestmark = pytest.mark.django_db

SCHEMA = pa.schema([("code", pa.string()), ("name", pa.string()), ("parent_id", pa.string()), ("level", pa.int32())])


def test_no_row_gives_an_empty_table_of_the_schema():
    table = rows_out(Division.objects.filter(code="999999999999"), ["code", "name", "parent_id", "level"], SCHEMA)
    assert table.num_rows == 0 and table.schema == SCHEMA


def test_rows_keep_their_values_their_order_and_missing_parents():
    Division.objects.create(code="990000000000", name="甲省", level=1, parent=None)
    Division.objects.create(code="990100000000", name="", level=2, parent_id="990000000000")
    Division.objects.create(code="990101000000", name='有"引号",逗号', level=3, parent_id="990100000000")
    rows = Division.objects.filter(code__startswith="99").order_by("code")
    table = rows_out(rows, ["code", "name", "parent_id", "level"], SCHEMA)
    assert table.to_pylist() == [
        {"code": "990000000000", "name": "甲省", "parent_id": None, "level": 1},
        {"code": "990100000000", "name": "", "parent_id": "990000000000", "level": 2},
        {"code": "990101000000", "name": '有"引号",逗号', "parent_id": "990100000000", "level": 3},
    ]
