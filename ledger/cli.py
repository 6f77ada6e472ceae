"""The `ledger` command (SPEC section 8). Exit status: 0 done, 2 invalid input, 3 refused,
4 tampering found, 1 anything else; never a traceback."""
from __future__ import annotations

import contextlib
import contextvars
import functools
import os
import sys
from pathlib import Path

import click

from ledger.messages import heading, say, shown
from ledger.values import printable, quote

INVALID, REFUSED, TAMPERED, FAILED = 2, 3, 4, 1
ROLES = ("supervisor", "customer_service", "shipping_clerk", "system")


class Failure(Exception):
    def __init__(self, message: str, status: int = FAILED):
        super().__init__(message)
        self.status = status


def store_option(command=None, *, creates: bool = False, reads: bool = False):
    """--store for a command; only the commands that write records (`creates`) may create the store. A command
    that only `reads` views, histories or the chain gets a Reader (reader.py), which loads no write side."""
    def decorate(command):
        @click.option("--store", "store", default=None, metavar="URL",
                      help="sqlite:///FILE or postgresql://user@host:port/dbname (default: LEDGER_STORE, "
                           "else sqlite:///ledger.db)")
        @click.pass_context
        @functools.wraps(command)
        def wrapper(ctx: click.Context, store: str | None, **kwargs):
            from ledger.reader import NoStore, StaleViews, open_reader
            from ledger.store import redacted

            url = store if store is not None else ctx.obj.get("store")
            if reads:
                from ledger.store import parse_store, store_url

                with store_errors():
                    try:
                        opened, close = open_reader(parse_store(store_url(url)))
                    except NoStore as missing:
                        raise Failure(say("no_store", url=redacted(str(missing))), INVALID) from None
            elif creates and kwargs.get("dry_run") and not existing_store(url, creates=True).exists():
                opened, close = None, lambda: None  # a dry run creates nothing: the command goes without a store
            elif WARM.get(None) is not None:  # a command the desk runs for its caller (warm.py): its own ledger
                opened, close = WARM.get(), lambda: None
            else:
                opened = open_ledger(url, creates)
                close = opened.close
            try:
                return command(opened, **kwargs)
            except StaleViews as error:  # kpi, fund, report: their views too
                raise Failure(str(error)) from None
            finally:
                close()

        return wrapper

    return decorate(command) if command is not None else decorate


def json_option(command):
    return click.option("--json", "as_json", is_flag=True, help="print JSON (SPEC section 8) instead of text")(command)


WARM: contextvars.ContextVar = contextvars.ContextVar("warm")  # the desk's ledger, for a command handed to it
CAPTURED: contextvars.ContextVar = contextvars.ContextVar("captured")  # where --csv takes the JSON a view prints


def view_option(sheet: str):
    """--json, and --csv: the view's JSON as a sheet (csv_out.SHEET: its header and rows), UTF-8 with BOM."""
    def decorate(command):
        @click.option("--csv", "as_csv", is_flag=True, help="print CSV for a spreadsheet (UTF-8 with BOM)")
        @json_option
        @functools.wraps(command)
        def wrapper(*args, as_csv: bool, as_json: bool, **kwargs):
            if not as_csv:
                return command(*args, as_json=as_json, **kwargs)
            from ledger import csv_out

            captured: list = []
            token = CAPTURED.set(captured.append)
            try:
                command(*args, as_json=True, **kwargs)
            finally:
                CAPTURED.reset(token)
            header, rows = getattr(csv_out, sheet)(captured[0])
            out = click.get_text_stream("stdout", encoding="utf-8")
            csv_out.write(out, header, rows)
            out.flush()

        return wrapper

    return decorate


@contextlib.contextmanager
def store_errors():
    """A store URL that is wrong is invalid input (2); a server that does not answer, a failure (1)."""
    from ledger.store import StoreError, StoreUnreachable

    try:
        yield
    except StoreError as error:
        raise Failure(str(error), INVALID) from None
    except StoreUnreachable as error:
        raise Failure(str(error), FAILED) from None


def existing_store(url: str | None, creates: bool):
    """The store a URL names; unless the command `creates` it, one that has been written."""
    from ledger.store import parse_store, redacted, store_url

    with store_errors():
        store = parse_store(store_url(url))
        exists = store.exists()
    if not exists and not creates:
        raise Failure(say("no_store", url=redacted(store.url)), INVALID)
    return store


def open_ledger(url: str | None, creates: bool):
    """The ledger on a store; one it creates is said on standard error, so a mistyped name is seen at once."""
    from ledger.application import Ledger
    from ledger.store import redacted

    store = existing_store(url, creates)
    new = creates and not store.exists()
    ledger = Ledger(store)
    if new:
        where = str(store.path.resolve()) if store.path is not None else redacted(store.url)
        click.echo(printable(say("created", url=where)), err=True)
    return ledger


@contextlib.contextmanager
def progress(total: int, label: str):
    """Progress of long work on standard error when it is a terminal (yields how to advance it); silent
    otherwise (yields None)."""
    if not sys.stderr.isatty():
        yield None
        return
    total = total or None
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield bar.update


def emit_json(obj) -> None:
    capture = CAPTURED.get(None)
    if capture is not None:  # --csv
        capture(obj)
        return
    import orjson

    click.echo(orjson.dumps(obj, option=orjson.OPT_INDENT_2).decode())


@click.group()
@click.version_option(package_name="ledger", message="%(prog)s %(version)s")
@click.option("--store", default=None, metavar="URL", help="the store for every command (see each command)")
@click.option("--as", "as_", default=None, metavar="NAME",
              help="the staff account that appends, in a store with accounts (default: LEDGER_AS; the password "
                   "from LEDGER_PASSWORD or asked on the terminal; or LEDGER_TOKEN)")
@click.pass_context
def cli(ctx: click.Context, store: str | None, as_: str | None) -> None:
    """An event-sourced order and after-sales ledger for online shops."""
    ctx.obj = {"store": store, "as": as_}


