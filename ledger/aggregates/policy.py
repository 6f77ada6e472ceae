"""The policy stream: which policy is in force at a given business time."""
from __future__ import annotations

from datetime import datetime

from ledger import rules
from ledger.aggregates.base import Aggregate, applies, handles
from ledger.events import PolicyAdopted
from ledger.policy import DEFAULT, Policy


class PolicyBook(Aggregate):
    prefix = "policy"

    def __init__(self, stream: str = "policy", fixed: Policy | None = None):
        super().__init__(stream)
        self.adopted: list[tuple[datetime, Policy]] = []  # sorted by business time
        self.fixed = fixed  # a what-if policy in force over the whole history

    @applies(PolicyAdopted)
    def _adopted(self, event: PolicyAdopted) -> None:
        # The keys not given keep the values of the policy it replaces: the one in force at its `at`.
        replaced = self.in_force(event.at)
        policy = replaced.replace(event.params.model_copy(update={"version": event.version}))
        self.adopted.append((event.at, policy))
        self.adopted.sort(key=lambda item: item[0])

    def in_force(self, at: datetime) -> Policy:
        if self.fixed is not None:
            return self.fixed
        policy = DEFAULT
        for adopted_at, adopted in self.adopted:
            if adopted_at > at:
                break
            policy = adopted
        return policy

    def latest(self) -> Policy:
        if self.fixed is not None:
            return self.fixed
        return self.adopted[-1][1] if self.adopted else DEFAULT


# -- handlers --------------------------------------------------------------------------------

@handles(PolicyAdopted)
def adopt_policy(uow, record: PolicyAdopted) -> None:
    rules.check_supervisor(type(record).__name__, record.role)
    uow.policies.trigger(record)
    uow.emit(uow.policies)
