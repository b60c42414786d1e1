"""The issues a snapshot check reports and the small helpers both checkers share: the
general path (`engine.validation`) and the fast path over Parquet
(`engine.validation_fast`) build every issue here, so the two give the same messages and
row numbers. Its own module so that neither checker imports the other's module back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from neisheng.engine.schema import Column

FIRST_DATA_ROW = 2

REASONS: dict[str, tuple[str, str]] = {
    "missing_file": ("缺少该表的文件", "the file of this table is missing"),
    "unreadable_file": ("文件无法读取", "the file cannot be read"),
    "missing_column": ("缺少必需的列", "a required column is missing"),
    "required": ("必填项为空", "a required value is empty"),
    "unknown_code": ("不是允许的取值", "not one of the allowed values"),
    "not_an_integer": ("不是整数", "not a whole number"),
    "out_of_range": ("超出允许范围", "outside the allowed range"),
    "not_a_boolean": ("不是“是/否”", "not a yes/no value"),
    "not_a_date": ("不是有效日期(应为 年-月-日,如 2026-03-01)", "not a valid date (use YYYY-MM-DD, e.g. 2026-03-01)"),
    "not_a_number": ("不是数字", "not a number"),
    "negative_amount": ("金额不能为负数", "the amount is negative"),
    "too_many_decimals": ("金额最多两位小数", "the amount has more than two decimal places"),
    "bad_division_code": (
        "区划代码应为12位数字,且有省级部分、村级代码须有乡镇部分",
        "a division code must be 12 digits, with a province part, and a town part under a village",
    ),
    "id_format": (
        "证件号码格式错误(应为18位,末位可为X)",
        "the ID number is not 17 digits followed by a digit or X",
    ),
    "id_checksum": ("证件号码校验码错误", "the ID number's check digit is wrong"),
    "id_birth_date": ("证件号码中的出生日期无效", "the birth date inside the ID number is not a real date"),
    "birth_date_mismatch": ("出生日期与证件号码不符", "the birth date does not agree with the ID number"),
    "sex_mismatch": ("性别与证件号码不符", "the sex does not agree with the ID number"),
    "duplicate_person": (
        "同一人出现在多条记录中(一人只能属于一户)",
        "the same person appears more than once (a person belongs to one household only)",
    ),
    "duplicate_household": ("户编号重复", "the household number is not unique"),
    "bad_household_id": (
        "户编号只能由字母、数字、“-”和“_”组成,最长32位",
        "a household number is up to 32 letters, digits, '-' or '_'",
    ),
    "duplicate_division": ("区划代码重复", "the division code is not unique"),
    "orphan_row": ("户编号在农户表中不存在", "no household with this number in the households table"),
    "unknown_village": ("村代码不是已知的村级区划", "the village code is not a known village (level 5)"),
    "unknown_parent": ("上级区划不存在", "the parent division does not exist"),
    "level_mismatch": ("级别与区划代码不符", "the level does not agree with the division code"),
    "unknown_item": ("不是收支台账目录中的项目", "not an item of the ledger catalogue"),
}


def allowed_values_message(column: Column, value) -> tuple[str, str]:
    """A value outside a column's allowed set, with the allowed codes and labels, so the
    one fixing the file need not look them up: 户类型“x”不是允许的取值(允许:lifted 脱贫户、…).
    Pages in English name the labels in English themselves (transfers.checks)."""
    codes = column.choices or {}
    shown = "" if value is None else str(value)
    zh_reason, en_reason = REASONS["unknown_item" if column.name == "item" else "unknown_code"]
    zh = f"{column.zh}“{shown}”{zh_reason}(允许:{'、'.join(f'{c} {label}' for c, label in codes.items())})"
    en = f"{column.name} '{shown}' is {en_reason} (allowed: {', '.join(codes)})"
    return zh, en


@dataclass(frozen=True)
class Issue:
    file: str
    row: int | None
    column: str | None
    value: str | None
    reason: str
    # A sentence of its own where the reason alone says too little (the allowed values).
    message: tuple[str, str] | None = None

    @property
    def message_zh(self) -> str:
        return (self.message or REASONS[self.reason])[0]

    @property
    def message_en(self) -> str:
        return (self.message or REASONS[self.reason])[1]

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" 第{self.row}行 row {self.row}"
        if self.column is not None:
            where += f" {self.column}"
        if self.value is not None:
            where += f" = 「{self.value}」"
        return f"{where}: {self.message_zh} / {self.message_en}"


class _Collector:
    def __init__(self, issues: list[Issue], file: str, data: pa.Table | None, offset: int = 0):
        self.issues = issues
        self.file = file
        self.data = data
        # Rows of `data` before it in its file (a part of a file checked on its own).
        self.offset = offset

    def add_rows(self, mask, column: str, reason: str, shown: pa.ChunkedArray | None = None,
                 allowed: Column | None = None):
        """Report every row where `mask` is true, showing the row's value of `shown`;
        with `allowed`, the message lists that column's allowed values."""
        if isinstance(mask, (pa.Array, pa.ChunkedArray)) and not pc.any(mask).as_py():
            return  # nothing to report: no pass over millions of rows to find that out
        mask = np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)
        rows = np.flatnonzero(mask)
        if rows.size == 0:
            return
        if shown is None:
            shown = self.data.column(column)
        values = pc.take(shown, pa.array(rows)).to_pylist()
        for row, value in zip(rows.tolist(), values):
            message = allowed_values_message(allowed, _show(value)) if allowed is not None else None
            self.issues.append(
                Issue(self.file, row + self.offset + FIRST_DATA_ROW, column, _show(value), reason, message)
            )


def _show(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _lookup(text: pa.ChunkedArray, mapping: dict[str, object], out_type: pa.DataType):
    keys = pa.array(list(mapping), pa.string())
    targets = pa.array(list(mapping.values()), out_type)
    return pc.take(targets, pc.index_in(text, value_set=keys))


def _choice_mapping(column: Column) -> dict[str, str]:
    mapping = {}
    for code, label in column.choices.items():
        mapping[code] = code
        mapping[code.upper()] = code
        mapping[label] = code
    return mapping


def _duplicates(values: pa.ChunkedArray) -> pa.Array:
    """Rows whose non-null value occurs more than once."""
    counts = pa.table({"value": values}).group_by("value").aggregate([("value", "count")])
    repeated = pc.filter(counts["value"], pc.greater(counts["value_count"], 1))
    return pc.fill_null(pc.is_in(values, value_set=repeated.combine_chunks()), False)
