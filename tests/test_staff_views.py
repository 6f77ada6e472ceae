"""Section 9 on a store: the growth fund view, the complaint SLA kinds, complaint text as personal data,
and `history`/`explain` of a complaint and of a staff member."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from ledger.crypto import ERASED
from tests.shop import answered, closed, complaint, complaint_ruled, fund_spent, upheld, wage

LEDGER = str(Path(sys.executable).with_name("ledger"))
TEXT = "客服态度很差 / rude"


def ladder(shop):
    shop.append(wage("lily", "3000.00"), wage("wang", "2500.00"),
                upheld("K-1", "10-03 10:00", "10-04 10:00"), upheld("K-2", "10-05 10:00", "10-06 10:00"),
                upheld("K-3", "10-07 10:00", "10-08 10:00"), upheld("K-4", "11-02 10:00", "11-03 10:00", "wang"),
                fund_spent("150.00", "11-05 10:00"))


def test_fund_lists_every_entry_the_month_totals_and_the_balance(shop):
    ladder(shop)
    fund = shop.ledger.fund()
    assert [(e["at"], e["kind"], e["staff"], e["complaint_id"], e["month"], e["nth"], e["amount"], e["purpose"],
             e["recorded_by"]) for e in fund["entries"]] == [
        ("2026-10-04T10:00:00+08:00", "penalty", "lily", "K-1", "2026-10", 1, "50.00", None, "zhao"),
        ("2026-10-06T10:00:00+08:00", "penalty", "lily", "K-2", "2026-10", 2, "100.00", None, "zhao"),
        ("2026-10-08T10:00:00+08:00", "penalty", "lily", "K-3", "2026-10", 3, "2850.00", None, "zhao"),
        ("2026-11-03T10:00:00+08:00", "penalty", "wang", "K-4", "2026-11", 1, "50.00", None, "zhao"),
        ("2026-11-05T10:00:00+08:00", "spent", None, None, None, None, "150.00", "部门聚餐", "zhao"),
    ]
    assert fund["by_staff_month"] == [
        {"staff": "lily", "month": "2026-10", "upheld": 3, "penalties": "3000.00"},
        {"staff": "wang", "month": "2026-11", "upheld": 1, "penalties": "50.00"},
    ]
    assert fund["balance"] == "2900.00"  # 3000.00 + 50.00 - 150.00


def test_fund_entries_are_in_business_time_order_and_a_zero_penalty_is_an_entry(shop):
    shop.append(wage("lily", "100.00"), upheld("K-1", "10-03 10:00", "10-09 10:00"),
                upheld("K-2", "10-05 10:00", "10-09 11:00"), upheld("K-3", "10-07 10:00", "10-09 12:00"),
                fund_spent("10.00", "10-08 10:00"))
    fund = shop.ledger.fund()
    assert [(e["kind"], e["amount"]) for e in fund["entries"]] == [
        ("spent", "10.00"), ("penalty", "50.00"), ("penalty", "100.00"), ("penalty", "0.00")]
    assert fund["balance"] == "140.00"


def test_fund_view_rebuilds_the_same(shop):
    ladder(shop)
    before = shop.ledger.fund()
    shop.ledger.rebuild_views()
    assert shop.ledger.fund() == before


def test_complaint_response_and_resolution_deadlines(shop):
    """CP-1: answered within complaint_response_hours of its lodging; CP-2: closed with the buyer's feedback
    within complaint_resolve_hours; deadlines in hours are met at or before `due`."""
    shop.append(wage("lily", "3000.00"), complaint("K-1", "10-03 10:00"), answered("K-1", "10-04 10:00"),
                complaint_ruled("K-1", "10-05 10:00"), closed("K-1", "10-06 10:00"),
                complaint("K-2", "10-03 10:00"), answered("K-2", "10-04 10:00:01"))
    as_of = datetime.fromisoformat("2026-10-10T00:00:00+08:00")
    assert [(b["kind"], b["subject"], b["rule"], b["due"], b["done_at"]) for b in shop.ledger.breaches(as_of)] == [
        ("complaint_response", "K-2", "CP-1", "2026-10-04T10:00:00+08:00", "2026-10-04T10:00:01+08:00"),
        ("complaint_resolution", "K-2", "CP-2", "2026-10-06T10:00:00+08:00", None),
    ]
    early = datetime.fromisoformat("2026-10-04T10:00:00+08:00")
    assert shop.ledger.breaches(early) == []  # not yet past due


def test_complaint_text_is_sealed_in_the_store_and_erased_by_forget(shop):
    from tests.test_customer_data import raw_store_bytes

    shop.append(wage("lily", "3000.00"), complaint("K-1", "10-03 10:00", customer="CU-70"))
    assert TEXT.encode() not in raw_store_bytes(shop)
    assert shop.events("K-1")[0].text == TEXT
    shop.ledger.forget("CU-70", "zhao", "supervisor", "asked")  # a customer known only by a complaint
    assert shop.events("K-1")[0].text == ERASED
    assert TEXT.encode() not in raw_store_bytes(shop)


def run(store: str, *args: str) -> subprocess.CompletedProcess:
    env = {"LEDGER_STORE": store, "PATH": "/usr/bin:/bin", "LEDGER_MASTER_KEY": os.environ["LEDGER_MASTER_KEY"]}
    return subprocess.run([LEDGER, *args], capture_output=True, text=True, env=env)


def test_history_and_explain_of_a_staff_member_and_of_a_complaint(shop):
    ladder(shop)
    staff = run(shop.store, "history", "lily")
    assert staff.returncode == 0, staff.stderr
    assert staff.stdout.startswith("History of staff lily")
    # exactly what section 8 lists: her wages and penalties; no complaint (and so no buyer's text)
    events = json.loads(run(shop.store, "history", "lily", "--json").stdout)["events"]
    assert [(e["stream"], e["type"]) for e in events] == [
        ("staff:lily", "StaffWageSet"), ("staff:lily", "PenaltyAssessed"), ("staff:lily", "PenaltyAssessed"),
        ("staff:lily", "PenaltyAssessed")]
    assert [e["position"] for e in events] == sorted(e["position"] for e in events)
    assert "ComplaintLodged" not in staff.stdout and "text=" not in staff.stdout
    # a complaint: its own stream and its own penalty, not the earlier ones it rests on (explain shows those)
    events = json.loads(run(shop.store, "history", "K-3", "--json").stdout)["events"]
    assert [(e["stream"], e["type"]) for e in events] == [
        ("complaint:K-3", "ComplaintLodged"), ("complaint:K-3", "ComplaintRuled"), ("staff:lily", "PenaltyAssessed")]
    assert events[-1]["data"]["nth"] == 3 and events[-1]["data"]["complaint_id"] == "K-3"
    one = run(shop.store, "history", "K-3")
    assert one.stdout.count("PenaltyAssessed") == 1 and "wang" not in one.stdout
    explained = run(shop.store, "explain", "K-3")
    assert explained.returncode == 0, explained.stderr
    assert "PenaltyAssessed: rule ST-2" in explained.stdout and "amount=2850.00" in explained.stdout
    assert "StaffWageSet" in explained.stdout  # the wage it rests on
    fund = run(shop.store, "fund")
    assert fund.returncode == 0 and fund.stdout.rstrip().endswith("balance 2900.00")
