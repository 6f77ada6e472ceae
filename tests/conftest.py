"""Every store-touching test runs on SQLite and on PostgreSQL.

PostgreSQL is the server at LEDGER_TEST_POSTGRES (default: the local one, user
postgres, database test); each test run creates its own database and each test
its own schema in it. Where no server answers, the PostgreSQL cases are skipped,
unless LEDGER_REQUIRE_POSTGRES is set (as .ci/run does), which makes them fail.
"""
from __future__ import annotations

import os
import uuid

import pytest

from tests.shop import Shop

# Customer data is sealed under a master key; tests use their own, never the user's.
os.environ.setdefault("LEDGER_MASTER_KEY", "bGVkZ2VyLXRlc3QtbWFzdGVyLWtleS0zMi1ieXRlcyE=")
ADMIN_URL = os.environ.get("LEDGER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def pg_database():
    import psycopg

    try:
        admin = psycopg.connect(ADMIN_URL.replace("postgresql://", "postgres://"), autocommit=True,
                                connect_timeout=3)
    except psycopg.OperationalError as error:
        if os.environ.get("LEDGER_REQUIRE_POSTGRES"):
            raise
        pytest.skip(f"no PostgreSQL server at {ADMIN_URL}: {error}")
    name = f"ledger_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    yield ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def new_store(request, tmp_path):
    """Makes store URLs of this test's kind, each one empty."""
    def make() -> str:
        if request.param == "sqlite":
            return f"sqlite:///{tmp_path / uuid.uuid4().hex[:8]}.db"
        return f"{request.getfixturevalue('pg_database')}?schema=t_{uuid.uuid4().hex[:12]}"

    return make


@pytest.fixture
def store(new_store) -> str:
    return new_store()


@pytest.fixture
def shop(store):
    shop = Shop(store)
    yield shop
    shop.ledger.close()


@pytest.fixture
def run_cli(tmp_path, store):
    """Runs the installed `ledger` command on this test's store, as a user would."""
    import subprocess
    import sys
    from pathlib import Path

    env = {"LEDGER_STORE": store, "PATH": "/usr/bin:/bin", "LEDGER_MASTER_KEY": os.environ["LEDGER_MASTER_KEY"]}
    ledger = str(Path(sys.executable).with_name("ledger"))

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return past_creation(subprocess.run([ledger, *args], input=stdin, capture_output=True, text=True, env=env,
                                            cwd=tmp_path))

    return run


CREATED = "created a new store at "


def past_creation(result):
    """A command's result with the notice of the store it created taken off standard error (tests/test_cli.py
    checks the notice itself), so that tests read the rest as the person does."""
    first, _, rest = result.stderr.partition("\n")
    if first.startswith(CREATED):
        result.stderr = rest
    return result
