"""The ledger application: appends record files and reads histories.

`Ledger.append` reads a file line by line, lets the aggregates decide each
record against the stored state plus what the file has added so far, and
stores the records, their decisions and the index rows in one transaction.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError

from ledger import rules
from ledger.aggregates import Aggregate, Case, Dispute, Order, PolicyBook, Shipment, Sku
from ledger.events import (
    AddressConfirmed, BuyerContacted, DisputeSettled, DispatchDelayNotified, Event, ExchangeDelayNotified,
    NegotiationFailed, OrderCancelled, OrderNoted, OrderPlaced, ParcelDelivered, ParcelDispatched, PolicyAdopted,
    Record, RefundIssued, ResolutionOffered, ReturnInspected, ReturnParcelReceived, ReturnRequested, ReviewPosted,
    StockCounted, StockReceived, SupervisorRuled,
)
from ledger.projections import Projector, clear_views
from ledger.projections import liability as liability_view, sla as sla_view, stock as stock_view
from ledger.policy import Policy
from ledger.persistence import IndexRows, ReadSet, PydanticMapper, OrjsonTranscoder
from ledger.report import Timeline
from ledger.reading import Invalid, parse_json, record_class, record_key, validate
from ledger.rules import Refused, refuse
from ledger.store import store_env

CONFLICT_RETRIES = 20


class LineError(Exception):
    """A bad line of an appended file: invalid (exit 2) or refused (exit 3)."""

    def __init__(self, line: int, error: Invalid | Refused):
        self.line = line
        self.error = error
        self.status = 3 if isinstance(error, Refused) else 2
        detail = f"{error.rule}: {error.reason}" if isinstance(error, Refused) else str(error)
        super().__init__(f"line {line}: {detail}")


@dataclass
class Appended:
    stored: int  # records stored
    skipped: int  # records whose key was already stored
    decisions: int


class Ledger(Application[str]):
    name = "ledger"

    def __init__(self, store: str, fixed_policy: Policy | None = None):
        self.fixed_policy = fixed_policy  # replay --policy: one policy for the whole history
        super().__init__(store_env(store))

    def construct_mapper(self) -> PydanticMapper:
        return PydanticMapper(transcoder=OrjsonTranscoder())

    # -- appending ------------------------------------------------------------------------------

    def append(self, lines: Iterable[str]) -> Appended:
        """All or nothing: the first bad line raises LineError and nothing of the file is stored."""
        lines = list(lines)
        for attempt in range(CONFLICT_RETRIES):
            try:
                return Batch(self).run(lines)
            except IntegrityError:
                # Another writer stored events, ids or keys first: decide again on the fresh state.
                if attempt == CONFLICT_RETRIES - 1:
                    raise
        raise AssertionError("unreachable")

    # -- reading --------------------------------------------------------------------------------

    def kind_of(self, id_: str) -> tuple[str, str | None] | None:
        return self.recorder.find_ids([id_]).get(id_)

    def streams_of(self, id_: str) -> list[str]:
        """The streams `history ID` shows: an order with its shipments, cases and disputes, a case
        with its replacement shipments, or the one stream of a shipment, dispute or SKU."""
        found = self.kind_of(id_)
        if found is None:
            return []
        kind, _ = found
        streams = [f"{kind}:{id_}"]
        if kind in ("order", "case"):
            for child, child_kind in self.recorder.children(id_):
                streams.append(f"{child_kind}:{child}")
                if child_kind == "case":
                    streams += [f"{k}:{c}" for c, k in self.recorder.children(child)]
        return streams

    def events_of(self, streams: Iterable[str]) -> list[tuple[int, Event]]:
        """(position, event) in position order."""
        return [(n.id, self.mapper.to_domain_event(n)) for n in self.recorder.select_streams(streams)]

    def policy_book(self) -> PolicyBook:
        if self.fixed_policy is not None:
            return PolicyBook(fixed=self.fixed_policy)
        try:
            return self.repository.get("policy")
        except AggregateNotFoundError:
            return PolicyBook()

    # -- views ----------------------------------------------------------------------------------

    def stock(self, sku: str | None = None) -> list[dict]:
        """ST-1's `low` by the latest adopted policy."""
        with self.recorder.reading() as cursor:
            return stock_view.rows(cursor, self.policy_book().latest(), sku)

    def liability(self, case_id: str | None = None, order_id: str | None = None) -> dict:
        with self.recorder.reading() as cursor:
            return liability_view.report(cursor, case_id, order_id)

    def breaches(self, as_of: datetime, subject: str | None = None) -> list[dict]:
        with self.recorder.reading() as cursor:
            return sla_view.breaches(cursor, as_of, subject)

    def rebuild_views(self, progress: Callable[[int], None] = lambda read: None) -> int:
        """Drop every view and project the whole log again, in one transaction; returns events read."""
        read = 0
        with self.recorder.writing() as cursor:
            clear_views(cursor)
            projector = Projector(cursor, PolicyBook(fixed=self.fixed_policy))
            for page in self.recorder.pages(cursor):
                projector.apply(self.mapper.to_domain_event(n) for n in page)
                read += len(page)
                progress(len(page))
        return read

    def total_events(self) -> int:
        return self.recorder.max_notification_id() or 0

    def records(self) -> Iterator[Record]:
        """Every record in position order (decisions left out)."""
        with self.recorder.reading() as cursor:
            for page in self.recorder.pages(cursor):
                for notification in page:
                    event = self.mapper.to_domain_event(notification)
                    if isinstance(event, Record):
                        yield event

    def timeline(self, streams: Iterable[str]) -> Timeline:
        """Times are shown in the time zone of the latest adopted policy."""
        return Timeline(self.events_of(streams), self.policy_book().latest().zone, self.recorder.position_of)


