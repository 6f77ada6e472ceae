"""AS-1 to AS-7 and RT-1 to RT-5: acceptance, who pays the postage, refunds, replacements."""
from __future__ import annotations

from decimal import Decimal

import pytest

from tests.shop import (
    dispatched, exchange_delay_notified, inspected, parcel_received, placed, policy, refunded, requested,
    reshipped, ruled, shipped_order,
)


def payers(shop, case_id):
    return [(e.payer, e.rule) for e in shop.events(case_id) if type(e).__name__ == "ShippingCostAssigned"]


# AS-6: the window -----------------------------------------------------------------------------

def test_as6_last_second_of_the_window_is_inside(shop):
    """AS-6: accepted when its `at` is at most `return_window_days` x 24 h after the order's first delivery; the
    boundary itself is inside."""
    shop.append(shipped_order(delivered_at="11-04 10:00:00"), requested("C-1", "O-1", "11-11 10:00:00"))
    assert shop.decisions("C-1")[0] == ("ReturnAccepted", "AS-6")


def test_as6_first_second_after_the_window_is_outside(shop):
    """AS-6: otherwise `ReturnRejected`."""
    shop.append(shipped_order(delivered_at="11-04 10:00:00"), requested("C-1", "O-1", "11-11 10:00:01"))
    assert shop.decisions("C-1") == [("ReturnRejected", "AS-6")]


def test_as6_window_counts_from_the_first_delivery_in_any_offset(shop):
    """AS-6: counted from the order's first delivery (`ParcelDelivered`); times are compared as instants."""
    shop.append(shipped_order(delivered_at="2026-11-04T02:00:00Z"),
                requested("C-1", "O-1", "2026-11-11T10:00:00+08:00"))
    accepted = shop.decision("C-1", "ReturnAccepted")
    assert accepted.window_until.isoformat() == "2026-11-11T02:00:00+00:00"


def test_as6_without_a_delivery_the_window_counts_from_the_first_dispatch(shop):
    """AS-6: or after its first dispatch when no delivery is recorded."""
    shop.append(shipped_order(dispatched_at="11-02 16:00", delivered_at=None),
                requested("C-1", "O-1", "11-09 16:00:01"))
    assert shop.decisions("C-1") == [("ReturnRejected", "AS-6")]


def test_as6_window_length_comes_from_the_policy_in_force_at_the_request(shop):
    """Section 6: each decision uses the policy in force at its record's `at` and names its version."""
    shop.append(shipped_order(delivered_at="11-04 10:00"),
                policy("long", "11-10 00:00", role="supervisor", return_window_days=15),
                requested("C-1", "O-1", "11-15 10:00"))
    decision = shop.decision("C-1", "ReturnAccepted")
    assert decision.policy_version == "long"


def test_as6_rejected_case_takes_no_more_records(shop):
    """Refused (REF): any record on a rejected case."""
    shop.append(shipped_order(delivered_at="11-04 10:00"), requested("C-1", "O-1", "11-20 10:00"))
    assert shop.refused(parcel_received("C-1", "11-21 10:00")).error.rule == "REF"


def test_as6_a_rejected_case_leaves_its_units_returnable(shop):
    """Refused: more units than were dispatched less those in earlier cases that were not rejected."""
    shop.append(shipped_order(delivered_at="11-04 10:00", lines={"TEE": (1, "89.00")}),
                policy("long", "11-01 00:00", return_window_days=7),
                requested("C-1", "O-1", "11-20 10:00"))
    shop.append(policy("longer", "11-19 00:00", return_window_days=30), requested("C-2", "O-1", "11-20 11:00"))
    assert shop.decisions("C-2")[0] == ("ReturnAccepted", "AS-6")


# the payer on acceptance: AS-1, AS-3, RT-4, RT-5 -----------------------------------------------

@pytest.mark.parametrize("kind, reason, payer, rule", [
    ("exchange", "size", "buyer", "AS-1"),
    ("exchange", "colour", "buyer", "AS-1"),
    ("exchange", "style", "buyer", "AS-1"),
    ("exchange", "no_reason", "buyer", "AS-1"),
    ("exchange", "quality", "shop", "AS-3"),
    ("exchange", "wrong_item", "shop", "AS-3"),
    ("return", "quality", "shop", "AS-3"),
    ("return", "wrong_item", "shop", "AS-3"),
    ("exchange", "colour_difference", "buyer", "RT-4"),
    ("return", "colour_difference", "buyer", "RT-4"),
    ("return", "no_reason", "buyer", "RT-5"),
])
def test_claimed_reason_sets_the_payer_on_acceptance(shop, kind, reason, payer, rule):
    """On acceptance the claimed reason sets the payer (AS-1, AS-3, RT-4, RT-5)."""
    shop.append(shipped_order(), requested("C-1", "O-1", "11-05 10:00", kind, reason))
    assert payers(shop, "C-1") == [(payer, rule)]


