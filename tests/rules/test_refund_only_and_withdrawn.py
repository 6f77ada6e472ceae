"""仅退款 (case kind `refund_only`) and a case the buyer withdrew (`ReturnWithdrawn`), SPEC section 11."""
from __future__ import annotations

from decimal import Decimal

import pytest

from tests.shop import (
    delivered, dispatched, inspected, parcel_received, parcel_sent, placed, platform_refunded, refunded, requested,
    ruled, withdrawn,
)

SOLD = [placed("O-1", "11-02 10:00", {"TEE": (2, "89.00")}), dispatched("S-1", "O-1", "11-02 16:00"),
        delivered("S-1", "11-04 10:00")]


@pytest.mark.parametrize("reason, payer, rule", [("quality", "shop", "AS-3"), ("wrong_item", "shop", "AS-3"),
                                                 ("colour_difference", "buyer", "RT-4"),
                                                 ("no_reason", "buyer", "RT-5")])
def test_a_refund_only_is_accepted_by_as_6_and_its_payer_set_by_its_reason(shop, reason, payer, rule):
    shop.append(SOLD, requested("C-1", "O-1", "11-05 10:00", "refund_only", reason))
    assert shop.decisions("C-1") == [("ReturnAccepted", "AS-6"), ("ShippingCostAssigned", rule)]
    assert shop.decision("C-1", "ShippingCostAssigned").payer == payer


def test_a_refund_only_after_the_window_is_rejected(shop):
    shop.append(SOLD, requested("C-1", "O-1", "11-12 10:00", "refund_only", "quality"))
    assert shop.decisions("C-1") == [("ReturnRejected", "AS-6")]


def test_a_refund_only_takes_no_parcel_and_no_inspection(shop):
    shop.append(SOLD, requested("C-1", "O-1", "11-05 10:00", "refund_only", "quality"))
    for record in (parcel_sent("C-1", "11-06 09:00"), parcel_received("C-1", "11-06 10:00"),
                   inspected("C-1", "11-06 10:00", "quality_confirmed")):
        error = shop.refused(record)
        assert error.error.rule == "REF" and "仅退款" in error.error.reason


def test_a_refund_only_is_refunded_by_a_ruling_or_the_platform(shop):
    shop.append(SOLD, requested("C-1", "O-1", "11-05 10:00", "refund_only", "quality"),
                requested("C-2", "O-1", "11-05 11:00", "refund_only", "quality"))
    shop.append(ruled("C-1", "11-06 10:00", refund="89.00"), refunded("C-1", "11-06 11:00", "89.00"))
    shop.append(platform_refunded("11-06 12:00", "89.00", "R-2", case_id="C-2"))
    assert shop.decision("C-2", "RefundApproved").amount == Decimal("89.00")


def test_a_size_is_for_exchanges_only_in_a_refund_only_too(shop):
    shop.append(SOLD)
    assert shop.refused(requested("C-1", "O-1", "11-05 10:00", "refund_only", "size")).status == 2


def test_a_withdrawn_case_takes_no_further_records(shop):
    shop.append(SOLD, requested("C-1", "O-1", "11-05 10:00", "return", "quality"), withdrawn("C-1", "11-06 10:00"))
    for record in (parcel_sent("C-1", "11-07 09:00"), parcel_received("C-1", "11-07 10:00"),
                   ruled("C-1", "11-07 10:00", payer="shop"), withdrawn("C-1", "11-07 10:00")):
        error = shop.refused(record)
        assert error.error.rule == "REF" and "withdrawn" in error.error.reason


def test_a_case_cannot_be_withdrawn_once_its_parcel_is_received(shop):
    shop.append(SOLD, requested("C-1", "O-1", "11-05 10:00", "return", "quality"),
                parcel_received("C-1", "11-06 10:00"))
    error = shop.refused(withdrawn("C-1", "11-07 10:00"))
    assert error.error.rule == "REF" and "can no longer be withdrawn" in error.error.reason


def test_a_refused_freight_collect_parcel_does_not_stop_a_withdrawal(shop):
    shop.append(SOLD, requested("C-1", "O-1", "11-05 10:00", "return", "quality"),
                parcel_received("C-1", "11-06 10:00", method="freight_collect"), withdrawn("C-1", "11-07 10:00"))


def test_a_withdrawn_case_gives_its_units_back_to_a_new_request(shop):
    shop.append(SOLD, requested("C-1", "O-1", "11-05 10:00", "return", "quality", {"TEE": 2}))
    assert "not already in a case" in shop.refused(requested("C-2", "O-1", "11-05 11:00", lines={"TEE": 1})
                                                   ).error.reason
    shop.append(withdrawn("C-1", "11-06 10:00"), requested("C-2", "O-1", "11-06 11:00", lines={"TEE": 2}))


def test_a_parcel_the_buyer_sent_back_decides_nothing_until_it_is_received(shop):
    shop.append(SOLD, requested("C-1", "O-1", "11-05 10:00", "return", "quality"), parcel_sent("C-1", "11-05 18:00"))
    assert shop.decisions("C-1") == [("ReturnAccepted", "AS-6"), ("ShippingCostAssigned", "AS-3")]
    shop.append(withdrawn("C-1", "11-06 10:00"))  # sent is not received: the buyer may still withdraw
    assert shop.refused(parcel_sent("C-2", "11-06 11:00")).error.rule == "REF"  # no such case
