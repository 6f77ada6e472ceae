"""The growth fund (SPEC section 9, ST-3): every penalty paid in and every spending, per person and month."""
from __future__ import annotations

from typing import Any

from ledger.events import FundSpent, PenaltyAssessed
from ledger.projections.columns import INT, MONEY, TIME, Column, Table, registry
from ledger.values import cents, micros, money

ENTRIES = Table("view_fund_entries", (
    Column("entry", INT, key=True, shown=False),  # append order, for entries at the same time
    Column("at", TIME), Column("kind"), Column("staff"), Column("complaint_id"), Column("month"),
    Column("nth", INT, optional=True), Column("amount", MONEY), Column("purpose"), Column("recorded_by"),
))
STAFF_MONTHS = Table("view_fund_staff_months", (
    Column("staff", key=True), Column("month", key=True), Column("upheld", INT), Column("penalties", MONEY),
))
TABLES = (ENTRIES, STAFF_MONTHS)
HANDLERS, on = registry()


def _enter(p, event: Any, **values: Any) -> None:
    columns = {"at": micros(event.at), "recorded_by": event.actor, **values}
    p.execute(f"INSERT INTO view_fund_entries (entry, {', '.join(columns)}) "
              f"SELECT COALESCE(MAX(entry), 0) + 1, {', '.join('?' * len(columns))} FROM view_fund_entries",
              tuple(columns.values()))


@on(PenaltyAssessed)
def penalty(p, event: PenaltyAssessed) -> None:
    """Every penalty goes into the fund, one of "0.00" too (透明操作)."""
    _enter(p, event, kind="penalty", staff=event.staff, complaint_id=event.complaint_id, month=event.month,
           nth=event.nth, amount=cents(event.amount))
    p.execute("INSERT INTO view_fund_staff_months VALUES (?, ?, 1, ?) ON CONFLICT (staff, month) DO UPDATE SET "
              "upheld = view_fund_staff_months.upheld + 1, "
              "penalties = view_fund_staff_months.penalties + excluded.penalties",
              (event.staff, event.month, cents(event.amount)))


@on(FundSpent)
def spent(p, event: FundSpent) -> None:
    _enter(p, event, kind="spent", amount=cents(event.amount), purpose=event.purpose)


def report(cursor: Any, zone: Any) -> dict:
    """`fund --json`: the entries in `at` order, the month totals per person, and the balance."""
    entries = ENTRIES.read(cursor, order="at, entry")
    balance = sum(e["amount"] if e["kind"] == "penalty" else -e["amount"] for e in entries)
    return {"entries": [ENTRIES.json(entry, zone) for entry in entries],
            "by_staff_month": [STAFF_MONTHS.json(row) for row in STAFF_MONTHS.read(cursor, order="staff, month")],
            "balance": money(balance)}
