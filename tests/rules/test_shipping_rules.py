"""SH-1 to SH-4: dispatch deadlines, excuses, address confirmation, no double shipping."""
from __future__ import annotations

from datetime import datetime

from tests.shop import (
    cancelled, confirmed, delay_notified, dispatched, placed, policy, reshipped, requested, parcel_received,
)


def test_sh1_order_before_cutoff_shipped_before_midnight_is_same_day(shop):
    """SH-1: an order placed before `same_day_cutoff` must be dispatched before local midnight that day."""
    shop.append(placed("O-1", "11-02 17:59:59"), confirmed("O-1", "11-02 18:00"),
                dispatched("S-1", "O-1", "11-02 23:59:59"))
    decision = shop.decision("O-1", "ShippedSameDay")
    assert (decision.rule, decision.policy_version) == ("SH-1", "default")
    assert decision.due == datetime.fromisoformat("2026-11-03T00:00:00+08:00")
    assert decision.caused_by == "shipment:S-1@1"


def test_sh1_dispatch_at_midnight_itself_is_late(shop):
    """SH-1: `due` is that midnight; a dispatch at `due` or later is late."""
    shop.append(placed("O-1", "11-02 10:00"), dispatched("S-1", "O-1", "11-03 00:00:00"))
    assert shop.decisions("O-1") == [("ShippedLate", "SH-1")]


def test_sh1_order_at_the_cutoff_itself_is_due_the_next_midnight(shop):
    """SH-1: an order placed at or after the cutoff (18:00:00 itself is after), before local midnight the next day."""
    shop.append(placed("O-1", "11-02 18:00:00"), dispatched("S-1", "O-1", "11-03 23:59:59"))
    decision = shop.decision("O-1", "ShippedSameDay")
    assert decision.due == datetime.fromisoformat("2026-11-04T00:00:00+08:00")


def test_sh1_times_in_another_offset_are_taken_in_shanghai_time(shop):
    """The shop's local day is taken in the policy's `timezone`."""
    # 09:59:59Z is 17:59:59 in Shanghai: before the cutoff, due at Shanghai midnight = 16:00Z.
    shop.append(placed("O-1", "2026-11-02T09:59:59Z"), dispatched("S-1", "O-1", "2026-11-02T15:59:59+00:00"))
    shop.append(placed("O-2", "2026-11-02T10:00:00Z"), dispatched("S-2", "O-2", "2026-11-03T09:00:00-07:00"))
    assert shop.decisions("O-1") == [("ShippedSameDay", "SH-1")]
    # O-2 was placed 18:00 Shanghai: due 11-04 00:00 Shanghai; 11-03 09:00-07:00 is 11-04 00:00 Shanghai: late.
    assert shop.decisions("O-2") == [("ShippedLate", "SH-1")]


def test_sh1_only_the_first_dispatch_decides(shop):
    """SH-1: decided on the order's first dispatch."""
    shop.append(placed("O-1", "11-02 10:00", {"TEE": (2, "89.00")}),
                dispatched("S-1", "O-1", "11-02 11:00", {"TEE": 1}),
                dispatched("S-2", "O-1", "11-05 11:00", {"TEE": 1}))
    assert shop.decisions("O-1") == [("ShippedSameDay", "SH-1")]


def test_sh1_the_cutoff_of_the_policy_in_force_when_the_order_was_placed_decides(shop):
    """SH-1: the policy in force when the order was placed decides, and the decision names its version."""
    shop.append(policy("early", "11-01 00:00", same_day_cutoff="12:00"),
                placed("O-1", "11-02 13:00"), dispatched("S-1", "O-1", "11-03 10:00"))
    decision = shop.decision("O-1", "ShippedSameDay")
    assert decision.policy_version == "early"
    assert decision.due == datetime.fromisoformat("2026-11-04T00:00:00+08:00")


def test_sh2_delay_told_before_the_deadline_is_noted_on_the_late_dispatch(shop):
    """SH-2: a late dispatch is excused when a `DispatchDelayNotified` with `at` before the deadline exists."""
    shop.append(placed("O-1", "11-02 10:00"), delay_notified("O-1", "11-02 23:59:59"),
                dispatched("S-1", "O-1", "11-03 10:00"))
    assert shop.decision("O-1", "ShippedLate").notified is True


