"""`ledger report --html` (SPEC section 12): every figure equals the matching --json command, nothing is
fetched from elsewhere, no personal field appears; and the page as Debian's chromium renders it."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

LEDGER = str(Path(sys.executable).with_name("ledger"))
FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "shop-2026-11.jsonl"
AS_OF = "2026-11-20T00:00:00+08:00"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class Page(HTMLParser):
    """The figures (data-figure name -> text), every tag with its attributes, and the text."""

    def __init__(self, html: str):
        super().__init__()
        self.figures: dict[str, str] = {}
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self._open: list[str | None] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag not in ("br", "meta", "line", "rect", "img", "input"):
            self._open.append(attrs.get("data-figure"))
            if attrs.get("data-figure"):
                self.figures[attrs["data-figure"]] = ""

    def handle_endtag(self, tag):
        if tag not in ("br", "meta", "line", "rect", "img", "input") and self._open:
            self._open.pop()

    def handle_data(self, data):
        self.text.append(data)
        for name in self._open:
            if name:
                self.figures[name] += data

    def text_only(self) -> str:
        return "".join(self.text)


@pytest.fixture
def made(store, tmp_path):
    env = {"LEDGER_STORE": store, "PATH": "/usr/bin:/bin", "LEDGER_MASTER_KEY": os.environ["LEDGER_MASTER_KEY"]}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([LEDGER, *args], capture_output=True, text=True, env=env, cwd=tmp_path)

    assert run("append", str(FIXTURE)).returncode == 0
    result = run("report", "--html", str(tmp_path / "report.html"), "--as-of", AS_OF)
    assert result.returncode == 0, result.stderr
    return run, tmp_path / "report.html"


def shown(value) -> str:
    return "–" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def percent(value) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def rows_of(html: str, name: str) -> tuple[list[str], dict[str, list[str]]]:
    """A table of the page (class `name`): its columns (`data-column`) and each row's cells by its first
    cell's id, read from the markup (the rows leave their end tags out)."""
    found = re.search(rf'<table class="{name}">(.*?)</table>', html, re.S)
    if found is None:
        return [], {}
    body = found.group(1)
    columns = re.findall(r'data-column="([a-z_]+)"', body)
    rows = {}
    for row in body.split("<tbody>", 1)[1].split("<tr>")[1:]:
        cells = [re.sub(r"<small>.*?</small>|<[^>]+>", "", cell) for cell in row.split("<td>")[1:]]
        rows[cells[0]] = cells[1:]
    return columns, rows


def other_cases(html: str) -> dict[str, list[str]]:
    """The folded list of the other cases: id -> its money figures."""
    found = re.search(r"<pre data-columns=\"([a-z_ ]+)\">(.*?)</pre>", html, re.S)
    return {} if found is None else {line.split()[0]: line.split()[1:] for line in found.group(2).splitlines()[1:]}


