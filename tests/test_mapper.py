"""The pydantic/orjson mapper: what an event becomes in the store and back."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import ClassVar

from eventsourcing.persistence import StoredEvent

from ledger.events import Event, RefundApproved
from ledger.mapper import OrjsonTranscoder, PydanticMapper


def mapper() -> PydanticMapper:
    return PydanticMapper(transcoder=OrjsonTranscoder())


def test_mapper_round_trips_decimal_money_and_aware_times():
    at = datetime(2026, 11, 2, 10, 15, tzinfo=timezone(timedelta(hours=8)))
    event = RefundApproved(originator_id="case:C-1", originator_version=3, timestamp=at, at=at, actor="zhao",
                           role="supervisor", rule="AU-1", policy_version="default", caused_by="case:C-1@2",
                           case_id="C-1", amount=Decimal("99.50"))
    stored = mapper().to_stored_event(event)
    assert b'"amount":"99.50"' in stored.state and b"+08:00" in stored.state
    back = mapper().to_domain_event(stored)
    assert back == event
    assert back.amount == Decimal("99.50") and back.at.utcoffset() == timedelta(hours=8)


class Noted(Event):
    """A version-2 event whose v1 lacked `priority`."""

    class_version: ClassVar[int] = 2
    text: str
    priority: int

    @staticmethod
    def upcast_v1_v2(state: dict) -> None:
        state["priority"] = 0


def test_mapper_upcasts_old_versions_and_marks_new_ones():
    at = "2026-11-02T10:15:00+08:00"
    old = StoredEvent(originator_id="order:O-1", originator_version=1,
                      topic=f"{__name__}:Noted",
                      state=f'{{"at":"{at}","actor":"a","role":"system","timestamp":"{at}","text":"x"}}'.encode())
    event = mapper().to_domain_event(old)
    assert (event.text, event.priority) == ("x", 0)
    assert b'"class_version":2' in mapper().to_stored_event(event).state
