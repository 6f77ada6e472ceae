"""A parcel's stream: its dispatch and what became of it (delivered, returned to sender or lost)."""
from __future__ import annotations

from collections import Counter

from ledger import rules
from ledger.aggregates.base import Aggregate, applies, handles, updates
from ledger.aggregates.case import Case
from ledger.aggregates.order import Order, counted_units
from ledger.events import (
    ParcelDelivered, ParcelDispatched, ParcelLost, ParcelOutcome, ParcelReturnedToSender, units_by_sku,
)
from ledger.policy import Policy
from ledger.rules import refuse


class Shipment(Aggregate):
    prefix = "shipment"

    def __init__(self, stream: str, version: int = 0):
        super().__init__(stream, version)
        self.dispatch: ParcelDispatched | None = None
        self.outcome: ParcelOutcome | None = None

    @applies(ParcelDispatched)
    def _dispatched(self, event: ParcelDispatched) -> None:
        self.dispatch = event

    @applies(ParcelDelivered, ParcelReturnedToSender, ParcelLost)
    def _concluded(self, event: ParcelOutcome) -> None:
        self.outcome = event

    @property
    def opened(self) -> ParcelDispatched:
        return self.dispatch

    @property
    def delivery(self) -> ParcelDelivered | None:
        return self.outcome if isinstance(self.outcome, ParcelDelivered) else None

    @property
    def under_way_or_delivered(self) -> bool:
        """Only delivered or still travelling parcels count as dispatched (returns, SH-4, cancelling)."""
        return self.outcome is None or isinstance(self.outcome, ParcelDelivered)

    def units(self) -> Counter[str]:
        assert self.dispatch is not None
        return units_by_sku(self.dispatch.lines)

    @updates(ParcelDelivered, ParcelReturnedToSender, ParcelLost)
    def conclude(self, record: ParcelOutcome, policy: Policy) -> None:
        """One outcome per parcel: delivered, returned to sender and lost exclude each other."""
        if self.outcome is not None:
            raise refuse(f"parcel {self.name} was already {OUTCOMES[type(self.outcome)]} "
                         f"({self.outcome.at.isoformat()}); it has one outcome")
        self.trigger(record)


OUTCOMES = {ParcelDelivered: "delivered", ParcelReturnedToSender: "returned to sender", ParcelLost: "lost"}


# -- handlers --------------------------------------------------------------------------------

@handles(ParcelDispatched)
def dispatch_parcel(uow, record: ParcelDispatched) -> None:
    number = record.tracking_no
    owner = uow.claimed("tracking", number) if number else None  # "" is none (values.parse_tracking)
    if owner is not None:
        rules.check_tracking_unused(record, uow.existing("shipment", owner).dispatch)
    if record.order_id is not None:
        order: Order = uow.existing("order", record.order_id)
        order.check_not_before_opening(record)
        order.check_dispatch(record, counted_units(uow.children(order.order_id, "shipment")))
        uow.register(record.shipment_id, "shipment", record.order_id)
        shipment = Shipment.start(record, uow.version_of(record.stream))
        order.decide_dispatch(shipment.dispatch, uow.policy_at(order.placed_at))
        uow.emit(shipment, order)
    else:
        case: Case = uow.existing("case", record.case_id)
        case.check_not_before_opening(record)
        case.check_replacement(record, sum(counted_units(uow.children(case.case_id, "shipment")).values()))
        uow.register(record.shipment_id, "shipment", record.case_id)
        shipment = Shipment.start(record, uow.version_of(record.stream))
        case.decide_replacement(shipment.dispatch, uow.policy_at(record.at))
        uow.emit(shipment, case)
    if number and owner is None:  # a merged parcel's number stays its first shipment's
        uow.claim("tracking", number, record.shipment_id)
