"""`ledger import taobao`: a Taobao/Tmall seller's order and item reports as records (SPEC section 11).

An export is a snapshot of each order's current state, so every fact it shows becomes a record with a
key of its own (`taobao:placed:ORDER`, `taobao:dispatched:ORDER:TRACKING`, ...): importing overlapping
exports day after day stores each fact once, and a fact that appears later is added then. Each record
remembers the file and row it came from, so that an error names them.
"""
from __future__ import annotations

import codecs
import csv
import re
import sqlite3
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import orjson

from ledger.messages import say
from ledger.projections.find import term
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
# what, once recorded, settles a row that needed a person: what became of a parcel out when its order closed,
# a refund the shop refused on the platform ruled on or ended (a parcel set aside: Attention.settled)
FATES = ("ParcelDelivered", "ParcelReturnedToSender", "ParcelLost")
RULED = ("SupervisorRuled", "ReturnWithdrawn", "PlatformRefunded")
SEVERAL = re.compile(r"[,，;；/、\s]+")  # what separates two tracking numbers written in one cell
ASKED, AGREED, SENT_BACK, REFUNDED, WITHDRAWN, REFUSED = (
    "买家已经申请退款,等待卖家同意", "卖家已经同意退款,等待买家退货", "买家已经退货,等待卖家确认收货", "退款成功", "退款关闭",
    "卖家拒绝退款")
REFUND_STATUSES = (ASKED, AGREED, SENT_BACK, REFUNDED, WITHDRAWN, REFUSED)


class RowError(Invalid):
    """A row the importer cannot map: `FILE line N: reason` (exit status 2)."""

    def __init__(self, source: Source, reason: str):
        super().__init__(say("row_said", where=source.where(), said=reason))
        self.reason = reason


@dataclass(frozen=True)
class Source:
    file: str
    row: int  # counted with the header as row 1

    def error(self, key: str, **values: Any) -> RowError:
        """The row's error, in the reader's language: a message of the catalogue and its values."""
        return RowError(self, say(key, **values))

    def where(self) -> str:
        return say("file_line", file=self.file, n=self.row)


@dataclass(frozen=True)
class Attention:
    """A row that needs a person (a message key of the catalogue and its values), until what settles it is
    recorded in the streams of `subject` (an order with its shipments, a shipment, a case): one of
    `settled_by`; or, for a parcel the import could not record (`parcel`: its tracking number or numbers), a
    dispatch of one of them and, when the row showed it delivered, its delivery. With neither, it is said on
    the import that first stores `subject`, and settled by that."""

    source: Source
    message: str
    values: tuple[tuple[str, str], ...]
    subject: str
    settled_by: tuple[str, ...] = ()
    parcel: str = ""
    delivered: bool = False

    def said(self) -> str:
        return say(self.message, where=self.source.where(), **dict(self.values))

    def settled(self, reader: Any) -> bool:
        found: dict[str, list[dict]] = {}
        for _, _, _, topic, state in reader.rows_of(reader.streams_of(self.subject)):
            found.setdefault(topic.rpartition(":")[2], []).append(orjson.loads(bytes(state)))
        if not self.parcel:
            return any(name in found for name in self.settled_by)
        numbers = {term(number) for number in SEVERAL.split(self.parcel.strip())}
        sent = {e["shipment_id"] for e in found.get("ParcelDispatched", []) if term(e["tracking_no"]) in numbers}
        return bool(sent) and (not self.delivered or any(e["shipment_id"] in sent
                                                          for e in found.get("ParcelDelivered", [])))


Record = tuple[dict[str, Any], Source]


