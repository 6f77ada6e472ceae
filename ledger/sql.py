"""What both stores' SQL needs beside the driver: `?` parameters and tuple rows on PostgreSQL, and new rows
written the fastest way each store has."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


class QmarkCursor:
    """A psycopg cursor that takes `?` placeholders and returns rows as tuples, like sqlite3 (psycopg builds
    tuples in C; the dicts eventsourcing asks for are built in Python, row by row)."""

    def __init__(self, cursor: Any):
        from psycopg.rows import tuple_row

        self.cursor = cursor
        cursor.row_factory = tuple_row

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        self.cursor.execute(statement.replace("?", "%s"), params)

    def executemany(self, statement: str, params: Sequence[Sequence[Any]]) -> None:
        if params:
            self.cursor.executemany(statement.replace("?", "%s"), params)

    def copy_rows(self, table: str, rows: Sequence[Sequence[Any]]) -> None:
        with self.cursor.copy(f"COPY {table} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def fetchone(self) -> tuple | None:
        return self.cursor.fetchone()

    def fetchall(self) -> list[tuple]:
        return self.cursor.fetchall()


def insert_rows(cursor: Any, table: str, rows: Sequence[Sequence[Any]]) -> None:
    """New rows, all columns in order: by COPY on PostgreSQL (a round trip per row costs more than the row),
    by one executemany on SQLite."""
    if not rows:
        return
    if isinstance(cursor, QmarkCursor):
        cursor.copy_rows(table, rows)
    else:
        cursor.executemany(f"INSERT INTO {table} VALUES ({','.join('?' * len(rows[0]))})", rows)


BATCH = 512  # values one `IN (...)` names at most


def among(cursor: Any, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """`column {clause}` for a column among `values`, with its parameters: `= ANY(?)` of one array on
    PostgreSQL (one statement text, parsed once); on SQLite `IN (?, ...)` padded with the last value to one
    of a few lengths, so that few statement texts are prepared."""
    if isinstance(cursor, QmarkCursor):
        return "= ANY(?)", [list(values)]
    if not values:
        return "IN (NULL)", []
    size = next(n for n in (1, 4, 16, 64, 256, BATCH, len(values)) if n >= len(values))
    return f"IN ({','.join('?' * size)})", [*values, *[values[-1]] * (size - len(values))]


def select_among(cursor: Any, statement: str, values: Iterable[Any]) -> list[tuple]:
    """The rows of `statement`, whose `{}` stands where a column is compared with `values` (`WHERE id {}`),
    asked for BATCH values at a time."""
    values, rows = list(values), []
    for start in range(0, len(values), BATCH):
        clause, params = among(cursor, values[start:start + BATCH])
        cursor.execute(statement.format(clause), params)
        rows += cursor.fetchall()
    return rows