def signed_in(ledger):
    """Who appends (AU-2): nobody in a store without accounts; else the account `--as` (or LEDGER_AS) with
    LEDGER_PASSWORD or the password asked on the terminal, or LEDGER_TOKEN's. Exit 2 without one, or after a
    short delay when the name, password or token is wrong (one message for all three)."""
    from ledger.accounts import SignInFailed

    if not ledger.has_accounts():
        return None
    name = click.get_current_context().find_root().obj.get("as") or os.environ.get("LEDGER_AS")
    token = os.environ.get("LEDGER_TOKEN")
    try:
        if name:
            password = os.environ.get("LEDGER_PASSWORD") or asked(say("password_for", name=name), "password_needed")
            return ledger.sign_in(name, password)
        if token:
            return ledger.sign_in_with_token(token)
    except SignInFailed:
        raise Failure(say("sign_in_failed"), INVALID) from None
    raise Failure(say("sign_in_needed"), INVALID)


def terminal():
    """The controlling terminal, to ask a person (not standard input, which may carry records); None in a
    script."""
    try:
        return open(os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY), "r+b", buffering=0)
    except OSError:
        return None


def asked(prompt: str, without: str) -> str:
    """A secret typed at the terminal (getpass opens it itself); with no terminal, exit 2 saying `without`."""
    import getpass

    tty = terminal()
    if tty is None:
        raise Failure(say(without), INVALID)
    tty.close()
    return getpass.getpass(prompt)


@cli.command()
@click.argument("file", type=click.File("rb"))
@store_option(creates=True)
def append(ledger, file) -> None:
    """Append the records of a JSON Lines FILE (- for standard input), all or nothing."""
    from ledger.application import LineError
    from ledger.reading import LineTooLong, bounded_lines

    account = signed_in(ledger)
    try:
        with progress(_size(file), "appending") as advance:
            lines = bounded_lines(file)
            result = ledger.append(lines if advance is None else _advancing(lines, advance), account)
    except LineTooLong as error:
        raise Failure(str(LineError(error.number, error)), INVALID) from None
    except LineError as error:
        raise Failure(str(error), error.status) from None
    except UnicodeDecodeError as error:
        raise Failure(say("not_utf8", reason=error.reason), INVALID) from None
    click.echo(say("stored", stored=result.stored, decisions=result.decisions, skipped=result.skipped)
               + (say("voided_skipped", voided=result.voided) if result.voided else ""))
    if result.stored == 1 and result.skipped == 0:  # one person's record: the answer to it
        tell(ledger, result)


class AddCommand(click.Command):
    """`ledger add`, whose help lists each record type's keys (read from the schemas when asked for)."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from ledger.typed import usage

        formatter.write_paragraph()
        formatter.write_text(say("add_epilog"))
        with formatter.indentation():
            for line in usage().splitlines():
                formatter.write_text("\b\n" + line)


def _record_types(ctx, param, incomplete: str) -> list[str]:
    from ledger.aggregates import RECORD_TYPES

    return [name for name in RECORD_TYPES if name.startswith(incomplete)]


def _record_keys(ctx, param, incomplete: str) -> list[str]:
    from ledger.aggregates import RECORD_TYPES
    from ledger.typed import keys_of

    cls = RECORD_TYPES.get(ctx.params.get("type_") or "")
    return [f"{key}=" for key in keys_of(cls) if f"{key}=".startswith(incomplete)] if cls else []


@cli.command(cls=AddCommand)
@click.argument("type_", metavar="TYPE", shell_complete=_record_types)
@click.argument("words", nargs=-1, metavar="KEY=VALUE...", shell_complete=_record_keys)
@click.option("--future", is_flag=True, help="take an `at` more than a day ahead (else refused as a typo)")
@store_option(creates=True)
def add(ledger, type_: str, words: tuple[str, ...], future: bool) -> None:
    """Append one record typed on the command line: `at` defaults to now, `actor` to $LEDGER_ACTOR or the
    login name, `role` to $LEDGER_ROLE; lines=SKU:QTY[:PRICE],... The same checks, keys and exit statuses
    as append. The shop's words are taken too (reason=质量问题, method=到付, upheld=是, LEDGER_ROLE=客服),
    money without its decimals (89, 44.5) and `at` as `now` or a local time (2026-11-29 10:00).

    \b
    ledger add ParcelDispatched shipment_id=S-1001 order_id=O-1001 carrier=SF \\
        tracking_no=SF1234567890 postage=8.00 lines=TEE-M-BLK:2
    """
    import getpass
    from datetime import datetime, timezone

    import orjson

    from ledger.application import LineError
    from ledger.reading import Invalid
    from ledger.typed import record_from_words

    account = signed_in(ledger)
    actor = account.name if account else os.environ.get("LEDGER_ACTOR") or getpass.getuser()
    try:
        record = record_from_words(type_, list(words), now=datetime.now(timezone.utc),
                                   zone=ledger.policy_book().latest().zone, actor=actor,
                                   role=account.role if account else os.environ.get("LEDGER_ROLE"), future=future)
        result = ledger.append([orjson.dumps(record).decode()], account)
    except Invalid as error:
        raise Failure(str(error), INVALID) from None
    except LineError as error:
        raise Failure(error.detail, error.status) from None
    click.echo(say("stored_one", type=type_, decisions=result.decisions) if result.stored else
               say("skipped_one", type=type_))
    tell(ledger, result)


def tell(ledger, result) -> None:
    from ledger.answers import reply

    for line in reply(ledger, result):
        click.echo(printable(f"  {line}"))


@cli.group(name="import")
def import_() -> None:
    """Import a platform's reports (section 11 of the contract)."""


