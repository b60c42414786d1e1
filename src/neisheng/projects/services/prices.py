"""Reference price lists of renovations (改造参考价格表, projects.md): a county's Excel file
of item code, name, unit, reference price and the most one household's renovation may use,
imported all or nothing; the default list shipped with the platform for a county that
has none yet; and the list in force for a division on a day.

A list belongs to the county (`<first 6 digits>000000`) and is in force from its
`effective_on` until a later list of the same county; a renovation keeps the list it was
priced against, so a new list never reprices work already recorded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from neisheng.accounts.access import PRICES_EDIT
from neisheng.accounts.services import audit_record
from neisheng.platform import scope
from neisheng.platform.access import require
from neisheng.projects.models import PriceList, ProjectsImport, ReferencePrice
from neisheng.projects.services.audit import audit_after_change
from neisheng.projects.services.imports import (
    ImportColumn,
    RowProblem,
    problem,
    projects_import,
    rows_read,
)

DEFAULT_WORKBOOK = Path(__file__).resolve().parent.parent / "data" / "reference_prices.xlsx"
# The default list stands in for a county's own from the start of the 13th Five-Year
# poverty campaign (2016), when the renovations it prices began; a county's imported
# list takes over from its own date.
DEFAULT_EFFECTIVE_ON = dt.date(2016, 1, 1)
MAX_PRICE = Decimal("9999999999.99")     # the column's 12 digits, 2 after the point
MAX_QUANTITY = Decimal("999999999.999")  # 12 digits, 3 after the point

HEADERS_ZH = ("项目编码", "项目名称", "单位", "参考单价", "最大数量")
CODE = ImportColumn("item_code", "项目编码", "text", max_length=20)
PRICE_COLUMNS = [
    CODE,
    ImportColumn("name", "项目名称", "text", max_length=120),
    ImportColumn("unit", "单位", "text", max_length=20),
    ImportColumn("reference_price", "参考单价", "decimal", maximum=MAX_PRICE),
    ImportColumn("max_quantity", "最大数量", "decimal", maximum=MAX_QUANTITY),
]
_BY_NAME = {c.name: c for c in PRICE_COLUMNS}


def county_code(division_code: str) -> str:
    """The county a division lies in: its first six digits, then zeros."""
    return (division_code or "")[:6].ljust(12, "0")


def price_list_in_force(division_code: str, day: dt.date) -> PriceList | None:
    """The county's list with the latest `effective_on` not after `day` (on the same day
    a county's own list before the default, then the later upload); None if there is none."""
    return (PriceList.objects.filter(division_code=county_code(division_code), effective_on__lte=day)
            .order_by("-effective_on", "is_default", "-pk").first())


def _places(value: Decimal) -> int:
    return max(0, -value.as_tuple().exponent)


def price_rows_problems(rows: list[dict]) -> list[RowProblem]:
    """What is wrong with a list's rows beyond their types: a code given twice (codes are
    compared without case or spaces), a price or a maximum not above zero or with more
    places than the columns keep."""
    problems: list[RowProblem] = []
    first_row: dict[str, int] = {}
    for row in rows:
        code = row["item_code"].strip().upper()
        if code in first_row:
            problems.append(problem(row["row"], CODE, row["item_code"], f"项目编码与第 {first_row[code]} 行重复",
                                    f"the item code is already on row {first_row[code]}"))
        else:
            first_row[code] = row["row"]
        price, most = row["reference_price"], row["max_quantity"]
        if price <= 0:
            problems.append(problem(row["row"], _BY_NAME["reference_price"], price, "参考单价必须大于零",
                                    "the reference price must be above zero"))
        elif _places(price) > 2:
            problems.append(problem(row["row"], _BY_NAME["reference_price"], price, "参考单价最多两位小数(到分)",
                                    "the reference price has at most two decimal places (fen)"))
        if most <= 0:
            problems.append(problem(row["row"], _BY_NAME["max_quantity"], most, "最大数量必须大于零",
                                    "the maximum quantity must be above zero"))
        elif _places(most) > 3:
            problems.append(problem(row["row"], _BY_NAME["max_quantity"], most, "最大数量最多三位小数",
                                    "the maximum quantity has at most three decimal places"))
    return problems


def _items_create(price_list: PriceList, rows: list[dict]) -> None:
    ReferencePrice.objects.bulk_create([
        ReferencePrice(price_list=price_list, item_code=row["item_code"].strip().upper(), name=row["name"],
                       unit=row["unit"], reference_price=row["reference_price"], max_quantity=row["max_quantity"])
        for row in rows])


