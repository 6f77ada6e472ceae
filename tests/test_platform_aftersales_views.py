"""The platform's after-sales records in the views, on both stores (SPEC section 11): a refund the platform
paid (PF-1) leaves nothing owed in `liability`, counts once in `kpi`'s refunds, takes the case off 待办's
refunds, and `explain` cites PF-1; a 仅退款 carries its order's outbound leg; a withdrawn case leaves the
views as a rejected one."""
from __future__ import annotations

from datetime import datetime

from tests.shop import (
    cancelled, inspected, parcel_received, placed, platform_refunded, refunded, requested, shipped_order, withdrawn,
)

CASE = [*shipped_order("O-1", dispatched_at="11-02 16:00", delivered_at="11-03 10:00"),
        requested("C-1", "O-1", "11-04 10:00", "return", "quality", {"TEE": 1}),
        parcel_received("C-1", "11-05 10:00", "express", "10.00", "BK-0001"),
        inspected("C-1", "11-05 12:00", "quality_confirmed")]
AS_OF = datetime.fromisoformat("2026-11-20T00:00:00+08:00")


def test_what_the_platform_paid_is_not_owed(shop):
    shop.append(CASE, platform_refunded("11-06 10:00", "89.00", "TB-R1", case_id="C-1"),
                placed("O-2", "11-02 10:00"), cancelled("O-2", "11-02 12:00"),
                platform_refunded("11-03 10:00", "184.00", "TB-R2", order_id="O-2"))
    liability = shop.ledger.liability()
    case = liability["cases"][0]
    assert (case["refund_approved"], case["refunded"], case["refund_outstanding"]) == ("89.00", "89.00", "0.00")
    order = next(row for row in liability["orders"] if row["order_id"] == "O-2")
    assert (order["refunded"], order["refund_outstanding"]) == ("184.00", "0.00")
    assert liability["totals"]["refund_outstanding"] == "0.00"
    assert [i for i in shop.ledger.reader.due(AS_OF) if i["kind"] == "refund"] == []


def test_a_part_the_platform_paid_leaves_the_rest_owed_and_counts_each_refund_once(shop):
    shop.append(CASE, platform_refunded("11-06 10:00", "50.00", "TB-R1", case_id="C-1"))
    case = shop.ledger.liability("C-1")["cases"][0]
    assert (case["refunded"], case["refund_outstanding"]) == ("50.00", "39.00")
    assert [i["subject"] for i in shop.ledger.reader.due(AS_OF) if i["kind"] == "refund"] == ["C-1"]
    shop.append(refunded("C-1", "11-07 10:00", "39.00"))
    assert shop.ledger.kpi("month", AS_OF)["totals"]["refunds"] == "89.00"


def test_explain_cites_pf_1(shop):
    shop.append(CASE[:-2], platform_refunded("11-06 10:00", "89.00", "TB-R1", case_id="C-1"))
    decisions = shop.ledger.timeline(shop.ledger.streams_of("C-1")).explain_json(
        lambda d: d.stream == "case:C-1")["decisions"]
    pf = [d for d in decisions if d["rule"] == "PF-1"]
    assert len(pf) == 1 and pf[0]["type"] == "RefundApproved" and pf[0]["data"]["amount"] == "89.00"
    assert pf[0]["rests_on"][0]["type"] == "PlatformRefunded"


def test_a_refund_only_carries_the_outbound_leg_by_its_reason(shop):
    shop.append(*CASE[:-3], requested("C-1", "O-1", "11-04 10:00", "refund_only", "quality", {"TEE": 1}))
    case = shop.ledger.liability("C-1")["cases"][0]
    assert (case["kind"], case["payer"], case["rule"], case["outbound_postage"], case["shop_cost"]) == (
        "refund_only", "shop", "AS-3", "6.00", "6.00")


def test_a_withdrawn_case_leaves_the_views_as_a_rejected_one(shop):
    shop.append(*CASE[:-3], requested("C-1", "O-1", "11-04 10:00", "exchange", "size", {"TEE": 1}))
    assert [i["kind"] for i in shop.ledger.reader.due(AS_OF) if i["subject"] == "C-1"] == ["reship"]
    shop.append(withdrawn("C-1", "11-05 10:00"))
    assert shop.ledger.liability()["cases"] == []
    assert [i for i in shop.ledger.reader.due(AS_OF) if i["subject"] == "C-1"] == []
    assert [b for b in shop.ledger.breaches(AS_OF) if b["subject"] == "C-1"] == []


def test_the_outbound_leg_of_a_withdrawn_return_goes_to_the_next(shop):
    shop.append(*CASE[:-3], requested("C-1", "O-1", "11-04 10:00", "return", "quality", {"TEE": 1}))
    assert shop.ledger.liability("C-1")["cases"][0]["outbound_postage"] == "6.00"
    shop.append(withdrawn("C-1", "11-05 10:00"), requested("C-2", "O-1", "11-05 11:00", "return", "quality",
                                                             {"TEE": 1}))
    assert [(c["case_id"], c["outbound_postage"]) for c in shop.ledger.liability()["cases"]] == [("C-2", "6.00")]