def import_options(command):
    """The options every importer takes."""
    for option in reversed([
        click.option("--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
                     help="a TOML file naming the report's columns (default: the package's taobao-mapping.toml)"),
        click.option("--as-of", "as_of", default=None, metavar="T",
                     help="the time of facts whose report gives none (default: now)"),
        click.option("--encoding", default=None, help="the reports' encoding (default: detected: UTF-8, with or "
                                                      "without BOM, or GB18030/GBK)"),
        click.option("--dry-run", is_flag=True, help="print the records it would append, store nothing"),
        click.option("--skip-bad", is_flag=True, help="leave out the rows that cannot be read or that the rules "
                                                      "refuse, list them, and store the rest (else all or nothing)"),
    ]):
        command = option(command)
    return store_option(creates=True)(command)


@import_.command()
@click.argument("orders", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("items", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@import_options
def taobao(ledger, orders: Path, items: Path | None, mapping: Path | None, as_of: str | None,
           encoding: str | None, dry_run: bool, skip_bad: bool) -> None:
    """Turn a Taobao/Tmall order report (订单报表) and item report (宝贝报表) into records and append them,
    all or nothing (or, with --skip-bad, all but the rows listed); overlapping daily exports store each fact
    once."""
    from ledger.policy import default_policy
    from ledger.taobao import convert, load_mapping

    policy = ledger.latest_policy() if ledger is not None else default_policy()  # None: a dry run, no store
    at = parse_as_of(as_of)
    imported(ledger, lambda: convert(
        orders, items, mapping=load_mapping(mapping), zone=policy.zone, as_of=at, pseudonym=buyers(ledger),
        encoding=encoding, address_confirmed=policy.platform_address_confirmed, skip_bad=skip_bad), dry_run,
        skip_bad, changed_at=at.astimezone(policy.zone).isoformat())


def buyers(ledger):
    """A buyer's name -> their customer id, keyed by the store's master key; a dry run without a store shows
    the id a store under the master key at hand would give, or a placeholder when there is none."""
    from ledger.crypto import MasterKeyError, master_key, pseudonym

    if ledger is not None:
        return ledger.mapper.keyring.pseudonym
    try:
        master = master_key(create=False)
    except MasterKeyError:
        return lambda name: "tb-" + "?" * 16
    return lambda name: pseudonym(master, name)


@import_.command(name="taobao-refunds")
@click.argument("refunds", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@import_options
def taobao_refunds(ledger, refunds: Path, mapping: Path | None, as_of: str | None, encoding: str | None,
                   dry_run: bool, skip_bad: bool) -> None:
    """Turn a Taobao/Tmall refund report (退款管理) into cases and what became of them (the platform's refunds,
    returned parcels, withdrawn requests) and append them, as `import taobao` does; import the orders first."""
    from ledger.policy import default_policy
    from ledger.taobao import convert_refunds, load_mapping

    policy = ledger.latest_policy() if ledger is not None else default_policy()
    imported(ledger, lambda: convert_refunds(
        refunds, mapping=load_mapping(mapping, ("orders", "refunds")), zone=policy.zone, as_of=parse_as_of(as_of),
        order_lines=lambda order: ledger.reader.order_lines(order) if ledger is not None else None,
        known=lambda id_: ledger is not None and ledger.reader.kind_of(id_) is not None, encoding=encoding,
        skip_bad=skip_bad), dry_run, skip_bad)


def imported(ledger, converting, dry_run: bool, skip_bad: bool, changed_at: str | None = None) -> None:
    """An import's records appended as the signed-in import account, all or nothing, or (`skip_bad`) all but
    the rows refused, which are listed; with what needs a person. The reports are read row by row on each pass
    (taobao.Converted); a row the rules refuse is taken out and the import passed again. `changed_at`: facts
    changed since the last export are recorded as their change (changes.py), known at that time."""
    from itertools import islice

    import orjson

    from ledger.application import LineError
    from ledger.reading import Invalid
    from ledger.taobao import waiting

    try:
        converted = converting()
    except Invalid as error:
        raise Failure(str(error), INVALID) from None
    if ledger is not None and ledger.store.exists():
        from ledger.changes import as_changes, with_stored_times

        def changes(records: list) -> list:
            records = with_stored_times(ledger, records, converted.now)
            return records if changed_at is None else as_changes(ledger, records, changed_at)

        converted.changes = changes
    account = None if dry_run else signed_in(ledger)

    def encoded(advance=None):
        return (orjson.dumps(signed_as(record, account)).decode() for record, _ in converted.records(advance))

    try:
        if dry_run:
            n = 0
            for n, line in enumerate(encoded(), 1):
                click.echo(line)
            click.echo(say("would_append", n=n), err=True)
            return
        while True:
            try:
                with progress(converted.rows, "importing") as advance:
                    result = ledger.append(encoded(advance), account)
                break
            except LineError as error:
                record, source = next(islice(converted.records(), error.line - 1, None))
                # a parcel the rules refuse never stops the rest; with --skip-bad no refused row does: it is
                # taken out, and the rest decided again on the next pass
                if error.status == REFUSED and converted.set_aside(source, record["type"], error.detail):
                    continue
                if not (skip_bad and converted.leave_out(source, error.detail)):
                    raise Failure(f"{source.file} " + say("line", n=source.row, detail=error.detail),
                                  error.status) from None
    except Invalid as error:  # a row that cannot be read, met on the pass
        raise Failure(str(error), INVALID) from None
    click.echo(say("imported", stored=result.stored, decisions=result.decisions, skipped=result.skipped,
                   unpaid=converted.unpaid))
    for attention in waiting(ledger.reader, converted.for_a_person):
        click.echo(printable(say("needs_person", note=attention.said())))
    if skip_bad:
        for row in converted.left_out:
            click.echo(printable(row))
        click.echo(say("left_out", n=len(converted.left_out)))


def signed_as(record: dict, account) -> dict:
    """An imported record as the signed-in import account appends it: its actor and role are the account's."""
    return record if account is None else {k: v for k, v in record.items() if k not in ("actor", "role")}


def _size(file) -> int:
    try:
        return os.fstat(file.fileno()).st_size
    except (OSError, ValueError):
        return 0  # a pipe: the bar shows what was read


def _advancing(lines, advance):
    for line in lines:
        advance(len(line.encode("utf-8")))
        yield line


def history_of(reader, id_: str):
    found = reader.history(id_)
    if found is None:
        raise Failure(say("unknown_id", id=quote(id_)), INVALID)
    return found


@cli.command()
@click.argument("id_", metavar="ID")
@json_option
@store_option(reads=True)
def history(reader, id_: str, as_json: bool) -> None:
    """Every event of an order with its shipments, cases and disputes (or of one case, dispute, shipment,
    SKU, complaint with its penalty, or staff member's wages and penalties), in position order."""
    kind, timeline = history_of(reader, id_)
    if as_json:
        emit_json(timeline.history_json())
    else:
        click.echo(timeline.history_text(say("history_of", kind=shown("kind", kind), id=printable(id_),
                                             n=len(timeline.entries))))


@cli.command()
@click.argument("id_", metavar="ID")
@json_option
@store_option(reads=True)
def explain(reader, id_: str, as_json: bool) -> None:
    """Each decision on an order, case, dispute, complaint or staff member with its rule, policy and the
    events it rests on."""
    found = queries().explanation(reader, id_)
    if found is None:
        raise Failure(say("unknown_id", id=quote(id_)), INVALID)
    kind, timeline, about = found
    if kind not in queries().EXPLAINED:
        raise Failure(say("not_explained", id=quote(id_), kind=shown("kind", kind)), INVALID)
    if as_json:
        emit_json(timeline.explain_json(about))
    else:
        click.echo(timeline.explain_text(say("decisions_on", kind=shown("kind", kind), id=printable(id_)), about))


@cli.command()
@click.option("--sku", default=None, help="one SKU only")
@view_option("stock")
@store_option(reads=True)
def stock(reader, sku: str | None, as_json: bool) -> None:
    """Stock per SKU: on hand, reserved, available, and low (ST-1)."""
    rows = reader.stock(sku)
    if as_json:
        emit_json({"skus": rows})
        return
    from ledger.projections.columns import text_table
    from ledger.projections.stock import STOCK

    click.echo(text_table(STOCK.shown, rows) + "\n")
    click.echo(say("stock_tally", n=len(rows), low=sum(row["low"] for row in rows),
                   oversold=sum(row["available"] < 0 for row in rows)))


@cli.command()
@click.option("--case", "case_id", default=None, help="one case only")
@click.option("--order", "order_id", default=None, help="the cases of one order")
@click.option("--outstanding", "outstanding_only", is_flag=True, help="only what still has a refund to pay")
@click.option("--from", "first", default=None, metavar="DATE", help="requested (a case) or come to the table (an "
                                                                   "order) on or after this local date")
@click.option("--to", "last", default=None, metavar="DATE", help="... on or before this local date")
@view_option("liability")
@store_option(reads=True)
def liability(reader, case_id: str | None, order_id: str | None, outstanding_only: bool, first: str | None,
              last: str | None, as_json: bool) -> None:
    """Shipping-cost and refund liability per accepted case and per order that did not reach its buyer
    (cancelled, returned to sender or lost), with totals."""
    since, until = asked_of(queries().local_days, reader.policy.zone, first, last)
    report = reader.liability(case_id, order_id, outstanding_only=outstanding_only, since=since, until=until)
    if as_json:
        emit_json(report)
        return
    from ledger.projections.columns import text_table
    from ledger.projections.liability import CASES, ORDERS, subtotal
    from ledger.tables import wrap

    click.echo(say("cases_head", n=len(report["cases"])) + "\n")
    click.echo(text_table(CASES.shown, report["cases"], total=(say("total_cases"), subtotal(report["cases"]))))
    if report["orders"]:
        click.echo("\n" + say("orders_head", n=len(report["orders"])) + "\n")
        click.echo(text_table(ORDERS.shown, report["orders"], total=(say("total_orders"), subtotal(report["orders"]))))
    click.echo("\n" + wrap(say("grand_total", **report["totals"])))


@cli.command()
@click.option("--as-of", "as_of", default=None, metavar="T", help="what is due at T (default: now)")
@click.option("--within", default=None, metavar="DURATION", help="only what falls due within 30m, 4h, 2d of T "
                                                                 "(overdue included)")
@click.option("--role", "roles", multiple=True, metavar="ROLE", help="only what this role does (repeatable)")
@click.option("--kind", "kinds", multiple=True, metavar="KIND", help="only these kinds (repeatable)")
@view_option("due")
@store_option(reads=True)
def due(reader, as_of: str | None, within: str | None, roles: tuple[str, ...], kinds: tuple[str, ...],
        as_json: bool) -> None:
    """What someone still has to do at T: each thing with its rule, who does it, when it is due and whether
    it is overdue, soonest first; the mirror of `sla --open`, which lists what is already late."""
    from ledger.answers import due_tally, left

    at = parse_as_of(as_of)
    report = asked_of(queries().due_report, reader, at, within, roles, kinds)
    items = report["items"]
    if as_json:
        emit_json(report)
        return
    from ledger.projections.columns import minute
    from ledger.tables import table, wrap

    rows = [[shown("kind", item["kind"]), item["subject"], item["rule"], shown("role", item["role"]),
             minute(item["due"]) if item["due"] else "", left(at, item["due"])] for item in items]
    click.echo(table([heading(name) for name in ("kind", "subject", "rule", "role", "due", "left")], rows) + "\n")
    click.echo(wrap(due_tally(report)))


@cli.command()
@click.argument("text")
@json_option
@store_option(reads=True)
def find(reader, text: str, as_json: bool) -> None:
    """Find what TEXT names: an order, shipment, case, dispute, complaint or SKU id, a staff name, a tracking
    number (dispatched or returned; letter case and spaces do not matter); exact matches first, then what
    starts with TEXT (4 characters or more)."""
    from ledger.messages import english

    if as_json:
        with english():  # the summaries are JSON values
            emit_json({"matches": reader.find(text)})
        return
    found = reader.find(text)
    from ledger.projections.find import MOST
    from ledger.tables import table

    if found:
        click.echo(table(None, [[shown("kind", match["kind"]), match["id"], match["summary"],
                                 f"(ledger history {match['id']})"] for match in found]))
    more = say("matches_more", most=MOST) if len(found) == MOST else ""
    click.echo(say("matches", n=len(found), text=quote(text), more=more))


def parse_as_of(value: str | None):
    from datetime import datetime, timezone

    from ledger.values import parse_time

    if value is None:
        return datetime.now(timezone.utc)
    try:
        return parse_time(value)
    except ValueError as error:
        raise Failure(say("as_of_bad", error=error), INVALID) from None


def sla_kinds(ctx, param, incomplete: str) -> list[str]:
    from ledger.projections.sla import KINDS

    return [kind for kind in KINDS if kind.startswith(incomplete)]


@cli.command()
@click.option("--as-of", "as_of", default=None, metavar="T", help="ISO 8601 time with offset (default: now)")
@click.option("--subject", default=None, help="one order, case, dispute or complaint only")
@click.option("--kind", "kinds", multiple=True, metavar="KIND", shell_complete=sla_kinds,
              help="only breaches of this kind (repeatable), e.g. same_day_shipping")
@click.option("--open", "open_only", is_flag=True, help="only the breaches not yet done at T")
@click.option("--from", "first", default=None, metavar="DATE", help="only breaches due on or after this local date")
@click.option("--to", "last", default=None, metavar="DATE", help="only breaches due on or before this local date")
@view_option("sla")
@store_option(reads=True)
def sla(reader, as_of: str | None, subject: str | None, kinds: tuple[str, ...], open_only: bool, first: str | None,
        last: str | None, as_json: bool) -> None:
    """SLA breaches as of T, by due time, with a count per kind."""
    t = parse_as_of(as_of)
    report = asked_of(queries().sla_report, reader, t, subject, kinds, open_only, first, last)
    rows, counts, zone = report["breaches"], report["counts"], reader.policy.zone
    if as_json:
        emit_json(report)
        return
    from ledger.projections.columns import minute, text_table
    from ledger.projections.sla import DEADLINES

    click.echo(say("sla_head", at=minute(t.astimezone(zone).isoformat()), n=len(rows)) + "\n")
    if rows:
        click.echo(text_table(DEADLINES.shown, rows) + "\n")
    click.echo(tally(counts))


def tally(counts: dict[str, int]) -> str:
    """The closing line of a long list: how many of each, and in all."""
    from ledger.tables import wrap

    return wrap(say("in_all", n=sum(counts.values()), each=", ".join(f"{shown('kind', name)} {n}"
                                                                     for name, n in counts.items())))


def queries():
    from ledger import queries

    return queries


def asked_of(question, *args):
    """A shared question (queries.py); an option it cannot take is invalid input."""
    try:
        return question(*args)
    except queries().BadQuery as error:
        raise Failure(str(error), INVALID) from None


@cli.command()
@click.option("--by", "by", default="month", show_default=True,
              type=click.Choice(["day", "week", "month", "quarter", "year"]), help="the calendar period of a row")
@click.option("--from", "first", default=None, metavar="DATE", help="first local date counted (inclusive)")
@click.option("--to", "last", default=None, metavar="DATE", help="last local date counted (inclusive)")
@click.option("--as-of", "as_of", default=None, metavar="T", help="count what was recorded by T (default: now)")
@click.option("--staff", is_flag=True, help="one row per staff member and period")
@view_option("kpi")
@store_option(reads=True)
def kpi(reader, by: str, first: str | None, last: str | None, as_of: str | None, staff: bool, as_json: bool) -> None:
    """Performance figures per local period (业绩): sales, orders, average order value, refunds, returns,
    same-day rate, breaches, satisfaction, complaints and penalties, against the targets."""
    report = reader.kpi(by, parse_as_of(as_of), asked_of(queries().parse_date, first, "--from"),
                        asked_of(queries().parse_date, last, "--to"), staff)
    if as_json:
        emit_json(report)
        return
    from ledger.tables import WIDE, table, width

    def figures(names: list[str]) -> str:
        head = ["period", *(["staff"] if staff else []), *names]
        cells = [[row["period"], *([row["staff"]] if staff else []), *(_plain(row[name]) for name in names)]
                 for row in report["rows"]]
        cells.append([say("total"), *([""] if staff else []), *(_plain(report["totals"][name]) for name in names)])
        return table([heading(name) for name in head], cells, right=range(len(head) - len(names), len(head)))

    names = [name for name in report["totals"] if name != "reviews"]
    whole = figures(names)
    if max(map(width, whole.splitlines())) > WIDE:  # the sales and the service figures apart, to fit
        whole = figures([n for n in names if n in KPI_SALES]) + "\n\n" + figures([n for n in names
                                                                                if n not in KPI_SALES])
    click.echo(whole + "\n")
    click.echo(say("kpi_rows", n=len(report["rows"]), by=by))


KPI_SALES = ("orders", "sales", "aov", "refunds", "cases", "return_rate", "target_sales", "target_orders", "achieved")


@cli.command()
@click.option("--html", "path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="the page to write")
@click.option("--as-of", "as_of", default=None, metavar="T", help="the figures as of T (default: now)")
@store_option
def report(ledger, path: Path, as_of: str | None) -> None:
    """Write one self-contained HTML page for the owner and the auditor: the chain's head, liability, SLA,
    low stock, KPI charts, complaints, penalties and the fund, and each case's timeline."""
    from ledger import page
    from ledger.crypto import key_file

    protected = [(key_file(), "the master key file")]
    if ledger.store.path is not None:
        store = ledger.store.path
        protected += [(store.with_name(store.name + suffix), "the store's own file")
                      for suffix in ("", "-wal", "-shm", "-journal")]
    try:
        page.write(ledger, parse_as_of(as_of), path, protected)
    except page.Refused as refused:
        raise Failure(str(refused), TAMPERED if refused.tampered else INVALID) from None
    except OSError as error:
        raise Failure(say("cannot_write", path=path, reason=error.strerror), FAILED) from None
    click.echo(say("wrote_report", path=path, size=path.stat().st_size))


@cli.command()
@view_option("fund")
@store_option
def fund(ledger, as_json: bool) -> None:
    """The growth fund: every penalty paid in and every spending, per person and month, and the balance."""
    report = ledger.fund()
    if as_json:
        emit_json(report)
        return
    from ledger.projections.columns import text_table
    from ledger.projections.fund import ENTRIES, STAFF_MONTHS

    click.echo(say("fund_head", n=len(report["entries"])) + "\n")
    click.echo(text_table(ENTRIES.shown, report["entries"]) + "\n")
    click.echo(text_table(STAFF_MONTHS.shown, report["by_staff_month"]) + "\n")
    click.echo(say("balance", balance=report["balance"]))


@cli.command()
@click.option("--policy", "policy_file", default=None, type=click.Path(path_type=Path),
              help="a TOML policy: recompute every decision under it, store nothing, show what would change")
@json_option
@store_option
def replay(ledger, policy_file: Path | None, as_json: bool) -> None:
    """Rebuild every view from the stored events, or (with --policy) a what-if under another policy.
    Either way the chain is checked (beside the rebuild, which commits only once it passed; before a what-if):
    a tampered history is not replayed."""
    from ledger.application import Tampered
    from ledger.reader import verify_beside

    if policy_file is not None:
        verdict = ledger.reader.verify()
        if verdict.problem:
            raise Failure(say("not_replayed", problem=verdict.problem), TAMPERED)
        return what_if(ledger, policy_file, as_json)
    try:  # the chain checked by a second process while this one rebuilds: committed only once it passed
        with progress(ledger.total_events(), "replaying") as advance:
            read = ledger.rebuild_views(advance or (lambda done: None), lambda: verify_beside(ledger.store.url))
    except Tampered as tampered:
        raise Failure(say("not_replayed", problem=tampered), TAMPERED) from None
    if as_json:
        emit_json({"events_read": read})
    else:
        click.echo(say("rebuilt", n=read))


def what_if(ledger, policy_file: Path, as_json: bool) -> None:
    """Changes are streamed in subject order: a long history's what-if never sits in memory whole."""
    import orjson

    from ledger.policy import PolicyFileError, load_policy_file
    from ledger.whatif import what_if as compute

    try:
        overlay = load_policy_file(policy_file)
    except PolicyFileError as error:
        raise Failure(str(error), INVALID) from None
    from ledger.tables import table

    with compute(ledger, overlay) as report:
        if as_json:
            head = {"policy_version": report.policy_version, "overrides": report.overrides, "counts": report.counts,
                    "totals": report.totals}
            click.echo(orjson.dumps(head).decode()[:-1] + ', "changes": [', nl=False)
            for n, change in enumerate(report.changes):
                click.echo(("," if n else "") + "\n  " + orjson.dumps(change).decode(), nl=False)
            click.echo("\n]}")
            return
        overrides = ", ".join(f"{key} = {value}" for key, value in report.overrides.items()) or say("no_keys")
        click.echo(say("what_if_head", version=printable(report.policy_version), overrides=overrides,
                       n=sum(report.counts.values())) + "\n")
        for change in report.changes:
            click.echo(printable(f"{change['subject']:<12} {change['field']:<16} {_plain(change['recorded'])} -> "
                                 f"{_plain(change['replayed'])}"))
        names = list(report.totals["recorded"])
        click.echo("\n" + table([say("total"), *map(heading, names)], [[say(way), *report.totals[way].values()]
                                                                     for way in ("recorded", "replayed")],
                                 right=range(1, len(names) + 1)))
        click.echo("\n" + tally(report.counts))


def _plain(value) -> str:
    if value is None:
        return "-"
    return ", ".join(value) if isinstance(value, list) else str(value)


@cli.command()
@click.option("--expect-head", "expect_head", default=None, metavar="N:HEX",
              help="a head written down earlier: also finds a history cut short after it")
@store_option(reads=True)
def verify(reader, expect_head: str | None) -> None:
    """Check the stored history for tampering; the last line is the head to write down."""
    if expect_head is not None:
        from ledger.chain import parse_head
        from ledger.values import quote

        try:
            expect_head = parse_head(expect_head)
        except ValueError as error:
            raise Failure(say("head_bad", head=quote(expect_head), error=error), INVALID) from None
    verdict = reader.verify(expect_head)
    if verdict.problem:
        raise Failure(verdict.problem, TAMPERED)
    click.echo(say("verified", n=verdict.head.split(":")[0]))
    click.echo(say("head", head=verdict.head))


@cli.command()
@click.argument("customer_id")
@click.option("--actor", default=lambda: os.environ.get("USER", "unknown"), help="who erases (default: $USER)")
@click.option("--role", default="supervisor", type=click.Choice(["supervisor", "customer_service", "system"]),
              show_default=True)
@click.option("--reason", default="the customer asked to be forgotten", show_default=True)
@click.option("--yes", is_flag=True, help="do not ask to type the customer id again (on a terminal it is asked)")
@store_option
def forget(ledger, customer_id: str, actor: str, role: str, reason: str, yes: bool) -> None:
    """Erase a customer's personal data for good by destroying their data key (SPEC section 5). In a store
    with accounts, a supervisor's alone (AU-3)."""
    from ledger.application import UnknownCustomer

    account = signed_in(ledger)
    if account is not None:
        actor, role = account.name, account.role
    if not yes:
        confirm_on_terminal(customer_id)
    try:
        done = ledger.forget(customer_id, actor, role, reason, account)
    except UnknownCustomer:
        raise Failure(say("unknown_customer", id=quote(customer_id)), INVALID) from None
    if done.earlier is not None:
        click.echo(say("already_forgotten", id=printable(customer_id), at=done.earlier.at.isoformat(),
                       actor=printable(done.earlier.actor)))
    else:
        click.echo(say("forgot", id=printable(customer_id)))
    if done.pending:
        click.echo(say("note", note=done.pending), err=True)
    backups = done.backups
    if backups:
        click.echo(say("backups_hold", n=len(backups)))
        for taken in backups:
            click.echo(say("backup_line", path=printable(taken.path), at=taken.at.isoformat(), head=taken.head))


def confirm_on_terminal(customer_id: str) -> None:
    """AU-3: on a terminal the operator types the customer id again; nothing is stored otherwise."""
    tty = terminal()
    if tty is None:
        return  # a script: nobody to ask
    with tty:
        tty.write(say("type_again", id=printable(customer_id)).encode())
        typed = tty.readline().decode(errors="replace").strip()
    if typed != customer_id:
        raise Failure(say("not_confirmed"), INVALID)


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--actor", default=lambda: os.environ.get("LEDGER_ACTOR") or os.environ.get("USER", "unknown"),
              help="who takes it (default: $LEDGER_ACTOR, else $USER)")
@store_option
def backup(ledger, path: Path, actor: str) -> None:
    """Write a consistent copy of a SQLite store while it is in use, and record it (PostgreSQL: use pg_dump)."""
    from ledger.store import StoreError

    account = signed_in(ledger)
    try:
        copied = ledger.backup(path, *((account.name, account.role) if account else (actor, "system")), account)
    except StoreError as error:
        raise Failure(str(error), INVALID) from None
    click.echo(say("backed_up", n=copied, path=path))


@cli.command()
@click.argument("position", type=int, required=False)
@click.option("--key", help="the key of the record to void, instead of its position")
@click.option("--reason", required=True, help="why the record is a mistake (shown in its history)")
@click.option("--actor", default=lambda: os.environ.get("LEDGER_ACTOR") or os.environ.get("USER", "unknown"),
              help="who voids (default: $LEDGER_ACTOR, else $USER)")
@click.option("--role", default=lambda: os.environ.get("LEDGER_ROLE") or "customer_service",
              type=click.Choice(ROLES), help="their role (default: $LEDGER_ROLE, else customer_service)")
@store_option
def void(ledger, position: int | None, key: str | None, reason: str, actor: str, role: str) -> None:
    """Void the record at POSITION (SPEC section 13): every view reads as if it had never been appended, and
    the decisions that rested on it are recomputed."""
    from ledger.application import LineError

    if (position is None) == (key is None):
        raise Failure(say("void_which"), INVALID)
    account = signed_in(ledger)
    if account is not None:
        actor, role = account.name, account.role
    try:
        position, voided, appended = ledger.void(position, key, reason, actor, role, account)
    except LineError as error:
        raise Failure(error.detail, error.status) from None
    if not appended.stored:
        click.echo(say("skipped_one", type="RecordVoided"))
        return
    withdrawn = sum(type(decision).__name__ == "DecisionWithdrawn" for decision in appended.answer)
    click.echo(say("voided", position=position, type=type(voided).__name__, withdrawn=withdrawn,
                   stored=len(appended.answer) - withdrawn))


@cli.command()
@store_option
def export(ledger) -> None:
    """Every record as JSON Lines, in position order, each with its key (decisions are left out)."""
    import orjson

    from ledger.mapper import record_json

    out = sys.stdout.buffer
    for record in ledger.records():
        out.write(orjson.dumps(record_json(record)) + b"\n")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="the address to listen on")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="the port")
@store_option
def serve(ledger, host: str, port: int) -> None:
    """The desk: a web application for the shop's staff over this store, with a JSON API under /api/
    (a store with staff accounts only). Ctrl+C stops it."""
    if not ledger.has_accounts():
        raise Failure(say("serve_no_accounts"), INVALID)
    import signal

    import uvicorn

    from ledger.desk.app import create_app

    from ledger.warm import as_caller, listening

    app = create_app(ledger)
    desk = app.state.desk

    def run_for_caller(request: dict) -> tuple[int, str, str]:
        with desk.writing, as_caller(request) as (out, err):
            token = WARM.set(ledger)
            try:
                status = run(request["argv"])
            finally:
                WARM.reset(token)
        return status, out.getvalue(), err.getvalue()

    class Stopped(Exception):
        pass

    def stop(signum, frame) -> None:
        raise Stopped()

    # uvicorn stops on Ctrl+C or SIGTERM and then raises the signal again: it ends here, so that the socket
    # is taken away behind it
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop)
    click.echo(say("serving", host=host, port=port), err=True)
    with listening(ledger.store.url, run_for_caller):
        try:
            uvicorn.run(app, host=host, port=port, log_level="info", server_header=False)
        except Stopped:
            pass
        except SystemExit as stopped:  # uvicorn could not listen (the port taken): it has said why
            raise Failure(say("serve_failed", host=host, port=port), FAILED) from stopped


