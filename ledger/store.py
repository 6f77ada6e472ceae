"""Store URLs (SPEC section 8), the eventsourcing environment each one selects, and whether a store exists.

`sqlite:///relative.db` or `sqlite:////absolute.db`, or `postgresql://user@host:port/dbname` with an
optional `?schema=NAME`; anything else is refused, naming the URL, before a file or schema is touched.
"""
from __future__ import annotations

import os
import re
from collections import namedtuple
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_STORE = "sqlite:///ledger.db"
SCHEMA = re.compile(r"[a-z_][a-z0-9_]{0,62}")
SYSTEM_SCHEMAS = ("information_schema", "pg_")
CONNECT_SECONDS = 5  # a PostgreSQL server that does not answer is reported well within 10 seconds
CHAIN_TABLE = "ledger_chain"  # the ledger's own table: a store has it from its first write on
EVENTS_TABLE = "ledger_events"  # PostgreSQL's events table (SQLite's is eventsourcing's `stored_events`)


class StoreError(ValueError):
    """A store URL the ledger does not take, or a store that is not there (exit status 2)."""


class StoreUnreachable(Exception):
    """A PostgreSQL server that cannot be reached or refuses the user or the database (exit status 1)."""


def without_password(url: str) -> str:
    """A store URL with a password in it replaced by ***."""
    parts = urlsplit(url)
    return url if parts.password is None else url.replace(f":{parts.password}@", ":***@", 1)


def redacted(url: str) -> str:
    """A store URL as messages show it: without its password, and quoted as any value is."""
    from ledger.values import quote  # not at the top: the warm writer's caller loads only this module

    return quote(without_password(url))


def store_url(given: str | None) -> str:
    if given is not None:
        return given  # --store "" is a URL too, and a wrong one
    return os.environ.get("LEDGER_STORE") or DEFAULT_STORE


# (url, path: SQLite's file or None, schema: PostgreSQL's); a named tuple, not a dataclass: the warm writer's
# caller loads neither dataclasses nor inspect
class Store(namedtuple("Store", ("url", "path", "schema"), defaults=(None, "public"))):
    __slots__ = ()

    @property
    def env(self) -> dict[str, str]:
        if self.path is not None:
            return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(self.path),
                    "SQLITE_LOCK_TIMEOUT": "120",  # seconds a writer waits for another one to commit
                    "ORIGINATOR_ID_TYPE": "text",
                    "APPLICATION_RECORDER_TOPIC": "ledger.recorder:LedgerSQLiteRecorder"}
        parts = urlsplit(self.url)
        return {"PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": unquote(parts.path[1:]),
                "POSTGRES_HOST": parts.hostname or "", "POSTGRES_PORT": str(parts.port or 5432),
                "POSTGRES_USER": unquote(parts.username or "postgres"),
                "POSTGRES_PASSWORD": unquote(parts.password or ""),
                "POSTGRES_SCHEMA": self.schema, "POSTGRES_LOCK_TIMEOUT": "120",
                "POSTGRES_CONNECT_TIMEOUT": str(CONNECT_SECONDS), "ORIGINATOR_ID_TYPE": "text",
                "APPLICATION_RECORDER_TOPIC": "ledger.postgres:LedgerPostgresRecorder"}

    def exists(self) -> bool:
        """Whether the store has been written; on PostgreSQL this also checks the server answers."""
        if self.path is not None:
            return self.path.is_file()
        with self.connect() as connection:
            return self.written(connection)

    def connect(self):  # -> psycopg.Connection (not named: the warm writer's caller loads no typing)
        """A connection to the PostgreSQL server, or StoreUnreachable with the server's reason."""
        import psycopg

        env = self.env
        try:
            return psycopg.connect(host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"], user=env["POSTGRES_USER"],
                                   password=env["POSTGRES_PASSWORD"] or None, dbname=env["POSTGRES_DBNAME"],
                                   connect_timeout=CONNECT_SECONDS)
        except psycopg.Error as error:
            reason = " ".join(str(error).split())  # the server's reason, on one line
            raise StoreUnreachable(f"cannot use PostgreSQL store {redacted(self.url)}: {reason}") from None

    def written(self, connection) -> bool:
        """The ledger's chain or events table is there (a store whose chain was dropped is a tampered store,
        not an absent one)."""
        for table in (CHAIN_TABLE, EVENTS_TABLE):
            if connection.execute("SELECT to_regclass(%s)", (f'"{self.schema}".{table}',)).fetchone()[0] is not None:
                return True
        return False


def parse_store(url: str) -> Store:
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        if not url.startswith("sqlite:///") or parts.query or parts.fragment or "?" in url or "#" in url:
            raise StoreError(f"store URL {redacted(url)}: a SQLite store is sqlite:///relative.db or "
                             "sqlite:////absolute.db, with no query or fragment")
        path = url.removeprefix("sqlite:///")
        if not path or path.endswith("/"):
            raise StoreError(f"store URL {redacted(url)} names no database file")
        return Store(url, path=Path(path))
    if parts.scheme in ("postgresql", "postgres"):
        if not parts.hostname or len(parts.path) < 2 or parts.fragment:
            raise StoreError(f"store URL {redacted(url)} needs a host and a database: "
                             "postgresql://user@host:port/dbname")
        query = parse_qs(parts.query, keep_blank_values=True)
        if set(query) - {"schema"} or len(query.get("schema", [""])) > 1:
            raise StoreError(f"store URL {redacted(url)}: the only option is ?schema=NAME")
        schema = query.get("schema", ["public"])[0]
        if not SCHEMA.fullmatch(schema) or schema.startswith(SYSTEM_SCHEMAS):
            raise StoreError(f"store URL {redacted(url)}: the schema is a lower-case SQL name (letters, digits, _), "
                             "not a system schema")
        return Store(url, schema=schema)
    raise StoreError(f"store URL {redacted(url)}: use sqlite:///FILE or postgresql://user@host:port/dbname")
