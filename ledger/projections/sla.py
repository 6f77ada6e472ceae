"""Deadlines per order, case and dispute, and the breaches among them as of a time T (SPEC section 7).

The table holds each deadline once with what happened to it (done, excused,
voided, each at its first business time); which of them are breaches depends
on T and is worked out when the view is read.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ledger import rules
from ledger.events import (
    BuyerContacted,
    ComplaintAnswered,
    ComplaintClosed,
    ComplaintLodged,
    DispatchDecision,
    DispatchDelayNotified,
    DisputeSettled,
    ExchangeDelayNotified,
    ExchangeShipped,
    NegotiationFailed,
    OrderCancelled,
    OrderPlaced,
    ParcelDispatched,
    ReturnEscalated,
    ReturnParcelReceived,
    ReturnParcelRefused,
    ReturnRequested,
    ReviewPosted,
    ShippedLate,
    ShippedSameDay,
    SupervisorRuled,
)
from ledger.projections.columns import TIME, Column, Table, registry
from ledger.values import from_micros, micros

DEADLINES = Table("view_deadlines", (
    Column("kind", key=True), Column("subject", key=True), Column("rule"),
    Column("opened_at", TIME, shown=False), Column("due", TIME, index=True), Column("done_at", TIME, none="not done"),
    Column("excused_at", TIME, shown=False), Column("void_at", TIME, shown=False), Column("source", shown=False),
))
# the exchanges among the cases: AS-2's deadline is theirs alone
EXCHANGES = Table("view_sla_exchanges", (Column("case_id", key=True),))
TABLES = (DEADLINES, EXCHANGES)
HANDLERS, on = registry()

SAME_DAY, ADDRESS, RESHIP, CONTACT, RESOLUTION, COMPLAINT_RESPONSE, COMPLAINT_RESOLUTION = KINDS = (
    "same_day_shipping", "address_unconfirmed", "exchange_reship", "review_contact", "review_resolution",
    "complaint_response", "complaint_resolution")


def _open(p, kind: str, subject: str, rule: str, opened: datetime, due: datetime | None, **more: Any) -> None:
    columns = {"kind": kind, "subject": subject, "rule": rule, "opened_at": micros(opened),
               "due": micros(due) if due else None, **more}
    p.execute(f"INSERT INTO view_deadlines ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
              "ON CONFLICT (kind, subject) DO NOTHING", tuple(columns.values()))


def _first(p, column: str, kind: str, subject: str, at: datetime) -> None:
    p.execute(f"UPDATE view_deadlines SET {column} = ? WHERE kind = ? AND subject = ? "
              f"AND ({column} IS NULL OR {column} > ?)", (micros(at), kind, subject, micros(at)))


@on(OrderPlaced)
def order_placed(p, event: OrderPlaced) -> None:
    _open(p, SAME_DAY, event.order_id, rules.dispatch_due.rule, event.at,
          rules.dispatch_due(event.at, p.policy_at(event.at)))


@on(ParcelDispatched)
def parcel_dispatched(p, event: ParcelDispatched) -> None:
    if event.order_id is not None:
        _first(p, "done_at", SAME_DAY, event.order_id, event.at)


@on(ShippedSameDay, ShippedLate)
def dispatch_decided(p, event: DispatchDecision) -> None:
    if not event.address_confirmed:
        _open(p, ADDRESS, event.order_id, rules.address_confirmed.rule, event.at, event.at, done_at=micros(event.at))


@on(ReturnRequested)
def case_requested(p, event: ReturnRequested) -> None:
    if event.kind == "exchange":
        p.execute("INSERT INTO view_sla_exchanges VALUES (?)", (event.case_id,))


@on(ReturnParcelReceived)
def return_parcel(p, event: ReturnParcelReceived) -> None:
    """AS-2 counts from the first accepted returned parcel of an exchange."""
    if p.one("SELECT 1 FROM view_sla_exchanges WHERE case_id = ?", (event.case_id,)):
        _open(p, RESHIP, event.case_id, rules.reship_due.rule, event.at,
              rules.reship_due(event.at, p.policy_at(event.at)), source=event.ref)


@on(ReturnParcelRefused)
def parcel_refused(p, event: ReturnParcelRefused) -> None:
    p.execute("DELETE FROM view_deadlines WHERE kind = ? AND subject = ? AND source = ?",
              (RESHIP, event.case_id, event.caused_by))


@on(ReturnEscalated)
def escalated(p, event: ReturnEscalated) -> None:
    """The replacement waits for the ruling; the deadline counts from it."""
    p.execute("UPDATE view_deadlines SET due = NULL, source = ? WHERE kind = ? AND subject = ?",
              ("escalated", RESHIP, event.case_id))


@on(SupervisorRuled)
def ruled(p, event: SupervisorRuled) -> None:
    p.execute("UPDATE view_deadlines SET due = ?, source = ? WHERE kind = ? AND subject = ? AND source = ?",
              (micros(rules.reship_due(event.at, p.policy_at(event.at))), event.ref, RESHIP, event.case_id,
               "escalated"))


@on(ReviewPosted)
def review_posted(p, event: ReviewPosted) -> None:
    if rules.opens_dispute(event.rating):
        policy = p.policy_at(event.at)
        _open(p, CONTACT, event.dispute_id, rules.contact_due.rule, event.at, rules.contact_due(event.at, policy))
        _open(p, RESOLUTION, event.dispute_id, rules.resolve_due.rule, event.at, rules.resolve_due(event.at, policy))


@on(ComplaintLodged)
def complaint_lodged(p, event: ComplaintLodged) -> None:
    policy = p.policy_at(event.at)
    _open(p, COMPLAINT_RESPONSE, event.complaint_id, rules.complaint_response_due.rule, event.at,
          rules.complaint_response_due(event.at, policy))
    _open(p, COMPLAINT_RESOLUTION, event.complaint_id, rules.complaint_resolution_due.rule, event.at,
          rules.complaint_resolution_due(event.at, policy))


# What marks a deadline done, excused or void (the first such time counts): (record, column, kind, subject)
MARKS = [
    (DispatchDelayNotified, "excused_at", SAME_DAY, "order_id"),  # SH-2
    (OrderCancelled, "void_at", SAME_DAY, "order_id"),  # a cancelled order has no dispatch deadline
    (ExchangeShipped, "done_at", RESHIP, "case_id"),
    (ExchangeDelayNotified, "excused_at", RESHIP, "case_id"),  # AS-2
    (BuyerContacted, "done_at", CONTACT, "dispute_id"),
    (DisputeSettled, "done_at", RESOLUTION, "dispute_id"),
    (NegotiationFailed, "done_at", RESOLUTION, "dispute_id"),
    (ComplaintAnswered, "done_at", COMPLAINT_RESPONSE, "complaint_id"),
    (ComplaintClosed, "done_at", COMPLAINT_RESOLUTION, "complaint_id"),
]
for _record, _column, _kind, _subject in MARKS:
    on(_record)(lambda p, event, column=_column, kind=_kind, subject=_subject:
                _first(p, column, kind, getattr(event, subject), event.at))

# Whether a thing done at `done` meets `due`: SH-1's due is exclusive, the hours deadlines inclusive.
ON_TIME = {SAME_DAY: rules.shipped_on_time, **dict.fromkeys(
    (RESHIP, CONTACT, RESOLUTION, COMPLAINT_RESPONSE, COMPLAINT_RESOLUTION), rules.met)}
EXCUSABLE = {SAME_DAY: rules.dispatch_delay_excused, RESHIP: rules.reship_delay_excused}


def breaches(cursor: Any, as_of: datetime, subject: str | None = None) -> list[dict]:
    """Rows whose deadline had passed at T unmet and unexcused; only records at or before T count.

    Times are stored values (microseconds); `DEADLINES.json` shows them."""
    t = micros(as_of)
    where, params = "due IS NOT NULL AND due <= ? AND opened_at <= ?", [t, t]
    if subject:
        where, params = where + " AND subject = ?", [*params, subject]
    found = []
    for row in DEADLINES.read(cursor, where, params, order="due, subject, kind"):
        kind, due, done, excused, void = row["kind"], row["due"], row["done_at"], row["excused_at"], row["void_at"]
        if void is not None and void <= t:
            continue  # a cancelled order has no dispatch deadline
        row["done_at"] = done if done is not None and done <= t else None
        if kind != ADDRESS:
            on_time = ON_TIME[kind]
            due_at = from_micros(due)
            if on_time(as_of, due_at):
                continue  # not reached yet
            if row["done_at"] is not None and on_time(from_micros(row["done_at"]), due_at):
                continue
            if kind in EXCUSABLE and excused is not None and excused <= t and \
                    EXCUSABLE[kind]([from_micros(excused)], due_at):
                continue
        found.append(row)
    return found
