"""`ledger demo`: the fixture shop loaded into a fresh store, and the first things to look at."""
from __future__ import annotations

from pathlib import Path

import click

from ledger.application import Ledger
from ledger.store import sqlite_path


def run_demo(folder: Path, store: str) -> None:
    path = Path(sqlite_path(store))
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    ledger = Ledger(store)
    for file in sorted(folder.glob("*.jsonl")):
        with file.open(encoding="utf-8") as lines:
            result = ledger.append(lines)
        click.echo(f"{file}: stored {result.stored} record(s) and {result.decisions} decision(s)")
    show = f"ledger --store {store}"
    click.echo(f"\nThe store is {path}. Things to look at first:\n")
    for command, why in [
        ("history O-1003", "an order from placement to refund, with every decision and its rule"),
        ("explain C-1003", "why that refund was approved and who pays the postage"),
        ("explain O-1002", "a late dispatch: its deadline, and whether the buyer was told"),
    ]:
        click.echo(f"  {show} {command:<20} # {why}")
