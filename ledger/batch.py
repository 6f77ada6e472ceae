"""One appended file, decided record by record against the store and what the file added so far.

The file is read in chunks. For each chunk the keys, ids, tracking numbers and
streams its records name are looked up at once; the records are then decided in
order; the chunk's events, index rows, chain rows and view updates are written;
and only a bounded number of aggregates stays in memory. Everything happens in
the file's one write transaction (`Session`), so nothing is stored unless the
whole file is.
"""
from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any, Callable

from ledger import rules
from ledger.aggregates import Aggregate, Case, Dispute, Order, PolicyBook, Shipment, Sku
from ledger.events import (
    AddressConfirmed, BuyerContacted, DisputeSettled, DispatchDelayNotified, Event, ExchangeDelayNotified,
    NegotiationFailed, OrderCancelled, OrderNoted, OrderPlaced, ParcelDelivered, ParcelDispatched, PolicyAdopted,
    Record, RefundIssued, ResolutionOffered, ReturnInspected, ReturnParcelReceived, ReturnRequested, ReviewPosted,
    StockCounted, StockReceived, SupervisorRuled,
)
from ledger.persistence import IndexRows, Session
from ledger.projections import Projector
from ledger.reading import Invalid, parse_json, record_class, record_key, validate
from ledger.rules import Refused, refuse

CHUNK = 1000  # records decided between two writes
CACHE = 20_000  # aggregates kept in memory between chunks
ID_FIELDS = ("order_id", "shipment_id", "case_id", "dispute_id", "sku")


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


@dataclass
class Line:
    """A line read: its key and record, or why it cannot be read."""

    number: int
    key: str | None = None
    record: Record | None = None
    invalid: Invalid | None = None