def test_no_payer_is_assigned_on_a_rejected_request(shop):
    shop.append(shipped_order(), requested("C-1", "O-1", "11-30 10:00", "return", "quality"))
    assert payers(shop, "C-1") == []


# the finding: RT-1, RT-2, RT-3 -----------------------------------------------------------------

@pytest.mark.parametrize("reason, finding, payer, rule", [
    ("quality", "quality_confirmed", "shop", "RT-1"),
    ("wrong_item", "wrong_item_confirmed", "shop", "RT-2"),
    ("quality", "no_fault", "buyer", "RT-3"),
    ("wrong_item", "no_fault", "buyer", "RT-3"),
    ("no_reason", "quality_confirmed", "shop", "RT-1"),
])
def test_finding_sets_the_payer_whatever_was_claimed(shop, reason, finding, payer, rule):
    """Once the parcel is inspected the finding sets the payer, whatever was claimed (RT-1, RT-2, RT-3)."""
    shop.append(shipped_order(lines={"TEE": (2, "89.00")}),
                requested("C-1", "O-1", "11-05 10:00", "return", reason, {"TEE": 2}),
                parcel_received("C-1", "11-06 10:00"), inspected("C-1", "11-06 11:00", finding))
    assert payers(shop, "C-1")[-1] == (payer, rule)
    approved = shop.decision("C-1", "RefundApproved")
    assert (approved.amount, approved.rule) == (Decimal("178.00"), rule)


def test_exchange_inspection_sets_the_payer_and_refunds_nothing(shop):
    shop.append(shipped_order(), requested("C-1", "O-1", "11-05 10:00", "exchange", "quality"),
                parcel_received("C-1", "11-06 10:00"), inspected("C-1", "11-06 11:00", "no_fault"))
    assert payers(shop, "C-1") == [("shop", "AS-3"), ("buyer", "RT-3")]
    assert "RefundApproved" not in [t for t, _ in shop.decisions("C-1")]


def test_refund_is_the_goods_value_of_the_returned_lines_only(shop):
    shop.append(shipped_order(lines={"TEE": (3, "89.00"), "SOCK": (2, "12.00")}),
                requested("C-1", "O-1", "11-05 10:00", "return", "quality", {"TEE": 1, "SOCK": 2}),
                parcel_received("C-1", "11-06 10:00"), inspected("C-1", "11-06 11:00", "quality_confirmed"))
    assert shop.decision("C-1", "RefundApproved").amount == Decimal("113.00")


def test_rt1_buyer_damage_escalates_and_leaves_the_payer_pending(shop):
    """RT-1: finding `buyer_damage`: `ReturnEscalated`, payer `pending`, no refund until `SupervisorRuled`."""
    shop.append(shipped_order(), requested("C-1", "O-1", "11-05 10:00"),
                parcel_received("C-1", "11-06 10:00"), inspected("C-1", "11-06 11:00", "buyer_damage"))
    assert shop.decisions("C-1")[-2:] == [("ReturnEscalated", "RT-1"), ("ShippingCostAssigned", "RT-1")]
    assert payers(shop, "C-1")[-1] == ("pending", "RT-1")
    assert "RefundApproved" not in [t for t, _ in shop.decisions("C-1")]


# AU-1 rulings ----------------------------------------------------------------------------------

def escalated_return(shop):
    shop.append(shipped_order(), requested("C-1", "O-1", "11-05 10:00"),
                parcel_received("C-1", "11-06 10:00"), inspected("C-1", "11-06 11:00", "buyer_damage"))


def test_au1_ruling_sets_payer_and_refund(shop):
    """A ruling's `payer` emits `ShippingCostAssigned` citing AU-1; its `refund` sets the approved refund and emits
    `RefundApproved` citing AU-1."""
    escalated_return(shop)
    shop.append(ruled("C-1", "11-07 10:00", payer="buyer", refund="44.50"))
    assert shop.decisions("C-1")[-2:] == [("ShippingCostAssigned", "AU-1"), ("RefundApproved", "AU-1")]
    assert payers(shop, "C-1")[-1] == ("buyer", "AU-1")
    assert shop.decision("C-1", "RefundApproved").amount == Decimal("44.50")


