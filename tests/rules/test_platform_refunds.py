"""PF-1: a refund the platform paid (`PlatformRefunded`) is a fact: taken whatever the shop had approved, the
approved refund raised to at least what the platform has paid in all, and counted as refunded (SPEC 11)."""
from __future__ import annotations

from decimal import Decimal

from tests.shop import (
    cancelled, delivered, dispatched, inspected, order_refunded, parcel_received, placed, platform_refunded,
    refunded, requested, ruled,
)

SOLD = [placed("O-1", "11-02 10:00", {"TEE": (2, "89.00")}), dispatched("S-1", "O-1", "11-02 16:00"),
        delivered("S-1", "11-04 10:00"), requested("C-1", "O-1", "11-05 10:00", lines={"TEE": 1})]


def approvals(shop, id_: str) -> list[tuple[str, Decimal]]:
    return [(e.rule, e.amount) for e in shop.events(id_) if type(e).__name__ == "RefundApproved"]


def test_a_platform_refund_before_any_approval_is_approved_by_pf_1(shop):
    shop.append(SOLD, platform_refunded("11-06 10:00", "89.00", "R-1", case_id="C-1"))
    assert approvals(shop, "C-1") == [("PF-1", Decimal("89.00"))]


def test_platform_refunds_add_up_and_raise_the_approval_each_time(shop):
    shop.append(SOLD, platform_refunded("11-06 10:00", "40.00", "R-1", case_id="C-1"),
                platform_refunded("11-07 10:00", "49.00", "R-2", case_id="C-1"))
    assert approvals(shop, "C-1") == [("PF-1", Decimal("40.00")), ("PF-1", Decimal("89.00"))]


def test_a_platform_refund_within_the_shop_s_approval_approves_nothing_more(shop):
    shop.append(SOLD, parcel_received("C-1", "11-06 10:00"), inspected("C-1", "11-07 10:00", "quality_confirmed"),
                platform_refunded("11-08 10:00", "50.00", "R-1", case_id="C-1"))
    assert approvals(shop, "C-1") == [("RT-1", Decimal("89.00"))]
    # what the platform paid counts as refunded: the shop may pay only the rest
    assert shop.refused(refunded("C-1", "11-08 11:00", "40.00")).error.rule == "REF"
    shop.append(refunded("C-1", "11-08 11:00", "39.00"))


def test_a_later_approval_never_falls_below_what_the_platform_paid(shop):
    shop.append(SOLD, parcel_received("C-1", "11-06 10:00"),
                platform_refunded("11-06 12:00", "95.00", "R-1", case_id="C-1"),
                inspected("C-1", "11-07 10:00", "quality_confirmed"))
    assert approvals(shop, "C-1") == [("PF-1", Decimal("95.00")), ("RT-1", Decimal("89.00")),
                                      ("PF-1", Decimal("95.00"))]


def test_a_ruling_below_what_the_platform_paid_is_refused(shop):
    shop.append(SOLD, platform_refunded("11-06 10:00", "89.00", "R-1", case_id="C-1"))
    error = shop.refused(ruled("C-1", "11-07 10:00", refund="50.00"))
    assert error.error.rule == "REF" and "89.00 refunded already" in error.error.reason


def test_a_closed_order_the_platform_refunded_owes_nothing_more(shop):
    shop.append(placed("O-2", "11-02 10:00"), cancelled("O-2", "11-02 12:00"),
                platform_refunded("11-03 10:00", "184.00", "R-9", order_id="O-2"))
    assert approvals(shop, "O-2") == [("OR-1", Decimal("184.00"))]
    assert shop.refused(order_refunded("O-2", "11-03 11:00", "0.01")).error.rule == "REF"


def test_a_platform_refund_names_one_subject_that_exists_and_not_before_it(shop):
    shop.append(SOLD)
    assert shop.refused(platform_refunded("11-06 10:00", "1.00", "R-1", case_id="C-404")).error.rule == "REF"
    assert shop.refused(platform_refunded("11-05 09:00", "1.00", "R-1", case_id="C-1")).error.rule == "REF"
    both = platform_refunded("11-06 10:00", "1.00", "R-1", case_id="C-1") | {"order_id": "O-1"}
    assert shop.refused(both).status == 2
