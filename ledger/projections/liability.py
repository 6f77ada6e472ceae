"""Shipping-cost and refund liability per accepted case, and per order that did not reach its buyer
(SPEC section 7)."""
from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from ledger.projections.columns import BOOL, JSON, MONEY, TIME, Column, Table, registry
from ledger.projections.stock import units
from ledger.values import cents_of, micros, money

CASES = Table("view_liability", (
    Column("case_id", key=True), Column("order_id", index=True), Column("kind"), Column("reason"),
    Column("accepted", BOOL, shown=False), Column("payer"), Column("rule"),
    Column("outbound_postage", MONEY, listed=False), Column("return_postage", MONEY, listed=False),
    Column("reship_postage", MONEY, listed=False),
    Column("shop_cost", MONEY, stored=False), Column("buyer_cost", MONEY, stored=False, listed=False),
    Column("refund_approved", MONEY, listed=False), Column("refunded", MONEY, listed=False),
    Column("refund_outstanding", MONEY, stored=False),
    Column("requested_at", TIME, shown=False),
    Column("last_at", TIME, shown=False),  # the latest `at` among the case's events: the report's recent cases
))
ORDERS = Table("view_liability_orders", (
    Column("order_id", key=True), Column("cancelled", BOOL),
    Column("refund_approved", MONEY), Column("refunded", MONEY), Column("refund_outstanding", MONEY, stored=False),
    Column("returned_postage", MONEY), Column("lost_value", MONEY),
    Column("since", TIME, shown=False),  # the earliest `at` of what put the order here
))
# an order's shipping fee and unit prices, and the accepted return that has the fee as its outbound leg
ORDER_FEES = Table("view_order_fees", (
    Column("order_id", key=True), Column("shipping_fee", MONEY), Column("prices", JSON),
    Column("fee_case"), Column("fee_at", TIME),
))
# a parcel's order or case, postage and lines, for when it comes back or is lost
PARCELS = Table("view_liability_parcels", (
    Column("shipment_id", key=True), Column("order_id"), Column("case_id"), Column("postage", MONEY),
    Column("lines", JSON),
))
TABLES = (CASES, ORDERS, ORDER_FEES, PARCELS)
HANDLERS, on = registry()
TOTALS = ("shop_cost", "buyer_cost", "refund_approved", "refunded", "refund_outstanding", "returned_postage",
          "lost_value")


@on("OrderPlaced")
def placed(p, e: dict) -> None:
    prices: dict[str, int] = {}
    for line in e["lines"]:  # a SKU on several lines is priced by its first line, as a return's refund is
        prices.setdefault(line["sku"], cents_of(line["unit_price"]))
    order = p.new(ORDER_FEES, e["order_id"])
    order["shipping_fee"], order["prices"] = cents_of(e["shipping_fee"]), prices


@on("ParcelDispatched")
def dispatched(p, e: dict) -> None:
    parcel = p.new(PARCELS, e["shipment_id"])
    parcel.update(order_id=e.get("order_id"), case_id=e.get("case_id"), postage=cents_of(e["postage"]),
                  lines=units(e["lines"]))


@on("ParcelReturnedToSender")
def returned_to_sender(p, e: dict) -> None:
    """The shop's cost: the parcel's postage and the carrier's charge for bringing it back. A replacement's
    stays in its case's reship leg, where its postage already is."""
    parcel = p.find(PARCELS, e["shipment_id"])
    if parcel["case_id"] is not None:
        p.row(CASES, parcel["case_id"])["reship_postage"] += cents_of(e["postage"])
    else:
        _order(p, parcel["order_id"], e)["returned_postage"] += parcel["postage"] + cents_of(e["postage"])


@on("ParcelLost")
def lost(p, e: dict) -> None:
    """The shop's loss, to claim from the carrier: the goods value of the lost lines at the order's prices."""
    parcel = p.find(PARCELS, e["shipment_id"])
    if parcel["order_id"] is None:
        return  # a lost replacement keeps its postage in its case's reship leg
    prices = p.find(ORDER_FEES, parcel["order_id"])["prices"]
    _order(p, parcel["order_id"], e)["lost_value"] += sum(prices[sku] * quantity
                                                          for sku, quantity in parcel["lines"].items())


@on("OrderCancelled")
def cancelled(p, e: dict) -> None:
    _order(p, e["order_id"], e)["cancelled"] = 1


def _order(p, order_id: str, e: dict) -> dict:
    """An order's row, `since` the earliest of the events that put it here."""
    row, at = p.row(ORDERS, order_id), micros(e["at"])
    row["since"] = at if row["since"] is None else min(row["since"], at)
    return row


@on("ReturnRequested")
def requested(p, e: dict) -> None:
    case = p.new(CASES, e["case_id"])
    case.update(order_id=e["order_id"], kind=e["kind"], reason=e["reason"], requested_at=micros(e["at"]),
                last_at=micros(e["at"]))


@on("ReturnAccepted")
def accepted(p, e: dict) -> None:
    """The outbound leg (the order's shipping fee) goes with the order's earliest-dated accepted return (of
    two at the same time, the one appended first), and moves to an earlier one when it arrives."""
    case = p.row(CASES, e["case_id"])
    case["accepted"] = 1
    if case["kind"] == "exchange":  # a return's or a refund only's: the goods' way out is the case's
        return
    order, at = p.row(ORDER_FEES, e["order_id"]), micros(e["at"])
    if order["fee_case"] is not None and order["fee_at"] <= at:
        return
    if order["fee_case"] is not None:
        p.row(CASES, order["fee_case"])["outbound_postage"] = 0
    case["outbound_postage"] = order["shipping_fee"]
    order.update(fee_case=e["case_id"], fee_at=at)


