"""A SKU's stream: goods received and stock counts. Stock figures are a view (projections/stock.py)."""
from __future__ import annotations

from ledger.aggregates.base import Aggregate
from ledger.events import Record


class Sku(Aggregate):
    prefix = "sku"

    def record(self, record: Record) -> None:
        self.trigger(record)
