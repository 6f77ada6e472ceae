"""A view table declared once: its columns give its DDL, its SELECT, its JSON rows and its text table.

Money is stored in cents, times in microseconds since the epoch and flags as 0/1, so that views sum and
compare integers; a column's kind says how to store it and how to show it.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from ledger.values import from_micros, money

TEXT, INT, MONEY, BOOL, TIME = "text", "int", "money", "bool", "time"
SQL_TYPE = {TEXT: "TEXT", INT: "BIGINT", MONEY: "BIGINT", BOOL: "BIGINT", TIME: "BIGINT"}
COUNTED = (INT, MONEY, BOOL)  # stored NOT NULL DEFAULT 0
RIGHT = (INT, MONEY)  # right-aligned in text tables


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = TEXT
    key: bool = False  # part of the primary key
    stored: bool = True  # False: worked out when the view is read
    shown: bool = True  # False: kept for the projection only
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
        if value is None:
            return self.none
        if self.kind == BOOL:
            return self.name.upper() if value else ""
        return str(value)


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]

    @property
    def stored(self) -> list[Column]:
        return [c for c in self.columns if c.stored]

    @property
    def shown(self) -> list[Column]:
        return [c for c in self.columns if c.shown]

    def create(self) -> list[str]:
        keys = ", ".join(c.name for c in self.columns if c.key)
        columns = ", ".join([*(c.ddl() for c in self.stored), *([f"PRIMARY KEY ({keys})"] if keys else [])])
        return [f"CREATE TABLE IF NOT EXISTS {self.name} ({columns})",
                *(f"CREATE INDEX IF NOT EXISTS {self.name}_{c.name} ON {self.name} ({c.name})"
                  for c in self.columns if c.index)]

    def drop(self) -> str:
        return f"DROP TABLE IF EXISTS {self.name}"

    def read(self, cursor: Any, where: str = "", params: Sequence[Any] = (), order: str = "") -> list[dict]:
        """Stored rows as dicts of stored values."""
        names = [c.name for c in self.stored]
        cursor.execute(f"SELECT {', '.join(names)} FROM {self.name}"
                       + (f" WHERE {where}" if where else "") + (f" ORDER BY {order}" if order else ""), params)
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def each(self, cursor: Any, page: int = 1000) -> Iterator[dict]:
        """Every stored row, a page at a time in key order (the table has a one-column key): for reads that
        fold a whole view without holding it."""
        key = next(c.name for c in self.columns if c.key)
        rows = self.read(cursor, order=f"{key} LIMIT {page}")
        while rows:
            yield from rows
            rows = self.read(cursor, f"{key} > ?", (rows[-1][key],), order=f"{key} LIMIT {page}") \
                if len(rows) == page else []

    def json(self, row: dict, zone: tzinfo | None = None) -> dict:
        """A row as the view's JSON shows it: the shown columns, in declared order."""
        return {c.name: c.json(row[c.name], zone) for c in self.shown}


def registry() -> tuple[dict, Any]:
    """A view's handlers and the decorator that registers one: `@on(EventType, ...)`."""
    handlers: dict[type, Any] = {}

    def on(*event_types: type) -> Any:
        def register(handler: Any) -> Any:
            for event_type in event_types:
                handlers[event_type] = handler
            return handler

        return register

    return handlers, on


def text_table(columns: Sequence[Column], rows: Sequence[dict], total: dict | None = None) -> str:
    """Aligned text of JSON rows; `total` (JSON values by column) becomes a last row labelled total."""
    from ledger.tables import table

    cells = [[c.text(row[c.name]) for c in columns] for row in rows]
    if total is not None:
        cells.append(["total", *(str(total.get(c.name, "")) for c in columns[1:])])
    return table([c.name for c in columns], cells, right=[c.name for c in columns if c.kind in RIGHT])
