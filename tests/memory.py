"""The rules without a store: a unit of work over dicts in memory, for the rule and aggregate tests.

Records still come in as JSON lines and are decided by the same handlers and aggregates; only the
SQL, the encryption and the views are left out. A file is all or nothing here too.
"""
from __future__ import annotations

from collections.abc import Iterable

from ledger.aggregates import PolicyBook, fold
from ledger.corrections import in_effect, streams_in_effect
from ledger.events import Event
from ledger.index import streams_of
from ledger.unit_of_work import Appended, IndexRows, UnitOfWork
from tests.shop import Questions


class MemoryStore:
    def __init__(self) -> None:
        self.streams: dict[str, list[Event]] = {}
        self.ids: dict[str, tuple[str, str | None]] = {}
        self.claims: dict[tuple[str, str], str] = {}
        self.keys: dict[str, tuple[str, int]] = {}
        self.marks: dict[tuple[str, int], int | None] = {}
        self.positions: dict[tuple[str, int], int] = {}
        self.count = 0

    def snapshot(self) -> tuple:
        return ({s: list(e) for s, e in self.streams.items()}, dict(self.ids), dict(self.claims), dict(self.keys),
                dict(self.marks), dict(self.positions), self.count)

    def restore(self, snapshot: tuple) -> None:
        self.streams, self.ids, self.claims, self.keys, self.marks, self.positions, self.count = snapshot


class MemorySession:
    """The unit of work's Session over a MemoryStore."""

    def __init__(self, store: MemoryStore):
        self.store = store

    def keyed(self, keys: Iterable[str]) -> dict[str, tuple[str, int]]:
        return {key: self.store.keys[key] for key in keys if key in self.store.keys}

    def record_at(self, stream: str, version: int) -> tuple[int, Event, bool]:
        return (self.store.positions[stream, version], self.store.streams[stream][version - 1],
                (stream, version) in self.store.marks and self.store.marks[stream, version] is None)

    def positioned(self, streams: Iterable[str]) -> dict[str, list[tuple[int, Event]]]:
        return {s: [(self.store.positions[s, e.originator_version], e) for e in self.store.streams[s]]
                for s in streams if s in self.store.streams}

    def marks(self, streams: Iterable[str]) -> dict[tuple[str, int], int | None]:
        wanted = set(streams)
        return {where: follows for where, follows in self.store.marks.items() if where[0] in wanted}

    def claims_owned(self, namespace: str, owners: Iterable[str]) -> dict[str, str]:
        wanted = set(owners)
        return {v: owner for (space, v), owner in self.store.claims.items() if space == namespace and owner in wanted}

    def all_streams(self) -> list[str]:
        return list(self.store.streams)

    def voided_any(self) -> bool:
        return bool(self.store.marks)

    def ids(self, ids: Iterable[str]) -> dict[str, tuple[str, str | None]]:
        return {id_: self.store.ids[id_] for id_ in ids if id_ in self.store.ids}

    def claims(self, namespace: str, values: Iterable[str]) -> dict[str, str]:
        return {v: self.store.claims[namespace, v] for v in values if (namespace, v) in self.store.claims}

    def children(self, parents: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
        found: dict[str, list[tuple[str, str]]] = {parent: [] for parent in parents}
        for id_, (kind, parent) in sorted(self.store.ids.items()):
            if parent in found:
                found[parent].append((id_, kind))
        return found

    def events(self, streams: Iterable[str]) -> dict[str, list[Event]]:
        found = self.positioned(streams)
        return streams_in_effect(found, self.marks(found))

    def forget_customer(self, customer: str) -> None:
        """Nothing is sealed in memory: the record alone is kept."""

    def streams(self, kind: str) -> list[str]:
        return [stream for stream in self.store.streams if stream.startswith(f"{kind}:")]

    def write(self, events: list[Event], index: IndexRows) -> None:
        for event in events:
            self.store.streams.setdefault(event.originator_id, []).append(event)
            self.store.count += 1
            self.store.positions[event.originator_id, event.originator_version] = self.store.count
        for id_ in index.freed_ids:
            del self.store.ids[id_]
        for freed in index.freed_claims:
            del self.store.claims[freed]
        self.store.ids.update((id_, (kind, parent)) for id_, kind, parent in index.ids)
        self.store.claims.update(((space, value), owner) for space, value, owner in index.claims)
        self.store.keys.update((key, (stream, version)) for key, stream, version in index.keys)
        self.store.marks.update(((stream, version), follows) for stream, version, follows in index.marks)


class MemoryShop(Questions):
    def __init__(self) -> None:
        self.store = MemoryStore()

    def append_lines(self, lines: Iterable[str]) -> Appended:
        before = self.store.snapshot()
        try:
            return UnitOfWork(MemorySession(self.store)).run(lines)
        except BaseException:
            self.store.restore(before)
            raise

    def event_count(self) -> int:
        return self.store.count

    def kind_of(self, id_: str) -> tuple[str, str | None] | None:
        return self.store.ids.get(id_)

    def events(self, id_: str) -> list:
        streams = streams_of(MemorySession(self.store), id_)
        return sorted((e for s in streams for e in self.store.streams.get(s, [])),
                      key=lambda e: self.store.positions[e.originator_id, e.originator_version])

    def in_effect(self, id_: str) -> list:
        """The events of `id_`'s history as the rules read them after any void, in position order."""
        session = MemorySession(self.store)
        found = session.positioned(streams_of(session, id_))
        merged = sorted((item for events in found.values() for item in events), key=lambda item: item[0])
        return [event for _, event in in_effect(merged, session.marks(found))]

    def stream(self, stream: str) -> list:
        return list(self.store.streams.get(stream, []))

    def policy_book(self) -> PolicyBook:
        return fold(self.store.streams.get("policy", [])) or PolicyBook()
