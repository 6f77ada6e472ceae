"""Reading a JSON Lines record: its idempotency key, then its schema (SPEC sections 2 and 8)."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import orjson

from pydantic import ValidationError

from ledger.events import DECISION_TYPES, Record
from ledger.aggregates import RECORD_TYPES  # the appendable record types are those with a handler
from ledger.messages import unknown_type
from ledger.values import check_key, first_error, quote


class Invalid(ValueError):
    """Input the ledger cannot read as a record (exit status 2)."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose keys come once each and hold values: a null is no value (leave the key out), so that
    no key can seem given and be dropped (a policy's `"return_window_days": null`)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        twice = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise Invalid(f"key {quote(twice)} given twice")
    if None in obj.values():
        empty = next(key for key, value in pairs if value is None)
        raise Invalid(f"{quote(empty)}: null is not a value; leave the key out")
    return obj


def _no_constant(name: str) -> None:
    raise Invalid(f"{name} is not a JSON number")


def parse_json(text: str) -> dict[str, Any]:
    try:
        obj = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise Invalid(f"unreadable JSON: {error.msg} (column {error.colno})") from None
    except RecursionError:
        raise Invalid("unreadable JSON: nested too deeply") from None
    except Invalid:
        raise
    except ValueError:  # Python refuses to read integers of more than 4,300 digits
        raise Invalid("unreadable JSON: a number with too many digits") from None
    if not isinstance(obj, dict):
        raise Invalid("a record is a JSON object")
    return obj


def record_class(obj: dict[str, Any]) -> type[Record]:
    kind = obj.get("type")
    if not isinstance(kind, str):
        raise Invalid("missing key 'type'" if kind is None else "'type' must be a string")
    if kind in DECISION_TYPES:
        raise Invalid(f"{kind} is a decision; the ledger emits it, it cannot be appended")
    try:
        return RECORD_TYPES[kind]
    except KeyError:
        raise Invalid(unknown_type(kind, list(RECORD_TYPES))) from None


def record_key(obj: dict[str, Any], cls: type[Record]) -> str:
    """The explicit `key`, or the SHA-256 of the canonical record without key and personal fields."""
    key = obj.get("key")
    if key is not None:
        try:
            return check_key(key)
        except ValueError as error:
            raise Invalid(f"key: {error}") from None
    canonical = {name: value for name, value in obj.items() if name != "key" and name not in cls.PERSONAL}
    try:  # orjson writes the same canonical form, faster; it refuses integers beyond 64 bits and lone surrogates
        text = orjson.dumps(canonical, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        try:
            text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            name = next(name for name, value in obj.items() if _has_surrogate(value))
            raise Invalid(f"{name}: is not valid Unicode text (a lone surrogate)") from None
    return hashlib.sha256(text).hexdigest()


def _has_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= c <= "\udfff" for c in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    return isinstance(value, list) and any(_has_surrogate(v) for v in value)


def validate(obj: dict[str, Any], cls: type[Record], key: str) -> Record:
    fields = {name: value for name, value in obj.items() if name != "type"}
    fields["key"] = key
    for reserved in ("originator_id", "originator_version", "timestamp", "signed_in"):
        if reserved in fields:
            raise Invalid(f"unknown key {reserved!r}")
    try:
        return cls.model_validate(fields)
    except ValidationError as error:
        raise Invalid(first_error(error)) from None


LINE_LIMIT = 1_000_000  # bytes: SPEC section 2's 1 MB line
BOM = b"\xef\xbb\xbf"


class LineTooLong(Invalid):
    def __init__(self, number: int):
        super().__init__(f"a line of input is at most 1 MB ({LINE_LIMIT:,} bytes); this one is longer")
        self.number = number


def bounded_lines(stream: Any) -> Iterator[str]:
    """The lines of a binary stream as text, a line over the limit refused (LineTooLong) as soon as the limit
    is passed, without reading that line whole; a byte-order mark some editors write is no record."""
    number = 0
    while True:
        line = stream.readline(LINE_LIMIT + 2)  # the limit, and its line end
        if not line:
            return
        number += 1
        if number == 1:
            line = line.removeprefix(BOM)
        if len(line.rstrip(b"\r\n")) > LINE_LIMIT:
            raise LineTooLong(number)
        yield line.decode("utf-8")
