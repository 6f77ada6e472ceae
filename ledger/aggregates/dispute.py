"""A review dispute's stream: a neutral or negative review until it is settled or escalated."""
from __future__ import annotations

from ledger import rules
from ledger.aggregates.base import Aggregate
from ledger.events import NegativeReviewEscalated, NegotiationFailed, Record, ReviewPosted
from ledger.policy import Policy
from ledger.rules import refuse


class Dispute(Aggregate):
    prefix = "dispute"

    def __init__(self, stream: str):
        super().__init__(stream)
        self.dispute_id = stream.split(":", 1)[1]
        self.review: ReviewPosted | None = None

    @classmethod
    def post_review(cls, record: ReviewPosted) -> Dispute:
        dispute = cls(record.stream)
        dispute.trigger(record)
        return dispute

    def when_ReviewPosted(self, event: ReviewPosted) -> None:
        self.review = event

    def record(self, record: Record) -> Record:
        assert self.review is not None
        if not rules.opens_dispute(self.review.rating):
            raise refuse(f"review {self.dispute_id} is positive; it opens no dispute to record against")
        return self.trigger(record)

    def fail_negotiation(self, record: NegotiationFailed, policy: Policy) -> None:
        failure = self.record(record)
        self.decide(NegativeReviewEscalated, failure, rule=rules.ESCALATION,
                    policy_version=policy.version, dispute_id=self.dispute_id)
