"""RV-3 escalation, PolicyAdopted (AU-1 and the policy in force), and the mapper's round trip."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import ClassVar

from eventsourcing.persistence import StoredEvent

from ledger.events import Event, RefundApproved
from ledger.persistence import OrjsonTranscoder, PydanticMapper
from ledger.policy import DEFAULT
from tests.shop import contacted, negotiation_failed, offered, policy, review, settled, shipped_order


def test_rv3_failed_negotiation_escalates_to_the_supervisor(shop):
    shop.append(shipped_order(), review("D-1", "O-1", "11-05 10:00"), contacted("D-1", "11-05 12:00"),
                offered("D-1", "11-05 12:10"), negotiation_failed("D-1", "11-06 10:00"))
    escalated = shop.decision("D-1", "NegativeReviewEscalated")
    assert (escalated.rule, escalated.caused_by) == ("RV-3", "dispute:D-1@4")
    assert (escalated.actor, escalated.role) == ("lily", "customer_service")


def test_rv3_settled_dispute_has_no_escalation(shop):
    shop.append(shipped_order(), review("D-1", "O-1", "11-05 10:00", rating="neutral"),
                contacted("D-1", "11-05 12:00"), settled("D-1", "11-05 18:00"))
    assert shop.decisions("D-1") == []


def test_au1_policy_adopted_only_from_a_supervisor(shop):
    error = shop.refused(policy("v2", "11-01 00:00", role="shipping_clerk", return_window_days=10))
    assert (error.status, error.error.rule) == (3, "AU-1")


def test_policy_keys_not_given_keep_the_values_of_the_policy_it_replaces(shop):
    shop.append(policy("v2", "11-01 00:00", return_window_days=10),
                policy("v3", "11-05 00:00", review_contact_hours=12))
    book = shop.ledger.policy_book()
    v3 = book.in_force(datetime(2026, 11, 6, tzinfo=timezone.utc))
    assert (v3.version, v3.return_window_days, v3.review_contact_hours) == ("v3", 10, 12)
    before = book.in_force(datetime(2026, 10, 31, tzinfo=timezone.utc))
    assert before == DEFAULT


def test_policy_with_an_unknown_key_is_invalid(shop):
    error = shop.refused(policy("v2", "11-01 00:00", return_days=10))
    assert error.status == 2 and "params.return_days" in str(error)


# the pydantic/orjson mapper ---------------------------------------------------------------------

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


def test_records_after_a_settled_dispute_are_accepted_and_each_failure_escalates(shop):
    shop.append(shipped_order(), review("D-1", "O-1", "11-05 10:00"), settled("D-1", "11-05 12:00"),
                negotiation_failed("D-1", "11-06 10:00"), negotiation_failed("D-1", "11-07 10:00"))
    assert shop.decisions("D-1") == [("NegativeReviewEscalated", "RV-3")] * 2
