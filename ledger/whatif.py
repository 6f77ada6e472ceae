"""`ledger replay --policy FILE`: every decision recomputed from the records with the file's keys laid over
the policy in force at each record's time (SPEC section 6).

The records are streamed from the store into a scratch store and decided again there; the real store is
only read. The outcomes of both (per order, case, dispute: decision, payer, refund, costs, breaches) go
into a scratch table, and the changes are read back from it in subject order, so memory stays bounded
whatever the history's size.
"""
from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from ledger.application import Ledger
from ledger.corrections import effective_pages
from ledger.events import (
    DispatchDecision, NegativeReviewEscalated, ParcelDispatched, Record, ShippingCostAssigned, WindowDecision,
)
from ledger.policy import WHAT_IF, PolicyParams
from ledger.projections import liability as liability_view
from ledger.values import money

FIELDS = ("decision", "payer", "refund_approved", "shop_cost", "buyer_cost", "breach", "refused")
COSTS = ("refund_approved", "shop_cost", "buyer_cost")
DECIDED = (DispatchDecision, WindowDecision, ShippingCostAssigned, NegativeReviewEscalated)
SUBJECTS = ("case_id", "dispute_id", "order_id", "shipment_id", "complaint_id", "sku")


def subject_of(record: Record) -> str:
    if isinstance(record, ParcelDispatched):
        return record.order_id or record.case_id or record.shipment_id
    return next((getattr(record, name) for name in SUBJECTS if getattr(record, name, None)), record.stream)


@dataclass
class WhatIf:
    policy_version: str
    overrides: dict[str, Any]
    counts: dict[str, int]
    changes: Iterator[dict[str, Any]]  # read once, in subject order
    totals: dict[str, dict[str, str]]


class Outcomes:
    """The scratch table of outcomes: (side, subject, field, n) -> value, as JSON. `n` tells apart the
    several outcomes of one field on one subject (each refused record is a change of its own); it is 0
    for the others."""

    def __init__(self, path: Path):
        self.db = sqlite3.connect(path)
        self.db.execute("CREATE TABLE outcomes (side TEXT, subject TEXT, field TEXT, n INTEGER, value TEXT, "
                        "PRIMARY KEY (side, subject, field, n))")

    def put(self, side: str, rows: Iterable[tuple[str, str, Any]], numbered: bool = False) -> None:
        self.db.executemany("INSERT OR REPLACE INTO outcomes VALUES (?, ?, ?, ?, ?)",
                            ((side, subject, field, n if numbered else 0, orjson.dumps(value).decode())
                             for n, (subject, field, value) in enumerate(rows)))

    def collect(self, side: str, ledger: Ledger, as_of: datetime | None) -> dict:
        """Per subject: its decision, payer, refund and costs, and its breaches as of `as_of`; returns the
        liability totals. The liability rows are read a page at a time."""
        from eventsourcing.utils import get_topic

        from ledger.events import subclasses

        topics = [get_topic(cls) for base in DECIDED for cls in (base, *subclasses(base))]
        with ledger.recorder.reading() as cursor:  # in effect (VO-1): a void's replacement in its cause's place
            for page in effective_pages(ledger.recorder, cursor, topics):
                self.put(side, (outcome for n, _ in page
                                for outcome in decided(ledger.mapper.to_domain_event(n, personal=False))))
        totals = liability_view.Totals()

        def costs(cursor: Any) -> Iterator[tuple[str, str, str]]:
            for kind, row in liability_view.each(cursor):
                totals.add(row)
                subject = row["case_id"] if kind == "case" else row["order_id"]
                yield from ((subject, name, money(row[name])) for name in COSTS if name in row)

        with ledger.reader.views() as cursor:
            self.put(side, costs(cursor))
        if as_of is not None:
            kinds: dict[str, list[str]] = {}
            for breach in ledger.breaches(as_of):
                kinds.setdefault(breach["subject"], []).append(breach["kind"])
            self.put(side, ((subject, "breach", found) for subject, found in kinds.items()))
        self.db.commit()
        return totals.json()

    def counts(self) -> dict[str, int]:
        found = dict.fromkeys(FIELDS, 0)
        for field, n in self.db.execute(f"SELECT field, COUNT(*) FROM ({DIFF}) GROUP BY field"):
            found[field] = n
        return found

    def changes(self) -> Iterator[dict[str, Any]]:
        for subject, field, _, recorded, replayed in self.db.execute(DIFF + " ORDER BY subject, field, n"):
            yield {"subject": subject, "field": field,
                   "recorded": orjson.loads(recorded) if recorded else None,
                   "replayed": orjson.loads(replayed) if replayed else None}


# every (subject, field) whose recorded and replayed values differ, either side missing included
DIFF = """
SELECT k.subject AS subject, k.field AS field, k.n AS n, r.value AS recorded, w.value AS replayed FROM
  (SELECT DISTINCT subject, field, n FROM outcomes) AS k
  LEFT JOIN outcomes AS r ON r.side = 'recorded' AND r.subject = k.subject AND r.field = k.field AND r.n = k.n
  LEFT JOIN outcomes AS w ON w.side = 'replayed' AND w.subject = k.subject AND w.field = k.field AND w.n = k.n
WHERE r.value IS NOT w.value
"""


def decided(event: Any) -> list[tuple[str, str, Any]]:
    if isinstance(event, DispatchDecision):
        return [(event.order_id, "decision", type(event).__name__)]
    if isinstance(event, WindowDecision):
        return [(event.case_id, "decision", type(event).__name__)]
    if isinstance(event, ShippingCostAssigned):
        return [(event.case_id, "payer", event.payer)]
    if isinstance(event, NegativeReviewEscalated):
        return [(event.dispute_id, "decision", type(event).__name__)]
    return []


@contextmanager
def what_if(ledger: Ledger, overlay: PolicyParams) -> Iterator[WhatIf]:
    """The what-if, its changes readable while the context is open."""
    with tempfile.TemporaryDirectory(prefix="ledger-what-if-") as scratch:
        outcomes = Outcomes(Path(scratch) / "outcomes.db")
        latest: list[datetime] = []

        def records() -> Iterator[Record]:
            for record in ledger.records(personal=False, effective=True):  # no rule reads personal fields
                if not latest or record.at > latest[0]:
                    latest[:] = [record.at]
                yield record

        shadow = Ledger(f"sqlite:///{Path(scratch) / 'what-if.db'}", overlay=overlay)
        refused = shadow.replay_records(records())
        as_of = latest[0] if latest else None
        outcomes.put("replayed", ((subject_of(record), "refused", f"{refusal.rule}: {refusal.reason}")
                                  for record, refusal in refused), numbered=True)
        outcomes.put("recorded", ((subject_of(record), "refused", type(record).__name__) for record, _ in refused),
                     numbered=True)
        replayed_totals = outcomes.collect("replayed", shadow, as_of)
        shadow.close()
        recorded_totals = outcomes.collect("recorded", ledger, as_of)
        overrides = overlay.model_dump(mode="json", exclude_none=True)
        yield WhatIf(policy_version=overrides.pop("version", WHAT_IF), overrides=overrides,
                     counts=outcomes.counts(), changes=outcomes.changes(),
                     totals={"recorded": recorded_totals, "replayed": replayed_totals})
        outcomes.db.close()
