"""Corrections on a store (SPEC section 13): after a void every view reads as if the record had never been
appended, on both stores, through append, rebuild and export; an address change is sealed like the order's."""
from __future__ import annotations

import json
from datetime import datetime

import pytest

from ledger.mapper import record_json
from tests import shop as s

T = datetime.fromisoformat("2026-11-20T12:00:00+08:00")


def every_view(shop: s.Shop) -> tuple:
    ledger = shop.ledger
    return (ledger.stock(), ledger.liability(), ledger.breaches(T), ledger.kpi("day", T, staff=True), ledger.fund(),
            ledger.reader.due(T))


def parcels(twice: bool) -> list[dict]:
    story = [*s.shipped_order(), s.requested("C-1", "O-1", "11-05 10:00", reason="quality"),
             s.parcel_received("C-1", "11-06 10:00", postage="15.00", tracking="YT-1")]
    return story + [s.parcel_received("C-1", "11-06 10:20", postage="15.00", tracking="YT-1")] if twice else story


def test_a_parcel_entered_twice_and_voided_leaves_the_postage_once(shop, new_store):
    story = parcels(twice=True)
    shop.append(story)
    case = shop.ledger.liability(case_id="C-1")["cases"][0]
    assert case["return_postage"] == "30.00"
    shop.append(s.voided(story[-1], "11-06 11:00", actor="wang", role="shipping_clerk"))
    assert shop.ledger.liability(case_id="C-1")["cases"][0]["return_postage"] == "15.00"
    never = s.Shop(new_store())
    never.append(parcels(twice=False))
    assert every_view(shop) == every_view(never)


def test_a_voided_stock_receipt_under_an_order_reads_as_never_received(shop, new_store):
    receipt = s.stock("TEE", 20, "11-01 09:00")
    story = [s.stock("TEE", 12), receipt, *s.shipped_order()]
    shop.append(story)
    assert shop.ledger.stock("TEE")[0]["on_hand"] == 30
    shop.append(s.voided(receipt, "11-03 09:00"))
    never = s.Shop(new_store())
    never.append([r for r in story if r is not receipt])
    assert shop.ledger.stock("TEE")[0]["on_hand"] == 10 and every_view(shop) == every_view(never)


def test_views_after_a_void_survive_rebuild_and_export(shop, new_store):
    story = parcels(twice=True)
    shop.append(story)
    shop.append(s.placed("O-2", "11-02 10:00"), s.confirmed("O-2", "11-02 10:05"),
                s.address_changed("O-2", "11-02 10:30"), s.dispatched("S-2", "O-2", "11-02 16:00"))
    shop.append(s.voided(story[-1], "11-06 11:00"))
    after = every_view(shop)
    shop.ledger.rebuild_views()
    assert every_view(shop) == after
    copy = s.Shop(new_store())
    exported = [json.dumps(record_json(r), ensure_ascii=False) for r in shop.ledger.records()]
    assert any('"RecordVoided"' in line for line in exported) and any('"AddressChanged"' in line for line in exported)
    copy.ledger.append(exported)
    assert every_view(copy) == after
    history = copy.ledger.history("O-1")[1].history_json()["events"]
    void = next(e for e in history if e["type"] == "RecordVoided")
    assert [(e["type"], e["voided_by"]) for e in history if "voided_by" in e] == [
        ("ReturnParcelReceived", void["position"])]


def test_a_changed_address_unconfirmed_at_dispatch_is_a_breach(shop):
    shop.append(s.placed("O-1", "11-02 10:00"), s.confirmed("O-1", "11-02 10:05"),
                s.address_changed("O-1", "11-02 11:00"), s.dispatched("S-1", "O-1", "11-02 16:00"))
    assert [(b["kind"], b["subject"]) for b in shop.ledger.breaches(T)] == [("address_unconfirmed", "O-1")]


def test_a_confirmation_after_the_change_counts_whatever_order_they_came_in(shop):
    shop.append(s.placed("O-1", "11-02 10:00"), s.dispatched("S-1", "O-1", "11-02 16:00"),
                s.confirmed("O-1", "11-02 11:30"), s.confirmed("O-1", "11-02 10:05"))
    shop.append(s.placed("O-2", "11-02 10:00"), s.confirmed("O-2", "11-02 11:30"),
                s.address_changed("O-2", "11-02 11:00"), s.dispatched("S-2", "O-2", "11-02 16:00"))
    assert shop.ledger.breaches(T) == []


