"""The audit's input: the seven tables `engine.project_audit.audit_all` reads, built from
the database for one whole county (projects.md, "Audit"). Amounts leave here as whole
fen, dates as dates, ids as text, exactly as the engine's docstring fixes them.

A county is the first six digits of a division code: a plan or fund belongs to it by its
project's division, a payment by its plan, a renovation by its household's village. The
tables are read with a handful of queries whatever the county's size (no per-row query).
"""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
from django.db.models import Exists, OuterRef, Q, Sum

from neisheng.engine import project_audit
from neisheng.engine.project_audit import AuditTables
from neisheng.projects.models import (
    Beneficiary,
    DistributionPlan,
    Expenditure,
    Fund,
    Payment,
    ReferencePrice,
    Renovation,
    RenovationItem,
)
from neisheng.projects.people import members_of

COUNTY_DIGITS = 6

# The engine's input columns (its docstring); A's TABLE_SCHEMAS wins when it has one.
_SCHEMAS = {
    "plans": pa.schema([("plan_id", pa.string()), ("project_id", pa.string()), ("division_code", pa.string()),
                        ("revenue_fen", pa.int64()), ("collective_fen", pa.int64()), ("has_payments", pa.bool_())]),
    "payments": pa.schema([("payment_id", pa.string()), ("plan_id", pa.string()), ("project_id", pa.string()),
                           ("household_id", pa.string()), ("division_code", pa.string()),
                           ("amount_fen", pa.int64()), ("payment_date", pa.date32())]),
    "beneficiaries": pa.schema([("project_id", pa.string()), ("household_id", pa.string()),
                                ("starts_on", pa.date32()), ("ends_on", pa.date32())]),
    "members": pa.schema([("household_id", pa.string()), ("person_id", pa.string()), ("born_on", pa.date32()),
                          ("alive", pa.bool_()), ("died_on", pa.date32())]),
    "funds": pa.schema([("fund_id", pa.string()), ("project_id", pa.string()), ("division_code", pa.string()),
                        ("amount_fen", pa.int64()), ("spent_fen", pa.int64())]),
    "items": pa.schema([("item_id", pa.string()), ("renovation_id", pa.string()), ("household_id", pa.string()),
                        ("division_code", pa.string()), ("project_id", pa.string()), ("item_code", pa.string()),
                        ("quantity", pa.float64()), ("unit_price_fen", pa.int64()), ("amount_fen", pa.int64()),
                        ("reference_price_fen", pa.int64()), ("max_quantity", pa.float64())]),
    "renovations": pa.schema([("renovation_id", pa.string()), ("household_id", pa.string()),
                              ("division_code", pa.string()), ("project_id", pa.string()), ("status", pa.string())]),
}


def county_of(division_code: str) -> str:
    """The county's own 12-digit code (its first six digits, zeros after)."""
    return (division_code or "")[:COUNTY_DIGITS].ljust(12, "0")


def fen(amount: Decimal | None) -> int | None:
    return None if amount is None else int((Decimal(amount) * 100).to_integral_value())


def _within(field: str, prefix: str) -> dict:
    """The codes of the county as a range (an index range scan; a foreign key takes no
    `startswith`)."""
    return {f"{field}__gte": prefix.ljust(12, "0"), f"{field}__lte": prefix.ljust(12, "9")}


def _schema(name: str) -> pa.Schema:
    declared = getattr(project_audit, "TABLE_SCHEMAS", None)
    return declared[name] if declared and name in declared else _SCHEMAS[name]


def _table(name: str, rows: list[dict]) -> pa.Table:
    schema = _schema(name)
    return pa.table({field.name: pa.array([row.get(field.name) for row in rows], field.type) for field in schema},
                    schema=schema)


def _text(value) -> str | None:
    return None if value is None else str(value)


