"""The ledger's aggregates, one per stream kind (SPEC section 1)."""
from __future__ import annotations

from ledger.aggregates.base import Aggregate
from ledger.aggregates.case import Case
from ledger.aggregates.dispute import Dispute
from ledger.aggregates.order import Order
from ledger.aggregates.policy import PolicyBook
from ledger.aggregates.shipment import Shipment
from ledger.aggregates.stock import Sku

KINDS: dict[str, type[Aggregate]] = {cls.prefix: cls for cls in (Order, Shipment, Case, Dispute, Sku, PolicyBook)}


def aggregate_for(stream: str) -> Aggregate:
    return KINDS[stream.split(":", 1)[0]](stream)


__all__ = ["Aggregate", "Case", "Dispute", "KINDS", "Order", "PolicyBook", "Shipment", "Sku", "aggregate_for"]
