"""Store URLs (SPEC section 8) and the eventsourcing environment each one selects."""
from __future__ import annotations

import os
from urllib.parse import parse_qs, unquote, urlparse

DEFAULT_STORE = "sqlite:///ledger.db"


class StoreError(ValueError):
    pass


def store_url(given: str | None) -> str:
    return given or os.environ.get("LEDGER_STORE") or DEFAULT_STORE


def sqlite_path(url: str) -> str:
    """`sqlite:///relative.db` or `sqlite:////absolute.db`."""
    path = url.removeprefix("sqlite:///")
    if not path:
        raise StoreError(f"no database file in store URL {url!r}")
    return path


def store_env(url: str) -> dict[str, str]:
    parts = urlparse(url)
    if parts.scheme == "sqlite":
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": sqlite_path(url),
            "SQLITE_LOCK_TIMEOUT": "120",  # seconds a writer waits for another one to commit
            "ORIGINATOR_ID_TYPE": "text",
            "APPLICATION_RECORDER_TOPIC": "ledger.recorder:LedgerSQLiteRecorder",
        }
    if parts.scheme in ("postgresql", "postgres"):
        dbname = parts.path.lstrip("/")
        if not (parts.hostname and dbname):
            raise StoreError(f"store URL {url!r} needs a host and a database: postgresql://user@host:port/dbname")
        query = parse_qs(parts.query)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": unquote(dbname),
            "POSTGRES_HOST": parts.hostname,
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_SCHEMA": query.get("schema", ["public"])[0],
            "POSTGRES_LOCK_TIMEOUT": "120",
            "ORIGINATOR_ID_TYPE": "text",
            "APPLICATION_RECORDER_TOPIC": "ledger.postgres:LedgerPostgresRecorder",
        }
    raise StoreError(f"unsupported store URL {url!r}: use sqlite:///FILE or postgresql://user@host:port/dbname")