def test_au1_ruling_without_payer_leaves_it_pending(shop):
    """A ruling without `payer` leaves the payer as it was."""
    escalated_return(shop)
    shop.append(ruled("C-1", "11-07 10:00", refund="10.00"))
    assert payers(shop, "C-1")[-1] == ("pending", "RT-1")


def test_au1_ruling_only_from_a_supervisor(shop):
    """AU-1: `SupervisorRuled` and `PolicyAdopted` are accepted only from role `supervisor`."""
    escalated_return(shop)
    error = shop.refused(ruled("C-1", "11-07 10:00", role="customer_service", payer="shop"))
    assert (error.status, error.error.rule) == (3, "AU-1")


def test_au1_ruling_refund_below_what_was_refunded_is_refused(shop):
    """A ruling's `refund` below what was already refunded is refused (`REF`)."""
    shop.append(shipped_order(), requested("C-1", "O-1", "11-05 10:00"),
                parcel_received("C-1", "11-06 10:00"), inspected("C-1", "11-06 11:00", "quality_confirmed"),
                refunded("C-1", "11-07 10:00", "50.00"))
    assert shop.refused(ruled("C-1", "11-08 10:00", refund="49.99")).error.rule == "REF"
    shop.append(ruled("C-1", "11-08 10:00", refund="50.00"))


def test_refund_above_the_approved_outstanding_amount_is_refused(shop):
    """Refused: a refund above the approved refund not yet refunded."""
    shop.append(shipped_order(), requested("C-1", "O-1", "11-05 10:00"),
                parcel_received("C-1", "11-06 10:00"), inspected("C-1", "11-06 11:00", "quality_confirmed"),
                refunded("C-1", "11-07 10:00", "80.00"))
    assert shop.refused(refunded("C-1", "11-07 11:00", "9.01")).error.rule == "REF"
    shop.append(refunded("C-1", "11-07 11:00", "9.00"))


def test_refund_before_any_approval_is_refused(shop):
    shop.append(shipped_order(), requested("C-1", "O-1", "11-05 10:00"))
    assert shop.refused(refunded("C-1", "11-05 11:00", "0.01")).error.rule == "REF"


def test_au1_escalated_exchange_is_not_reshipped_before_the_ruling(shop):
    """On an escalated exchange the replacement dispatch is refused until the ruling (`AU-1`)."""
    shop.append(shipped_order(), requested("C-1", "O-1", "11-05 10:00", "exchange", "quality"),
                parcel_received("C-1", "11-06 10:00"), inspected("C-1", "11-06 11:00", "buyer_damage"))
    assert shop.refused(reshipped("R-1", "C-1", "11-06 12:00")).error.rule == "AU-1"
    shop.append(ruled("C-1", "11-07 10:00", payer="shop"), reshipped("R-1", "C-1", "11-07 12:00"))
    assert shop.decisions("C-1")[-1] == ("ExchangeShipped", "AS-7")


# AS-4 refused parcels --------------------------------------------------------------------------

@pytest.mark.parametrize("method, refused", [("express", False), ("freight_collect", True), ("surface_mail", True)])
def test_as4_refused_methods(shop, method, refused):
    """AS-4: a returned parcel sent by a method in `refused_return_methods` is refused (`ReturnParcelRefused`)."""
    shop.append(shipped_order(), requested("C-1", "O-1", "11-05 10:00"),
                parcel_received("C-1", "11-06 10:00", method=method))
    assert (("ReturnParcelRefused", "AS-4") in shop.decisions("C-1")) is refused


def test_as4_refused_parcel_cannot_be_inspected(shop):
    """AS-4: a refused parcel is not the case's parcel; a `ReturnInspected` on a case with no accepted parcel is
    refused."""
    shop.append(shipped_order(), requested("C-1", "O-1", "11-05 10:00"),
                parcel_received("C-1", "11-06 10:00", method="surface_mail"))
    assert shop.refused(inspected("C-1", "11-06 11:00", "quality_confirmed")).error.rule == "REF"


def test_as4_supervisor_lets_in_a_freight_collect_parcel_before_it_arrives(shop):
    """AS-4: a supervisor's ruling `accept_parcel: true` recorded on the case before the parcel lets it in."""
    shop.append(shipped_order(), requested("C-1", "O-1", "11-05 10:00"),
                ruled("C-1", "11-05 12:00", accept_parcel=True),
                parcel_received("C-1", "11-06 10:00", method="freight_collect"),
                parcel_received("C-1", "11-06 11:00", method="surface_mail"))
    assert [t for t, _ in shop.decisions("C-1")].count("ReturnParcelRefused") == 1


