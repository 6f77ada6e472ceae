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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Any

from ledger.messages import say
from ledger.reading import Invalid

ACTOR, ROLE = "import:taobao", "system"
DEFAULT_MAPPING = Path(__file__).with_name("taobao-mapping.toml")
UNPAID, PAID, SHIPPED, DONE, CLOSED = ("等待买家付款", "买家已付款,等待卖家发货", "卖家已发货,等待买家确认", "交易成功",
                                       "交易关闭")
STATUSES = (UNPAID, PAID, SHIPPED, DONE, CLOSED)
# the columns a report must have; the others (times of dispatch, receipt and closing, messages) may be missing
MONEY = re.compile(r"[0-9]+(\.[0-9]{1,2})?")
WHOLE = re.compile(r"[0-9]+")  # ASCII digits only: not "²"
MANGLED = re.compile(r"[0-9](\.[0-9]+)?[eE]\+?[0-9]+")  # 4.1E+18: an id a spreadsheet made a number of
REQUIRED = {"orders": {"order_id", "buyer", "shipping_fee", "address", "phone", "paid_at", "status"},
            "items": {"order_id", "sku", "unit_price", "quantity"},
            "refunds": {"refund_no", "order_id", "status", "amount", "needs_return", "reason", "requested_at"}}
PARCEL = ("ParcelDispatched", "ParcelDelivered", "RecordVoided")  # a row's parcel, set aside as one
# what, once recorded, settles a row that needed a person: an order's parcel dispatched by hand, what became
# of a parcel out when its order closed, a refund the shop refused on the platform ruled on or ended
DISPATCHED, FATES = ("ParcelDispatched",), ("ParcelDelivered", "ParcelReturnedToSender", "ParcelLost")
RULED = ("SupervisorRuled", "ReturnWithdrawn", "PlatformRefunded")
SEVERAL = re.compile(r"[,，;；/、\s]+")  # what separates two tracking numbers written in one cell
ASKED, AGREED, SENT_BACK, REFUNDED, WITHDRAWN, REFUSED = (
    "买家已经申请退款,等待卖家同意", "卖家已经同意退款,等待买家退货", "买家已经退货,等待卖家确认收货", "退款成功", "退款关闭",
    "卖家拒绝退款")
REFUND_STATUSES = (ASKED, AGREED, SENT_BACK, REFUNDED, WITHDRAWN, REFUSED)


class RowError(Invalid):
    """A row the importer cannot map: `FILE line N: reason` (exit status 2)."""

    def __init__(self, source: Source, reason: str):
        super().__init__(f"{source.file} line {source.row}: {reason}")
        self.reason = reason


@dataclass
class Source:
    file: str
    row: int  # counted with the header as row 1

    def error(self, reason: str) -> RowError:
        return RowError(self, reason)


@dataclass(frozen=True)
class Attention:
    """A row that needs a person (a message key of the catalogue and its values), until one of `settled_by`
    is recorded in the streams of `subject` (an order with its shipments, a shipment, a case); with none, it
    is said on the import that first stores `subject`, and settled by that."""

    source: Source
    message: str
    values: tuple[tuple[str, str], ...]
    subject: str
    settled_by: tuple[str, ...] = ()

    def said(self) -> str:
        return say(self.message, where=say("file_line", file=self.source.file, n=self.source.row), **dict(self.values))


@dataclass
class Converted:
    records: list[tuple[dict[str, Any], Source]] = field(default_factory=list)
    unpaid: int = 0  # rows not paid yet: nothing to record
    for_a_person: list[Attention] = field(default_factory=list)  # closed with a parcel out: what became of it?
    left_out: list[str] = field(default_factory=list)  # --skip-bad: `FILE line N: reason` of each row left out

    def attend(self, source: Source, message: str, subject: str, settled_by: tuple[str, ...] = (),
               **values: str) -> None:
        self.for_a_person.append(Attention(source, message, tuple(values.items()), subject, settled_by))

    def add(self, record_type: str, at: str, key: str, source: Source, **fields: Any) -> None:
        self.records.append(({"type": record_type, "at": at, "actor": ACTOR, "role": ROLE, "key": key, **fields},
                             source))

    def set_aside(self, source: Source, reason: str) -> bool:
        """A row's parcel the rules refuse as it stands: its dispatch (and what followed it) taken out and listed
        as needing a person, the rest of the row kept; False when the row has no parcel to set aside."""
        parcel = [record for record, at in self.records if at == source and record["type"] in PARCEL]
        if not parcel:
            return False
        self.records = [(record, at) for record, at in self.records if not (at == source and record["type"] in PARCEL)]
        order = next((record["order_id"] for record in parcel if record.get("order_id")), "")
        self.attend(source, "person_set_aside", order, DISPATCHED, reason=reason)
        return True

    def leave_out(self, source: Source, reason: str) -> None:
        """--skip-bad: the row's records taken out, and the row listed with why."""
        self.records = [(record, at) for record, at in self.records if at != source]
        self.left_out.append(f"{source.file} line {source.row}: {reason}")

    def unreadable(self, source: Source, error: RowError, skip_bad: bool) -> None:
        """A row that cannot be read: left out and listed with `skip_bad`, else the import stops at it."""
        if not skip_bad:
            raise error
        self.leave_out(source, error.reason)


