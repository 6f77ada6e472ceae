"""The desk against a careless or hostile user: markup stored in every text a record takes renders as text on
every page, what is typed into an address comes back inert, no password or token reaches a page or the log,
and `ledger serve` only starts over a store with accounts."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import orjson
import pytest

from ledger import accounts
from ledger.demo import demo_password
from bench.desk_load import free_port, started_desk
from tests.desk import CSRF, Person, demo_ledger

SCRIPT = '<script>alert("x")</script>'
IMG = "<img src=x onerror=alert(1)>"
ORDER, SKU, SHIPMENT, CASE, DISPUTE, COMPLAINT = (f"{IMG}O", f"{SCRIPT}S", f"{SCRIPT}P", f"{SCRIPT}C",
                                                  f"{SCRIPT}D", f"{SCRIPT}K")
AT = "2026-11-20T10:{:02d}:00+08:00"
HOSTILE = [  # every text a record takes, and every id, holding markup
    {"type": "StockReceived", "sku": SKU, "quantity": 50},
    {"type": "OrderPlaced", "order_id": ORDER, "customer_id": SCRIPT, "lines": [
        {"sku": SKU, "quantity": 2, "unit_price": "10.00"}], "shipping_fee": "0.00", "address": SCRIPT,
     "phone": "13800001234", "payment": "online"},
    {"type": "OrderNoted", "order_id": ORDER, "note": SCRIPT},
    {"type": "AddressChanged", "order_id": ORDER, "address": IMG, "phone": "13800004321"},
    {"type": "DispatchDelayNotified", "order_id": ORDER, "reason": SCRIPT},
    {"type": "ParcelDispatched", "shipment_id": SHIPMENT, "order_id": ORDER, "carrier": SCRIPT,
     "tracking_no": "XSS1234567", "postage": "5.00", "lines": [{"sku": SKU, "quantity": 2}]},
    {"type": "ParcelDelivered", "shipment_id": SHIPMENT},
    {"type": "ReturnRequested", "case_id": CASE, "order_id": ORDER, "kind": "return", "reason": "quality",
     "lines": [{"sku": SKU, "quantity": 1}]},
    {"type": "ReturnParcelReceived", "case_id": CASE, "tracking_no": "XSS7654321", "method": "freight_collect",
     "postage": "9.00"},
    {"type": "SupervisorRuled", "case_id": CASE, "payer": "shop", "accept_parcel": True, "note": SCRIPT},
    {"type": "ReviewPosted", "dispute_id": DISPUTE, "order_id": ORDER, "rating": "negative", "text": SCRIPT},
    {"type": "BuyerContacted", "dispute_id": DISPUTE, "channel": "phone", "note": SCRIPT},
    {"type": "NegotiationFailed", "dispute_id": DISPUTE, "note": SCRIPT},
    {"type": "ComplaintLodged", "complaint_id": COMPLAINT, "customer_id": SCRIPT, "category": "service",
     "order_id": ORDER, "against": "wang", "text": SCRIPT},
    {"type": "ComplaintAnswered", "complaint_id": COMPLAINT, "note": SCRIPT},
    {"type": "ComplaintRuled", "complaint_id": COMPLAINT, "upheld": True, "note": SCRIPT},
    {"type": "FundSpent", "amount": "1.00", "purpose": SCRIPT},
    {"type": "TargetSet", "period": "2026-11", "sales": "1000.00", "orders": 10},
    {"type": "PolicyAdopted", "version": SCRIPT, "params": {"return_window_days": 7}},
]


@pytest.fixture(autouse=True)
def quick_failures(monkeypatch):
    monkeypatch.setattr(accounts, "FAILED_DELAY", 0)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The demo shop with every hostile record stored, by the supervisor's account."""
    ledger = demo_ledger(f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'shop.db'}")
    zhao = ledger.account("zhao")
    ledger.append([orjson.dumps({"at": AT.format(n), **record}).decode() for n, record in enumerate(HOSTILE)], zhao)
    yield ledger
    ledger.close()


def inert(text: str) -> bool:
    """No stored value runs: the desk's pages carry no script and no image of their own."""
    return "<script" not in text.lower() and "<img" not in text.lower()


@pytest.mark.parametrize("name", ["zhao", "lily", "wang"])
def test_stored_markup_renders_as_text_on_every_page(hostile, name):
    someone = Person(hostile)
    assert someone.sign_in(name).status_code == 303
    pages = ["/", "/?everyone=true", "/new", "/views/stock", "/views/liability", "/views/sla", "/views/kpi",
             "/views/fund", "/report", "/api"]
    pages += [f"/history/{quote(id_)}" for id_ in (ORDER, SKU, SHIPMENT, CASE, DISPUTE, COMPLAINT, "wang")]
    pages += [f"/find?q={quote(text)}" for text in (ORDER, SCRIPT, "XSS7654321")]
    for path in pages:
        answer = someone.get(path)
        assert answer.status_code == 200, path
        assert inert(answer.text), path
    order_page = someone.get(f"/history/{quote(ORDER)}").text
    assert "&lt;script&gt;" in order_page  # the text is there, as text


def quote(text: str) -> str:
    from urllib.parse import quote as url_quote

    return url_quote(text, safe="")


def test_what_is_typed_into_an_address_comes_back_as_text(hostile):
    lily = Person(hostile)
    lily.sign_in("lily")
    for path in (f"/new/OrderNoted?order_id={quote(SCRIPT)}&note={quote(IMG)}", f"/find?q={quote(IMG)}",
                 f"/new/ReturnParcelReceived?tracking_no={quote(SCRIPT)}", f"/history/{quote(IMG)}",
                 f"/views/{quote(SCRIPT)}", f"/new/{quote(SCRIPT)}"):
        assert inert(lily.get(path).text), path
    invalid = lily.submit("OrderNoted", order_id=IMG, note=SCRIPT)  # refused: no such order
    assert inert(invalid.text) and invalid.status_code in (409, 422)
    failed = Person(hostile).sign_in(SCRIPT, "whatever-it-is")
    assert inert(failed.text)


