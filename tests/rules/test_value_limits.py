"""The value limits of SPEC section 2: a value outside them is invalid input (exit 2), the message names the
key in plain words and quotes at most 80 characters of the value; nothing of the file is stored."""
from __future__ import annotations

import json

import pytest

from tests.shop import dispatched, placed, rec

GOOD = placed("O-1", "11-02 10:00")


def line(**changes) -> str:
    """GOOD changed, as another order (a change to personal fields alone would have GOOD's key)."""
    record = json.loads(json.dumps(GOOD))
    record.update({"order_id": "O-2", **changes})
    return json.dumps(record, ensure_ascii=False)


@pytest.mark.parametrize("text, message", [
    (line(at="0001-01-01T00:00:00+00:00"), "at: a time falls in the years 1970 to 2999"),
    (line(at="9999-12-31T23:59:59+14:00"), "at: a time falls in the years 1970 to 2999"),
    (line(at="1969-12-31T23:59:59+00:00"), "at: a time falls in the years 1970 to 2999"),
    (line(shipping_fee="100000000.00"), 'shipping_fee: money must have exactly two decimal places and be at most'),
    (line(lines=[{"sku": "TEE", "quantity": 1_000_001, "unit_price": "1.00"}]),
     "lines.0.quantity: must be a whole number from 1 to 1,000,000"),
    (line(lines=[{"sku": "TEE", "quantity": True, "unit_price": "1.00"}]), "lines.0.quantity: must be a whole number"),
    ('{"type": "OrderPlaced", "quantity": ' + "9" * 5000 + "}", "unreadable JSON: a number with too many digits"),
    (line(order_id="O-X1\u200b"), "order_id: an id or name has no control, zero-width or direction characters"),
    (line(order_id="O-\u202eX"), "order_id: an id or name has no control, zero-width or direction characters"),
    (line(order_id="O\x00X"), "order_id: an id or name has no control"),
    (line(order_id=" O-1"), "order_id: an id or name has no leading or trailing space"),
    (line(order_id="O" * 65), "order_id: an id or name is 1 to 64 characters, got 65"),
    (line(customer_id=""), "customer_id: an id or name is 1 to 64 characters, got 0"),
    (line(actor="li\x1b]0;pwned\x07ly"), "actor: an id or name has no control"),
    (line(address="x" * 2001), "address: text is at most 2000 characters, got 2001"),
    (line(address="上海\x1b[2J"), "address: text has no control characters other than line breaks and tabs"),
    (line(phone="call me"), "phone: a phone number is 5 to 20 digits"),
    (line(key="k\u00e9y"), "key: a key is 1 to 128 printable ASCII characters"),
    (line(key="k" * 129), "key: a key is 1 to 128 printable ASCII characters"),
    (line(lines=[]), "lines: at least one line is needed"),
    (line(payment="cash"), "payment: must be one of 'online' or 'bank_transfer', got \"cash\""),
    (json.dumps(dispatched("S-1", "O-1", "11-02 16:00", tracking=" SF0001")), "tracking_no: a tracking number is 4"),
    (json.dumps(dispatched("S-1", "O-1", "11-02 16:00", tracking="SF1")), "tracking_no: a tracking number is 4"),
    (json.dumps(rec("OrderNoted", "11-02 10:00", order_id="O-1", note=7)), "note: text must be a string, got 7"),
])
def test_values_outside_the_limits_are_invalid_input_named_in_plain_words(shop, text, message):
    before = shop.event_count()
    with pytest.raises(Exception) as caught:
        shop.append_lines([json.dumps(GOOD), text])
    error = caught.value
    assert (error.status, str(error).split(": ", 1)[0]) == (2, "line 2")
    assert message in str(error), str(error)
    assert "pydantic" not in str(error) and "Value error" not in str(error) and "type=" not in str(error)
    assert shop.event_count() == before


@pytest.mark.parametrize("key, message", [("address", "address: text is not valid Unicode text"),
                                            ("order_id", "order_id: is not valid Unicode text")])
def test_a_lone_surrogate_is_invalid_wherever_it_is(shop, key, message):
    text = line(**{key: "SURROGATE"}).replace("SURROGATE", "\\ud800")  # JSON's escape of a lone surrogate
    with pytest.raises(Exception) as caught:
        shop.append_lines([text])
    assert caught.value.status == 2 and message in str(caught.value)


def test_a_long_bad_value_is_quoted_by_its_first_80_characters(shop):
    with pytest.raises(Exception) as caught:
        shop.append_lines([line(phone="x" * 20_000_000)])
    message = str(caught.value)
    assert len(message) < 300 and message.endswith('x"...')


def test_the_limits_themselves_are_accepted(shop):
    shop.append_lines([line(at="1970-01-01T00:00:00+00:00", shipping_fee="99999999.99", order_id="O" * 64,
                            lines=[{"sku": "TEE", "quantity": 1_000_000, "unit_price": "0.00"}],
                            address="备注\r\n第二行\t", phone="+86 138-****-0000", key="k" * 128)])
    assert shop.event_count() == 1


def test_erased_is_accepted_in_any_personal_field_so_an_export_appends_again(shop):
    shop.append_lines([line(address="[erased]", phone="[erased]")])
    assert shop.event_count() == 1
