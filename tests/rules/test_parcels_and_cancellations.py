"""Parcels returned to sender or lost, cancellations with their OR-1 refund, and records dated before what
they follow from (SPEC sections 2, 3 and 4)."""
from __future__ import annotations

import pytest

from tests.shop import (
    answered, cancelled, complaint, confirmed, contacted, delay_notified, delivered, dispatched, inspected, lost,
    order_refunded, parcel_received, placed, refunded, requested, reshipped, returned_to_sender, review, wage,
)


def sent(order_id="O-1", lines=None) -> list[dict]:
    """An order of 2 TEE at 89.00 with a 6.00 fee, dispatched whole in S-1."""
    lines = lines or {"TEE": (2, "89.00")}
    return [placed(order_id, "11-02 10:00", lines), confirmed(order_id, "11-02 10:05"),
            dispatched("S-1", order_id, "11-02 16:00", {sku: q for sku, (q, _) in lines.items()})]


# one outcome per parcel ------------------------------------------------------------------------

@pytest.mark.parametrize("first", [delivered("S-1", "11-04 10:00"), returned_to_sender("S-1", "11-04 10:00"),
                                   lost("S-1", "11-04 10:00")])
@pytest.mark.parametrize("second", [delivered("S-1", "11-05 10:00"), returned_to_sender("S-1", "11-05 10:00"),
                                    lost("S-1", "11-05 10:00")])
def test_a_parcel_has_one_outcome(shop, first, second):
    """ParcelDelivered, ParcelReturnedToSender and ParcelLost exclude each other, and each comes at most once."""
    shop.append(sent(), first)
    error = shop.refused(second)
    assert (error.status, error.error.rule) == (3, "REF")
    assert "it has one outcome" in error.error.reason


def test_a_parcel_back_or_lost_lets_the_order_be_dispatched_again(shop):
    """A parcel returned to sender or lost gives its units back to what its order still has unshipped."""
    shop.append(sent(), returned_to_sender("S-1", "11-03 10:00"), dispatched("S-2", "O-1", "11-03 16:00"))
    assert shop.refused(dispatched("S-3", "O-1", "11-03 17:00", {"TEE": 1})).error.rule == "SH-4"
    shop.append(lost("S-2", "11-05 10:00"), dispatched("S-3", "O-1", "11-05 16:00"))


def test_sh1_is_decided_on_the_first_dispatch_whatever_became_of_it(shop):
    shop.append(sent(), returned_to_sender("S-1", "11-03 10:00"), dispatched("S-2", "O-1", "11-04 16:00"))
    assert shop.decisions("O-1") == [("ShippedSameDay", "SH-1")]


def test_a_tracking_number_once_dispatched_stays_used(shop):
    shop.append(sent(), returned_to_sender("S-1", "11-03 10:00"))
    error = shop.refused(dispatched("S-2", "O-1", "11-03 16:00", tracking="SF-S-1"))
    assert error.error.rule == "SH-4"


def test_only_delivered_or_travelling_parcels_count_for_returns(shop):
    """Only delivered or still travelling parcels count as dispatched for returns."""
    shop.append(placed("O-1", "11-02 10:00", {"TEE": (2, "89.00")}),
                dispatched("S-1", "O-1", "11-02 16:00", {"TEE": 1}),
                dispatched("S-2", "O-1", "11-02 16:30", {"TEE": 1}), delivered("S-1", "11-04 10:00"),
                lost("S-2", "11-04 11:00"))
    error = shop.refused(requested("C-1", "O-1", "11-05 10:00", lines={"TEE": 2}))
    assert "has 1 dispatched unit(s) of TEE" in error.error.reason
    shop.append(requested("C-1", "O-1", "11-05 10:00", lines={"TEE": 1}))


def test_a_replacement_back_or_lost_lets_the_exchange_send_another(shop):
    """A replacement parcel returned to sender or lost: the exchange may send another."""
    shop.append(sent(), delivered("S-1", "11-04 10:00"),
                requested("C-1", "O-1", "11-05 10:00", "exchange", "size", {"TEE": 1}),
                parcel_received("C-1", "11-06 10:00"), reshipped("R-1", "C-1", "11-06 12:00"))
    assert shop.refused(reshipped("R-2", "C-1", "11-06 13:00")).error.rule == "SH-4"
    shop.append(returned_to_sender("R-1", "11-07 10:00", "undeliverable"), reshipped("R-2", "C-1", "11-08 10:00"))


# cancellations and OR-1 ------------------------------------------------------------------------

