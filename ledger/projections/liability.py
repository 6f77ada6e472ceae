"""Shipping-cost and refund liability per accepted case (SPEC section 7)."""
from __future__ import annotations

from typing import Any

from ledger.events import (
    ExchangeShipped, OrderPlaced, RefundApproved, RefundIssued, ReturnAccepted, ReturnParcelReceived,
    ReturnParcelRefused, ReturnRequested, ShippingCostAssigned,
)
from ledger.values import cents, money

TABLE_NAMES = ["view_order_fees", "view_liability"]
TABLES = [
    "CREATE TABLE IF NOT EXISTS view_order_fees (order_id TEXT PRIMARY KEY, shipping_fee BIGINT NOT NULL, "
    "fee_returned BIGINT NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS view_liability (case_id TEXT PRIMARY KEY, order_id TEXT NOT NULL, "
    "kind TEXT NOT NULL, reason TEXT NOT NULL, accepted BIGINT NOT NULL DEFAULT 0, payer TEXT, rule TEXT, "
    "outbound BIGINT NOT NULL DEFAULT 0, return_leg BIGINT NOT NULL DEFAULT 0, "
    "reship BIGINT NOT NULL DEFAULT 0, refund_approved BIGINT NOT NULL DEFAULT 0, "
    "refunded BIGINT NOT NULL DEFAULT 0)",
    "CREATE INDEX IF NOT EXISTS view_liability_order ON view_liability (order_id)",
]


def placed(p, event: OrderPlaced) -> None:
    p.execute("INSERT INTO view_order_fees (order_id, shipping_fee) VALUES (?, ?)",
              (event.order_id, cents(event.shipping_fee)))


def requested(p, event: ReturnRequested) -> None:
    p.execute("INSERT INTO view_liability (case_id, order_id, kind, reason) VALUES (?, ?, ?, ?)",
              (event.case_id, event.order_id, event.kind, event.reason))


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
    p.execute("UPDATE view_liability SET accepted = 1, outbound = ? WHERE case_id = ?", (outbound, event.case_id))


def _add(p, case_id: str, column: str, amount: int) -> None:
    p.execute(f"UPDATE view_liability SET {column} = {column} + ? WHERE case_id = ?", (amount, case_id))


def payer(p, event: ShippingCostAssigned) -> None:
    p.execute("UPDATE view_liability SET payer = ?, rule = ? WHERE case_id = ?", (event.payer, event.rule,
                                                                                  event.case_id))


def parcel(p, event: ReturnParcelReceived) -> None:
    _add(p, event.case_id, "return_leg", cents(event.postage))


def parcel_refused(p, event: ReturnParcelRefused) -> None:
    _add(p, event.case_id, "return_leg", -cents(event.postage))


def reshipped(p, event: ExchangeShipped) -> None:
    _add(p, event.case_id, "reship", cents(event.postage))


def approved(p, event: RefundApproved) -> None:
    p.execute("UPDATE view_liability SET refund_approved = ? WHERE case_id = ?", (cents(event.amount), event.case_id))


def refunded(p, event: RefundIssued) -> None:
    _add(p, event.case_id, "refunded", cents(event.amount))


HANDLERS = {
    OrderPlaced: placed, ReturnRequested: requested, ReturnAccepted: accepted, ShippingCostAssigned: payer,
    ReturnParcelReceived: parcel, ReturnParcelRefused: parcel_refused, ExchangeShipped: reshipped,
    RefundApproved: approved, RefundIssued: refunded,
}

TOTALS = ("shop_cost", "buyer_cost", "refund_approved", "refunded", "refund_outstanding")


def report(cursor: Any, case_id: str | None = None, order_id: str | None = None) -> dict:
    where, params = "WHERE accepted = 1", []
    if case_id:
        where, params = where + " AND case_id = ?", [*params, case_id]
    if order_id:
        where, params = where + " AND order_id = ?", [*params, order_id]
    cursor.execute("SELECT case_id, order_id, kind, reason, payer, rule, outbound, return_leg, reship, "
                   f"refund_approved, refunded FROM view_liability {where} ORDER BY case_id", params)
    cases, totals = [], dict.fromkeys(TOTALS, 0)
    for case, order, kind, reason, payer_, rule, outbound, return_leg, reship, approved_, refunded_ in \
            cursor.fetchall():
        legs = outbound + return_leg + reship
        figures = {"shop_cost": legs if payer_ == "shop" else 0, "buyer_cost": legs if payer_ == "buyer" else 0,
                   "refund_approved": approved_, "refunded": refunded_,
                   "refund_outstanding": approved_ - refunded_}
        for name in TOTALS:
            totals[name] += figures[name]
        cases.append({"case_id": case, "order_id": order, "kind": kind, "reason": reason, "payer": payer_,
                      "rule": rule, "outbound_postage": money(outbound), "return_postage": money(return_leg),
                      "reship_postage": money(reship), **{k: money(v) for k, v in figures.items()}})
    return {"cases": cases, "totals": {name: money(value) for name, value in totals.items()}}
