"""One appended file, decided record by record against the store and what the file added so far.

The file is read in chunks. For each chunk the keys, ids, claimed values and streams its records name
are looked up at once; each record is then decided by its handler (registered beside its aggregate, in
ledger/aggregates/); the chunk's events and
index rows are written; and only a bounded number of aggregates stays in memory. Everything happens in
the file's one write transaction (the session), so nothing is stored unless the whole file is.

The unit of work knows no record type by name: what a record names is read off its schema
(`Record.id_fields`, `Record.CLAIMS`), what it does is its handler's business.
"""
from __future__ import annotations

import gc
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any, Protocol

from ledger import corrections, rules
from ledger.accounts import Account
from ledger.aggregates import HANDLERS, Aggregate, PolicyBook, folded
from ledger.corrections import differing
from ledger.events import Event, Record, RecordVoided
from ledger.index import claimed_form
from ledger.messages import rule_text, say
from ledger.policy import Policy, PolicyParams
from ledger.reading import Invalid, parse_json, record_class, record_key, validate
from ledger.rules import Refused, refuse

CHUNK = 1000  # records decided between two writes
CACHE = 5_000  # aggregates kept in memory between chunks (more take memory and save no time)


@dataclass
class IndexRows:
    """The write side's index rows that go into the same transaction as a chunk's events."""

    ids: list[tuple[str, str, str | None]] = field(default_factory=list)  # id, kind, parent
    claims: list[tuple[str, str, str]] = field(default_factory=list)  # namespace, value, owner
    keys: list[tuple[str, str, int]] = field(default_factory=list)  # key, stream, version
    marks: list[tuple[str, int, int | None]] = field(default_factory=list)  # VO-1: stream, version, follows
    freed_ids: list[str] = field(default_factory=list)  # ids a void gave back
    freed_claims: list[tuple[str, str]] = field(default_factory=list)  # namespace, value


class Session(Protocol):
    """What a unit of work needs of a store, inside one write transaction (lookups.py; tests/memory.py)."""

    def keyed(self, keys: Iterable[str]) -> dict[str, tuple[str, int]]: ...
    def record_at(self, stream: str, version: int) -> tuple[int, Record, bool]: ...
    def positioned(self, streams: Iterable[str]) -> dict[str, list[tuple[int, Event]]]: ...
    def marks(self, streams: Iterable[str]) -> dict[tuple[str, int], int | None]: ...
    def claims_owned(self, namespace: str, owners: Iterable[str]) -> dict[str, str]: ...
    def all_streams(self) -> list[str]: ...
    def voided_any(self) -> bool: ...
    def ids(self, ids: Iterable[str]) -> dict[str, tuple[str, str | None]]: ...
    def claims(self, namespace: str, values: Iterable[str]) -> dict[str, str]: ...
    def children(self, parents: Iterable[str]) -> dict[str, list[tuple[str, str]]]: ...
    def events(self, streams: Iterable[str]) -> dict[str, list[Event]]: ...
    def streams(self, kind: str) -> list[str]: ...
    def forget_customer(self, customer: str) -> None: ...
    def write(self, events: list[Event], index: IndexRows) -> None: ...


class LineError(Exception):
    """A bad line of an appended file: invalid (exit 2) or refused (exit 3)."""

    def __init__(self, line: int, error: Invalid | Refused):
        self.line = line
        self.error = error
        self.status = 3 if isinstance(error, Refused) else 2
        detail = str(error)
        if isinstance(error, Refused):
            detail = say("refused", rule=error.rule, text=rule_text(error.rule), reason=error.reason)
        self.detail = detail  # what is wrong, without the line
        super().__init__(say("line", n=line, detail=detail))


@dataclass
class Appended:
    stored: int  # records stored
    skipped: int  # records whose key was already stored
    decisions: int
    voided: int = 0  # of the skipped, those whose stored record is voided (section 13)
    answer: list = field(default_factory=list)  # the decisions the last stored record caused, for its writer
    last: Record | None = None  # the last stored record


@dataclass
class Line:
    """A line read: its key and record, or why it cannot be read."""

    number: int
    key: str | None = None
    record: Record | None = None
    invalid: Invalid | Refused | None = None