@cli.group()
def staff() -> None:
    """Staff accounts (SPEC section 14): who may append what is checked against who is signed in."""


def new_password(from_stdin: bool) -> str:
    """A password read from standard input, or asked twice on the terminal; at least 10 characters."""
    from ledger.accounts import SHORTEST, WeakPassword, check_password

    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = asked(say("new_password"), "password_stdin")
        if asked(say("password_again"), "password_stdin") != password:
            raise Failure(say("passwords_differ"), INVALID)
    try:
        check_password(password)
    except WeakPassword:
        raise Failure(say("password_short", n=SHORTEST), INVALID) from None
    return password


def staff_record(ledger, type_: str, staff_name: str, role: str | None = None):
    """Append a staff record as the signed-in supervisor (or, in a store without accounts, as the person
    enrolled)."""
    import orjson
    from datetime import datetime, timezone

    account = signed_in(ledger)
    record = {"type": type_, "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "actor": account.name if account else staff_name, "staff": staff_name}
    record["role"] = role if role is not None else account.role if account else "supervisor"
    return ledger.append([orjson.dumps(record).decode()], account)


def self_or_supervisor(ledger, name: str):
    """The signed-in account, when it is `name`'s own or a supervisor's (AU-1)."""
    account = signed_in(ledger)
    if account is None or ledger.account(name) is None:
        raise Failure(say("no_account", name=quote(name)), INVALID)
    if account.left or (account.name != name and account.role != "supervisor"):
        raise Failure(say("not_yours", name=quote(name)), REFUSED)
    return account


@staff.command()
@click.argument("name")
@click.option("--role", "role", required=True, type=click.Choice(ROLES))
@click.option("--password-stdin", is_flag=True, help="read the password from standard input (else asked twice)")
@store_option(creates=True)
def enrol(ledger, name: str, role: str, password_stdin: bool) -> None:
    """Enrol NAME with ROLE (a supervisor's; the first account of a store is a supervisor's) and set the
    password."""
    password = new_password(password_stdin)
    staff_record(ledger, "StaffEnrolled", name, role)
    ledger.set_password(name, password)
    click.echo(say("enrolled", name=printable(name), role=shown("role", role)))


@staff.command(name="role")
@click.argument("name")
@click.argument("role", type=click.Choice(ROLES))
@store_option
def change_role(ledger, name: str, role: str) -> None:
    """Give NAME another role (a supervisor's)."""
    staff_record(ledger, "StaffRoleChanged", name, role)
    click.echo(say("role_changed", name=printable(name), role=shown("role", role)))


@staff.command()
@click.argument("name")
@store_option
def leave(ledger, name: str) -> None:
    """NAME has left: the account can no longer sign in or append; its history stays (a supervisor's)."""
    staff_record(ledger, "StaffLeft", name)
    click.echo(say("left_staff", name=printable(name)))


@staff.command()
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="read the new password from standard input")
@store_option
def password(ledger, name: str, password_stdin: bool) -> None:
    """Set NAME's password (the person themself, or a supervisor)."""
    self_or_supervisor(ledger, name)
    ledger.set_password(name, new_password(password_stdin))
    click.echo(say("password_set", name=printable(name)))


