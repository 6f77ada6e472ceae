"""The ledger application: appends record files (unit_of_work.py), reads histories and views."""
from __future__ import annotations

import gc
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import Any

import orjson
from eventsourcing.application import Application

from ledger import accounts
from ledger.accounts import Account, SignInFailed
from ledger.aggregates import PolicyBook, fold
from ledger.corrections import as_read, effective_pages
from ledger.crypto import Keyring
from ledger.events import BackupTaken, CustomerForgotten, Event, Record, RecordVoided
from ledger.index import Lookups, fold_claims
from ledger.messages import say
from ledger.sql import insert_rows
from ledger.lookups import StoreSession
from ledger.mapper import OrjsonTranscoder, PydanticMapper
from ledger.policy import Policy, PolicyParams
from ledger.projections import TOPICS, Projector, fact, recreate_views
from ledger.projections import accounts as accounts_view, fund as fund_view
from ledger.reader import Reader
from ledger.report import Timeline
from ledger.rules import REF, Refused
from ledger.store import Store, StoreError, parse_store
from ledger.unit_of_work import Appended, LineError, UnitOfWork, collector_paused

__all__ = ["Appended", "Ledger", "LineError", "UnknownCustomer"]


class Tampered(Exception):
    """The chain's check found the stored history changed (`verify`'s problem): nothing was rebuilt."""


class UnknownCustomer(LookupError):
    pass


@dataclass
class Forgotten:
    """What `forget` did: `earlier` is the erasure already recorded (nothing was added), `pending` what is
    left to do about an old copy another connection still holds, `backups` the backups that hold the key."""

    earlier: CustomerForgotten | None
    pending: str | None
    backups: list[BackupTaken]


