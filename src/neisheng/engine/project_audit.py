"""The nine audit checks of projects.md, each one function on tables, written once with
Ibis (DuckDB by default, Spark for a province). Each returns one row per finding:

    rule, subject_type, subject_id, division_code, project_id, household_id, amount_fen,
    evidence (a JSON object as text: the figures compared)

Subjects (one finding per rule and subject; `subject_id` as text):
  plan_sum → plan (plan_id; amount_fen = payments + collective − revenue)
  payee_not_beneficiary, payee_deceased → payment (payment_id; amount_fen = the payment)
  duplicate_payment → plan, subject_id "<plan_id>:<household_id>" (amount_fen = all that
      household's payments in the plan)
  overspent_fund → fund (fund_id; amount_fen = spent − amount)
  renovation_price, renovation_quantity → renovation_item (item_id; amount_fen = the item's amount)
  renovation_not_eligible → renovation (renovation_id; amount_fen = its total)
  renovation_total → household (household_id; amount_fen = its total over every renovation)

Amounts enter and leave as whole fen (int64), so "differ by any amount" is exact.
Thresholds come from the policy's `projects:` section.

Input tables (pyarrow, or Ibis tables of one backend); dates are dates, ids strings:
  plans:          plan_id, project_id, division_code, revenue_fen, collective_fen, has_payments (bool)
  payments:       payment_id, plan_id, project_id, household_id, division_code, amount_fen, payment_date
  beneficiaries:  project_id, household_id, starts_on, ends_on (null: open)
  members:        household_id, person_id, born_on (nullable), alive (bool), died_on (nullable)
  funds:          fund_id, project_id, division_code, amount_fen, spent_fen
  items:          item_id, renovation_id, household_id, division_code, project_id (nullable),
                  item_code, quantity (float64), unit_price_fen, amount_fen,
                  reference_price_fen (nullable: code not in the list), max_quantity (nullable)
  renovations:    renovation_id, household_id, division_code, project_id (nullable), status (household's)
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from neisheng.policy import Policy

CHECKS = (
    "plan_sum", "payee_not_beneficiary", "payee_deceased", "duplicate_payment", "overspent_fund",
    "renovation_price", "renovation_quantity", "renovation_not_eligible", "renovation_total",
)

FINDING_SCHEMA = pa.schema([
    ("rule", pa.string()),
    ("subject_type", pa.string()),
    ("subject_id", pa.string()),
    ("division_code", pa.string()),
    ("project_id", pa.string()),
    ("household_id", pa.string()),
    ("amount_fen", pa.int64()),
    ("evidence", pa.string()),
])


@dataclass(frozen=True)
class AuditTables:
    plans: pa.Table
    payments: pa.Table
    beneficiaries: pa.Table
    members: pa.Table
    funds: pa.Table
    items: pa.Table
    renovations: pa.Table


def audit_all(tables: AuditTables, *, policy: Policy, backend: str = "duckdb") -> pa.Table:
    """Every check's findings, in CHECKS order then by subject_id (FINDING_SCHEMA)."""
    raise NotImplementedError
