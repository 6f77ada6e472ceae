"""`ledger report --html FILE`: one self-contained page for the owner and the auditor (SPEC section 12).

Every figure on the page comes from the same functions as the matching `--json` command, and carries a
`data-figure` name so that a test (or an auditor's script) can tie it to that command's JSON. Charts are
inline SVG drawn here; no script, style sheet, font or image is fetched. No personal field (SPEC
section 5) is written: event data is shown without the fields its record type lists as personal.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from html import escape as html_escape
from pathlib import Path
from typing import Any

from ledger.events import Record, subclasses
from ledger.projections.sla import KINDS
from ledger.values import printable

# in the head of every page the ledger writes: an existing file without it is not overwritten
GENERATOR = '<meta name="generator" content="ledger report">'

PERSONAL = {cls.__name__: cls.PERSONAL for cls in subclasses(Record)}  # left off the page

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:16px;color:#1d2330}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ccd}
.head{font-family:monospace;word-break:break-all;background:#f3f4f8;padding:6px 8px;border-radius:4px}
.wrap{overflow-x:auto}table{border-collapse:collapse;width:100%;margin:4px 0 12px}
th,td{padding:3px 6px;border-bottom:1px solid #e3e5ec;text-align:left;white-space:nowrap}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}tr.total td{font-weight:600;border-top:2px solid #99a}
.cards{display:flex;flex-wrap:wrap;gap:8px}.card{background:#f3f4f8;border-radius:6px;padding:8px 12px;min-width:120px}
.card b{display:block;font-size:18px}.charts{display:flex;flex-wrap:wrap;gap:16px}
.charts svg{max-width:100%;height:auto}
details{margin:4px 0}summary{cursor:pointer}.muted{color:#667}code{word-break:break-all}
@media (max-width:600px){body{padding:8px;font-size:13px}th,td{padding:2px 4px}}
@media print{@page{size:A4;margin:12mm}body{max-width:none;font-size:10px}.wrap{overflow:visible}
details{display:block}details>*{display:block}h2{break-after:avoid}table{break-inside:auto}tr{break-inside:avoid}}
"""


def escape(text: str) -> str:
    """Stored text as the page shows it: inert as markup, and its control, format and separator characters
    escaped as in the terminal, so that no note reorders the figures beside it."""
    return html_escape(printable(text))


def fig(name: str, value: Any, number: bool = True) -> str:
    """A table cell holding a figure, named for the JSON it equals."""
    shown = "–" if value is None else escape(str(value).lower() if isinstance(value, bool) else str(value))
    return f'<td class="{"n" if number else ""}" data-figure="{escape(name)}">{shown}</td>'


def table(headers: list[str], rows: list[str], numbers: set[str] = frozenset()) -> str:
    head = "".join(f'<th class="{"n" if h in numbers else ""}">{escape(h)}</th>' for h in headers)
    return f'<div class="wrap"><table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'


def bar_chart(title: str, unit: str, labels: list[str], values: list[float], name: str, width: int = 480,
              height: int = 220, ceiling: float | None = None) -> str:
    """A bar chart as inline SVG, with its axis, gridlines, labels and unit."""
    left, bottom, top = 56, 34, 26
    plot_w, plot_h = width - left - 10, height - bottom - top
    high = ceiling or max(values + [0]) or 1
    step = plot_w / max(len(values), 1)
    parts = [f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
             f'aria-label="{escape(title)}" data-chart="{escape(name)}" xmlns="http://www.w3.org/2000/svg">',
             f'<text x="{left}" y="16" font-size="13" font-weight="600">{escape(title)} ({escape(unit)})</text>']
    tick = "{:,.2f}" if high < 10 else "{:,.0f}"
    for i in range(5):
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e5ec"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="10" text-anchor="end">'
                     f'{tick.format(high * i / 4)}</text>')
    parts.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="#556"/>'
                 f'<line x1="{left}" x2="{width - 10}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#556"/>')
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = plot_h * value / high
        x = left + i * step + step * 0.15
        parts.append(f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" '
                     f'fill="#4c6fbf"><title>{escape(label)}: {value:,.2f} {escape(unit)}</title></rect>'
                     f'<text x="{x + step * 0.35:.1f}" y="{height - 18}" font-size="10" text-anchor="middle">'
                     f'{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


class Refused(Exception):
    """The page is not written: the chain is tampered with (`tampered`), or FILE is not one to write over."""

    def __init__(self, message: str, tampered: bool = False):
        super().__init__(message)
        self.tampered = tampered


def write(ledger: Any, as_of: datetime, path: Path, protected: Iterable[tuple[Path, str]] = ()) -> None:
    """The page into `path`: the chain checked first; `path` refused when it is a link, one of the
    `protected` files (the store's own, the key file: (path, what it is)) or an existing file the ledger did
    not write. The page is written into a new file beside `path` (exclusive create, never through a link)
    and moved over it when whole, with the mode `path` had: a failed run leaves no half page (OSError when
    it cannot be written)."""
    verdict = ledger.reader.verify()
    if verdict.problem:
        raise Refused(verdict.problem, tampered=True)
    refusal = target_refusal(path, protected)
    if refusal:
        raise Refused(refusal)
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask()
    descriptor, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent or ".")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.writelines(render(ledger, as_of, verdict.head))
        os.chmod(partial, mode)
        os.replace(partial, path)
    finally:
        Path(partial).unlink(missing_ok=True)


