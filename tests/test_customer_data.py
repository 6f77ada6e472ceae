"""Customer data (SPEC section 5): sealed per customer, erased for good by `forget`, and backups."""
from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from ledger.application import UnknownCustomer
from ledger.crypto import ERASED, MasterKeyError
from ledger.mapper import record_json
from tests.shop import Shop, placed, review, shipped_order

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "shop-2026-11.jsonl"
RECORDS = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]
PERSONAL = sorted({r[name] for r in RECORDS for name in ("address", "phone") if name in r} |
                  {r["note"] for r in RECORDS if r["type"] == "OrderNoted"} |
                  {r["text"] for r in RECORDS if r["type"] in ("ReviewPosted", "ComplaintLodged")})


@pytest.fixture
def fixture_shop(shop):
    shop.ledger.append(FIXTURE.read_text(encoding="utf-8").splitlines())
    return shop


def raw_store_bytes(shop: Shop) -> bytes:
    """Every byte the store keeps: the SQLite files, or every row of every table of the schema."""
    if shop.store.startswith("sqlite"):
        path = Path(shop.store.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    tables = [row[0] for row in shop.raw("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")]
    return b"".join(repr(shop.raw(f"SELECT * FROM {table}")).encode("utf-8") + b"".join(
        bytes(v) for row in shop.raw(f"SELECT * FROM {table}") for v in row if isinstance(v, (bytes, memoryview)))
        for table in tables)


def views(shop):
    from datetime import datetime

    return (shop.ledger.stock(), shop.ledger.liability(),
            shop.ledger.breaches(datetime.fromisoformat("2026-11-15T00:00:00+08:00")))


def test_no_personal_field_is_readable_in_the_store_before_or_after_forget(fixture_shop):
    assert len(PERSONAL) > 60 and any("上海市" in p for p in PERSONAL)
    before = raw_store_bytes(fixture_shop)
    assert b"SOCK-W" in before and "小丽".encode() not in before  # the grep itself finds what is there
    assert [p for p in PERSONAL if p.encode("utf-8") in before] == []
    fixture_shop.ledger.forget("CU-103", "zhao", "supervisor", "asked by phone")
    after = raw_store_bytes(fixture_shop)
    assert [p for p in PERSONAL if p.encode("utf-8") in after] == []


def test_history_and_export_read_the_personal_fields_while_the_key_exists(fixture_shop):
    placed_event = fixture_shop.events("O-1003")[0]
    assert (placed_event.address, placed_event.phone) == ("北京市朝阳区建国路88号", "13800001003")
    exported = [record_json(r) for r in fixture_shop.ledger.records()]
    assert exported[1:] and {r.get("phone") for r in exported} >= {"13800001003"}


def test_a_history_read_before_forget_is_erased_after_it_in_the_same_ledger(fixture_shop):
    ledger = fixture_shop.ledger

    def address() -> str:
        return ledger.history("O-1003")[1].history_json()["events"][0]["data"]["address"]

    assert address() == "北京市朝阳区建国路88号"
    ledger.forget("CU-103", "zhao", "supervisor", "asked by phone")
    assert address() == ERASED


def test_forget_erases_one_customer_and_leaves_views_chain_and_others_whole(fixture_shop):
    ledger = fixture_shop.ledger
    before = views(fixture_shop)
    other, mine = fixture_shop.events("O-1004")[0], fixture_shop.events("O-1003")
    ledger.forget("CU-103", "zhao", "supervisor", "asked by phone")  # the buyer of O-1003
    forgotten = fixture_shop.events("O-1003")
    assert (forgotten[0].address, forgotten[0].phone) == (ERASED, ERASED)
    assert forgotten[0].model_copy(update={"address": mine[0].address, "phone": mine[0].phone}) == mine[0]
    assert forgotten[1:] == mine[1:]  # amounts, SKUs, ids and every other event stay
    assert fixture_shop.events("O-1004")[0] == other
    assert views(fixture_shop) == before
    assert ledger.reader.verify().problem is None
    erasure = fixture_shop.raw("SELECT originator_id FROM {events} WHERE topic = ?",
                               ("ledger.events:CustomerForgotten",))
    assert erasure == [("customer:CU-103",)]
    exported = {r["order_id"]: r for r in map(record_json, ledger.records()) if r["type"] == "OrderPlaced"}
    assert exported["O-1003"]["address"] == ERASED and exported["O-1004"]["address"] != ERASED


def test_forget_erases_notes_and_reviews_of_the_customers_orders(shop):
    shop.append(shipped_order(), review("D-1", "O-1", "11-05 10:00"))
    customer = shop.events("O-1")[0].customer_id
    assert shop.decision("D-1", "ReviewPosted").text == "不满意 / not happy"
    shop.ledger.forget(customer, "zhao", "supervisor", "request")
    assert shop.decision("D-1", "ReviewPosted").text == ERASED


def test_forgetting_an_unknown_customer_is_refused(shop):
    shop.append(placed("O-1", "11-02 10:00"))
    with pytest.raises(UnknownCustomer):
        shop.ledger.forget("CU-404", "zhao", "supervisor", "request")


def test_another_master_key_is_refused(store, monkeypatch):
    shop = Shop(store)
    shop.append(placed("O-1", "11-02 10:00"))
    shop.ledger.close()
    monkeypatch.setenv("LEDGER_MASTER_KEY", "b3RoZXItbWFzdGVyLWtleS1vZi0zMi1ieXRlcyEhISE=")
    other = Shop(store)
    with pytest.raises(MasterKeyError):
        other.events("O-1")
    other.ledger.close()


def test_backup_is_a_consistent_copy_that_restores(fixture_shop, tmp_path):
    if not fixture_shop.store.startswith("sqlite"):
        with pytest.raises(Exception, match="pg_dump"):
            fixture_shop.ledger.backup(tmp_path / "copy.db", "zhao", "system")
        return
    head = fixture_shop.ledger.reader.verify().head
    copied = fixture_shop.ledger.backup(tmp_path / "copy.db", "zhao", "system")
    assert copied == fixture_shop.event_count() - 1  # all but the record of the backup itself
    restored = Shop(f"sqlite:///{tmp_path / 'copy.db'}")
    assert views(restored) == views(fixture_shop)
    assert restored.ledger.reader.verify().head == head
    assert restored.events("O-1003") == fixture_shop.events("O-1003")
    restored.ledger.close()


def test_a_failed_backup_leaves_no_file_behind(fixture_shop, tmp_path, monkeypatch):
    if not fixture_shop.store.startswith("sqlite"):
        return
    import sqlite3

    from ledger import application

    connect = sqlite3.connect

    class FullDisk:
        """The store's connection, whose backup fills the disk half way."""

        def __init__(self, path):
            self.connection = connect(path)

        def backup(self, target):
            target.execute("CREATE TABLE half (x)")  # something was written before the disk filled up
            target.commit()
            raise sqlite3.OperationalError("database or disk is full")

        def close(self):
            self.connection.close()

    monkeypatch.setattr(application.sqlite3, "connect",
                        lambda path: FullDisk(path) if str(path) == fixture_shop.store[10:] else connect(path))
    with pytest.raises(sqlite3.OperationalError):
        fixture_shop.ledger.backup(tmp_path / "copy.db", "zhao", "system")
    assert not (tmp_path / "copy.db").exists()  # the retry is not blocked


def test_an_export_carries_the_erasure_and_a_store_rebuilt_from_it_keeps_the_customer_erased(fixture_shop,
                                                                                            new_store):
    fixture_shop.ledger.forget("CU-103", "zhao", "supervisor", "asked by phone")
    exported = [json.dumps(record_json(r), ensure_ascii=False) for r in fixture_shop.ledger.records()]
    assert json.loads(exported[-1])["type"] == "CustomerForgotten"
    rebuilt = Shop(new_store())
    rebuilt.ledger.append(exported)
    placed_ = rebuilt.events("O-1003")[0]
    assert (placed_.address, placed_.phone) == (ERASED, ERASED)
    assert rebuilt.events("O-1004")[0].address != ERASED
    rebuilt.append(placed("O-9", "11-20 10:00", customer="CU-103"))  # a forgotten customer's new data: erased
    assert rebuilt.events("O-9")[0].address == ERASED
    rebuilt.ledger.close()


def test_no_copy_of_an_erased_key_is_left_in_the_stores_files(fixture_shop):
    """Section 5: after forget no copy of the customer's key is left in the store's files (no old page, no
    write-ahead log, no dead row)."""
    wrapped = bytes(fixture_shop.raw("SELECT wrapped FROM ledger_customer_keys WHERE customer_id = ?",
                                     ("CU-103",))[0][0])
    before = table_files(fixture_shop)
    assert wrapped in before.contents and wrapped.hex().encode() in dump(fixture_shop, before=True)
    fixture_shop.ledger.forget("CU-103", "zhao", "supervisor", "asked by phone")
    after = table_files(fixture_shop, also=before.paths)
    assert after.contents and wrapped not in after.contents
    assert wrapped.hex().encode() not in dump(fixture_shop)


def dump(shop: Shop, before: bool = False) -> bytes:
    """A dump of a PostgreSQL store's schema, as a backup would take it (bytea written as hex). A SQLite
    file is its own dump (read above): `before` stands in for it there."""
    if not shop.store.startswith("postgresql"):
        return table_files(shop).contents.hex().encode() if before else b""
    from urllib.parse import urlsplit

    url = urlsplit(shop.store)
    return subprocess.run(["pg_dump", "-h", url.hostname, "-p", str(url.port), "-U", url.username,
                           "-n", url.query.removeprefix("schema="), url.path[1:]],
                          capture_output=True, check=True).stdout


@dataclass
class Files:
    paths: list[Path]
    contents: bytes


def table_files(shop: Shop, also: list[Path] = ()) -> Files:
    """The raw files the keys live in (and the files `also` names, if they are still there): the SQLite file
    and its WAL, or the PostgreSQL table's data files after a checkpoint."""
    if shop.store.startswith("sqlite"):
        return Files([], raw_store_bytes(shop))
    shop.raw("CHECKPOINT")
    directory = Path(shop.raw("SELECT current_setting('data_directory')")[0][0])
    relation = shop.raw("SELECT pg_relation_filepath('ledger_customer_keys')")[0][0]
    paths = sorted({*directory.glob(relation + "*"), *also})
    return Files(paths, b"".join(p.read_bytes() for p in paths if p.exists()))


@pytest.mark.parametrize("failing", ["copy", "record"])
def test_a_backup_that_fails_at_any_step_leaves_no_file(tmp_path, failing, monkeypatch):
    """A copy left behind unrecorded would hold customers' keys that `forget` could never name."""
    import sqlite3

    from ledger.application import Ledger

    ledger = Ledger(f"sqlite:///{tmp_path / 'shop.db'}")
    ledger.append([json.dumps(placed("O-1", "11-02 10:00"))])
    target = tmp_path / "copy.db"

    def fail(*args, **kwargs):
        raise sqlite3.OperationalError("attempt to write a readonly database")

    if failing == "record":  # copied whole, then the BackupTaken could not be stored
        monkeypatch.setattr(ledger, "_record", fail)
    else:  # the copy breaks off after writing part of the file
        connect, store = sqlite3.connect, str(tmp_path / "shop.db")

        class BreaksOff:
            def __init__(self, real):
                self.real = real

            def backup(self, into):
                self.real.backup(into, pages=1)
                raise sqlite3.OperationalError("disk I/O error")

            def close(self):
                self.real.close()

        monkeypatch.setattr(sqlite3, "connect", lambda path, *a, **k: BreaksOff(connect(path, *a, **k))
                            if str(path) == store else connect(path, *a, **k))
    with pytest.raises(sqlite3.OperationalError):
        ledger.backup(target, "zhao", "system")
    monkeypatch.undo()
    ledger.close()
    assert not target.exists() and not list(tmp_path.glob("copy.db*"))


def test_forgetting_a_customer_again_says_so_and_adds_nothing(shop):
    shop.append(placed("O-1", "11-02 10:00"))
    first = shop.ledger.forget("CU-1", "zhao", "supervisor", "asked")
    before = shop.event_count()
    again = shop.ledger.forget("CU-1", "mei", "supervisor", "asked again")
    assert first.earlier is None and again.earlier is not None and again.earlier.actor == "zhao"
    assert shop.event_count() == before
    assert shop.events("O-1")[0].address == ERASED


def test_forget_while_another_connection_reads_waits_for_it_and_exits_0(store, tmp_path):
    """Another process's transaction holds an old copy of the key for a while; forget waits for it to end,
    leaves no copy and exits 0 (no false alarm)."""
    import os
    import sys
    import threading
    import time

    shop = Shop(store)
    shop.append(placed("O-1", "11-02 10:00"))
    held = threading.Event()

    def reader() -> None:
        with shop.ledger.recorder.reading() as cursor:
            if not store.startswith("sqlite"):
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT COUNT(*) FROM ledger_customer_keys")
            cursor.fetchall()
            held.set()
            time.sleep(2)

    thread = threading.Thread(target=reader)
    thread.start()
    held.wait(10)
    env = {"LEDGER_STORE": store, "PATH": "/usr/bin:/bin", "LEDGER_MASTER_KEY": os.environ["LEDGER_MASTER_KEY"]}
    ledger_command = str(Path(sys.executable).with_name("ledger"))
    forgot = subprocess.run([ledger_command, "forget", "CU-1"], capture_output=True, text=True, env=env)
    thread.join()
    assert forgot.returncode == 0 and forgot.stderr == "", forgot.stderr
    assert "forgot customer CU-1" in forgot.stdout
    if store.startswith("sqlite"):
        wal = Path(store.removeprefix("sqlite:///") + "-wal")
        assert not wal.exists() or wal.stat().st_size == 0
    again = subprocess.run([ledger_command, "forget", "CU-1"], capture_output=True, text=True, env=env)
    assert again.returncode == 0 and "was already forgotten" in again.stdout
    shop.ledger.close()
