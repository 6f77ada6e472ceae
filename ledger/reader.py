"""Reading a store: its views, its histories and its chain, by plain SQL through the store's own driver.

Nothing here imports pydantic, eventsourcing or the event models, so that `stock`, `liability`, `sla`,
`history`, `explain` and `verify` start in a fraction of the time the write side takes to load (ADR 10).
An event is read as it is stored (`Stored`: its JSON state, personal fields opened with the customer's
key). The application (application.py) reads through the same class, over its recorder's cursors.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, closing, contextmanager
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import orjson

from ledger.index import Ever, Lookups, streams_of
from ledger.messages import say
from ledger.projections import liability as liability_view, policy as policy_view, sla as sla_view, \
    stock as stock_view, views_current
from ledger.report import Stored, Timeline
from ledger.sql import QmarkCursor, among
from ledger.store import EVENTS_TABLE, Store
from ledger.values import micros, money

DEFAULT_POLICY = Path(__file__).with_name("default-policy.toml")


class Dialect(NamedTuple):
    events: str  # the events table
    position: str  # its position column
    has_table: str  # a query naming a table if it exists


SQLITE = Dialect("stored_events", "rowid", "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?")
POSTGRES = Dialect(EVENTS_TABLE, "notification_id", "SELECT to_regclass(?)")


class StaleViews(RuntimeError):
    """Said in the reader's language when it is shown (a report page is made in its own)."""

    def __str__(self) -> str:
        return say("stale_views")


def policy_of(params: dict) -> SimpleNamespace:
    """A policy's values as readers use them (`low_stock_threshold`, `zone`)."""
    return SimpleNamespace(**params, zone=ZoneInfo(params["timezone"]))


