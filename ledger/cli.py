"""The `ledger` command (SPEC section 8). Exit status: 0 done, 2 invalid input, 3 refused,
4 tampering found, 1 anything else; never a traceback."""
from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

INVALID, REFUSED, TAMPERED, FAILED = 2, 3, 4, 1


class Failure(Exception):
    def __init__(self, message: str, status: int = FAILED):
        super().__init__(message)
        self.status = status


def store_option(command):
    @click.option("--store", "store", default=None, metavar="URL",
                  help="sqlite:///FILE or postgresql://user@host:port/dbname (default: LEDGER_STORE, "
                       "else sqlite:///ledger.db)")
    @click.pass_context
    @functools.wraps(command)
    def wrapper(ctx: click.Context, store: str | None, **kwargs):
        return command(open_ledger(store or ctx.obj.get("store")), **kwargs)

    return wrapper


def json_option(command):
    return click.option("--json", "as_json", is_flag=True, help="print JSON (SPEC section 8) instead of text")(command)


def open_ledger(store: str | None):
    from ledger.application import Ledger
    from ledger.store import StoreError, store_url

    try:
        return Ledger(store_url(store))
    except StoreError as error:
        raise Failure(str(error), INVALID) from None


def emit_json(obj) -> None:
    import orjson

    click.echo(orjson.dumps(obj, option=orjson.OPT_INDENT_2).decode())


@click.group()
@click.option("--store", default=None, metavar="URL", help="the store for every command (see each command)")
@click.pass_context
def cli(ctx: click.Context, store: str | None) -> None:
    """An event-sourced order and after-sales ledger for online shops."""
    ctx.obj = {"store": store}


@cli.command()
@click.argument("file", type=click.File("r", encoding="utf-8"))
@store_option
def append(ledger, file) -> None:
    """Append the records of a JSON Lines FILE (- for standard input), all or nothing."""
    from ledger.application import LineError

    try:
        result = ledger.append(file)
    except LineError as error:
        raise Failure(str(error), error.status) from None
    except UnicodeDecodeError as error:
        raise Failure(f"input is not UTF-8 text: {error.reason}", INVALID) from None
    click.echo(f"stored {result.stored} record(s) and {result.decisions} decision(s); "
               f"skipped {result.skipped} already stored")


def timeline_of(ledger, id_: str):
    streams = ledger.streams_of(id_)
    if not streams:
        raise Failure(f"unknown id {id_!r}", INVALID)
    return ledger.timeline(streams)


@cli.command()
@click.argument("id_", metavar="ID")
@json_option
@store_option
def history(ledger, id_: str, as_json: bool) -> None:
    """Every event of an order with its shipments, cases and disputes (or of one case, dispute,
    shipment or SKU), in position order."""
    timeline = timeline_of(ledger, id_)
    if as_json:
        emit_json(timeline.history_json())
    else:
        kind, _ = ledger.kind_of(id_)
        click.echo(timeline.history_text(f"History of {kind} {id_}: {len(timeline.entries)} event(s)"))


@cli.command()
@click.argument("id_", metavar="ID")
@json_option
@store_option
def explain(ledger, id_: str, as_json: bool) -> None:
    """Each decision on a case, order or dispute with its rule, policy and the events it rests on."""
    found = ledger.kind_of(id_)
    if found is None:
        raise Failure(f"unknown id {id_!r}", INVALID)
    kind, parent = found
    if kind not in ("order", "case", "dispute"):
        raise Failure(f"{id_} is a {kind}; explain takes an order, case or dispute", INVALID)
    timeline = timeline_of(ledger, id_ if kind == "order" else parent)  # the whole order: what rules read
    stream = f"{kind}:{id_}"
    if as_json:
        emit_json(timeline.explain_json(stream))
    else:
        click.echo(timeline.explain_text(f"Decisions on {kind} {id_}", stream))


@cli.command()
@click.option("--fixtures", "folder", default="fixtures", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="folder of JSON Lines shop histories to load (default: fixtures)")
@click.option("--store", "store", default="sqlite:///demo.db", metavar="URL", show_default=True,
              help="a SQLite store the demo creates afresh")
def demo(folder: Path, store: str) -> None:
    """Load the fixture shop into a fresh store and show what to look at first."""
    from ledger.demo import run_demo

    run_demo(folder, store)


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except Failure as failure:
        click.echo(f"error: {failure}" if failure.status == FAILED else str(failure), err=True)
        sys.exit(failure.status)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.Abort:
        click.echo("aborted", err=True)
        sys.exit(FAILED)
    except click.ClickException as error:
        error.show()
        sys.exit(INVALID if isinstance(error, click.UsageError) else FAILED)
    except BrokenPipeError:
        sys.exit(FAILED)
    except Exception as error:  # the last line of defence: a one-line reason, never a traceback
        click.echo(f"error: {type(error).__name__}: {error}", err=True)
        sys.exit(FAILED)
    sys.exit(0)