class Batch:
    """One appended file: the aggregates it touched, the events and index rows it adds."""

    def __init__(self, ledger: Ledger):
        self.ledger = ledger
        self.recorder = ledger.recorder
        self.aggregates: dict[str, Aggregate | None] = {}
        self.ids: dict[str, tuple[str, str | None] | None] = {}
        self.new_ids: set[str] = set()
        self.stored_children: dict[str, list[tuple[str, str]]] = {}
        self.children_added: dict[str, list[tuple[str, str]]] = {}
        self.tracking: dict[str, str | None] = {}
        self.keys: set[str] = set()
        self.events: list[Event] = []
        self.index = IndexRows()
        self.read = ReadSet()
        self.decisions = 0
        self._policy: PolicyBook | None = None

    def run(self, lines: list[str]) -> Appended:
        stored = skipped = 0
        for number, text in enumerate(lines, 1):
            if not text.strip():
                continue
            try:
                obj = parse_json(text)
                cls = record_class(obj)
                key = record_key(obj, cls)
                if self.key_stored(key):
                    skipped += 1
                    continue
                record = validate(obj, cls, key)
                self.keys.add(key)
                self.index.keys.append(key)
                HANDLERS[cls](self, record)
            except (Invalid, Refused) as error:
                raise LineError(number, error) from None
            stored += 1
        if self.events:
            self.ledger.save(*self.events, index=self.index, on_insert=self.project, read=self.read)
        return Appended(stored=stored, skipped=skipped, decisions=self.decisions)

    def replay(self, records: Iterable[Record]) -> list[tuple[Record, Refused]]:
        """Decide stored records again (under the ledger's fixed policy, which stands in for every
        PolicyAdopted); a record now refused is skipped and returned with its refusal."""
        refused = []
        for record in records:
            if isinstance(record, PolicyAdopted):
                continue
            try:
                HANDLERS[type(record)](self, record)
            except Refused as refusal:
                refused.append((record, refusal))
        if self.events:
            self.ledger.save(*self.events, on_insert=self.project)
        return refused

    def project(self, cursor: Any, positions: Any) -> None:
        """Update the views with this file's events, inside the transaction that stores them."""
        Projector(cursor, self.ledger.policy_book()).apply(self.events)

    # -- state ----------------------------------------------------------------------------------

    def key_stored(self, key: str) -> bool:
        return key in self.keys or bool(self.recorder.find_keys([key]))

    def get(self, stream: str) -> Any:
        if stream not in self.aggregates:
            try:
                self.aggregates[stream] = self.ledger.repository.get(stream)
            except AggregateNotFoundError:
                self.aggregates[stream] = None
            found = self.aggregates[stream]
            self.read.versions[stream] = found.version if found is not None else 0
        return self.aggregates[stream]

    def emit(self, *aggregates: Aggregate) -> None:
        for aggregate in aggregates:
            self.aggregates[aggregate.id] = aggregate
            for event in aggregate.collect_events():
                self.events.append(event)
                self.decisions += not isinstance(event, Record)

    def kind_of(self, id_: str) -> str | None:
        if id_ not in self.ids:
            self.ids[id_] = self.recorder.find_ids([id_]).get(id_)
        found = self.ids[id_]
        return found[0] if found else None

    def register(self, id_: str, kind: str, parent: str | None) -> None:
        """Claim a new id; called after every check of the record, before any aggregate changes."""
        taken = self.kind_of(id_)
        if taken is not None:
            raise refuse(f"id {id_} already names {'an' if taken[0] in 'aeiou' else 'a'} {taken}")
        self.ids[id_] = (kind, parent)
        self.new_ids.add(id_)
        self.index.ids.append((id_, kind, parent))
        if parent is not None:
            self.children_added.setdefault(parent, []).append((id_, kind))

    def existing(self, kind: str, id_: str) -> Any:
        if self.kind_of(id_) != kind:
            raise refuse(f"unknown {kind} {id_}")
        return self.get(f"{kind}:{id_}")

    def children(self, parent: str, kind: str) -> list[Any]:
        if parent not in self.stored_children:
            self.stored_children[parent] = [] if parent in self.new_ids else self.recorder.children(parent)
            self.read.children[parent] = len(self.stored_children[parent])
        found = self.stored_children[parent] + self.children_added.get(parent, [])
        return [self.get(f"{k}:{child}") for child, k in found if k == kind]

    def policy_book(self) -> PolicyBook:
        if self._policy is None:
            fixed = self.ledger.fixed_policy
            self._policy = PolicyBook(fixed=fixed) if fixed else (self.get("policy") or PolicyBook())
            self.aggregates["policy"] = self._policy
        return self._policy

    def policy_at(self, record: Record):
        return self.policy_book().in_force(record.at)

    # -- handlers, one per record type ----------------------------------------------------------

    def stock(self, record: StockReceived | StockCounted) -> None:
        sku = self.get(record.stream)
        if sku is None:
            self.register(record.sku, "sku", None)
            sku = Sku(record.stream)
        sku.record(record)
        self.emit(sku)

    def place_order(self, record: OrderPlaced) -> None:
        order = Order.place(record)
        self.register(record.order_id, "order", record.customer_id)
        self.emit(order)

    def update_order(self, record: AddressConfirmed | OrderNoted | DispatchDelayNotified) -> None:
        order: Order = self.existing("order", record.order_id)
        order.record(record)
        self.emit(order)

    def cancel_order(self, record: OrderCancelled) -> None:
        order: Order = self.existing("order", record.order_id)
        order.cancel(record)
        self.emit(order)

    def dispatch_parcel(self, record: ParcelDispatched) -> None:
        number = record.tracking_no
        if number.strip():
            if number not in self.tracking:
                self.tracking[number] = self.recorder.find_tracking([number]).get(number)
            rules.check_tracking_unused(number, self.tracking[number])
        if record.order_id is not None:
            order: Order = self.existing("order", record.order_id)
            shipped: Counter[str] = Counter()
            for shipment in self.children(order.order_id, "shipment"):
                shipped += shipment.units()
            order.check_dispatch(record, shipped)
            self.register(record.shipment_id, "shipment", record.order_id)
            shipment = Shipment.dispatch_parcel(record)
            self.emit(shipment)
            order.decide_dispatch(shipment.dispatch, self.policy_book().in_force(order.placed_at))
            self.emit(order)
        else:
            case: Case = self.existing("case", record.case_id)
            case.check_replacement(record)
            self.register(record.shipment_id, "shipment", record.case_id)
            shipment = Shipment.dispatch_parcel(record)
            self.emit(shipment)
            case.decide_replacement(shipment.dispatch, self.policy_at(record))
            self.emit(case)
        if number.strip():
            self.tracking[number] = record.shipment_id
            self.index.tracking.append((number, record.shipment_id))

    def deliver_parcel(self, record: ParcelDelivered) -> None:
        shipment: Shipment = self.existing("shipment", record.shipment_id)
        shipment.deliver(record)
        self.emit(shipment)

    def request_return(self, record: ReturnRequested) -> None:
        order: Order = self.existing("order", record.order_id)
        shipments = self.children(order.order_id, "shipment")
        earlier = self.children(order.order_id, "case")
        case = Case.request_return(record, order, shipments, earlier, self.policy_at(record))
        self.register(record.case_id, "case", record.order_id)
        self.emit(case)

    def case_record(self, record: Record) -> Case:
        return self.existing("case", record.case_id)  # type: ignore[attr-defined]

    def receive_return_parcel(self, record: ReturnParcelReceived) -> None:
        case = self.case_record(record)
        case.receive_parcel(record, self.policy_at(record))
        self.emit(case)

    def inspect_return(self, record: ReturnInspected) -> None:
        case = self.case_record(record)
        order: Order = self.get(f"order:{case.request.order_id}")
        case.inspect(record, order.prices(), self.policy_at(record))
        self.emit(case)

    def rule_case(self, record: SupervisorRuled) -> None:
        rules.check_supervisor(type(record).__name__, record.role)
        case = self.case_record(record)
        case.rule_on(record, self.policy_at(record))
        self.emit(case)

    def update_case(self, record: ExchangeDelayNotified) -> None:
        case = self.case_record(record)
        case.record(record)
        self.emit(case)

    def issue_refund(self, record: RefundIssued) -> None:
        case = self.case_record(record)
        case.issue_refund(record)
        self.emit(case)

    def post_review(self, record: ReviewPosted) -> None:
        self.existing("order", record.order_id)
        dispute = Dispute.post_review(record)
        self.register(record.dispute_id, "dispute", record.order_id)
        self.emit(dispute)

    def update_dispute(self, record: BuyerContacted | ResolutionOffered | DisputeSettled) -> None:
        dispute: Dispute = self.existing("dispute", record.dispute_id)
        dispute.record(record)
        self.emit(dispute)

    def fail_negotiation(self, record: NegotiationFailed) -> None:
        dispute: Dispute = self.existing("dispute", record.dispute_id)
        dispute.fail_negotiation(record, self.policy_at(record))
        self.emit(dispute)

    def adopt_policy(self, record: PolicyAdopted) -> None:
        rules.check_supervisor(type(record).__name__, record.role)
        book = self.policy_book()
        book.adopt(record)
        self.emit(book)


HANDLERS: dict[type[Record], Callable[[Batch, Any], None]] = {
    StockReceived: Batch.stock,
    StockCounted: Batch.stock,
    OrderPlaced: Batch.place_order,
    AddressConfirmed: Batch.update_order,
    OrderNoted: Batch.update_order,
    DispatchDelayNotified: Batch.update_order,
    OrderCancelled: Batch.cancel_order,
    ParcelDispatched: Batch.dispatch_parcel,
    ParcelDelivered: Batch.deliver_parcel,
    ReturnRequested: Batch.request_return,
    ReturnParcelReceived: Batch.receive_return_parcel,
    ReturnInspected: Batch.inspect_return,
    ExchangeDelayNotified: Batch.update_case,
    SupervisorRuled: Batch.rule_case,
    RefundIssued: Batch.issue_refund,
    ReviewPosted: Batch.post_review,
    BuyerContacted: Batch.update_dispute,
    ResolutionOffered: Batch.update_dispute,
    NegotiationFailed: Batch.fail_negotiation,
    DisputeSettled: Batch.update_dispute,
    PolicyAdopted: Batch.adopt_policy,
}
