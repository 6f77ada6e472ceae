"""The recorder: eventsourcing's application recorder with the ledger's tables and its hash chain.

The ledger's part (`LedgerRecorder`) sits on top of eventsourcing's SQLite and PostgreSQL application
recorders. It writes each chunk of events in the append's own transaction, with the chain rows beside
them, and reads the log back for verify, replay, history and export.

Where the ledger calls eventsourcing's private methods, and why: a file's events are inserted inside
the transaction that has already read the store and will write the index, chain and views, which the
public `insert_events` (one transaction of its own) cannot do. So the ledger writes a chunk's events with
its own one statement per store (`_insert_raw`: positions given on SQLite, drawn from the events table's
sequence and copied on PostgreSQL), into eventsourcing's tables, and calls `_lock_table` (postgres.py) to
hold eventsourcing's lock; nothing else private is used.
"""
from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import orjson
from eventsourcing.persistence import Notification, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from ledger import chain
from ledger.accounts import ACCOUNT_TABLES
from ledger.crypto import KEY_TABLES
from ledger.index import INDEX_TABLES
from ledger.reader import SQLITE, Dialect
from ledger.sql import insert_rows

CHAIN_TABLES = [
    "CREATE TABLE IF NOT EXISTS ledger_chain (position BIGINT PRIMARY KEY, stream TEXT NOT NULL, "
    "version BIGINT NOT NULL, stream_hash BLOB NOT NULL, log_hash BLOB NOT NULL)",
    "CREATE UNIQUE INDEX IF NOT EXISTS ledger_chain_stream ON ledger_chain (stream, version)",
]


class LedgerRecorder:
    """The ledger's part of a recorder, on top of an eventsourcing application recorder.

    Dialects give: DIALECT (reader.py: the events table's position column), EVENTS (the
    events table), BLOB (the binary type), `sql_cursor(cursor)` (one that takes `?`
    parameters and returns tuples), `appending()`, `_insert_raw` and `after_erasure`.
    """

    DIALECT: Dialect
    BLOB: str
    events_table_name: str

    @property
    def EVENTS(self) -> str:  # noqa: N802
        return self.events_table_name

    @property
    def POSITION(self) -> str:  # noqa: N802
        return self.DIALECT.position

    def ledger_tables(self) -> list[str]:
        from ledger.projections import view_ddl

        return [statement.replace("BLOB", self.BLOB)
                for statement in (*INDEX_TABLES, *CHAIN_TABLES, *KEY_TABLES, *ACCOUNT_TABLES, *view_ddl())]

    def table_names(self) -> list[str]:
        """The ledger's own tables (every statement creates one `IF NOT EXISTS`, so that a store of an earlier
        version gets the tables it lacks)."""
        return [statement.split("EXISTS ", 1)[1].split()[0] for statement in self.ledger_tables()
                if statement.startswith("CREATE TABLE")]

    def sql_cursor(self, cursor: Any) -> Any:
        """A cursor taking `?` parameters and returning tuples, over the dialect's own."""
        return cursor

    @contextmanager
    def reading(self) -> Iterator[Any]:
        with self.datastore.transaction(commit=False) as cursor:
            yield self.sql_cursor(cursor)

    @contextmanager
    def writing(self) -> Iterator[Any]:
        """A write transaction; on SQLite its first write keeps every append out until it ends."""
        with self.datastore.transaction(commit=True) as cursor:
            yield cursor

    # -- the write transaction ------------------------------------------------------------------

    def _insert_raw(self, cursor: Any, stored_events: Sequence[StoredEvent]) -> Sequence[int]:
        """Insert events with the dialect's own eventsourcing statements; returns their positions."""
        raise NotImplementedError

    def insert(self, cursor: Any, stored_events: Sequence[StoredEvent]) -> None:
        """Inside the append's transaction: the events, then their chain rows."""
        positions = self._insert_raw(cursor, stored_events)
        self._chain(self.sql_cursor(cursor), stored_events, positions)

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
        insert_rows(c, "ledger_chain", rows)

    # each wanted stream's latest chain row, found by the (stream, version) index from its end: a long
    # stream costs no more than a short one; the one parameter is the list of streams
    STREAM_HEADS: str

    def _stream_heads(self, c: Any, stored_events: Sequence[StoredEvent]) -> dict[str, bytes]:
        """The stream hash each stream had before these events, for streams that had events."""
        wanted = list({stored.originator_id: None for stored in stored_events if stored.originator_version > 1})
        if not wanted:
            return {}
        c.execute(self.STREAM_HEADS, (self.stream_list(wanted),))
        return {stream: bytes(stream_hash) for stream, stream_hash in c.fetchall() if stream_hash is not None}

    @staticmethod
    def stream_list(streams: list[str]) -> Any:
        return streams

    # -- erasure (SPEC section 5: no copy of a destroyed key left in the store's files) ----------

    def erasing(self, cursor: Any) -> None:
        """Before a key is destroyed, inside the transaction that destroys it."""

    def after_erasure(self) -> str | None:
        """After the transaction that destroyed a key committed: leave no old copy of it behind; what could not
        be done yet (another connection holds an old copy), or None."""
        raise NotImplementedError

    # -- reads ----------------------------------------------------------------------------------

    def notifications(self, rows: Iterable[tuple]) -> list[Notification]:
        return [Notification(id=row[0], originator_id=row[1], originator_version=row[2], topic=row[3],
                             state=bytes(row[4])) for row in rows]

    def pages(self, topics: Sequence[str] = (), size: int = 1000) -> Iterator[list[Notification]]:
        """The log in position order (only the given topics, if any), a page at a time."""
        start = 1
        while page := self.select_notifications(start, size, topics=list(topics)):
            yield list(page)
            start = page[-1].id + 1