def test_or1_a_cancelled_order_owes_the_buyer_all_they_paid(shop):
    """OR-1: a cancelled order gets RefundApproved on its stream for all the buyer paid: its lines' goods value
    plus its shipping_fee."""
    shop.append(placed("O-1", "11-02 10:00", {"TEE": (2, "89.00"), "CAP": (1, "59.00")}, fee="6.00"),
                cancelled("O-1", "11-02 11:00"))
    approved = shop.decision("O-1", "RefundApproved")
    assert (approved.rule, str(approved.amount), approved.order_id, approved.case_id) == ("OR-1", "243.00", "O-1",
                                                                                         None)
    assert approved.caused_by == "order:O-1@2" and approved.rests_on == ("order:O-1@1",)


def test_or1_an_order_is_cancelled_once_its_parcels_are_back_or_lost(shop):
    """OrderCancelled while none of its parcels is delivered or still on its way."""
    shop.append(sent())
    assert "1 parcel(s) delivered or on the way" in shop.refused(cancelled("O-1", "11-03 10:00")).error.reason
    shop.append(returned_to_sender("S-1", "11-03 10:00", "refused_at_door"), cancelled("O-1", "11-03 11:00"))
    assert str(shop.decision("O-1", "RefundApproved").amount) == "184.00"


def test_a_delivered_order_is_not_cancelled(shop):
    shop.append(sent(), delivered("S-1", "11-04 10:00"))
    assert shop.refused(cancelled("O-1", "11-05 10:00")).error.rule == "REF"


def test_refunds_of_a_cancelled_order_up_to_its_approval(shop):
    """Refused: a refund above the approved refund not yet refunded (for a case or a cancelled order)."""
    shop.append(placed("O-1", "11-02 10:00"), cancelled("O-1", "11-02 11:00"),
                order_refunded("O-1", "11-02 12:00", "100.00"))
    error = shop.refused(order_refunded("O-1", "11-02 13:00", "84.01"))
    assert "84.00 approved and not yet refunded" in error.error.reason
    shop.append(order_refunded("O-1", "11-02 13:00", "84.00"))


def test_an_order_refund_needs_a_cancelled_order(shop):
    shop.append(placed("O-1", "11-02 10:00"))
    assert "is not cancelled" in shop.refused(order_refunded("O-1", "11-02 12:00", "1.00")).error.reason


def test_a_refund_names_a_case_or_an_order_not_both(shop):
    record = {**refunded("C-1", "11-02 12:00", "1.00"), "order_id": "O-1"}
    assert "exactly one of case_id and order_id" in str(shop.refused(record))


# records dated before what they follow from (REF) ------------------------------------------------

@pytest.mark.parametrize("record, cause", [
    (dispatched("S-9", "O-1", "11-02 09:59"), "order O-1 was placed"),
    (confirmed("O-1", "11-02 09:00"), "order O-1 was placed"),
    (delay_notified("O-1", "11-01 10:00"), "order O-1 was placed"),
    (cancelled("O-1", "11-01 10:00"), "order O-1 was placed"),
    (review("D-9", "O-1", "11-02 09:00"), "order O-1 was placed"),
    (delivered("S-1", "11-02 15:59"), "shipment S-1 was dispatched"),
    (returned_to_sender("S-1", "11-02 15:00"), "shipment S-1 was dispatched"),
    (lost("S-1", "11-02 15:00"), "shipment S-1 was dispatched"),
    (requested("C-9", "O-1", "11-02 15:00"), "order O-1's first parcel was dispatched"),
    (parcel_received("C-1", "11-03 09:00"), "case C-1 was requested"),
    (inspected("C-1", "11-03 09:00", "no_fault"), "case C-1 was requested"),
    (reshipped("R-9", "C-2", "11-03 09:00"), "case C-2 was requested"),
    (contacted("D-1", "11-03 09:00"), "dispute D-1 was posted"),
    (complaint("K-9", "11-02 09:00", category="logistics", against=None, order_id="O-1"), "order O-1 was placed"),
    (answered("K-1", "11-03 09:00"), "complaint K-1 was lodged"),
])
def test_no_record_is_dated_before_what_it_follows_from(shop, record, cause):
    """No record may be dated before what it follows from; such a record is refused (REF)."""
    shop.append(sent(), wage("lily", "3000.00", "10-01 09:00"), requested("C-1", "O-1", "11-03 10:00"),
                requested("C-2", "O-1", "11-03 10:00", "exchange", "size"), review("D-1", "O-1", "11-03 10:00"),
                complaint("K-1", "11-03 10:00"))
    error = shop.refused(record)
    assert (error.status, error.error.rule) == (3, "REF")
    assert cause in error.error.reason and "is dated before" in error.error.reason


def test_a_record_dated_at_its_cause_is_accepted(shop):
    shop.append(placed("O-1", "11-02 10:00"), confirmed("O-1", "11-02 10:00"), dispatched("S-1", "O-1", "11-02 10:00"),
                delivered("S-1", "11-02 10:00"), requested("C-1", "O-1", "11-02 10:00"))
