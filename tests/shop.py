"""Record builders for tests, so that a test reads like the shop's own ledger.

Times are given as "11-02 17:59" (local Shanghai time in November 2026) or as
a full ISO time with any offset.
"""
from __future__ import annotations

import json

from collections.abc import Iterable

from ledger.application import Appended, Ledger, LineError


def at(when: str) -> str:
    if "T" in when:
        return when
    date, clock = when.split()
    if clock.count(":") == 1:
        clock += ":00"
    return f"2026-{date}T{clock}+08:00"


def rec(type_: str, when: str, role: str = "customer_service", actor: str = "lily", **fields) -> dict:
    return {"type": type_, "at": at(when), "actor": actor, "role": role, **fields}


def stock(sku: str, quantity: int, when: str = "11-01 08:00") -> dict:
    return rec("StockReceived", when, "shipping_clerk", "wang", sku=sku, quantity=quantity)


def counted(sku: str, quantity: int, when: str) -> dict:
    return rec("StockCounted", when, "shipping_clerk", "wang", sku=sku, quantity=quantity)


def placed(order_id: str, when: str, lines: dict[str, tuple[int, str]] | None = None, fee: str = "6.00",
           customer: str = "CU-1", **extra) -> dict:
    lines = lines or {"TEE": (2, "89.00")}
    return rec("OrderPlaced", when, "system", "platform", order_id=order_id, customer_id=customer,
               lines=[{"sku": s, "quantity": q, "unit_price": p} for s, (q, p) in lines.items()],
               shipping_fee=fee, address="上海市徐汇区漕溪北路1号", phone="13800000000", payment="online", **extra)


def confirmed(order_id: str, when: str) -> dict:
    return rec("AddressConfirmed", when, order_id=order_id)


def delay_notified(order_id: str, when: str) -> dict:
    return rec("DispatchDelayNotified", when, order_id=order_id, reason="缺货,明天发")


def cancelled(order_id: str, when: str) -> dict:
    return rec("OrderCancelled", when, order_id=order_id, reason="buyer changed mind")


def dispatched(shipment_id: str, order_id: str | None, when: str, lines: dict[str, int] | None = None,
               tracking: str | None = None, postage: str = "8.00", case_id: str | None = None) -> dict:
    target = {"case_id": case_id} if case_id else {"order_id": order_id}
    return rec("ParcelDispatched", when, "shipping_clerk", "wang", shipment_id=shipment_id, **target,
               carrier="SF", tracking_no=tracking if tracking is not None else f"SF-{shipment_id}",
               postage=postage, lines=[{"sku": s, "quantity": q} for s, q in (lines or {"TEE": 2}).items()])


def reshipped(shipment_id: str, case_id: str, when: str, lines: dict[str, int] | None = None,
              postage: str = "9.00", tracking: str | None = None) -> dict:
    return dispatched(shipment_id, None, when, lines or {"TEE": 1}, tracking, postage, case_id=case_id)


def delivered(shipment_id: str, when: str) -> dict:
    return rec("ParcelDelivered", when, "system", "carrier-feed", shipment_id=shipment_id)


def requested(case_id: str, order_id: str, when: str, kind: str = "return", reason: str = "quality",
              lines: dict[str, int] | None = None) -> dict:
    return rec("ReturnRequested", when, case_id=case_id, order_id=order_id, kind=kind, reason=reason,
               lines=[{"sku": s, "quantity": q} for s, q in (lines or {"TEE": 1}).items()])


def parcel_received(case_id: str, when: str, method: str = "express", postage: str = "10.00",
                    tracking: str = "BUYER-1") -> dict:
    return rec("ReturnParcelReceived", when, "shipping_clerk", "wang", case_id=case_id, tracking_no=tracking,
               method=method, postage=postage)


def inspected(case_id: str, when: str, finding: str) -> dict:
    return rec("ReturnInspected", when, "shipping_clerk", "wang", case_id=case_id, finding=finding)


def exchange_delay_notified(case_id: str, when: str) -> dict:
    return rec("ExchangeDelayNotified", when, case_id=case_id, reason="supplier late")


def ruled(case_id: str, when: str, role: str = "supervisor", **decision) -> dict:
    return rec("SupervisorRuled", when, role, "zhao", case_id=case_id, note="主管裁定", **decision)