ERASURE_TRIES = 60  # half a second apart: 30 s for other connections to let go of an erased key


class LedgerSQLiteRecorder(LedgerRecorder, SQLiteApplicationRecorder):
    DIALECT = SQLITE
    BLOB = "BLOB"
    STREAM_HEADS = ("SELECT w.value, (SELECT stream_hash FROM ledger_chain WHERE stream = w.value "
                    "ORDER BY version DESC LIMIT 1) FROM json_each(?) AS w")

    @staticmethod
    def stream_list(streams: list[str]) -> Any:
        return orjson.dumps(streams).decode()

    def create_table(self) -> None:
        """Tables are created on first use, and those a later version added on the first use by it."""
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not set(self.table_names()) - {row[0] for row in cursor.fetchall()}:
                return
        super().create_table()

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *self.ledger_tables()]

    @contextmanager
    def appending(self) -> Iterator[Any]:
        """BEGIN IMMEDIATE: the file holds SQLite's write lock from its first read to its commit."""
        with self.datastore.get_connection(commit=True) as connection:
            cursor = connection.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield cursor
            except BaseException:
                connection.rollback()
                raise
            connection.commit()

    def _insert_raw(self, cursor: SQLiteCursor, stored_events: Sequence[StoredEvent]) -> Sequence[int]:
        """One statement for the chunk, each event at the next position given explicitly (the write lock is
        held, so nobody else takes one): eventsourcing's own insert runs a statement per event to learn it."""
        cursor.execute(f"SELECT COALESCE(MAX(rowid), 0) FROM {self.EVENTS}")
        first = cursor.fetchone()[0] + 1
        positions = range(first, first + len(stored_events))
        cursor.executemany(f"INSERT INTO {self.EVENTS} (rowid, originator_id, originator_version, topic, state) "
                           "VALUES (?, ?, ?, ?, ?)",
                           [(position, s.originator_id, s.originator_version, s.topic, s.state)
                            for position, s in zip(positions, stored_events)])
        return positions

    def erasing(self, cursor: Any) -> None:
        cursor.execute("PRAGMA secure_delete = ON")  # the freed bytes of the wrapped key are zeroed

    def after_erasure(self) -> str | None:
        """Copy the write-ahead log into the file and empty it: no earlier frame keeps the key. Another
        connection (a reader, another process's append) can hold the log back: tried again for up to 30 s;
        then what is left to do is returned, for the operator (the erasure itself is done)."""
        for _ in range(ERASURE_TRIES):
            with self.datastore.get_connection(commit=False) as connection:
                cursor = connection.cursor()
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                busy, _, _ = cursor.fetchone()
            if not busy:
                return None
            time.sleep(0.5)
        return ("another connection still reads this store; the erased key may stay in its write-ahead log "
                "until that connection ends: run `ledger forget` again then")