class Converted:
    """An import's records, read row by row from the reports each time `records()` is iterated (an export's
    size bounds no memory): the rows set aside or left out so far are taken out as they come, and what the pass
    met (rows not paid, rows for a person, rows left out) is counted afresh on each pass."""

    def __init__(self, produce: Callable[[Converted], Iterator[tuple[Source, Callable[[], None]]]],
                 skip_bad: bool, rows: int, now: str):
        self._produce = produce  # each row's source and what converts it (adding its records here)
        self.skip_bad = skip_bad
        self.rows = rows  # the main report's data rows, for the progress of an import
        self.now = now  # --as-of, in the shop's time: the time of a fact the report gives none for
        self.aside: dict[Source, str] = {}  # rows whose parcel the rules refuse, and why
        self.out: dict[Source, str] = {}  # --skip-bad: rows whose records the rules refuse, and why
        self.earlier_left_out: list[str] = []  # rows left out before any pass (the item report's)
        self.changes: Callable[[list[Record]], list[Record]] = lambda records: records
        self._start()

    def _start(self) -> None:
        self.unpaid = 0  # rows not paid yet: nothing to record
        self.for_a_person: list[Attention] = []
        self.left_out: list[str] = list(self.earlier_left_out)  # `FILE line N: reason` of each row left out
        self._row: list[Record] = []

    def records(self, advance: Callable[[int], None] | None = None) -> Iterator[Record]:
        """A pass over the reports: each row's records (as their changes, `changes`), `advance(1)` a row."""
        self._start()
        chunk: list[Record] = []
        for source, convert in self._produce(self):
            chunk += self._converted(source, convert)
            if advance is not None:
                advance(1)
            if len(chunk) >= 500:
                yield from self.changes(chunk)
                chunk = []
        yield from self.changes(chunk)

    def _converted(self, source: Source, convert: Callable[[], None]) -> list[Record]:
        """A row's records, but those set aside, or none for a row left out (which then needs nobody)."""
        self._row, said = [], len(self.for_a_person)
        try:
            convert()
        except RowError as error:
            self.unreadable(source, error)
            del self.for_a_person[said:]
            return []
        if source in self.out:
            self.left_out.append(say("row_said", where=source.where(), said=self.out[source]))
            del self.for_a_person[said:]
            return []
        if source not in self.aside:
            return self._row
        parcel = [record for record, _ in self._row if record["type"] in PARCEL]
        sent = next((record for record in parcel if record["type"] == "ParcelDispatched"), {})
        self.attend(source, "person_set_aside", sent.get("order_id", ""), parcel=sent.get("tracking_no", ""),
                    delivered=any(record["type"] == "ParcelDelivered" for record in parcel),
                    reason=self.aside[source])
        return [(record, at) for record, at in self._row if record["type"] not in PARCEL]

    def attend(self, source: Source, message: str, subject: str, settled_by: tuple[str, ...] = (),
               parcel: str = "", delivered: bool = False, **values: str) -> None:
        self.for_a_person.append(Attention(source, message, tuple(values.items()), subject, settled_by, parcel,
                                           delivered))

    def add(self, record_type: str, at: str, key: str, source: Source, **fields: Any) -> None:
        self._row.append(({"type": record_type, "at": at, "actor": ACTOR, "role": ROLE, "key": key, **fields},
                          source))

    def set_aside(self, source: Source, record_type: str, reason: str) -> bool:
        """A row's parcel the rules refuse as it stands: on the next pass its dispatch (and what followed it) is
        taken out and listed as needing a person, the rest of the row kept; False when it is not a parcel's."""
        if record_type not in PARCEL or source in self.aside:
            return False
        self.aside[source] = reason
        return True

    def leave_out(self, source: Source, reason: str) -> bool:
        """--skip-bad: on the next pass the row's records are taken out, and the row listed with why; False when
        it was already (a record of the import that no row holds was refused)."""
        if source in self.out:
            return False
        self.out[source] = reason
        return True

    def unreadable(self, source: Source, error: RowError) -> None:
        """A row that cannot be read: left out and listed with --skip-bad, else the import stops at it."""
        if not self.skip_bad:
            raise error
        self.left_out.append(str(error))


def encoding_of(path: Path, named: str | None) -> tuple[str, int]:
    """The codec a report is read with (`named`, else UTF-8 with or without BOM, or GB18030/GBK), checked
    over the whole file a block at a time; and the file's count of line ends (a bound on its rows)."""
    with path.open("rb") as file:
        bom = file.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8
    for codec in [named] if named else ["utf-8-sig"] if bom else ["utf-8", "gb18030"]:
        try:
            decoder = codecs.getincrementaldecoder(codec)(errors="strict")
            lines = 0
            with path.open("rb") as file:
                while block := file.read(1 << 20):
                    decoder.decode(block)
                    lines += block.count(b"\n") or block.count(b"\r")
                decoder.decode(b"", final=True)
            return codec, lines
        except (LookupError, UnicodeDecodeError) as error:
            if named:
                raise Invalid(say("import_not_encoded", file=path.name, encoding=named, error=error)) from None
    raise Invalid(say("import_bom_not_utf8" if bom else "import_no_encoding", file=path.name))


