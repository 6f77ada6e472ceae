"""What is due (SPEC section 15): what someone still has to do at T, the mirror of `sla --open`.

Most of it is read from the SLA deadlines (a deadline not yet met is a thing to do); a case's steps
without a deadline (inspect, rule) and a complaint's ruling are kept here with the times they happened, so
that only records at or before T count.
"""
from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any

from ledger import rules
from ledger.projections import sla
from ledger.projections.columns import BOOL, JSON, TIME, Column, Table, registry
from ledger.values import cents_of, from_micros, micros

# a case's steps: its accepted parcels ([at, ref], a refused one taken off again), its inspection, its
# escalation, its rulings' times, and a freight-collect parcel refused while no ruling let it in
CASE_STEPS = Table("view_due_cases", (
    Column("case_id", key=True), Column("accepted", BOOL), Column("parcels", JSON), Column("inspected_at", TIME),
    Column("escalated_at", TIME), Column("rulings", JSON), Column("waiting_at", TIME),
))
COMPLAINT_STEPS = Table("view_due_complaints", (Column("complaint_id", key=True), Column("answered_at", TIME),
                                                  Column("ruled_at", TIME)))
# a case's or cancelled order's refund: its approvals ([at, cents], each replacing the one before it) and the
# refunds paid ([at, cents]), so that what is outstanding at T counts what was approved and paid by then
REFUNDS = Table("view_due_refunds", (
    Column("subject", key=True), Column("rule"), Column("approvals", JSON), Column("paid", JSON),
), fields=())
TABLES = (CASE_STEPS, COMPLAINT_STEPS, REFUNDS)
HANDLERS, on = registry()

KINDS = ("dispatch", "confirm_address", "inspect", "rule_case", "reship", "refund", "contact_buyer",
         "resolve_review", "answer_complaint", "rule_complaint", "close_complaint")
ROLE = {"dispatch": "shipping_clerk", "confirm_address": "customer_service", "inspect": "shipping_clerk",
        "rule_case": "supervisor", "reship": "shipping_clerk", "refund": "customer_service",
        "contact_buyer": "customer_service", "resolve_review": "customer_service",
        "answer_complaint": "customer_service", "rule_complaint": "supervisor", "close_complaint": "customer_service"}
# the SLA deadline each kind mirrors, where it has one
MIRRORS = {sla.SAME_DAY: "dispatch", sla.RESHIP: "reship", sla.CONTACT: "contact_buyer",
           sla.RESOLUTION: "resolve_review", sla.COMPLAINT_RESPONSE: "answer_complaint"}


def _earliest(p, table: Table, key: str, column: str, at: datetime) -> None:
    row = p.row(table, key)
    if row[column] is None or micros(at) < row[column]:
        row[column] = micros(at)


@on("ReturnAccepted")
def accepted(p, e: dict) -> None:
    p.row(CASE_STEPS, e["case_id"])["accepted"] = 1


@on("ReturnWithdrawn")
def withdrawn(p, e: dict) -> None:
    """A withdrawn case has nothing left to do (whatever T is asked: the withdrawal ends it for good)."""
    p.row(CASE_STEPS, e["case_id"])["accepted"] = 0


@on("ReturnParcelReceived")
def parcel(p, e: dict) -> None:
    row = p.row(CASE_STEPS, e["case_id"])
    row["parcels"] = [*(row["parcels"] or []), [micros(e["at"]), e["ref"]]]


@on("ReturnParcelRefused")
def refused(p, e: dict) -> None:
    row = p.row(CASE_STEPS, e["case_id"])
    row["parcels"] = [step for step in row["parcels"] or [] if step[1] != e["caused_by"]]
    if e["method"] == "freight_collect":  # AS-4 case by case: a supervisor may let the next one in
        _earliest(p, CASE_STEPS, e["case_id"], "waiting_at", e["at"])


@on("ReturnInspected")
def inspected(p, e: dict) -> None:
    _earliest(p, CASE_STEPS, e["case_id"], "inspected_at", e["at"])


@on("ReturnEscalated")
def escalated(p, e: dict) -> None:
    _earliest(p, CASE_STEPS, e["case_id"], "escalated_at", e["at"])


@on("SupervisorRuled")
def ruled(p, e: dict) -> None:
    row = p.row(CASE_STEPS, e["case_id"])
    row["rulings"] = [*(row["rulings"] or []), micros(e["at"])]


@on("RefundApproved")
def refund_approved(p, e: dict) -> None:
    row = p.row(REFUNDS, e.get("case_id") or e["order_id"])
    row["rule"] = e["rule"] if e["rule"] == rules.platform_approval.rule else \
        rules.refund_on_finding.rule if e.get("case_id") else rules.cancellation_refund.rule
    row["approvals"] = [*(row["approvals"] or []), [micros(e["at"]), cents_of(e["amount"])]]


@on("RefundIssued", "PlatformRefunded")
def refund_issued(p, e: dict) -> None:
    row = p.row(REFUNDS, e.get("case_id") or e["order_id"])
    row["paid"] = [*(row["paid"] or []), [micros(e["at"]), cents_of(e["amount"])]]