def _list_problems(*, name: str, effective_on) -> dict[str, list]:
    problems: dict[str, list] = {}
    if not (name or "").strip():
        problems["name"] = [ValidationError(_("请填写价格表名称。"))]
    if not isinstance(effective_on, dt.date):
        problems["effective_on"] = [ValidationError(_("请填写执行日期。"))]
    return problems


def _audited(*, user, price_list: PriceList, request=None, how: str) -> None:
    audit_record(user=user, action="create", division_code=price_list.division_code, object_type="price_list",
                 object_id=str(price_list.pk),
                 detail={"name": price_list.name, "effective_on": price_list.effective_on.isoformat(),
                         "items": price_list.items.count(), "sha256": price_list.sha256, "how": how},
                 request=request)
    audit_after_change(division_code=price_list.division_code, trigger=f"price_list #{price_list.pk}")


@transaction.atomic
def price_list_import(*, user, file, division_code: str, name: str, effective_on: dt.date,
                      request=None) -> ProjectsImport:
    """A county's price list from Excel or CSV (columns 项目编码/item_code, 项目名称/name,
    单位/unit, 参考单价/reference_price, 最大数量/max_quantity), all or nothing: the import
    is REFUSED with every bad row named, or APPLIED with the new list (`import.price_list`
    is set on the returned record when applied). Needs PRICES_EDIT (403) and the county
    of `division_code` within the user's scope (404); a missing name or date is a
    ValidationError before the file is read."""
    require(user, PRICES_EDIT)
    county = county_code(division_code)
    if problems := _list_problems(name=name, effective_on=effective_on):
        raise ValidationError(problems)
    made: list[PriceList] = []

    def apply(rows: list[dict]) -> list[RowProblem]:
        problems = price_rows_problems(rows)
        if problems:
            return problems
        price_list = PriceList.objects.create(division_code=county, name=name.strip(), effective_on=effective_on,
                                              uploaded_by=user)
        _items_create(price_list, rows)
        made.append(price_list)
        return []

    record = projects_import(user=user, kind=ProjectsImport.Kind.PRICES, file=file, division_code=county,
                             columns=PRICE_COLUMNS, apply_rows=apply, request=request)
    record.price_list = None
    if record.outcome == ProjectsImport.Outcome.APPLIED and made:
        price_list = made[0]
        price_list.file.name = record.file.name  # the import keeps the file; the list points at it
        price_list.file_name, price_list.sha256 = record.file_name, record.sha256
        price_list.save(update_fields=["file", "file_name", "sha256"])
        _audited(user=user, price_list=price_list, request=request, how="import")
        record.price_list = price_list
    return record


def default_items() -> list[dict]:
    """The rows of the shipped default list (for the page that offers it)."""
    rows, _problems = rows_read(DEFAULT_WORKBOOK, PRICE_COLUMNS)
    return rows


@transaction.atomic
def price_list_default(*, division_code: str, user=None, effective_on: dt.date | None = None,
                       request=None) -> PriceList:
    """The county's copy of the default list (data/reference_prices.xlsx), in force from
    DEFAULT_EFFECTIVE_ON unless `effective_on` is given. Taking it twice gives the copy
    already taken (the same file on the same date). With a user (the page), needs
    PRICES_EDIT and the county within the user's scope; without (the demo), none."""
    county = county_code(division_code)
    if user is not None:
        require(user, PRICES_EDIT)
        if not scope.code_is_within(user, county):
            raise Http404("区划不在您的管辖范围内 / division outside your scope")
    effective_on = effective_on or DEFAULT_EFFECTIVE_ON
    content = DEFAULT_WORKBOOK.read_bytes()
    sha256 = hashlib.sha256(content).hexdigest()
    kept = PriceList.objects.filter(division_code=county, is_default=True, sha256=sha256,
                                    effective_on=effective_on).first()
    if kept is not None:
        return kept
    rows, problems = rows_read(DEFAULT_WORKBOOK, PRICE_COLUMNS)
    problems += price_rows_problems(rows)
    if problems:
        # The file ships with the code: a problem is a bug of the release, not the user's.
        raise RuntimeError(f"{DEFAULT_WORKBOOK}: {problems[0].reason_en} (row {problems[0].row})")
    price_list = PriceList.objects.create(
        division_code=county, name="默认参考价格表", effective_on=effective_on, is_default=True,
        file_name=DEFAULT_WORKBOOK.name, sha256=sha256,
        uploaded_by=user if getattr(user, "is_authenticated", False) else None)
    _items_create(price_list, rows)
    _audited(user=user if getattr(user, "is_authenticated", False) else None, price_list=price_list,
             request=request, how="default")
    return price_list
