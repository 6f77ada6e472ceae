"""The answer to a person's record (SPEC section 15): each decision it caused, with its rule and what it means
for the person at hand (`ReturnParcelRefused (AS-4): freight-collect parcels are refused: do not sign for
it`)."""
from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any

from ledger.messages import say, shown, word


def clock(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def span(gap: timedelta) -> str:
    """A length of time as a person reads it: `40m`, `9h 40m`, `1d 22h` (in Chinese, 9小时 40分); from a day
    on, to the hour."""
    days, minutes = divmod(int(abs(gap).total_seconds() // 60), 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{say('days', n=days)} {say('hours', n=hours)}"
    return f"{say('hours', n=hours)} {say('minutes', n=minutes)}" if hours else say("minutes", n=minutes)


def left(as_of: datetime, due: str | None) -> str:
    """Time left before `due` (`3h 20m`), or how long it is overdue; nothing without a due."""
    if due is None:
        return ""
    gap = datetime.fromisoformat(due) - as_of
    return say("overdue", span=span(gap)) if gap < timedelta(0) else span(gap)


def meaning(decision: Any, zone: tzinfo) -> str:
    """What one decision means, in a sentence."""
    kind = type(decision).__name__
    if kind in ("ShippedSameDay", "ShippedLate"):
        said = say("due_at", at=clock(decision.due, zone)) + ", " + (
            say("on_time") if kind == "ShippedSameDay" else say("late", span=span(decision.at - decision.due))
            + "; " + say("told" if decision.notified else "not_told"))
        return said + ("" if decision.address_confirmed else "; " + say("unconfirmed"))
    if kind == "ReturnAccepted":
        return say("in_window", at=clock(decision.window_until, zone))
    if kind == "ReturnRejected":
        return say("out_window", at=clock(decision.window_until, zone))
    if kind == "ShippingCostAssigned":
        return say(f"payer_{decision.payer}")
    if kind == "ReturnParcelRefused":
        return say("parcel_refused", method=word("method", decision.method))
    if kind == "ReturnEscalated":
        return say("escalated")
    if kind == "RefundApproved":
        return say("refund_approved", amount=f"{decision.amount:.2f}")
    if kind == "ExchangeShipped":
        return say("reshipped", tracking=decision.tracking_no)
    if kind == "NegativeReviewEscalated":
        return say("review_escalated")
    if kind == "PenaltyAssessed":
        return say("penalty", staff=decision.staff, nth=decision.nth, month=decision.month,
                   amount=f"{decision.amount:.2f}") + (say("whole_wage") if decision.whole_wage else "")
    return ""


def answer(decisions: list[Any], zone: tzinfo) -> list[str]:
    return [f"{type(d).__name__} ({d.rule})" + (f": {text}" if (text := meaning(d, zone)) else "") for d in decisions]


def reply(ledger: Any, result: Any) -> list[str]:
    """What the ledger tells the writer of one record (`add`, the desk): each decision it caused, and each SKU
    an order takes below zero."""
    lines = answer(result.answer, ledger.latest_policy().zone)
    if type(result.last).__name__ == "OrderPlaced":
        for sku in dict.fromkeys(line.sku for line in result.last.lines):
            lines += [say("stock_below", sku=sku, available=row["available"]) for row in ledger.stock(sku)
                      if row["available"] < 0]
    return lines


def due_tally(report: dict, page: bool = False) -> str:
    """The line under the 待办 list: how many things in all, and of each kind (on the desk's page, the kinds
    there are, in the reader's words)."""
    name = word if page else shown
    return say("to_do", n=len(report["items"]), each=", ".join(f"{name('kind', kind)} {n}"
                                                               for kind, n in report["counts"].items()
                                                               if n or not page))