def test_sh2_delay_told_at_the_deadline_is_too_late(shop):
    """SH-2: the notice must come before the deadline; at it is too late."""
    shop.append(placed("O-1", "11-02 10:00"), delay_notified("O-1", "11-03 00:00"),
                dispatched("S-1", "O-1", "11-03 10:00"))
    assert shop.decision("O-1", "ShippedLate").notified is False


def test_sh3_dispatch_records_whether_the_address_was_confirmed_by_then(shop):
    """SH-3: an order dispatched without `AddressConfirmed` is an SLA breach; the dispatch is still recorded."""
    shop.append(placed("O-1", "11-02 10:00"), confirmed("O-1", "11-02 16:00"),
                dispatched("S-1", "O-1", "11-02 16:00"))
    shop.append(placed("O-2", "11-02 10:00"), dispatched("S-2", "O-2", "11-02 16:00"),
                confirmed("O-2", "11-02 17:00"))
    assert shop.decision("O-1", "ShippedSameDay").address_confirmed is True
    assert shop.decision("O-2", "ShippedSameDay").address_confirmed is False


def test_sh4_refuses_a_reused_tracking_number(shop):
    """SH-4: refused, a dispatch reusing a tracking number of an earlier dispatch (at another time: not one
    parcel carrying both orders)."""
    shop.append(placed("O-1", "11-02 10:00"), placed("O-2", "11-02 10:00"),
                dispatched("S-1", "O-1", "11-02 16:00", tracking="SF0001"))
    error = shop.refused(dispatched("S-2", "O-2", "11-02 16:30", tracking="SF0001"))
    assert (error.status, error.error.rule) == (3, "SH-4")
    assert str(error).startswith("line 1: SH-4: ")


def test_sh4_refuses_more_units_than_left_unshipped(shop):
    """SH-4: refused, for an order, more units of a SKU than the order still has unshipped."""
    shop.append(placed("O-1", "11-02 10:00", {"TEE": (2, "89.00")}),
                dispatched("S-1", "O-1", "11-02 16:00", {"TEE": 1}))
    error = shop.refused(dispatched("S-2", "O-1", "11-02 17:00", {"TEE": 2}))
    assert error.error.rule == "SH-4"
    shop.append(dispatched("S-2", "O-1", "11-02 17:00", {"TEE": 1}))  # the last unit is fine


def test_sh4_refuses_a_sku_the_order_does_not_have(shop):
    """SH-4: refused, units of a SKU the order does not have unshipped."""
    shop.append(placed("O-1", "11-02 10:00"))
    assert shop.refused(dispatched("S-1", "O-1", "11-02 16:00", {"HAT": 1})).error.rule == "SH-4"


def test_sh4_limits_a_replacement_to_the_units_of_the_exchange(shop):
    """SH-4: for an exchange, more units in all than the case's lines (the replacement may be another SKU)."""
    shop.append(placed("O-1", "11-02 10:00", {"TEE-M": (2, "89.00")}),
                dispatched("S-1", "O-1", "11-02 16:00", {"TEE-M": 2}),
                requested("C-1", "O-1", "11-03 10:00", "exchange", "size", {"TEE-M": 1}),
                parcel_received("C-1", "11-05 10:00"))
    assert shop.refused(reshipped("R-1", "C-1", "11-05 12:00", {"TEE-L": 2})).error.rule == "SH-4"
    shop.append(reshipped("R-1", "C-1", "11-05 12:00", {"TEE-L": 1}))  # another size is fine
    assert shop.refused(reshipped("R-2", "C-1", "11-05 13:00", {"TEE-L": 1})).error.rule == "SH-4"


def test_sh4_buyer_tracking_numbers_of_returned_parcels_do_not_count(shop):
    """SH-4: tracking numbers of returned parcels are the buyer's and do not count."""
    shop.append(placed("O-1", "11-02 10:00"), placed("O-2", "11-02 10:00"),
                dispatched("S-1", "O-1", "11-02 16:00"),
                requested("C-1", "O-1", "11-03 10:00"), parcel_received("C-1", "11-04 10:00", tracking="YT0009"),
                dispatched("S-2", "O-2", "11-04 16:00", tracking="YT0009"))
    assert shop.decisions("O-2") == [("ShippedLate", "SH-1")]


def test_cancelled_order_takes_no_dispatch(shop):
    """Refused (REF): a dispatch on a cancelled order."""
    shop.append(placed("O-1", "11-02 10:00"), cancelled("O-1", "11-02 11:00"))
    assert shop.refused(dispatched("S-1", "O-1", "11-02 16:00")).error.rule == "REF"
