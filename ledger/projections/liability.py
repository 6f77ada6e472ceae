"""Shipping-cost and refund liability per accepted case (SPEC section 7)."""
from __future__ import annotations

from typing import Any

from ledger.events import (
    ExchangeShipped,
    OrderPlaced,
    RefundApproved,
    RefundIssued,
    ReturnAccepted,
    ReturnParcelReceived,
    ReturnParcelRefused,
    ReturnRequested,
    ShippingCostAssigned,
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
# an order's shipping fee, and whether a return has claimed it as its outbound leg yet
ORDER_FEES = Table("view_order_fees", (
    Column("order_id", key=True), Column("shipping_fee", MONEY), Column("fee_returned", BOOL),
))
TABLES = (CASES, ORDER_FEES)
HANDLERS, on = registry()
TOTALS = ("shop_cost", "buyer_cost", "refund_approved", "refunded", "refund_outstanding")


@on(OrderPlaced)
def placed(p, event: OrderPlaced) -> None:
    p.execute("INSERT INTO view_order_fees (order_id, shipping_fee) VALUES (?, ?)",
              (event.order_id, cents(event.shipping_fee)))


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
    p.execute("UPDATE view_liability SET refund_approved = ? WHERE case_id = ?", (cents(event.amount), event.case_id))


@on(RefundIssued)
def refunded(p, event: RefundIssued) -> None:
    _add(p, event.case_id, "refunded", cents(event.amount))


def figures(row: dict) -> dict:
    """A case's costs: both legs fall to whoever the payer is, nobody's while pending."""
    legs = row["outbound_postage"] + row["return_postage"] + row["reship_postage"]
    return {**row, "shop_cost": legs if row["payer"] == "shop" else 0,
            "buyer_cost": legs if row["payer"] == "buyer" else 0,
            "refund_outstanding": row["refund_approved"] - row["refunded"]}


def report(cursor: Any, case_id: str | None = None, order_id: str | None = None) -> dict:
    """`liability --json`: accepted cases (of one case or order, if given) with their totals."""
    where, params = ["accepted = 1"], []
    for column, value in (("case_id", case_id), ("order_id", order_id)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    cases = [figures(row) for row in CASES.read(cursor, " AND ".join(where), params, order="case_id")]
    totals = {name: money(sum(case[name] for case in cases)) for name in TOTALS}
    return {"cases": [CASES.json(case) for case in cases], "totals": totals}
