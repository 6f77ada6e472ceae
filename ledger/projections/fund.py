"""The growth fund (SPEC section 9, ST-3): every penalty paid in and every spending, per person and month."""
from __future__ import annotations

from typing import Any

from ledger.projections.columns import INT, MONEY, TIME, Column, Table, registry
from ledger.values import cents_of, micros, money

ENTRIES = Table("view_fund_entries", (
    Column("entry", INT, key=True, shown=False),  # append order, for entries at the same time
    Column("at", TIME), Column("kind"), Column("staff"), Column("complaint_id"), Column("month"),
    Column("nth", INT, optional=True), Column("amount", MONEY), Column("purpose"), Column("recorded_by"),
), fields=())
STAFF_MONTHS = Table("view_fund_staff_months", (
    Column("staff", key=True), Column("month", key=True), Column("upheld", INT), Column("penalties", MONEY),
))
TABLES = (ENTRIES, STAFF_MONTHS)
HANDLERS, on = registry()


def _enter(p, e: dict, **values: Any) -> None:
    p.new(ENTRIES, p.next_key(ENTRIES)).update(at=micros(e["at"]), recorded_by=e["actor"], **values)


@on("PenaltyAssessed")
def penalty(p, e: dict) -> None:
    """Every penalty goes into the fund, one of "0.00" too (透明操作)."""
    amount = cents_of(e["amount"])
    _enter(p, e, kind="penalty", staff=e["staff"], complaint_id=e["complaint_id"], month=e["month"], nth=e["nth"],
           amount=amount)
    month = p.row(STAFF_MONTHS, (e["staff"], e["month"]))
    month["upheld"] += 1
    month["penalties"] += amount


@on("FundSpent")
def spent(p, e: dict) -> None:
    _enter(p, e, kind="spent", amount=cents_of(e["amount"]), purpose=e["purpose"])


def report(cursor: Any, zone: Any) -> dict:
    """`fund --json`: the entries in `at` order, the month totals per person, and the balance."""
    entries = ENTRIES.read(cursor, order="at, entry")
    balance = sum(e["amount"] if e["kind"] == "penalty" else -e["amount"] for e in entries)
    return {"entries": [ENTRIES.json(entry, zone) for entry in entries],
            "by_staff_month": [STAFF_MONTHS.json(row) for row in STAFF_MONTHS.read(cursor, order="staff, month")],
            "balance": money(balance)}