def cell(text: str | None) -> str:
    """A spreadsheet-safe cell as the platform writes it: `="2026…"` and a leading apostrophe unwrapped."""
    text = (text or "").strip()
    if text.startswith('="') and text.endswith('"'):
        text = text[2:-1]
    return text.removeprefix("'").strip()


def rows(path: Path, codec: str, columns: dict[str, str], required: set[str], other: str | None = None,
         ) -> Iterator[tuple[Source, dict[str, str]]]:
    """Each data row as {our name: cell}, with its source, read one at a time; a mapped column missing from the
    header, or one named twice, is an error. `other`: a column of the other report, to say so when the two
    files are swapped."""
    with path.open(encoding=codec, newline="") as text:  # \r\n, \n or \r alone end a row
        yield from _rows(csv.reader(text), path, columns, required, other)


def _rows(reader: Any, path: Path, columns: dict[str, str], required: set[str], other: str | None,
          ) -> Iterator[tuple[Source, dict[str, str]]]:
    try:
        header = [cell(name) for name in next(reader, [])]
        twice = sorted({name for name in header if name and header.count(name) > 1})
        if twice:
            raise Source(path.name, 1).error("import_column_twice", column=repr(twice[0]))
        missing = [column for name, column in columns.items() if column not in header and name in required]
        if missing and other is not None and other in header:
            raise Source(path.name, 1).error("import_swapped", column=repr(other))
        if missing:
            raise Source(path.name, 1).error("import_no_column", column=repr(missing[0]))
        where = {name: header.index(column) for name, column in columns.items() if column in header}
        for values in reader:
            if any(value.strip() for value in values):
                yield Source(path.name, reader.line_num), {name: cell(values[i]) if i < len(values) else ""
                                                           for name, i in where.items()}
    except csv.Error as error:  # a cell over the csv module's limit, a quote never closed, a NUL byte
        raise Source(path.name, reader.line_num).error("import_not_csv", error=error) from None


def money(text: str, what: str, source: Source) -> str:
    """An amount as the report writes it (`89`, `89.5`, `89.00`); more decimals, or an exponent, are refused,
    never rounded."""
    if not MONEY.fullmatch(text or "0"):
        raise source.error("import_not_money", what=what, text=repr(text))
    return f"{Decimal(text or '0'):.2f}"


def local_time(text: str, what: str, zone: tzinfo, source: Source) -> str:
    try:
        moment = datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise source.error("import_not_time", what=what, text=repr(text)) from None
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
        raise Invalid(say("mapping_too_deep", file=where.name)) from None
    if "refunds" in tables and not isinstance(mapping.get("refund_reasons"), dict):
        raise Invalid(say("mapping_no_reasons", file=where.name))
    for table in tables:
        needed = REQUIRED[table]
        columns = mapping.get(table)
        if not isinstance(columns, dict):
            raise Invalid(say("mapping_no_table", file=where.name, table=table))
        wrong = [name for name, column in columns.items() if not isinstance(column, str)]
        if wrong:
            raise Invalid(say("mapping_not_text", file=where.name, table=table, name=wrong[0]))
        if needed - set(columns):
            raise Invalid(say("mapping_unnamed", file=where.name, table=table, name=sorted(needed - set(columns))[0]))
    return mapping


