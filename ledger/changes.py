"""Facts that changed on the platform between two daily exports, recorded as their change (SPEC section 11):
an export shows each order's current state, so an address, a seller's memo or a tracking number corrected in
the seller centre since the last import would otherwise be refused under its stored key (KEY) or dropped.

    a new address or phone   -> `AddressChanged` (VO-2: the address is to be confirmed again); once the order
                                is dispatched, which VO-2 refuses, an `OrderNoted` of what the platform shows
    a new memo or message    -> a new `OrderNoted`
    a corrected tracking no. -> `RecordVoided` of the first dispatch, then the new dispatch (VO-1)

Each change's key names what it changes to, so that the next export, which shows the same, stores nothing.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import orjson

from ledger.index import Lookups

OUTCOMES = ("ParcelDelivered", "ParcelReturnedToSender", "ParcelLost")


def digest(*values: str) -> str:
    return hashlib.sha256("\x1f".join(values).encode()).hexdigest()[:12]


def as_changes(ledger: Any, records: list[tuple[dict, Any]], at: str) -> list[tuple[dict, Any]]:
    """The import's records with what it would refuse under a stored key as the change it is; `at`: when the
    change is taken to be known (the import's --as-of: the export does not say when it happened)."""
    with ledger.recorder.reading() as cursor:
        stored = Lookups(ledger.recorder.sql_cursor(cursor)).keyed([record["key"] for record, _ in records])
    orders = {record["order_id"] for record, _ in records if record["type"] in ("OrderPlaced", "OrderNoted",
                                                                               "ParcelDispatched")
              and record.get("order_id")}
    histories = {order: _history(ledger, order) for order in orders if ledger.reader.kind_of(order)}
    changed: list[tuple[dict, Any]] = []
    for record, source in records:
        history = histories.get(record.get("order_id"))
        if history is None:
            changed.append((record, source))
        elif record["key"] in stored:
            record = _as_imported_before(record, history)
            changes = _changes(record, history, at)
            changed += [(record, source)] if changes is None else [(change, source) for change in changes]
        elif record["type"] == "ParcelDispatched":
            changed += [(void, source) for void in _corrected(record, history, at)] + [(record, source)]
        else:
            changed.append((record, source))
    return changed


def with_stored_times(ledger: Any, records: list[tuple[dict, Any]], now: str) -> list[tuple[dict, Any]]:
    """The import's records, each one the report gave no time for (dated `now`, the import's --as-of) and
    that is stored already taking its stored time: the next day's export shows the same fact, which --as-of
    would otherwise date anew, and KEY refuse. The stored time is read as stored, no personal field opened."""
    keys = [record["key"] for record, _ in records if record["at"] == now]
    if not keys:
        return records
    with ledger.recorder.reading() as cursor:
        stored = Lookups(ledger.recorder.sql_cursor(cursor)).keyed(keys)
    times = {}
    for key, (stream, version) in stored.items():
        times[key] = next(orjson.loads(bytes(state))["at"] for _, _, stored_version, _, state
                          in ledger.reader.rows_of([stream]) if stored_version == version)
    return [({**record, "at": times[record["key"]]} if record["key"] in times else record, source)
            for record, source in records]


def _history(ledger: Any, order: str) -> list[Any]:
    """The order's events as records (personal fields opened), its shipments' included."""
    return [event for _, event in ledger.events_of(ledger.streams_of(order))]


def _as_imported_before(record: dict, history: list[Any]) -> dict:
    """An order imported before buyers had pseudonyms keeps the buyer's name as its customer id."""
    if record["type"] != "OrderPlaced":
        return record
    placed = next(e for e in history if getattr(e, "key", None) == record["key"])
    if placed.buyer_name is None and placed.customer_id == record["buyer_name"]:
        return {**{k: v for k, v in record.items() if k != "buyer_name"}, "customer_id": placed.customer_id}
    return record


def _changes(record: dict, history: list[Any], at: str) -> list[dict] | None:
    """What a record under a stored key changes, as records of the change; [] when it shows what the ledger
    has since a change; None to leave it to the unit of work (stored as it is: skipped; else refused, KEY)."""
    base = {"at": at, "actor": record["actor"], "role": record["role"], "order_id": record["order_id"]}
    if record["type"] == "OrderPlaced":
        address, phone = _latest_address(history)
        placed = next(e for e in history if getattr(e, "key", None) == record["key"])
        if (record["address"], record["phone"]) == (address, phone):
            return None if (placed.address, placed.phone) == (address, phone) else []
        key = f"{record['key']}:address:{digest(record['address'], record['phone'])}"
        if any(type(e).__name__ == "ParcelDispatched" for e in history):  # VO-2: too late to send it elsewhere,
            return [{"type": "OrderNoted", **base, "key": key,  # so what the platform shows is kept as a note
                     "note": f"the platform shows a new address after dispatch: {record['address']}, "
                             f"{record['phone']}"}]
        return [{"type": "AddressChanged", **base, "address": record["address"], "phone": record["phone"],
                 "key": key}]
    if record["type"] == "OrderNoted":
        notes = {event.key: event.note for event in history if type(event).__name__ == "OrderNoted"}
        if notes.get(record["key"]) == record["note"]:
            return None
        if record["note"] in notes.values():
            return []
        return [{"type": "OrderNoted", **base, "note": record["note"],
                 "key": f"{record['key']}:{digest(record['note'])}"}]
    return None


def _latest_address(history: Iterable[Any]) -> tuple[str, str]:
    found = ("", "")
    for event in sorted((e for e in history if type(e).__name__ in ("OrderPlaced", "AddressChanged")),
                        key=lambda e: e.at):
        found = (event.address, event.phone)
    return found


def _corrected(record: dict, history: list[Any], at: str) -> list[dict]:
    """The voids of an order's imported dispatches that the export no longer shows: their tracking number was
    corrected in the seller centre. A parcel that was delivered, returned or lost is left as it is."""
    prefix = record["key"].rsplit(":", 1)[0] + ":"  # taobao:dispatched:ORDER:
    ended = {e.shipment_id for e in history if type(e).__name__ in OUTCOMES}
    voided = {e.record for e in history if type(e).__name__ == "RecordVoided"}
    return [{"type": "RecordVoided", "at": at, "actor": record["actor"], "role": record["role"],
             "record": event.key, "reason": f"tracking number corrected on the platform: {event.tracking_no} -> "
                                            f"{record['tracking_no']}", "key": f"{event.key}:corrected"}
            for event in history if type(event).__name__ == "ParcelDispatched" and event.key
            and event.key.startswith(prefix) and event.key not in voided and event.shipment_id not in ended]
