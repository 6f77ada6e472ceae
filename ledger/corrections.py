"""Corrections (SPEC section 13): how a void is decided and how voided events are read.

A void never rewrites the history. It marks what reads as never appended (the voided record, the decisions
withdrawn) and stores the decisions that hold without the record, each marked as following the record that
caused it in the recompute (`ledger_voided`, index.py). Everything that reads a stream for the rules, and the
views' rebuild, reads it "in effect": marked events left out, a stored replacement in its cause's place,
read as caused by that cause. So the rules and the views see the history the void describes, without the
record, and the log keeps both.

The recompute re-decides the voided record's family (the streams whose decisions can rest on it: an order
with its parcels, cases and reviews; a SKU; the staff side; everything, for a policy) in a scratch unit of
work over the store with the family hidden, record by record in position order (ADR 19).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ledger import rules
from ledger.events import (
    BackupTaken, CustomerForgotten, Decision, DecisionWithdrawn, Event, Record, RecordVoided,
)
from ledger.index import CLAIM_TABLES
from ledger.messages import say
from ledger.rules import Refused, refuse
from ledger.values import ERASED

MOVED = object()
BOOKKEEPING = frozenset({"originator_id", "originator_version", "timestamp", "signed_in", "key"})


def in_effect(positioned: Iterable[tuple[int, Event]], marks: dict[tuple[str, int], int | None]
              ) -> list[tuple[int, Event]]:
    """Events (with their positions) as the rules read them: those marked void left out, a decision a void
    stored read at its cause's place and as caused by it."""
    if not marks:
        return list(positioned)
    kept = []
    for position, event in positioned:
        mark = marks.get((event.originator_id, event.originator_version), MOVED)
        if mark is None:
            continue
        if mark is MOVED:
            kept.append(((position, position), event))
        else:
            kept.append(((mark, position), event.model_copy(update=as_caused(event.rests_on))))
    kept.sort(key=lambda item: item[0])
    return [(place[1], event) for place, event in kept]


def streams_in_effect(found: dict[str, list[tuple[int, Event]]], marks: dict[tuple[str, int], int | None]
                      ) -> dict[str, list[Event]]:
    """Each stream's events (positioned, as stored) as the rules read them: a session's `events`."""
    return {stream: [event for _, event in in_effect(events, marks)] for stream, events in found.items()}


def as_caused(rests_on: Any) -> dict[str, Any]:
    """A stored replacement names the record that caused it first among what it rests on."""
    return {"caused_by": rests_on[0], "rests_on": tuple(rests_on[1:])}


def as_read(state: dict, follows: int | None) -> dict:
    """A stored event's state as the views read it: a void's replacement as caused by its cause."""
    if follows is not None:
        state.update(as_caused(state["rests_on"]))
    return state


def effective_pages(recorder: Any, cursor: Any, topics: list[str], size: int = 1000
                    ) -> Iterator[list[tuple[Any, int | None]]]:
    """The log in effect, a page at a time, through the caller's cursor (inside its transaction): each
    event of the given topics with the position its replacement follows (None for the others), those
    marked void left out, a replacement right after the record it follows."""
    c = recorder.sql_cursor(cursor)
    c.execute("SELECT stream, version, follows FROM ledger_voided")
    marks = {(stream, version): follows for stream, version, follows in c.fetchall()}
    columns = f"SELECT {recorder.POSITION}, originator_id, originator_version, topic, state FROM {recorder.EVENTS}"
    waiting: list[tuple[int, Any]] = []  # (follows, replacement), sorted
    for (stream, version), follows in marks.items():
        if follows is not None:
            c.execute(f"{columns} WHERE originator_id = ? AND originator_version = ?", (stream, version))
            waiting += [(follows, n) for n in recorder.notifications(c.fetchall()) if n.topic in topics]
    waiting.sort(key=lambda item: (item[0], item[1].id))
    among = ", ".join("?" * len(topics))
    start = 0
    while True:
        c.execute(f"{columns} WHERE {recorder.POSITION} > ? AND topic IN ({among}) "
                  f"ORDER BY {recorder.POSITION} LIMIT {size}", (start, *topics))
        rows = recorder.notifications(c.fetchall())
        page: list[tuple[Any, int | None]] = []
        for n in rows:
            while waiting and waiting[0][0] < n.id:
                page.append(waiting.pop(0)[::-1])
            if (n.originator_id, n.originator_version) not in marks:
                page.append((n, None))
        if not rows:
            page += [item[::-1] for item in waiting]
            waiting = []
        if page:
            yield page
        if not rows:
            return
        start = rows[-1].id


