"""`ledger find TEXT` (SPEC section 15): what the clerk holds finds what it names."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.shop import dispatched, parcel_received, placed, requested, shipped_order, stock, wage

LEDGER = str(Path(sys.executable).with_name("ledger"))


def history(shop):
    shop.append(stock("TEE", 100), wage("lily", "3000.00"),
                shipped_order("O-1", dispatched_at="11-02 16:00", delivered_at="11-03 10:00"),
                requested("C-1", "O-1", "11-04 10:00"),
                parcel_received("C-1", "11-05 10:00", "express", "10.00", "YT5550001008"),
                placed("O-2", "11-02 10:00"), dispatched("S-2", "O-2", "11-02 16:00", tracking="SF1400000001"))


def found(shop, text: str) -> list[tuple[str, str]]:
    return [(m["kind"], m["id"]) for m in shop.ledger.reader.find(text)]


def test_an_id_a_staff_name_and_a_tracking_number_each_find_their_thing(shop):
    history(shop)
    assert found(shop, "O-1") == [("order", "O-1")]
    assert found(shop, "C-1") == [("case", "C-1")]
    assert found(shop, "TEE") == [("sku", "TEE")]
    assert found(shop, "lily") == [("staff", "lily")]
    assert found(shop, "SF1400000001") == [("shipment", "S-2")]


def test_a_returned_parcels_tracking_number_finds_its_case_whatever_case_and_spaces(shop):
    history(shop)
    for typed in ("YT5550001008", "yt5550001008", " YT 5550 001008 "):
        (match,) = shop.ledger.reader.find(typed)
        assert (match["kind"], match["id"], match["stream"]) == ("case", "C-1", "case:C-1")
        assert "returned for case C-1" in match["summary"]


def test_prefixes_of_four_characters_or_more_come_after_the_exact_match(shop):
    history(shop)
    shop.append(placed("O-10", "11-02 10:00"), placed("O-11", "11-02 10:00"))
    assert found(shop, "O-1") == [("order", "O-1")]  # 3 characters: the exact match only
    assert found(shop, "O-10") == [("order", "O-10")]
    assert found(shop, "sf14") == [("shipment", "S-2")]
    shop.append(*[placed(f"P-{n:03d}", "11-02 10:00") for n in range(60)])
    assert len(found(shop, "P-00")) == 10  # P-000 to P-009
    assert found(shop, "P-0") == [] and found(shop, "P-") == []  # too short to stand for a prefix


def test_at_most_fifty_and_no_personal_field_searched(shop, store):
    shop.append(*[placed(f"ORD-{n:03d}", "11-02 10:00") for n in range(60)])
    assert len(found(shop, "ORD-")) == 50
    assert found(shop, "上海市徐汇区漕溪北路1号") == [] and found(shop, "13800000000") == []
    env = {"LEDGER_STORE": store, "PATH": "/usr/bin:/bin", "LEDGER_MASTER_KEY": os.environ["LEDGER_MASTER_KEY"]}
    none = subprocess.run([LEDGER, "find", "NOTHING-HERE", "--json"], capture_output=True, text=True, env=env)
    assert (none.returncode, json.loads(none.stdout)) == (0, {"matches": []})
    text = subprocess.run([LEDGER, "find", "ORD-"], capture_output=True, text=True, env=env)
    assert text.returncode == 0 and text.stdout.splitlines()[-1] == \
        '50 match(es) for "ORD-" (the first 50: type more of it to narrow them)'
