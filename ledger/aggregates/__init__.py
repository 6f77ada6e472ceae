"""The ledger's aggregates, one module per stream kind (SPEC section 1), each with the handlers of the
record types of its stream.

Every module of this package is imported here, so a new stream kind is one new module: its aggregate
registers its stream kind and its handlers register their record types (base.py).
"""
from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable

from ledger.aggregates.base import HANDLERS, KINDS, Aggregate
from ledger.events import Event, Record

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

from ledger.aggregates.case import Case  # noqa: E402
from ledger.aggregates.dispute import Dispute  # noqa: E402
from ledger.aggregates.order import Order  # noqa: E402
from ledger.aggregates.policy import PolicyBook  # noqa: E402
from ledger.aggregates.shipment import Shipment  # noqa: E402
from ledger.aggregates.stock import Sku  # noqa: E402

RECORD_TYPES: dict[str, type[Record]] = {cls.__name__: cls for cls in HANDLERS}  # the appendable ones


def fold(events: Iterable[Event]) -> Aggregate | None:
    """The aggregate one stream's events (in version order) make; None for an empty stream."""
    aggregate = None
    for event in events:
        if aggregate is None:
            aggregate = KINDS[event.originator_id.split(":", 1)[0]](event.originator_id)
        aggregate.apply(event)
    return aggregate


__all__ = ["Aggregate", "Case", "Dispute", "HANDLERS", "KINDS", "Order", "PolicyBook", "RECORD_TYPES", "Shipment",
           "Sku", "fold"]
