"""Views, `export`, `verify` and a what-if read the same as the pinned files (tests/snapshot.py), whether the
store was written by one append, by many small ones, or had its views rebuilt by `replay`."""
from __future__ import annotations

import pytest

from ledger.application import Ledger
from tests.snapshot import AS_OF, history, load, snapshot


@pytest.mark.parametrize("name", sorted(AS_OF))
def test_views_export_and_verify_read_as_pinned(store, name):
    ledger = Ledger(store)
    ledger.append(history(name))
    expected = load(name)
    assert snapshot(ledger, AS_OF[name]) == expected
    ledger.rebuild_views()
    assert snapshot(ledger, AS_OF[name]) == expected
    ledger.close()


def test_many_small_appends_project_what_one_does(store):
    lines = history("fixture")
    ledger = Ledger(store)
    for start in range(0, len(lines), 37):
        ledger.append(lines[start:start + 37])
    assert snapshot(ledger, AS_OF["fixture"]) == load("fixture")
    ledger.close()


def test_views_that_keep_few_rows_in_memory_fetch_them_again_and_read_the_same(store, monkeypatch):
    """Rows are let go between chunks when more than CACHE are held; later chunks fetch them again."""
    from ledger import projections

    monkeypatch.setattr(projections, "CACHE", 4)
    ledger = Ledger(store)
    lines = history("generated")
    ledger.append(lines[:2500])
    ledger.append(lines[2500:])
    expected = load("generated")
    assert snapshot(ledger, AS_OF["generated"]) == expected
    ledger.rebuild_views()
    assert snapshot(ledger, AS_OF["generated"]) == expected
    ledger.close()
