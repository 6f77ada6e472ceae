"""`ledger import taobao`: a Taobao/Tmall seller's order and item reports as records (SPEC section 11).

An export is a snapshot of each order's current state, so every fact it shows becomes a record with a
key of its own (`taobao:placed:ORDER`, `taobao:dispatched:ORDER:TRACKING`, ...): importing overlapping
exports day after day stores each fact once, and a fact that appears later is added then. Each record
remembers the file and row it came from, so that an error names them.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Any

from ledger.reading import Invalid

ACTOR, ROLE = "import:taobao", "system"
DEFAULT_MAPPING = Path(__file__).with_name("taobao-mapping.toml")
UNPAID, PAID, SHIPPED, DONE, CLOSED = ("等待买家付款", "买家已付款,等待卖家发货", "卖家已发货,等待买家确认", "交易成功",
                                       "交易关闭")
STATUSES = (UNPAID, PAID, SHIPPED, DONE, CLOSED)
# the columns a report must have; the others (times of dispatch, receipt and closing, messages) may be missing
MONEY = re.compile(r"[0-9]+(\.[0-9]{1,2})?")
REQUIRED = {"order_id", "buyer", "shipping_fee", "address", "phone", "paid_at", "status", "sku", "unit_price",
            "quantity"}


class RowError(Invalid):
    """A row the importer cannot map: `FILE line N: reason` (exit status 2)."""


@dataclass
class Source:
    file: str
    row: int  # counted with the header as row 1

    def error(self, reason: str) -> RowError:
        return RowError(f"{self.file} line {self.row}: {reason}")


@dataclass
class Converted:
    records: list[tuple[dict[str, Any], Source]] = field(default_factory=list)
    unpaid: int = 0  # rows not paid yet: nothing to record
    for_a_person: list[str] = field(default_factory=list)  # closed with a parcel out: what became of it?
    left_out: list[str] = field(default_factory=list)  # --skip-bad: `FILE line N: reason` of each row left out

    def leave_out(self, source: Source, reason: str) -> None:
        """--skip-bad: the row's records taken out, and the row listed with why."""
        self.records = [(record, at) for record, at in self.records if at != source]
        self.left_out.append(f"{source.file} line {source.row}: {reason}")


def read_text(path: Path, encoding: str | None) -> str:
    """GB18030/GBK or UTF-8 with or without BOM, detected unless named."""
    data = path.read_bytes()
    if encoding:
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError) as error:
            raise Invalid(f"{path.name}: cannot be read as {encoding}: {error}") from None
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            raise Invalid(f"{path.name}: neither UTF-8 nor GB18030/GBK text; name it with --encoding") from None


def cell(text: str | None) -> str:
    """A spreadsheet-safe cell as the platform writes it: `="2026…"` and a leading apostrophe unwrapped."""
    text = (text or "").strip()
    if text.startswith('="') and text.endswith('"'):
        text = text[2:-1]
    return text.removeprefix("'").strip()


def rows(path: Path, encoding: str | None, columns: dict[str, str]) -> Iterator[tuple[Source, dict[str, str]]]:
    """Each data row as {our name: cell}, with its source; a mapped column missing from the header is an error."""
    reader = csv.reader(io.StringIO(read_text(path, encoding)))
    header = [cell(name) for name in next(reader, [])]
    missing = [column for name, column in columns.items() if column not in header and name in REQUIRED]
    if missing:
        raise Source(path.name, 1).error(f"no column {missing[0]!r} in the header (see --mapping)")
    where = {name: header.index(column) for name, column in columns.items() if column in header}
    for number, values in enumerate(reader, 2):
        if any(value.strip() for value in values):
            yield Source(path.name, number), {name: cell(values[i]) if i < len(values) else ""
                                              for name, i in where.items()}


def money(text: str, what: str, source: Source) -> str:
    """An amount as the report writes it (`89`, `89.5`, `89.00`); more decimals, or an exponent, are refused,
    never rounded."""
    if not MONEY.fullmatch(text or "0"):
        raise source.error(f"{what}: not an amount of money with at most two decimals: {text!r}")
    return f"{Decimal(text or '0'):.2f}"


def local_time(text: str, what: str, zone: tzinfo, source: Source) -> str:
    try:
        moment = datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise source.error(f"{what}: not a time such as 2026-11-02 10:15:00: {text!r}") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).isoformat()


