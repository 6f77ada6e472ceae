"""Tamper evidence: edits made to the SQLite file behind the ledger's back are found by `verify`."""
from __future__ import annotations

import sqlite3

import pytest

from tests.shop import shipped_order


@pytest.fixture
def stored(shop, tmp_path):
    shop.append(shipped_order("O-1"), shipped_order("O-2"))
    head = shop.ledger.recorder.verify()
    assert head.problem is None and head.head.startswith("10:")
    shop.ledger.close()
    return shop, sqlite3.connect(tmp_path / "ledger.db"), head.head


def problem(shop):
    from ledger.application import Ledger

    ledger = Ledger(shop.store)
    return ledger.recorder.verify().problem


def test_a_clean_store_verifies_and_an_empty_one_has_the_zero_head(tmp_path):
    from ledger.application import Ledger

    ledger = Ledger(f"sqlite:///{tmp_path / 'empty.db'}")
    verdict = ledger.recorder.verify()
    assert (verdict.head, verdict.problem) == ("0:" + "0" * 64, None)


def test_a_changed_byte_is_found(stored):
    shop, db, _ = stored
    state = db.execute("SELECT state FROM stored_events WHERE rowid = 3").fetchone()[0]
    db.execute("UPDATE stored_events SET state = ? WHERE rowid = 3", (state.replace(b"8.00", b"9.00"),))
    db.commit()
    assert problem(shop) == "tampered 3: the event was changed"


def test_a_deleted_middle_event_is_found(stored):
    shop, db, _ = stored
    db.execute("DELETE FROM stored_events WHERE rowid = 4")
    db.commit()
    assert problem(shop) == "tampered 4: the event was removed"


def test_a_middle_event_deleted_with_its_hash_is_found(stored):
    shop, db, _ = stored
    db.execute("DELETE FROM stored_events WHERE rowid = 6")
    db.execute("DELETE FROM ledger_chain WHERE position = 6")
    db.commit()
    assert problem(shop).startswith("tampered 7: ")


def test_two_swapped_events_are_found(stored):
    shop, db, _ = stored
    rows = {r[0]: r[1:] for r in db.execute("SELECT rowid, originator_id, originator_version, topic, state "
                                             "FROM stored_events WHERE rowid IN (6, 7)")}
    db.execute("DELETE FROM stored_events WHERE rowid IN (6, 7)")
    db.execute("INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state) "
               "VALUES (6, ?, ?, ?, ?), (7, ?, ?, ?, ?)", (*rows[7], *rows[6]))
    db.commit()
    assert problem(shop).startswith("tampered 6: ")


def test_a_deleted_last_event_is_found_against_the_written_down_head(stored):
    shop, db, head = stored
    db.execute("DELETE FROM stored_events WHERE rowid = 10")
    db.execute("DELETE FROM ledger_chain WHERE position = 10")
    db.commit()
    from ledger.application import Ledger

    ledger = Ledger(shop.store)
    assert ledger.recorder.verify().problem is None  # alone, a shorter history looks whole
    assert ledger.recorder.verify(head).problem == "tampered 10: the history is cut short; it ends at position 9"


def test_a_head_that_differs_is_found(stored):
    shop, _, head = stored
    from ledger.application import Ledger

    forged = head[:-1] + ("0" if head[-1] != "0" else "1")
    ledger = Ledger(shop.store)
    assert ledger.recorder.verify(forged).problem.startswith("tampered 10: differs")