def refunded(case_id: str, when: str, amount: str) -> dict:
    return rec("RefundIssued", when, "supervisor", "zhao", case_id=case_id, amount=amount)


def review(dispute_id: str, order_id: str, when: str, rating: str = "negative") -> dict:
    return rec("ReviewPosted", when, "system", "platform", dispute_id=dispute_id, order_id=order_id,
               rating=rating, text="不满意 / not happy")


def contacted(dispute_id: str, when: str) -> dict:
    return rec("BuyerContacted", when, dispute_id=dispute_id, channel="phone", note="called")


def offered(dispute_id: str, when: str) -> dict:
    return rec("ResolutionOffered", when, dispute_id=dispute_id, offer="exchange")


def negotiation_failed(dispute_id: str, when: str) -> dict:
    return rec("NegotiationFailed", when, dispute_id=dispute_id, note="buyer insists")


def settled(dispute_id: str, when: str) -> dict:
    return rec("DisputeSettled", when, dispute_id=dispute_id, outcome="review_revised")


def policy(version: str, when: str, role: str = "supervisor", **params) -> dict:
    return rec("PolicyAdopted", when, role, "zhao", version=version, params=params)


def shipped_order(order_id: str = "O-1", placed_at: str = "11-02 10:00", dispatched_at: str = "11-02 16:00",
                  delivered_at: str | None = "11-04 10:00", lines: dict[str, tuple[int, str]] | None = None,
                  fee: str = "6.00") -> list[dict]:
    """An order placed, confirmed, dispatched whole in one parcel S-<n>, and delivered."""
    lines = lines or {"TEE": (2, "89.00")}
    shipment = "S-" + order_id.split("-", 1)[1]
    history = [placed(order_id, placed_at, lines, fee), confirmed(order_id, placed_at),
               dispatched(shipment, order_id, dispatched_at, {s: q for s, (q, _) in lines.items()})]
    if delivered_at:
        history.append(delivered(shipment, delivered_at))
    return history


class Questions:
    """What tests ask of a shop, whatever holds its events."""

    def append(self, *records: dict | list[dict]) -> Appended:
        flat: list[dict] = []
        for item in records:
            flat.extend(item if isinstance(item, list) else [item])
        return self.append_lines(json.dumps(r, ensure_ascii=False) for r in flat)

    def refused(self, *records: dict | list[dict]) -> LineError:
        """Append expecting a refusal or invalid input; returns the error."""
        before = self.event_count()
        try:
            self.append(*records)
        except LineError as error:
            assert self.event_count() == before, "a refused file must store nothing"
            return error
        raise AssertionError("the file was accepted")

    def decisions(self, id_: str) -> list[tuple[str, str]]:
        """(type, rule) of the decisions in the stream of `id_` alone."""
        kind, _ = self.kind_of(id_)
        return [(type(e).__name__, e.rule) for e in self.events(id_)
                if hasattr(e, "rule") and e.originator_id == f"{kind}:{id_}"]

    def decision(self, id_: str, type_: str):
        found = [e for e in self.events(id_) if type(e).__name__ == type_]
        assert found, f"no {type_} on {id_}: {self.decisions(id_)}"
        return found[-1]


class Shop(Questions):
    """A ledger on a fresh store, with the questions tests ask of it."""

    def __init__(self, store: str):
        self.store = store
        self.ledger = Ledger(store)

    def append_lines(self, lines: Iterable[str]) -> Appended:
        return self.ledger.append(lines)

    def event_count(self) -> int:
        return self.ledger.recorder.max_notification_id() or 0

    def kind_of(self, id_: str) -> tuple[str, str | None] | None:
        return self.ledger.kind_of(id_)

    def events(self, id_: str) -> list:
        return [event for _, event in self.ledger.events_of(self.ledger.streams_of(id_))]

    def stream(self, stream: str) -> list:
        return [event for _, event in self.ledger.events_of([stream])]

    def policy_book(self):
        return self.ledger.policy_book()

    def raw(self, statement: str, params: tuple = ()) -> list[tuple]:
        """Edit the store behind the ledger's back, as a tamperer would; `{pos}` is the position column
        and `{events}` the events table of this store."""
        recorder = self.ledger.recorder
        statement = statement.replace("{pos}", recorder.POSITION).replace("{events}", recorder.EVENTS)
        with recorder.writing() as cursor:
            cursor.execute(statement, params)
            return [tuple(row) for row in cursor.fetchall()] if statement.lstrip().upper().startswith("SELECT") else []

    def edit_state(self, position: int, old: bytes, new: bytes) -> None:
        state = bytes(self.raw("SELECT state FROM {events} WHERE {pos} = ?", (position,))[0][0])
        self.raw("UPDATE {events} SET state = ? WHERE {pos} = ?", (state.replace(old, new), position))