def test_as4_a_policy_that_accepts_freight_collect_lets_it_in(shop):
    shop.append(shipped_order(), policy("lenient", "11-01 00:00", refused_return_methods=["surface_mail"]),
                requested("C-1", "O-1", "11-05 10:00"),
                parcel_received("C-1", "11-06 10:00", method="freight_collect"))
    assert "ReturnParcelRefused" not in [t for t, _ in shop.decisions("C-1")]


# AS-7 and replacements -------------------------------------------------------------------------

def test_as7_replacement_dispatch_emits_exchange_shipped(shop):
    """AS-7: a replacement dispatch for an exchange emits `ExchangeShipped`."""
    shop.append(shipped_order(), requested("C-1", "O-1", "11-05 10:00", "exchange", "size"),
                parcel_received("C-1", "11-06 10:00"), reshipped("R-1", "C-1", "11-06 15:00", postage="9.50"))
    shipped = shop.decision("C-1", "ExchangeShipped")
    assert (shipped.rule, shipped.tracking_no, shipped.postage) == ("AS-7", "SF-R-1", Decimal("9.50"))


def test_as7_replacement_without_tracking_number_is_refused(shop):
    """AS-7: a replacement dispatch must carry a tracking number."""
    shop.append(shipped_order(), requested("C-1", "O-1", "11-05 10:00", "exchange", "size"))
    assert shop.refused(reshipped("R-1", "C-1", "11-06 15:00", tracking="")).error.rule == "AS-7"
    malformed = shop.refused(reshipped("R-1", "C-1", "11-06 15:00", tracking=" SF-1"))  # not a tracking number
    assert malformed.status == 2 and "tracking_no: a tracking number is 4 to 40 letters" in str(malformed)


def test_replacement_on_a_return_is_refused(shop):
    """Refused (REF): a replacement dispatch on a return (not an exchange)."""
    shop.append(shipped_order(), requested("C-1", "O-1", "11-05 10:00", "return", "quality"))
    assert shop.refused(reshipped("R-1", "C-1", "11-06 15:00")).error.rule == "REF"


def test_as2_delay_notice_is_recorded_on_the_case(shop):
    """AS-2: an `ExchangeDelayNotified` is recorded on its case."""
    shop.append(shipped_order(), requested("C-1", "O-1", "11-05 10:00", "exchange", "size"),
                exchange_delay_notified("C-1", "11-06 10:00"))
    assert [type(e).__name__ for e in shop.events("C-1")][-1] == "ExchangeDelayNotified"


# returns before dispatch and over-returns ------------------------------------------------------

def test_return_before_any_dispatch_is_refused(shop):
    """Refused (REF): a return or exchange before any dispatch of its order."""
    shop.append(placed("O-1", "11-02 10:00"))
    assert shop.refused(requested("C-1", "O-1", "11-03 10:00")).error.rule == "REF"


def test_return_of_more_units_than_dispatched_less_earlier_cases_is_refused(shop):
    shop.append(placed("O-1", "11-02 10:00", {"TEE": (3, "89.00")}),
                dispatched("S-1", "O-1", "11-02 16:00", {"TEE": 2}),
                requested("C-1", "O-1", "11-03 10:00", lines={"TEE": 1}))
    assert shop.refused(requested("C-2", "O-1", "11-03 11:00", lines={"TEE": 2})).error.rule == "REF"
    shop.append(requested("C-2", "O-1", "11-03 11:00", lines={"TEE": 1}))


def test_a_second_inspection_decides_again(shop):
    shop.append(shipped_order(lines={"TEE": (2, "89.00")}), requested("C-1", "O-1", "11-05 10:00"),
                parcel_received("C-1", "11-06 10:00"), inspected("C-1", "11-06 11:00", "no_fault"),
                inspected("C-1", "11-06 12:00", "no_fault"))
    assert payers(shop, "C-1") == [("shop", "AS-3"), ("buyer", "RT-3"), ("buyer", "RT-3")]


def test_an_order_dispatch_needs_its_tracking_number(shop):
    """Section 2: a tracking number is 4 to 40 letters, digits or -; a dispatch to a buyer without one is
    invalid input (a replacement without one is refused under AS-7, the more specific rule)."""
    shop.append(placed("O-1", "11-02 10:00"))
    error = shop.refused(dispatched("S-1", "O-1", "11-02 16:00", tracking=""))
    assert error.status == 2 and "needs its tracking number" in str(error)
