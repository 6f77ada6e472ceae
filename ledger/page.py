"""`ledger report --html FILE`: one self-contained page for the owner and the auditor (SPEC section 12).

Every figure on the page comes from the same functions as the matching `--json` command, and carries a
`data-figure` name so that a test (or an auditor's script) can tie it to that command's JSON. Charts are
inline SVG drawn here; no script, style sheet, font or image is fetched. No personal field (SPEC
section 5) is written: event data is shown without the fields its record type lists as personal.
"""
from __future__ import annotations

import multiprocessing
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from html import escape as html_escape
from pathlib import Path
from typing import Any

from ledger import messages
from ledger.events import Record, subclasses
from ledger.messages import heading, say, yes_no
from ledger.projections.sla import KINDS
from ledger.report import COMMON
from ledger.values import micros, printable

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
table.cases,table.orders{table-layout:fixed}table.cases col.first{width:22%}
table.cases th{white-space:normal;vertical-align:bottom}
table.cases td+td,table.cases th+th,table.orders td+td,table.orders th+th{text-align:right;
font-variant-numeric:tabular-nums}
pre{font-size:12px;overflow-x:auto}
table.cases td{overflow:hidden;text-overflow:clip}table.cases small{display:block;color:#667;white-space:normal}
.cards{display:flex;flex-wrap:wrap;gap:8px}.card{background:#f3f4f8;border-radius:6px;padding:8px 12px;min-width:120px}
.card b{display:block;font-size:18px}.summary .card{background:#e8eefb}.charts{display:flex;flex-wrap:wrap;gap:16px}
.charts svg{max-width:100%;height:auto}
details{margin:4px 0}summary{cursor:pointer}.muted{color:#667}code{word-break:break-all}
@media screen and (max-width:600px){body{padding:8px;font-size:13px}th,td{padding:2px 4px}
table.cases,table.cases tbody{display:block}table.cases thead,table.cases colgroup{display:none}
table.cases tr{display:grid;grid-template-columns:1fr 1fr;border-bottom:1px solid #ccd;padding:4px 0}
table.cases td{display:flex;justify-content:space-between;gap:6px;border:0}table.cases td:first-child{grid-column:1/-1}
table.cases td::before{color:#667}}
@media print{@page{size:A4;margin:12mm}body{max-width:none;font-size:10px}.wrap{overflow:visible}
th,td{padding:2px 3px}details{display:block}details::details-content{content-visibility:visible;display:block}
h2{break-after:avoid}table{break-inside:auto}
tr{break-inside:avoid}}
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
    every = -(-len(labels) // 12)  # at most a dozen labels under the bars, so that none overlap
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
                     f'fill="#4c6fbf"><title>{escape(label)}: {value:,.2f} {escape(unit)}</title></rect>')
        if i % every == 0:
            parts.append(f'<text x="{x + step * 0.35:.1f}" y="{height - 18}" font-size="10" text-anchor="middle">'
                         f'{escape(short(label))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def short(period: str) -> str:
    """A period as a bar's label: a day without its year (11-02), a week or month as it is."""
    return period[5:] if len(period) == 10 else period


class Refused(Exception):
    """The page is not written: the chain is tampered with (`tampered`), or FILE is not one to write over."""

    def __init__(self, message: str, tampered: bool = False):
        super().__init__(message)
        self.tampered = tampered


def write(ledger: Any, as_of: datetime, path: Path, protected: Iterable[tuple[Path, str]] = ()) -> None:
    """The page into `path`: the chain checked (in a second process, while the page is made: it is moved
    into place only once the check has passed, and its head is the page's last figure); `path` refused when
    it is a link, one of the `protected` files (the store's own, the key file: (path, what it is)) or an
    existing file the ledger did not write. The page is written into a new file beside `path` (exclusive
    create, never through a link) and moved over it when whole, with the mode `path` had: a tampered chain
    or a failed run leaves no page and no half page (OSError when it cannot be written)."""
    with chain_check(ledger.store) as head:
        refusal = target_refusal(path, protected)
        if refusal:
            head()  # a tampered chain is said first
            raise Refused(refusal)
        mode = path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask()
        descriptor, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent or ".")
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as out:
                out.writelines(render(ledger, as_of, head))
            os.chmod(partial, mode)
            os.replace(partial, path)
        finally:
            Path(partial).unlink(missing_ok=True)


@contextmanager
def chain_check(store: Any, start: str = "fork") -> Iterator[Callable[[], str]]:
    """`verify`, run by a child process on its own connection to `store`; yields what waits for its head
    (raising Refused when the chain is tampered with). `start`: how the child starts; a process with threads
    of its own (the desk) spawns it, since a forked child may inherit a lock another thread held."""
    context = multiprocessing.get_context(start)
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_verify, args=(store, send), daemon=True)
    child.start()
    send.close()
    found: list[str] = []

    def head() -> str:
        if not found:
            try:
                problem, verified = receive.recv()
            except EOFError:
                raise OSError("the chain check stopped before it answered") from None
            if problem:
                raise Refused(problem, tampered=True)
            found.append(verified)
        return found[0]

    try:
        yield head
    finally:
        receive.close()
        child.join(timeout=0 if found else 5)
        if child.is_alive():
            child.kill()
            child.join()


def _verify(store: Any, send: Any) -> None:
    """In the child: it leaves by os._exit, so that nothing it inherited (the parent's connections) is closed
    or flushed from here."""
    from ledger.reader import open_reader

    try:
        reader, close = open_reader(store)
        verdict = reader.verify()
        close()
        send.send((verdict.problem, verdict.head))
    finally:
        os._exit(0)


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


MONEY = ("outbound_postage", "return_postage", "reship_postage", "shop_cost", "buyer_cost", "refund_approved",
         "refunded", "refund_outstanding")  # the case table's columns; the rest fold into its first cell's line
DETAIL = ("order_id", "kind", "reason", "payer", "rule")
RATIOS = ("return_rate", "same_day_rate", "satisfaction", "achieved")  # shown as percentages
RECENT = timedelta(days=31)  # a case touched since then keeps its timeline on the page


def render(ledger: Any, as_of: datetime, head: Callable[[], str], language: str | None = None) -> Iterator[str]:
    """The page as of `as_of`, piece by piece, in the page's language (Chinese unless LEDGER_LANG=en): the
    owner's summary, liability, SLA, stock, KPIs, staff and the fund, the timelines of the open and recent
    cases, and the auditor's section with the chain's head."""
    language = language or messages.page_language()
    with messages.speaking(language):
        yield from _render(ledger, as_of, head, "zh-CN" if language == messages.ZH else "en")


def _render(ledger: Any, as_of: datetime, head: Callable[[], str], lang: str) -> Iterator[str]:
    policy = ledger.latest_policy()
    zone = policy.zone
    local = as_of.astimezone(zone)
    liability = ledger.liability()
    due = ledger.reader.due(as_of, policy)
    shown_at = local.isoformat()
    yield (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">{GENERATOR}'
           f'<meta name="viewport" content="width=device-width, initial-scale=1">'
           f"<title>{escape(say('page_title'))} {escape(shown_at)}</title>"
           f"<style>{STYLE}{stacked_labels()}</style></head><body>"
           f"<h1>{escape(say('page_title'))}</h1>"
           f'<p class="muted">{escape(say("page_as_of", at="")).strip()} '
           f'<span data-figure="as_of">{escape(shown_at)}</span></p>')
    breaches = ledger.breaches(as_of)
    dues = [micros(datetime.fromisoformat(b["due"])) for b in breaches]  # what the KPIs count, worked out once
    yield summary(ledger, local, liability, due)
    cases = sorted(liability["cases"], key=lambda case: id_order(case["case_id"]))
    kept = timeline_cases(ledger, as_of, cases, due)
    yield liability_section(liability, cases, kept, shown_at)
    yield sla_section(breaches, shown_at)
    yield stock_section(ledger.stock(), shown_at)
    yield kpi_section(ledger, as_of, shown_at, dues)
    yield staff_section(ledger.kpi("month", as_of, staff=True, dues=dues, complaints_only=True), ledger.fund(),
                        shown_at)
    yield (h2(say("page_timelines"), shown_at) + "<p class='muted'>"
           + escape(say("page_timelines_note", at=shown_at, n=len(kept), others=len(cases) - len(kept))) + "</p>")
    yield from timelines(ledger, [case["case_id"] for case in cases if case["case_id"] in kept], zone)
    verified = head()
    yield (h2(say("page_audit"), shown_at) + f"<p>{escape(say('page_audit_note'))}</p>"
           f'<p class="head" data-figure="head">head {escape(verified)}</p>'
           f"<p><code>ledger verify --expect-head {escape(verified)}</code></p></body></html>")


def h2(title: str, at: str) -> str:
    """A section's heading, with the time it is as of."""
    return f"<h2>{escape(title)} <small class='muted'>{escape(say('page_as_of', at=at))}</small></h2>"


def id_order(text: str) -> tuple:
    """Ids in the order of their numbers: C-2 before C-10 (section 12)."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text) if part)


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def card(label: str, name: str, value: Any) -> str:
    return f'<div class="card">{escape(label)}<b data-figure="{escape(name)}">{escape(str(value))}</b></div>'


def summary(ledger: Any, local: datetime, liability: dict, due: list[dict]) -> str:
    """The owner's questions first: today's orders and sales, what is due by midnight, what is late, refunds
    owed, the shop's postage (ADR 20 says which command gives each)."""
    today = local.date()
    start = datetime.combine(today, datetime.min.time(), tzinfo=local.tzinfo)
    midnight = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=local.tzinfo)
    orders, sales = ledger.reader.sales_between(start, midnight)
    due_today = [item for item in due if not item["overdue"] and item["due"] is not None
                 and datetime.fromisoformat(item["due"]) < midnight]
    late = [item for item in due if item["overdue"]]
    totals = liability["totals"]
    return (h2(say("page_summary"), local.isoformat()) + "<div class='cards summary'>"
            + card(say("page_orders"), "summary.orders", orders)
            + card(say("page_sales"), "summary.sales", sales)
            + card(say("page_due_today"), "summary.due_today", len(due_today))
            + card(say("page_late"), "summary.late", len(late))
            + card(say("page_refunds_owed"), "summary.refund_outstanding", totals["refund_outstanding"])
            + card(say("page_shop_postage"), "summary.shop_cost", totals["shop_cost"])
            + f"</div><p class='muted'>{escape(say('page_summary_note'))}</p>")


def timeline_cases(ledger: Any, as_of: datetime, cases: list[dict], due: list[dict]) -> set[str]:
    """The cases whose timelines the page holds: open at `as_of` (something due, or a refund owed) or with
    a record in the 31 days before it; so the page stays small whatever the history's size."""
    listed = {case["case_id"] for case in cases}
    open_ = {item["subject"] for item in due} | {c["case_id"] for c in cases if c["refund_outstanding"] != "0.00"}
    return listed & (open_ | ledger.reader.recent_cases(as_of - RECENT))


def liability_section(liability: dict, cases: list[dict], kept: set[str], at: str) -> str:
    """The totals; the open and recent cases in a table, each linked to its timeline; the others as lines of
    their figures in a folded list (laid out only when opened, so a store of years renders fast); the orders
    that did not reach their buyer."""
    totals = liability["totals"]
    parts = [h2(say("page_liability"), at) + "<div class='cards'>"
             + "".join(card(heading(name), f"liability.totals.{name}", value) for name, value in totals.items())
             + "</div>", f"<h3>{escape(say('page_cases', n=len(cases)))}</h3>"]
    head = (f"<th>{escape(heading('case_id'))}</th>"
            + "".join(f'<th data-column="{name}">{escape(heading(name))}</th>' for name in MONEY))
    rows = []
    for case in (c for c in cases if c["case_id"] in kept):
        case_id = escape(case["case_id"])
        detail = " · ".join(escape(shown_word(key, case[key])) for key in DETAIL if case[key] is not None)
        rows.append(f'<tr><td><a href="#t-{case_id}">{case_id}</a><small>{detail}</small>'
                    + "".join(f"<td>{escape(case[c])}" for c in MONEY))
    parts.append(f'<table class="cases"><colgroup><col class="first">{"<col>" * len(MONEY)}</colgroup>'
                 f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    others = [c for c in cases if c["case_id"] not in kept]
    if others:
        width = max(len(c["case_id"]) for c in others)
        lines = [" ".join([heading("case_id").ljust(width), *(heading(c)[:10].rjust(10) for c in MONEY)])]
        lines += [" ".join([escape(c["case_id"]).ljust(width), *(c[m].rjust(10) for m in MONEY)]) for c in others]
        parts.append(f"<details class='rest'><summary>{escape(say('page_other_cases', n=len(others)))}</summary>"
                     f"<pre data-columns=\"{' '.join(MONEY)}\">" + "\n".join(lines) + "</pre></details>")
    orders = sorted(liability["orders"], key=lambda order: id_order(order["order_id"]))
    if orders:
        columns = [c for c in orders[0] if c != "order_id"]
        body = [f"<tr><td>{escape(o['order_id'])}" + "".join(
            f"<td>{escape(shown_word(c, o[c]) if c == 'cancelled' else o[c])}" for c in columns) for o in orders]
        parts.append(f"<h3>{escape(say('page_orders_lost', n=len(orders)))}</h3>"
                     + '<table class="orders"><thead><tr>' + f"<th>{escape(heading('order_id'))}</th>"
                     + "".join(f'<th data-column="{c}">{escape(heading(c))}</th>' for c in columns)
                     + f"</tr></thead><tbody>{''.join(body)}</tbody></table>")
    return "".join(parts)


def shown_word(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return yes_no(value)
    return messages.word(key, value) if messages.lang() == messages.ZH else str(value)


def stacked_labels() -> str:
    """On a narrow screen each case is a block of labelled figures: the labels, from the catalogue."""
    labels = "".join(f'table.cases td:nth-child({n})::before{{content:"{heading(name)}"}}'
                     for n, name in enumerate(MONEY, 2))
    return f"@media screen and (max-width:600px){{{labels}}}"


def sla_section(breaches: list[dict], at: str) -> str:
    counts = {kind: sum(b["kind"] == kind for b in breaches) for kind in KINDS}
    still_open = sorted((b for b in breaches if b["done_at"] is None), key=lambda b: (b["due"], id_order(b["subject"])))
    return (h2(say("page_sla"), at) + "<div class='cards'>"
            + "".join(card(shown_word("kind", kind), f"sla.counts.{kind}", n) for kind, n in counts.items()) + "</div>"
            + f"<h3>{escape(say('page_open_breaches', n=len(still_open)))}</h3>"
            + table([heading(c) for c in ("kind", "subject", "rule", "due")],
                    [f"<tr><td>{escape(shown_word('kind', b['kind']))}</td><td>{escape(b['subject'])}</td>"
                     f"<td>{escape(b['rule'])}</td><td>{escape(b['due'])}</td></tr>" for b in still_open]))


def stock_section(stock: list[dict], at: str) -> str:
    low = sorted((s for s in stock if s["low"]), key=lambda s: id_order(s["sku"]))
    columns = ("on_hand", "reserved", "available")
    return (h2(say("page_stock", n=len(low)), at)
            + table([heading(c) for c in ("sku", *columns)],
                    ["<tr><td>" + escape(s["sku"]) + "</td>" + "".join(fig(f"stock.{s['sku']}.{c}", s[c])
                                                                      for c in columns) + "</tr>" for s in low],
                    {heading(c) for c in columns}))


def kpi_section(ledger: Any, as_of: datetime, at: str, dues: list[int]) -> str:
    """Bars a person can read: a short history by day, a few months by week, longer by month."""
    kpi = ledger.kpi("month", as_of, dues=dues)
    months = len(kpi["rows"])
    by = "day" if months <= 2 else "week" if months <= 6 else "month"
    if by != "month":
        kpi = ledger.kpi(by, as_of, dues=dues)
    rows = kpi["rows"]
    periods = [row["period"] for row in rows]
    charts = [
        bar_chart(say("page_chart_sales"), say("page_unit_cny"), periods, [float(row["sales"]) for row in rows],
                  "sales"),
        bar_chart(say("page_chart_orders"), say("page_unit_orders"), periods, [row["orders"] for row in rows],
                  "orders"),
        bar_chart(say("page_chart_same_day"), say("page_unit_share"), periods,
                  [(row["same_day_rate"] or 0.0) * 100 for row in rows], "same_day_rate", ceiling=100.0),
        bar_chart(say("page_chart_satisfaction"), say("page_unit_share"), periods,
                  [(row["satisfaction"] or 0.0) * 100 for row in rows], "satisfaction", ceiling=100.0),
    ]
    names = ["orders", "sales", "aov", "refunds", "cases", "return_rate", "same_day_rate", "breaches",
             "satisfaction", "complaints", "upheld", "penalties", "target_sales", "achieved"]

    def cells(prefix: str, row: dict) -> str:
        return "".join(fig(f"{prefix}.{n}", percent(row[n]) if n in RATIOS else row[n]) for n in names)

    body = [f"<tr><td>{escape(row['period'])}</td>{cells('kpi.' + row['period'], row)}</tr>" for row in rows]
    body.append(f'<tr class="total"><td>{escape(say("total"))}</td>{cells("kpi.totals", kpi["totals"])}</tr>')
    return (h2(say("page_kpi", by=say("page_by_" + by)), at) + "<div class='charts'>" + "".join(charts)
            + "</div>" + table([heading(c) for c in ("period", *names)], body, {heading(n) for n in names}))


def staff_section(per_staff: dict, fund: dict, at: str) -> str:
    people = ["<tr><td>" + escape(r["period"]) + "</td><td>" + escape(r["staff"]) + "</td>"
              + fig(f"staff.{r['period']}.{r['staff']}.complaints_upheld", r["complaints_upheld"])
              + fig(f"staff.{r['period']}.{r['staff']}.penalties", r["penalties"]) + "</tr>"
              for r in per_staff["rows"] if r["complaints_upheld"] or r["penalties"] != "0.00"]
    entries = ["<tr>" + "".join(f"<td>{escape(str(e[c])) if e[c] is not None else '–'}</td>"
                                for c in ("at", "kind", "staff", "complaint_id", "month", "nth"))
               + fig(f"fund.entries.{i}.amount", e["amount"]) + f"<td>{escape(e['purpose'] or '')}</td>"
               f"<td>{escape(e['recorded_by'])}</td></tr>" for i, e in enumerate(fund["entries"])]
    return (h2(say("page_staff"), at)
            + table([heading(c) for c in ("period", "staff", "complaints_upheld", "penalties")], people,
                    {heading("complaints_upheld"), heading("penalties")})
            + table([heading("at"), say("page_fund_kind"), heading("staff"), say("page_complaint"), heading("month"),
                     say("page_nth"), heading("amount"), say("page_purpose"), say("page_recorded_by")],
                    entries, {heading("amount")})
            + f'<p>{escape(say("page_fund_balance"))}: <b data-figure="fund.balance">{escape(fund["balance"])}</b></p>')


def timelines(ledger: Any, case_ids: list[str], zone: Any) -> Iterator[str]:
    """Each case's records and decisions, with rule, policy version, actor, role and time; no personal field.
    The cases' events are read at once; a row leaves its end tags out, and a case's own ids out of its data."""
    found = ledger.reader.case_events(case_ids)
    for case_id in case_ids:
        rows = []
        for entry in found[case_id]:
            state, decision = entry.state, entry.decision
            hidden = {*COMMON, *PERSONAL.get(entry.type, ()), "case_id", "rests_on", "policy_version"}
            what = ", ".join(f"{k}={shown_value(v)}" for k, v in state.items() if k not in hidden)
            at = datetime.fromisoformat(state["at"]).astimezone(zone)
            cited = (escape(state["rule"]), escape(state["policy_version"])) if decision else ("", "")
            rows.append(f"<tr><td>{entry.position}<td>{at:%m-%d %H:%M}<td>{escape(state['actor'])}"
                        f"<td>{escape(shown_word('role', state['role']))}<td>{'⇒ ' if decision else ''}"
                        f"{escape(entry.type)}<td>{cited[0]}<td>{cited[1]}<td>{escape(what)}")
        yield (f'<details id="t-{escape(case_id)}"><summary>{escape(case_id)}</summary>'
               + table([heading(c) for c in ("pos", "at", "actor", "role", "event", "rule")]
                       + [say("page_policy"), say("page_data")], rows) + "</details>")


def shown_value(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(f"{item.get('quantity', '')}x{item.get('sku', '')}" if isinstance(item, dict) else str(item)
                        for item in value)
    return str(value)