@staff.command()
@click.argument("name")
@click.option("--label", default="", help="what the token is for (an import, a script)")
@store_option
def token(ledger, name: str, label: str) -> None:
    """Make an API token for NAME (the person themself, or a supervisor); printed once, alone on the last
    line. Scripts set it as LEDGER_TOKEN."""
    self_or_supervisor(ledger, name)
    token_id, made = ledger.make_token(name, label)
    click.echo(say("token_made", id=token_id, name=printable(name)))
    click.echo(made)


@staff.command()
@click.argument("token_id")
@store_option
def revoke(ledger, token_id: str) -> None:
    """Revoke the token TOKEN_ID (its owner, or a supervisor)."""
    owner = next((row["staff"] for row in ledger.staff_list() for made in row["tokens"] if made["id"] == token_id),
                 None)
    if owner is None:
        raise Failure(say("no_token", id=quote(token_id)), INVALID)
    self_or_supervisor(ledger, owner)
    ledger.revoke_token(token_id)
    click.echo(say("token_revoked", id=printable(token_id)))


@staff.command(name="list")
@json_option
@store_option
def list_staff(ledger, as_json: bool) -> None:
    """The accounts: each one's role, since when, when they left, and their tokens (never a secret)."""
    found = ledger.staff_list()
    if as_json:
        emit_json({"staff": found})
        return
    from ledger.projections.columns import minute
    from ledger.tables import table

    click.echo(table([heading(name) for name in ("staff", "role", "since", "left_at", "tokens")],
                     [[row["staff"], shown("role", row["role"]), minute(row["since"]),
                       minute(row["left"]) if row["left"] else "",
                       ", ".join(f"{t['id']} {t['label']}".strip() for t in row["tokens"])] for row in found]))
    click.echo("\n" + say("accounts", n=len(found)))