def differing(stored: Record, record: Record) -> list[str]:
    """The fields in which a record differs from the stored one under its key; a field erased since
    (a forgotten customer's) matches anything."""
    if type(stored) is not type(record):
        return ["type"]
    personal = getattr(type(record), "PERSONAL", ())
    found = []
    for name in type(record).model_fields:
        if name in BOOKKEEPING:
            continue
        old, new = getattr(stored, name), getattr(record, name)
        if name in personal and old == ERASED:
            continue
        if old != new:
            found.append(name)
    return found


def comparable(decision: Decision) -> tuple:
    """What makes two decisions the same decision: everything but where and when it was stored."""
    return type(decision), decision.model_dump(exclude={*BOOKKEEPING, "caused_by", "rests_on"}), decision.rests_on


NOT_VOIDABLE = (CustomerForgotten, BackupTaken, RecordVoided)  # besides decisions (VO-1)
ORDER_SIDE = ("order", "shipment", "case", "dispute")  # an order and what hangs under it
STAFF_SIDE = ("staff", "complaint", "fund")  # penalties rest on complaints, the fund on every penalty


@dataclass
class Outcome:
    """What a void stores: its events (the void first) and index rows."""

    events: list[Event] = field(default_factory=list)
    index: Any = None


def void(uow: Any, record: RecordVoided) -> Outcome:
    """VO-1 for `record`, in the unit of work `uow` whose session holds everything appended so far."""
    from ledger.unit_of_work import IndexRows, UnitOfWork

    session = uow.session
    where = session.keyed([record.record]).get(record.record)
    if where is None:
        raise refuse(say("void_unknown", name=record.record))
    position, target, voided = session.record_at(*where)
    name = type(target).__name__
    if isinstance(target, NOT_VOIDABLE):
        raise refuse(say("void_not_voidable", position=position, type=name))
    if voided:
        raise refuse(say("void_again", position=position, type=name))
    rules.check_may_void(record.actor, target.actor, uow.writer_role(record), position)

    family = family_of(session, target)
    raw = session.positioned(family)
    top = {stream: max(event.originator_version for _, event in events) for stream, events in raw.items()}
    effective = in_effect(sorted((item for events in raw.values() for item in events), key=lambda item: item[0]),
                          session.marks(family))
    stored: dict[str, list[tuple[int, Decision]]] = {}
    for at, event in effective:
        if isinstance(event, Decision) and not isinstance(event, DecisionWithdrawn):
            stored.setdefault(event.caused_by, []).append((at, event))

    redo = UnitOfWork(Hidden(session, family), overlay=uow.overlay)
    records = [(at, event) for at, event in effective if isinstance(event, Record)
               and not isinstance(event, NOT_VOIDABLE) and event.ref != target.ref]
    refs: dict[str, str] = {}  # a ref in the recompute -> the stored event's
    fresh: dict[str, list[Decision]] = {}
    for at, event in records:
        start = len(redo.events)
        try:
            redo.decide(event)
        except Refused:
            raise Refused(rules.VOID, say("void_rests_on", position=at, type=type(event).__name__)) from None
        made = redo.events[start:]
        refs.update((copy.ref, event.ref) for copy in made if isinstance(copy, Record))
        fresh[event.ref] = [decision for decision in made if isinstance(decision, Decision)]

    now = datetime.now(timezone.utc)

    def stamp(event: Any, stream: str) -> Any:
        top[stream] = top.get(stream, 0) + 1
        return event.model_copy(update={"originator_id": stream, "originator_version": top[stream], "timestamp": now})

    def mapped(made: Decision, caused_by: str, to: dict[str, str], rests_on: tuple[str, ...] = ()) -> Decision:
        """A recomputed decision with the refs it rests on turned into the store's (`to`)."""
        return made.model_copy(update={"caused_by": caused_by,
                                       "rests_on": (*rests_on, *(to.get(ref, ref) for ref in made.rests_on))})

    index = IndexRows()
    top[target.originator_id] += 1  # the void joins the voided record's stream; the line's record is what its key names
    record.__dict__.update(originator_id=target.originator_id, originator_version=top[target.originator_id],
                           timestamp=now)
    events: list[Event] = [record]
    index.marks.append((target.originator_id, target.originator_version, None))
    policy_version = uow.policy_at(record.at).version
    for at, cause in [(position, target), *records]:
        before, made = stored.get(cause.ref, []), fresh.get(cause.ref, [])
        if len(before) == len(made):  # the same decisions again? (one may rest on an earlier one of the cause's)
            trial = {**refs, **{new.ref: old.ref for new, (_, old) in zip(made, before)}}
            if all(comparable(old) == comparable(mapped(new, cause.ref, trial)) for new, (_, old) in zip(made, before)):
                refs.update(trial)
                continue
        for withdrawn_at, withdrawn in before:
            events.append(stamp(DecisionWithdrawn(
                at=record.at, actor=record.actor, role=record.role, rule=rules.VOID, policy_version=policy_version,
                caused_by=record.ref, position=withdrawn_at), withdrawn.originator_id))
            index.marks.append((withdrawn.originator_id, withdrawn.originator_version, None))
        for new in made:
            if new.originator_id not in family:
                raise AssertionError(f"{new.originator_id} is outside the family of {target.ref}")
            replacement = stamp(mapped(new, record.ref, refs, (cause.ref,)), new.originator_id)
            refs[new.ref] = replacement.ref
            events.append(replacement)
            index.marks.append((replacement.originator_id, replacement.originator_version, at))

    ids = {stream.partition(":")[2] for stream in family if ":" in stream}
    taken = {id_ for id_, _, _ in redo.index.ids}
    index.freed_ids = sorted(set(session.ids(ids)) - taken)
    claimed = {(namespace, value) for namespace, value, _ in redo.index.claims}
    for namespace in CLAIM_TABLES:
        index.freed_claims += [(namespace, value) for value in session.claims_owned(namespace, ids)
                               if (namespace, value) not in claimed]
    return Outcome(events, index)