def target_refusal(path: Path, protected: Iterable[tuple[Path, str]]) -> str | None:
    """Why the page may not go to `path`, or None."""
    if path.is_symlink():
        return f"{path} is a link; name the file itself"
    if not path.exists():
        return None
    if not path.is_file():
        return f"{path} is not a file"
    for other, what in protected:
        if other.exists() and os.path.samefile(path, other):
            return f"{path} is {what}; the report is written to a file of its own"
    with path.open("rb") as existing:
        start = existing.read(1024)
    if GENERATOR.encode() not in start:
        return f"{path} exists and is not a report the ledger wrote; name a new file or an earlier report"
    return None


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def render(ledger: Any, as_of: datetime, head: str) -> Iterator[str]:
    """The page as of `as_of`, piece by piece (a busy shop's page runs to tens of megabytes, written as it
    is made): the chain's head, liability, SLA, stock, KPIs, staff and the fund, and a timeline per case."""
    policy = ledger.latest_policy()
    zone = policy.zone
    liability = ledger.liability()
    breaches = ledger.breaches(as_of)

    counts = {kind: sum(b["kind"] == kind for b in breaches) for kind in KINDS}
    stock = ledger.stock()
    kpi = ledger.kpi("month", as_of)
    fund = ledger.fund()
    yield (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">{GENERATOR}'
           f'<meta name="viewport" content="width=device-width, initial-scale=1">'
           f"<title>Ledger audit report {escape(as_of.astimezone(zone).isoformat())}</title>"
           f"<style>{STYLE}</style></head><body>"
           "<h1>Ledger audit report</h1>"
           f'<p class="head" data-figure="head">head {escape(head)}</p>'
           f'<p class="muted">As of <span data-figure="as_of">{escape(as_of.astimezone(zone).isoformat())}</span>; '
           f"check the head with <code>ledger verify --expect-head {escape(head)}</code>.</p>")
    totals = liability["totals"]
    yield ("<h2>Liability</h2><div class='cards'>" + "".join(
        f'<div class="card">{escape(name)}<b data-figure="liability.totals.{name}">{escape(value)}</b></div>'
        for name, value in totals.items()) + "</div>")
    case_columns = [c for c in liability["cases"][0]] if liability["cases"] else []
    money = {c for c in case_columns if c.endswith(("postage", "cost", "refunded", "approved", "outstanding"))}
    rows = []
    for case in liability["cases"]:
        cells = "".join(
            f'<td><a href="#timeline-{escape(case[c])}">{escape(case[c])}</a></td>' if c == "case_id" else
            fig(f"liability.cases.{case['case_id']}.{c}", case[c], c in money) for c in case_columns)
        rows.append(f"<tr>{cells}</tr>")
    yield "<h3>Accepted cases</h3>" + table(case_columns, rows, money)
    if liability["orders"]:
        order_columns = list(liability["orders"][0])
        rows = ["<tr>" + "".join(fig(f"liability.orders.{o['order_id']}.{c}", o[c], c != "order_id") for c in
                                 order_columns) + "</tr>" for o in liability["orders"]]
        yield "<h3>Orders that did not reach their buyer</h3>" + table(order_columns, rows, set(order_columns[1:]))
    yield ("<h2>SLA breaches</h2><div class='cards'>" + "".join(
        f'<div class="card">{escape(kind)}<b data-figure="sla.counts.{kind}">{n}</b></div>'
        for kind, n in counts.items()) + "</div>")
    still_open = [b for b in breaches if b["done_at"] is None]
    yield (f"<h3>Open breaches ({len(still_open)})</h3>" + table(
        ["kind", "subject", "rule", "due"],
        [f"<tr><td>{escape(b['kind'])}</td><td>{escape(b['subject'])}</td><td>{escape(b['rule'])}</td>"
         f"<td>{escape(b['due'])}</td></tr>" for b in still_open]))
    low = [s for s in stock if s["low"]]
    yield (f"<h2>Low stock ({len(low)})</h2>" + table(
        ["sku", "on_hand", "reserved", "available"],
        ["<tr><td>" + escape(s["sku"]) + "</td>" + "".join(fig(f"stock.{s['sku']}.{c}", s[c]) for c in
                                                          ("on_hand", "reserved", "available")) + "</tr>"
         for s in low], {"on_hand", "reserved", "available"}))
    yield kpi_section(kpi)
    yield staff_section(ledger.kpi("month", as_of, staff=True), fund)
    yield "<h2>Case timelines</h2>"
    for case in liability["cases"]:
        yield timeline(ledger, case["case_id"], policy)
    yield "</body></html>"


