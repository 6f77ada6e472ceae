"""The staff accounts (SPEC section 14): each account's current role, since when it is enrolled, and when it
left; `staff list`, sign-in and the desk read it. The secrets are not here (ledger/accounts.py)."""
from __future__ import annotations

from typing import Any

from ledger.projections.columns import TIME, Column, Table, registry
from ledger.values import micros

ACCOUNTS = Table("view_staff_accounts", (
    Column("staff", key=True), Column("role"), Column("since", TIME), Column("left_at", TIME),
))
TABLES = (ACCOUNTS,)
HANDLERS, on = registry()


@on("StaffEnrolled")
def enrolled(p, e: dict) -> None:
    p.row(ACCOUNTS, e["staff"]).update(role=e["role"], since=micros(e["at"]), left_at=None)


@on("StaffRoleChanged")
def role_changed(p, e: dict) -> None:
    p.row(ACCOUNTS, e["staff"])["role"] = e["role"]


@on("StaffLeft")
def left(p, e: dict) -> None:
    p.row(ACCOUNTS, e["staff"])["left_at"] = micros(e["at"])


def any_account(cursor: Any) -> bool:
    cursor.execute(f"SELECT 1 FROM {ACCOUNTS.name} LIMIT 1")
    return cursor.fetchone() is not None


def account(cursor: Any, staff: str) -> dict | None:
    rows = ACCOUNTS.read(cursor, "staff = ?", (staff,))
    return rows[0] if rows else None
