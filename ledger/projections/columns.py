"""A view table declared once: its columns give its DDL, its bulk upsert, its SELECTs, its JSON rows and
its text table.

Money is stored in cents, times in microseconds since the epoch and flags as 0/1, so that views sum and
compare integers; a column's kind says how to store it and how to show it. A JSON column holds a value the
projection reads whole (a parcel's lines); it is parsed when its row is loaded.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from functools import cached_property
from typing import Any

import orjson

from ledger.values import from_micros, money

TEXT, INT, MONEY, BOOL, TIME, JSON = "text", "int", "money", "bool", "time", "json"
SQL_TYPE = {TEXT: "TEXT", INT: "BIGINT", MONEY: "BIGINT", BOOL: "BIGINT", TIME: "BIGINT", JSON: "TEXT"}
COUNTED = (INT, MONEY, BOOL)  # stored NOT NULL DEFAULT 0
RIGHT = (INT, MONEY)  # right-aligned in text tables


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = TEXT
    key: bool = False  # part of the primary key
    stored: bool = True  # False: worked out when the view is read
    shown: bool = True  # False: kept for the projection only
    listed: bool = True  # False: in the JSON and CSV, left out of the text table (which fits 100 columns)
    index: bool = False
    optional: bool = False  # a count or amount that may be missing (null)
    none: str = ""  # how a text table shows a missing value

    def ddl(self) -> str:
        sql = f"{self.name} {SQL_TYPE[self.kind]}"
        if self.key:
            return sql + " NOT NULL"
        return sql + " NOT NULL DEFAULT 0" if self.kind in COUNTED and not self.optional else sql

    def json(self, value: Any, zone: tzinfo | None) -> Any:
        if value is None:
            return None
        if self.kind == MONEY:
            return money(value)
        if self.kind == BOOL:
            return bool(value)
        if self.kind == TIME:
            moment = from_micros(value)
            return (moment.astimezone(zone) if zone else moment).isoformat()
        return value

    def text(self, value: Any) -> str:
        """A JSON value as a text table shows it: times to the minute, flags as yes/no, the shop's words."""
        from ledger import messages

        if value is None:
            return messages.say(self.none) if self.none else ""
        if self.kind == BOOL:
            return messages.yes_no(value)
        if self.kind == TIME:
            return minute(value)
        return messages.shown(self.name, value)


