"""Deadlines per order, case and dispute, and the breaches among them as of a time T (SPEC section 7).

The table holds each deadline once with what happened to it (done, excused,
voided, each at its earliest business time, whatever order the records came in; an order's address
confirmations and changes, every one);
which of them are breaches depends on T and is worked out when the view is read.
"""
from __future__ import annotations

from datetime import datetime
from collections.abc import Iterator
from typing import Any

import orjson

from ledger import rules
from ledger.projections.columns import JSON, TIME, Column, Table, registry
from ledger.values import from_micros, micros

DEADLINES = Table("view_deadlines", (
    Column("kind", key=True), Column("subject", key=True, index=True), Column("rule"),
    Column("opened_at", TIME, shown=False), Column("due", TIME, index=True),
    Column("done_at", TIME, none="not_done", index=True),  # what is open at T: the 待办 list, `sla --open`
    Column("excused_at", TIME, shown=False), Column("void_at", TIME, shown=False), Column("source", shown=False),
    Column("starts", JSON, shown=False), Column("changes", JSON, shown=False),
), lookup="subject", fields=("order_id", "case_id", "dispute_id", "complaint_id"))
TABLES = (DEADLINES,)
ESCALATED = "escalated"  # the `source` of an exchange's deadline that waits for, or counts from, a ruling
HANDLERS, on = registry()

SAME_DAY, ADDRESS, RESHIP, CONTACT, RESOLUTION, COMPLAINT_RESPONSE, COMPLAINT_RESOLUTION = KINDS = (
    "same_day_shipping", "address_unconfirmed", "exchange_reship", "review_contact", "review_resolution",
    "complaint_response", "complaint_resolution")


def _open(p, kind: str, subject: str, rule: str, opened: datetime, due: datetime | None, **more: Any) -> None:
    """A deadline is opened once; a later opening of the same one changes nothing."""
    if p.find(DEADLINES, (kind, subject)) is None:
        p.row(DEADLINES, (kind, subject)).update(rule=rule, opened_at=micros(opened),
                                                 due=micros(due) if due else None, **more)


def _first(p, column: str, kind: str, subject: str, at: datetime) -> None:
    """The first time something marked a deadline counts."""
    row = p.find(DEADLINES, (kind, subject))
    if row is not None and (row[column] is None or row[column] > micros(at)):
        p.row(DEADLINES, (kind, subject))[column] = micros(at)


@on("OrderPlaced")
def order_placed(p, e: dict) -> None:
    """SH-1's deadline, and SH-3's, which is due at the order's earliest dispatch (none until then)."""
    at = e["at"]
    _open(p, SAME_DAY, e["order_id"], rules.dispatch_due.rule, at, rules.dispatch_due(at, p.policy_at(at)))
    _open(p, ADDRESS, e["order_id"], rules.address_confirmed.rule, at, None)


@on("ParcelDispatched")
def parcel_dispatched(p, e: dict) -> None:
    """The earliest-dated dispatch of an order meets SH-1 and is what SH-3 asks a confirmation before."""
    if e.get("order_id") is not None:
        _first(p, "done_at", SAME_DAY, e["order_id"], e["at"])
        _first(p, "due", ADDRESS, e["order_id"], e["at"])
        _first(p, "done_at", ADDRESS, e["order_id"], e["at"])


def _add_time(p, column: str, order_id: str, at: datetime) -> None:
    """SH-3 keeps every confirmation (`starts`, the earliest also as `excused_at`) and address change
    (`changes`, VO-2): only a confirmation after the latest change before the dispatch counts, whatever order
    they came in."""
    row = p.find(DEADLINES, (ADDRESS, order_id))
    if row is not None:
        p.row(DEADLINES, (ADDRESS, order_id))[column] = sorted([*(row[column] or []), micros(at)])


@on("AddressConfirmed")
def address_confirmed(p, e: dict) -> None:
    _first(p, "excused_at", ADDRESS, e["order_id"], e["at"])
    _add_time(p, "starts", e["order_id"], e["at"])


