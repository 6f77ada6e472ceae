"""`--csv` of every view (SPEC section 12): one header row of the JSON keys, then a row per item, in UTF-8
with a byte-order mark (so spreadsheet programs read Chinese text right); values as in the JSON, and a value
that begins with `=`, `+`, `-` or `@` written with a leading `'`, so that no cell runs as a formula."""
from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

FORMULA = ("=", "+", "-", "@")


def cell(value: Any) -> str:
    if value is None:
        return ""
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return "'" + text if text.startswith(FORMULA) else text


def flat(row: dict[str, Any]) -> dict[str, Any]:
    """Nested objects as dotted keys (kpi's `reviews.positive`)."""
    found: dict[str, Any] = {}
    for name, value in row.items():
        if isinstance(value, dict):
            found.update({f"{name}.{inner}": item for inner, item in value.items()})
        else:
            found[name] = value
    return found


def write(out: TextIO, header: Sequence[str], rows: Iterable[dict[str, Any]]) -> None:
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        row = flat(row)
        writer.writerow([cell(row.get(name)) for name in header])


# -- each view's header and rows, from its JSON --------------------------------------------------

def stock(report: dict) -> tuple[list[str], list[dict]]:
    from ledger.projections.stock import STOCK

    return [c.name for c in STOCK.shown], report["skus"]


def liability(report: dict) -> tuple[list[str], list[dict]]:
    """Cases and orders in one sheet: `row` says which; each has the keys of its own JSON."""
    from ledger.projections.liability import CASES, ORDERS

    header = ["row", *dict.fromkeys(c.name for c in (*CASES.shown, *ORDERS.shown))]
    return header, [*({"row": "case", **case} for case in report["cases"]),
                    *({"row": "order", **order} for order in report["orders"])]


def sla(report: dict) -> tuple[list[str], list[dict]]:
    from ledger.projections.sla import DEADLINES

    return [c.name for c in DEADLINES.shown], report["breaches"]


def kpi(report: dict) -> tuple[list[str], list[dict]]:
    from ledger.projections.kpi import FIGURES, STAFF_FIGURES

    if set(report["totals"]) == set(STAFF_FIGURES):  # kpi --staff
        return ["period", "staff", *STAFF_FIGURES], report["rows"]
    figures = [name for figure in FIGURES for name in (
        [f"reviews.{rating}" for rating in ("positive", "neutral", "negative")] if figure == "reviews" else [figure])]
    return ["period", *figures], report["rows"]


def due(report: dict) -> tuple[list[str], list[dict]]:
    return ["kind", "subject", "rule", "role", "due", "overdue"], report["items"]


def fund(report: dict) -> tuple[list[str], list[dict]]:
    from ledger.projections.fund import ENTRIES

    return [c.name for c in ENTRIES.shown], report["entries"]
