"""Customer data protection (SPEC section 5): personal fields encrypted with a key per customer.

Each customer's data key is random and stored wrapped (AES-GCM) under the
master key, which lives outside the store: `LEDGER_MASTER_KEY` (base64 of 32
bytes), or the file `LEDGER_KEY_FILE` names, or a file generated on first use
in the user's configuration folder. A personal field is stored as
`{"$enc": customer, "v": base64(nonce + ciphertext)}`, authenticated with its
customer and field name. Forgetting a customer deletes their data key: the
ciphertext stays, hashed and chained as before, and reads as "[erased]".
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ledger.sql import insert_rows, select_among
from ledger.values import ERASED

CHECK = b"ledger master key check"
KEY_TABLES = [
    "CREATE TABLE IF NOT EXISTS ledger_customer_keys (customer_id TEXT PRIMARY KEY, wrapped BLOB)",
    "CREATE TABLE IF NOT EXISTS ledger_meta (name TEXT PRIMARY KEY, value BLOB NOT NULL)",
]


class MasterKeyError(Exception):
    """The master key is missing, malformed or not the one this store was written with."""


def master_key(create: bool = True) -> bytes:
    """The master key; generated on first use unless `create` is false (a store written with a key of its
    own needs that key, not a new one)."""
    given = os.environ.get("LEDGER_MASTER_KEY")
    if given is not None:
        if not given:
            raise MasterKeyError("LEDGER_MASTER_KEY is set and empty: set it to the store's key, or unset it to "
                                 "use the key file")
        return _decode_key(given, "LEDGER_MASTER_KEY")
    path = key_file()
    if path.exists() or not create:
        return _read_key_file(path)
    return _create_key_file(path)


def _read_key_file(path: Path) -> bytes:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise MasterKeyError(f"this store was written under a master key, and there is none at {path}: set "
                             "LEDGER_MASTER_KEY or LEDGER_KEY_FILE to the store's key") from None
    if mode & 0o077:  # as ssh does with a private key
        raise MasterKeyError(f"the master key file {path} can be read by others (mode {mode & 0o777:o}); "
                             f"make it the owner's alone: chmod 600 {path}")
    try:
        text = path.read_bytes().decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        text = ""
    return _decode_key(text, f"the master key file {path}")


def _create_key_file(path: Path) -> bytes:
    """A new key, written whole into a file of its own and linked into place: of several processes
    creating it at once one key wins, and every process reads that whole key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = AESGCM.generate_key(bit_length=256)
    descriptor, draft = tempfile.mkstemp(prefix=".master.key.", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(descriptor, "w") as out:
            out.write(base64.b64encode(key).decode() + "\n")
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(draft, path)
        except FileExistsError:  # another process made it first: theirs is the key
            return _read_key_file(path)
    finally:
        os.unlink(draft)
    print(f"generated the ledger master key in {path}; keep it safe and away from the store", file=sys.stderr)
    return key


def key_file() -> Path:
    """Where the master key file is (used when LEDGER_MASTER_KEY is not set)."""
    if os.environ.get("LEDGER_KEY_FILE"):
        return Path(os.environ["LEDGER_KEY_FILE"])
    config = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(config) / "ledger" / "master.key"


def _decode_key(text: str, where: str) -> bytes:
    try:
        key = base64.b64decode(text, validate=True)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise MasterKeyError(f"{where} must hold a base64 key of 32 bytes")
    return key


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _open(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    return AESGCM(key).decrypt(sealed[:12], sealed[12:], aad)


def pseudonym(master: bytes, name: str) -> str:
    return "tb-" + hmac.new(master, b"platform buyer\x1f" + name.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


class Keyring:
    """The customers' data keys of one store, read and created through a cursor it is given."""

    def __init__(self, cursor_for_reads: Callable[[], Any], master: Callable[..., bytes] = master_key):
        self._master = master  # looked up on first use: commands without customer data never need it
        self._reading = cursor_for_reads  # a context manager giving a cursor
        self._bound = threading.local()  # an append's cursor is its own thread's: a reader beside it (the
        # desk's other requests) reads keys through its own cursor, never through the append's
        self._keys: dict[str, bytes | None] = {}
        self._checked = False

    @property
    def cursor(self) -> Any:
        """The append's own cursor while it writes (in its thread; None elsewhere)."""
        return getattr(self._bound, "cursor", None)

    @property
    def owner_of(self) -> Callable[[str, str], str]:
        """(id, kind) -> the id's parent."""
        return getattr(self._bound, "owner_of", self._stored_owner)

    @property
    def master(self) -> bytes:
        if not isinstance(self._master, bytes):
            self._master = self._master()
        return self._master

    def bind(self, cursor: Any, owner_of: Callable[[str, str], str]) -> None:
        """Read and create keys through an append's cursor, and find owners through `owner_of`,
        until `unbind`."""
        self._bound.cursor = cursor
        self._bound.owner_of = owner_of

    def trim(self) -> None:
        """Between an append's chunks: keep at most a few thousand keys in memory."""
        if len(self._keys) > 5000:
            self._keys.clear()

    def unbind(self) -> None:
        """After an append: keys it created may have been rolled back, so forget the cache."""
        self._bound.__dict__.clear()
        self._keys.clear()
        self._checked = False

    # -- where keys come from -------------------------------------------------------------------

    def _rows(self, statement: str, params: tuple) -> list[tuple]:
        if self.cursor is not None:
            self.cursor.execute(statement, params)
            return self.cursor.fetchall()
        with self._reading() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall()

    def check_master(self) -> None:
        """A store remembers a value sealed under its master key; another key is refused."""
        if self._checked:
            return
        found = self._rows("SELECT value FROM ledger_meta WHERE name = ?", ("master_check",))
        if found:
            if not isinstance(self._master, bytes):
                self._master = self._master(create=False)
            try:
                _open(self.master, bytes(found[0][0]), b"meta")
            except InvalidTag:
                raise MasterKeyError("the master key is not the one this store was written with") from None
        elif self.cursor is not None:
            self.cursor.execute("INSERT INTO ledger_meta VALUES (?, ?)", ("master_check",
                                                                          _seal(self.master, CHECK, b"meta")))
        else:
            return  # a reader before the first append: the append that follows records the key's check
        self._checked = True

    def data_key(self, customer: str, create: bool) -> bytes | None:
        if customer not in self._keys or (self._keys[customer] is None and create):
            self.check_master()
            found = self._rows("SELECT wrapped FROM ledger_customer_keys WHERE customer_id = ?", (customer,))
            if found and found[0][0] is not None:
                self._keys[customer] = _open(self.master, bytes(found[0][0]), customer.encode())
            elif create and not found:
                key = AESGCM.generate_key(bit_length=256)
                self.cursor.execute("INSERT INTO ledger_customer_keys VALUES (?, ?)",
                                    (customer, _seal(self.master, key, customer.encode())))
                self._keys[customer] = key
            elif found or self.cursor is not None:
                self._keys[customer] = None  # forgotten, or none yet in the append that would make it
            else:
                return None  # none yet: a reader does not remember that, as an append beside it may make one
        return self._keys[customer]

    def prepare(self, customers: set[str]) -> None:
        """The keys of a chunk's customers read at once, those without one created at once (in the append's
        transaction, as `data_key` would one at a time)."""
        wanted = [c for c in customers if c not in self._keys]
        if not wanted:
            return
        self.check_master()
        found = dict(select_among(self.cursor, "SELECT customer_id, wrapped FROM ledger_customer_keys "
                                               "WHERE customer_id {}", wanted))
        new = []
        for customer in wanted:
            if customer not in found:
                self._keys[customer] = AESGCM.generate_key(bit_length=256)
                new.append((customer, _seal(self.master, self._keys[customer], customer.encode())))
            elif found[customer] is None:
                self._keys[customer] = None  # forgotten
            else:
                self._keys[customer] = _open(self.master, bytes(found[customer]), customer.encode())
        insert_rows(self.cursor, "ledger_customer_keys", new)

    def pseudonym(self, name: str) -> str:
        """A platform buyer's customer id (SPEC section 11): `tb-` and 16 hex digits of the name keyed by the
        master key, so that every import gives one buyer the same id and the id does not give the name back."""
        self.check_master()
        return pseudonym(self.master, name)

    def buyer(self, name: str) -> str | None:
        """The customer id of the platform buyer of that name, while the store holds their key (`find`): none
        once they are forgotten, nor in a store that never held personal data."""
        if not name or not self._rows("SELECT 1 FROM ledger_meta WHERE name = ?", ("master_check",)):
            return None
        customer = self.pseudonym(name)
        held = self._rows("SELECT wrapped FROM ledger_customer_keys WHERE customer_id = ?", (customer,))
        return customer if held and held[0][0] is not None else None

    def _stored_owner(self, id_: str, kind: str) -> str:
        return self._rows("SELECT parent FROM ledger_ids WHERE id = ? AND kind = ?", (id_, kind))[0][0]

    def customer_of(self, record: Any) -> str:
        """The customer whose key seals the record's personal fields, as its type declares (SEALED_FOR)."""
        sealing = type(record).SEALED_FOR
        named = getattr(record, sealing.field)
        return named if sealing.via is None else self.owner_of(named, sealing.via)

    # -- fields ---------------------------------------------------------------------------------

    def seal(self, customer: str, field: str, value: str) -> dict[str, str]:
        key = self.data_key(customer, create=True)
        if key is None:  # a forgotten customer's new data is erased as it arrives
            return {"$enc": customer, "v": ""}
        sealed = _seal(key, value.encode("utf-8"), f"{customer}|{field}".encode())
        return {"$enc": customer, "v": base64.b64encode(sealed).decode()}

    def open(self, field: str, stored: Any) -> str:
        if not isinstance(stored, dict) or "$enc" not in stored:
            return stored
        customer = stored["$enc"]
        key = self.data_key(customer, create=False)
        if key is None or not stored["v"]:
            return ERASED
        return _open(key, base64.b64decode(stored["v"]), f"{customer}|{field}".encode()).decode("utf-8")

    def forget(self, customer: str) -> None:
        """The key goes; the row stays, empty, so that the customer's data sealed later in the same append, or
        appended later, is stored erased."""
        self.cursor.execute("INSERT INTO ledger_customer_keys VALUES (?, NULL) ON CONFLICT (customer_id) "
                            "DO UPDATE SET wrapped = NULL", (customer,))
        self._keys[customer] = None
