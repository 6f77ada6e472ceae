"""`ledger report --html` (SPEC section 12): every figure equals the matching --json command, nothing is
fetched from elsewhere, no personal field appears; and the page as Debian's chromium renders it."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
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


def test_every_figure_equals_what_the_json_commands_print(made):
    run, path = made
    page = Page(path.read_text(encoding="utf-8"))
    head = run("verify").stdout.splitlines()[-1]
    assert page.figures["head"] == head and page.figures["as_of"] == AS_OF
    liability = json.loads(run("liability", "--json").stdout)
    for name, value in liability["totals"].items():
        assert page.figures[f"liability.totals.{name}"] == value
    for case in liability["cases"]:
        for name, value in case.items():
            if name != "case_id":
                assert page.figures[f"liability.cases.{case['case_id']}.{name}"] == shown(value)
    for order in liability["orders"]:
        for name, value in order.items():
            assert page.figures[f"liability.orders.{order['order_id']}.{name}"] == shown(value)
    sla = json.loads(run("sla", "--as-of", AS_OF, "--json").stdout)
    assert {k: int(page.figures[f"sla.counts.{k}"]) for k in sla["counts"]} == sla["counts"]
    kpi = json.loads(run("kpi", "--as-of", AS_OF, "--json").stdout)
    names = [n for n in kpi["totals"] if n not in ("reviews", "target_orders")]
    for row in kpi["rows"]:
        for name in names:
            assert page.figures[f"kpi.{row['period']}.{name}"] == shown(row[name]), name
    for name in names:
        if f"kpi.totals.{name}" in page.figures:
            assert page.figures[f"kpi.totals.{name}"] == shown(kpi["totals"][name])
    fund = json.loads(run("fund", "--json").stdout)
    assert page.figures["fund.balance"] == fund["balance"]
    assert [page.figures[f"fund.entries.{i}.amount"] for i in range(len(fund["entries"]))] == \
        [e["amount"] for e in fund["entries"]]
    low = [s for s in json.loads(run("stock", "--json").stdout)["skus"] if s["low"]]
    assert low and all(page.figures[f"stock.{s['sku']}.available"] == str(s["available"]) for s in low)


def test_the_page_fetches_nothing_and_shows_no_personal_field(made):
    _, path = made
    html = path.read_text(encoding="utf-8")
    page = Page(html)
    assert not [(t, a) for t, a in page.tags if t in ("script", "link", "img", "iframe", "object", "embed")]
    references = [a.get("href") or a.get("src") for _, a in page.tags if a.get("href") or a.get("src")]
    assert references and all(ref.startswith("#") for ref in references)  # each case links to its timeline
    assert "url(" not in html and "@import" not in html
    assert [t for t, _ in page.tags].count("svg") == 4 and all(
        a.get("id", "").startswith("timeline-") for t, a in page.tags if t == "details")
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