def family_of(session: Any, record: Record) -> set[str]:
    """The streams whose decisions can rest on `record`, and what their records decide again needs hidden."""
    kind, id_ = record.stream_of()
    if kind == "policy":
        return set(session.all_streams())
    if kind in STAFF_SIDE:
        return staff_side(session)
    if kind not in ORDER_SIDE:
        return {record.stream}  # a SKU's goods, the targets: nothing rests on them but their own stream
    root = id_
    while (found := session.ids([root])[root])[0] != "order":
        root = found[1]
    family, ids = {f"order:{root}"}, [root]
    while ids:
        children = session.children(ids)
        ids = [child for kids in children.values() for child, _ in kids]
        family |= {f"{kind}:{child}" for kids in children.values() for child, kind in kids}
    if record.stream == f"order:{root}" and record.originator_version == 1 and names_order(session, root):
        family |= staff_side(session)  # a complaint about the order rests on the order having been placed
    return family


def staff_side(session: Any) -> set[str]:
    return {stream for kind in STAFF_SIDE for stream in session.streams(kind)} | {"fund"}


def names_order(session: Any, order_id: str) -> bool:
    lodged = session.events(session.streams("complaint"))
    return any(getattr(events[0], "order_id", None) == order_id for events in lodged.values() if events)


class Hidden:
    """The store with a family of streams hidden, for its records to be decided again from nothing: what
    they read outside the family is the store's. Nothing is written through it."""

    def __init__(self, session: Any, family: set[str]):
        self.session = session
        self.family = family
        self.hidden = {stream.partition(":")[2] for stream in family if ":" in stream}

    def voided_any(self) -> bool:
        return False

    def keyed(self, keys: Iterable[str]) -> dict:
        return {}

    def ids(self, ids: Iterable[str]) -> dict[str, tuple[str, str | None]]:
        return self.session.ids(set(ids) - self.hidden)

    def claims(self, namespace: str, values: Iterable[str]) -> dict[str, str]:
        return {v: owner for v, owner in self.session.claims(namespace, values).items() if owner not in self.hidden}

    def children(self, parents: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
        return {parent: [(child, kind) for child, kind in kids if child not in self.hidden]
                for parent, kids in self.session.children(parents).items()}

    def events(self, streams: Iterable[str]) -> dict[str, list[Event]]:
        return self.session.events(set(streams) - self.family)

    def streams(self, kind: str) -> list[str]:
        return [stream for stream in self.session.streams(kind) if stream not in self.family]