# -- staff, complaints and the growth fund ---------------------------------------------------------

def wage(staff: str, amount: str, when: str = "10-01 09:00", role: str = "supervisor") -> dict:
    return rec("StaffWageSet", when, role, "zhao", staff=staff, monthly_wage=amount)


def complaint(complaint_id: str, when: str, category: str = "service", against: str | None = "lily",
              customer: str = "CU-7", **extra) -> dict:
    named = {"against": against} if against is not None else {}
    return rec("ComplaintLodged", when, "customer_service", "mei", complaint_id=complaint_id, customer_id=customer,
               category=category, text="客服态度很差 / rude", **named, **extra)


def answered(complaint_id: str, when: str) -> dict:
    return rec("ComplaintAnswered", when, "customer_service", "mei", complaint_id=complaint_id, note="道歉")


def complaint_ruled(complaint_id: str, when: str, upheld: bool = True, role: str = "supervisor") -> dict:
    return rec("ComplaintRuled", when, role, "zhao", complaint_id=complaint_id, upheld=upheld, note="主管裁定")


def closed(complaint_id: str, when: str, feedback: str = "satisfied") -> dict:
    return rec("ComplaintClosed", when, "customer_service", "mei", complaint_id=complaint_id, feedback=feedback)


def fund_spent(amount: str, when: str, role: str = "supervisor") -> dict:
    return rec("FundSpent", when, role, "zhao", amount=amount, purpose="部门聚餐")


def upheld(complaint_id: str, lodged_at: str, ruled_at: str, against: str = "lily") -> list[dict]:
    """A service complaint against a staff member, upheld by the supervisor."""
    return [complaint(complaint_id, lodged_at, against=against), complaint_ruled(complaint_id, ruled_at)]


def returned_to_sender(shipment_id: str, when: str, reason: str = "intercepted", postage: str = "12.00") -> dict:
    return rec("ParcelReturnedToSender", when, "system", "carrier-feed", shipment_id=shipment_id, reason=reason,
               postage=postage)


def lost(shipment_id: str, when: str) -> dict:
    return rec("ParcelLost", when, "system", "carrier-feed", shipment_id=shipment_id)


def order_refunded(order_id: str, when: str, amount: str) -> dict:
    return rec("RefundIssued", when, "supervisor", "zhao", order_id=order_id, amount=amount)


def target(period: str, when: str = "10-01 09:00", role: str = "supervisor", **figures) -> dict:
    return rec("TargetSet", when, role, "zhao", period=period, **figures)


# -- corrections (section 13) ----------------------------------------------------------------------

def key_of(record: dict) -> str:
    """The key the ledger gives a record (its explicit one, or the hash of its fields)."""
    from ledger.reading import record_class, record_key

    return record_key(record, record_class(record))


def voided(record: dict, when: str, actor: str = "zhao", role: str = "supervisor", reason: str = "entered twice",
           **extra) -> dict:
    return rec("RecordVoided", when, role, actor, record=key_of(record), reason=reason, **extra)


def address_changed(order_id: str, when: str, address: str = "北京市朝阳区建国路88号", phone: str = "13900000000"
                    ) -> dict:
    return rec("AddressChanged", when, order_id=order_id, address=address, phone=phone)


def platform_refunded(when: str, amount: str, refund_no: str, case_id: str | None = None,
                      order_id: str | None = None) -> dict:
    subject = {"case_id": case_id} if case_id else {"order_id": order_id}
    return rec("PlatformRefunded", when, "system", "platform", **subject, amount=amount, refund_no=refund_no)


def parcel_sent(case_id: str, when: str, tracking: str = "BUYER-1") -> dict:
    return rec("ReturnParcelSent", when, "system", "platform", case_id=case_id, tracking_no=tracking)


def withdrawn(case_id: str, when: str) -> dict:
    return rec("ReturnWithdrawn", when, "system", "platform", case_id=case_id, reason="买家撤销")
