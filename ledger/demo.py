"""`ledger demo`: the fixture shop loaded into a fresh store, and the first things to look at."""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import click

from ledger.application import Ledger

SHOP = "demo-shop.jsonl"  # package data: the demo runs from any folder
STAFF = "demo-staff.jsonl"  # the shop's accounts, enrolled ahead of its fortnight


def demo_password(name: str) -> str:
    return f"demo-{name}-2026"  # the demo's own accounts, said in its guide; a real shop's are its staff's


def run_demo(store: str) -> None:
    """`store` names a store that does not exist yet. The shop's fortnight comes in as a shop's past does
    when it starts on the ledger: in one append, its staff enrolled at its head, each record under the name
    of whoever recorded it then; from then on each account appends as itself (AU-2), which the guide shows."""
    ledger = Ledger(store)
    package = files("ledger")
    result = ledger.append([*package.joinpath(STAFF).read_text(encoding="utf-8").splitlines(),
                            *package.joinpath(SHOP).read_text(encoding="utf-8").splitlines()])
    staff = ledger.staff_list()
    for account in staff:
        ledger.set_password(account["staff"], demo_password(account["staff"]))
    click.echo(f"the demo shop: stored {result.stored} record(s) and {result.decisions} decision(s), with "
               f"{len(staff)} staff accounts")
    click.echo("\nWhy was a refund paid, and who pays the postage? Every decision names its rule and facts:\n")
    click.echo(ledger.timeline(ledger.streams_of("O-1003")).explain_text(
        "Decisions on case C-1003", lambda decision: decision.stream == "case:C-1003"))
    totals = ledger.liability()["totals"]
    click.echo("\nLiability over all accepted cases and the orders that never arrived: "
               + ", ".join(f"{k} {v}" for k, v in totals.items()))
    as_of = max(record.at for record in ledger.records()).astimezone(ledger.policy_book().latest().zone)
    breaches = ledger.breaches(as_of)
    click.echo(f"SLA breaches as of {as_of.isoformat()}: {len(breaches)} "
               f"({', '.join(sorted({b['kind'] for b in breaches}))})")
    click.echo(f"Growth fund balance: {ledger.fund()['balance']}")
    path = ledger.store.path
    report = path.with_name("demo-report.html") if path is not None else Path("demo-report.html")
    from ledger import page

    page.write(ledger, as_of, report)
    ledger.close()
    show = f"ledger --store {store}"
    click.echo(f"\nThe store is {store}. Things to look at next:\n")
    for command, why in [
        ("history O-1003", "an order from placement to refund, with every decision and its rule"),
        ("explain C-1003", "why that refund was approved and who pays the postage"),
        ("explain O-1002", "a late dispatch: its deadline, and whether the buyer was told"),
        ("liability", "who owes which postage and refund, case by case, and the orders that never arrived"),
        ("explain O-1070", "an intercepted parcel: cancelled, and all the buyer paid refunded (OR-1)"),
        ("history O-1071", "a parcel the carrier lost, and the order sent again"),
        (f"sla --as-of {as_of.isoformat()}", "every missed deadline, by due time"),
        (f"due --as-of {as_of.isoformat()}", "what was still to do then, soonest first, and who does it"),
        ("find YT5550001008", "a returned parcel found by its tracking number: its case"),
        ("history O-1072", "a returned parcel entered twice by mistake, the second voided (VO-1): postage once"),
        ("explain O-1073", "an address changed after it was confirmed: dispatched unconfirmed (VO-2, SH-3)"),
        ("stock", "on hand, reserved, available; LOW below the threshold (ST-1)"),
        ("fund", "the growth fund: every penalty paid in, every spending, the balance (ST-3)"),
        ("explain K-2003", "the third upheld complaint against wang in a month: the rest of his wage (ST-2)"),
        ("history wang", "a staff member's wage and penalties"),
        ("verify", "the head of the tamper-evident chain, to write down"),
        ("staff list", "the shop's accounts (zhao the supervisor, lily and mei, wang, the platform's feeds)"),
        ("--as lily add OrderNoted order_id=O-1003 note=回访", "a record appended as lily (her password, "
         f"{demo_password('lily')}, asked on the terminal or taken from LEDGER_PASSWORD)"),
        ("kpi --by week", "sales, orders, same-day rate, satisfaction per week, against the month's target"),
    ]:
        click.echo(f"  {show} {command}\n      # {why}")
    click.echo(f"\nThe audit report, one page to open in a browser or print: {report.resolve()}")
    click.echo(f"\nThe desk, for the shop's staff in a browser: {show} serve, then open http://127.0.0.1:8080/ and "
               f"sign in as wang (shipping), lily (customer service) or zhao (supervisor), passwords "
               f"{demo_password('NAME')}")
