"""`ledger add TYPE KEY=VALUE ...`: one record typed on the command line, for staff who do not write JSON.

The words are turned into the record's JSON by the record type's own schema (which keys it has, which
are whole numbers, flags or lines), then appended like a line of a file, with the same checks and exit
statuses.
"""
from __future__ import annotations

import re
import types
import typing
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from ledger.aggregates import RECORD_TYPES
from ledger.messages import unknown_type
from ledger.events import Record
from ledger.reading import Invalid, parse_json
from ledger.values import quote
from ledger.words import WORDS, YES_NO, role_of, value_of

COMMON = ("at", "actor", "role", "key")
WHOLE = re.compile(r"-?[0-9]+")  # ASCII digits only: not "²", not "--5"
SHORT_MONEY = re.compile(r"[0-9]+(\.[0-9]{1,2})?")  # 89 or 44.5, as staff type it: "89.00", "44.50"
LOCAL_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?")  # a local time without offset
AHEAD = timedelta(days=1)  # a time further ahead is a typo (2062 for 2026) unless --future
HIDDEN = {"originator_id", "originator_version", "timestamp", "signed_in"}


def keys_of(cls: type[Record]) -> list[str]:
    """The keys a record type takes, its own first."""
    own = [name for name in cls.model_fields if name not in HIDDEN and name not in COMMON]
    return [*own, *COMMON]


def required(cls: type[Record]) -> list[str]:
    return [name for name in keys_of(cls) if cls.model_fields[name].is_required()]


def kinds(annotation: Any) -> set[Any]:
    """The plain types a field's annotation admits (Optional and Annotated unwrapped)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return kinds(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return {kind for arg in typing.get_args(annotation) for kind in kinds(arg)}
    return {origin or annotation}


def money(text: str) -> str:
    """Money as staff type it: `89` is "89.00", `44.5` is "44.50"; anything else as it is, for the schema to
    judge."""
    return f"{Decimal(text):.2f}" if SHORT_MONEY.fullmatch(text.strip()) else text


def parse_lines(text: str) -> list[dict[str, Any]]:
    """`SKU:QTY[:PRICE],...`, e.g. `TEE-M-BLK:2:89.00,SOCK-W:1:12.00` (or separated by `，`)."""
    found = []
    for part in text.replace("，", ",").split(","):
        fields = part.strip().split(":")
        if len(fields) not in (2, 3) or not WHOLE.fullmatch(fields[1].strip()):
            raise Invalid(f"lines: write each line as SKU:QUANTITY or SKU:QUANTITY:PRICE, got {quote(part.strip())}")
        line: dict[str, Any] = {"sku": fields[0].strip(), "quantity": int(fields[1])}
        if len(fields) == 3:
            line["unit_price"] = money(fields[2].strip())
        found.append(line)
    return found


def value(cls: type[Record], name: str, text: str) -> Any:
    if name == "lines":
        return parse_lines(text)
    admitted = kinds(cls.model_fields[name].annotation)
    if bool in admitted:
        if text.strip() in YES_NO:
            return YES_NO[text.strip()]
        if text.lower() not in ("true", "false", "yes", "no"):
            raise Invalid(f"{name}: must be true or false (or 是 / 否), got {quote(text)}")
        return text.lower() in ("true", "yes")
    if Decimal in admitted:
        return money(text)
    if int in admitted:
        if not WHOLE.fullmatch(text):
            raise Invalid(f"{name}: must be a whole number, got {quote(text)}")
        return int(text)
    if any(isinstance(kind, type) and issubclass(kind, BaseModel) for kind in admitted):
        try:  # params of a PolicyAdopted: {"return_window_days": 10}; read as a record is (no NaN, no null)
            return parse_json(text)
        except Invalid as error:
            raise Invalid(f"{name}: must be a JSON object, e.g. {{\"return_window_days\": 10}}: {error}") from None
    return value_of(cls.__name__, name, text)


def at_value(text: str, now: datetime, zone: tzinfo, future: bool) -> str:
    """`now`, a local time without offset (read in the shop's time zone), or a time with its offset; a time
    more than a day ahead of now is refused unless `future`."""
    text = text.strip()
    if text == "now":
        return now.astimezone(zone).isoformat(timespec="seconds")
    if LOCAL_TIME.fullmatch(text):
        text = datetime.fromisoformat(text.replace(" ", "T")).replace(tzinfo=zone).isoformat()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text  # the schema says what is wrong with it
    if moment.tzinfo is not None and moment - now > AHEAD and not future:
        raise Invalid(f"at: {quote(text)} is more than a day ahead; a typo? (give --future if it is meant)")
    return text


def record_from_words(type_: str, words: list[str], *, now: datetime, zone: tzinfo, actor: str,
                      role: str | None, future: bool = False) -> dict[str, Any]:
    """The record as its JSON line would be; `at` defaults to now (in the shop's time zone)."""
    cls = RECORD_TYPES.get(type_)
    if cls is None:
        raise Invalid(unknown_type(type_, list(RECORD_TYPES), listed=True))
    record: dict[str, Any] = {"type": type_, "at": now.astimezone(zone).isoformat(timespec="seconds"),
                              "actor": actor}
    if role:
        record["role"] = role_of(role)
    given: set[str] = set()
    for word in words:
        name, equals, text = word.partition("=")
        if not equals:
            raise Invalid(f"write each value as KEY=VALUE, got {quote(word)}")
        if name not in keys_of(cls):
            raise Invalid(f"{type_} has no key {quote(name)}; its keys are {', '.join(keys_of(cls))}")
        if name in given:
            raise Invalid(f"{name}: given twice; give each key once")
        given.add(name)
        record[name] = at_value(text, now, zone, future) if name == "at" else value(cls, name, text)
    if "role" not in record:
        raise Invalid("role: give role=... or set LEDGER_ROLE (supervisor, customer_service, shipping_clerk, system)")
    return record


def usage() -> str:
    """Every record type with its keys, for `ledger add --help` (required keys marked with *)."""
    lines = []
    for name, cls in RECORD_TYPES.items():
        must = set(required(cls))
        keys = [(f"{key}*" if key in must else key) + allowed(name, cls, key) for key in keys_of(cls)
                if key not in COMMON]
        lines.append(f"{name}: {' '.join(keys)}")
    return "\n".join(lines)


def literals(annotation: Any) -> list[str]:
    """The values a Literal field (or an Optional one) allows."""
    if typing.get_origin(annotation) is typing.Literal:
        return [str(v) for v in typing.get_args(annotation)]
    return [v for arg in typing.get_args(annotation) for v in literals(arg)]


def allowed(type_: str, cls: type[BaseModel], key: str) -> str:
    """A key's allowed values, with the shop's words for them: `=phone|chat(电话,旺旺,聊天)`."""
    annotation = cls.model_fields[key].annotation
    if annotation is bool:
        return "=true|false(" + ",".join(YES_NO) + ")"
    values = literals(annotation)
    if not values:
        return ""
    words = [word for word, value in (WORDS.get((type_, key)) or WORDS.get((None, key)) or {}).items()
             if value in values]
    return "=" + "|".join(values) + (f"({','.join(words)})" if words else "")
