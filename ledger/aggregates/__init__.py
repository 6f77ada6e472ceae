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
from ledger.events import DecisionWithdrawn, Event, Record, RecordVoided

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

from ledger.aggregates.case import Case  # noqa: E402
from ledger.aggregates.dispute import Dispute  # noqa: E402
from ledger.aggregates.order import Order  # noqa: E402
from ledger.aggregates.policy import PolicyBook  # noqa: E402
from ledger.aggregates.shipment import Shipment  # noqa: E402
from ledger.aggregates.stock import Sku  # noqa: E402

RECORD_TYPES: dict[str, type[Record]] = {cls.__name__: cls for cls in HANDLERS}  # the appendable ones


VOID_BOOKKEEPING = (RecordVoided, DecisionWithdrawn)  # a void's own events: they change no state (VO-1)


def folded(events: Iterable[Event]) -> tuple[Aggregate | None, int]:
    """The aggregate one stream's events (read in effect: corrections.py) make, None for a stream with no
    event in effect, and the stream's highest version, where its next event goes."""
    aggregate, top = None, 0
    for event in events:
        top = max(top, event.originator_version)
        if isinstance(event, VOID_BOOKKEEPING):
            continue
        if aggregate is None:
            aggregate = KINDS[event.originator_id.split(":", 1)[0]](event.originator_id)
        aggregate.apply(event)
    if aggregate is not None:
        aggregate.version = top
    return aggregate, top


def fold(events: Iterable[Event]) -> Aggregate | None:
    return folded(events)[0]


__all__ = ["Aggregate", "Case", "Dispute", "HANDLERS", "KINDS", "Order", "PolicyBook", "RECORD_TYPES", "Shipment",
           "Sku", "VOID_BOOKKEEPING", "fold", "folded"]
