"""Text a person reads (SPEC section 16, issue of the shop's words): tables within 100 columns on a
generated 100,000-record history, wide characters counted as two so a Chinese SKU's row lines up, times to
the minute, flags as yes/no, and the same in Chinese with LEDGER_LANG=zh."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.generate import generate
from ledger.tables import WIDE, width
from tests.shop import Shop, placed, stock

LEDGER = str(Path(sys.executable).with_name("ledger"))
AS_OF = "2026-12-31T00:00:00+08:00"


def run(store: str, *args: str, lang: str = "en") -> subprocess.CompletedProcess:
    env = {"LEDGER_STORE": store, "PATH": "/usr/bin:/bin", "LEDGER_MASTER_KEY": os.environ["LEDGER_MASTER_KEY"],
           "LEDGER_LANG": lang}
    result = subprocess.run([LEDGER, *args], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> str:
    store = f"sqlite:///{tmp_path_factory.mktemp('generated') / 'shop.db'}"
    shop = Shop(store)
    shop.ledger.append(json.dumps(record, ensure_ascii=False) for record in generate(100_000, seed=1))
    shop.ledger.close()
    return store


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("command", [("liability",), ("sla", "--as-of", AS_OF), ("due", "--as-of", AS_OF),
                                     ("kpi",), ("kpi", "--staff"), ("stock",), ("fund",)])
def test_every_line_of_a_long_view_fits_100_columns(generated, command, lang):
    lines = run(generated, *command, lang=lang).stdout.splitlines()
    assert len(lines) > 8
    widest = max(lines, key=width)
    assert width(widest) <= WIDE, widest


def test_times_are_shown_to_the_minute_and_flags_as_yes_or_no(generated):
    sla = run(generated, "sla", "--as-of", AS_OF).stdout
    breach = json.loads(run(generated, "sla", "--as-of", AS_OF, "--json").stdout)["breaches"][0]
    assert breach["due"][:16].replace("T", " ") in sla and breach["due"] not in sla
    assert "True" not in run(generated, "stock").stdout
    zh = run(generated, "stock", lang="zh").stdout.splitlines()
    assert {line.split()[-1] for line in zh[2:-2]} <= {"是", "否"}


def test_a_chinese_skus_row_lines_up_with_the_others(store):
    shop = Shop(store)
    shop.append(stock("T恤-红-M", 30), stock("TEE-M-BLK", 5), stock("卫衣-灰-XL", 120))
    shop.ledger.close()
    for lang in ("en", "zh"):
        rows = run(store, "stock", lang=lang).stdout.split("\n\n")[0].splitlines()
        ends = {width(row.rsplit("  ", 1)[0].rstrip()) for row in rows[2:]}  # where the available column ends
        assert len(ends) == 1, rows


def test_chinese_output_shows_the_shops_word_beside_the_value_and_json_never_changes(store):
    shop = Shop(store)
    shop.append(stock("TEE-M-BLK", 30), placed("O-1", "11-02 10:00"))
    shop.ledger.close()
    due_zh = run(store, "due", "--as-of", "2026-11-02T12:00:00+08:00", lang="zh").stdout
    assert "dispatch 发货" in due_zh and "shipping_clerk 发货" in due_zh and "待办 2：" in due_zh
    assert "12小时 0分" in due_zh  # SH-1's midnight, 12 hours ahead
    assert "CU-1 的订单 O-1" in run(store, "find", "O-1", lang="zh").stdout
    assert json.loads(run(store, "find", "O-1", "--json", lang="zh").stdout)["matches"][0]["summary"] == \
        "order O-1 of CU-1"
    for command in (("due", "--as-of", "2026-11-02T12:00:00+08:00"), ("stock",), ("liability",), ("history", "O-1"),
                    ("find", "O-1")):
        assert run(store, *command, "--json").stdout == run(store, *command, "--json", lang="zh").stdout


def test_liability_can_be_narrowed_to_what_is_owed_and_to_dates(generated):
    whole = json.loads(run(generated, "liability", "--json").stdout)
    owed = json.loads(run(generated, "liability", "--outstanding", "--json").stdout)
    assert owed["cases"] and all(case["refund_outstanding"] != "0.00" for case in owed["cases"])
    assert len(owed["cases"]) == sum(case["refund_outstanding"] != "0.00" for case in whole["cases"])
    assert owed["totals"]["refund_outstanding"] == whole["totals"]["refund_outstanding"]
    january = json.loads(run(generated, "liability", "--from", "2026-01-01", "--to", "2026-01-31", "--json").stdout)
    february = json.loads(run(generated, "liability", "--from", "2026-02-01", "--json").stdout)
    assert 0 < len(january["cases"]) < len(whole["cases"])
    assert len(january["cases"]) + len(february["cases"]) == len(whole["cases"])


def test_sla_can_be_narrowed_to_local_dates(generated):
    whole = json.loads(run(generated, "sla", "--as-of", AS_OF, "--json").stdout)["breaches"]
    day = json.loads(run(generated, "sla", "--as-of", AS_OF, "--from", "2026-02-03", "--to", "2026-02-03",
                         "--json").stdout)["breaches"]
    assert day and all(b["due"].startswith("2026-02-03T") for b in day)
    assert len(day) == sum(b["due"].startswith("2026-02-03T") for b in whole)
