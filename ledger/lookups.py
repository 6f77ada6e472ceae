"""The store session a unit of work decides a file in: lookups (index.py), and the write of a chunk's events
with its index rows, chain and views.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ledger.aggregates import PolicyBook, fold
from ledger.corrections import streams_in_effect
from ledger.events import Event
from ledger.index import Lookups
from ledger.policy import PolicyParams
from ledger.projections import Projector, fact
from ledger.unit_of_work import IndexRows


class StoreSession(Lookups):
    """An appended file's exclusive write transaction on a store (the unit of work's Session).

    What the file has written so far is visible to its own reads, so the aggregates it holds in
    memory can be few. Each chunk's events are encoded (personal fields sealed), inserted, chained,
    indexed and projected into the views here, inside that one transaction.
    """

    def __init__(self, recorder: Any, cursor: Any, mapper: Any, overlay: PolicyParams | None = None):
        super().__init__(recorder.sql_cursor(cursor))
        self.recorder = recorder
        self.raw = cursor
        self.mapper = mapper
        self.views_stale = False  # a void of this append: its views are rebuilt once it is decided
        self.marked = super().voided_any()  # whether any event reads as voided: else no marks to look up
        self.pending: dict[str, str | None] = {}  # id -> parent, of the chunk being written
        self.registered: dict[str, tuple[str, str | None]] = {}  # stored ids the chunk's sealed records go via
        policies = fold(self.events(["policy"]).get("policy", [])) or PolicyBook()
        self.projector = Projector(self.c, policies.with_overlay(overlay))
        mapper.keyring.bind(self.c, self.owner_of)

    def close(self) -> None:
        self.mapper.keyring.unbind()

    def owner_of(self, id_: str, kind: str) -> str:
        """The parent an id was registered with (an order's customer), this chunk's ids included."""
        if id_ in self.pending:
            return self.pending[id_]
        found = self.registered.get(id_) or self.ids([id_])[id_]
        if found[0] != kind:
            raise LookupError(f"{id_} is a {found[0]}, not a {kind}")
        return found[1]

    def positioned(self, streams: Iterable[str]) -> dict[str, list[tuple[int, Event]]]:
        """Every event of these streams as stored, with its position, in version order (the rules read no
        personal field)."""
        recorder = self.recorder
        rows = self._lookup(f"SELECT {recorder.POSITION}, originator_id, originator_version, topic, state "
                            f"FROM {recorder.EVENTS} WHERE originator_id {{}}", streams)
        found: dict[str, list[tuple[int, Event]]] = {}
        for notification in recorder.notifications(sorted(rows, key=lambda row: (row[1], row[2]))):
            event = self.mapper.to_domain_event(notification, personal=False)
            found.setdefault(notification.originator_id, []).append((notification.id, event))
        return found

    def events(self, streams: Iterable[str]) -> dict[str, list[Event]]:
        """The streams in effect (corrections.py): as the rules read them after any void."""
        found = self.positioned(streams)
        return streams_in_effect(found, self.marks(found) if found and self.marked else {})

    def record_at(self, stream: str, version: int) -> tuple[int, Any, bool]:
        """A stored record with its personal fields as far as they can still be read, its position, and
        whether it is voided."""
        recorder = self.recorder
        self.c.execute(f"SELECT {recorder.POSITION}, originator_id, originator_version, topic, state "
                       f"FROM {recorder.EVENTS} WHERE originator_id = ? AND originator_version = ?", (stream, version))
        notification = recorder.notifications(self.c.fetchall())[0]
        self.c.execute("SELECT follows FROM ledger_voided WHERE stream = ? AND version = ?", (stream, version))
        mark = self.c.fetchone()
        return notification.id, self.mapper.to_domain_event(notification, personal=True), bool(mark) and mark[0] is None

    def voided_any(self) -> bool:
        return self.marked

    def all_streams(self) -> list[str]:
        self.c.execute(f"SELECT DISTINCT originator_id FROM {self.recorder.EVENTS}")
        return [row[0] for row in self.c.fetchall()]

    def forget_customer(self, customer: str) -> None:
        self.recorder.erasing(self.c)
        self.mapper.keyring.forget(customer)

    def streams(self, kind: str) -> list[str]:
        self.c.execute(f"SELECT DISTINCT originator_id FROM {self.recorder.EVENTS} WHERE originator_id LIKE ?",
                       (f"{kind}:%",))
        return [row[0] for row in self.c.fetchall()]

    def write(self, events: Sequence[Event], index: IndexRows) -> None:
        self.pending = {id_: parent for id_, _, parent in index.ids}
        self.registered = self.ids({getattr(event, sealing.field) for event in events
                                    if (sealing := getattr(type(event), "SEALED_FOR", None)) and sealing.via}
                                   - self.pending.keys())
        keyring = self.mapper.keyring
        keyring.prepare({keyring.customer_of(event) for event in events if getattr(type(event), "PERSONAL", ())})
        stored, facts = [], []
        for event in events:
            stored_event, state = self.mapper.encode(event)
            stored.append(stored_event)
            facts.append(fact(type(event).__name__, event.ref, event.at, state))
        self.recorder.insert(self.raw, stored)
        self.write_index(index)
        self.views_stale = self.views_stale or bool(index.marks)
        self.marked = self.marked or bool(index.marks)
        if not self.views_stale:
            self.projector.apply(facts)
        self.pending = {}
        self.mapper.keyring.trim()
