"""Value types of the record format: money, quantities, times, ids, roles.

Each validator names what is wrong in words a shop clerk can act on; the
messages end up after `line N:` on standard error.
"""
from __future__ import annotations

import json
import re
import unicodedata
from datetime import datetime, timedelta, timezone
from decimal import Decimal

# The limits of SPEC section 2, each written once.
MONEY_PATTERN = re.compile(r"(0|[1-9]\d{0,7})\.\d{2}")  # at most "99999999.99"
MAX_QUANTITY = 1_000_000
YEARS = (1970, 2999)
OFFSETS = (timedelta(hours=-12), timedelta(hours=14))
ORDER_TOTAL = Decimal("99999999.99")  # the most an order's lines may add up to
ID_LENGTH = 64
TEXT_LENGTH = 2000
TRACKING_PATTERN = re.compile(r"[A-Za-z0-9-]{4,40}")
PHONE_PATTERN = re.compile(r"[0-9+\- *]{5,20}")
KEY_PATTERN = re.compile(r"[\x20-\x7e]{1,128}")
PERIOD_PATTERN = re.compile(r"\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?")
QUOTED = 80  # characters of a bad value a message quotes
NOT_IN_IDS = {"Cc", "Cf", "Zl", "Zp"}  # control, format (zero-width, direction) and line separators
TEXT_CONTROLS_ALLOWED = {"\n", "\r", "\t"}
ZERO = Decimal("0.00")
ERASED = "[erased]"  # a forgotten customer's personal field; accepted in any, so an export appends again


def printable(text: str) -> str:
    """Text as a terminal or a message may show it: control, format and separator characters escaped (\\x1b,
    \\u2028, \\u200b, \\u202e), so every message is one line and no value can move the cursor, retitle a
    terminal or reorder the text beside it."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def quote(value: object) -> str:
    """A bad value as a message shows it: escaped, and its first 80 characters at most."""
    if not isinstance(value, str):
        shown = json.dumps(value, default=str)
        return printable(shown[:QUOTED]) + ("..." if len(shown) > QUOTED else "")
    return printable(json.dumps(value[:QUOTED], ensure_ascii=False)) + ("..." if len(value) > QUOTED else "")


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what} must be a string, got {quote(value)}")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(f"{what} is not valid Unicode text (a lone surrogate), got {quote(value)}") from None
    return value


def parse_name(value: object) -> str:
    """Ids, SKUs, staff names, actors, carriers, policy versions."""
    text = _text(value, "an id or name")
    if not 1 <= len(text) <= ID_LENGTH:
        raise ValueError(f"an id or name is 1 to {ID_LENGTH} characters, got {len(text)}: {quote(text)}")
    if text != text.strip():
        raise ValueError(f"an id or name has no leading or trailing space, got {quote(text)}")
    if not text.isprintable() and any(unicodedata.category(c) in NOT_IN_IDS for c in text):  # printable: none
        raise ValueError(f"an id or name has no control, zero-width or direction characters, got {quote(text)}")
    return text


def parse_text(value: object) -> str:
    """Free text: notes, reasons, review and complaint texts, purposes, addresses."""
    text = _text(value, "text")
    if len(text) > TEXT_LENGTH:
        raise ValueError(f"text is at most {TEXT_LENGTH} characters, got {len(text)}: {quote(text)}")
    if not text.isprintable() and any(unicodedata.category(c) == "Cc" and c not in TEXT_CONTROLS_ALLOWED
                                      for c in text):
        raise ValueError(f"text has no control characters other than line breaks and tabs, got {quote(text)}")
    return text


def parse_tracking(value: object) -> str:
    """A tracking number; "" is none (a replacement without one is refused under AS-7)."""
    text = _text(value, "a tracking number")
    if text and not TRACKING_PATTERN.fullmatch(text):
        raise ValueError(f"a tracking number is 4 to 40 letters, digits or -, got {quote(text)}")
    return text


def parse_period(value: object) -> str:
    """A target's period: a year, a quarter or a month."""
    text = _text(value, "a period")
    if not PERIOD_PATTERN.fullmatch(text):
        raise ValueError(f"a period is YYYY, YYYY-Qn or YYYY-MM, got {quote(text)}")
    return text


def parse_phone(value: object) -> str:
    text = _text(value, "a phone number")
    if text != ERASED and not PHONE_PATTERN.fullmatch(text):
        raise ValueError(f"a phone number is 5 to 20 digits, +, -, spaces or * (masked), got {quote(text)}")
    return text


def check_key(value: object) -> str:
    if not isinstance(value, str) or not KEY_PATTERN.fullmatch(value):
        raise ValueError(f"a key is 1 to 128 printable ASCII characters, got {quote(value)}")
    return value


