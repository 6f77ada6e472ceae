"""RV-3 escalation, and PolicyAdopted (AU-1 and the policy in force)."""
from __future__ import annotations

from datetime import datetime, timezone

from ledger.policy import default_policy
from tests.shop import contacted, negotiation_failed, offered, policy, review, settled, shipped_order


def test_rv3_failed_negotiation_escalates_to_the_supervisor(shop):
    """RV-3: `NegotiationFailed` emits `NegativeReviewEscalated`."""
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
    """AU-1: `PolicyAdopted` is accepted only from role `supervisor`."""
    error = shop.refused(policy("v2", "11-01 00:00", role="shipping_clerk", return_window_days=10))
    assert (error.status, error.error.rule) == (3, "AU-1")


def test_policy_keys_not_given_keep_the_values_of_the_policy_it_replaces(shop):
    """Section 6: a `PolicyAdopted` may give any subset of the keys; the others keep the values of the policy it
    replaces."""
    shop.append(policy("v2", "11-01 00:00", return_window_days=10),
                policy("v3", "11-05 00:00", review_contact_hours=12))
    book = shop.policy_book()
    v3 = book.in_force(datetime(2026, 11, 6, tzinfo=timezone.utc))
    assert (v3.version, v3.return_window_days, v3.review_contact_hours) == ("v3", 10, 12)
    before = book.in_force(datetime(2026, 10, 31, tzinfo=timezone.utc))
    assert before == default_policy()


def test_policy_with_an_unknown_key_is_invalid(shop):
    error = shop.refused(policy("v2", "11-01 00:00", return_days=10))
    assert error.status == 2 and "params.return_days" in str(error)


def test_records_after_a_settled_dispute_are_accepted_and_each_failure_escalates(shop):
    shop.append(shipped_order(), review("D-1", "O-1", "11-05 10:00"), settled("D-1", "11-05 12:00"),
                negotiation_failed("D-1", "11-06 10:00"), negotiation_failed("D-1", "11-07 10:00"))
    assert shop.decisions("D-1") == [("NegativeReviewEscalated", "RV-3")] * 2
