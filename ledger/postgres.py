"""The ledger's recorder on PostgreSQL, the scale-out store (imported only when a store URL names it).

Its use of eventsourcing's private methods is explained in recorder.py."""
from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier

from ledger.reader import POSTGRES
from ledger.sql import QmarkCursor
from ledger.recorder import LedgerRecorder


class LedgerPostgresRecorder(LedgerRecorder, PostgresApplicationRecorder):
    DIALECT = POSTGRES
    BLOB = "BYTEA"
    STREAM_HEADS = ("SELECT w, (SELECT stream_hash FROM ledger_chain WHERE stream = w "
                    "ORDER BY version DESC LIMIT 1) FROM unnest(?::text[]) AS w")

    def __init__(self, datastore: Any, **kwargs: Any):
        super().__init__(datastore, **kwargs)
        schema = Identifier(self.datastore.schema)
        self.search_path = SQL("SET LOCAL search_path TO {0}").format(schema)
        self.create_schema = SQL("CREATE SCHEMA IF NOT EXISTS {0}").format(schema)
        self.sql_create_statements.append(self.search_path)
        self.sql_create_statements += [SQL(statement) for statement in self.ledger_tables()]

    def create_table(self) -> None:
        """Tables are created on first use, and those a later version added on the first use by it."""
        with self.datastore.get_connection() as connection:
            # Writers starting together on a new schema would race on PostgreSQL's catalog ("tuple
            # concurrently updated"): one creates the tables while the others wait, then find them.
            connection.execute("SELECT pg_advisory_lock(hashtext(%s))", (f"ledger:{self.datastore.schema}",))
            try:
                found = {row["table_name"] for row in connection.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                    (self.datastore.schema,)).fetchall()}
                if set(self.table_names()) - found:
                    connection.execute(self.create_schema)
                    super().create_table()
            finally:
                connection.execute("SELECT pg_advisory_unlock(hashtext(%s))", (f"ledger:{self.datastore.schema}",))

    def sql_cursor(self, cursor: Any) -> Any:
        return cursor if isinstance(cursor, QmarkCursor) else QmarkCursor(cursor)

    @contextmanager
    def reading(self) -> Iterator[Any]:
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(self.search_path)
            yield QmarkCursor(cursor)

    @contextmanager
    def writing(self) -> Iterator[Any]:
        """A write transaction holding the events table lock, so that no append interleaves."""
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(self.search_path)
            # What a write has added is not in the planner's statistics until it commits: without this, the
            # lookups of a long append or replay turn into scans of the tables it has grown, chunk after chunk.
            cursor.execute("SET LOCAL enable_seqscan = off")
            self._lock_table(cursor)
            yield QmarkCursor(cursor)

    @contextmanager
    def appending(self) -> Iterator[Any]:
        """The file holds eventsourcing's lock on the events table from its first read to its commit."""
        with self.writing() as cursor:
            yield cursor.cursor

    def after_erasure(self) -> str | None:
        """VACUUM FULL rewrites the keys' table into new files: the dead row with the old key goes with the old
        ones (a plain VACUUM would leave its bytes in the page). While another transaction may still see that
        row, the rewrite keeps it and says so: then wait and rewrite again (30 s at most)."""
        statement = SQL("VACUUM (FULL, VERBOSE) {0}.ledger_customer_keys").format(Identifier(self.datastore.schema))
        with self.datastore.get_connection() as connection:  # the pool's connections commit each statement
            notices: list[str] = []
            connection.add_notice_handler(lambda notice: notices.append(f"{notice.message_detail}"))
            for _ in range(60):
                notices.clear()
                connection.execute(statement)
                kept = [int(n) for text in notices for n in re.findall(r"(\d+) dead row versions cannot be removed",
                                                                         text)]
                if not any(kept):
                    return None
                time.sleep(0.5)
        return ("another transaction on this database still sees the erased key; the key stays in the table's "
                "file until it ends: run `ledger forget` again then")

    def _insert_raw(self, cursor: Any, stored_events: Sequence[StoredEvent]) -> Sequence[int]:
        """The chunk's positions, the next after the last stored, then its events copied in with them (the
        table lock is held). eventsourcing's insert builds a composite value per event in Python,
        which costs more than the rest of the write."""
        table = f"{self.datastore.schema}.{self.EVENTS}"
        cursor = QmarkCursor(cursor)
        # Positions count from 1 without gaps (the head's N is the number of events): the next after the last
        # stored, which the table lock keeps ours; a sequence's numbers would be lost by a failed append.
        cursor.execute(f"SELECT COALESCE(MAX(notification_id), 0) FROM {self.EVENTS}")
        last = cursor.fetchone()[0]
        positions = list(range(last + 1, last + 1 + len(stored_events)))
        if not positions:
            return positions
        cursor.execute("SELECT setval(pg_get_serial_sequence(?, 'notification_id'), ?)", (table, positions[-1]))
        with cursor.cursor.copy(SQL("COPY {0} (originator_id, originator_version, topic, state, notification_id) "
                             "FROM STDIN").format(Identifier(self.EVENTS))) as copy:
            for position, stored in zip(positions, stored_events, strict=True):
                copy.write_row((stored.originator_id, stored.originator_version, stored.topic, stored.state,
                                position))
        return positions