def parse_count(value: object, least: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"must be a whole number, got {quote(value)}")
    if not least <= value <= MAX_QUANTITY:
        raise ValueError(f"must be a whole number from {least} to {MAX_QUANTITY:,}, got {quote(value)}")
    return value


def parse_quantity(value: object) -> int:
    return parse_count(value, least=1)


def parse_money(value: object) -> Decimal:
    if isinstance(value, Decimal):  # computed by the ledger itself, never read from JSON
        return value
    if not isinstance(value, str):
        raise ValueError(f'money must be a string with two decimal places, e.g. "12.50", got {quote(value)}')
    if not MONEY_PATTERN.fullmatch(value):
        raise ValueError('money must have exactly two decimal places and be at most "99999999.99", '
                         f"got {quote(value)}")
    return Decimal(value)


DERIVED_MONEY_PATTERN = re.compile(r"-?(0|[1-9]\d*)\.\d{2}")


def parse_derived_money(value: object) -> Decimal:
    """A sum the ledger worked out itself (a cancelled order's refund, goods and fee): exact at any size."""
    if isinstance(value, Decimal):
        return value
    if not isinstance(value, str) or not DERIVED_MONEY_PATTERN.fullmatch(value):
        raise ValueError(f"a derived amount has two decimal places, got {quote(value)}")
    return Decimal(value)


def format_money(value: Decimal) -> str:
    return f"{value:.2f}"


def parse_time(value: object) -> datetime:
    """A record's time: in the years 1970 to 2999 as written, with an offset of whole minutes from -12:00 to
    +14:00."""
    parsed = parse_derived_time(value)
    if not YEARS[0] <= parsed.year <= YEARS[1]:
        raise ValueError(f"a time falls in the years {YEARS[0]} to {YEARS[1]}, got {quote(value)}")
    offset = parsed.utcoffset()
    if offset % timedelta(minutes=1) or not OFFSETS[0] <= offset <= OFFSETS[1]:
        raise ValueError(f"a time's UTC offset is whole minutes from -12:00 to +14:00, got {quote(value)}")
    return parsed


def parse_derived_time(value: object) -> datetime:
    """A time the ledger worked out itself (a due in the year 3000): any ISO 8601 time with an offset."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"not an ISO 8601 time: {quote(value)}") from None
    else:
        raise ValueError(f"time must be an ISO 8601 string with a UTC offset, got {quote(value)}")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError(f"time without UTC offset: {quote(value)}")
    return parsed


def format_time(value: datetime) -> str:
    return value.isoformat()


# what the ledger says for pydantic's own checks, in the words of a shop's clerk
PLAIN = {
    "literal_error": lambda e: f"must be one of {e['ctx']['expected']}, got {quote(e['input'])}",
    "too_short": lambda e: "at least one line is needed" if e["loc"][-1] == "lines" else "must not be empty",
    "too_long": lambda e: f"at most {e['ctx']['max_length']:,} items",
    "tuple_type": lambda e: f"must be a list, got {quote(e['input'])}",
    "list_type": lambda e: f"must be a list, got {quote(e['input'])}",
    "model_type": lambda e: f"must be an object, got {quote(e['input'])}",
    "model_attributes_type": lambda e: f"must be an object, got {quote(e['input'])}",
    "dict_type": lambda e: f"must be an object, got {quote(e['input'])}",
    "bool_type": lambda e: f"must be true or false, got {quote(e['input'])}",
    "string_type": lambda e: f"must be a string, got {quote(e['input'])}",
    "int_type": lambda e: f"must be a whole number, got {quote(e['input'])}",
}


def first_error(error: Exception) -> str:
    """One line for the first problem of a pydantic ValidationError, naming the key."""
    errors = getattr(error, "errors", None)
    if not callable(errors):
        return str(error)
    first = errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    if first["type"] == "missing":
        return f"missing key {where!r}"
    if first["type"] == "extra_forbidden":
        return f"unknown key {where!r}"
    plain = PLAIN.get(first["type"])
    message = plain(first) if plain else first["msg"].removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


# -- how view tables hold values: money in cents, times in microseconds since the epoch ----------

EPOCH_UTC = datetime(1970, 1, 1, tzinfo=timezone.utc)


def cents_of(stored: str) -> int:
    """Cents of an amount as stored ("12.50": always two decimals)."""
    return int(stored.replace(".", ""))


def money(cents_: int) -> str:
    return format_money(Decimal(cents_) / 100)


MICROSECOND = timedelta(microseconds=1)


def micros(value: datetime) -> int:
    return (value - EPOCH_UTC) // MICROSECOND


def from_micros(value: int) -> datetime:
    return EPOCH_UTC + timedelta(microseconds=value)
