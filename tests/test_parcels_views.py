"""Parcels that come back or get lost and cancelled orders, as the views show them (SPEC section 7):
stock and reservations, the liability's `orders` rows and totals, and the audit trail of an OR-1 refund."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.shop import (
    cancelled, confirmed, delivered, dispatched, lost, order_refunded, parcel_received, placed, requested,
    reshipped, returned_to_sender, stock,
)

LEDGER = str(Path(sys.executable).with_name("ledger"))


def figures(shop, sku="TEE"):
    row = shop.ledger.stock(sku)[0]
    return row["on_hand"], row["reserved"], row["available"]


def test_a_parcel_returned_to_sender_is_back_on_hand_and_reserved_again_until_cancelled(shop):
    shop.append(stock("TEE", 20), placed("O-1", "11-02 10:00", {"TEE": (3, "89.00")}),
                dispatched("S-1", "O-1", "11-02 16:00", {"TEE": 3}))
    assert figures(shop) == (17, 0, 17)
    shop.append(returned_to_sender("S-1", "11-03 10:00", "intercepted", postage="12.00"))
    assert figures(shop) == (20, 3, 17)  # back on the shelf, and the order may still ship it
    shop.append(cancelled("O-1", "11-03 11:00"))
    assert figures(shop) == (20, 0, 20)


def test_a_lost_parcel_does_not_come_back_but_its_order_is_reserved_again_and_shipped_again(shop):
    shop.append(stock("TEE", 20), placed("O-1", "11-02 10:00", {"TEE": (3, "89.00")}),
                dispatched("S-1", "O-1", "11-02 16:00", {"TEE": 3}), lost("S-1", "11-04 10:00"))
    assert figures(shop) == (17, 3, 14)
    shop.append(dispatched("S-2", "O-1", "11-04 16:00", {"TEE": 3}))
    assert figures(shop) == (14, 0, 14)


def test_a_replacement_returned_to_sender_is_back_on_hand_and_its_charge_goes_on_the_reship_leg(shop):
    shop.append(stock("TEE", 20), placed("O-1", "11-02 10:00", {"TEE": (2, "89.00")}, fee="6.00"),
                dispatched("S-1", "O-1", "11-02 16:00", {"TEE": 2}), delivered("S-1", "11-04 10:00"),
                requested("C-1", "O-1", "11-05 10:00", "exchange", "quality", {"TEE": 1}),
                parcel_received("C-1", "11-06 10:00", postage="10.00"),
                reshipped("R-1", "C-1", "11-06 12:00", postage="9.00"),
                returned_to_sender("R-1", "11-07 10:00", "undeliverable", postage="7.00"),
                reshipped("R-2", "C-1", "11-08 10:00", postage="9.00"))
    assert figures(shop) == (20 - 2 - 1 + 1 - 1, 0, 17)  # the buyer's parcel is not restocked: no inspection
    case = shop.ledger.liability()["cases"][0]
    assert (case["return_postage"], case["reship_postage"], case["shop_cost"]) == ("10.00", "25.00", "35.00")
    assert shop.ledger.liability()["orders"] == []  # a replacement is the case's, not an order's row


def test_liability_orders_rows_with_hand_worked_figures(shop):
    shop.append(
        # O-1: intercepted (postage 8.00 out, 12.00 back), then cancelled and refunded in part
        placed("O-1", "11-02 10:00", {"TEE": (2, "89.00")}, fee="6.00"),
        dispatched("S-1", "O-1", "11-02 16:00", {"TEE": 2}, postage="8.00"),
        returned_to_sender("S-1", "11-03 10:00", "intercepted", postage="12.00"), cancelled("O-1", "11-03 11:00"),
        order_refunded("O-1", "11-03 12:00", "100.00"),
        # O-2: one of two parcels lost (1 HOOD at 199.00 and 2 CAP at 59.00), the other delivered
        placed("O-2", "11-02 10:00", {"HOOD": (1, "199.00"), "CAP": (2, "59.00"), "TEE": (1, "89.00")}),
        dispatched("S-2", "O-2", "11-02 16:00", {"HOOD": 1, "CAP": 2}), dispatched("S-3", "O-2", "11-02 16:10",
                                                                                  {"TEE": 1}),
        lost("S-2", "11-05 10:00"), delivered("S-3", "11-04 10:00"),
        # O-3: cancelled before any dispatch
        placed("O-3", "11-02 10:00", {"CAP": (1, "59.00")}, fee="0.00"), cancelled("O-3", "11-02 12:00"))
    liability = shop.ledger.liability()
    assert liability["orders"] == [
        {"order_id": "O-1", "cancelled": True, "refund_approved": "184.00", "refunded": "100.00",
         "refund_outstanding": "84.00", "returned_postage": "20.00", "lost_value": "0.00"},
        {"order_id": "O-2", "cancelled": False, "refund_approved": "0.00", "refunded": "0.00",
         "refund_outstanding": "0.00", "returned_postage": "0.00", "lost_value": "317.00"},
        {"order_id": "O-3", "cancelled": True, "refund_approved": "59.00", "refunded": "0.00",
         "refund_outstanding": "59.00", "returned_postage": "0.00", "lost_value": "0.00"},
    ]
    assert liability["totals"] == {"shop_cost": "0.00", "buyer_cost": "0.00", "refund_approved": "243.00",
                                   "refunded": "100.00", "refund_outstanding": "143.00", "returned_postage": "20.00",
                                   "lost_value": "317.00"}
    assert shop.ledger.liability(order_id="O-3")["orders"][0]["order_id"] == "O-3"
    before = shop.ledger.liability()
    shop.ledger.rebuild_views()
    assert shop.ledger.liability() == before


def test_a_cancelled_order_has_no_dispatch_deadline_even_after_a_parcel_came_back(shop):
    from datetime import datetime

    shop.append(placed("O-1", "11-02 10:00"), confirmed("O-1", "11-02 10:05"),
                dispatched("S-1", "O-1", "11-03 09:00"), returned_to_sender("S-1", "11-04 10:00"),
                cancelled("O-1", "11-04 11:00"))
    late = shop.ledger.breaches(datetime.fromisoformat("2026-11-05T00:00:00+08:00"))
    assert late == []  # the late first dispatch no longer counts: the order was cancelled


def test_explain_an_order_shows_the_or1_refund_and_what_it_rests_on(shop):
    shop.append(placed("O-1", "11-02 10:00", {"TEE": (2, "89.00")}, fee="6.00"),
                dispatched("S-1", "O-1", "11-02 16:00"), returned_to_sender("S-1", "11-03 10:00", "refused_at_door"),
                cancelled("O-1", "11-03 11:00"))
    env = {"LEDGER_STORE": shop.store, "PATH": "/usr/bin:/bin", "LEDGER_MASTER_KEY": os.environ["LEDGER_MASTER_KEY"]}
    out = subprocess.run([LEDGER, "explain", "O-1"], capture_output=True, text=True, env=env).stdout
    assert "RefundApproved: rule OR-1" in out and "amount=184.00" in out
    refund = out[out.index("RefundApproved"):]
    assert "OrderCancelled" in refund and "OrderPlaced" in refund  # its cause and the lines and fee it rests on


def test_sh4_compares_tracking_numbers_without_regard_to_case(shop):
    from tests.shop import dispatched, placed, stock

    shop.append(stock("TEE", 10), placed("O-1", "11-02 10:00"), placed("O-2", "11-02 10:00"),
                dispatched("S-1", "O-1", "11-02 16:00", tracking="YTO770010011"))
    error = shop.refused(dispatched("S-2", "O-2", "11-02 17:00", tracking="yto770010011"))
    assert (error.status, error.error.rule) == (3, "SH-4")
    assert 'tracking number "yto770010011" was already used by shipment S-1' in str(error)


def test_a_merged_parcel_carries_two_orders_under_one_tracking_number(shop):
    """合并发货: two orders, one tracking number, the same carrier and time; a third dispatch of the number at
    another time, or of the same order again, is still refused."""
    from tests.shop import dispatched, placed, stock

    shop.append(stock("TEE", 10), placed("O-1", "11-02 10:00"), placed("O-2", "11-02 10:30"),
                placed("O-3", "11-02 11:00"),
                dispatched("S-1", "O-1", "11-02 16:00", {"TEE": 1}, tracking="SF100200300"),
                dispatched("S-2", "O-2", "11-02 16:00", tracking="sf100200300"))
    assert [d for d, _ in shop.decisions("O-2")] == ["ShippedSameDay"]
    assert shop.refused(dispatched("S-3", "O-3", "11-02 16:05", tracking="SF100200300")).error.rule == "SH-4"
    assert shop.refused(dispatched("S-4", "O-1", "11-02 16:00", {"TEE": 1},
                                   tracking="SF100200300")).error.rule == "SH-4"
    assert [s["on_hand"] for s in shop.ledger.stock()] == [7]
