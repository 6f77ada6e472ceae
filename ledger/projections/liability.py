"""Shipping-cost and refund liability per accepted case, and per order that did not reach its buyer
(SPEC section 7)."""
from __future__ import annotations

from typing import Any

import orjson

from ledger.events import (
    ExchangeShipped,
    OrderCancelled,
    OrderPlaced,
    ParcelDispatched,
    ParcelLost,
    ParcelReturnedToSender,
    RefundApproved,
    RefundIssued,
    ReturnAccepted,
    ReturnParcelReceived,
    ReturnParcelRefused,
    ReturnRequested,
    ShippingCostAssigned,
    units_by_sku,
)
from ledger.projections.columns import BOOL, MONEY, Column, Table, registry
from ledger.values import cents, money

CASES = Table("view_liability", (
    Column("case_id", key=True), Column("order_id", index=True), Column("kind"), Column("reason"),
    Column("accepted", BOOL, shown=False), Column("payer"), Column("rule"),
    Column("outbound_postage", MONEY), Column("return_postage", MONEY), Column("reship_postage", MONEY),
    Column("shop_cost", MONEY, stored=False), Column("buyer_cost", MONEY, stored=False),
    Column("refund_approved", MONEY), Column("refunded", MONEY), Column("refund_outstanding", MONEY, stored=False),
))
ORDERS = Table("view_liability_orders", (
    Column("order_id", key=True), Column("cancelled", BOOL),
    Column("refund_approved", MONEY), Column("refunded", MONEY), Column("refund_outstanding", MONEY, stored=False),
    Column("returned_postage", MONEY), Column("lost_value", MONEY),
))
# an order's shipping fee and unit prices, and whether a return has claimed the fee as its outbound leg yet
ORDER_FEES = Table("view_order_fees", (
    Column("order_id", key=True), Column("shipping_fee", MONEY), Column("fee_returned", BOOL), Column("prices"),
))
# a parcel's order or case, postage and lines, for when it comes back or is lost
PARCELS = Table("view_liability_parcels", (
    Column("shipment_id", key=True), Column("order_id"), Column("case_id"), Column("postage", MONEY),
    Column("lines"),
))
TABLES = (CASES, ORDERS, ORDER_FEES, PARCELS)
HANDLERS, on = registry()
TOTALS = ("shop_cost", "buyer_cost", "refund_approved", "refunded", "refund_outstanding", "returned_postage",
          "lost_value")


@on(OrderPlaced)
def placed(p, event: OrderPlaced) -> None:
    prices: dict[str, int] = {}
    for line in event.lines:  # a SKU on several lines is priced by its first line, as a return's refund is
        prices.setdefault(line.sku, cents(line.unit_price))
    p.execute("INSERT INTO view_order_fees (order_id, shipping_fee, prices) VALUES (?, ?, ?)",
              (event.order_id, cents(event.shipping_fee), orjson.dumps(prices).decode()))


def _order(p, order_id: str, column: str, amount: int, add: bool = True) -> None:
    """An order that did not reach its buyer gets its row on the first thing that says so."""
    value = f"view_liability_orders.{column} + excluded.{column}" if add else f"excluded.{column}"
    p.execute(f"INSERT INTO view_liability_orders (order_id, {column}) VALUES (?, ?) "
              f"ON CONFLICT (order_id) DO UPDATE SET {column} = {value}", (order_id, amount))


@on(ParcelDispatched)
def dispatched(p, event: ParcelDispatched) -> None:
    p.execute("INSERT INTO view_liability_parcels VALUES (?, ?, ?, ?, ?)",
              (event.shipment_id, event.order_id, event.case_id, cents(event.postage),
               orjson.dumps(units_by_sku(event.lines)).decode()))


@on(ParcelReturnedToSender)
def returned_to_sender(p, event: ParcelReturnedToSender) -> None:
    """The shop's cost: the parcel's postage and the carrier's charge for bringing it back. A replacement's
    stays in its case's reship leg, where its postage already is."""
    parcel = PARCELS.read(p.cursor, "shipment_id = ?", (event.shipment_id,))[0]
    if parcel["case_id"] is not None:
        _add(p, parcel["case_id"], "reship_postage", cents(event.postage))
    else:
        _order(p, parcel["order_id"], "returned_postage", parcel["postage"] + cents(event.postage))