class Ledger(Application[str]):
    name = "ledger"

    def __init__(self, store: Store | str, overlay: PolicyParams | None = None):
        self.store = store if isinstance(store, Store) else parse_store(store)
        self.overlay = overlay  # replay --policy: a what-if's keys over the policy in force
        super().__init__(self.store.env)

    def construct_mapper(self) -> PydanticMapper:
        return PydanticMapper(transcoder=OrjsonTranscoder(), keyring=Keyring(lambda: self.recorder.reading()))

    @contextmanager
    def _appending(self) -> Iterator[tuple[StoreSession, bool]]:
        """The append's session, and whether the store had staff accounts when it began."""
        if not self.reader.views_current():  # a new store, or one whose views an earlier version built
            self.rebuild_views()
        with self.recorder.appending() as cursor:
            session = StoreSession(self.recorder, cursor, self.mapper, self.overlay)
            try:
                yield session, accounts_view.any_account(self.recorder.sql_cursor(cursor))
            finally:
                session.close()

    # -- appending ------------------------------------------------------------------------------

    def append(self, lines: Iterable[str], account: Account | None = None) -> Appended:
        """All or nothing: the first bad line raises LineError and nothing of the file is stored. In a store
        with accounts, `account` is who appends (AU-2); without one the first record is refused.

        The file holds the store's write lock while it is decided: another writer waits, then
        decides its own file on the state this one left."""
        with self._appending() as (session, accounts):
            appended = UnitOfWork(session, self.overlay, account if accounts else None, accounts).run(lines)
            if session.views_stale:  # a void: every view as if its record had never been appended (VO-1)
                self._project_log(self.recorder.sql_cursor(session.raw))
            return appended

    def replay_records(self, records: Iterable[Record]) -> list[tuple[Record, Refused]]:
        """Decide records again in this (scratch) store; returns the ones now refused."""
        with self._appending() as (session, _):
            return UnitOfWork(session, self.overlay).replay(records)

    def backup(self, path: Path, actor: str, role: str, account: Account | None = None) -> int:
        """A consistent copy by SQLite's online backup API, recorded (BackupTaken) so that a later `forget`
        can name it; returns how many events it holds. A failed copy leaves no file behind."""
        if self.store.path is None:
            raise StoreError("back up a PostgreSQL store with pg_dump: "
                             "pg_dump --format=custom --file=ledger.dump --schema=SCHEMA DBNAME "
                             "(restore with pg_restore --dbname=DBNAME ledger.dump)")
        if path.exists():
            raise StoreError(f"{path} exists; a backup does not overwrite a file")
        head = self.reader.head()
        try:
            with closing(sqlite3.connect(self.store.path)) as source, closing(sqlite3.connect(path)) as target:
                source.backup(target)
                count = target.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0]
            # recorded, or no copy at all: a copy `forget` could not name would keep a customer's key
            self._record("BackupTaken", actor, role, account, path=str(path.resolve()), head=head)
        except BaseException:
            for left in (path, path.with_name(path.name + "-journal")):
                left.unlink(missing_ok=True)
            raise
        return count

    def forget(self, customer_id: str, actor: str, role: str, reason: str, account: Account | None = None
               ) -> Forgotten:
        """Destroy the customer's data key and record who did it, when and why (once: a customer forgotten
        already is left as they are); with the backups taken before, which still hold the key."""
        earlier = [e for _, e in self.events_of([f"customer:{customer_id}"]) if isinstance(e, CustomerForgotten)]
        if not earlier:
            try:
                self._record("CustomerForgotten", actor, role, account, customer_id=customer_id, reason=reason)
            except LineError as error:
                if isinstance(error.error, Refused) and error.error.rule == REF:
                    raise UnknownCustomer(customer_id) from None
                raise
        return Forgotten(earlier[0] if earlier else None, self.recorder.after_erasure(),
                         [e for _, e in self.events_of(["backups"]) if isinstance(e, BackupTaken)])

    def void(self, position: int | None, key: str | None, reason: str, actor: str, role: str,
             account: Account | None = None) -> tuple[int, Record, Appended]:
        """`ledger void` (VO-1): the RecordVoided of the record at `position` (or under `key`), naming its key;
        returns the voided record's position, the record and what the void appended."""
        if key is None:
            found = self.event_at(position)
            if found is None:
                raise LineError(1, Refused(REF, say("void_no_record", position=position)))
            if not isinstance(found, Record):
                raise LineError(1, Refused(REF, say("void_not_voidable", position=position,
                                                    type=type(found).__name__)))
            key = found.key
        appended = self._record("RecordVoided", actor, role, account, record=key, reason=reason)
        with self.recorder.reading() as c:
            stream, version = Lookups(c).keyed([key])[key]
        return next((p, e) for p, e in self.events_of([stream]) if e.originator_version == version) + (appended,)

    def event_at(self, position: int) -> Event | None:
        found = self.recorder.select_notifications(position, 1)
        if not found or found[0].id != position:
            return None
        return self.mapper.to_domain_event(found[0], personal=False)

    def _record(self, type_: str, actor: str, role: str, account: Account | None, **fields: str) -> Appended:
        """A record the ledger writes itself, appended like any other."""
        now = datetime.now(timezone.utc).isoformat()
        return self.append([orjson.dumps({"type": type_, "at": now, "actor": actor, "role": role, **fields})
                            .decode()], account)

    # -- staff accounts (SPEC section 14) -------------------------------------------------------

    def has_accounts(self) -> bool:
        with self.recorder.reading() as cursor:
            return accounts_view.any_account(cursor)

    def account(self, name: str) -> Account | None:
        with self.recorder.reading() as cursor:
            row = accounts_view.account(cursor, name)
        return Account(name, row["role"], row["left_at"] is not None) if row else None

    def sign_in(self, name: str, password: str) -> Account:
        """The account whose password this is; otherwise, after a short delay, SignInFailed."""
        with self.recorder.reading() as cursor:
            right = accounts.verify_password(cursor, name, password)
        return self._signed_in(name if right else None)

    def sign_in_with_token(self, token: str) -> Account:
        with self.recorder.reading() as cursor:
            return self._signed_in(accounts.token_owner(cursor, token))

    def _signed_in(self, name: str | None) -> Account:
        found = self.account(name) if name else None
        if found is None:
            accounts.fail_slowly()
            raise SignInFailed()
        return found

    @contextmanager
    def _credentials(self) -> Iterator[Any]:
        with self.recorder.writing() as cursor:
            yield self.recorder.sql_cursor(cursor)

    def set_password(self, staff: str, password: str) -> None:
        with self._credentials() as cursor:
            accounts.set_password(cursor, staff, password)

    def make_token(self, staff: str, label: str) -> tuple[str, str]:
        with self._credentials() as cursor:
            return accounts.make_token(cursor, staff, label)

    def revoke_token(self, token_id: str) -> str | None:
        with self._credentials() as cursor:
            return accounts.revoke_token(cursor, token_id)

    def staff_list(self) -> list[dict]:
        """`staff list --json`'s accounts, each with its tokens (never a secret)."""
        with self.recorder.reading() as cursor:
            rows = accounts_view.ACCOUNTS.read(cursor, order="staff")
            made = accounts.tokens(cursor)
        zone = self.latest_policy().zone
        listed = [accounts_view.ACCOUNTS.json(row, zone) for row in rows]
        return [{"staff": row["staff"], "role": row["role"], "since": row["since"], "left": row["left_at"],
                 "tokens": made.get(row["staff"], [])} for row in listed]

    # -- reading --------------------------------------------------------------------------------

    @cached_property
    def reader(self) -> Reader:
        """The store's views, histories and chain, read as stored (reader.py), policies as this ledger has them."""
        return Reader(self.recorder.reading, self.recorder.DIALECT, self.mapper.keyring)

    def kind_of(self, id_: str) -> tuple[str, str | None] | None:
        return self.reader.kind_of(id_)

    def streams_of(self, id_: str) -> list[str]:
        return self.reader.streams_of(id_)

    def events_of(self, streams: Iterable[str]) -> list[tuple[int, Event]]:
        """(position, event) in position order, as event models."""
        rows = self.reader.rows_of(streams)
        return [(n.id, self.mapper.to_domain_event(n)) for n in self.recorder.notifications(rows)]

    def policy_book(self) -> PolicyBook:
        adopted = fold(self.mapper.to_domain_event(stored, personal=False)
                       for stored in self.recorder.select_events("policy"))
        return (adopted or PolicyBook()).with_overlay(self.overlay)

    def latest_policy(self) -> Policy:
        return self.policy_book().latest()

    # -- views ----------------------------------------------------------------------------------

    def stock(self, sku: str | None = None) -> list[dict]:
        """ST-1's `low` by the latest adopted policy."""
        return self.reader.stock(sku, self.latest_policy())

    def liability(self, case_id: str | None = None, order_id: str | None = None) -> dict:
        return self.reader.liability(case_id, order_id)

    def fund(self) -> dict:
        with self.reader.views() as cursor:
            return fund_view.report(cursor, self.latest_policy().zone)

    def kpi(self, by: str, as_of: datetime, first: date | None = None, last: date | None = None,
            staff: bool = False, dues: list[int] | None = None, complaints_only: bool = False) -> dict:
        """Reader.kpi, in the latest adopted policy's time zone (with this ledger's overlay)."""
        return self.reader.kpi(by, as_of, first, last, staff, dues, complaints_only, self.latest_policy())

    def breaches(self, as_of: datetime, subject: str | None = None) -> list[dict]:
        """`sla --json`'s breaches, times in the time zone of the latest adopted policy."""
        return self.reader.breaches(as_of, subject, self.latest_policy())

    def rebuild_views(self, progress: Callable[[int], None] = lambda read: None,
                      checked: Callable[[], Callable[[], str | None]] | None = None) -> int:
        """Drop every view and project the whole log again, in one transaction; returns events read.
        `checked()`, called once the transaction holds the store, starts a check of the chain and gives what
        waits for its problem: the rebuild commits only when there is none (else Tampered, and nothing
        changed)."""
        with self.recorder.writing() as cursor:
            verdict = checked() if checked is not None else None
            fold_claims(cursor)  # a store of an earlier version: its views are rebuilt, its claims folded,
            self._index_record_keys(self.recorder.sql_cursor(cursor))  # its keys told where their records are
            read = self._project_log(cursor, progress)
            problem = verdict() if verdict is not None else None
            if problem:
                raise Tampered(problem)
        total = self.total_events()
        progress(total - read)
        return total

    def _index_record_keys(self, c: Any) -> None:
        c.execute("SELECT 1 FROM ledger_record_keys LIMIT 1")
        if c.fetchone() is not None:
            return
        state = self.mapper.stored_state
        for page in self.recorder.pages():
            insert_rows(c, "ledger_record_keys", [
                (key, n.originator_id, n.originator_version) for n in page
                if (key := state(n.topic, n.state).get("key")) is not None])
        c.execute("DROP TABLE IF EXISTS ledger_keys")

    def _project_log(self, cursor: Any, progress: Callable[[int], None] = lambda read: None) -> int:
        """Every view made again from the log in effect (corrections.py), inside the caller's transaction;
        returns the last position read."""
        recreate_views(cursor)
        projector = Projector(cursor, PolicyBook().with_overlay(self.overlay), empty=True)
        state = self.mapper.stored_state
        read = 0
        with collector_paused():
            for page in effective_pages(self.recorder, cursor, TOPICS):
                projector.apply(fact(n.topic.rpartition(":")[2], f"{n.originator_id}@{n.originator_version}",
                                     None, as_read(state(n.topic, n.state), follows))
                                for n, follows in page)
                last = max(n.id for n, _ in page)
                progress(max(last - read, 0))
                read = max(read, last)
                gc.collect(0)
        return read

    def total_events(self) -> int:
        return self.recorder.max_notification_id() or 0

    def records(self, personal: bool = True, effective: bool = False) -> Iterator[Record]:
        """Every record in position order (decisions left out); `personal=False` leaves the customers' data
        sealed (read as "[erased]"), for work that decides rather than shows; `effective`: as if every voided
        record had never been appended (voids left out too), for work that decides again (VO-1)."""
        void = self.voided() if effective else set()
        for page in self.recorder.pages():
            for notification in page:
                if (notification.originator_id, notification.originator_version) in void:
                    continue
                event = self.mapper.to_domain_event(notification, personal)
                if isinstance(event, Record) and not (effective and isinstance(event, RecordVoided)):
                    yield event

    def voided(self) -> set[tuple[str, int]]:
        """The (stream, version) of every event that reads as never appended: voided records, withdrawn
        decisions."""
        with self.recorder.reading() as c:
            c.execute("SELECT stream, version FROM ledger_voided WHERE follows IS NULL")
            return {(stream, version) for stream, version in c.fetchall()}

    def timeline(self, streams: Iterable[str]) -> Timeline:
        """Times are shown in the time zone of the latest adopted policy."""
        return self.reader.timeline(streams, self.latest_policy())

    def history(self, id_: str) -> tuple[str, Timeline] | None:
        """What `history ID` shows (Reader.history)."""
        return self.reader.history(id_, self.latest_policy())
