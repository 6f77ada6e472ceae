"""Stock per SKU: on hand, reserved by orders not yet dispatched, available (SPEC section 7)."""
from __future__ import annotations

from typing import Any

from ledger import rules
from ledger.events import (
    OrderCancelled, OrderPlaced, ParcelDispatched, ReturnInspected, ReturnRequested, StockCounted, StockReceived,
)
from ledger.policy import Policy

TABLE_NAMES = ["view_stock", "view_unshipped", "view_case_lines"]
TABLES = [
    "CREATE TABLE IF NOT EXISTS view_stock (sku TEXT PRIMARY KEY, on_hand BIGINT NOT NULL, "
    "reserved BIGINT NOT NULL)",
    # units of each order line still to dispatch: what a dispatch or cancellation releases
    "CREATE TABLE IF NOT EXISTS view_unshipped (order_id TEXT NOT NULL, sku TEXT NOT NULL, "
    "quantity BIGINT NOT NULL, PRIMARY KEY (order_id, sku))",
    # a case's lines go back on hand when its inspection finds no fault
    "CREATE TABLE IF NOT EXISTS view_case_lines (case_id TEXT NOT NULL, sku TEXT NOT NULL, "
    "quantity BIGINT NOT NULL, restocked BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (case_id, sku))",
]

CHANGE = ("INSERT INTO view_stock (sku, on_hand, reserved) VALUES (?, ?, ?) ON CONFLICT (sku) DO UPDATE SET "
          "on_hand = view_stock.on_hand + excluded.on_hand, reserved = view_stock.reserved + excluded.reserved")


def _change(p, sku: str, on_hand: int = 0, reserved: int = 0) -> None:
    p.execute(CHANGE, (sku, on_hand, reserved))


def received(p, event: StockReceived) -> None:
    _change(p, event.sku, on_hand=event.quantity)


def counted(p, event: StockCounted) -> None:
    p.execute("INSERT INTO view_stock (sku, on_hand, reserved) VALUES (?, ?, 0) ON CONFLICT (sku) DO UPDATE SET "
              "on_hand = excluded.on_hand", (event.sku, event.quantity))


def placed(p, event: OrderPlaced) -> None:
    for line in event.lines:
        _change(p, line.sku, reserved=line.quantity)
        p.execute("INSERT INTO view_unshipped VALUES (?, ?, ?) ON CONFLICT (order_id, sku) DO UPDATE SET "
                  "quantity = view_unshipped.quantity + excluded.quantity",
                  (event.order_id, line.sku, line.quantity))


def dispatched(p, event: ParcelDispatched) -> None:
    for line in event.lines:
        if event.order_id is not None:  # SH-4 keeps it within the unshipped units
            _change(p, line.sku, on_hand=-line.quantity, reserved=-line.quantity)
            p.execute("UPDATE view_unshipped SET quantity = quantity - ? WHERE order_id = ? AND sku = ?",
                      (line.quantity, event.order_id, line.sku))
        else:
            _change(p, line.sku, on_hand=-line.quantity)


def cancelled(p, event: OrderCancelled) -> None:
    p.execute("SELECT sku, quantity FROM view_unshipped WHERE order_id = ?", (event.order_id,))
    for sku, quantity in p.cursor.fetchall():
        _change(p, sku, reserved=-quantity)
    p.execute("UPDATE view_unshipped SET quantity = 0 WHERE order_id = ?", (event.order_id,))


def requested(p, event: ReturnRequested) -> None:
    for line in event.lines:
        p.execute("INSERT INTO view_case_lines (case_id, sku, quantity) VALUES (?, ?, ?) ON CONFLICT (case_id, sku) "
                  "DO UPDATE SET quantity = view_case_lines.quantity + excluded.quantity",
                  (event.case_id, line.sku, line.quantity))


def inspected(p, event: ReturnInspected) -> None:
    if event.finding != "no_fault":
        return
    p.execute("SELECT sku, quantity FROM view_case_lines WHERE case_id = ? AND restocked = 0", (event.case_id,))
    for sku, quantity in p.cursor.fetchall():
        _change(p, sku, on_hand=quantity)
    p.execute("UPDATE view_case_lines SET restocked = 1 WHERE case_id = ?", (event.case_id,))


HANDLERS = {
    StockReceived: received, StockCounted: counted, OrderPlaced: placed, ParcelDispatched: dispatched,
    OrderCancelled: cancelled, ReturnRequested: requested, ReturnInspected: inspected,
}


def rows(cursor: Any, policy: Policy, sku: str | None = None) -> list[dict]:
    where, params = ("WHERE sku = ?", (sku,)) if sku else ("", ())
    cursor.execute(f"SELECT sku, on_hand, reserved FROM view_stock {where} ORDER BY sku", params)
    return [{"sku": sku_, "on_hand": on_hand, "reserved": reserved, "available": on_hand - reserved,
             "low": rules.is_low(on_hand - reserved, policy)}
            for sku_, on_hand, reserved in cursor.fetchall()]
