"""How events are stored: the pydantic/orjson mapper and the recorder with the ledger's indexes.

eventsourcing 9.5 ships neither a pydantic mapper nor an orjson transcoder, so
they are here. The recorder extends eventsourcing's SQLite application
recorder with the indexes the write side reads (ids, tracking numbers,
idempotency keys), written in the same transaction as the events.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
from eventsourcing.persistence import Mapper, Notification, StoredEvent, Transcoder, Transcoding
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from eventsourcing.utils import get_topic, resolve_topic
from pydantic import BaseModel

from ledger import chain
from ledger.crypto import KEY_TABLES, Keyring

STREAM_FIELDS = {"originator_id", "originator_version"}


class OrjsonTranscoder(Transcoder):
    """JSON bytes by orjson; pydantic has already turned money and times into strings."""

    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj)

    def decode(self, data: bytes) -> Any:
        return orjson.loads(data)

    def register(self, transcoding: Transcoding) -> None:
        raise TypeError("values are converted by the pydantic models, not by transcodings")


class PydanticMapper(Mapper):
    """Maps pydantic events to stored events and back, keeping eventsourcing's upcasting hook.

    A class with `class_version = N > 1` gets its stored state upcast by its
    `upcast_vK_vK+1(state)` static methods, as with eventsourcing's own events.
    The fields a class lists as PERSONAL are sealed with the customer's key (crypto.py).
    """

    def __init__(self, transcoder: Transcoder, keyring: Keyring | None = None):
        super().__init__(transcoder)
        self.keyring = keyring

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        model: BaseModel = domain_event
        state = model.model_dump(mode="json", exclude=STREAM_FIELDS, exclude_none=True)
        personal = getattr(type(model), "PERSONAL", ())
        if personal and self.keyring is not None:
            customer = self.keyring.customer_of(model)
            for name in personal:
                state[name] = self.keyring.seal(customer, name, state[name])
        class_version = getattr(type(model), "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        stored_state = self.transcoder.encode(state)
        if self.compressor:
            stored_state = self.compressor.compress(stored_state)
        if self.cipher:
            stored_state = self.cipher.encrypt(stored_state)
        return StoredEvent(
            originator_id=model.originator_id,
            originator_version=model.originator_version,
            topic=get_topic(type(model)),
            state=stored_state,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        stored_state = stored_event.state
        if self.cipher:
            stored_state = self.cipher.decrypt(stored_state)
        if self.compressor:
            stored_state = self.compressor.decompress(stored_state)
        state: dict[str, Any] = self.transcoder.decode(stored_state)
        cls = resolve_topic(stored_event.topic)
        version = state.pop("class_version", 1)
        while version < getattr(cls, "class_version", 1):
            getattr(cls, f"upcast_v{version}_v{version + 1}")(state)
            version += 1
        if self.keyring is not None:
            for name in getattr(cls, "PERSONAL", ()):
                state[name] = self.keyring.open(name, state[name])
        state["originator_id"] = stored_event.originator_id
        state["originator_version"] = stored_event.originator_version
        return cls.model_validate(state)


def record_json(record: Any) -> dict[str, Any]:
    """A record as it was appended, with its key: what `ledger export` writes."""
    return {"type": type(record).__name__,
            **record.model_dump(mode="json", exclude=STREAM_FIELDS | {"timestamp"}, exclude_none=True)}


@dataclass
class IndexRows:
    """The write side's index rows that go into the same transaction as a file's events."""

    ids: list[tuple[str, str, str | None]] = field(default_factory=list)  # id, kind, parent
    tracking: list[tuple[str, str]] = field(default_factory=list)  # tracking number, shipment id
    keys: list[str] = field(default_factory=list)


INDEX_TABLES = [
    "CREATE TABLE IF NOT EXISTS ledger_ids (id TEXT PRIMARY KEY, kind TEXT NOT NULL, parent TEXT)",
    "CREATE INDEX IF NOT EXISTS ledger_ids_parent ON ledger_ids (parent)",
    "CREATE TABLE IF NOT EXISTS ledger_tracking (tracking_no TEXT PRIMARY KEY, shipment_id TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS ledger_keys (key TEXT PRIMARY KEY)",
    "CREATE TABLE IF NOT EXISTS ledger_chain (position BIGINT PRIMARY KEY, stream TEXT NOT NULL, "
    "version BIGINT NOT NULL, stream_hash BLOB NOT NULL, log_hash BLOB NOT NULL)",
    "CREATE UNIQUE INDEX IF NOT EXISTS ledger_chain_stream ON ledger_chain (stream, version)",
]

OnInsert = Callable[[Any, Sequence[int]], None]


class LedgerRecorder:
    """The ledger's part of a recorder, on top of an eventsourcing application recorder.

    Dialects give: POSITION (the column holding an event's position), EVENTS (the
    events table), BLOB (the binary type), `_reading()` (a read-only cursor) and
    `_sql_cursor(cursor)` (one that takes `?` parameters and returns tuples).
    """

    POSITION: str
    BLOB: str
    events_table_name: str

    @property
    def EVENTS(self) -> str:  # noqa: N802
        return self.events_table_name

    def ledger_tables(self) -> list[str]:
        from ledger.projections import VIEW_TABLES

        return [statement.replace("BLOB", self.BLOB) for statement in (*INDEX_TABLES, *KEY_TABLES, *VIEW_TABLES)]

    def _sql_cursor(self, cursor: Any) -> Any:
        return cursor

    @contextmanager
    def reading(self) -> Iterator[Any]:
        with self.datastore.transaction(commit=False) as cursor:
            yield self._sql_cursor(cursor)

    @contextmanager
    def writing(self) -> Iterator[Any]:
        """A write transaction; on SQLite its first write keeps every append out until it ends."""
        with self.datastore.transaction(commit=True) as cursor:
            yield cursor

    # -- the write transaction ------------------------------------------------------------------

    def _insert_raw(self, cursor: Any, stored_events: Sequence[StoredEvent]) -> Sequence[int]:
        """Insert events with the dialect's own eventsourcing statements; returns their positions."""
        raise NotImplementedError

    def _after_insert(self, c: Any, stored_events: Sequence[StoredEvent], positions: Sequence[int], *,
                      index: IndexRows | None = None, on_insert: OnInsert | None = None) -> None:
        """Inside the transaction that inserted the events: chain, index, project."""
        self._chain(c, stored_events, positions)
        if index is not None:
            c.executemany("INSERT INTO ledger_ids VALUES (?,?,?)", index.ids)
            c.executemany("INSERT INTO ledger_tracking VALUES (?,?)", index.tracking)
            c.executemany("INSERT INTO ledger_keys VALUES (?)", [(key,) for key in index.keys])
        if on_insert is not None:
            on_insert(c, positions)

    def _chain(self, c: Any, stored_events: Sequence[StoredEvent], positions: Sequence[int]) -> None:
        c.execute("SELECT log_hash FROM ledger_chain ORDER BY position DESC LIMIT 1")
        row = c.fetchone()
        log_hash = bytes(row[0]) if row else chain.GENESIS
        previous = self._stream_heads(c, stored_events)
        rows = []
        for stored, position in zip(stored_events, positions, strict=True):
            stream = stored.originator_id
            stream_hash = chain.stream_link(previous.get(stream, chain.GENESIS), stream, stored.originator_version,
                                            stored.topic, stored.state)
            log_hash = chain.log_link(log_hash, position, stream_hash)
            previous[stream] = stream_hash
            rows.append((position, stream, stored.originator_version, stream_hash, log_hash))
        c.executemany("INSERT INTO ledger_chain VALUES (?,?,?,?,?)", rows)

    @staticmethod
    def _stream_heads(c: Any, stored_events: Sequence[StoredEvent]) -> dict[str, bytes]:
        """The stream hash each stream had before these events, for streams that had events."""
        before: dict[str, int] = {}
        for stored in stored_events:
            before.setdefault(stored.originator_id, stored.originator_version - 1)
        wanted = [(stream, version) for stream, version in before.items() if version > 0]
        heads: dict[str, bytes] = {}
        for start in range(0, len(wanted), 400):
            part = wanted[start:start + 400]
            c.execute("SELECT stream, version, stream_hash FROM ledger_chain WHERE stream IN "
                      f"({','.join('?' * len(part))})", [stream for stream, _ in part])
            for stream, version, stream_hash in c.fetchall():
                if before[stream] == version:
                    heads[stream] = bytes(stream_hash)
        return heads

    # -- reads ----------------------------------------------------------------------------------

    def verify(self, expect_head: str | None = None) -> chain.Verdict:
        with self.reading() as c:
            events = self._paged(c, f"SELECT {self.POSITION}, originator_id, originator_version, topic, state "
                                    f"FROM {self.EVENTS} WHERE {self.POSITION} > ? ORDER BY {self.POSITION} LIMIT ?")
            links = self._paged(c, "SELECT position, stream_hash, log_hash FROM ledger_chain WHERE position > ? "
                                   "ORDER BY position LIMIT ?")
            return chain.verify(chain.merge(events, links), expect_head)

    @staticmethod
    def _paged(c: Any, statement: str, size: int = 1000) -> Iterator[tuple]:
        """Rows by pages of `size`, each fetched when needed: two of these share one cursor."""
        after = 0
        while True:
            c.execute(statement, (after, size))
            rows = [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in c.fetchall()]
            if not rows:
                return
            yield from rows
            after = rows[-1][0]

    def _rows(self, statement: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self.reading() as c:
            c.execute(statement, params)
            return c.fetchall()

    @contextmanager
    def looking_up(self) -> Iterator[Session]:
        """The write side's lookups (ids, children), in a read transaction."""
        with self.reading() as cursor:
            yield Session(self, cursor)

    def _notifications(self, rows: Iterable[tuple]) -> list[Notification]:
        return [Notification(id=row[0], originator_id=row[1], originator_version=row[2], topic=row[3],
                             state=bytes(row[4])) for row in rows]

    def select_streams(self, streams: Iterable[str]) -> list[Notification]:
        streams = list(streams)
        return self._notifications(self._rows(
            f"SELECT {self.POSITION}, originator_id, originator_version, topic, state FROM {self.EVENTS} "
            f"WHERE originator_id IN ({','.join('?' * len(streams))}) ORDER BY {self.POSITION}", streams))

    def pages(self, cursor: Any, size: int = 1000) -> Iterator[list[Notification]]:
        """The whole log in position order, read through the caller's transaction."""
        after = 0
        cursor = self._sql_cursor(cursor)
        while True:
            cursor.execute(f"SELECT {self.POSITION}, originator_id, originator_version, topic, state "
                           f"FROM {self.EVENTS} WHERE {self.POSITION} > ? ORDER BY {self.POSITION} LIMIT ?",
                           (after, size))
            page = self._notifications(cursor.fetchall())
            if not page:
                return
            yield page
            after = page[-1].id

    def position_of(self, stream: str, version: int) -> int | None:
        rows = self._rows(f"SELECT {self.POSITION} FROM {self.EVENTS} WHERE originator_id = ? "
                          "AND originator_version = ?", [stream, version])
        return rows[0][0] if rows else None


class Session:
    """An appended file's exclusive write transaction. What the file has written so far is
    visible to its own reads, so the aggregates it holds in memory can be few."""

    def __init__(self, recorder: LedgerRecorder, cursor: Any):
        self.recorder = recorder
        self.raw = cursor
        self.c = recorder._sql_cursor(cursor)

    def _lookup(self, statement: str, values: Iterable[str]) -> list[tuple]:
        values, rows = list(values), []
        for start in range(0, len(values), 500):
            chunk = values[start:start + 500]
            self.c.execute(statement.format(",".join("?" * len(chunk))), chunk)
            rows += self.c.fetchall()
        return rows

    def find_keys(self, keys: Iterable[str]) -> set[str]:
        return {row[0] for row in self._lookup("SELECT key FROM ledger_keys WHERE key IN ({})", keys)}

    def find_ids(self, ids: Iterable[str]) -> dict[str, tuple[str, str | None]]:
        return {row[0]: (row[1], row[2])
                for row in self._lookup("SELECT id, kind, parent FROM ledger_ids WHERE id IN ({})", ids)}

    def find_tracking(self, numbers: Iterable[str]) -> dict[str, str]:
        return dict(self._lookup("SELECT tracking_no, shipment_id FROM ledger_tracking WHERE tracking_no IN ({})",
                                 numbers))

    def children(self, parents: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
        found: dict[str, list[tuple[str, str]]] = {parent: [] for parent in parents}
        for child, kind, parent in self._lookup(
                "SELECT id, kind, parent FROM ledger_ids WHERE parent IN ({}) ORDER BY id", found):
            found[parent].append((child, kind))
        return found

    def load(self, streams: Iterable[str]) -> dict[str, list[Notification]]:
        found: dict[str, list[Notification]] = {}
        recorder = self.recorder
        rows = self._lookup(f"SELECT {recorder.POSITION}, originator_id, originator_version, topic, state "
                            f"FROM {recorder.EVENTS} WHERE originator_id IN ({{}})", streams)
        for notification in recorder._notifications(sorted(rows, key=lambda row: (row[1], row[2]))):
            found.setdefault(notification.originator_id, []).append(notification)
        return found

    def write(self, stored_events: Sequence[StoredEvent], index: IndexRows, on_insert: OnInsert) -> None:
        positions = self.recorder._insert_raw(self.raw, stored_events)
        self.recorder._after_insert(self.c, stored_events, positions, index=index, on_insert=on_insert)


class LedgerSQLiteRecorder(LedgerRecorder, SQLiteApplicationRecorder):
    POSITION = "rowid"
    BLOB = "BLOB"

    def create_table(self) -> None:
        """Tables are created on first use; the last one created marks a store that has them all."""
        last = self.ledger_tables()[-1].split("EXISTS ", 1)[1].split()[0]
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (last,))
            if cursor.fetchone():
                return
        super().create_table()

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *self.ledger_tables()]

    @contextmanager
    def appending(self) -> Iterator[Session]:
        """BEGIN IMMEDIATE: the file holds SQLite's write lock from its first read to its commit."""
        with self.datastore.get_connection(commit=True) as connection:
            cursor = connection.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield Session(self, cursor)
            except BaseException:
                connection.rollback()
                raise
            connection.commit()

    def _insert_raw(self, cursor: SQLiteCursor, stored_events: Sequence[StoredEvent]) -> Sequence[int]:
        return SQLiteApplicationRecorder._insert_events(self, cursor, stored_events) or []