class ItemLines:
    """The item report's lines by order, in a private temporary SQLite database (on disk, dropped when it is
    closed), looked up as each order's row comes: the report's size bounds no memory."""

    def __init__(self) -> None:
        self.db = sqlite3.connect("")
        self.db.execute("CREATE TABLE line (order_id TEXT, sku TEXT, quantity TEXT, unit_price TEXT)")
        self.broken: dict[str, Source] = {}  # an order with an item row left out: the order is left out whole
        self._batch: list[tuple[str, str, str, str]] = []

    def add(self, order: str, line: dict[str, Any]) -> None:
        self._batch.append((order, line["sku"], str(line["quantity"]), line["unit_price"]))
        if len(self._batch) >= 10_000:
            self.done()

    def done(self) -> None:
        self.db.executemany("INSERT INTO line VALUES (?, ?, ?, ?)", self._batch)
        self._batch = []

    def index(self) -> None:
        self.done()
        self.db.execute("CREATE INDEX line_order ON line (order_id)")

    def of(self, order: str) -> list[dict[str, Any]] | None:
        found = self.db.execute("SELECT sku, quantity, unit_price FROM line WHERE order_id = ? ORDER BY rowid",
                                (order,)).fetchall()
        return [{"sku": sku, "quantity": int(quantity), "unit_price": price} for sku, quantity, price in found] \
            or None


def convert(orders: Path, items: Path | None, *, mapping: dict[str, Any], zone: tzinfo, as_of: datetime,
            pseudonym: Callable[[str], str], encoding: str | None = None, address_confirmed: bool = False,
            skip_bad: bool = False) -> Converted:
    """The records the reports show, in report order, each with the row it comes from; `pseudonym`: a buyer's
    name -> their customer id (Keyring.pseudonym); `address_confirmed`: the policy's
    `platform_address_confirmed`, an order's address confirmed at its payment; `skip_bad`: a row that cannot
    be read is left out and listed (an order whose item rows were left out too), else the first stops the
    import. The item report is read here, the order report on each pass of `records()`."""
    codec, count = encoding_of(orders, encoding)
    lines = ItemLines()
    now = as_of.astimezone(zone).isoformat()

    def produce(out: Converted) -> Iterator[tuple[Source, Callable[[], None]]]:
        for source, row in rows(orders, codec, mapping["orders"], REQUIRED["orders"], other=mapping["items"]["sku"]):
            yield source, partial(order_row, out, source, row, lines, mapping, zone, now, address_confirmed,
                                  pseudonym)

    out = Converted(produce, skip_bad, count, now)
    if items is not None:
        for source, row in rows(items, encoding_of(items, encoding)[0], mapping["items"], REQUIRED["items"],
                                other=mapping["orders"]["status"]):
            try:
                lines.add(row["order_id"], item_line(row, mapping, source))
            except RowError as error:
                if not skip_bad:
                    raise
                out.earlier_left_out.append(str(error))
                lines.broken.setdefault(row["order_id"], source)
    lines.index()
    return out


def order_row(out: Converted, source: Source, row: dict[str, str], lines: ItemLines, mapping: dict[str, Any],
              zone: tzinfo, now: str, address_confirmed: bool, pseudonym: Callable[[str], str]) -> None:
    if row["order_id"] in lines.broken:
        item = lines.broken[row["order_id"]]
        raise source.error("import_item_left_out", order=row["order_id"], item=item.where())
    order_records(out, source, row, lines, mapping, zone, now, address_confirmed, pseudonym)


def check_id(text: str, column: str, source: Source) -> None:
    if MANGLED.fullmatch(text):
        raise source.error("import_mangled", column=column, text=repr(text))


def item_line(row: dict[str, str], mapping: dict[str, Any], source: Source) -> dict[str, Any]:
    check_id(row["order_id"], mapping["items"]["order_id"], source)
    if not row.get("sku"):
        raise source.error("import_no_sku", column=mapping["items"]["sku"])
    if not WHOLE.fullmatch(row.get("quantity", "")):
        raise source.error("import_not_whole", column=mapping["items"]["quantity"], text=repr(row.get("quantity")))
    return {"sku": row["sku"], "quantity": int(row["quantity"]),
            "unit_price": money(row["unit_price"], mapping["items"]["unit_price"], source)}