def read_text(path: Path, encoding: str | None) -> str:
    """GB18030/GBK or UTF-8 with or without BOM, detected unless named."""
    data = path.read_bytes()
    if encoding:
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError) as error:
            raise Invalid(f"{path.name}: cannot be read as {encoding}: {error}") from None
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict")
        except UnicodeDecodeError:
            raise Invalid(f"{path.name}: starts with a UTF-8 byte-order mark but is not UTF-8 text (GBK after "
                          "it?); export it again, or name its encoding with --encoding") from None
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


def rows(path: Path, encoding: str | None, columns: dict[str, str], required: set[str], other: str | None = None,
         ) -> Iterator[tuple[Source, dict[str, str]]]:
    """Each data row as {our name: cell}, with its source; a mapped column missing from the header, or one named
    twice, is an error. `other`: a column of the other report, to say so when the two files are swapped."""
    reader = csv.reader(io.StringIO(read_text(path, encoding), newline=None))  # \r\n, \n or \r alone
    try:
        header = [cell(name) for name in next(reader, [])]
        twice = sorted({name for name in header if name and header.count(name) > 1})
        if twice:
            raise Source(path.name, 1).error(f"column {twice[0]!r} appears twice in the header")
        missing = [column for name, column in columns.items() if column not in header and name in required]
        if missing and other is not None and other in header:
            raise Source(path.name, 1).error(f"this looks like the other report (it has {other!r}): give the "
                                             "order report first, then the item report")
        if missing:
            raise Source(path.name, 1).error(f"no column {missing[0]!r} in the header (see --mapping)")
        where = {name: header.index(column) for name, column in columns.items() if column in header}
        for values in reader:
            if any(value.strip() for value in values):
                yield Source(path.name, reader.line_num), {name: cell(values[i]) if i < len(values) else ""
                                                           for name, i in where.items()}
    except csv.Error as error:  # a cell over the csv module's limit, a quote never closed, a NUL byte
        raise Source(path.name, reader.line_num).error(f"cannot be read as CSV: {error}") from None


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


