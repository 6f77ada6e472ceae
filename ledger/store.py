"""Store URLs (SPEC section 8) and the eventsourcing environment each one selects."""
from __future__ import annotations

import os
from urllib.parse import urlparse

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
    scheme = urlparse(url).scheme
    if scheme == "sqlite":
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": sqlite_path(url),
            "ORIGINATOR_ID_TYPE": "text",
            "APPLICATION_RECORDER_TOPIC": "ledger.persistence:LedgerSQLiteRecorder",
        }
    raise StoreError(f"unsupported store URL {url!r}: use sqlite:///FILE or postgresql://user@host:port/dbname")