def order_records(out: Converted, source: Source, row: dict[str, str], items: ItemLines,
                  mapping: dict[str, Any], zone: tzinfo, now: str, address_confirmed: bool,
                  pseudonym: Callable[[str], str]) -> None:
    """The records one row of the order report shows (RowError when it cannot be read)."""
    platform = mapping.get("platform", "taobao")
    check_id(row["order_id"], mapping["orders"]["order_id"], source)
    status = row.get("status", "").replace("，", ",")
    if status not in STATUSES:
        raise source.error("import_order_status", status=repr(row.get("status")))
    order = row["order_id"]
    if status == UNPAID or (status == CLOSED and not row.get("paid_at")):
        out.unpaid += 1
        return
    lines = items.of(order)
    if lines is None:
        raise source.error("import_no_items", order=order)
    paid = local_time(row["paid_at"], mapping["orders"]["paid_at"], zone, source)
    if not row["buyer"]:
        raise source.error("import_no_buyer", column=mapping["orders"]["buyer"])

    def add(record_type: str, at: str, key: str, **fields: Any) -> None:
        out.add(record_type, at, f"{platform}:{key}", source, **fields)

    add("OrderPlaced", paid, f"placed:{order}", order_id=order, customer_id=pseudonym(row["buyer"]),
        lines=lines, shipping_fee=money(row["shipping_fee"], mapping["orders"]["shipping_fee"], source),
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
        raise source.error("import_no_tracking", order=order, status=status, column=mapping["orders"]["tracking_no"])
    if len(SEVERAL.split(tracking.strip())) > 1:
        out.attend(source, "person_several_tracking", order, parcel=tracking, order=order, tracking=tracking)
        return
    shipment = f"{order}-{tracking}"
    add("ParcelDispatched", _at(row, "shipped_at", mapping, zone, source, now), f"dispatched:{order}:{tracking}",
        shipment_id=shipment, order_id=order, carrier=row.get("carrier") or platform, tracking_no=tracking,
        postage=money(row.get("postage", ""), "postage", source),
        lines=[{"sku": line["sku"], "quantity": line["quantity"]} for line in lines])
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
                    order_lines: Callable[[str], list[dict[str, Any]] | None], known: Callable[[str], bool],
                    encoding: str | None = None, skip_bad: bool = False) -> Converted:
    """The records the refund report shows: each refund a case `TB-` + 退款编号 of its order, with what became
    of it (SPEC section 11). `order_lines(order)`: the order's lines as the ledger has them (None: not there);
    `known(id)`: whether the ledger has it."""
    codec, count = encoding_of(refunds, encoding)
    now = as_of.astimezone(zone).isoformat()

    def produce(out: Converted) -> Iterator[tuple[Source, Callable[[], None]]]:
        for source, row in rows(refunds, codec, mapping["refunds"], REQUIRED["refunds"],
                                other=mapping["orders"]["buyer"]):
            yield source, partial(refund_records, out, source, row, mapping, zone, now, order_lines, known)

    return Converted(produce, skip_bad, count, now)


def refund_records(out: Converted, source: Source, row: dict[str, str], mapping: dict[str, Any], zone: tzinfo,
                   now: str, order_lines: Callable[[str], list[dict[str, Any]] | None],
                   known: Callable[[str], bool]) -> None:
    columns = mapping["refunds"]
    platform = mapping.get("platform", "taobao")
    number, order = row["refund_no"], row["order_id"]
    check_id(order, columns["order_id"], source)
    status = row.get("status", "").replace("，", ",")
    if status not in REFUND_STATUSES:
        raise source.error("import_refund_status", status=repr(row.get("status")))
    lines = order_lines(order)
    if lines is None:
        raise source.error("import_order_first", order=order)
    if row.get("sku"):
        lines = [line for line in lines if line["sku"] == row["sku"]]
        if not lines:
            raise source.error("import_no_line", order=order, sku=repr(row["sku"]), column=columns["sku"])
    needs_return = row.get("needs_return", "").strip()
    if needs_return not in ("是", "否"):
        raise source.error("import_yes_no", column=columns["needs_return"], text=repr(needs_return))
    phrase = row.get("reason", "")
    reason = mapping["refund_reasons"].get(phrase)
    if reason is None:
        reason = "no_reason"
        if not known(f"TB-{number}"):  # said on the import that stores the request
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


def waiting(reader: Any, attentions: list[Attention]) -> list[Attention]:
    """What still needs a person after an import, each once: all but those settled in the ledger."""
    found: dict[tuple, Attention] = {}
    for attention in attentions:
        if (attention.settled_by or attention.parcel) and attention.settled(reader):
            continue
        found.setdefault((attention.message, attention.values, attention.subject), attention)
    return list(found.values())
