"""Reading a store without its write side: the view, history and chain commands load neither pydantic, nor
eventsourcing, nor the event models, and read what the application reads."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from ledger.application import Ledger
from tests.shop import Shop, policy

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "shop-2026-11.jsonl"
PROBE = """
import json, sys
from ledger.cli import cli
try:
    cli.main(sys.argv[1:], standalone_mode=False)
finally:
    heavy = [m for m in ("pydantic", "eventsourcing", "ledger.events", "ledger.application") if m in sys.modules]
    print(json.dumps(heavy), file=sys.stderr)
"""


@pytest.fixture
def fixture_store(shop, store):
    shop.ledger.append(FIXTURE.read_text(encoding="utf-8").splitlines())
    return store


@pytest.mark.parametrize("command", [["stock", "--json"], ["liability", "--json"],
                                     ["sla", "--json", "--as-of", "2026-12-01T00:00:00+08:00"],
                                     ["history", "O-1003", "--json"], ["explain", "C-1003"], ["verify"]])
def test_view_history_and_chain_commands_load_no_write_side(fixture_store, command):
    env = {**os.environ, "LEDGER_STORE": fixture_store}
    done = subprocess.run([sys.executable, "-c", PROBE, *command], capture_output=True, text=True, env=env,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stderr.strip().splitlines()[-1]) == []
    assert done.stdout


def test_the_reader_and_the_application_read_the_same(shop, fixture_store):
    from ledger.reader import open_reader
    from ledger.store import parse_store

    ledger = shop.ledger
    shop.append(policy("backdated", "2026-10-15T00:00:00+08:00", low_stock_threshold=3))
    reader, close = open_reader(parse_store(fixture_store))
    try:
        assert reader.policy.low_stock_threshold == ledger.latest_policy().low_stock_threshold
        assert reader.policy.zone == ledger.latest_policy().zone
        assert reader.stock() == ledger.stock()
        t = datetime.fromisoformat("2026-12-01T00:00:00+08:00")
        assert reader.breaches(t) == ledger.breaches(t)
        assert reader.history("O-1003")[1].history_json() == ledger.history("O-1003")[1].history_json()
        assert reader.verify().head == ledger.reader.verify().head
    finally:
        close()


def test_views_built_by_an_earlier_version_are_refused_then_rebuilt_by_the_next_append(shop, run_cli):
    """A store whose view tables were declared otherwise: the view commands say what to do, exit 1; the next
    append rebuilds them first."""
    shop.ledger.append(FIXTURE.read_text(encoding="utf-8").splitlines())
    before = shop.ledger.stock()
    shop.raw("UPDATE ledger_views SET signature = 'earlier'")
    for command in ("stock", "kpi"):  # read by the reader, and by the application
        stale = run_cli(command)
        assert stale.returncode == 1, command
        assert stale.stderr.startswith("error: the views were built by an earlier version"), stale.stderr
        assert "run `ledger replay`" in stale.stderr and "Traceback" not in stale.stderr
    appended = run_cli("append", "-", stdin="")
    assert appended.returncode == 0, appended.stderr
    assert shop.ledger.stock() == before


def test_a_report_that_fails_midway_leaves_the_earlier_page_whole_and_no_partial_file(shop, run_cli, tmp_path):
    shop.ledger.append(FIXTURE.read_text(encoding="utf-8").splitlines())
    assert run_cli("report", "--html", "report.html").returncode == 0
    page = (tmp_path / "report.html").read_bytes()
    shop.raw("UPDATE ledger_views SET signature = 'earlier'")  # refused once the new page is begun
    failed = run_cli("report", "--html", "report.html")
    assert failed.returncode == 1 and failed.stderr.startswith("error: the views were built by an earlier version")
    assert (tmp_path / "report.html").read_bytes() == page
    assert sorted(p.name for p in tmp_path.iterdir() if "report" in p.name) == ["report.html"]


def test_a_store_from_before_the_views_were_signed_is_rebuilt_by_replay(shop, run_cli):
    shop.ledger.append(FIXTURE.read_text(encoding="utf-8").splitlines())
    before = shop.ledger.liability()
    shop.raw("DROP TABLE ledger_views")
    shop.raw("DROP TABLE view_policies")
    assert run_cli("liability").returncode == 1
    assert run_cli("replay").returncode == 0
    assert json.loads(run_cli("liability", "--json").stdout) == before


def test_the_time_fields_a_history_shows_in_the_shop_zone_are_the_time_typed_fields():
    from ledger.events import Event, subclasses
    from ledger.fields import DerivedTime, Time
    from ledger.report import TIMES

    typed = {name for cls in subclasses(Event) for name, info in cls.model_fields.items()
             for kind in (Time, DerivedTime)
             if info.annotation in (kind, kind | None) or info.metadata == list(kind.__metadata__)}
    assert typed - {"at", "timestamp"} == TIMES


def test_a_store_of_the_version_before_corrections_gets_its_keys_told_where_their_records_are(shop):
    """An earlier version kept bare keys (`ledger_keys`) and had no marks of voids: its next append creates the
    tables, indexes each stored key with its record, and a record appended again is still skipped."""
    lines = [line for line in FIXTURE.read_text(encoding="utf-8").splitlines()
             if '"RecordVoided"' not in line and '"AddressChanged"' not in line]  # record types it did not have
    shop.ledger.append(lines)
    for statement in ("DROP TABLE ledger_record_keys", "DROP TABLE ledger_voided",
                      "CREATE TABLE ledger_keys (key TEXT PRIMARY KEY)", "UPDATE ledger_views SET signature = 'old'"):
        shop.raw(statement)
    shop.ledger.close()
    again = Ledger(shop.store)
    result = again.append(lines)
    assert (result.stored, result.skipped) == (0, len(lines))
    assert Shop(shop.store).raw("SELECT COUNT(*) FROM ledger_record_keys") == [(len(lines),)]
    again.close()