def test_a_stored_csv_cell_does_not_run_as_a_formula(hostile):
    zhao = Person(hostile)
    zhao.sign_in("zhao")
    hostile.append([orjson.dumps({"type": "FundSpent", "at": AT.format(59), "amount": "1.00",
                                  "purpose": "=HYPERLINK(\"http://x\")"}).decode()], hostile.account("zhao"))
    sheet = zhao.get("/views/fund.csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in sheet and ",=HYPERLINK" not in sheet


def test_no_personal_field_on_any_page_but_the_order_s(hostile):
    lily = Person(hostile)
    lily.sign_in("lily")
    for path in ("/", f"/history/{quote(CASE)}", f"/history/{quote(DISPUTE)}", f"/history/{quote(COMPLAINT)}",
                 f"/history/{quote(SHIPMENT)}", "/views/liability", "/views/sla", "/report",
                 "/find?q=13800001234"):
        text = lily.get(path).text
        assert "13800001234" not in text and "13800004321" not in text, path
    order = lily.get(f"/history/{quote(ORDER)}").text
    assert "13800001234" in order and "13800004321" in order  # customer service confirms it with the buyer
    wang = Person(hostile)
    wang.sign_in("wang")
    clerk = wang.get(f"/history/{quote(ORDER)}").text
    assert "13800001234" not in clerk and "*******1234" in clerk and "*******4321" in clerk


# -- the real server: its log, and its refusal on a store without accounts --------------------------------

def ledger_command() -> str:
    return str(Path(sys.executable).with_name("ledger"))


def test_serve_refuses_a_store_without_accounts(tmp_path):
    store = f"sqlite:///{tmp_path / 'plain.db'}"
    env = {**os.environ, "LEDGER_LANG": "en"}
    subprocess.run([ledger_command(), "--store", store, "add", "StockReceived", "sku=TEE-M-BLK", "quantity=5",
                    "role=supervisor"], env=env, check=True, capture_output=True)
    refused = subprocess.run([ledger_command(), "--store", store, "serve", "--port", str(free_port())], env=env,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "ledger staff enrol" in refused.stderr and "Traceback" not in refused.stderr


def test_no_password_or_token_in_any_page_or_the_log(tmp_path):
    store = f"sqlite:///{tmp_path / 'served.db'}"
    ledger = demo_ledger(store)
    token = ledger.make_token("lily", "script")[1]
    ledger.close()
    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "w") as out:
        server = started_desk(os.environ.copy() | {"LEDGER_STORE": store}, port, out)
    try:
        base = f"http://127.0.0.1:{port}"
        seen = []
        with httpx.Client(base_url=base) as browser:
            login = browser.get("/login")
            seen.append(browser.post("/login", data={"staff": "lily", "password": "a-wrong-password-1",
                                                     "csrf": CSRF.search(login.text)[1]}).text)
            login = browser.get("/login")
            browser.post("/login", data={"staff": "lily", "password": demo_password("lily"),
                                         "csrf": CSRF.search(login.text)[1]})
            for path in ("/", "/new/OrderNoted", "/history/O-1003", "/views/stock", "/api"):
                seen.append(browser.get(path).text)
        api = httpx.get(f"{base}/api/due", headers={"authorization": f"Bearer {token}"})
        assert api.status_code == 200
        seen.append(api.text)
    finally:
        server.terminate()
        server.wait(timeout=30)
    written = log.read_text()
    assert "GET /api/due" in written  # the log is there, and says what was asked
    secrets = (demo_password("lily"), "a-wrong-password-1", token, token.rsplit("_", 1)[1])
    for text in (*seen, written):
        assert not any(secret in text for secret in secrets)
    assert not re.search(r"desk_session=\S{20,}", written)


def test_the_supervisor_s_records_are_those_the_aggregates_keep_for_the_supervisor(tmp_path, monkeypatch):
    """rules.SUPERVISOR_RECORDS (what the desk and the API keep for supervisors) is what the aggregates check."""
    from ledger import rules

    checked: set[str] = set()
    check = rules.check_supervisor

    def seen(record_type: str, role: str) -> None:
        checked.add(record_type)
        check(record_type, role)

    monkeypatch.setattr(rules, "check_supervisor", seen)
    ledger = demo_ledger(f"sqlite:///{tmp_path / 'checked.db'}")
    ledger.append([orjson.dumps({"at": AT.format(n), **record}).decode() for n, record in enumerate(HOSTILE)],
                  ledger.account("zhao"))
    ledger.append([orjson.dumps({"type": "StaffRoleChanged", "at": AT.format(50), "staff": "mei",
                                 "role": "shipping_clerk"}).decode(),
                   orjson.dumps({"type": "StaffWageSet", "at": AT.format(51), "staff": "mei",
                                 "monthly_wage": "5000.00"}).decode(),
                   orjson.dumps({"type": "StaffLeft", "at": AT.format(52), "staff": "mei"}).decode()],
                  ledger.account("zhao"))
    ledger.close()
    assert checked <= rules.SUPERVISOR_RECORDS
    assert {"SupervisorRuled", "ComplaintRuled", "FundSpent", "TargetSet", "PolicyAdopted", "StaffRoleChanged",
            "StaffWageSet", "StaffLeft"} <= checked
