"""Refusals citing REF (exit 3) and invalid input (exit 2): the line, the reason, nothing stored."""
from __future__ import annotations

import json

import pytest

from tests.shop import (
    cancelled, confirmed, contacted, delivered, dispatched, inspected, placed, rec, requested, review, settled,
    shipped_order, stock,
)


@pytest.mark.parametrize("record, reason", [
    (confirmed("O-9", "11-03 10:00"), "unknown order O-9"),
    (dispatched("S-9", "O-9", "11-03 10:00"), "unknown order O-9"),
    (dispatched("S-9", None, "11-03 10:00", case_id="C-9"), "unknown case C-9"),
    (delivered("S-9", "11-03 10:00"), "unknown shipment S-9"),
    (requested("C-9", "O-9", "11-03 10:00"), "unknown order O-9"),
    (inspected("C-9", "11-03 10:00", "no_fault"), "unknown case C-9"),
    (review("D-9", "O-9", "11-03 10:00"), "unknown order O-9"),
    (contacted("D-9", "11-03 10:00"), "unknown dispute D-9"),
    (confirmed("TEE", "11-03 10:00"), "unknown order TEE"),  # a SKU is no order
])
def test_records_naming_unknown_ids_are_refused(shop, record, reason):
    shop.append(shipped_order(), stock("TEE", 5))
    error = shop.refused(record)
    assert (error.status, str(error)) == (3, f"line 1: REF: {reason}")


@pytest.mark.parametrize("record", [
    placed("O-1", "11-03 10:00"),
    placed("S-1", "11-03 10:00"),
    placed("TEE", "11-03 10:00"),
    dispatched("O-1", "O-2", "11-03 10:00", {"TEE": 1}),
    stock("O-1", 3),
    requested("S-1", "O-1", "11-03 10:00"),
    review("O-1", "O-1", "11-03 10:00"),
])
def test_reusing_an_id_of_any_kind_is_refused(shop, record):
    shop.append(shipped_order(lines={"TEE": (3, "89.00")}), placed("O-2", "11-02 10:00"), stock("TEE", 5))
    error = shop.refused(record)
    assert error.error.rule == "REF" and "already names" in error.error.reason


def test_reusing_an_id_within_one_file_is_refused(shop):
    error = shop.refused(placed("O-1", "11-02 10:00"), placed("O-1", "11-02 11:00", customer="CU-2"))
    assert str(error) == "line 2: REF: id O-1 already names an order"


def test_cancelling_after_a_dispatch_or_twice_is_refused(shop):
    """Refused (REF): cancelling an order twice; cancelling an order with a parcel delivered or still on its way."""
    shop.append(shipped_order(), placed("O-2", "11-02 10:00"), cancelled("O-2", "11-02 11:00"))
    assert shop.refused(cancelled("O-1", "11-03 10:00")).error.rule == "REF"
    assert shop.refused(cancelled("O-2", "11-03 10:00")).error.rule == "REF"


def test_inspection_without_a_returned_parcel_is_refused(shop):
    shop.append(shipped_order(), requested("C-1", "O-1", "11-05 10:00"))
    assert shop.refused(inspected("C-1", "11-05 11:00", "no_fault")).error.rule == "REF"


def test_a_positive_review_opens_no_dispute(shop):
    """A positive review opens no dispute; records naming its `dispute_id` afterwards are refused (`REF`)."""
    shop.append(shipped_order(), review("D-1", "O-1", "11-05 10:00", rating="positive"))
    assert shop.refused(contacted("D-1", "11-05 11:00")).error.rule == "REF"
    assert shop.refused(settled("D-1", "11-05 11:00")).error.rule == "REF"


# invalid input: exit 2 ------------------------------------------------------------------------

GOOD = placed("O-1", "11-02 10:00")


def variant(**changes):
    record = json.loads(json.dumps(GOOD))
    for name, value in changes.items():
        if value is ...:
            del record[name]
        else:
            record[name] = value
    return json.dumps(record, ensure_ascii=False)


@pytest.mark.parametrize("line, reason", [
    ('{"type": "OrderPlaced", ', "unreadable JSON"),
    ("[1, 2]", "a record is a JSON object"),
    (variant(type="OrderShipped"), 'unknown record type "OrderShipped"'),
    (variant(type="ShippedSameDay"), "ShippedSameDay is a decision"),
    (variant(type=...), "missing key 'type'"),
    (variant(customer_id=...), "missing key 'customer_id'"),
    (variant(at="2026-11-02T10:00:00"), "at: time without UTC offset"),
    (variant(at="2026-11-02"), "at: time without UTC offset"),
    (variant(at=1762049000), "at: time must be an ISO 8601 string"),
    (variant(shipping_fee=6.0), "shipping_fee: money must be a string"),
    (variant(shipping_fee="6.5"), "shipping_fee: money must have exactly two decimal places"),
    (variant(shipping_fee="-6.00"), "shipping_fee: money must have exactly two decimal places"),
    (variant(lines=[{"sku": "TEE", "quantity": 0, "unit_price": "1.00"}]), "lines.0.quantity"),
    (variant(lines=[{"sku": "TEE", "quantity": 1.0, "unit_price": "1.00"}]), "lines.0.quantity"),
    (variant(lines=[]), "lines:"),
    (variant(role="intern"), "role:"),
    (variant(colour="red"), "unknown key 'colour'"),
    (variant(originator_id="order:X"), "unknown key 'originator_id'"),
    (variant(key=""), "key: a key is 1 to 128 printable ASCII characters"),
    (json.dumps(requested("C-1", "O-1", "11-03 10:00", "return", "size")), 'reason "size" is for exchanges only'),
    (json.dumps({**dispatched("S-1", "O-1", "11-03 10:00"), "case_id": "C-1"}), "exactly one of order_id and case_id"),
    (json.dumps(rec("SupervisorRuled", "11-03 10:00", "supervisor", case_id="C-1", note="x")), "at least one of"),
    ('{"type": "OrderCancelled", "type": "OrderNoted"}', 'key "type" given twice'),
    ('{"type": "StockReceived", "quantity": NaN}', "NaN is not a JSON number"),
])
def test_malformed_input_exits_2_naming_the_line(shop, line, reason):
    before = shop.event_count()
    with pytest.raises(Exception) as caught:
        shop.append_lines([json.dumps(GOOD), "", line])
    error = caught.value
    assert error.status == 2
    assert str(error).startswith("line 3: ")
    assert reason in str(error)
    assert shop.event_count() == before


def test_the_first_bad_line_decides_the_status(shop):
    refused_first = [json.dumps(confirmed("O-9", "11-02 10:00")), variant(at="2026-11-02")]
    invalid_first = [variant(at="2026-11-02"), json.dumps(confirmed("O-9", "11-02 10:00"))]
    with pytest.raises(Exception) as refused:
        shop.append_lines(refused_first)
    with pytest.raises(Exception) as invalid:
        shop.append_lines(invalid_first)
    assert (refused.value.status, invalid.value.status) == (3, 2)