def test_forget_erases_the_changed_address_too(shop):
    shop.append(s.placed("O-1", "11-02 10:00", customer="CU-9"), s.address_changed("O-1", "11-02 11:00"))
    shop.ledger.forget("CU-9", "zhao", "supervisor", "asked")
    changed = [e for _, e in shop.ledger.events_of(["order:O-1"]) if type(e).__name__ == "AddressChanged"][0]
    assert (changed.address, changed.phone) == ("[erased]", "[erased]")
    stored = shop.raw("SELECT state FROM {events} WHERE originator_id = 'order:O-1' AND originator_version = 2")
    assert "北京市" not in bytes(stored[0][0]).decode(errors="replace")


@pytest.mark.parametrize("field", ["address", "phone"])
def test_an_order_entered_again_with_another_address_names_the_field(shop, field):
    order = s.placed("O-1", "11-02 10:00")
    shop.append(order)
    error = shop.refused({**order, field: "北京市朝阳区建国路88号" if field == "address" else "13900000001"})
    assert error.status == 3 and f"is stored with other values: {field};" in str(error)


def test_replay_with_a_policy_treats_a_voided_record_as_never_appended(shop):
    from ledger.policy import PolicyParams
    from ledger.whatif import what_if

    first = s.dispatched("S-1", "O-1", "11-02 16:00", {"TEE": 1})
    shop.append(s.placed("O-1", "11-02 10:00"), s.confirmed("O-1", "11-02 10:05"), first,
                s.dispatched("S-2", "O-1", "11-03 10:00", {"TEE": 1}))
    shop.append(s.voided(first, "11-03 11:00"))
    with what_if(shop.ledger, PolicyParams()) as found:
        assert list(found.changes) == [] and set(found.counts.values()) == {0}


def jsonl(*records: dict) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def test_ledger_void_by_position_and_by_key_from_the_command_line(run_cli):
    first = s.dispatched("S-1", "O-1", "11-02 16:00", {"TEE": 1})
    assert run_cli("append", "-", stdin=jsonl(s.placed("O-1", "11-02 10:00"), s.confirmed("O-1", "11-02 10:05"),
                                              first, s.dispatched("S-2", "O-1", "11-03 10:00", {"TEE": 1}))
                   ).returncode == 0
    refused = run_cli("void", "3", "--reason", "typo", "--actor", "lily", "--role", "customer_service")
    assert refused.returncode == 3 and refused.stderr.startswith("AU-1: record 3 was appended by wang")
    decision = run_cli("void", "4", "--reason", "typo", "--actor", "zhao", "--role", "supervisor")
    assert decision.returncode == 3 and "REF: record 4 (ShippedSameDay) cannot be voided" in decision.stderr
    nothing = run_cli("void", "99", "--reason", "typo", "--role", "supervisor")
    assert nothing.returncode == 3 and "REF: no record at position 99" in nothing.stderr
    both = run_cli("void", "3", "--key", "k", "--reason", "typo")
    assert both.returncode == 2
    done = run_cli("void", "3", "--reason", "entered on the wrong order", "--actor", "wang", "--role",
                   "shipping_clerk")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "voided record 3 (ParcelDispatched); 1 decision(s) withdrawn, 1 stored in their place\n"
    explained = json.loads(run_cli("explain", "O-1", "--json").stdout)["decisions"]
    withdrawn = next(d for d in explained if d["position"] == 4)
    replacement = next(d for d in explained if d["type"] == "ShippedLate")
    assert withdrawn["voided_by"] == 6 and withdrawn["replaced_by"] == [replacement["position"]]
    # the order, its confirmation, the later dispatch that caused it, and the void it was stored by
    assert [b["position"] for b in replacement["rests_on"]] == [1, 2, 5, 6]
    text = run_cli("explain", "O-1").stdout
    assert f"withdrawn; in its place: #{replacement['position']}" in text
    history = run_cli("history", "O-1").stdout
    assert "ParcelDispatched" in history and "[voided by #6]" in history
    freed = run_cli("history", "S-1")  # the id is free again, its stream still there to read
    assert freed.returncode == 0 and "RecordVoided" in freed.stdout
    again = run_cli("void", "--key", s.key_of(first), "--reason", "again", "--role", "supervisor")
    assert again.returncode == 3 and "REF: record 3 (ParcelDispatched) is already voided" in again.stderr