def load_mapping(path: Path | None, tables: tuple[str, ...] = ("orders", "items")) -> dict[str, Any]:
    """The column mapping, checked whole before any row is read: its tables of column names (the reports'
    `tables`), each required column named."""
    where = path or DEFAULT_MAPPING
    try:
        mapping = tomllib.loads(where.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise Invalid(f"{where.name}: {error}") from None
    except RecursionError:
        raise Invalid(f"{where.name}: nested too deep to be a column mapping") from None
    if "refunds" in tables and not isinstance(mapping.get("refund_reasons"), dict):
        raise Invalid(f"{where.name}: no [refund_reasons] table of the platform's phrases")
    for table in tables:
        needed = REQUIRED[table]
        columns = mapping.get(table)
        if not isinstance(columns, dict):
            raise Invalid(f"{where.name}: no [{table}] table of column names")
        wrong = [name for name, column in columns.items() if not isinstance(column, str)]
        if wrong:
            raise Invalid(f"{where.name}: [{table}] {wrong[0]} must name a column, as a string")
        if needed - set(columns):
            raise Invalid(f"{where.name}: [{table}] names no column for {sorted(needed - set(columns))[0]}")
    return mapping


def convert(orders: Path, items: Path | None, *, mapping: dict[str, Any], zone: tzinfo, as_of: datetime,
            pseudonym: Callable[[str], str], encoding: str | None = None, address_confirmed: bool = False,
            skip_bad: bool = False) -> Converted:
    """The records the reports show, in report order, each with the row it comes from; `pseudonym`: a buyer's
    name -> their customer id (Keyring.pseudonym); `address_confirmed`: the policy's
    `platform_address_confirmed`, an order's address confirmed at its payment; `skip_bad`: a row that cannot
    be read is left out and listed (an order whose item rows were left out too), else the first stops the
    import."""
    out = Converted()
    lines: dict[str, list[dict[str, Any]]] = {}
    broken: dict[str, Source] = {}  # an order with an item row left out: the order is left out whole
    if items is not None:
        for source, row in rows(items, encoding, mapping["items"], REQUIRED["items"],
                                other=mapping["orders"]["status"]):
            try:
                lines.setdefault(row["order_id"], []).append(item_line(row, mapping, source))
            except RowError as error:
                out.unreadable(source, error, skip_bad)
                broken.setdefault(row["order_id"], source)
    now = as_of.astimezone(zone).isoformat()
    for source, row in rows(orders, encoding, mapping["orders"], REQUIRED["orders"], other=mapping["items"]["sku"]):
        try:
            if row["order_id"] in broken:
                item = broken[row["order_id"]]
                raise source.error(f"order {row['order_id']}: its item row {item.file} line {item.row} was left out")
            order_records(out, source, row, lines, mapping, zone, now, address_confirmed, pseudonym)
        except RowError as error:
            out.unreadable(source, error, skip_bad)
    return out


def check_id(text: str, column: str, source: Source) -> None:
    if MANGLED.fullmatch(text):
        raise source.error(f"{column} {text!r} was turned into a number by a spreadsheet and lost its digits: "
                           "export the report again, or open it with that column as text")


def item_line(row: dict[str, str], mapping: dict[str, Any], source: Source) -> dict[str, Any]:
    check_id(row["order_id"], mapping["items"]["order_id"], source)
    if not row.get("sku"):
        raise source.error(f"no SKU ({mapping['items']['sku']})")
    if not WHOLE.fullmatch(row.get("quantity", "")):
        raise source.error(f"quantity ({mapping['items']['quantity']}): not a whole number: "
                           f"{row.get('quantity')!r}")
    return {"sku": row["sku"], "quantity": int(row["quantity"]),
            "unit_price": money(row["unit_price"], mapping["items"]["unit_price"], source)}


def order_records(out: Converted, source: Source, row: dict[str, str], lines: dict[str, list[dict[str, Any]]],
                  mapping: dict[str, Any], zone: tzinfo, now: str, address_confirmed: bool,
                  pseudonym: Callable[[str], str]) -> None:
    """The records one row of the order report shows (RowError when it cannot be read)."""
    platform = mapping.get("platform", "taobao")
    check_id(row["order_id"], mapping["orders"]["order_id"], source)
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
    if not row["buyer"]:
        raise source.error(f"no buyer ({mapping['orders']['buyer']})")

    def add(record_type: str, at: str, key: str, **fields: Any) -> None:
        out.add(record_type, at, f"{platform}:{key}", source, **fields)

    add("OrderPlaced", paid, f"placed:{order}", order_id=order, customer_id=pseudonym(row["buyer"]),
        lines=lines[order], shipping_fee=money(row["shipping_fee"], mapping["orders"]["shipping_fee"], source),
        address=row["address"], phone=row["phone"], payment="online", buyer_name=row["buyer"])
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
    if len(SEVERAL.split(tracking.strip())) > 1:
        out.attend(source, "person_several_tracking", order, DISPATCHED, order=order, tracking=tracking)
        return
    shipment = f"{order}-{tracking}"
    add("ParcelDispatched", _at(row, "shipped_at", mapping, zone, source, now), f"dispatched:{order}:{tracking}",
        shipment_id=shipment, order_id=order, carrier=row.get("carrier") or platform, tracking_no=tracking,
        postage=money(row.get("postage", ""), "postage", source),
        lines=[{"sku": line["sku"], "quantity": line["quantity"]} for line in lines[order]])
    if status == DONE:
        add("ParcelDelivered", _at(row, "received_at", mapping, zone, source, now), f"delivered:{order}:{tracking}",
            shipment_id=shipment)
    elif status == CLOSED:
        out.attend(source, "person_parcel_out", shipment, FATES, order=order, tracking=tracking)


def _at(row: dict[str, str], name: str, mapping: dict[str, Any], zone: tzinfo, source: Source, now: str) -> str:
    """The report's own time of a fact where it has that column, else --as-of."""
    if row.get(name):
        return local_time(row[name], mapping["orders"].get(name, name), zone, source)
    return now


# -- the refund report (退款管理) -------------------------------------------------------------------

def convert_refunds(refunds: Path, *, mapping: dict[str, Any], zone: tzinfo, as_of: datetime,
                    order_lines: Callable[[str], list[dict[str, Any]] | None], encoding: str | None = None,
                    skip_bad: bool = False) -> Converted:
    """The records the refund report shows: each refund a case `TB-` + 退款编号 of its order, with what became
    of it (SPEC section 11). `order_lines(order)`: the order's lines as the ledger has them (None: not there)."""
    out = Converted()
    now = as_of.astimezone(zone).isoformat()
    for source, row in rows(refunds, encoding, mapping["refunds"], REQUIRED["refunds"],
                            other=mapping["orders"]["buyer"]):
        try:
            refund_records(out, source, row, mapping, zone, now, order_lines)
        except RowError as error:
            out.unreadable(source, error, skip_bad)
    return out


def refund_records(out: Converted, source: Source, row: dict[str, str], mapping: dict[str, Any], zone: tzinfo,
                   now: str, order_lines: Callable[[str], list[dict[str, Any]] | None]) -> None:
    columns = mapping["refunds"]
    platform = mapping.get("platform", "taobao")
    number, order = row["refund_no"], row["order_id"]
    check_id(order, columns["order_id"], source)
    status = row.get("status", "").replace("，", ",")
    if status not in REFUND_STATUSES:
        raise source.error(f"unknown refund status {row.get('status')!r}")
    lines = order_lines(order)
    if lines is None:
        raise source.error(f"order {order} is not in the ledger: import its order report first")
    if row.get("sku"):
        lines = [line for line in lines if line["sku"] == row["sku"]]
        if not lines:
            raise source.error(f"order {order} has no line of {row['sku']!r} ({columns['sku']})")
    needs_return = row.get("needs_return", "").strip()
    if needs_return not in ("是", "否"):
        raise source.error(f"{columns['needs_return']}: 是 or 否, got {needs_return!r}")
    phrase = row.get("reason", "")
    reason = mapping["refund_reasons"].get(phrase)
    if reason is None:
        reason = "no_reason"
        out.attend(source, "person_reason_unknown", f"TB-{number}", number=number, phrase=repr(phrase))
    case = f"TB-{number}"

    def add(record_type: str, at: str, fact: str, **fields: Any) -> None:
        out.add(record_type, at, f"{platform}:refund:{number}:{fact}", source, case_id=case, **fields)

    requested = local_time(row["requested_at"], columns["requested_at"], zone, source)
    add("ReturnRequested", requested, "requested",
        order_id=order, kind="return" if needs_return == "是" else "refund_only", reason=reason,
        lines=[{"sku": line["sku"], "quantity": line["quantity"]} for line in lines])
    finished = local_time(row["finished_at"], columns.get("finished_at", "finished_at"), zone, source) \
        if row.get("finished_at") else now
    tracking = row.get("tracking_no", "")
    if status == SENT_BACK and tracking:  # dated as the request: the report says not when it was sent, and a
        # date that moved with each day's export would hold other values under the same key the next day
        add("ReturnParcelSent", requested, "sent", tracking_no=tracking,
            **({"carrier": row["carrier"]} if row.get("carrier") else {}))
    if status == REFUNDED:
        if needs_return == "是" and tracking:
            add("ReturnParcelReceived", finished, "received", tracking_no=tracking, method="express",
                postage=money(row.get("postage", ""), columns.get("postage", "postage"), source))
        add("PlatformRefunded", finished, "refunded", amount=money(row["amount"], columns["amount"], source),
            refund_no=number)
    elif status == WITHDRAWN:
        add("ReturnWithdrawn", finished, "withdrawn", reason=phrase or status)
    elif status == REFUSED:
        out.attend(source, "person_refund_refused", case, RULED, number=number, case=case)


def waiting(reader: Any, attentions: list[Attention], stored: bool) -> list[Attention]:
    """What still needs a person, each once. Before the append (`stored` false): all but the notes on a subject
    the ledger already has (said when it was stored); after it: all but those settled since."""
    found: dict[tuple, Attention] = {}
    for attention in attentions:
        if attention.settled_by and stored:
            streams = reader.streams_of(attention.subject)
            if any(topic.rpartition(":")[2] in attention.settled_by for _, _, _, topic, _ in reader.rows_of(streams)):
                continue
        elif not attention.settled_by and not stored and reader.kind_of(attention.subject) is not None:
            continue
        found.setdefault((attention.message, attention.values, attention.subject), attention)
    return list(found.values())
