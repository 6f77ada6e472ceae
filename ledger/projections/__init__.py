"""The views of SPEC section 7, kept as tables and updated in the append's own transaction.

Each view module declares its TABLES (columns.py: columns declared once) and its HANDLERS (event type name
-> function of the projector and the event's fact); a view reads and writes its own tables only.

A fact is an event as stored (its JSON, personal fields sealed and never read), with its `type`, its `ref`
and its `at` as a time. The projector works a chunk of facts at a time: the rows the chunk names are fetched
at once, the handlers change rows in memory, and every changed row is written back by one statement per
table. Append and `replay` go through this one path (replay drops and recreates the tables first), so
incremental and rebuilt views cannot drift, a store gets new columns by one replay, and neither decodes an
event through its model.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime
from itertools import islice
from typing import Any

from ledger.projections import accounts, due, find, fund, kpi, liability, policy, sla, stock
from ledger.projections.columns import Table
from ledger.sql import insert_rows, select_among

VIEWS = (stock, liability, sla, fund, kpi, policy, find, due, accounts)
VIEW_TABLES: list[Table] = [table for view in VIEWS for table in view.TABLES]

Handler = Callable[["Projector", dict], None]
HANDLERS: dict[str, list[Handler]] = {}
for view in VIEWS:
    for event_type, handler in view.HANDLERS.items():
        HANDLERS.setdefault(event_type, []).append(handler)
POLICY = "PolicyAdopted"  # moves the policy the handlers read on
# The stored topics a replay reads (every event type lives in ledger.events); the others no view needs.
TOPICS = sorted(f"ledger.events:{name}" for name in {*HANDLERS, POLICY})
NAMING = {field for table in VIEW_TABLES for field in table.named_by}  # fields that name rows
CACHE = 3_000  # rows of a table kept in memory from one chunk to the next
MISSING = object()


def fact(type_: str, ref: str, at: datetime | None, state: dict) -> dict:
    """An event as the views read it: its stored state (changed in place) with its type, ref and time (read
    from the state when not given)."""
    state["type"], state["ref"] = type_, ref
    state["at"] = datetime.fromisoformat(state["at"]) if at is None else at
    return state


def view_ddl() -> list[str]:
    return [statement for table in VIEW_TABLES for statement in table.create()] + [
        "CREATE TABLE IF NOT EXISTS ledger_views (signature TEXT NOT NULL)"]


# What the view tables are as declared now: a store whose views were built to another declaration is rebuilt
# by its next append or `replay` (and read by neither view command until then).
SIGNATURE = hashlib.sha256("\n".join(view_ddl()).encode()).hexdigest()[:16]


def views_current(cursor: Any) -> bool:
    cursor.execute("SELECT signature FROM ledger_views")
    found = cursor.fetchone()
    return found is not None and found[0] == SIGNATURE


def recreate_views(cursor: Any) -> None:
    """Drop every view table and create it as declared now: a store of an older version gets new columns."""
    for table in VIEW_TABLES:
        cursor.execute(table.drop())
    for statement in view_ddl():
        cursor.execute(statement)
    cursor.execute("DELETE FROM ledger_views")
    cursor.execute("INSERT INTO ledger_views VALUES (?)", (SIGNATURE,))


class Rows:
    """One table's rows in memory: a row, or None for a key known to have no row."""

    __slots__ = ("table", "cache", "changed", "fresh", "fetched", "last")

    def __init__(self, table: Table):
        self.table = table
        self.cache: dict[Any, dict | None] = {}
        self.changed: dict[Any, dict | None] = {}  # None: delete
        self.fresh: set[Any] = set()  # keys of changed rows the store does not hold
        self.fetched: set[Any] = set()  # lookup values whose rows are all in the cache, this chunk
        self.last: int | None = None  # the highest key of a table keyed by a counter

    def fetch(self, cursor: Any, values: set[Any]) -> None:
        table, cache = self.table, self.cache
        single = len(table.keys) == 1
        wanted = [v for v in values if v not in cache] if single else [v for v in values if v not in self.fetched]
        for values_ in select_among(cursor, table.select_by, wanted):
            row = table.loaded(values_)
            cache.setdefault(table.key_of(row), row)
        if single:
            for value in wanted:
                cache.setdefault(value, None)
        else:
            self.fetched.update(wanted)

    def load(self, cursor: Any, key: Any, complete: bool) -> dict | None:
        table = self.table
        if complete or (len(table.keys) > 1 and key[table.keys.index(table.by)] in self.fetched):
            row = None
        else:
            cursor.execute(table.select_key, (key,) if len(table.keys) == 1 else key)
            found = cursor.fetchone()
            row = table.loaded(found) if found else None
        self.cache[key] = row
        return row

    def write(self, cursor: Any) -> bool:
        """The chunk's changes, one statement per kind; True when rows had to be let go."""
        table = self.table
        if self.changed:
            gone = [key if isinstance(key, tuple) else (key,) for key, row in self.changed.items() if row is None]
            if gone:
                cursor.executemany(table.delete, gone)
            fresh, kept = [], []
            for key, row in self.changed.items():
                if row is not None:
                    (fresh if key in self.fresh else kept).append(table.dumped(row))
            insert_rows(cursor, table.name, fresh)  # by COPY on PostgreSQL
            if kept:
                cursor.executemany(table.upsert, kept)
            self.changed.clear()
            self.fresh.clear()
        self.fetched.clear()
        if len(self.cache) <= CACHE:
            return False
        for key in list(islice(self.cache, len(self.cache) - CACHE // 2)):  # the oldest go first
            del self.cache[key]
        return True


class Projector:
    """Applies facts, in position order and a chunk at a time, to the view tables through one cursor."""

    def __init__(self, cursor: Any, policies: Any, empty: bool = False):
        self.cursor = cursor
        self.policies = policies  # as of the first fact applied; PolicyAdopted facts move it on
        self.rows = {table.name: Rows(table) for table in VIEW_TABLES}
        self.complete = empty  # every row of the store is in memory (tables just created, none let go)

    def policy_at(self, at: datetime) -> Any:
        return self.policies.in_force(at)

    def apply(self, facts: Iterable[dict]) -> None:
        facts = list(facts)
        if not self.complete:
            self._fetch(facts)
        for fact in facts:
            if fact["type"] == POLICY:
                self.policies.adopt(fact["at"], fact["version"], fact["params"])
            for handler in HANDLERS.get(fact["type"], ()):
                handler(self, fact)
        for rows in self.rows.values():
            if rows.write(self.cursor):
                self.complete = False

    def _fetch(self, facts: list[dict]) -> None:
        named: dict[str, set[Any]] = {field: set() for field in NAMING}
        for fact in facts:
            for field in named.keys() & fact.keys():
                named[field].add(fact[field])
        for rows in self.rows.values():
            wanted = set().union(*(named[field] for field in rows.table.named_by))
            if wanted:
                rows.fetch(self.cursor, wanted)

    # -- what handlers use ----------------------------------------------------------------------

    def find(self, table: Table, key: Any) -> dict | None:
        """The row of `key` (a value, or a tuple for a table of several key columns), if there is one."""
        rows = self.rows[table.name]
        row = rows.cache.get(key, MISSING)
        return rows.load(self.cursor, key, self.complete) if row is MISSING else row

    def row(self, table: Table, key: Any) -> dict:
        """The row of `key` to change, a new one (zeros and nulls) if there was none."""
        rows = self.rows[table.name]
        row = rows.cache.get(key, MISSING)
        if row is MISSING:
            row = rows.load(self.cursor, key, self.complete)
        if row is None:
            row = rows.cache[key] = table.new(key)
            rows.fresh.add(key)
        rows.changed[key] = row
        return row

    def new(self, table: Table, key: Any) -> dict:
        """A row for a key no earlier fact can have named (a new order's, an event's own ref)."""
        rows = self.rows[table.name]
        row = rows.cache[key] = rows.changed[key] = table.new(key)
        rows.fresh.add(key)
        return row

    def delete(self, table: Table, key: Any) -> None:
        rows = self.rows[table.name]
        rows.cache[key] = rows.changed[key] = None

    def next_key(self, table: Table) -> int:
        """The next number of a table keyed by a counter (the fund's entries, in append order)."""
        rows = self.rows[table.name]
        if rows.last is None:
            self.cursor.execute(f"SELECT COALESCE(MAX({table.keys[0]}), 0) FROM {table.name}")
            rows.last = self.cursor.fetchone()[0]
        rows.last += 1
        return rows.last
