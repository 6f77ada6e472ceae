"""Who is signed in at the desk (SPEC section 15): sessions that end after 8 hours or at sign-out, each with
its own token against cross-site request forgery, and the hold on a name after five failed sign-ins.

Sessions live in the desk's process: a restart signs everyone out, and nothing of a session (nor a password)
is ever written to the store or a log. A session holds the account's name only; its role is read from the
accounts view on every request, so a role changed or an account left takes effect at once."""
from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

LIFETIME = 8 * 3600  # seconds a session lasts from its sign-in
FAILURES = 5  # failed sign-ins for one name ...
WINDOW = 15 * 60  # ... within this many seconds ...
HOLD = 15 * 60  # ... hold that name back for this long


@dataclass
class Session:
    staff: str
    csrf: str
    started: float


@dataclass
class Sessions:
    clock: object = time.monotonic  # a test's clock moves on its own
    _open: dict[str, Session] = field(default_factory=dict)
    _failed: dict[str, list[float]] = field(default_factory=dict)
    _held: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, staff: str) -> str:
        """A new session for `staff`; returns its id (the cookie's value)."""
        session_id = secrets.token_urlsafe(32)
        with self._lock:
            self._open[session_id] = Session(staff, secrets.token_urlsafe(32), self.clock())
            self._failed.pop(staff, None)
        return session_id

    def get(self, session_id: str | None) -> Session | None:
        """The session, unless it has ended (8 hours after its sign-in)."""
        with self._lock:
            found = self._open.get(session_id or "")
            if found is not None and self.clock() - found.started >= LIFETIME:
                del self._open[session_id]
                return None
            return found

    def end(self, session_id: str | None) -> None:
        with self._lock:
            self._open.pop(session_id or "", None)

    def held(self, staff: str) -> bool:
        with self._lock:
            until = self._held.get(staff)
            if until is not None and self.clock() >= until:
                del self._held[staff]
                until = None
            return until is not None

    def failed(self, staff: str) -> None:
        """A failed sign-in for `staff`: the fifth within WINDOW holds the name back for HOLD."""
        now = self.clock()
        with self._lock:
            recent = [t for t in self._failed.get(staff, []) if now - t < WINDOW] + [now]
            self._failed[staff] = recent
            if len(recent) >= FAILURES:
                self._held[staff] = now + HOLD
                self._failed.pop(staff)