@on("ReturnWithdrawn")
def withdrawn(p, e: dict) -> None:
    """A withdrawn case leaves the view as a rejected one does; the outbound leg it held goes to the next
    accepted return of its order to arrive."""
    case = p.row(CASES, e["case_id"])
    case["accepted"], case["outbound_postage"] = 0, 0
    order = p.row(ORDER_FEES, case["order_id"])
    if order["fee_case"] == e["case_id"]:
        order.update(fee_case=None, fee_at=None)


def _add(p, case_id: str, column: str, amount: int) -> None:
    p.row(CASES, case_id)[column] += amount


@on("ReturnInspected", "ExchangeDelayNotified", "SupervisorRuled", "ReturnEscalated")
def touched(p, e: dict) -> None:
    """The case's latest `at` (the other case events' handlers call this too)."""
    case = p.row(CASES, e["case_id"])
    at = micros(e["at"])
    case["last_at"] = at if case["last_at"] is None else max(case["last_at"], at)


@on("ShippingCostAssigned")
def payer(p, e: dict) -> None:
    case = p.row(CASES, e["case_id"])
    case["payer"], case["rule"] = e["payer"], e["rule"]


@on("ReturnParcelReceived")
def parcel(p, e: dict) -> None:
    _add(p, e["case_id"], "return_postage", cents_of(e["postage"]))
    touched(p, e)


@on("ReturnParcelRefused")
def parcel_refused(p, e: dict) -> None:
    _add(p, e["case_id"], "return_postage", -cents_of(e["postage"]))


@on("ExchangeShipped")
def reshipped(p, e: dict) -> None:
    _add(p, e["case_id"], "reship_postage", cents_of(e["postage"]))
    touched(p, e)


@on("RefundApproved")
def approved(p, e: dict) -> None:
    if e.get("order_id") is not None:  # OR-1
        _order(p, e["order_id"], e)["refund_approved"] = cents_of(e["amount"])
    else:
        p.row(CASES, e["case_id"])["refund_approved"] = cents_of(e["amount"])


@on("RefundIssued", "PlatformRefunded")  # PF-1: what the platform paid back is paid
def refunded(p, e: dict) -> None:
    if e.get("order_id") is not None:
        _order(p, e["order_id"], e)["refunded"] += cents_of(e["amount"])
    else:
        _add(p, e["case_id"], "refunded", cents_of(e["amount"]))
        touched(p, e)


def figures(row: dict) -> dict:
    """A case's costs: both legs fall to whoever the payer is, nobody's while pending."""
    legs = row["outbound_postage"] + row["return_postage"] + row["reship_postage"]
    return {**outstanding(row), "shop_cost": legs if row["payer"] == "shop" else 0,
            "buyer_cost": legs if row["payer"] == "buyer" else 0}


def recent_cases(cursor: Any, since: int) -> set[str]:
    """The accepted cases with an event dated at or after `since` (micros)."""
    return {row["case_id"] for row in CASES.read(cursor, "accepted = 1 AND last_at >= ?", (since,))}


def report(cursor: Any, case_id: str | None = None, order_id: str | None = None, outstanding_only: bool = False,
           since: int | None = None, until: int | None = None) -> dict:
    """`liability --json`: accepted cases and the orders that did not reach their buyer (of one case or
    order, if given; with refund outstanding only; requested, or come to the table, in [since, until), in
    micros), with totals over the rows listed; the refund totals cover cases and orders alike."""
    def where(first: str, at: str, key: str | None, value: str | None) -> tuple[str, list]:
        clauses, params = [first] if first else [], []
        for column, given in ((key, value), ("order_id", order_id)):
            if column and given:
                clauses.append(f"{column} = ?")
                params.append(given)
        for bound, op in ((since, ">="), (until, "<")):
            if bound is not None:
                clauses.append(f"{at} {op} ?")
                params.append(bound)
        if outstanding_only:
            clauses.append("refund_approved > refunded")
        return " AND ".join(clauses), params

    cases = [figures(row) for row in CASES.read(cursor, *where("accepted = 1", "requested_at", "case_id", case_id),
                                                order="case_id")]
    orders = [] if case_id else [outstanding(row) for row in ORDERS.read(
        cursor, *where("", "since", None, None), order="order_id")]
    total = Totals()
    for row in (*cases, *orders):
        total.add(row)
    return {"cases": [CASES.json(case) for case in cases], "orders": [ORDERS.json(row) for row in orders],
            "totals": total.json()}


def subtotal(rows: list[dict]) -> dict:
    """The totals of JSON rows (one table's), for the text table's last row."""
    return {name: f"{sum(Decimal(row[name]) for row in rows):.2f}" for name in TOTALS if rows and name in rows[0]}


def outstanding(row: dict) -> dict:
    """A row's refund still to pay: a case's, or a cancelled order's (OR-1)."""
    return {**row, "refund_outstanding": row["refund_approved"] - row["refunded"]}


class Totals:
    """The totals of the rows added (stored values), as `liability --json` shows them."""

    def __init__(self) -> None:
        self.sums = dict.fromkeys(TOTALS, 0)

    def add(self, row: dict) -> None:
        for name in TOTALS:
            self.sums[name] += row.get(name, 0)

    def json(self) -> dict:
        return {name: money(total) for name, total in self.sums.items()}


def each(cursor: Any) -> Iterator[tuple[str, dict]]:
    """Every accepted case and every order row, a page at a time, with their figures (stored values): for
    work that goes over a whole store's liability without holding it (a what-if)."""
    yield from (("case", figures(row)) for row in CASES.each(cursor) if row["accepted"])
    yield from (("order", outstanding(row)) for row in ORDERS.each(cursor))
