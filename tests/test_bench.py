"""The benchmark runner works end to end at a small size (its figures are not checked here)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.generate import generate
from tests.shop import Shop

ROOT = Path(__file__).resolve().parent.parent


def test_generated_histories_are_accepted_whole_and_reproducible(store):
    history = [json.dumps(r, ensure_ascii=False) for r in generate(3000, seed=5, orders_per_day=30)]
    assert history == [json.dumps(r, ensure_ascii=False) for r in generate(3000, seed=5, orders_per_day=30)]
    types = {json.loads(line)["type"] for line in history}
    assert {"OrderPlaced", "ParcelDispatched", "ReturnRequested", "ReturnInspected", "ReviewPosted",
            "StockReceived", "SupervisorRuled"} <= types
    shop = Shop(store)
    assert shop.ledger.append(history).stored == 3000
    shop.ledger.close()


def test_benchmark_runner_smoke(tmp_path, pg_database):
    out = tmp_path / "bench.json"
    result = subprocess.run([sys.executable, "bench/run.py", "--records", "300", "--postgres", pg_database,
                             "--json", str(out), "--one-stream", "200", "2000", "--import-orders", "50"], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "ledger append / anchor" in result.stdout
    assert "One SKU's stream" in result.stdout and "10x the records took" in result.stdout
    figures = json.loads(out.read_text())
    assert set(figures["stores"]) == {"sqlite", "postgresql"}
    assert figures["stores"]["sqlite"]["records"] == 300
    assert set(figures["one_stream_s"]) == {"200", "2000"}
    assert "ledger import taobao of a 50-order export" in result.stdout
    assert set(figures["taobao_import"]) == {"first_s", "first_rss_mib", "again_s", "again_rss_mib"}


def test_floors_runner_smoke():
    result = subprocess.run([sys.executable, "bench/floors.py", "--records", "300"], cwd=ROOT, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("300 records, ") and lines[0].endswith(" events, SQLite")
    assert [line.split(":")[0] for line in lines[2:]] == ["start", "append", "replay"]


def test_desk_load_runner_smoke(pg_database):
    """Staff at the desk at once, on both stores: every accepted submission stored once, verify passing."""
    result = subprocess.run([sys.executable, "bench/desk_load.py", "--records", "300", "--staff", "3", "--seconds",
                             "4", "--postgres", pg_database], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": equal") == 2 and result.stdout.count("ledger verify: exit 0") == 2
    assert "95th percentile" in result.stdout