def kpi_section(kpi: dict) -> str:
    rows = kpi["rows"]
    months = [row["period"] for row in rows]
    charts = [
        bar_chart("Sales by month", "CNY", months, [float(row["sales"]) for row in rows], "sales"),
        bar_chart("Orders by month", "orders", months, [row["orders"] for row in rows], "orders"),
        bar_chart("Same-day rate", "share of first dispatches", months,
                  [row["same_day_rate"] or 0.0 for row in rows], "same_day_rate", ceiling=1.0),
        bar_chart("Satisfaction", "share of positive reviews", months,
                  [row["satisfaction"] or 0.0 for row in rows], "satisfaction", ceiling=1.0),
    ]
    names = ["orders", "sales", "aov", "refunds", "cases", "return_rate", "same_day_rate", "breaches",
             "satisfaction", "complaints", "upheld", "penalties", "target_sales", "achieved"]
    body = ["<tr><td>" + escape(row["period"]) + "</td>" + "".join(fig(f"kpi.{row['period']}.{n}", row[n])
                                                                   for n in names) + "</tr>" for row in rows]
    body.append('<tr class="total"><td>total</td>' + "".join(fig(f"kpi.totals.{n}", kpi["totals"][n])
                                                               for n in names) + "</tr>")
    return ("<h2>Performance by month (业绩)</h2><div class='charts'>" + "".join(charts) + "</div>"
            + table(["period", *names], body, set(names)))


def staff_section(per_staff: dict, fund: dict) -> str:
    people = ["<tr><td>" + escape(r["period"]) + "</td><td>" + escape(r["staff"]) + "</td>"
              + fig(f"staff.{r['period']}.{r['staff']}.complaints_upheld", r["complaints_upheld"])
              + fig(f"staff.{r['period']}.{r['staff']}.penalties", r["penalties"]) + "</tr>"
              for r in per_staff["rows"] if r["complaints_upheld"] or r["penalties"] != "0.00"]
    entries = ["<tr>" + "".join(f"<td>{escape(str(e[c])) if e[c] is not None else '–'}</td>"
                                for c in ("at", "kind", "staff", "complaint_id", "month", "nth"))
               + fig(f"fund.entries.{i}.amount", e["amount"]) + f"<td>{escape(e['purpose'] or '')}</td>"
               f"<td>{escape(e['recorded_by'])}</td></tr>" for i, e in enumerate(fund["entries"])]
    return ("<h2>Complaints, penalties and the growth fund</h2>"
            + table(["period", "staff", "complaints_upheld", "penalties"], people, {"complaints_upheld", "penalties"})
            + table(["at", "kind", "staff", "complaint_id", "month", "nth", "amount", "purpose", "recorded_by"],
                    entries, {"amount"})
            + f'<p>Fund balance: <b data-figure="fund.balance">{escape(fund["balance"])}</b></p>')


def timeline(ledger: Any, case_id: str, policy: Any) -> str:
    """A case's records and decisions, with rule, policy version, actor, role and time; no personal field."""
    _, events = ledger.reader.history(case_id, policy)
    rows = []
    for entry in events.entries:
        data = events.data(entry)
        for name in PERSONAL.get(entry.type, ()):
            data.pop(name, None)
        state, decision = entry.state, entry.decision
        what = ", ".join(f"{k}={v}" for k, v in data.items() if k != "rests_on")
        rows.append(f"<tr><td>{entry.position}</td><td>{escape(events.time(entry.at))}</td>"
                    f"<td>{escape(state['actor'])}</td><td>{escape(state['role'])}</td>"
                    f"<td>{'⇒ ' if decision else ''}{escape(entry.type)}</td>"
                    f"<td>{escape(state['rule']) if decision else ''}</td>"
                    f"<td>{escape(state['policy_version']) if decision else ''}</td><td>{escape(what)}</td></tr>")
    return (f'<details id="timeline-{escape(case_id)}" open><summary>{escape(case_id)}</summary>'
            + table(["#", "at", "actor", "role", "event", "rule", "policy", "data"], rows) + "</details>")
