"""A record type's form as the desk draws it from the record's model, and how a submitted form is read."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from ledger.aggregates import RECORD_TYPES
from ledger.desk import forms
from ledger.messages import speaking
from ledger.reading import Invalid
from ledger.rules import SUPERVISOR_RECORDS

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 16, 2, 0, tzinfo=timezone.utc)


def fields(type_: str, **given: str) -> dict[str, forms.Field]:
    with speaking("zh"):
        return {f.name: f for f in forms.fields_of(type_, given, ZONE, proposed="C-1100")}


def test_a_choice_offers_its_values_with_the_shop_s_words():
    method = fields("ReturnParcelReceived")["method"]
    assert method.kind == "choice" and method.required
    assert ("freight_collect", "到付") in method.choices and ("express", "快递") in method.choices


def test_a_flag_is_yes_or_no_and_money_and_lines_are_typed():
    ruled = fields("SupervisorRuled")
    assert ruled["accept_parcel"].choices == [("true", "是"), ("false", "否")]
    assert ruled["refund"].kind == "money"
    assert fields("OrderPlaced")["lines"].kind == "lines" and fields("OrderPlaced")["address"].kind == "long"


def test_at_defaults_to_now_in_the_shop_s_time_and_actor_and_role_are_the_account_s():
    given = fields("OrderNoted")
    assert "actor" not in given and "role" not in given
    assert datetime.strptime(given["at"].value, "%Y-%m-%dT%H:%M")
    assert given["key"].kind == "hidden" and given["key"].value.startswith("desk:")
    assert fields("OrderNoted", key="desk:kept")["key"].value == "desk:kept"


def test_a_staff_record_s_role_is_the_account_s_it_names():
    role = fields("StaffRoleChanged")["role"]
    assert role.kind == "choice" and ("shipping_clerk", "发货") in role.choices


def test_the_new_record_s_id_is_proposed_and_a_typed_one_kept():
    assert fields("ReturnRequested")["case_id"].value == "C-1100"
    assert fields("ReturnRequested", case_id="C-7")["case_id"].value == "C-7"
    assert fields("ReturnInspected")["case_id"].value == ""  # an existing case: nothing proposed


def test_a_form_is_read_as_add_reads_its_words():
    record = forms.record_of("RefundIssued", {"case_id": "C-1", "amount": "89", "at": "2026-11-16T10:00",
                                              "key": "desk:1", "actor": "someone-else"},
                             now=NOW, zone=ZONE, actor="lily", role="customer_service")
    assert record == {"type": "RefundIssued", "at": "2026-11-16T10:00:00+08:00", "actor": "lily",
                      "role": "customer_service", "case_id": "C-1", "amount": "89.00", "key": "desk:1"}
    with pytest.raises(Invalid, match="more than a day ahead"):
        forms.record_of("OrderNoted", {"order_id": "O-1", "note": "x", "at": "2026-11-20T10:00"}, now=NOW,
                        zone=ZONE, actor="lily", role="customer_service")


@pytest.mark.parametrize("message, field", [
    ("lines: write each line as SKU:QUANTITY or SKU:QUANTITY:PRICE, got 'x'", "lines"),
    ("lines.0.quantity: must be a whole number", "lines"),
    ("missing key 'phone'", "phone"),
    ("amount: money is written with two decimals", "amount"),
    ("REF (a record the ledger cannot take): no order O-9", None),
    ("nobody: not a key of the form", None),
])
def test_a_message_is_shown_beside_the_field_it_names(message, field):
    assert forms.field_named(message, ["lines", "phone", "amount", "order_id"]) == field


def test_the_supervisor_s_records_have_no_form_for_others():
    for role in ("customer_service", "shipping_clerk", "system"):
        assert not SUPERVISOR_RECORDS & set(forms.types_for(role))
    assert SUPERVISOR_RECORDS - forms.NO_FORM <= set(forms.types_for("supervisor"))
    assert set(forms.types_for("supervisor")) == set(RECORD_TYPES) - forms.NO_FORM


def test_every_record_type_with_a_form_has_a_chinese_name_and_headed_keys():
    from ledger.messages import HEADINGS, SHOWN
    from ledger.typed import keys_of

    for type_ in forms.types_for("supervisor"):
        assert type_ in SHOWN["type"], type_
        for key in keys_of(RECORD_TYPES[type_]):
            assert key in HEADINGS or key in ("actor",), (type_, key)