@cli.command()
@click.option("--store", "store", default=None, metavar="URL",
              help="the store to create (default: LEDGER_STORE, else sqlite:///ledger.db); an existing one is refused")
@click.pass_context
def demo(ctx: click.Context, store: str | None) -> None:
    """Load the demo shop (two weeks of a small clothing shop) into a new store and show what to look at."""
    from ledger.demo import run_demo
    from ledger.store import parse_store, redacted, store_url

    with store_errors():
        url = store_url(store if store is not None else ctx.obj.get("store"))
        if parse_store(url).exists():
            raise Failure(say("demo_exists", url=redacted(url)), INVALID)
    run_demo(url)


def main() -> None:
    sys.exit(run(sys.argv[1:]))


def run(argv: list[str]) -> int:
    """The command, its errors said in one plain line; returns its exit status."""
    try:
        cli.main(args=argv, prog_name="ledger", standalone_mode=False)
    except Failure as failure:
        click.echo(say("error", message=failure) if failure.status == FAILED else str(failure), err=True)
        return failure.status
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.Abort:
        click.echo(say("aborted"), err=True)
        return FAILED
    except click.UsageError as error:  # one plain line, the command's help named
        command = error.ctx.command_path if error.ctx is not None else "ledger"
        click.echo(printable(say("see_help", message=error.format_message(), command=command)), err=True)
        return INVALID
    except click.ClickException as error:
        click.echo(printable(error.format_message()), err=True)
        return FAILED
    except BrokenPipeError:
        return FAILED
    except Exception as error:  # the last line of defence: a one-line reason, never a traceback
        written = sys.modules.get("ledger.unit_of_work")  # loaded by whatever appended
        if written is not None and isinstance(error, written.LineError):  # a record a command writes: no line
            click.echo(printable(error.detail), err=True)
            return error.status
        first = (str(error).strip().splitlines() or [""])[0]
        if type(error).__module__.startswith("ledger."):  # the ledger's own words (a master key's problem)
            click.echo(printable(say("error", message=first)), err=True)
        else:
            click.echo(printable(say("error", message=f"{type(error).__name__}: {first[:200]}")), err=True)
        return FAILED
    return 0
