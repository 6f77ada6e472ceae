"""Staff accounts' credentials (SPEC section 14): argon2id password hashes and API tokens, in tables of their
own outside the chain, the export and every history. Who an account is (its name, role, whether it has
left) is in the records (`StaffEnrolled`, `StaffRoleChanged`, `StaffLeft`) and the view they project
(`projections/accounts.py`); only the secrets are here.

A token is `ldg_ID_SECRET`: the ID names it (to list and revoke), the SECRET is stored as its SHA-256 (it is
random and long, so a slow hash adds nothing) and shown once, when it is made.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

ACCOUNT_TABLES = [
    "CREATE TABLE IF NOT EXISTS ledger_passwords (staff TEXT PRIMARY KEY, hash TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS ledger_tokens (id TEXT PRIMARY KEY, staff TEXT NOT NULL, label TEXT NOT NULL, "
    "hash TEXT NOT NULL, made TEXT NOT NULL)",
]
SHORTEST = 10  # a password's fewest characters
FAILED_DELAY = 0.6  # seconds after a failed sign-in: a guesser gets few tries a minute per process


@functools.cache
def hasher() -> Any:
    """argon2id with the library's recommended parameters; loaded when a password is set or checked, so that
    other commands start without it."""
    from argon2 import PasswordHasher

    return PasswordHasher()


@functools.cache
def decoy() -> str:
    return hasher().hash("a password no account has")  # checked for an unknown name, so both take as long


class SignInFailed(Exception):
    """A wrong name, password or token; what the person is told (messages `sign_in_failed`) never says
    which."""


class WeakPassword(ValueError):
    """Shorter than SHORTEST (messages `password_short`)."""


@dataclass(frozen=True)
class Account:
    """A signed-in staff member, as the accounts view has them."""

    name: str
    role: str
    left: bool = False


def check_password(password: str) -> None:
    if len(password) < SHORTEST:
        raise WeakPassword()


def set_password(cursor: Any, staff: str, password: str) -> None:
    check_password(password)
    cursor.execute("DELETE FROM ledger_passwords WHERE staff = ?", (staff,))
    cursor.execute("INSERT INTO ledger_passwords (staff, hash) VALUES (?, ?)", (staff, hasher().hash(password)))


def verify_password(cursor: Any, staff: str, password: str) -> bool:
    """Whether `password` is the staff member's; as slow for an unknown name as for a known one."""
    from argon2.exceptions import InvalidHashError, VerificationError

    cursor.execute("SELECT hash FROM ledger_passwords WHERE staff = ?", (staff,))
    row = cursor.fetchone()
    try:
        return hasher().verify(row[0] if row else decoy(), password) and row is not None
    except (VerificationError, InvalidHashError):
        return False


def make_token(cursor: Any, staff: str, label: str) -> tuple[str, str]:
    """A new token for `staff`: (its id, the token itself, to be shown once)."""
    token_id, secret = secrets.token_hex(4), secrets.token_urlsafe(32)
    made = datetime.now(timezone.utc).isoformat(timespec="seconds")
    cursor.execute("INSERT INTO ledger_tokens (id, staff, label, hash, made) VALUES (?, ?, ?, ?, ?)",
                   (token_id, staff, label, _digest(secret), made))
    return token_id, f"ldg_{token_id}_{secret}"


def token_owner(cursor: Any, token: str) -> str | None:
    """The staff member a token names, or None (unknown, revoked or mistyped)."""
    _, token_id, secret = (token.strip().split("_", 2) + ["", ""])[:3]
    cursor.execute("SELECT staff, hash FROM ledger_tokens WHERE id = ?", (token_id,))
    row = cursor.fetchone()
    digest = _digest(secret)
    return row[0] if row is not None and hmac.compare_digest(row[1], digest) else None


def revoke_token(cursor: Any, token_id: str) -> str | None:
    """Revokes a token; returns whose it was (None: no such token)."""
    cursor.execute("SELECT staff FROM ledger_tokens WHERE id = ?", (token_id,))
    row = cursor.fetchone()
    if row is not None:
        cursor.execute("DELETE FROM ledger_tokens WHERE id = ?", (token_id,))
    return row[0] if row else None


def tokens(cursor: Any) -> dict[str, list[dict]]:
    """Each staff member's tokens (id, label, made), never their secrets."""
    cursor.execute("SELECT staff, id, label, made FROM ledger_tokens ORDER BY made, id")
    found: dict[str, list[dict]] = {}
    for staff, token_id, label, made in cursor.fetchall():
        found.setdefault(staff, []).append({"id": token_id, "label": label, "made": made})
    return found


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def fail_slowly() -> None:
    """After a failed sign-in: a short delay, so that guessing is slow."""
    time.sleep(FAILED_DELAY)