def test_every_figure_equals_what_the_json_commands_print(made):
    run, path = made
    html = path.read_text(encoding="utf-8")
    page = Page(html)
    head = run("verify").stdout.splitlines()[-1]
    assert page.figures["head"] == head and page.figures["as_of"] == AS_OF
    liability = json.loads(run("liability", "--json").stdout)
    for name, value in liability["totals"].items():
        assert page.figures[f"liability.totals.{name}"] == value
    columns, table = rows_of(html, "cases")
    rest = other_cases(html)
    assert table and not table.keys() & rest.keys()
    by_number = [int(re.sub(r"\D", "", case)) for case in [*table, *rest]]
    assert by_number[:len(table)] == sorted(by_number[:len(table)]) and by_number[len(table):] == sorted(
        by_number[len(table):])  # C-2 before C-10
    assert {c["case_id"]: [c[name] for name in columns] for c in liability["cases"]} == {**table, **rest}
    assert len(columns) == 8 and all(c.endswith(("postage", "cost", "refunded", "approved", "outstanding"))
                                     for c in columns)
    columns, orders = rows_of(html, "orders")
    assert {o["order_id"]: [o[c] for c in columns if c != "cancelled"] for o in liability["orders"]} == \
        {order: [cell for c, cell in zip(columns, cells) if c != "cancelled"] for order, cells in orders.items()}
    sla = json.loads(run("sla", "--as-of", AS_OF, "--json").stdout)
    assert {k: int(page.figures[f"sla.counts.{k}"]) for k in sla["counts"]} == sla["counts"]
    kpi = json.loads(run("kpi", "--by", "day", "--as-of", AS_OF, "--json").stdout)  # a fortnight: by day
    names = [n for n in kpi["totals"] if n not in ("reviews", "target_orders")]
    ratios = ("return_rate", "same_day_rate", "satisfaction", "achieved")
    for row in [*kpi["rows"], {**kpi["totals"], "period": "totals"}]:
        for name in names:
            want = percent(row[name]) if name in ratios else shown(row[name])
            assert page.figures[f"kpi.{row['period']}.{name}"] == want, name
    staff = json.loads(run("kpi", "--staff", "--as-of", AS_OF, "--json").stdout)["rows"]
    penalised = [r for r in staff if r["complaints_upheld"] or r["penalties"] != "0.00"]
    assert penalised and all(
        (page.figures[f"staff.{r['period']}.{r['staff']}.complaints_upheld"],
         page.figures[f"staff.{r['period']}.{r['staff']}.penalties"]) == (str(r["complaints_upheld"]), r["penalties"])
        for r in penalised)
    assert len([name for name in page.figures if name.startswith("staff.")]) == 2 * len(penalised)
    fund = json.loads(run("fund", "--json").stdout)
    assert page.figures["fund.balance"] == fund["balance"]
    assert [page.figures[f"fund.entries.{i}.amount"] for i in range(len(fund["entries"]))] == \
        [e["amount"] for e in fund["entries"]]
    low = [s for s in json.loads(run("stock", "--json").stdout)["skus"] if s["low"]]
    assert low and all(page.figures[f"stock.{s['sku']}.available"] == str(s["available"]) for s in low)


def test_a_later_page_keeps_the_timelines_of_open_cases_and_folds_the_others(made):
    run, path = made
    later = path.with_name("later.html")
    assert run("report", "--html", str(later), "--as-of", "2026-12-31T00:00:00+08:00").returncode == 0
    html = later.read_text(encoding="utf-8")
    cases = json.loads(run("liability", "--json").stdout)["cases"]
    due = json.loads(run("due", "--as-of", "2026-12-31T00:00:00+08:00", "--json").stdout)["items"]
    open_ = {c["case_id"] for c in cases if c["refund_outstanding"] != "0.00"} | \
        ({i["subject"] for i in due} & {c["case_id"] for c in cases})
    assert 0 < len(open_) < len(cases)
    assert set(rows_of(html, "cases")[1]) == open_  # nothing was touched in the 31 days before
    assert {a.get("id") for t, a in Page(html).tags if t == "details" and a.get("id")} == {f"t-{c}" for c in open_}
    assert len(other_cases(html)) == len(cases) - len(open_)


def test_the_owners_summary_comes_first_and_equals_the_commands(made):
    run, path = made
    html = path.read_text(encoding="utf-8")
    page = Page(html)
    assert html.index('data-figure="summary.orders"') < html.index('data-figure="liability.totals') < \
        html.index('data-figure="head"')  # the summary first, the auditor's head last
    today = AS_OF[:10]
    day = json.loads(run("kpi", "--by", "day", "--from", today, "--to", today, "--as-of", AS_OF, "--json").stdout)
    assert page.figures["summary.orders"] == str(day["rows"][0]["orders"] if day["rows"] else 0)
    assert page.figures["summary.sales"] == (day["rows"][0]["sales"] if day["rows"] else "0.00")
    due = json.loads(run("due", "--as-of", AS_OF, "--json").stdout)["items"]
    midnight = (datetime.fromisoformat(AS_OF) + timedelta(days=1)).replace(hour=0, minute=0)
    assert page.figures["summary.due_today"] == str(sum(
        not i["overdue"] and i["due"] is not None and datetime.fromisoformat(i["due"]) < midnight for i in due))
    assert page.figures["summary.late"] == str(sum(i["overdue"] for i in due))
    totals = json.loads(run("liability", "--json").stdout)["totals"]
    assert (page.figures["summary.refund_outstanding"], page.figures["summary.shop_cost"]) == \
        (totals["refund_outstanding"], totals["shop_cost"])
    assert "店铺经营报告" in html and "待退款" in html and "refund_outstanding" not in Page(html).text_only()
    busy = path.with_name("busy.html")  # a day of the fixture with orders
    assert run("report", "--html", str(busy), "--as-of", "2026-11-05T18:00:00+08:00").returncode == 0
    figures = Page(busy.read_text(encoding="utf-8")).figures
    day = json.loads(run("kpi", "--by", "day", "--from", "2026-11-05", "--to", "2026-11-05", "--json").stdout)
    assert day["rows"][0]["orders"] > 0
    assert (figures["summary.orders"], figures["summary.sales"]) == (str(day["rows"][0]["orders"]),
                                                                     day["rows"][0]["sales"])