def read_line(number: int, text: str, account: Account | None = None) -> Line:
    """`account`: who is signed in (AU-2): the record's actor and role are theirs, and it is marked
    `signed_in`."""
    try:
        obj = parse_json(text)
        cls = record_class(obj)
        if account is not None and isinstance(obj, dict):
            obj = rules.signed(obj, account.name, account.role, account.left)
        key = record_key(obj, cls)
    except (Invalid, Refused) as error:
        return Line(number, invalid=error)
    try:
        if account is not None:
            rules.check_importer_key(key, account.role)
        record = validate(obj, cls, key)
        return Line(number, key, record if account is None else record.model_copy(update={"signed_in": True}))
    except (Invalid, Refused) as error:
        return Line(number, key, invalid=error)  # unless its key is stored: then it is skipped


@contextmanager
def collector_paused() -> Iterator[None]:
    """For bulk work, which makes a few hundred thousand short-lived objects a chunk and no cycles worth
    chasing: the cyclic garbage collector is paused (the caller collects the youngest generation once a
    chunk), and what existed before (modules, schemas, caches) is frozen out of every collection. Its passes
    cost an eighth of an append's time, with pauses up to 190 ms."""
    enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Lists of `size` items, worked on with the collector paused."""
    iterator = iter(items)
    with collector_paused():
        while chunk := list(islice(iterator, size)):
            yield chunk
            gc.collect(0)


class UnitOfWork:
    def __init__(self, session: Session, overlay: PolicyParams | None = None, account: Account | None = None,
                 accounts: bool = False):
        """`account`: who appends (AU-2); `accounts`: whether the store had accounts when the append began
        (then an account is required)."""
        self.session = session
        self.account = account
        self.accounts = accounts
        self.accounts_added = False  # an enrolment of this append
        self.overlay = overlay
        self.aggregates: OrderedDict[str, Aggregate | None] = OrderedDict()  # least recently used first
        self.versions: dict[str, int] = {}  # streams a void left reading as empty: where they stand
        self.decisions = 0
        self.made: list[Event] = []  # what the record being decided made
        self.policies = self._policy_book()
        self._start_chunk()

    def _start_chunk(self) -> None:
        self._forget_lookups()
        self.keys: dict[str, tuple[str, int] | Record] = {}  # where a stored key's record is, or this chunk's
        self.events: list[Event] = []
        self.index = IndexRows()

    def _forget_lookups(self) -> None:
        self.ids: dict[str, tuple[str, str | None] | None] = {}
        self.stored_children: dict[str, list[tuple[str, str]]] = {}
        self.children_added: dict[str, list[tuple[str, str]]] = {}
        self.claimed_values: dict[tuple[str, str], str | None] = {}
        self.unknown: set[str] = set()  # ids the store did not know when the chunk began

    # -- the file -------------------------------------------------------------------------------

    def run(self, lines: Iterable[str]) -> Appended:
        """All or nothing: the first bad line raises LineError."""
        stored = skipped = voided = 0
        answer: list = []
        last = None
        numbered = ((number, text) for number, text in enumerate(lines, 1) if text.strip())
        for chunk in chunks(numbered, CHUNK):
            read = [read_line(number, text, self.account) for number, text in chunk]
            self._prefetch([line.record for line in read if line.record is not None],
                           [line.key for line in read if line.key is not None])
            for line in read:
                if line.key is not None and line.key in self.keys:
                    voided += self._check_same(line)
                    skipped += 1
                    continue
                self.made = []
                try:
                    if line.invalid is not None:
                        raise line.invalid
                    self.decide(line.record)
                except (Invalid, Refused) as error:
                    raise LineError(line.number, error) from None
                answer = [event for event in self.made if not isinstance(event, Record)]
                last = line.record
                self.keys[line.key] = line.record
                self.index.keys.append((line.key, line.record.originator_id, line.record.originator_version))
                stored += 1
            self._flush()
        return Appended(stored=stored, skipped=skipped, voided=voided, decisions=self.decisions,
                        answer=answer if stored else [], last=last)

    def _check_same(self, line: Line) -> bool:
        """A line under a stored key is skipped only when it is the same record (section 13); returns whether
        the stored one is voided."""
        held = self.keys[line.key]
        if isinstance(held, Record):  # an earlier line of this chunk: written, so that it has a position
            self._write()
            held = (held.originator_id, held.originator_version)
        position, stored, voided = self.session.record_at(*held)
        fields = differing(stored, line.record) if line.record is not None else []
        if fields:
            raise LineError(line.number, Refused(rules.KEY, say("key_differs", name=line.key, fields=", ".join(fields),
                                                            position=position)))
        return voided

    def replay(self, records: Iterable[Record]) -> list[tuple[Record, Refused]]:
        """Decide stored records again; a record now refused is skipped and returned with its refusal."""
        refused = []
        for chunk in chunks(records, CHUNK):
            self._prefetch(chunk, [])
            for record in chunk:
                self.made = []  # what this record made, as `run` keeps it (else a replay holds every event)
                try:
                    self.decide(record)
                except Refused as refusal:
                    refused.append((record, refusal))
            self._flush()
        return refused

    def decide(self, record: Record) -> None:
        if self.accounts and self.account is None:
            raise Refused("AU-2", "this store has staff accounts: sign in to append (ledger --as NAME)")
        HANDLERS[type(record)](self, record)

    def has_accounts(self) -> bool:
        return self.accounts or self.accounts_added

    def writer_role(self, record: Record) -> str:
        """The role of whoever appends `record`: the signed-in account's; without one (the append that
        gives a store its first accounts), for a staff record the role of the account its actor names."""
        if self.account is not None:
            return self.account.role
        if type(record).__name__ in rules.STAFF_RECORDS:
            writer = self.get(f"staff:{record.actor}")
            return writer.role if writer is not None and writer.active else "no account"
        return record.role

    def _prefetch(self, records: list[Record], keys: list[str]) -> None:
        """Look up at once what the chunk's records name; anything missed is looked up when needed."""
        session = self.session
        self.keys = dict(session.keyed(keys))
        named = {value for r in records for name in r.id_fields() if (value := getattr(r, name)) is not None}
        found = session.ids(named)
        self.ids = {id_: found.get(id_) for id_ in named}
        known = {id_ for id_, seen in self.ids.items() if seen}
        self.stored_children = session.children(known)
        owners = session.ids({seen[1] for seen in self.ids.values() if seen and seen[1] is not None})
        streams = {f"{seen[0]}:{id_}" for id_, seen in self.ids.items() if seen}
        streams |= {f"{kind}:{child}" for children in self.stored_children.values() for child, kind in children}
        streams |= {f"{kind}:{id_}" for id_, (kind, _) in owners.items()}
        if session.voided_any():  # a record may open a stream whose earlier events were all voided
            streams |= {record.stream for record in records if not isinstance(record, RecordVoided)}
        missing = streams - self.aggregates.keys()
        loaded = session.events(missing)
        for stream in missing:
            self._fold(stream, loaded.get(stream, []))
        self.unknown = {id_ for id_, seen in self.ids.items() if seen is None}
        wanted: dict[str, set[str]] = {}
        for record in records:
            for name, namespace in record.CLAIMS.items():
                wanted.setdefault(namespace, set()).add(claimed_form(namespace, getattr(record, name)))
        for namespace, values in wanted.items():
            owners = session.claims(namespace, values)
            self.claimed_values.update({(namespace, value): owners.get(value) for value in values})

    def _load(self, stream: str) -> Aggregate | None:
        return self._fold(stream, self.session.events([stream]).get(stream, []))

    def _fold(self, stream: str, events: list[Event]) -> Aggregate | None:
        aggregate, top = folded(events)
        self.aggregates[stream] = aggregate
        if aggregate is None and top:
            self.versions[stream] = top
        return aggregate

    def version_of(self, stream: str) -> int:
        """Where a new aggregate's stream stands: 0, unless a void left its events reading as none."""
        return self.versions.get(stream, 0)

    def _write(self) -> None:
        """Write what the chunk has decided so far, keeping what it looked up."""
        if self.events:
            self.session.write(self.events, self.index)
        self.events, self.index = [], IndexRows()

    def _flush(self) -> None:
        self._write()
        while len(self.aggregates) > CACHE:
            self.aggregates.popitem(last=False)
        self._start_chunk()

    def void(self, record: RecordVoided) -> None:
        """VO-1 (corrections.py): the void and what it changes are written at once, and everything this unit
        of work held of the store is read again, so the records after it see the history it describes."""
        self._write()
        outcome = corrections.void(self, record)
        self.events, self.index = outcome.events, outcome.index
        self.made += outcome.events
        self.decisions += sum(not isinstance(event, Record) for event in outcome.events)
        self._write()
        self.aggregates.clear()
        self.versions.clear()
        self._forget_lookups()
        self.policies = self._policy_book()

    def _policy_book(self) -> PolicyBook:
        book = self._load("policy") or PolicyBook(version=self.version_of("policy"))
        return book.with_overlay(self.overlay)

    # -- what handlers use ----------------------------------------------------------------------

    def get(self, stream: str) -> Any:
        if stream in self.aggregates:
            self.aggregates.move_to_end(stream)
        elif stream.partition(":")[2] in self.unknown:
            return None  # an id unknown to the store has no stream there; what this chunk opened is in memory
        else:
            self._load(stream)
        return self.aggregates[stream]

    def emit(self, *aggregates: Aggregate) -> None:
        for aggregate in aggregates:
            self.aggregates[aggregate.id] = aggregate
            for event in aggregate.collect_events():
                self.events.append(event)
                self.made.append(event)
                self.decisions += not isinstance(event, Record)

    def all_of(self, kind: type[Aggregate]) -> list[Any]:
        """Every aggregate of a stream kind, for the few kinds with few streams (staff members)."""
        prefix = f"{kind.prefix}:"
        streams = set(self.session.streams(kind.prefix))
        streams |= {s for s, aggregate in self.aggregates.items() if aggregate is not None and s.startswith(prefix)}
        return [self.get(stream) for stream in sorted(streams)]

    def kind_of(self, id_: str) -> str | None:
        if id_ not in self.ids:
            self.ids[id_] = self.session.ids([id_]).get(id_)
        found = self.ids[id_]
        return found[0] if found else None

    def register(self, id_: str, kind: str, parent: str | None) -> None:
        """Claim a new id; called after every check of the record, before any aggregate changes."""
        taken = self.kind_of(id_)
        if taken is not None:
            raise refuse(f"id {id_} already names {'an' if taken[0] in 'aeiou' else 'a'} {taken}")
        self.ids[id_] = (kind, parent)
        self.stored_children[id_] = []  # nothing stored names a new id as its parent
        self.index.ids.append((id_, kind, parent))
        if parent is not None:
            self.children_added.setdefault(parent, []).append((id_, kind))

    def existing(self, kind: str, id_: str) -> Any:
        if self.kind_of(id_) != kind:
            raise refuse(f"unknown {kind} {id_}")
        return self.get(f"{kind}:{id_}")

    def children(self, parent: str, kind: str) -> list[Any]:
        if parent not in self.stored_children:
            self.stored_children.update(self.session.children([parent]))
        found = self.stored_children[parent] + self.children_added.get(parent, [])
        return [self.get(f"{k}:{child}") for child, k in found if k == kind]

    def claimed(self, namespace: str, value: str) -> str | None:
        """Who holds a unique value (a tracking number, in any letter case), if anyone."""
        value = claimed_form(namespace, value)
        if (namespace, value) not in self.claimed_values:
            self.claimed_values[namespace, value] = self.session.claims(namespace, [value]).get(value)
        return self.claimed_values[namespace, value]

    def claim(self, namespace: str, value: str, owner: str) -> None:
        value = claimed_form(namespace, value)
        self.claimed_values[namespace, value] = owner
        self.index.claims.append((namespace, value, owner))

    def policy_at(self, at: datetime) -> Policy:
        return self.policies.in_force(at)