@dataclass(frozen=True)
class Table:
    """`lookup` is the column rows are fetched by, a chunk's worth at once (the first key column unless
    said), and `fields` the events' fields that name such values (the lookup column's name unless said)."""

    name: str
    columns: tuple[Column, ...]
    lookup: str | None = None
    fields: tuple[str, ...] | None = None

    @cached_property
    def stored(self) -> list[Column]:
        return [c for c in self.columns if c.stored]

    @cached_property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.key)

    @cached_property
    def by(self) -> str:
        return self.lookup or self.keys[0]

    @cached_property
    def named_by(self) -> tuple[str, ...]:
        return self.fields or (self.by,)

    def key_of(self, row: dict) -> Any:
        """A row's key as the projection names it: the value of a one-column key, else a tuple."""
        keys = self.keys
        return row[keys[0]] if len(keys) == 1 else tuple(row[k] for k in keys)

    @cached_property
    def _blank(self) -> dict:
        return {c.name: 0 if c.kind in COUNTED and not c.optional else None for c in self.stored}

    def new(self, key: Any) -> dict:
        row = self._blank.copy()
        if len(self.keys) == 1:
            row[self.keys[0]] = key
        else:
            row.update(zip(self.keys, key, strict=True))
        return row

    @cached_property
    def _json(self) -> list[str]:
        return [c.name for c in self.stored if c.kind == JSON]

    @cached_property
    def _names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.stored)

    def loaded(self, values: Sequence[Any]) -> dict:
        """A stored row as the projection holds it (JSON columns parsed)."""
        row = dict(zip(self._names, values, strict=True))
        for name in self._json:
            if row[name] is not None:
                row[name] = orjson.loads(row[name])
        return row

    def dumped(self, row: dict) -> tuple:
        if self._json:
            row = {**row, **{name: orjson.dumps(row[name]).decode() for name in self._json if row[name] is not None}}
        return tuple(map(row.__getitem__, self._names))

    @cached_property
    def upsert(self) -> str:
        """One statement for every changed row of a chunk that the store may hold: inserted, or its stored
        columns replaced."""
        names = self._names
        others = [name for name in names if name not in self.keys]
        action = f"UPDATE SET {', '.join(f'{n} = excluded.{n}' for n in others)}" if others else "NOTHING"
        return (f"INSERT INTO {self.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
                f"ON CONFLICT ({', '.join(self.keys)}) DO {action}")

    @cached_property
    def delete(self) -> str:
        return f"DELETE FROM {self.name} WHERE {' AND '.join(f'{k} = ?' for k in self.keys)}"

    @cached_property
    def select_key(self) -> str:
        return f"SELECT {', '.join(self._names)} FROM {self.name} WHERE {' AND '.join(f'{k} = ?' for k in self.keys)}"

    @cached_property
    def select_by(self) -> str:
        """Rows whose lookup column is among some values (`{}`: sql.among's clause)."""
        return f"SELECT {', '.join(self._names)} FROM {self.name} WHERE {self.by} {{}}"

    @property
    def shown(self) -> list[Column]:
        return [c for c in self.columns if c.shown]

    def create(self) -> list[str]:
        keys = ", ".join(self.keys)
        columns = ", ".join([*(c.ddl() for c in self.stored), *([f"PRIMARY KEY ({keys})"] if keys else [])])
        return [f"CREATE TABLE IF NOT EXISTS {self.name} ({columns})",
                *(f"CREATE INDEX IF NOT EXISTS {self.name}_{c.name} ON {self.name} ({c.name})"
                  for c in self.columns if c.index)]

    def drop(self) -> str:
        return f"DROP TABLE IF EXISTS {self.name}"

    def read(self, cursor: Any, where: str = "", params: Sequence[Any] = (), order: str = "") -> list[dict]:
        """Stored rows as dicts of stored values."""
        names = self._names
        cursor.execute(f"SELECT {', '.join(names)} FROM {self.name}"
                       + (f" WHERE {where}" if where else "") + (f" ORDER BY {order}" if order else ""), params)
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def each(self, cursor: Any, page: int = 1000) -> Iterator[dict]:
        """Every stored row, a page at a time in key order (the table has a one-column key): for reads that
        fold a whole view without holding it."""
        key = self.keys[0]
        rows = self.read(cursor, order=f"{key} LIMIT {page}")
        while rows:
            yield from rows
            rows = self.read(cursor, f"{key} > ?", (rows[-1][key],), order=f"{key} LIMIT {page}") \
                if len(rows) == page else []

    def json(self, row: dict, zone: tzinfo | None = None) -> dict:
        """A row as the view's JSON shows it: the shown columns, in declared order."""
        return {c.name: c.json(row[c.name], zone) for c in self.shown}


def registry() -> tuple[dict, Any]:
    """A view's handlers and the decorator that registers one: `@on("EventType", ...)`, by the name the event
    is stored under (tests/test_views.py checks each name against the event types)."""
    handlers: dict[str, Any] = {}

    def on(*event_types: str) -> Any:
        def register(handler: Any) -> Any:
            for event_type in event_types:
                handlers[event_type] = handler
            return handler

        return register

    return handlers, on


def minute(stamp: str) -> str:
    """An ISO time as a person reads it: `2026-11-03 00:00` (in the time zone it carries)."""
    return stamp[:16].replace("T", " ")


def text_table(columns: Sequence[Column], rows: Sequence[dict], total: tuple[str, dict] | None = None) -> str:
    """Aligned text of JSON rows, the listed columns only; `total` (its label, and JSON values by column)
    becomes a last row."""
    from ledger.messages import heading
    from ledger.tables import table

    columns = [c for c in columns if c.listed]
    cells = [[c.text(row[c.name]) for c in columns] for row in rows]
    if total is not None:
        label, sums = total
        cells.append([label, *(str(sums.get(c.name, "")) for c in columns[1:])])
    return table([heading(c.name) for c in columns], cells,
                 right=[i for i, c in enumerate(columns) if c.kind in RIGHT])
