"""`--csv` of every view (SPEC section 12): the JSON keys as the header, a row per item with the JSON's values,
UTF-8 with a byte-order mark, and no cell a spreadsheet would run as a formula."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.shop import Shop, placed, stock

LEDGER = str(Path(sys.executable).with_name("ledger"))
FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "shop-2026-11.jsonl"
AS_OF = "2026-12-01T00:00:00+08:00"


@pytest.fixture(scope="module")
def fixture_store(tmp_path_factory):
    store = f"sqlite:///{tmp_path_factory.mktemp('csv') / 'shop.db'}"
    shop = Shop(store)
    shop.append_lines(FIXTURE.read_text(encoding="utf-8").splitlines())
    shop.ledger.close()
    return store


def run(store: str, *args: str) -> subprocess.CompletedProcess:
    env = {"LEDGER_STORE": store, "PATH": "/usr/bin:/bin", "LEDGER_MASTER_KEY": os.environ["LEDGER_MASTER_KEY"]}
    return subprocess.run([LEDGER, *args], capture_output=True, env=env)


def sheet(store: str, *args: str) -> list[list[str]]:
    done = run(store, *args, "--csv")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(done.stdout.decode("utf-8").removeprefix("\ufeff"))))


def shown(value) -> str:
    if value is None:
        return ""
    text = json.dumps(value) if isinstance(value, bool) else str(value)
    return "'" + text if text.startswith(("=", "+", "-", "@")) else text


@pytest.mark.parametrize("view, items", [
    (("stock",), lambda j: j["skus"]), (("sla", "--as-of", AS_OF), lambda j: j["breaches"]),
    (("kpi", "--by", "week", "--as-of", AS_OF), lambda j: [
        {**{k: v for k, v in r.items() if k != "reviews"}, **{f"reviews.{k}": v for k, v in r["reviews"].items()}}
        for r in j["rows"]]),
    (("kpi", "--staff"), lambda j: j["rows"]), (("fund",), lambda j: j["entries"]),
    (("due", "--as-of", "2026-11-10T12:00:00+08:00"), lambda j: j["items"]),
    (("liability",), lambda j: [{"row": "case", **c} for c in j["cases"]] + [{"row": "order", **o}
                                                                           for o in j["orders"]]),
])
def test_each_view_as_csv_holds_what_its_json_holds(fixture_store, view, items):
    rows = sheet(fixture_store, *view)
    expected = items(json.loads(run(fixture_store, *view, "--json").stdout))
    header = rows[0]
    assert len(rows) - 1 == len(expected) > 0
    for item in expected:
        assert set(item) <= set(header)
    assert [dict(zip(header, row)) for row in rows[1:]] == [
        {name: shown(item.get(name)) for name in header} for item in expected]


def test_a_value_that_would_run_as_a_formula_is_written_as_text(store):
    shop = Shop(store)
    shop.append(stock("=HYPERLINK(1)", 3), stock("@SUM", 1), stock("衬衫-白", 2), placed("O-1", "11-02 10:00", {
        "+X": (5, "1.00")}))
    shop.ledger.close()
    rows = sheet(store, "stock")
    assert rows[0] == ["sku", "on_hand", "reserved", "available", "low"]
    assert sorted(rows[1:]) == sorted([["'+X", "0", "5", "'-5", "true"], ["'=HYPERLINK(1)", "3", "0", "3", "true"],
                                       ["'@SUM", "1", "0", "1", "true"], ["衬衫-白", "2", "0", "2", "true"]])


def test_an_empty_view_has_its_header(store):
    shop = Shop(store)
    shop.append(stock("A", 1))
    shop.ledger.close()
    assert sheet(store, "sla", "--as-of", AS_OF) == [["kind", "subject", "rule", "due", "done_at"]]
    assert sheet(store, "fund")[0][0] == "at" and len(sheet(store, "fund")) == 1
