"""What every aggregate of the ledger shares: a stream id, a version, and pending events."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import TypeVar

from ledger.events import Decision, Event, Record

E = TypeVar("E", bound=Event)


class Aggregate:
    """State folded from one stream; commands check the rules and trigger events.

    Events know how to mutate an aggregate (`Event.mutate`), so eventsourcing's
    repository rebuilds these with its default projector.
    """

    def __init__(self, stream: str):
        self.id = stream
        self.version = 0
        self.pending: list[Event] = []

    def apply(self, event: Event) -> None:
        handler = getattr(self, f"when_{type(event).__name__}", None)
        if handler is not None:
            handler(event)

    def trigger(self, event: E) -> E:
        stamped = event.model_copy(update={
            "originator_id": self.id,
            "originator_version": self.version + 1,
            "timestamp": datetime.now(timezone.utc),
        })
        stamped.mutate(self)
        self.pending.append(stamped)
        return stamped

    def decide(self, decision_class: type[Decision], cause: Record, *, rule: str, policy_version: str,
               rests_on: tuple[str, ...] = (), **fields: object) -> Decision:
        """Trigger a decision; it carries its cause's time, actor and role."""
        return self.trigger(decision_class(
            at=cause.at, actor=cause.actor, role=cause.role, rule=rule, policy_version=policy_version,
            caused_by=cause.ref, rests_on=rests_on, **fields,
        ))

    def collect_events(self) -> list[Event]:
        events, self.pending = self.pending, []
        return events
