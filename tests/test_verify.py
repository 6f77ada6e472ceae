"""Tamper evidence: edits made to the store behind the ledger's back are found by `verify`."""
from __future__ import annotations

import pytest

from tests.shop import Shop, shipped_order


@pytest.fixture
def stored(shop):
    shop.append(shipped_order("O-1"), shipped_order("O-2"))
    verdict = shop.ledger.reader.verify()
    assert verdict.problem is None and verdict.head.startswith("10:")
    return shop, verdict.head


def problem(shop, expect_head=None):
    return shop.ledger.reader.verify(expect_head).problem


def test_an_empty_store_has_the_zero_head(store):
    shop = Shop(store)
    verdict = shop.ledger.reader.verify()
    shop.ledger.close()
    assert (verdict.head, verdict.problem) == ("0:" + "0" * 64, None)


def test_a_changed_byte_is_found(stored):
    shop, _ = stored
    shop.edit_state(3, b"8.00", b"9.00")
    assert problem(shop) == "tampered 3: the event was changed"


def test_a_deleted_middle_event_is_found(stored):
    shop, _ = stored
    shop.raw("DELETE FROM {events} WHERE {pos} = 4")
    assert problem(shop) == "tampered 4: the event was removed"


def test_a_middle_event_deleted_with_its_hash_is_found(stored):
    shop, _ = stored
    shop.raw("DELETE FROM {events} WHERE {pos} = 6")
    shop.raw("DELETE FROM ledger_chain WHERE position = 6")
    assert problem(shop).startswith("tampered 7: ")


def test_two_swapped_events_are_found(stored):
    shop, _ = stored
    six, seven = (shop.raw("SELECT originator_id, originator_version, topic, state FROM {events} WHERE {pos} = ?",
                           (p,))[0] for p in (6, 7))
    update = "UPDATE {events} SET originator_id = ?, originator_version = ?, topic = ?, state = ? WHERE {pos} = ?"
    shop.raw(update, ("moved", 1, six[2], six[3], 6))
    shop.raw(update, (*six, 7))
    shop.raw(update, (*seven, 6))
    assert problem(shop).startswith("tampered 6: ")


def test_a_deleted_last_event_is_found_against_the_written_down_head(stored):
    shop, head = stored
    shop.raw("DELETE FROM {events} WHERE {pos} = 10")
    shop.raw("DELETE FROM ledger_chain WHERE position = 10")
    assert problem(shop) is None  # alone, a shorter history looks whole
    assert problem(shop, head) == "tampered 10: the history is cut short; it ends at position 9"


def test_a_head_that_differs_is_found(stored):
    shop, head = stored
    forged = head[:-1] + ("0" if head[-1] != "0" else "1")
    assert problem(shop, forged).startswith("tampered 10: differs")


@pytest.mark.parametrize("statement", ["DELETE FROM ledger_chain", "DROP TABLE ledger_chain"])
def test_an_emptied_or_dropped_chain_table_is_tampering(stored, statement):
    import os
    import subprocess
    import sys
    from pathlib import Path

    shop, _ = stored
    shop.raw(statement)
    assert problem(shop) == "tampered 1: an event without a hash was inserted"
    env = {"LEDGER_STORE": shop.store, "PATH": "/usr/bin:/bin", "LEDGER_MASTER_KEY": os.environ["LEDGER_MASTER_KEY"]}
    found = subprocess.run([str(Path(sys.executable).with_name("ledger")), "verify"], capture_output=True, text=True,
                           env=env)
    assert (found.returncode, found.stderr) == (4, "tampered 1: an event without a hash was inserted\n")


def test_positions_have_no_gaps_after_refused_appends(store):
    """A refused file whose first chunk was already written leaves no hole: the head's N is the number of
    events (on PostgreSQL too, whose sequence would have lost the failed chunk's numbers)."""
    from ledger.application import LineError
    from tests.shop import placed

    shop = Shop(store)
    shop.append(placed("O-0", "11-02 10:00"))
    many = [placed(f"O-{n}", "11-02 10:00") for n in range(1, 1200)] + [placed("O-1", "11-02 11:00")]  # reused id
    for _ in range(2):
        with pytest.raises(LineError):
            shop.append(many)
    shop.append(placed("O-9999", "11-02 12:00"))
    verdict = shop.ledger.reader.verify()
    shop.ledger.close()
    assert verdict.problem is None and verdict.head.startswith("2:")