def read_line(number: int, text: str) -> Line:
    try:
        obj = parse_json(text)
        cls = record_class(obj)
        key = record_key(obj, cls)
    except Invalid as error:
        return Line(number, invalid=error)
    try:
        return Line(number, key, validate(obj, cls, key))
    except Invalid as error:
        return Line(number, key, invalid=error)  # unless its key is stored: then it is skipped


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class Batch:
    def __init__(self, ledger: Any, session: Session):
        self.ledger = ledger
        self.session = session
        self.aggregates: OrderedDict[str, Aggregate | None] = OrderedDict()  # least recently used first
        self.decisions = 0
        fixed = ledger.fixed_policy
        self.policies = PolicyBook(fixed=fixed) if fixed else (self._load("policy") or PolicyBook())
        self.projection_policies = PolicyBook(fixed=fixed) if fixed else (self._load("policy") or PolicyBook())
        self._start_chunk()

    def _start_chunk(self) -> None:
        self.ids: dict[str, tuple[str, str | None] | None] = {}
        self.stored_children: dict[str, list[tuple[str, str]]] = {}
        self.children_added: dict[str, list[tuple[str, str]]] = {}
        self.tracking: dict[str, str | None] = {}
        self.keys: set[str] = set()  # stored, or taken by an earlier line of this chunk
        self.events: list[Event] = []
        self.index = IndexRows()

    # -- the file -------------------------------------------------------------------------------

    def run(self, lines: Iterable[str]) -> Appended:
        """All or nothing: the first bad line raises LineError."""
        stored = skipped = 0
        numbered = ((number, text) for number, text in enumerate(lines, 1) if text.strip())
        for chunk in chunks(numbered, CHUNK):
            read = [read_line(number, text) for number, text in chunk]
            self._prefetch([line.record for line in read if line.record is not None],
                           [line.key for line in read if line.key is not None])
            for line in read:
                if line.key is not None and line.key in self.keys:
                    skipped += 1
                    continue
                try:
                    if line.invalid is not None:
                        raise line.invalid
                    HANDLERS[type(line.record)](self, line.record)
                except (Invalid, Refused) as error:
                    raise LineError(line.number, error) from None
                self.keys.add(line.key)
                self.index.keys.append(line.key)
                stored += 1
            self._flush()
        return Appended(stored=stored, skipped=skipped, decisions=self.decisions)

    def replay(self, records: Iterable[Record]) -> list[tuple[Record, Refused]]:
        """Decide stored records again (under the ledger's fixed policy, which stands in for every
        PolicyAdopted); a record now refused is skipped and returned with its refusal."""
        refused = []
        for chunk in chunks((r for r in records if not isinstance(r, PolicyAdopted)), CHUNK):
            self._prefetch(chunk, [])
            for record in chunk:
                try:
                    HANDLERS[type(record)](self, record)
                except Refused as refusal:
                    refused.append((record, refusal))
            self._flush()
        return refused

    def _prefetch(self, records: list[Record], keys: list[str]) -> None:
        """Look up at once what the chunk's records name; anything missed is looked up when needed."""
        session = self.session
        self.keys = session.find_keys(keys)
        named = {value for r in records for name in ID_FIELDS if (value := vars(r).get(name)) is not None}
        found = session.find_ids(named)
        self.ids = {id_: found.get(id_) for id_ in named}
        parents = {id_ for id_, seen in self.ids.items() if seen and seen[0] in ("order", "case")}
        self.stored_children = session.children(parents)
        streams = {f"{seen[0]}:{id_}" for id_, seen in self.ids.items() if seen}
        streams |= {f"{kind}:{child}" for children in self.stored_children.values() for child, kind in children}
        streams |= {f"order:{seen[1]}" for seen in self.ids.values() if seen and seen[0] == "case"}
        missing = streams - self.aggregates.keys()
        loaded = session.load(missing)
        for stream in missing:
            self.aggregates[stream] = self._fold(loaded.get(stream, []))
        for id_, seen in self.ids.items():  # ids unknown to the store have no streams
            if seen is None:
                for kind in ("order", "shipment", "case", "dispute", "sku"):
                    self.aggregates.setdefault(f"{kind}:{id_}", None)
        numbers = {r.tracking_no for r in records if isinstance(r, ParcelDispatched) and r.tracking_no.strip()}
        used = session.find_tracking(numbers)
        self.tracking = {number: used.get(number) for number in numbers}

    def _fold(self, notifications: list) -> Aggregate | None:
        aggregate = None
        for notification in notifications:
            aggregate = self.ledger.mapper.to_domain_event(notification).mutate(aggregate)
        return aggregate

    def _load(self, stream: str) -> Aggregate | None:
        return self._fold(self.session.load([stream]).get(stream, []))

    def _flush(self) -> None:
        keyring = self.ledger.mapper.keyring
        keyring.order_customers.update((id_, parent) for id_, kind, parent in self.index.ids if kind == "order")
        if self.events:
            stored = [self.ledger.mapper.to_stored_event(event) for event in self.events]
            self.session.write(stored, self.index, self.project)
        keyring.forget_chunk()  # what it learnt is stored now; memory stays flat
        while len(self.aggregates) > CACHE:
            self.aggregates.popitem(last=False)
        self._start_chunk()

    def project(self, cursor: Any, positions: Any) -> None:
        """Update the views with the chunk's events, inside the transaction that stores them."""
        Projector(cursor, self.projection_policies).apply(self.events)

    # -- state ----------------------------------------------------------------------------------

    def get(self, stream: str) -> Any:
        if stream in self.aggregates:
            self.aggregates.move_to_end(stream)
        else:
            self.aggregates[stream] = self._load(stream)
        return self.aggregates[stream]

    def emit(self, *aggregates: Aggregate) -> None:
        for aggregate in aggregates:
            self.aggregates[aggregate.id] = aggregate
            for event in aggregate.collect_events():
                self.events.append(event)
                self.decisions += not isinstance(event, Record)

    def kind_of(self, id_: str) -> str | None:
        if id_ not in self.ids:
            self.ids[id_] = self.session.find_ids([id_]).get(id_)
        found = self.ids[id_]
        return found[0] if found else None

    def register(self, id_: str, kind: str, parent: str | None) -> None:
        """Claim a new id; called after every check of the record, before any aggregate changes."""
        taken = self.kind_of(id_)
        if taken is not None:
            raise refuse(f"id {id_} already names {'an' if taken[0] in 'aeiou' else 'a'} {taken}")
        self.ids[id_] = (kind, parent)
        self.index.ids.append((id_, kind, parent))
        if parent is not None:
            self.children_added.setdefault(parent, []).append((id_, kind))

    def existing(self, kind: str, id_: str) -> Any:
        if self.kind_of(id_) != kind:
            raise refuse(f"unknown {kind} {id_}")
        return self.get(f"{kind}:{id_}")

    def children(self, parent: str, kind: str) -> list[Any]:
        if parent not in self.stored_children:
            self.stored_children.update(self.session.children([parent]))
        found = self.stored_children[parent] + self.children_added.get(parent, [])
        return [self.get(f"{k}:{child}") for child, k in found if k == kind]

    def policy_at(self, record: Record):
        return self.policies.in_force(record.at)

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
                self.tracking[number] = self.session.find_tracking([number]).get(number)
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
            order.decide_dispatch(shipment.dispatch, self.policies.in_force(order.placed_at))
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
        self.policies.adopt(record)
        self.emit(self.policies)


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