def audit_tables(division_code: str) -> AuditTables:
    """Everything of the county of `division_code` the nine checks read."""
    prefix = (division_code or "")[:COUNTY_DIGITS]
    in_county = Q(**_within("project__division_code", prefix)) | Q(**_within("division_code", prefix))
    plans = list(DistributionPlan.objects.filter(in_county)
                 .annotate(has_payments=Exists(Payment.objects.filter(plan=OuterRef("pk"))))
                 .values("pk", "project_id", "division_code", "total", "collective_amount", "has_payments"))
    plan_ids = [p["pk"] for p in plans]
    plan_rows = [{"plan_id": str(p["pk"]), "project_id": str(p["project_id"]), "division_code": p["division_code"],
                  "revenue_fen": fen(p["total"]), "collective_fen": fen(p["collective_amount"]),
                  "has_payments": p["has_payments"]} for p in plans]

    payments = list(Payment.objects.filter(plan__in=plan_ids)
                    .values("pk", "plan_id", "plan__project_id", "household_id", "household__village_id",
                            "amount", "paid_on", "plan__plan_on"))
    payment_rows = [{"payment_id": str(p["pk"]), "plan_id": str(p["plan_id"]), "project_id": str(p["plan__project_id"]),
                     "household_id": p["household_id"], "division_code": p["household__village_id"],
                     "amount_fen": fen(p["amount"]), "payment_date": p["paid_on"] or p["plan__plan_on"]}
                    for p in payments]

    project_ids = {p["project_id"] for p in plans}
    beneficiary_rows = [{"project_id": str(b["project_id"]), "household_id": b["household_id"],
                         "starts_on": b["starts_on"], "ends_on": b["ends_on"]}
                        for b in Beneficiary.objects.filter(project__in=project_ids)
                        .values("project_id", "household_id", "starts_on", "ends_on")]

    member_rows = [{"household_id": household_id, "person_id": m.person_id, "born_on": m.born_on, "alive": m.alive,
                    "died_on": m.died_on}
                   for household_id, members in members_of(p["household_id"] for p in payments).items()
                   for m in members]

    spent = dict(Expenditure.objects.filter(**_within("fund__project__division_code", prefix))
                 .values("fund_id").annotate(total=Sum("amount")).values_list("fund_id", "total"))
    fund_rows = [{"fund_id": str(f["pk"]), "project_id": str(f["project_id"]),
                  "division_code": f["project__division_code"], "amount_fen": fen(f["amount"]),
                  "spent_fen": fen(spent.get(f["pk"]) or Decimal(0))}
                 for f in Fund.objects.filter(**_within("project__division_code", prefix))
                 .values("pk", "project_id", "project__division_code", "amount")]

    renovations = list(Renovation.objects.filter(**_within("household__village_id", prefix))
                       .values("pk", "household_id", "household__village_id", "household__status", "project_id",
                               "price_list_id"))
    renovation_rows = [{"renovation_id": str(r["pk"]), "household_id": r["household_id"],
                        "division_code": r["household__village_id"], "project_id": _text(r["project_id"]),
                        "status": r["household__status"]} for r in renovations]
    by_renovation = {r["pk"]: r for r in renovations}
    references = {(p["price_list_id"], p["item_code"]): p for p in ReferencePrice.objects
                  .filter(price_list__in={r["price_list_id"] for r in renovations})
                  .values("price_list_id", "item_code", "reference_price", "max_quantity")}
    item_rows = []
    for item in (RenovationItem.objects.filter(renovation__in=by_renovation)
                 .values("pk", "renovation_id", "item_code", "quantity", "unit_price", "amount")):
        renovation = by_renovation[item["renovation_id"]]
        reference = references.get((renovation["price_list_id"], item["item_code"]))
        item_rows.append({
            "item_id": str(item["pk"]), "renovation_id": str(item["renovation_id"]),
            "household_id": renovation["household_id"], "division_code": renovation["household__village_id"],
            "project_id": _text(renovation["project_id"]), "item_code": item["item_code"],
            "quantity": float(item["quantity"]), "unit_price_fen": fen(item["unit_price"]),
            "amount_fen": fen(item["amount"]),
            "reference_price_fen": fen(reference["reference_price"]) if reference else None,
            "max_quantity": float(reference["max_quantity"]) if reference else None,
        })

    return AuditTables(plans=_table("plans", plan_rows), payments=_table("payments", payment_rows),
                       beneficiaries=_table("beneficiaries", beneficiary_rows), members=_table("members", member_rows),
                       funds=_table("funds", fund_rows), items=_table("items", item_rows),
                       renovations=_table("renovations", renovation_rows))