@on("ComplaintAnswered")
def complaint_answered(p, e: dict) -> None:
    _earliest(p, COMPLAINT_STEPS, e["complaint_id"], "answered_at", e["at"])


@on("ComplaintRuled")
def complaint_ruled(p, e: dict) -> None:
    _earliest(p, COMPLAINT_STEPS, e["complaint_id"], "ruled_at", e["at"])


def items(cursor: Any, as_of: datetime, zone: tzinfo) -> list[dict]:
    """Every thing to do at `as_of`, ordered by due (none last), then subject; times in `zone`."""
    t = micros(as_of)
    found: list[tuple[str, str, str, int | None]] = []  # kind, subject, rule, due

    def by(at: int | None) -> bool:
        return at is not None and at <= t

    # the deadlines open at T: opened by then, neither done nor void by then (an order's SH-3 row is open
    # while it is not dispatched, as its SH-1 row is)
    deadlines = {(row["kind"], row["subject"]): row for row in sla.DEADLINES.read(
        cursor, "opened_at <= ? AND (done_at IS NULL OR done_at > ?) AND (void_at IS NULL OR void_at > ?)", (t, t, t))}
    # the accepted cases that may have a step left at T: not inspected by then, escalated or waiting (for a
    # ruling), or with a replacement still to send; a case done with long ago is not read
    cases = {row["case_id"]: CASE_STEPS.loaded(tuple(row.values())) for row in CASE_STEPS.read(
        cursor, f"accepted = 1 AND (inspected_at IS NULL OR inspected_at > ? OR escalated_at IS NOT NULL OR "
                f"waiting_at IS NOT NULL OR case_id IN (SELECT subject FROM {sla.DEADLINES.name} WHERE kind = ? "
                f"AND (done_at IS NULL OR done_at > ?)))", (t, sla.RESHIP, t))}
    complaints = {row["complaint_id"]: row for row in COMPLAINT_STEPS.read(cursor)}
    for (kind, subject), row in deadlines.items():
        if kind == sla.SAME_DAY:
            found.append(("dispatch", subject, row["rule"], row["due"]))
            address = deadlines.get((sla.ADDRESS, subject))
            if address is not None and not sla.confirmed(address, t):
                found.append(("confirm_address", subject, address["rule"], row["due"]))
        elif kind == sla.RESHIP:
            if subject in cases:
                found.append(("reship", subject, row["rule"], row["due"] if by(row["opened_at"]) else None))
        elif kind in MIRRORS:
            found.append((MIRRORS[kind], subject, row["rule"], row["due"]))
        elif kind == sla.COMPLAINT_RESOLUTION:
            steps = complaints.get(subject, {})
            if by(steps.get("ruled_at")):
                found.append(("close_complaint", subject, row["rule"], row["due"]))
            elif by(steps.get("answered_at")):
                found.append(("rule_complaint", subject, row["rule"], row["due"]))
    for case_id, steps in cases.items():
        rulings = [at for at in steps["rulings"] or [] if by(at)]
        if any(by(at) for at, _ in steps["parcels"] or []) and not by(steps["inspected_at"]):
            found.append(("inspect", case_id, rules.refund_on_finding.rule, None))
        escalated = by(steps["escalated_at"]) and not any(at >= steps["escalated_at"] for at in rulings)
        waiting = by(steps["waiting_at"]) and not any(at >= steps["waiting_at"] for at in rulings)
        if escalated or waiting:
            found.append(("rule_case", case_id, rules.RULING, None))
    for row in REFUNDS.read(cursor, "approvals IS NOT NULL"):
        row = REFUNDS.loaded(tuple(row.values()))
        if outstanding_at(row, t) > 0:
            found.append(("refund", row["subject"], row["rule"], None))
    found.sort(key=lambda item: (item[3] is None, item[3] or 0, item[1], KINDS.index(item[0])))
    return [{"kind": kind, "subject": subject, "rule": rule, "role": ROLE[kind],
             "due": from_micros(due).astimezone(zone).isoformat() if due is not None else None,
             "overdue": due is not None and overdue(kind, as_of, from_micros(due))}
            for kind, subject, rule, due in found]


def outstanding_at(row: dict, t: int) -> int:
    """A refund's approved and not yet paid at T: the latest approval by then (of two at one time, the one
    appended last) less what was paid by then."""
    approved = 0
    latest = None
    for at, cents in row["approvals"]:
        if at <= t and (latest is None or at >= latest):
            latest, approved = at, cents
    return approved - sum(cents for at, cents in row["paid"] or [] if at <= t)


def overdue(kind: str, as_of: datetime, due: datetime) -> bool:
    """Past due at T: SH-1's due is exclusive (a dispatch at midnight is late), the hours deadlines inclusive."""
    if kind in ("dispatch", "confirm_address"):
        return not rules.shipped_on_time(as_of, due)
    return not rules.met(as_of, due)


def parse_within(text: str) -> timedelta:
    """`30m`, `4h`, `2d`."""
    units = {"m": "minutes", "h": "hours", "d": "days"}
    if len(text) < 2 or text[-1] not in units or not text[:-1].isdigit():
        raise ValueError("--within: a duration such as 30m, 4h or 2d")
    return timedelta(**{units[text[-1]]: int(text[:-1])})
