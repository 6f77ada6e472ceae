"""The desk as a person sees it, in Debian's chromium driven by Playwright: the shipping clerk signs in, sees
what is due, enters a return request and its freight-collect parcel and reads AS-4's answer; the supervisor
rules the case; the clerk cannot open the ruling form; signing out ends the session. Screenshots at 1280
and 390 pixels wide (in LEDGER_SHOTS, when set, to be looked at)."""
from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from ledger.demo import demo_password
from tests.desk import demo_ledger

WIDTHS = (1280, 390)


def chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        if os.environ.get("LEDGER_REQUIRE_CHROMIUM"):
            pytest.fail("chromium is required here (.ci/run installs it)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    return found


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The desk on the demo shop, served by uvicorn on a free loopback port."""
    import uvicorn

    from ledger.desk.app import create_app

    ledger = demo_ledger(f"sqlite:///{tmp_path_factory.mktemp('browser') / 'shop.db'}")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(ledger), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", ledger
    server.should_exit = True
    thread.join(timeout=10)
    ledger.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


@pytest.fixture
def shots(tmp_path) -> Path:
    where = Path(os.environ.get("LEDGER_SHOTS") or tmp_path)
    where.mkdir(parents=True, exist_ok=True)
    return where


def signed_in(browser, base: str, name: str, width: int = 1280):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{base}/login")
    page.fill("input[name=staff]", name)
    page.fill("input[name=password]", demo_password(name))
    page.click("form.login button")
    page.wait_for_url(f"{base}/")
    return page


def submitted(page, **values: str) -> None:
    """The record form filled as a person does (a choice picked from its list, the rest typed) and sent."""
    for name, value in values.items():
        field = page.locator(f"form.record [name={name}]")
        if field.evaluate("element => element.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    page.click("form.record button")


def fits(page) -> bool:
    """Nothing wider than the window but the tables, which scroll in their own box."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_clerk_returns_a_freight_collect_parcel_and_the_supervisor_rules(served, browser, shots, width):
    base, ledger = served
    case = f"C-B{width}"
    wang = signed_in(browser, base, "wang", width)
    assert wang.locator("tr[data-kind=dispatch]").count() >= 1  # what is due, with its kind
    assert "待办" in wang.locator("h1").inner_text() and fits(wang)
    wang.screenshot(path=str(shots / f"desk-due-{width}.png"), full_page=True)

    wang.goto(f"{base}/new/ReturnRequested")
    submitted(wang, case_id=case, order_id="O-1024", kind="return", reason="quality", lines="CAP-RED:1",
              at="2026-11-18T10:00")
    assert "ReturnAccepted (AS-6)" in wang.locator("[data-answer]").inner_text()

    wang.goto(f"{base}/new/ReturnParcelReceived")
    wang.fill("form.lookup input[name=tracking_no]", "SF770010244")  # the parcel the order went out in
    wang.click("form.lookup button")
    assert case in wang.locator("form.record input[name=case_id]").input_value() or \
        case in wang.locator(".found").inner_text()
    submitted(wang, case_id=case, tracking_no=f"YT{width}0001", method="freight_collect", postage="12",
              at="2026-11-19T10:00")
    answer = wang.locator("[data-answer]").inner_text()
    assert "ReturnParcelRefused (AS-4)" in answer and "不要签收" in answer
    assert fits(wang)
    wang.screenshot(path=str(shots / f"desk-answer-{width}.png"), full_page=True)

    forbidden = wang.goto(f"{base}/new/SupervisorRuled")
    assert forbidden.status == 403 and "主管" in wang.locator(".error").inner_text()

    zhao = signed_in(browser, base, "zhao", width)
    assert zhao.locator(f"tr[data-kind=rule_case][data-subject='{case}']").count() == 1
    zhao.click(f"tr[data-subject='{case}'] a[href^='/new/SupervisorRuled']")
    submitted(zhao, payer="shop", accept_parcel="true", note="到付包裹，同意签收")
    assert "(AU-1)" in zhao.locator("[data-answer]").inner_text()
    zhao.goto(f"{base}/history/{case}")
    assert zhao.locator("[data-decision]").count() >= 3
    assert fits(zhao)
    zhao.screenshot(path=str(shots / f"desk-case-{width}.png"), full_page=True)
    zhao.close()

    wang.goto(f"{base}/")
    wang.click("header .who button")
    wang.wait_for_url(f"{base}/login")
    wang.goto(f"{base}/")
    assert wang.url == f"{base}/login"
    wang.close()


def test_the_order_s_page_prints_to_pdf(served, browser, shots):
    base, _ = served
    lily = signed_in(browser, base, "lily")
    lily.goto(f"{base}/history/O-1003")
    lily.pdf(path=str(shots / "desk-order.pdf"))
    assert (shots / "desk-order.pdf").stat().st_size > 1000
    lily.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_platform_order_number_found_fits_the_window(served, browser, shots, width):
    """A platform's order number is 19 digits with nowhere to break: the list of what was found still fits."""
    base, _ = served
    order = f"32870000000000{width:05d}"
    lily = signed_in(browser, base, "lily", width)
    lily.goto(f"{base}/new/OrderPlaced")
    submitted(lily, order_id=order, customer_id=f"tb-28d9a664033b{width:04d}", lines="CAP-RED:1:59",
              shipping_fee="0", address="浙江省杭州市西湖区文三路101号", phone="13800000101", payment="online",
              at="2026-11-18T10:00")
    assert lily.locator("[data-answer]").count() == 1
    lily.goto(f"{base}/find?q={order}")
    assert lily.locator(f"tr[data-match='{order}']").count() == 1 and fits(lily)
    lily.screenshot(path=str(shots / f"desk-find-{width}.png"), full_page=True)
    lily.close()