def test_the_page_fetches_nothing_and_shows_no_personal_field(made):
    _, path = made
    html = path.read_text(encoding="utf-8")
    page = Page(html)
    assert not [(t, a) for t, a in page.tags if t in ("script", "link", "img", "iframe", "object", "embed")]
    references = [a.get("href") or a.get("src") for _, a in page.tags if a.get("href") or a.get("src")]
    assert references and all(ref.startswith("#") for ref in references)  # each case links to its timeline
    assert "url(" not in html and "@import" not in html
    assert [t for t, _ in page.tags].count("svg") == 4 and all(
        a.get("id", "").startswith("t-") for t, a in page.tags if t == "details")
    records = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]
    personal = {r[k] for r in records for k in ("address", "phone", "note", "text") if k in r and
                r["type"] in ("OrderPlaced", "OrderNoted", "ReviewPosted", "ComplaintLodged")}
    assert len(personal) > 60
    assert [p for p in personal if p in html] == []


def chromium() -> str | None:
    found = shutil.which("chromium")
    if found is None and os.environ.get("LEDGER_REQUIRE_CHROMIUM"):
        pytest.fail("chromium is required here (.ci/run installs it)")
    return found


@pytest.mark.parametrize("width", [1280, 390])  # a desktop, and a phone
def test_chromium_renders_the_page_with_its_figures(made, tmp_path, width):
    browser = chromium()
    if browser is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    run, path = made
    flags = [*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", f"--window-size={width},2000"]
    shot = tmp_path / f"report-{width}.png"
    subprocess.run([browser, *flags, f"--screenshot={shot}", path.as_uri()], capture_output=True, timeout=120)
    png = shot.read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 20_000  # a blank page compresses to a few kilobytes
    dom = subprocess.run([browser, *flags, "--dump-dom", path.as_uri()], capture_output=True, text=True,
                         timeout=120).stdout
    rendered = Page(dom)
    liability = json.loads(run("liability", "--json").stdout)
    assert rendered.figures["liability.totals.refund_outstanding"] == liability["totals"]["refund_outstanding"]
    assert rendered.figures["head"] == run("verify").stdout.splitlines()[-1]


A4_PRINTABLE = 703  # CSS pixels across an A4 page inside the page's 12 mm margins (186 mm at 96 per inch)
MONEY_CELLS = """() => {
  const cells = [...document.querySelectorAll('table.cases td:not(:first-child)')];
  const wide = document.documentElement.clientWidth;
  const bad = cells.filter(c => { const r = c.getBoundingClientRect();
    return r.width < 1 || r.left < 0 || r.right > wide + 0.5 || !c.textContent.trim(); });
  const top = name => document.querySelector(`[data-figure="${name}"]`).getBoundingClientRect().top;
  return {cells: cells.length, bad: bad.length, width: wide,
          first: top('summary.orders') < top('liability.totals.shop_cost')
                 && top('liability.totals.shop_cost') < top('head')};
}"""


@pytest.fixture
def browser():
    found = chromium()
    if found is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=found, args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


@pytest.mark.parametrize("width, media", [(1280, "screen"), (390, "screen"), (A4_PRINTABLE, "print")])
def test_every_money_cell_shows_inside_the_page_as_chromium_lays_it_out(made, browser, tmp_path, width, media):
    run, path = made
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.emulate_media(media=media)
    page.goto(path.as_uri())
    found = page.evaluate(MONEY_CELLS)
    assert found == {"cells": len(rows_of(path.read_text(encoding="utf-8"), "cases")[1]) * 8, "bad": 0,
                     "width": width, "first": True} and found["cells"] > 0
    shot = tmp_path / f"report-{media}-{width}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 20_000
    if media == "print":
        pdf = tmp_path / "report.pdf"
        page.pdf(path=str(pdf), format="A4", print_background=True)
        if shutil.which("pdftoppm"):
            subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", str(pdf), str(tmp_path / "a4")],
                           check=True, timeout=60)
            assert (tmp_path / "a4-1.png").stat().st_size > 10_000
    page.close()
