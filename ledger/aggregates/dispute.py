"""A review dispute's stream: a neutral or negative review until it is settled or escalated."""
from __future__ import annotations

from ledger import rules
from ledger.aggregates.base import Aggregate, applies, handles, updates
from ledger.events import (
    BuyerContacted, DisputeSettled, NegativeReviewEscalated, NegotiationFailed, Record, ResolutionOffered,
    ReviewPosted,
)
from ledger.policy import Policy
from ledger.rules import refuse


class Dispute(Aggregate):
    prefix = "dispute"
    UNCHANGED = (BuyerContacted, ResolutionOffered, NegotiationFailed, DisputeSettled, NegativeReviewEscalated)

    def __init__(self, stream: str, version: int = 0):
        super().__init__(stream, version)
        self.dispute_id = self.name
        self.review: ReviewPosted | None = None

    @applies(ReviewPosted)
    def _posted(self, event: ReviewPosted) -> None:
        self.review = event

    @property
    def opened(self) -> ReviewPosted:
        return self.review

    @updates(BuyerContacted, ResolutionOffered, DisputeSettled)
    def record(self, record: Record, policy: Policy | None = None) -> Record:
        assert self.review is not None
        if not rules.opens_dispute(self.review.rating):
            raise refuse(f"review {self.dispute_id} is positive; it opens no dispute to record against")
        return self.trigger(record)

    @updates(NegotiationFailed)
    def fail_negotiation(self, record: NegotiationFailed, policy: Policy) -> None:
        failure = self.record(record)
        self.decide(NegativeReviewEscalated, failure, rule=rules.ESCALATION,
                    policy_version=policy.version, dispute_id=self.dispute_id)


# -- handlers --------------------------------------------------------------------------------

@handles(ReviewPosted)
def post_review(uow, record: ReviewPosted) -> None:
    uow.existing("order", record.order_id).check_not_before_opening(record)
    uow.register(record.dispute_id, "dispute", record.order_id)
    uow.emit(Dispute.start(record, uow.version_of(record.stream)))
