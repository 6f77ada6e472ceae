"""Stock per SKU: on hand, reserved by orders not yet dispatched, available (SPEC section 7)."""
from __future__ import annotations

from typing import Any

from ledger import rules
from ledger.projections.columns import BOOL, INT, JSON, Column, Table, registry

STOCK = Table("view_stock", (
    Column("sku", key=True), Column("on_hand", INT), Column("reserved", INT),
    Column("available", INT, stored=False), Column("low", BOOL, stored=False),
))
# units of each SKU of an order still to dispatch: what a dispatch or cancellation releases
UNSHIPPED = Table("view_unshipped", (Column("order_id", key=True), Column("lines", JSON)))
# a case's units per SKU go back on hand when its inspection finds no fault
CASE_LINES = Table("view_case_lines", (Column("case_id", key=True), Column("lines", JSON), Column("restocked", BOOL)))
# a parcel's units per SKU, for when it comes back to the shop or is lost
PARCELS = Table("view_stock_parcels", (Column("shipment_id", key=True), Column("order_id"), Column("lines", JSON)))
TABLES = (STOCK, UNSHIPPED, CASE_LINES, PARCELS)
HANDLERS, on = registry()


def units(lines: list[dict]) -> dict[str, int]:
    """Units per SKU of some stored lines; a SKU may stand on several lines."""
    found: dict[str, int] = {}
    for line in lines:
        found[line["sku"]] = found.get(line["sku"], 0) + line["quantity"]
    return found


def _change(p, sku: str, on_hand: int = 0, reserved: int = 0) -> None:
    row = p.row(STOCK, sku)
    row["on_hand"] += on_hand
    row["reserved"] += reserved


@on("StockReceived")
def received(p, e: dict) -> None:
    _change(p, e["sku"], on_hand=e["quantity"])


@on("StockCounted")
def counted(p, e: dict) -> None:
    p.row(STOCK, e["sku"])["on_hand"] = e["quantity"]


@on("OrderPlaced")
def placed(p, e: dict) -> None:
    ordered = units(e["lines"])
    for sku, quantity in ordered.items():
        _change(p, sku, reserved=quantity)
    p.new(UNSHIPPED, e["order_id"])["lines"] = ordered


@on("ParcelDispatched")
def dispatched(p, e: dict) -> None:
    sent = units(e["lines"])
    order_id = e.get("order_id")
    parcel = p.new(PARCELS, e["shipment_id"])
    parcel["order_id"], parcel["lines"] = order_id, sent
    if order_id is None:
        for sku, quantity in sent.items():
            _change(p, sku, on_hand=-quantity)
        return
    unshipped = p.row(UNSHIPPED, order_id)["lines"]  # SH-4 keeps a dispatch within the unshipped units
    for sku, quantity in sent.items():
        _change(p, sku, on_hand=-quantity, reserved=-quantity)
        if sku in unshipped:
            unshipped[sku] -= quantity


@on("ParcelReturnedToSender", "ParcelLost")
def parcel_back_or_lost(p, e: dict) -> None:
    """A parcel returned to sender is back on hand, a lost one is not; an order's units are reserved
    again until it is dispatched again or cancelled."""
    parcel = p.find(PARCELS, e["shipment_id"])
    back = e["type"] == "ParcelReturnedToSender"
    order_id = parcel["order_id"]
    unshipped = p.row(UNSHIPPED, order_id)["lines"] if order_id is not None else {}
    for sku, quantity in parcel["lines"].items():
        _change(p, sku, on_hand=quantity if back else 0, reserved=quantity if order_id is not None else 0)
        if sku in unshipped:
            unshipped[sku] += quantity


@on("OrderCancelled")
def cancelled(p, e: dict) -> None:
    unshipped = p.row(UNSHIPPED, e["order_id"])["lines"]
    for sku, quantity in unshipped.items():
        _change(p, sku, reserved=-quantity)
        unshipped[sku] = 0


@on("ReturnRequested")
def requested(p, e: dict) -> None:
    p.new(CASE_LINES, e["case_id"])["lines"] = units(e["lines"])


@on("ReturnInspected")
def inspected(p, e: dict) -> None:
    if e["finding"] != "no_fault":
        return
    case = p.row(CASE_LINES, e["case_id"])
    if not case["restocked"]:
        for sku, quantity in case["lines"].items():
            _change(p, sku, on_hand=quantity)
        case["restocked"] = 1


def rows(cursor: Any, policy: Any, sku: str | None = None) -> list[dict]:
    """`stock --json`'s rows; ST-1's `low` by the given policy."""
    where, params = ("sku = ?", (sku,)) if sku else ("", ())
    found = STOCK.read(cursor, where, params, order="sku")
    for row in found:
        row["available"] = row["on_hand"] - row["reserved"]
        row["low"] = rules.is_low(row["available"], policy)
    return [STOCK.json(row) for row in found]
