"""Stock per SKU: on hand, reserved by orders not yet dispatched, available (SPEC section 7)."""
from __future__ import annotations

from typing import Any

import orjson

from ledger import rules
from ledger.events import (
    OrderCancelled,
    OrderPlaced,
    ParcelDispatched,
    ParcelLost,
    ParcelReturnedToSender,
    ReturnInspected,
    ReturnRequested,
    StockCounted,
    StockReceived,
    units_by_sku,
)
from ledger.policy import Policy
from ledger.projections.columns import BOOL, INT, Column, Table, registry

STOCK = Table("view_stock", (
    Column("sku", key=True), Column("on_hand", INT), Column("reserved", INT),
    Column("available", INT, stored=False), Column("low", BOOL, stored=False),
))
# units of each order line still to dispatch: what a dispatch or cancellation releases
UNSHIPPED = Table("view_unshipped", (Column("order_id", key=True), Column("sku", key=True), Column("quantity", INT)))
# a case's lines go back on hand when its inspection finds no fault
CASE_LINES = Table("view_case_lines", (
    Column("case_id", key=True), Column("sku", key=True), Column("quantity", INT), Column("restocked", BOOL),
))
# a parcel's lines, for when it comes back to the shop or is lost
PARCELS = Table("view_stock_parcels", (Column("shipment_id", key=True), Column("order_id"), Column("lines")))
TABLES = (STOCK, UNSHIPPED, CASE_LINES, PARCELS)
HANDLERS, on = registry()

CHANGE = ("INSERT INTO view_stock (sku, on_hand, reserved) VALUES (?, ?, ?) ON CONFLICT (sku) DO UPDATE SET "
          "on_hand = view_stock.on_hand + excluded.on_hand, reserved = view_stock.reserved + excluded.reserved")


def _change(p, sku: str, on_hand: int = 0, reserved: int = 0) -> None:
    p.execute(CHANGE, (sku, on_hand, reserved))


@on(StockReceived)
def received(p, event: StockReceived) -> None:
    _change(p, event.sku, on_hand=event.quantity)


@on(StockCounted)
def counted(p, event: StockCounted) -> None:
    p.execute("INSERT INTO view_stock (sku, on_hand, reserved) VALUES (?, ?, 0) ON CONFLICT (sku) DO UPDATE SET "
              "on_hand = excluded.on_hand", (event.sku, event.quantity))


@on(OrderPlaced)
def placed(p, event: OrderPlaced) -> None:
    for line in event.lines:
        _change(p, line.sku, reserved=line.quantity)
        p.execute("INSERT INTO view_unshipped VALUES (?, ?, ?) ON CONFLICT (order_id, sku) DO UPDATE SET "
                  "quantity = view_unshipped.quantity + excluded.quantity",
                  (event.order_id, line.sku, line.quantity))


@on(ParcelDispatched)
def dispatched(p, event: ParcelDispatched) -> None:
    p.execute("INSERT INTO view_stock_parcels VALUES (?, ?, ?)",
              (event.shipment_id, event.order_id, orjson.dumps(units_by_sku(event.lines)).decode()))
    for line in event.lines:
        if event.order_id is not None:  # SH-4 keeps it within the unshipped units
            _change(p, line.sku, on_hand=-line.quantity, reserved=-line.quantity)
            p.execute("UPDATE view_unshipped SET quantity = quantity - ? WHERE order_id = ? AND sku = ?",
                      (line.quantity, event.order_id, line.sku))
        else:
            _change(p, line.sku, on_hand=-line.quantity)


@on(ParcelReturnedToSender, ParcelLost)
def parcel_back_or_lost(p, event: ParcelReturnedToSender | ParcelLost) -> None:
    """A parcel returned to sender is back on hand, a lost one is not; an order's units are reserved
    again until it is dispatched again or cancelled."""
    parcel = PARCELS.read(p.cursor, "shipment_id = ?", (event.shipment_id,))[0]
    back = isinstance(event, ParcelReturnedToSender)
    for sku, quantity in orjson.loads(parcel["lines"]).items():
        reserved = quantity if parcel["order_id"] is not None else 0
        _change(p, sku, on_hand=quantity if back else 0, reserved=reserved)
        if reserved:
            p.execute("UPDATE view_unshipped SET quantity = quantity + ? WHERE order_id = ? AND sku = ?",
                      (quantity, parcel["order_id"], sku))


@on(OrderCancelled)
def cancelled(p, event: OrderCancelled) -> None:
    for row in UNSHIPPED.read(p.cursor, "order_id = ?", (event.order_id,)):
        _change(p, row["sku"], reserved=-row["quantity"])
    p.execute("UPDATE view_unshipped SET quantity = 0 WHERE order_id = ?", (event.order_id,))


@on(ReturnRequested)
def requested(p, event: ReturnRequested) -> None:
    for line in event.lines:
        p.execute("INSERT INTO view_case_lines (case_id, sku, quantity) VALUES (?, ?, ?) ON CONFLICT (case_id, sku) "
                  "DO UPDATE SET quantity = view_case_lines.quantity + excluded.quantity",
                  (event.case_id, line.sku, line.quantity))


@on(ReturnInspected)
def inspected(p, event: ReturnInspected) -> None:
    if event.finding != "no_fault":
        return
    for row in CASE_LINES.read(p.cursor, "case_id = ? AND restocked = 0", (event.case_id,)):
        _change(p, row["sku"], on_hand=row["quantity"])
    p.execute("UPDATE view_case_lines SET restocked = 1 WHERE case_id = ?", (event.case_id,))


def rows(cursor: Any, policy: Policy, sku: str | None = None) -> list[dict]:
    """`stock --json`'s rows; ST-1's `low` by the given policy."""
    where, params = ("sku = ?", (sku,)) if sku else ("", ())
    found = STOCK.read(cursor, where, params, order="sku")
    for row in found:
        row["available"] = row["on_hand"] - row["reserved"]
        row["low"] = rules.is_low(row["available"], policy)
    return [STOCK.json(row) for row in found]
