"""The value types of the records' schemas (SPEC section 2): each a Python type with the check and the stored
form of values.py. Only the schemas import this module, so that reading a store needs no pydantic."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BeforeValidator, PlainSerializer

from ledger.values import (
    format_money, format_time, parse_count, parse_derived_money, parse_derived_time, parse_money, parse_name,
    parse_period, parse_phone, parse_quantity, parse_text, parse_time, parse_tracking,
)

Money = Annotated[Decimal, BeforeValidator(parse_money), PlainSerializer(format_money, when_used="json")]
Time = Annotated[datetime, BeforeValidator(parse_time), PlainSerializer(format_time, when_used="json")]
# a decision's own times and sums, worked out from records: stored and shown whatever their size
DerivedMoney = Annotated[Decimal, BeforeValidator(parse_derived_money),
                         PlainSerializer(format_money, when_used="json")]
DerivedTime = Annotated[datetime, BeforeValidator(parse_derived_time),
                        PlainSerializer(format_time, when_used="json")]
Quantity = Annotated[int, BeforeValidator(parse_quantity)]
Count = Annotated[int, BeforeValidator(parse_count)]


class Indexed:
    """Marks an id of the ledger's one id namespace (orders, shipments, cases, disputes, SKUs): the write
    side looks these up in its id index before deciding a chunk of records."""


Name = Annotated[str, BeforeValidator(parse_name)]  # staff, actors, carriers, versions: the id rule
CustomerId = Name
Id = Annotated[Name, Indexed()]
Text = Annotated[str, BeforeValidator(parse_text)]
TrackingNo = Annotated[str, BeforeValidator(parse_tracking)]
Phone = Annotated[str, BeforeValidator(parse_phone)]
Period = Annotated[str, BeforeValidator(parse_period)]
Role = Literal["supervisor", "customer_service", "shipping_clerk", "system"]
Payer = Literal["shop", "buyer"]
