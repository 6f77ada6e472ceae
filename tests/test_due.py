"""`ledger due` (SPEC section 15): what someone still has to do at T, with its rule, role and due."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from tests.shop import (
    answered, complaint, complaint_ruled, confirmed, contacted, dispatched, inspected, order_refunded, cancelled,
    parcel_received, placed, refunded, requested, review, ruled, shipped_order, stock, wage,
)

LEDGER = str(Path(sys.executable).with_name("ledger"))


def t(when: str) -> datetime:
    return datetime.fromisoformat(f"2026-{when.replace(' ', 'T')}:00+08:00")


def items(shop, when: str) -> list[tuple]:
    return [(i["kind"], i["subject"], i["rule"], i["role"], i["due"], i["overdue"])
            for i in shop.ledger.reader.due(t(when))]


def test_an_order_is_to_dispatch_and_confirm_until_it_is(shop):
    shop.append(stock("TEE", 10), placed("O-1", "11-02 14:00"))
    assert items(shop, "11-02 23:00") == [
        ("dispatch", "O-1", "SH-1", "shipping_clerk", "2026-11-03T00:00:00+08:00", False),
        ("confirm_address", "O-1", "SH-3", "customer_service", "2026-11-03T00:00:00+08:00", False)]
    assert [i[5] for i in items(shop, "11-03 00:00")] == [True, True]  # SH-1's due is exclusive
    shop.append(confirmed("O-1", "11-02 23:30"))
    assert [i[0] for i in items(shop, "11-02 23:00")] == ["dispatch", "confirm_address"]  # not yet at 23:00
    assert [i[0] for i in items(shop, "11-02 23:45")] == ["dispatch"]
    shop.append(dispatched("S-1", "O-1", "11-03 09:00"))
    assert items(shop, "11-03 10:00") == [] and [i[0] for i in items(shop, "11-03 08:00")] == ["dispatch"]


def test_a_cancelled_order_is_only_to_refund(shop):
    shop.append(stock("TEE", 10), placed("O-1", "11-02 14:00", fee="6.00"), cancelled("O-1", "11-02 15:00"))
    assert items(shop, "11-02 16:00") == [("refund", "O-1", "OR-1", "customer_service", None, False)]
    shop.append(order_refunded("O-1", "11-02 17:00", "184.00"))
    assert items(shop, "11-02 18:00") == []
    assert [i[0] for i in items(shop, "11-02 16:59")] == ["refund"]  # not yet paid then
    assert items(shop, "11-02 14:30") == [("dispatch", "O-1", "SH-1", "shipping_clerk", "2026-11-03T00:00:00+08:00",
                                           False), ("confirm_address", "O-1", "SH-3", "customer_service",
                                                    "2026-11-03T00:00:00+08:00", False)]  # nor cancelled


def test_a_cases_refund_is_due_from_its_approval_until_it_is_paid_in_full(shop):
    shop.append(shipped_order("O-1", dispatched_at="11-02 16:00", delivered_at="11-03 10:00"),
                requested("C-1", "O-1", "11-04 10:00", "return", "quality", {"TEE": 1}),
                parcel_received("C-1", "11-05 10:00", "express", "10.00", "BK-0001"),
                inspected("C-1", "11-05 12:00", "quality_confirmed"))
    refund = ("refund", "C-1", "RT-1", "customer_service", None, False)
    assert refund not in items(shop, "11-05 11:59") and refund in items(shop, "11-05 12:00")
    approved = shop.ledger.liability("C-1")["cases"][0]["refund_approved"]
    half = f"{Decimal(approved) / 2:.2f}"
    rest = f"{Decimal(approved) - Decimal(half):.2f}"
    shop.append(refunded("C-1", "11-06 10:00", half), refunded("C-1", "11-07 10:00", rest))
    assert refund in items(shop, "11-06 11:00") and refund not in items(shop, "11-07 10:00")


def test_a_cases_steps_inspect_rule_and_reship(shop):
    shop.append(shipped_order("O-1", dispatched_at="11-02 16:00", delivered_at="11-03 10:00"),
                requested("C-1", "O-1", "11-04 10:00", "exchange", "size", {"TEE": 1}))
    assert items(shop, "11-04 11:00") == [("reship", "C-1", "AS-2", "shipping_clerk", None, False)]
    shop.append(parcel_received("C-1", "11-05 10:00", "express", "10.00", "BK-0001"))
    assert items(shop, "11-05 11:00") == [
        ("reship", "C-1", "AS-2", "shipping_clerk", "2026-11-07T10:00:00+08:00", False),
        ("inspect", "C-1", "RT-1", "shipping_clerk", None, False)]
    shop.append(inspected("C-1", "11-05 12:00", "buyer_damage"))
    assert items(shop, "11-05 13:00") == [("rule_case", "C-1", "AU-1", "supervisor", None, False),
                                          ("reship", "C-1", "AS-2", "shipping_clerk", None, False)]  # waits
    shop.append(ruled("C-1", "11-06 10:00", payer="buyer"))
    assert items(shop, "11-09 10:00") == [("reship", "C-1", "AS-2", "shipping_clerk", "2026-11-08T10:00:00+08:00",
                                           True)]


def test_a_freight_collect_parcel_waits_for_a_ruling(shop):
    shop.append(shipped_order("O-1", dispatched_at="11-02 16:00", delivered_at="11-03 10:00"),
                requested("C-1", "O-1", "11-04 10:00"), parcel_received("C-1", "11-05 10:00", "freight_collect"))
    assert ("rule_case", "C-1", "AU-1", "supervisor", None, False) in items(shop, "11-05 11:00")
    shop.append(ruled("C-1", "11-05 12:00", accept_parcel=True))
    assert [i[0] for i in items(shop, "11-05 13:00")] == []


def test_disputes_and_complaints(shop):
    shop.append(shipped_order("O-1"), review("D-1", "O-1", "11-05 10:00"), wage("lily", "3000.00"),
                complaint("K-1", "11-05 10:00"))
    assert [(i[0], i[1], i[2], i[4]) for i in items(shop, "11-05 12:00")] == [
        ("contact_buyer", "D-1", "RV-1", "2026-11-06T10:00:00+08:00"),  # the same due: by subject
        ("answer_complaint", "K-1", "CP-1", "2026-11-06T10:00:00+08:00"),
        ("resolve_review", "D-1", "RV-3", "2026-11-08T10:00:00+08:00")]
    shop.append(contacted("D-1", "11-05 13:00"), answered("K-1", "11-05 13:00"))
    assert [(i[0], i[3]) for i in items(shop, "11-05 14:00")] == [
        ("resolve_review", "customer_service"), ("rule_complaint", "supervisor")]
    shop.append(complaint_ruled("K-1", "11-05 15:00"))
    assert [i[0] for i in items(shop, "11-05 16:00")] == ["resolve_review", "close_complaint"]


def test_the_command_filters_and_counts_every_kind(shop, store):
    shop.append(stock("TEE", 10), placed("O-1", "11-02 14:00"), placed("O-2", "11-02 19:00"),
                review("D-1", "O-1", "11-02 15:00"))
    env = {"LEDGER_STORE": store, "PATH": "/usr/bin:/bin", "LEDGER_MASTER_KEY": os.environ["LEDGER_MASTER_KEY"]}

    def due(*args: str) -> dict:
        done = subprocess.run([LEDGER, "due", "--as-of", "2026-11-02T20:00:00+08:00", *args, "--json"],
                              capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    everything = due()
    assert everything["as_of"] == "2026-11-02T20:00:00+08:00"
    assert set(everything["counts"]) == {"dispatch", "confirm_address", "inspect", "rule_case", "reship", "refund",
                                         "contact_buyer", "resolve_review", "answer_complaint", "rule_complaint",
                                         "close_complaint"}
    assert everything["counts"]["dispatch"] == 2 and everything["counts"]["inspect"] == 0
    assert [i["subject"] for i in due("--within", "4h")["items"]] == ["O-1", "O-1"]  # O-2 is due tomorrow
    assert {i["kind"] for i in due("--role", "客服")["items"]} == {"confirm_address", "contact_buyer",
                                                                  "resolve_review"}
    assert [i["subject"] for i in due("--kind", "dispatch")["items"]] == ["O-1", "O-2"]
    text = subprocess.run([LEDGER, "due", "--as-of", "2026-11-02T20:00:00+08:00"], capture_output=True, text=True,
                          env=env)
    assert "4h 0m" in text.stdout
    assert text.stdout.rstrip().split("\n\n")[-1].startswith("6 to do: dispatch 2, confirm_address 2")
    bad = subprocess.run([LEDGER, "due", "--within", "soon"], capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and "--within" in bad.stderr


def test_a_due_in_the_year_3000_is_listed_within_its_horizon(shop, store):
    """Placed after the cutoff on the last day of 2999: due at the midnight ending 1 January 3000."""
    shop.append(stock("TEE", 10), placed("O-1", "2999-12-31T19:00:00+08:00"))
    env = {"LEDGER_STORE": store, "PATH": "/usr/bin:/bin", "LEDGER_MASTER_KEY": os.environ["LEDGER_MASTER_KEY"]}
    done = subprocess.run([LEDGER, "due", "--as-of", "2999-12-31T20:00:00+08:00", "--within", "2d", "--json"],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert [i["due"] for i in json.loads(done.stdout)["items"]] == ["3000-01-02T00:00:00+08:00"] * 2