class Reader:
    """`reading()` gives a cursor (taking `?`, returning tuples) in a read transaction."""

    def __init__(self, reading: Callable[[], AbstractContextManager[Any]], dialect: Dialect,
                 keyring: Any = None):
        self.reading = reading
        self.dialect = dialect
        self.events_table, self.position = dialect.events, dialect.position
        if keyring is not None:  # the application's own, which knows the keys it has just destroyed
            self.keyring = keyring

    @cached_property
    def keyring(self) -> Any:
        """Opens personal fields for histories; the view commands never load it."""
        from ledger.crypto import Keyring

        return Keyring(self.reading)

    def views_current(self) -> bool:
        """Whether the view tables are as this version declares them."""
        with self.reading() as cursor:
            cursor.execute(self.dialect.has_table, ("ledger_views",))
            found = cursor.fetchone()
            return found is not None and found[0] is not None and views_current(cursor)

    @contextmanager
    def views(self) -> Iterator[Any]:
        """A cursor to read the view tables with; stale views are refused."""
        if not self.views_current():
            raise StaleViews()
        with self.reading() as cursor:
            yield cursor

    # -- views ----------------------------------------------------------------------------------

    @cached_property
    def policy(self) -> SimpleNamespace:
        """The latest adopted policy (by business time), or the defaults."""
        with self.views() as cursor:
            latest = policy_view.latest(cursor)
        if latest is None:
            import tomllib

            latest = tomllib.loads(DEFAULT_POLICY.read_text("utf-8"))
        return policy_of(latest)

    def stock(self, sku: str | None = None, policy: Any = None) -> list[dict]:
        """ST-1's `low` by the latest adopted policy."""
        policy = policy or self.policy
        with self.views() as cursor:
            return stock_view.rows(cursor, policy, sku)

    def liability(self, case_id: str | None = None, order_id: str | None = None, **narrowed: Any) -> dict:
        """`liability --json`; `narrowed`: liability_view.report's outstanding_only, since and until."""
        with self.views() as cursor:
            return liability_view.report(cursor, case_id, order_id, **narrowed)

    def sales_between(self, start: datetime, end: datetime) -> tuple[int, str]:
        """The orders kept placed in [start, end) and their sales, as `kpi` counts them."""
        from ledger.projections import kpi as kpi_view

        with self.views() as cursor:
            orders, sales = kpi_view.sales_between(cursor, micros(start), micros(end))
        return orders, money(sales)

    def recent_cases(self, since: datetime) -> set[str]:
        with self.views() as cursor:
            return liability_view.recent_cases(cursor, micros(since))

    def due(self, as_of: datetime, policy: Any = None) -> list[dict]:
        """`due --json`'s items at `as_of`, times in the time zone of the latest adopted policy."""
        from ledger.projections import due as due_view

        zone = (policy or self.policy).zone
        with self.views() as cursor:
            return due_view.items(cursor, as_of, zone)

    def find(self, text: str) -> list[dict]:
        """`find --json`'s matches: what the clerk holds (an id, a staff name, a tracking number)."""
        from ledger.projections import find as find_view

        buyer = self.keyring.buyer(text.strip())
        with self.views() as cursor:
            return find_view.matches(cursor, text, buyer)

    def kpi(self, by: str, as_of: datetime, first: date | None = None, last: date | None = None,
            staff: bool = False, dues: list[int] | None = None, complaints_only: bool = False,
            policy: Any = None) -> dict:
        """`kpi --json`: figures per local period in the time zone of the latest adopted policy. `dues`: the
        due times (micros) of the breaches as of `as_of`, for a caller asking several at once; `complaints_only`:
        kpi_view.report's."""
        from ledger.projections import kpi as kpi_view

        zone = (policy or self.policy).zone
        with self.views() as cursor:
            if dues is None:
                dues = [row["due"] for row in sla_view.breaches(cursor, as_of)]
            return kpi_view.report(cursor, by=by, zone=zone, first=first, last=last, breaches=dues,
                                   per_staff=staff, complaints_only=complaints_only)

    def breaches(self, as_of: datetime, subject: str | None = None, policy: Any = None) -> list[dict]:
        """`sla --json`'s breaches, times in the time zone of the latest adopted policy."""
        zone = (policy or self.policy).zone
        with self.views() as cursor:
            return [sla_view.DEADLINES.json(row, zone) for row in sla_view.breaches(cursor, as_of, subject)]

    # -- histories ------------------------------------------------------------------------------

    def kind_of(self, id_: str) -> tuple[str, str | None] | None:
        """What an id names, or named before a void freed it."""
        with self.reading() as cursor:
            return Ever(cursor).ids([id_]).get(id_)

    def streams_of(self, id_: str) -> list[str]:
        with self.reading() as cursor:
            return streams_of(Ever(cursor), id_)

    def rows_of(self, streams: Iterable[str]) -> list[tuple]:
        """The streams' events as stored rows (position, stream, version, topic, state), in position order."""
        streams = list(streams)
        if not streams:
            return []
        with self.reading() as c:
            clause, params = among(c, streams)
            c.execute(f"SELECT {self.position}, originator_id, originator_version, topic, state "
                      f"FROM {self.events_table} WHERE originator_id {clause} ORDER BY {self.position}", params)
            return c.fetchall()

    def events_of(self, streams: Iterable[str]) -> list[Stored]:
        """The streams' events in position order, personal fields opened."""
        return [Stored(position, stream, version, topic.rpartition(":")[2], self._opened(bytes(state)))
                for position, stream, version, topic, state in self.rows_of(streams)]

    def _opened(self, state: bytes) -> dict:
        found = orjson.loads(state)
        for name, value in found.items():
            if isinstance(value, dict) and "$enc" in value:
                found[name] = self.keyring.open(name, value)
        return found

    def case_events(self, case_ids: Iterable[str]) -> dict[str, list[Stored]]:
        """Each case's events and its replacements', in position order, read at once and left sealed: for the
        report page, which shows no personal field."""
        case_ids = list(case_ids)
        if not case_ids:
            return {}
        with self.reading() as cursor:
            children = Lookups(cursor).children(case_ids)
        owner = {f"case:{case}": case for case in case_ids}
        owner |= {f"{kind}:{child}": case for case, kids in children.items() for child, kind in kids}
        found: dict[str, list[Stored]] = {case: [] for case in case_ids}
        for position, stream, version, topic, state in self.rows_of(owner):
            found[owner[stream]].append(Stored(position, stream, version, topic.rpartition(":")[2],
                                               orjson.loads(bytes(state))))
        return found

    def order_lines(self, order_id: str) -> list[dict] | None:
        """The lines an order was placed with (None: no such order), read without opening personal fields."""
        for _, _, _, topic, state in self.rows_of([f"order:{order_id}"]):
            if topic.rpartition(":")[2] == "OrderPlaced":
                return orjson.loads(bytes(state))["lines"]
        return None

    def position_of(self, stream: str, version: int) -> int | None:
        rows = self._rows(f"SELECT {self.position} FROM {self.events_table} WHERE originator_id = ? "
                          "AND originator_version = ?", [stream, version])
        return rows[0][0] if rows else None

    def timeline(self, streams: Iterable[str], policy: Any = None) -> Timeline:
        """Times are shown in the time zone of the latest adopted policy."""
        return self._timeline(self.events_of(streams), policy)

    def _timeline(self, entries: list[Stored], policy: Any = None) -> Timeline:
        return Timeline(entries, (policy or self.policy).zone, self.position_of)

    def history(self, id_: str, policy: Any = None, grounds: bool = False) -> tuple[str, Timeline] | None:
        """What `history ID` shows (SPEC section 8), and the kind of ID: an order with its shipments, cases
        and disputes, a case with its replacements, a complaint with its own penalty, a staff member's wages
        and penalties, or one stream. With `grounds` (for `explain`), a penalty comes with what it rests on:
        its complaint, and the wage and earlier penalties of that month."""
        found = self.kind_of(id_)
        if found is not None:
            kind, streams = found[0], self.streams_of(id_)
        elif self._rows(f"SELECT 1 FROM {self.events_table} WHERE originator_id = ? LIMIT 1", [f"staff:{id_}"]):
            kind, streams = "staff", [f"staff:{id_}"]
        else:
            return None
        entries = self.events_of(streams)
        if kind == "complaint" and entries[0].state.get("against") is not None:
            staff = self.events_of([f"staff:{entries[0].state['against']}"])
            penalties = [e for e in staff if e.type == "PenaltyAssessed" and e.state["complaint_id"] == id_]
            wanted = {p.ref for p in penalties} | ({ref for p in penalties for ref in p.rests_on} if grounds else set())
            entries = sorted(entries + [e for e in staff if e.ref in wanted], key=lambda e: e.position)
        elif kind == "staff" and grounds:
            complaints = {f"complaint:{e.state['complaint_id']}" for e in entries if e.type == "PenaltyAssessed"}
            entries = self.events_of([*streams, *sorted(complaints)])
        return kind, self._timeline(entries, policy)

    # -- the chain ------------------------------------------------------------------------------

    def head(self) -> str:
        """The chain's head as recorded: `N:HEX` of the last position."""
        from ledger import chain

        found = self._rows("SELECT position, log_hash FROM ledger_chain ORDER BY position DESC LIMIT 1")
        return chain.head_text(found[0][0], bytes(found[0][1])) if found else chain.head_text(0, chain.GENESIS)

    def verify(self, expect_head: str | None = None) -> Any:
        """chain.Verdict of the whole stored history."""
        from ledger import chain

        with self.reading() as c:
            c.execute(self.dialect.has_table, ("ledger_chain",))
            found = c.fetchone()
            events = self._paged(c, f"SELECT {self.position}, originator_id, originator_version, topic, state "
                                    f"FROM {self.events_table} WHERE {self.position} > ? "
                                    f"ORDER BY {self.position} LIMIT ?", 5000)
            # a dropped chain table is tampering like an emptied one: every event is found without its hash
            links = self._paged(c, "SELECT position, stream_hash, log_hash FROM ledger_chain WHERE position > ? "
                                   "ORDER BY position LIMIT ?", 5000) if found and found[0] else iter(())
            return chain.verify(chain.merge(events, links), expect_head)

    @staticmethod
    def _paged(c: Any, statement: str, size: int = 1000) -> Iterator[tuple]:
        """Rows by pages of `size`, each fetched when needed: two of these share one cursor."""
        after = 0
        while True:
            c.execute(statement, (after, size))
            rows = c.fetchall()
            if not rows:
                return
            yield from rows
            after = rows[-1][0]

    def _rows(self, statement: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self.reading() as c:
            c.execute(statement, params)
            return c.fetchall()


class NoStore(LookupError):
    pass


def open_reader(store: Store) -> tuple[Reader, Callable[[], None]]:
    """A reader of a store that has been written (else NoStore), and what closes it."""
    if store.path is not None:
        import sqlite3

        if not store.exists():
            raise NoStore(store.url)

        connection = sqlite3.connect(store.path, timeout=120, isolation_level=None)

        @contextmanager
        def reading() -> Iterator[Any]:
            with closing(connection.cursor()) as cursor:
                cursor.execute("BEGIN")
                try:
                    yield cursor
                finally:
                    cursor.execute("ROLLBACK")

        return Reader(reading, SQLITE), connection.close
    from psycopg import sql

    connection = store.connect()
    written = store.written(connection)
    connection.rollback()
    if not written:
        connection.close()
        raise NoStore(store.url)

    @contextmanager
    def reading_pg() -> Iterator[Any]:
        with connection.transaction(), connection.cursor() as cursor:
            cursor.execute(sql.SQL("SET LOCAL search_path TO {0}").format(sql.Identifier(store.schema)))
            yield QmarkCursor(cursor)

    return Reader(reading_pg, POSTGRES), connection.close


def verify_beside(url: str) -> Callable[[], str | None]:
    """The chain checked by a second process (`python -m ledger.reader URL`) while this one rebuilds the views;
    returns what waits for its verdict: the problem found, or None. A check that could not run is done here
    then, so a replay never goes unchecked."""
    import subprocess
    import sys

    import orjson

    child = subprocess.Popen([sys.executable, "-m", "ledger.reader", url], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)

    def verdict() -> str | None:
        out, _ = child.communicate()
        if child.returncode == 0:
            return orjson.loads(out)["problem"]
        from ledger.store import parse_store

        reader, close = open_reader(parse_store(url))
        try:
            return reader.verify().problem
        finally:
            close()

    return verdict


if __name__ == "__main__":  # verify_beside's second process: the verdict as JSON
    import sys

    import orjson

    from ledger.store import parse_store

    checked, done = open_reader(parse_store(sys.argv[1]))
    sys.stdout.buffer.write(orjson.dumps({"problem": checked.verify().problem}))
    done()
