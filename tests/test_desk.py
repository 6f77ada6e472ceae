"""The desk (SPEC section 15) as its staff use it: signing in and out, 待办, 查找, forms and their answers,
roles, the page of each thing, the views and their CSV; and the same ledger the command line reads."""
from __future__ import annotations

import csv
import io
import re

import orjson
import pytest

from ledger import accounts, csv_out, queries
from ledger.desk import sessions as sessions_module
from ledger.desk.sessions import Sessions
from tests.desk import Clock, Person, demo_ledger


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    found = demo_ledger(f"sqlite:///{tmp_path_factory.mktemp('desk') / 'shop.db'}")
    yield found
    found.close()


@pytest.fixture(autouse=True)
def quick_failures(monkeypatch):
    monkeypatch.setattr(accounts, "FAILED_DELAY", 0)


def person(ledger, name: str | None = None, sessions=None) -> Person:
    found = Person(ledger, sessions)
    if name:
        assert found.sign_in(name).status_code == 303
    return found


def records(ledger) -> int:
    return sum(1 for _ in ledger.records())


# -- signing in and out ---------------------------------------------------------------------------

def test_every_page_asks_for_sign_in_first(ledger):
    anyone = Person(ledger)
    for path in ("/", "/find?q=O-1001", "/new", "/new/OrderNoted", "/history/O-1001", "/views/stock",
                 "/views/stock.csv", "/report"):
        answer = anyone.get(path)
        assert (answer.status_code, answer.headers["location"]) == (303, "/login"), path