@on("AddressChanged")
def address_changed(p, e: dict) -> None:
    _add_time(p, "changes", e["order_id"], e["at"])


def confirmed(row: dict, by: int) -> bool:
    """Whether an order's SH-3 row (as stored) holds a confirmation that counts at `by` (microseconds): without
    an address change, its earliest confirmation (`excused_at`) tells."""
    if row["changes"] is None:
        return row["excused_at"] is not None and row["excused_at"] <= by
    times = {name: [from_micros(at) for at in orjson.loads(row[name] or "[]")] for name in ("starts", "changes")}
    return rules.address_confirmed(times["starts"], from_micros(by), times["changes"])


@on("ReturnRequested")
def case_requested(p, e: dict) -> None:
    """AS-2's deadline is an exchange's alone, due once a parcel (or a ruling) starts its clock; the row is
    there from the request, so a replacement or delay notice appended before the parcel still counts."""
    if e["kind"] == "exchange":
        _open(p, RESHIP, e["case_id"], rules.reship_due.rule, e["at"], None)


def _restart(p, case_id: str, change) -> None:
    """AS-2's clock starts at the earliest of the case's starts (its accepted parcels, or its rulings once
    it was escalated): `starts` holds them as [at, ref], and `change` adds or takes one."""
    row = p.row(DEADLINES, (RESHIP, case_id))
    starts = change(row["starts"] or [])
    row["starts"] = starts
    if not starts:
        row["due"] = None
        return
    start = from_micros(min(starts)[0])
    row.update(opened_at=micros(start), due=micros(rules.reship_due(start, p.policy_at(start))))


@on("ReturnParcelReceived")
def return_parcel(p, e: dict) -> None:
    """AS-2 counts from the earliest accepted returned parcel of an exchange (a refused one is taken off
    again by its ReturnParcelRefused, which follows it)."""
    row = p.find(DEADLINES, (RESHIP, e["case_id"]))
    if row is None or row["source"] == ESCALATED:
        return  # a return's; or escalated, when the ruling starts the clock, not a parcel
    _restart(p, e["case_id"], lambda starts: [*starts, [micros(e["at"]), e["ref"]]])


@on("ReturnParcelRefused")
def parcel_refused(p, e: dict) -> None:
    row = p.find(DEADLINES, (RESHIP, e["case_id"]))
    if row is not None and row["source"] != ESCALATED:
        _restart(p, e["case_id"], lambda starts: [s for s in starts if s[1] != e["caused_by"]])


@on("ReturnEscalated")
def escalated(p, e: dict) -> None:
    """The replacement waits for the ruling; the deadline counts from the earliest ruling after this."""
    if p.find(DEADLINES, (RESHIP, e["case_id"])) is not None:
        p.row(DEADLINES, (RESHIP, e["case_id"]))["source"] = ESCALATED
        _restart(p, e["case_id"], lambda starts: [])


@on("SupervisorRuled")
def ruled(p, e: dict) -> None:
    row = p.find(DEADLINES, (RESHIP, e["case_id"]))
    if row is not None and row["source"] == ESCALATED:
        _restart(p, e["case_id"], lambda starts: [*starts, [micros(e["at"]), e["ref"]]])


@on("ReviewPosted")
def review_posted(p, e: dict) -> None:
    if rules.opens_dispute(e["rating"]):
        policy = p.policy_at(e["at"])
        _open(p, CONTACT, e["dispute_id"], rules.contact_due.rule, e["at"], rules.contact_due(e["at"], policy))
        _open(p, RESOLUTION, e["dispute_id"], rules.resolve_due.rule, e["at"], rules.resolve_due(e["at"], policy))


@on("ComplaintLodged")
def complaint_lodged(p, e: dict) -> None:
    policy = p.policy_at(e["at"])
    _open(p, COMPLAINT_RESPONSE, e["complaint_id"], rules.complaint_response_due.rule, e["at"],
          rules.complaint_response_due(e["at"], policy))
    _open(p, COMPLAINT_RESOLUTION, e["complaint_id"], rules.complaint_resolution_due.rule, e["at"],
          rules.complaint_resolution_due(e["at"], policy))


