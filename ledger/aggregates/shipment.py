"""A parcel's stream: its dispatch and deliveries."""
from __future__ import annotations

from collections import Counter

from ledger import rules
from ledger.aggregates.base import Aggregate, applies, handles
from ledger.aggregates.case import Case
from ledger.aggregates.order import Order
from ledger.events import ParcelDelivered, ParcelDispatched, units_by_sku


class Shipment(Aggregate):
    prefix = "shipment"
    RECORDED = (ParcelDelivered,)

    def __init__(self, stream: str):
        super().__init__(stream)
        self.dispatch: ParcelDispatched | None = None
        self.deliveries: list[ParcelDelivered] = []

    @applies(ParcelDispatched)
    def _dispatched(self, event: ParcelDispatched) -> None:
        self.dispatch = event

    @applies(ParcelDelivered)
    def _delivered(self, event: ParcelDelivered) -> None:
        self.deliveries.append(event)

    def units(self) -> Counter[str]:
        assert self.dispatch is not None
        return units_by_sku(self.dispatch.lines)


# -- handlers --------------------------------------------------------------------------------

@handles(ParcelDispatched)
def dispatch_parcel(uow, record: ParcelDispatched) -> None:
    number = record.tracking_no
    if number.strip():
        rules.check_tracking_unused(number, uow.claimed("tracking", number))
    if record.order_id is not None:
        order: Order = uow.existing("order", record.order_id)
        shipped: Counter[str] = Counter()
        for shipment in uow.children(order.order_id, "shipment"):
            shipped += shipment.units()
        order.check_dispatch(record, shipped)
        uow.register(record.shipment_id, "shipment", record.order_id)
        shipment = Shipment.start(record)
        order.decide_dispatch(shipment.dispatch, uow.policy_at(order.placed_at))
        uow.emit(shipment, order)
    else:
        case: Case = uow.existing("case", record.case_id)
        case.check_replacement(record)
        uow.register(record.shipment_id, "shipment", record.case_id)
        shipment = Shipment.start(record)
        case.decide_replacement(shipment.dispatch, uow.policy_at(record.at))
        uow.emit(shipment, case)
    if number.strip():
        uow.claim("tracking", number, record.shipment_id)
