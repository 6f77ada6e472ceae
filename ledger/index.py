"""The write side's indexes (ids, claimed values, idempotency keys) and their lookups, which `history` reads
too (reading a store needs no write side)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ledger.sql import insert_rows, select_among

if TYPE_CHECKING:
    from ledger.unit_of_work import IndexRows

INDEX_TABLES = [
    "CREATE TABLE IF NOT EXISTS ledger_ids (id TEXT PRIMARY KEY, kind TEXT NOT NULL, parent TEXT)",
    "CREATE INDEX IF NOT EXISTS ledger_ids_parent ON ledger_ids (parent)",
    "CREATE TABLE IF NOT EXISTS ledger_tracking (tracking_no TEXT PRIMARY KEY, shipment_id TEXT NOT NULL)",
    # every stored record's key and where it is: a record under a stored key is compared with it (section 13)
    "CREATE TABLE IF NOT EXISTS ledger_record_keys (key TEXT PRIMARY KEY, stream TEXT NOT NULL, "
    "version BIGINT NOT NULL)",
    # VO-1: the events that read as never appended (voided records, withdrawn decisions; `follows` null), and
    # the decisions a void stored, which read as following the record at position `follows`
    "CREATE TABLE IF NOT EXISTS ledger_voided (stream TEXT NOT NULL, version BIGINT NOT NULL, follows BIGINT, "
    "PRIMARY KEY (stream, version))",
    # the ids a void freed, with their kind and parent: a voided parcel stays in its order's history
    "CREATE TABLE IF NOT EXISTS ledger_freed_ids (id TEXT NOT NULL, kind TEXT NOT NULL, parent TEXT)",
    "CREATE INDEX IF NOT EXISTS ledger_freed_ids_id ON ledger_freed_ids (id)",
    "CREATE INDEX IF NOT EXISTS ledger_freed_ids_parent ON ledger_freed_ids (parent)",
]
# A namespace of claimed values (Record.CLAIMS) -> its table, value column, owner column.
CLAIM_TABLES = {"tracking": ("ledger_tracking", "tracking_no", "shipment_id")}


def claimed_form(namespace: str, value: str) -> str:
    """A claimed value as the index holds it: tracking numbers without regard to letter case (SH-4)."""
    return value.upper() if namespace == "tracking" else value


def fold_claims(cursor: Any) -> None:
    """A store of an earlier version holds tracking numbers as written: brought to their claimed form
    (idempotent; of two that differ by case only, the one stored first stays)."""
    cursor.execute("DELETE FROM ledger_tracking WHERE tracking_no <> UPPER(tracking_no) AND UPPER(tracking_no) IN "
                   "(SELECT tracking_no FROM ledger_tracking)")
    cursor.execute("UPDATE ledger_tracking SET tracking_no = UPPER(tracking_no) "
                   "WHERE tracking_no <> UPPER(tracking_no)")


class Lookups:
    """Index lookups through one cursor that takes `?` parameters and returns tuples."""

    def __init__(self, cursor: Any):
        self.c = cursor

    def _lookup(self, statement: str, values: Iterable[str]) -> list[tuple]:
        return select_among(self.c, statement, values)

    def keyed(self, keys: Iterable[str]) -> dict[str, tuple[str, int]]:
        """Where the records of these stored keys are: stream and version."""
        return {key: (stream, version) for key, stream, version in
                self._lookup("SELECT key, stream, version FROM ledger_record_keys WHERE key {}", keys)}

    def marks(self, streams: Iterable[str]) -> dict[tuple[str, int], int | None]:
        """The voiding marks of these streams' events: (stream, version) -> follows (None: reads as never
        appended)."""
        return {(stream, version): follows for stream, version, follows in
                self._lookup("SELECT stream, version, follows FROM ledger_voided WHERE stream {}", streams)}

    def voided_any(self) -> bool:
        self.c.execute("SELECT 1 FROM ledger_voided LIMIT 1")
        return self.c.fetchone() is not None

    def claims_owned(self, namespace: str, owners: Iterable[str]) -> dict[str, str]:
        """The values these owners hold (a void frees its record's)."""
        table, value, owner = CLAIM_TABLES[namespace]
        return dict(self._lookup(f"SELECT {value}, {owner} FROM {table} WHERE {owner} {{}}", owners))

    def ids(self, ids: Iterable[str]) -> dict[str, tuple[str, str | None]]:
        return {row[0]: (row[1], row[2])
                for row in self._lookup("SELECT id, kind, parent FROM ledger_ids WHERE id {}", ids)}

    def claims(self, namespace: str, values: Iterable[str]) -> dict[str, str]:
        table, value, owner = CLAIM_TABLES[namespace]
        return dict(self._lookup(f"SELECT {value}, {owner} FROM {table} WHERE {value} {{}}", values))

    def children(self, parents: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
        found: dict[str, list[tuple[str, str]]] = {parent: [] for parent in parents}
        for child, kind, parent in self._lookup(
                "SELECT id, kind, parent FROM ledger_ids WHERE parent {} ORDER BY id", found):
            found[parent].append((child, kind))
        return found

    def write_index(self, index: IndexRows) -> None:
        """What a void freed goes first, so that a later record of the same chunk can take it again."""
        if index.freed_ids:
            freed = [(id_,) for id_ in index.freed_ids]
            self.c.executemany("INSERT INTO ledger_freed_ids SELECT id, kind, parent FROM ledger_ids WHERE id = ?",
                               freed)
            self.c.executemany("DELETE FROM ledger_ids WHERE id = ?", freed)
        for namespace, (table, value, _) in CLAIM_TABLES.items():
            freed = [(v,) for space, v in index.freed_claims if space == namespace]
            if freed:
                self.c.executemany(f"DELETE FROM {table} WHERE {value} = ?", freed)
        insert_rows(self.c, "ledger_ids", index.ids)
        for namespace, (table, _, _) in CLAIM_TABLES.items():
            insert_rows(self.c, table, [(value, owner) for space, value, owner in index.claims if space == namespace])
        insert_rows(self.c, "ledger_record_keys", index.keys)
        # a replacement a later void withdraws is marked again
        self.c.executemany("DELETE FROM ledger_voided WHERE stream = ? AND version = ?",
                           [(stream, version) for stream, version, _ in index.marks])
        insert_rows(self.c, "ledger_voided", index.marks)


class Ever(Lookups):
    """The id index with the ids voids freed, for histories: a voided parcel, and its void, stay in its order's
    history, and `history` of a freed id still shows its stream."""

    def ids(self, ids: Iterable[str]) -> dict[str, tuple[str, str | None]]:
        ids = list(ids)
        found = super().ids(ids)
        missing = [id_ for id_ in ids if id_ not in found]
        if missing:
            found |= {row[0]: (row[1], row[2]) for row in
                      self._lookup("SELECT id, kind, parent FROM ledger_freed_ids WHERE id {}", missing)}
        return found

    def children(self, parents: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
        found = super().children(parents)
        for child, kind, parent in self._lookup(
                "SELECT id, kind, parent FROM ledger_freed_ids WHERE parent {} ORDER BY id", found):
            if (child, kind) not in found[parent]:
                found[parent].append((child, kind))
        return found


def streams_of(lookups: Any, id_: str) -> list[str]:
    """The streams `history ID` shows: an order with its shipments, cases and disputes, a case with its
    replacement shipments, or the one stream of any other id. `lookups` answers `ids` and `children`."""
    found = lookups.ids([id_]).get(id_)
    if found is None:
        return []
    streams = [f"{found[0]}:{id_}"]
    for child, child_kind in lookups.children([id_])[id_]:
        streams.append(f"{child_kind}:{child}")
        streams += [f"{kind}:{grandchild}" for grandchild, kind in lookups.children([child])[child]]
    return streams
