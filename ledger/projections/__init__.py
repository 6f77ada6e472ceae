"""The views of SPEC section 7, kept as tables and updated in the append's own transaction.

Each view module declares its TABLES (columns.py: columns declared once) and its HANDLERS (event type ->
function of the projector and the event); a view reads and writes its own tables only. The same
projector rebuilds the views from the whole log on `ledger replay`, which drops and recreates the
tables, so incremental and rebuilt views cannot drift and a store gets new columns by one replay.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from eventsourcing.utils import get_topic

from ledger.aggregates.policy import PolicyBook
from ledger.events import Event, PolicyAdopted
from ledger.policy import Policy
from ledger.projections import fund, kpi, liability, sla, stock
from ledger.projections.columns import Table

VIEWS = (stock, liability, sla, fund, kpi)
VIEW_TABLES: list[Table] = [table for view in VIEWS for table in view.TABLES]

Handler = Callable[["Projector", Event], None]
HANDLERS: dict[type[Event], list[Handler]] = {}
for view in VIEWS:
    for event_type, handler in view.HANDLERS.items():
        HANDLERS.setdefault(event_type, []).append(handler)
# The stored topics a replay has to decode; the others no view reads.
TOPICS = sorted({get_topic(event_type) for event_type in (*HANDLERS, PolicyAdopted)})


def view_ddl() -> list[str]:
    return [statement for table in VIEW_TABLES for statement in table.create()]


def recreate_views(cursor: Any) -> None:
    """Drop every view table and create it as declared now: a store of an older version gets new columns."""
    for table in VIEW_TABLES:
        cursor.execute(table.drop())
    for statement in view_ddl():
        cursor.execute(statement)


class Projector:
    """Applies events, in position order, to the view tables through one cursor."""

    def __init__(self, cursor: Any, policies: PolicyBook):
        self.cursor = cursor
        self.policies = policies  # as of the first event applied; PolicyAdopted events move it on

    def policy_at(self, at: datetime) -> Policy:
        return self.policies.in_force(at)

    def apply(self, events: Iterable[Event]) -> None:
        for event in events:
            if isinstance(event, PolicyAdopted):
                self.policies.apply(event)
            for handler in HANDLERS.get(type(event), ()):
                handler(self, event)

    def execute(self, statement: str, params: tuple = ()) -> None:
        self.cursor.execute(statement, params)

    def one(self, statement: str, params: tuple = ()) -> Any:
        self.cursor.execute(statement, params)
        return self.cursor.fetchone()
