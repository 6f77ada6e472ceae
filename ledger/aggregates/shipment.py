"""A parcel's stream: its dispatch and deliveries."""
from __future__ import annotations

from collections import Counter
from datetime import datetime

from ledger.aggregates.base import Aggregate
from ledger.events import ParcelDelivered, ParcelDispatched, units_by_sku


class Shipment(Aggregate):
    prefix = "shipment"

    def __init__(self, stream: str):
        super().__init__(stream)
        self.dispatch: ParcelDispatched | None = None
        self.deliveries: list[ParcelDelivered] = []

    @classmethod
    def dispatch_parcel(cls, record: ParcelDispatched) -> Shipment:
        shipment = cls(record.stream)
        shipment.trigger(record)
        return shipment

    def when_ParcelDispatched(self, event: ParcelDispatched) -> None:
        self.dispatch = event

    def when_ParcelDelivered(self, event: ParcelDelivered) -> None:
        self.deliveries.append(event)

    def deliver(self, record: ParcelDelivered) -> None:
        self.trigger(record)

    @property
    def dispatched_at(self) -> datetime:
        assert self.dispatch is not None
        return self.dispatch.at

    def units(self) -> Counter[str]:
        assert self.dispatch is not None
        return units_by_sku(self.dispatch.lines)
