"""The policy stream: which policy is in force at a given business time."""
from __future__ import annotations

from datetime import datetime

from ledger import rules
from ledger.aggregates.base import Aggregate, applies, handles
from ledger.events import PolicyAdopted
from ledger.policy import WHAT_IF, Policy, PolicyParams, default_policy


class PolicyBook(Aggregate):
    prefix = "policy"

    def __init__(self, stream: str = "policy", version: int = 0):
        super().__init__(stream, version)
        self.adopted: list[tuple[datetime, Policy]] = []  # sorted by business time
        self.overlay: PolicyParams | None = None  # a what-if's keys, over whatever policy is in force
        self._overlaid: dict[int, Policy] = {}

    def with_overlay(self, overlay: PolicyParams | None) -> PolicyBook:
        self.overlay = overlay
        return self

    @applies(PolicyAdopted)
    def _adopted(self, event: PolicyAdopted) -> None:
        self.adopt(event.at, event.version, event.params.given())

    def adopt(self, at: datetime, version: str, params: dict) -> None:
        """A policy adopted at `at` (the views' projector passes its stored params). The keys not given keep
        the values of the policy it replaces: the one in force at `at`."""
        policy = self._adopted_at(at).replace(PolicyParams.model_validate({**params, "version": version}))
        self.adopted.append((at, policy))
        self.adopted.sort(key=lambda item: item[0])

    def _adopted_at(self, at: datetime) -> Policy:
        policy = default_policy()
        for adopted_at, adopted in self.adopted:
            if adopted_at > at:
                break
            policy = adopted
        return policy

    def _overlay(self, policy: Policy) -> Policy:
        """The what-if's keys over `policy`, the rest kept; its version is the what-if's."""
        if self.overlay is None:
            return policy
        if id(policy) not in self._overlaid:
            self._overlaid[id(policy)] = policy.replace(self.overlay, default_version=WHAT_IF)
        return self._overlaid[id(policy)]

    def in_force(self, at: datetime) -> Policy:
        return self._overlay(self._adopted_at(at))

    def latest(self) -> Policy:
        return self._overlay(self.adopted[-1][1] if self.adopted else default_policy())


# -- handlers --------------------------------------------------------------------------------

@handles(PolicyAdopted)
def adopt_policy(uow, record: PolicyAdopted) -> None:
    rules.check_supervisor(type(record).__name__, record.role)
    uow.policies.trigger(record)
    uow.emit(uow.policies)
