"""What every aggregate of the ledger shares: a stream id, a version, pending events, and how events
change its state."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, ClassVar, TypeVar

from ledger import rules
from ledger.events import Decision, Event, PlatformRefunded, Record, RefundApproved, RefundIssued
from ledger.values import ZERO

E = TypeVar("E", bound=Event)
Change = Callable[[Any, Any], None]
Handler = Callable[[Any, Any], None]  # (unit of work, record)
HANDLERS: dict[type[Record], Handler] = {}  # one per appendable record type
KINDS: dict[str, type[Aggregate]] = {}  # stream kind -> aggregate class


def handles(*record_types: type[Record]) -> Callable[[Handler], Handler]:
    """Registers the handler of these record types: which aggregates a record touches, in which order,
    and which ids it claims, through the unit of work (unit_of_work.py)."""
    def register(handler: Handler) -> Handler:
        for record_type in record_types:
            if record_type in HANDLERS:
                raise TypeError(f"{record_type.__name__} has two handlers")
            HANDLERS[record_type] = handler
        return handler

    return register


def applies(*event_types: type[Event]) -> Callable[[Change], Change]:
    """Marks the method that changes an aggregate's state for these event types."""
    def mark(method: Change) -> Change:
        method.applies = event_types  # type: ignore[attr-defined]
        return method

    return mark


def updates(*record_types: type[Record]) -> Callable[[Change], Change]:
    """Registers an aggregate's command as the handler of records on its existing stream: the unit of
    work finds the aggregate the record's stream names (an unknown id is refused), calls
    `command(aggregate, record, policy in force at the record)` and keeps the events it triggered."""
    def register(command: Change) -> Change:
        def handler(uow: Any, record: Record) -> None:
            aggregate = uow.existing(*record.stream_of())
            aggregate.check_not_before_opening(record)
            command(aggregate, record, uow.policy_at(record.at))
            uow.emit(aggregate)

        handles(*record_types)(handler)
        return command

    return register


class Aggregate:
    """State folded from one stream; commands check the rules and trigger events.

    `@applies(EventType)` methods change the state; `@updates(RecordType)` commands (and RECORDED) handle
    the records on the stream. An event type an aggregate neither applies nor
    lists in `UNCHANGED` is an error, so that a misspelt or forgotten handler cannot pass silently.
    """

    prefix: ClassVar[str]
    UNCHANGED: ClassVar[tuple[type[Event], ...]] = ()  # events of this stream that change no state
    RECORDED: ClassVar[tuple[type[Record], ...]] = ()  # records on an existing stream that no rule checks
    CHANGES: ClassVar[dict[type[Event], Change]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        KINDS[cls.prefix] = cls
        if cls.RECORDED:
            updates(*cls.RECORDED)(lambda aggregate, record, policy: aggregate.trigger(record))
        cls.CHANGES = {event_type: (lambda self, event: None) for event_type in cls.UNCHANGED}
        for klass in reversed(cls.__mro__):  # mixins' changes too (Refunds)
            for value in vars(klass).values():
                for event_type in getattr(value, "applies", ()):
                    cls.CHANGES[event_type] = value

    def __init__(self, stream: str, version: int = 0):
        """`version`: where a new aggregate's stream stands (above 0 only for a stream whose events a void
        left reading as none: its id was freed and is taken again)."""
        self.id = stream
        self.version = version
        self.pending: list[Event] = []

    @property
    def name(self) -> str:
        """The id the stream is named by: `O-1` of `order:O-1`."""
        return self.id.split(":", 1)[1]

    def apply(self, event: Event) -> None:
        try:
            change = self.CHANGES[type(event)]
        except KeyError:
            raise TypeError(f"{type(self).__name__} has no state change for {type(event).__name__}") from None
        change(self, event)
        self.version = max(self.version, event.originator_version)  # a void's replacement reads in its cause's place

    @property
    def opened(self) -> Record:
        """The record that opened the stream."""
        raise NotImplementedError

    def check_not_before_opening(self, record: Record) -> None:
        """No record on a stream is dated before the record that opened it (REF)."""
        rules.check_not_before(record, self.opened, f"{self.prefix} {self.name}")

    @classmethod
    def start(cls, record: Record, version: int) -> Any:
        """A new stream whose first event is `record`; `version`: the unit of work's `version_of` it."""
        aggregate = cls(record.stream, version)
        aggregate.trigger(record)
        return aggregate

    @classmethod
    def extend(cls, uow: Any, record: Record) -> Any:
        """`record` appended to its stream through the unit of work, the stream opened if it has no events
        yet (a SKU's, a staff member's, the fund's)."""
        aggregate = uow.get(record.stream) or cls(record.stream, uow.version_of(record.stream))
        aggregate.trigger(record)
        uow.emit(aggregate)
        return aggregate

    def trigger(self, event: E) -> E:
        """A record decided again (replay, a void's recompute) keeps when it was recorded (AU-4)."""
        stamp = {"originator_id": self.id, "originator_version": self.version + 1,
                 "timestamp": event.timestamp if event.originator_id else datetime.now(timezone.utc)}
        if event.originator_id:
            stamped = event.model_copy(update=stamp)
        else:  # a record just read or a decision just made belongs to no stream yet: stamped as it is, not copied
            stamped = event
            stamped.__dict__.update(stamp)
        self.apply(stamped)
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


class Refunds:
    """What a case or a cancelled order has approved for refund and paid back; a refund above the approved
    amount not yet refunded is refused."""

    refund_approved = ZERO
    refunded = ZERO
    platform_paid = ZERO  # PF-1: what the platform paid back, counted as refunded

    @applies(RefundApproved)
    def _refund_approved(self, event: RefundApproved) -> None:
        self.refund_approved = event.amount

    @applies(RefundIssued)
    def _refund_issued(self, event: RefundIssued) -> None:
        self.refunded += event.amount

    @applies(PlatformRefunded)
    def _platform_refunded(self, event: PlatformRefunded) -> None:
        self.refunded += event.amount
        self.platform_paid += event.amount

    def take_platform_refund(self, record: PlatformRefunded, policy: Any) -> None:
        """PF-1: the platform's refund is a fact, taken whatever the shop had approved: the approved refund is
        raised to at least what the platform has paid in all, and the refund counts as paid."""
        self.keep_platform_floor(self.trigger(record), policy)

    def keep_platform_floor(self, cause: Event, policy: Any) -> None:
        """PF-1, after a refund the platform paid or an approval of the shop's: never less approved than the
        platform has paid back."""
        raised = rules.platform_approval(self.refund_approved, self.platform_paid)
        if raised is not None:
            self.decide(RefundApproved, cause, rule=rules.platform_approval.rule, policy_version=policy.version,
                        **{f"{self.prefix}_id": self.name}, amount=raised)

    def take_refund(self, record: RefundIssued) -> None:
        rules.check_refund_approved(f"{self.prefix} {self.name}", record.amount, self.refund_approved,
                                    self.refunded)
        self.trigger(record)
