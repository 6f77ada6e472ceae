"""The answer to a person's record (SPEC section 15): each decision it caused, with its rule and what it means
for the person at hand (`ReturnParcelRefused (AS-4): freight-collect parcels are refused: do not sign for
it`)."""
from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any

METHOD = {"freight_collect": "freight-collect", "surface_mail": "surface-mail", "express": "express"}


def clock(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def span(gap: timedelta) -> str:
    """A length of time as a person reads it: `40m`, `9h 40m`, `1d 22h 0m`."""
    days, minutes = divmod(int(abs(gap).total_seconds() // 60), 24 * 60)
    hours, minutes = divmod(minutes, 60)
    return " ".join(part for part in (f"{days}d" if days else "", f"{hours}h" if hours or days else "",
                                      f"{minutes}m") if part)


def late_by(done: datetime, due: datetime) -> str:
    return f"{span(done - due)} late"


def left(as_of: datetime, due: str | None) -> str:
    """Time left before `due` (`3h 20m`), or how long it is overdue; nothing without a due."""
    if due is None:
        return ""
    gap = datetime.fromisoformat(due) - as_of
    return f"overdue {span(gap)}" if gap < timedelta(0) else span(gap)


def meaning(decision: Any, zone: tzinfo) -> str:
    """What one decision means, in a sentence."""
    kind = type(decision).__name__
    if kind in ("ShippedSameDay", "ShippedLate"):
        said = f"due {clock(decision.due, zone)}, " + (
            "on time" if kind == "ShippedSameDay" else late_by(decision.at, decision.due)
            + ("; SH-2: the buyer was told in time" if decision.notified else "; SH-2: the buyer was not told"))
        return said + ("" if decision.address_confirmed else "; SH-3: address not confirmed")
    if kind == "ReturnAccepted":
        return f"inside the return window (until {clock(decision.window_until, zone)})"
    if kind == "ReturnRejected":
        return f"outside the return window, which ended {clock(decision.window_until, zone)}: nothing more to do"
    if kind == "ShippingCostAssigned":
        return {"shop": "the shop pays the postage", "buyer": "the buyer pays the postage",
                "pending": "who pays waits for the supervisor"}[decision.payer]
    if kind == "ReturnParcelRefused":
        return f"{METHOD[decision.method]} parcels are refused: do not sign for it"
    if kind == "ReturnEscalated":
        return "damage by the buyer: the supervisor rules who pays and what is refunded"
    if kind == "RefundApproved":
        return f"refund of {decision.amount:.2f} approved"
    if kind == "ExchangeShipped":
        return f"replacement on its way ({decision.tracking_no})"
    if kind == "NegativeReviewEscalated":
        return "negotiation failed: reported to the supervisor"
    if kind == "PenaltyAssessed":
        return (f"{decision.staff}'s upheld complaint no. {decision.nth} of {decision.month}: "
                f"{decision.amount:.2f}" + (" (the rest of the month's wage)" if decision.whole_wage else ""))
    return ""


def answer(decisions: list[Any], zone: tzinfo) -> list[str]:
    return [f"{type(d).__name__} ({d.rule})" + (f": {text}" if (text := meaning(d, zone)) else "") for d in decisions]
