"""Value types of the record format: money, quantities, times, ids, roles.

Each validator names what is wrong in words a shop clerk can act on; the
messages end up after `line N:` on standard error.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, PlainSerializer, Strict

MONEY_PATTERN = re.compile(r"(0|[1-9]\d{0,11})\.\d{2}")
ZERO = Decimal("0.00")


def parse_money(value: object) -> Decimal:
    if isinstance(value, Decimal):  # computed by the ledger itself, never read from JSON
        return value
    if not isinstance(value, str):
        raise ValueError('money must be a string with two decimal places, e.g. "12.50"')
    if not MONEY_PATTERN.fullmatch(value):
        raise ValueError(f'money must have exactly two decimal places and at most 12 digits before them, got "{value}"')
    return Decimal(value)


def format_money(value: Decimal) -> str:
    return f"{value:.2f}"


def parse_time(value: object) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f'not an ISO 8601 time: "{value}"') from None
    else:
        raise ValueError("time must be an ISO 8601 string with a UTC offset")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError(f'time without UTC offset: "{value}"')
    return parsed


def format_time(value: datetime) -> str:
    return value.isoformat()


Money = Annotated[Decimal, BeforeValidator(parse_money), PlainSerializer(format_money, when_used="json")]
Time = Annotated[datetime, BeforeValidator(parse_time), PlainSerializer(format_time, when_used="json")]
Quantity = Annotated[int, Strict(), Field(ge=1, le=1_000_000)]
Count = Annotated[int, Strict(), Field(ge=0, le=1_000_000_000)]


class Indexed:
    """Marks an id of the ledger's one id namespace (orders, shipments, cases, disputes, SKUs): the write
    side looks these up in its id index before deciding a chunk of records."""


CustomerId = Annotated[str, Strict(), Field(min_length=1, max_length=100, pattern=r"^\S+$")]
Id = Annotated[CustomerId, Indexed()]
Text = Annotated[str, Strict(), Field(max_length=10_000)]
Name = Annotated[str, Strict(), Field(min_length=1, max_length=200, pattern=r"\S")]
Role = Literal["supervisor", "customer_service", "shipping_clerk", "system"]
Payer = Literal["shop", "buyer"]


def first_error(error: Exception) -> str:
    """One line for the first problem of a pydantic ValidationError."""
    errors = getattr(error, "errors", None)
    if not callable(errors):
        return str(error)
    first = errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "missing":
        return f"missing key {where!r}"
    if first["type"] == "extra_forbidden":
        return f"unknown key {where!r}"
    return f"{where}: {message}" if where else message


# -- how view tables hold values: money in cents, times in microseconds since the epoch ----------

EPOCH_UTC = datetime(1970, 1, 1, tzinfo=timezone.utc)


def cents(amount: Decimal) -> int:
    return int(amount * 100)


def money(cents_: int) -> str:
    return format_money(Decimal(cents_) / 100)


def micros(value: datetime) -> int:
    return (value - EPOCH_UTC) // timedelta(microseconds=1)


def from_micros(value: int) -> datetime:
    return EPOCH_UTC + timedelta(microseconds=value)