@on(ParcelLost)
def lost(p, event: ParcelLost) -> None:
    """The shop's loss, to claim from the carrier: the goods value of the lost lines at the order's prices."""
    parcel = PARCELS.read(p.cursor, "shipment_id = ?", (event.shipment_id,))[0]
    if parcel["order_id"] is None:
        return  # a lost replacement keeps its postage in its case's reship leg
    prices = orjson.loads(ORDER_FEES.read(p.cursor, "order_id = ?", (parcel["order_id"],))[0]["prices"])
    value = sum(prices[sku] * quantity for sku, quantity in orjson.loads(parcel["lines"]).items())
    _order(p, parcel["order_id"], "lost_value", value)


@on(OrderCancelled)
def cancelled(p, event: OrderCancelled) -> None:
    _order(p, event.order_id, "cancelled", 1, add=False)


@on(ReturnRequested)
def requested(p, event: ReturnRequested) -> None:
    p.execute("INSERT INTO view_liability (case_id, order_id, kind, reason) VALUES (?, ?, ?, ?)",
              (event.case_id, event.order_id, event.kind, event.reason))


@on(ReturnAccepted)
def accepted(p, event: ReturnAccepted) -> None:
    """The outbound leg (the order's shipping fee) goes with the order's first accepted return."""
    outbound = 0
    kind = p.one("SELECT kind FROM view_liability WHERE case_id = ?", (event.case_id,))[0]
    if kind == "return":
        fee, returned = p.one("SELECT shipping_fee, fee_returned FROM view_order_fees WHERE order_id = ?",
                              (event.order_id,))
        if not returned:
            outbound = fee
            p.execute("UPDATE view_order_fees SET fee_returned = 1 WHERE order_id = ?", (event.order_id,))
    p.execute("UPDATE view_liability SET accepted = 1, outbound_postage = ? WHERE case_id = ?",
              (outbound, event.case_id))


def _add(p, case_id: str, column: str, amount: int) -> None:
    p.execute(f"UPDATE view_liability SET {column} = {column} + ? WHERE case_id = ?", (amount, case_id))


@on(ShippingCostAssigned)
def payer(p, event: ShippingCostAssigned) -> None:
    p.execute("UPDATE view_liability SET payer = ?, rule = ? WHERE case_id = ?", (event.payer, event.rule,
                                                                                  event.case_id))


@on(ReturnParcelReceived)
def parcel(p, event: ReturnParcelReceived) -> None:
    _add(p, event.case_id, "return_postage", cents(event.postage))


@on(ReturnParcelRefused)
def parcel_refused(p, event: ReturnParcelRefused) -> None:
    _add(p, event.case_id, "return_postage", -cents(event.postage))


@on(ExchangeShipped)
def reshipped(p, event: ExchangeShipped) -> None:
    _add(p, event.case_id, "reship_postage", cents(event.postage))


@on(RefundApproved)
def approved(p, event: RefundApproved) -> None:
    if event.order_id is not None:  # OR-1
        _order(p, event.order_id, "refund_approved", cents(event.amount), add=False)
    else:
        p.execute("UPDATE view_liability SET refund_approved = ? WHERE case_id = ?",
                  (cents(event.amount), event.case_id))


@on(RefundIssued)
def refunded(p, event: RefundIssued) -> None:
    if event.order_id is not None:
        _order(p, event.order_id, "refunded", cents(event.amount))
    else:
        _add(p, event.case_id, "refunded", cents(event.amount))


def figures(row: dict) -> dict:
    """A case's costs: both legs fall to whoever the payer is, nobody's while pending."""
    legs = row["outbound_postage"] + row["return_postage"] + row["reship_postage"]
    return {**row, "shop_cost": legs if row["payer"] == "shop" else 0,
            "buyer_cost": legs if row["payer"] == "buyer" else 0,
            "refund_outstanding": row["refund_approved"] - row["refunded"]}


def report(cursor: Any, case_id: str | None = None, order_id: str | None = None) -> dict:
    """`liability --json`: accepted cases and the orders that did not reach their buyer (of one case or
    order, if given), with totals over the rows listed; the refund totals cover cases and orders alike."""
    where, params = ["accepted = 1"], []
    for column, value in (("case_id", case_id), ("order_id", order_id)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    cases = [figures(row) for row in CASES.read(cursor, " AND ".join(where), params, order="case_id")]
    orders = [] if case_id else ORDERS.read(cursor, "order_id = ?" if order_id else "", (order_id,) if order_id else (),
                                            order="order_id")
    for row in orders:
        row["refund_outstanding"] = row["refund_approved"] - row["refunded"]
    totals = {name: money(sum(row.get(name, 0) for row in (*cases, *orders))) for name in TOTALS}
    return {"cases": [CASES.json(case) for case in cases], "orders": [ORDERS.json(row) for row in orders],
            "totals": totals}