def load_mapping(path: Path | None) -> dict[str, Any]:
    try:
        return tomllib.loads((path or DEFAULT_MAPPING).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise Invalid(f"{path}: {error}") from None


def convert(orders: Path, items: Path | None, *, mapping: dict[str, Any], zone: tzinfo, as_of: datetime,
            encoding: str | None = None, address_confirmed: bool = False, skip_bad: bool = False) -> Converted:
    """The records the reports show, in report order, each with the row it comes from; `address_confirmed`:
    the policy's `platform_address_confirmed`, an order's address confirmed at its payment; `skip_bad`: a row
    that cannot be read is left out and listed (an order whose item rows were left out too), else the first
    stops the import."""
    out = Converted()

    def left_out(source: Source, error: RowError) -> None:
        if not skip_bad:
            raise error
        out.leave_out(source, str(error).split(": ", 1)[1])

    lines: dict[str, list[dict[str, Any]]] = {}
    broken: dict[str, Source] = {}  # an order with an item row left out: the order is left out whole
    if items is not None:
        for source, row in rows(items, encoding, mapping["items"]):
            try:
                lines.setdefault(row["order_id"], []).append(item_line(row, mapping, source))
            except RowError as error:
                left_out(source, error)
                broken.setdefault(row["order_id"], source)
    now = as_of.astimezone(zone).isoformat()
    for source, row in rows(orders, encoding, mapping["orders"]):
        try:
            if row["order_id"] in broken:
                item = broken[row["order_id"]]
                raise source.error(f"order {row['order_id']}: its item row {item.file} line {item.row} was left out")
            order_records(out, source, row, lines, mapping, zone, now, address_confirmed)
        except RowError as error:
            left_out(source, error)
    return out


def item_line(row: dict[str, str], mapping: dict[str, Any], source: Source) -> dict[str, Any]:
    if not row.get("sku"):
        raise source.error(f"no SKU ({mapping['items']['sku']})")
    if not row.get("quantity", "").isdigit():
        raise source.error(f"quantity ({mapping['items']['quantity']}): not a whole number: "
                           f"{row.get('quantity')!r}")
    return {"sku": row["sku"], "quantity": int(row["quantity"]),
            "unit_price": money(row["unit_price"], mapping["items"]["unit_price"], source)}


def order_records(out: Converted, source: Source, row: dict[str, str], lines: dict[str, list[dict[str, Any]]],
                  mapping: dict[str, Any], zone: tzinfo, now: str, address_confirmed: bool) -> None:
    """The records one row of the order report shows (RowError when it cannot be read)."""
    platform = mapping.get("platform", "taobao")
    status = row.get("status", "").replace("，", ",")
    if status not in STATUSES:
        raise source.error(f"unknown order status {row.get('status')!r}")
    order = row["order_id"]
    if status == UNPAID or (status == CLOSED and not row.get("paid_at")):
        out.unpaid += 1
        return
    if order not in lines:
        raise source.error(f"order {order} has no items in the item report")
    paid = local_time(row["paid_at"], mapping["orders"]["paid_at"], zone, source)

    def add(record_type: str, at: str, key: str, **fields: Any) -> None:
        record = {"type": record_type, "at": at, "actor": ACTOR, "role": ROLE, "key": f"{platform}:{key}",
                  **fields}
        out.records.append((record, source))

    add("OrderPlaced", paid, f"placed:{order}", order_id=order, customer_id=row["buyer"], lines=lines[order],
        shipping_fee=money(row["shipping_fee"], mapping["orders"]["shipping_fee"], source),
        address=row["address"], phone=row["phone"], payment="online")
    if address_confirmed:
        add("AddressConfirmed", paid, f"confirmed:{order}", order_id=order)
    for who, name in (("buyer", "buyer_message"), ("seller", "seller_memo")):
        if row.get(name):
            add("OrderNoted", paid, f"noted:{order}:{who}", order_id=order, note=row[name])
    tracking = row.get("tracking_no", "")
    refund = money(row.get("refund", ""), mapping["orders"].get("refund", "refund"), source)
    if status == CLOSED and not tracking:
        add("OrderCancelled", _at(row, "closed_at", mapping, zone, source, now), f"cancelled:{order}",
            order_id=order, reason=row.get("close_reason") or "交易关闭")
    if status == CLOSED and Decimal(refund) > 0:  # PF-1: the platform paid the buyer back (its 退款金额)
        add("PlatformRefunded", _at(row, "closed_at", mapping, zone, source, now), f"refunded:{order}",
            order_id=order, amount=refund, refund_no=order)
    if status == CLOSED and not tracking or status == PAID:
        return
    if not tracking:
        raise source.error(f"order {order} is {status} but has no tracking number "
                           f"({mapping['orders']['tracking_no']})")
    shipment = f"{order}-{tracking}"
    add("ParcelDispatched", _at(row, "shipped_at", mapping, zone, source, now), f"dispatched:{order}:{tracking}",
        shipment_id=shipment, order_id=order, carrier=row.get("carrier") or platform, tracking_no=tracking,
        postage=money(row.get("postage", ""), "postage", source),
        lines=[{"sku": line["sku"], "quantity": line["quantity"]} for line in lines[order]])
    if status == DONE:
        add("ParcelDelivered", _at(row, "received_at", mapping, zone, source, now), f"delivered:{order}:{tracking}",
            shipment_id=shipment)
    elif status == CLOSED:
        out.for_a_person.append(f"{source.file} line {source.row}: order {order} was closed with parcel "
                                f"{tracking} out; record what became of it (ParcelReturnedToSender or ParcelLost)")


def _at(row: dict[str, str], name: str, mapping: dict[str, Any], zone: tzinfo, source: Source, now: str) -> str:
    """The report's own time of a fact where it has that column, else --as-of."""
    if row.get(name):
        return local_time(row[name], mapping["orders"].get(name, name), zone, source)
    return now
