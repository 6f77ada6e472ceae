"""A SKU's stream: goods received and stock counts. Stock figures are a view (projections/stock.py)."""
from __future__ import annotations

from ledger.aggregates.base import Aggregate, handles
from ledger.events import StockCounted, StockReceived


class Sku(Aggregate):
    prefix = "sku"
    UNCHANGED = (StockReceived, StockCounted)


# -- handlers --------------------------------------------------------------------------------

@handles(StockReceived, StockCounted)
def stock(uow, record: StockReceived | StockCounted) -> None:
    if uow.get(record.stream) is None:
        uow.register(record.sku, "sku", None)
    Sku.extend(uow, record)