def test_sign_in_sets_a_session_cookie_that_scripts_cannot_read(ledger):
    answer = Person(ledger).sign_in("lily")
    assert answer.status_code == 303
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("desk_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie


def test_a_wrong_password_or_unknown_name_is_one_message(ledger):
    wrong = Person(ledger).sign_in("lily", "not-her-password")
    unknown = Person(ledger).sign_in("nobody", "not-a-password")
    assert wrong.status_code == unknown.status_code == 401
    assert "用户名、密码或令牌不对" in wrong.text and "用户名、密码或令牌不对" in unknown.text
    assert "desk_session" not in wrong.headers.get("set-cookie", "")


def test_five_failures_within_fifteen_minutes_hold_the_name_back_for_fifteen_minutes(ledger):
    clock = Clock()
    sessions = Sessions(clock=clock)
    guesser = Person(ledger, sessions)
    for _ in range(4):
        assert guesser.sign_in("mei", "guess-guess-guess").status_code == 401
        clock.now += 60
    assert guesser.sign_in("mei", "guess-guess-guess").status_code == 401  # the fifth
    held = Person(ledger, sessions).sign_in("mei")  # even the right password
    assert held.status_code == 429 and "15 分钟后再试" in held.text
    assert Person(ledger, sessions).sign_in("lily").status_code == 303  # another name is not held
    clock.now += sessions_module.HOLD
    assert Person(ledger, sessions).sign_in("mei").status_code == 303


def test_failures_spread_over_more_than_fifteen_minutes_do_not_hold(ledger):
    clock = Clock()
    sessions = Sessions(clock=clock)
    for _ in range(6):
        Person(ledger, sessions).sign_in("mei", "guess-guess-guess")
        clock.now += 4 * 60
    assert Person(ledger, sessions).sign_in("mei").status_code == 303


def test_a_session_ends_after_eight_hours(ledger):
    clock = Clock()
    lily = person(ledger, "lily", Sessions(clock=clock))
    clock.now += sessions_module.LIFETIME - 1
    assert lily.get("/").status_code == 200
    clock.now += 1
    assert lily.get("/").headers["location"] == "/login"


def test_sign_out_ends_the_session(ledger):
    lily = person(ledger, "lily")
    cookie = lily.client.cookies.get("desk_session")
    assert lily.sign_out().headers["location"] == "/login"
    lily.client.cookies.set("desk_session", cookie)  # the old cookie, kept by hand, opens nothing
    assert lily.get("/").headers["location"] == "/login"


def test_an_account_that_left_is_signed_out_at_once(tmp_path):
    ledger = demo_ledger(f"sqlite:///{tmp_path / 'left.db'}")
    mei = person(ledger, "mei")
    zhao = person(ledger, "zhao")
    assert zhao.submit("StaffLeft", staff="mei").status_code == 201
    assert mei.get("/").headers["location"] == "/login"
    assert Person(ledger).sign_in("mei").status_code == 401
    ledger.close()


# -- forgery ----------------------------------------------------------------------------------------

def test_a_form_posted_without_its_token_is_refused_and_stores_nothing(ledger):
    lily = person(ledger, "lily")
    before = records(ledger)
    for sent in ({}, {"csrf": "forged"}):
        answer = lily.client.post("/new/OrderNoted", data={**sent, "order_id": "O-1001", "note": "forged"})
        assert answer.status_code == 403 and "表单已过期" in answer.text
    assert records(ledger) == before
    assert lily.client.post("/logout", data={}).status_code == 403
    assert lily.get("/").status_code == 200  # still signed in


def test_a_sign_in_posted_without_the_form_s_token_is_refused(ledger):
    anyone = Person(ledger)
    answer = anyone.client.post("/login", data={"staff": "lily", "password": "demo-lily-2026", "csrf": "x"})
    assert answer.status_code == 403 and "desk_session" not in answer.headers.get("set-cookie", "")


def test_every_answer_carries_a_policy_that_allows_nothing_from_outside(ledger):
    lily = person(ledger, "lily")
    for path in ("/login", "/", "/history/O-1001", "/views/kpi"):
        policy = lily.get(path).headers["content-security-policy"]
        assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy and "http" not in policy


# -- 待办 -------------------------------------------------------------------------------------------

def test_the_clerk_s_to_do_list_is_the_shipping_clerk_s_due_items(ledger):
    wang = person(ledger, "wang")
    page = wang.get("/").text
    due = queries.due_report(ledger.reader, __import__("datetime").datetime.now(
        __import__("datetime").timezone.utc), roles=("shipping_clerk",))
    assert due["items"]
    for item in due["items"]:
        assert f'data-kind="{item["kind"]}" data-subject="{item["subject"]}"' in page
    assert 'data-kind="refund"' not in page  # customer service's
    assert f'/new/ParcelDispatched?order_id=' in page  # each item links to the form that does it
    assert "待办 " in page and "超时" in page  # the tally, and how long overdue


# -- forms and their answers --------------------------------------------------------------------------

def test_a_new_order_s_form_proposes_the_next_id_and_keeps_a_typed_one(ledger):
    lily = person(ledger, "lily")
    proposed = queries.next_id(ledger.reader, "order")
    assert proposed == "O-1100"  # the demo's highest is O-1099
    assert f'name="order_id" value="{proposed}"' in lily.get("/new/OrderPlaced").text
    answer = lily.submit("OrderPlaced", order_id="O-2001", customer_id="c-desk", lines="TEE-M-BLK:1:89",
                         shipping_fee="0", address="上海市", phone="13800001234", payment="online")
    assert answer.status_code == 201, answer.text
    assert ledger.reader.kind_of("O-2001")[0] == "order"
    assert queries.next_id(ledger.reader, "order") == "O-2002"


def test_a_form_takes_the_shop_s_words_and_money_without_decimals(ledger):
    lily = person(ledger, "lily")
    answer = lily.submit("OrderPlaced", order_id="O-2101", customer_id="c-words", lines="CAP-RED:1:59",
                         shipping_fee="8", address="杭州市", phone="13900005678", payment="支付宝",
                         at="2026-11-16T10:00")
    assert answer.status_code == 201, answer.text
    stored = [r for r in ledger.records() if getattr(r, "order_id", None) == "O-2101"][0]
    assert (stored.payment, f"{stored.shipping_fee}", stored.actor, stored.role) == (
        "online", "8.00", "lily", "customer_service")


def test_an_invalid_value_is_shown_beside_its_field_and_nothing_is_stored(ledger):
    lily = person(ledger, "lily")
    before = records(ledger)
    answer = lily.submit("OrderPlaced", order_id="O-2201", customer_id="c-bad", lines="TEE-M-BLK:two",
                         shipping_fee="0", address="x", phone="13800001234", payment="online")
    assert answer.status_code == 422
    assert 'data-error="lines"' in answer.text and "什么也没有存" in answer.text
    assert 'value="TEE-M-BLK:two"' in answer.text  # what was typed stays, to be put right
    assert records(ledger) == before


def test_a_clerk_enters_a_return_and_its_freight_collect_parcel_and_reads_as_4(ledger):
    wang = person(ledger, "wang")
    asked = wang.submit("ReturnRequested", case_id="C-2301", order_id="O-1024", kind="return", reason="质量问题",
                        lines="CAP-RED:1", at="2026-11-18T10:00")
    assert asked.status_code == 201 and "ReturnAccepted (AS-6)" in asked.text
    parcel = wang.get("/new/ReturnParcelReceived", tracking_no="SF770010244").text  # the order's own parcel
    assert 'name="case_id" value="C-2301"' in parcel  # the case found from the tracking number
    refused = wang.submit("ReturnParcelReceived", case_id="C-2301", tracking_no="YT9990002301", method="到付",
                          postage="12", at="2026-11-19T10:00")
    assert refused.status_code == 201
    assert "ReturnParcelRefused (AS-4)" in refused.text and "不要签收" in refused.text


def test_a_clerk_can_neither_open_nor_post_the_supervisor_s_ruling(ledger):
    wang = person(ledger, "wang")
    before = records(ledger)
    assert wang.get("/new/SupervisorRuled").status_code == 403
    posted = wang.submit("SupervisorRuled", case_id="C-1006", payer="shop", note="by hand")
    assert posted.status_code == 403 and records(ledger) == before
    assert "SupervisorRuled" not in wang.get("/new").text


def test_the_supervisor_rules_and_reads_the_decision(ledger):
    wang, zhao = person(ledger, "wang"), person(ledger, "zhao")
    wang.submit("ReturnRequested", case_id="C-2401", order_id="O-1039", kind="return", reason="quality",
                lines="SOCK-W:1", at="2026-11-18T10:00")
    wang.submit("ReturnParcelReceived", case_id="C-2401", tracking_no="YT9990002401", method="freight_collect",
                postage="10", at="2026-11-19T10:00")
    assert 'data-subject="C-2401"' in zhao.get("/").text  # the parcel waits for a ruling
    ruled = zhao.submit("SupervisorRuled", case_id="C-2401", payer="shop", accept_parcel="true",
                        note="accept it", at="2026-11-19T11:00")
    assert ruled.status_code == 201, ruled.text
    assert "(AU-1)" in ruled.text


def test_a_refused_record_says_its_rule_and_stores_nothing(ledger):
    wang = person(ledger, "wang")
    before = records(ledger)
    answer = wang.submit("ParcelDelivered", shipment_id="S-404404")
    assert answer.status_code == 422 or answer.status_code == 409
    assert "什么也没有存" in answer.text and records(ledger) == before


def test_a_form_sent_twice_stores_one_record_and_a_new_form_another(ledger):
    lily = person(ledger, "lily")
    key = re.search(r'name="key" value="([^"]+)"', lily.get("/new/OrderNoted").text)[1]
    first = lily.submit("OrderNoted", order_id="O-1001", note="回访", key=key)
    second = lily.submit("OrderNoted", order_id="O-1001", note="回访", key=key)  # a double click, a reload
    assert (first.status_code, second.status_code) == (201, 200)
    assert "跳过" in second.text
    fresh = re.search(r'name="key" value="([^"]+)"', first.text)[1]  # the next form, for the next record
    assert fresh != key and lily.submit("OrderNoted", order_id="O-1001", note="回访", key=fresh).status_code == 201
    assert 'href="/history/O-1001"' in first.text  # the record's page, one click away


# -- pages of things, personal fields -------------------------------------------------------------------

def test_personal_fields_only_on_the_order_s_page_the_phone_masked_for_the_clerk(ledger):
    placed = next(r for r in ledger.records() if type(r).__name__ == "OrderPlaced" and r.order_id == "O-1003")
    lily, wang = person(ledger, "lily"), person(ledger, "wang")
    assert placed.address in lily.get("/history/O-1003").text and placed.phone in lily.get("/history/O-1003").text
    clerk = wang.get("/history/O-1003").text
    assert placed.phone not in clerk and "*" * (len(placed.phone.replace(" ", "")) - 4) in clerk
    assert placed.phone[-4:] in clerk
    for path in ("/", "/history/C-1003", "/history/S-1003", "/find?q=O-1003", "/views/liability", "/report"):
        text = lily.get(path).text
        assert placed.address not in text and placed.phone not in text, path


def test_a_thing_s_page_has_its_history_and_its_decisions_with_what_they_rest_on(ledger):
    lily = person(ledger, "lily")
    page = lily.get("/history/C-1003").text
    explained = queries.explained(ledger.reader, "C-1003")
    for decision in explained["decisions"]:
        assert f'data-decision="{decision["position"]}"' in page
    assert lily.get("/history/NOPE-1").status_code == 404


def test_find_shows_what_the_command_finds(ledger):
    lily = person(ledger, "lily")
    page = lily.get("/find", q="YT5550001008").text
    for match in ledger.reader.find("YT5550001008"):
        assert f'data-match="{match["id"]}"' in page


# -- views ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("view", ["stock", "liability", "sla", "kpi", "fund"])
def test_each_view_has_its_page_and_its_csv(ledger, view):
    zhao = person(ledger, "zhao")
    assert zhao.get(f"/views/{view}").status_code == 200
    download = zhao.get(f"/views/{view}.csv")
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[0] and all(len(row) == len(rows[0]) for row in rows)


def test_the_stock_page_is_the_stock_command_s_rows(ledger):
    rows = list(csv.DictReader(io.StringIO(person(ledger, "zhao").get("/views/stock.csv").content
                                           .decode("utf-8-sig"))))
    assert [row["sku"] for row in rows] == [row["sku"] for row in ledger.stock()]
    assert [row["available"] for row in rows] == [csv_out.cell(row["available"]) for row in ledger.stock()]


def test_the_language_switch_gives_english_pages(ledger):
    lily = person(ledger, "lily")
    switched = lily.get("/lang", to="en", back="/views/stock")
    assert switched.headers["location"] == "/views/stock"
    page = lily.get("/views/stock").text
    assert '<html lang="en">' in page and "Stock" in page and "库存" not in page
    for elsewhere in ("//elsewhere.example", "/\\elsewhere.example", "https://elsewhere.example"):
        assert lily.get("/lang", to="zh", back=elsewhere).headers["location"] == "/"


def test_the_report_is_the_owner_s_page_with_the_chain_s_head(ledger):
    page = person(ledger, "zhao").get("/report")
    assert page.status_code == 200 and ledger.reader.head() in page.text and "店铺经营报告" in page.text


def test_a_record_stored_at_the_desk_is_in_the_command_s_history(ledger):
    lily = person(ledger, "lily")
    lily.submit("OrderNoted", order_id="O-1002", note="desk note", key="desk:history:1")
    events = ledger.history("O-1002")[1].history_json()["events"]
    noted = [e for e in events if e["type"] == "OrderNoted" and e["data"].get("note") == "desk note"]
    assert len(noted) == 1 and (noted[0]["actor"], noted[0]["role"]) == ("lily", "customer_service")


def test_records_from_the_desk_keep_the_chain_whole(ledger):
    assert ledger.reader.verify().problem is None
