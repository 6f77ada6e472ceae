"""VO-1 and VO-2 (SPEC section 13): a mistake voided by a record of its own, decisions recomputed as if it had
never been appended; an address changed and confirmed again."""
from __future__ import annotations

import pytest

from tests.shop import (
    address_changed, confirmed, delivered, dispatched, inspected, parcel_received, placed, requested, shipped_order,
    voided,
)


def decided(shop, id_: str) -> list[tuple[str, str]]:
    """(type, cause's type) of the decisions in effect in `id_`'s history, withdrawals left out."""
    events = shop.in_effect(id_)
    by_ref = {event.ref: event for event in events}
    return [(type(e).__name__, type(by_ref[e.caused_by]).__name__) for e in events
            if hasattr(e, "rule") and type(e).__name__ != "DecisionWithdrawn"]


def test_a_voided_first_dispatch_gives_the_order_the_later_dispatchs_decision(shop):
    first = dispatched("S-1", "O-1", "11-02 16:00", {"TEE": 1})
    shop.append(placed("O-1", "11-02 10:00"), confirmed("O-1", "11-02 10:05"), first,
                dispatched("S-2", "O-1", "11-03 10:00", {"TEE": 1}))
    assert shop.decision("O-1", "ShippedSameDay").shipment_id == "S-1"
    shop.append(voided(first, "11-03 11:00"))
    assert decided(shop, "O-1") == [("ShippedLate", "ParcelDispatched")]
    late = shop.decision("O-1", "ShippedLate")
    void = shop.stream("shipment:S-1")[-1]  # on the voided record's stream
    assert type(void).__name__ == "RecordVoided" and late.shipment_id == "S-2" and late.caused_by == void.ref
    withdrawn = shop.decision("O-1", "DecisionWithdrawn")
    assert withdrawn.rule == "VO-1" and withdrawn.position == 4  # the ShippedSameDay's position


def test_a_voided_inspection_puts_the_payer_back_to_the_acceptances(shop):
    inspection = inspected("C-1", "11-06 12:00", "no_fault")
    shop.append(shipped_order(), requested("C-1", "O-1", "11-05 10:00", reason="quality"),
                parcel_received("C-1", "11-06 10:00"), inspection)
    assert shop.decision("C-1", "ShippingCostAssigned").payer == "buyer"  # RT-3
    shop.append(voided(inspection, "11-06 13:00", actor="wang", role="shipping_clerk"))  # its own clerk
    payers = [e.payer for e in shop.in_effect("C-1") if type(e).__name__ == "ShippingCostAssigned"]
    assert payers == ["shop"]  # AS-3, the acceptance's
    assert shop.stream("case:C-1")[-1].rule in {"AS-3", "VO-1"}


def test_a_void_some_later_record_rests_on_is_refused_naming_it(shop):
    dispatch = dispatched("S-1", "O-1", "11-02 16:00")
    shop.append(placed("O-1", "11-02 10:00"), dispatch, delivered("S-1", "11-04 10:00"))
    error = shop.refused(voided(dispatch, "11-05 10:00"))
    assert str(error) == "line 1: VO-1: record 4 (ParcelDelivered) rests on it; void that first"
    assert error.status == 3


def test_an_inspection_whose_only_parcel_is_voided_refuses_the_void(shop):
    parcel = parcel_received("C-1", "11-06 10:00")
    shop.append(shipped_order(), requested("C-1", "O-1", "11-05 10:00"), parcel, inspected("C-1", "11-06 12:00",
                                                                                           "quality_confirmed"))
    error = shop.refused(voided(parcel, "11-07 10:00"))
    assert str(error).startswith("line 1: VO-1: record ") and "(ReturnInspected) rests on it" in str(error)


def test_only_the_actor_or_a_supervisor_voids_a_record(shop):
    dispatch = dispatched("S-1", "O-1", "11-02 16:00")
    shop.append(placed("O-1", "11-02 10:00"), dispatch)
    error = shop.refused(voided(dispatch, "11-02 17:00", actor="lily", role="customer_service"))
    assert str(error).startswith("line 1: AU-1: record 2 was appended by wang; only they or a supervisor may void")
    shop.append(voided(dispatch, "11-02 17:00", actor="wang", role="shipping_clerk"))


@pytest.mark.parametrize("what, reason", [
    ("a decision", "no stored record has key"),
    ("twice", "is already voided"),
])
def test_what_cannot_be_voided_is_refused(shop, what, reason):
    order = placed("O-1", "11-02 10:00")
    shop.append(order)
    if what == "twice":
        shop.append(voided(order, "11-02 11:00"))
        error = shop.refused(voided(order, "11-02 12:00", reason="again"))
    else:
        error = shop.refused(voided(order, "11-02 11:00") | {"record": "a" * 64})
    assert error.error.rule == "REF" and reason in str(error)


def test_a_void_frees_the_id_and_the_tracking_number(shop):
    order, dispatch = placed("O-1", "11-02 10:00", {"TEE": (2, "98.00")}), dispatched("S-1", "O-1", "11-02 16:00")
    shop.append(order, dispatch)
    shop.append(voided(dispatch, "11-02 17:00"), voided(order, "11-02 17:00"))
    assert shop.kind_of("O-1") is None and shop.kind_of("S-1") is None
    shop.append(placed("O-1", "11-02 10:00", {"TEE": (2, "89.00")}), dispatched("S-1", "O-1", "11-02 16:30"))
    assert shop.decision("O-1", "ShippedSameDay").shipment_id == "S-1"
    read = [type(e).__name__ for e in shop.in_effect("O-1")]
    assert [name for name in read if name not in ("RecordVoided", "DecisionWithdrawn")] == [
        "OrderPlaced", "ParcelDispatched", "ShippedSameDay"]


def test_a_voided_record_appended_again_is_skipped_and_counted_as_voided(shop):
    order = placed("O-1", "11-02 10:00")
    shop.append(order)
    shop.append(voided(order, "11-02 11:00"))
    again = shop.append(order)
    assert (again.stored, again.skipped, again.voided) == (0, 1, 1)


def test_a_stored_key_with_other_values_is_refused_in_the_same_file_too(shop):
    error = shop.refused(placed("O-1", "11-02 10:00", key="k-1"), placed("O-1", "11-02 10:00", fee="8.00", key="k-1"))
    assert str(error) == ("line 2: KEY: key k-1 is stored with other values: shipping_fee; to correct it, void record 1"
                          " or use AddressChanged")


# -- VO-2 ------------------------------------------------------------------------------------------

def test_a_changed_address_asks_for_a_new_confirmation(shop):
    shop.append(placed("O-1", "11-02 10:00"), confirmed("O-1", "11-02 10:05"), address_changed("O-1", "11-02 11:00"),
                dispatched("S-1", "O-1", "11-02 16:00"))
    assert shop.decision("O-1", "ShippedSameDay").address_confirmed is False
    shop.append(placed("O-2", "11-02 10:00"), address_changed("O-2", "11-02 11:00"), confirmed("O-2", "11-02 11:30"),
                dispatched("S-2", "O-2", "11-02 16:00"))
    assert shop.decision("O-2", "ShippedSameDay").address_confirmed is True


def test_an_address_does_not_change_once_a_parcel_is_on_its_way(shop):
    shop.append(placed("O-1", "11-02 10:00"), dispatched("S-1", "O-1", "11-02 16:00"))
    error = shop.refused(address_changed("O-1", "11-02 17:00"))
    assert str(error) == ("line 1: REF: order O-1 has 1 parcel(s) on the way or delivered; its address can no longer "
                          "change")