# What marks a deadline done, excused or void (the first such time counts): (event type, column, kind, subject)
MARKS = [
    ("DispatchDelayNotified", "excused_at", SAME_DAY, "order_id"),  # SH-2
    ("OrderCancelled", "void_at", SAME_DAY, "order_id"),  # a cancelled order has no dispatch deadline
    ("ExchangeShipped", "done_at", RESHIP, "case_id"),
    ("ExchangeDelayNotified", "excused_at", RESHIP, "case_id"),  # AS-2
    ("ReturnWithdrawn", "void_at", RESHIP, "case_id"),  # a withdrawn exchange has nothing to send
    ("BuyerContacted", "done_at", CONTACT, "dispute_id"),
    ("DisputeSettled", "done_at", RESOLUTION, "dispute_id"),
    ("NegotiationFailed", "done_at", RESOLUTION, "dispute_id"),
    ("ComplaintAnswered", "done_at", COMPLAINT_RESPONSE, "complaint_id"),
    ("ComplaintClosed", "done_at", COMPLAINT_RESOLUTION, "complaint_id"),
]
for _record, _column, _kind, _subject in MARKS:  # AU-4: a late entry by other than a supervisor, from its entry
    on(_record)(lambda p, e, column=_column, kind=_kind, subject=_subject: _first(
        p, column, kind, e[subject], rules.counted_from(e["type"], e["at"], e)))

# Whether a thing done at `done` meets `due`: SH-1's due is exclusive, the hours deadlines inclusive.
ON_TIME = {SAME_DAY: rules.shipped_on_time, **dict.fromkeys(
    (RESHIP, CONTACT, RESOLUTION, COMPLAINT_RESPONSE, COMPLAINT_RESOLUTION), rules.met)}
EXCUSABLE = {SAME_DAY: rules.dispatch_delay_excused, RESHIP: rules.reship_delay_excused}


def _paged(cursor: Any, where: str, params: list, page: int = 5000) -> Iterator[dict]:
    """The rows in (due, subject, kind) order, a page at a time: a store of years has a million deadlines
    passed, of which only the breaches are kept."""
    rows = DEADLINES.read(cursor, where, params, order=f"due, subject, kind LIMIT {page}")
    while rows:
        yield from rows
        last = rows[-1]
        rows = DEADLINES.read(cursor, f"{where} AND (due > ? OR (due = ? AND (subject > ? OR (subject = ? AND "
                                      "kind > ?))))", [*params, last["due"], last["due"], last["subject"],
                                                       last["subject"], last["kind"]],
                              order=f"due, subject, kind LIMIT {page}") if len(rows) == page else []


def breaches(cursor: Any, as_of: datetime, subject: str | None = None) -> list[dict]:
    """Rows whose deadline had passed at T unmet and unexcused; only records at or before T count.

    Times are stored values (microseconds); `DEADLINES.json` shows them."""
    t = micros(as_of)
    # what the loop below would pass over anyway, left in the table: the void, the done before their due,
    # the addresses confirmed before the dispatch with no change after (most rows of a long history)
    where = ("due IS NOT NULL AND due <= ? AND opened_at <= ? AND (void_at IS NULL OR void_at > ?) "
             "AND NOT (kind <> ? AND done_at IS NOT NULL AND done_at < due) "
             "AND NOT (kind = ? AND changes IS NULL AND excused_at IS NOT NULL AND excused_at <= due)")
    params = [t, t, t, ADDRESS, ADDRESS]
    if subject:
        where, params = where + " AND subject = ?", [*params, subject]
    found = []
    for row in _paged(cursor, where, params):
        kind, due, done, excused, void = row["kind"], row["due"], row["done_at"], row["excused_at"], row["void_at"]
        if void is not None and void <= t:
            continue  # a cancelled order has no dispatch deadline
        row["done_at"] = done if done is not None and done <= t else None
        if kind == ADDRESS:
            if confirmed(row, due):
                continue  # confirmed before the earliest dispatch
        else:
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
