"""`ledger add TYPE KEY=VALUE ...`: one record from the command line, with append's checks and statuses."""
from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.conftest import past_creation

LEDGER = str(Path(sys.executable).with_name("ledger"))


@pytest.fixture
def add(store, tmp_path):
    def run(*args: str, role: str | None = "customer_service", actor: str | None = "lily", lang: str = "en"):
        env = {"LEDGER_STORE": store, "PATH": "/usr/bin:/bin", "LEDGER_MASTER_KEY": os.environ["LEDGER_MASTER_KEY"],
               "USER": "clerk", "LOGNAME": "clerk", "LEDGER_LANG": lang}
        env |= {"LEDGER_ROLE": role} if role else {}
        env |= {"LEDGER_ACTOR": actor} if actor else {}
        return past_creation(subprocess.run([LEDGER, *args], capture_output=True, text=True, env=env, cwd=tmp_path))

    return run


def history(add, id_: str) -> list[dict]:
    return json.loads(add("history", id_, "--json").stdout)["events"]


ORDER = ("add", "OrderPlaced", "order_id=O-1", "customer_id=CU-1", "lines=TEE-M-BLK:2:89.00,SOCK-W:1:12.00",
         "shipping_fee=6.00", "address=上海市徐汇区漕溪北路1号", "phone=13800000000", "payment=online")


def test_add_an_order_a_dispatch_and_a_delivery_with_defaults(add):
    before = datetime.now(timezone.utc).replace(microsecond=0)
    placed = add(*ORDER)
    assert placed.returncode == 0, placed.stderr
    assert placed.stdout.splitlines()[0] == "stored OrderPlaced and 0 decision(s)"  # then its oversold stock
    sent = add("add", "ParcelDispatched", "shipment_id=S-1", "order_id=O-1", "carrier=SF", "tracking_no=SF12345678",
               "postage=8.00", "lines=TEE-M-BLK:2,SOCK-W:1", role="shipping_clerk", actor="wang")
    assert sent.stdout.splitlines()[0] == "stored ParcelDispatched and 1 decision(s)", sent.stderr
    assert sent.stdout.splitlines()[1].startswith("  ShippedSameDay (SH-1): due ")
    assert add("add", "ParcelDelivered", "shipment_id=S-1", "role=system", actor=None).returncode == 0
    events = history(add, "O-1")
    assert [e["type"] for e in events] == ["OrderPlaced", "ParcelDispatched", "ShippedSameDay", "ParcelDelivered"]
    order = events[0]
    assert order["data"]["lines"] == [{"sku": "TEE-M-BLK", "quantity": 2, "unit_price": "89.00"},
                                      {"sku": "SOCK-W", "quantity": 1, "unit_price": "12.00"}]
    assert (order["actor"], order["role"], events[1]["actor"], events[3]["actor"], events[3]["role"]) == \
        ("lily", "customer_service", "wang", "clerk", "system")
    at = datetime.fromisoformat(order["at"])
    assert at.utcoffset().total_seconds() == 8 * 3600  # now, in the shop's time zone
    assert before <= at <= datetime.now(timezone.utc)


def test_add_a_ruling_and_a_policy_with_flags_and_objects(add):
    assert add("add", "StaffWageSet", "staff=lily", "monthly_wage=3000.00", role="supervisor").returncode == 0
    assert add("add", "ComplaintLodged", "complaint_id=K-1", "customer_id=CU-1", "category=service",
               "against=lily", "text=态度差", actor="mei").returncode == 0
    ruled = add("add", "ComplaintRuled", "complaint_id=K-1", "upheld=true", "note=属实", role="supervisor",
                actor="zhao")
    assert ruled.stdout.splitlines()[0] == "stored ComplaintRuled and 1 decision(s)", ruled.stderr
    assert ruled.stdout.splitlines()[1].startswith("  PenaltyAssessed (ST-2): lily's upheld complaint no. 1 of ")
    assert ruled.stdout.rstrip().endswith(": 50.00")
    adopt = ("add", "PolicyAdopted", "version=v2", 'params={"return_window_days": 10}', "key=adopt-v2")
    adopted = add(*adopt, "at=2026-11-20T10:00:00+08:00", role="supervisor")
    assert adopted.returncode == 0, adopted.stderr
    assert add(*adopt, "at=2026-11-20T10:00:00+08:00", role="supervisor").stdout == \
        "skipped: this PolicyAdopted is already stored\n"
    later = add(*adopt, role="supervisor")  # `at` is now: the same key with another value (section 13)
    assert later.returncode == 3 and "KEY: key adopt-v2 is stored with other values: at;" in later.stderr


@pytest.mark.parametrize("args, message", [
    (("add", "OrderShipped", "order_id=O-1"), 'unknown record type "OrderShipped"'),
    (("add", "ParcelDelivered", "shipment=S-1"), 'ParcelDelivered has no key "shipment"'),
    (("add", "StockReceived", "sku=TEE", "quantity=1", "quantity=2"), "quantity: given twice; give each key once"),
    (("add", "StockReceived", "sku=TEE", "quantity=--5"), 'quantity: must be a whole number, got "--5"'),
    (("add", "StockReceived", "sku=TEE", "quantity=²"), 'quantity: must be a whole number, got "²"'),
    (("add", "OrderPlaced", "order_id=O-9", "customer_id=CU-1", "lines=TEE:²:1.00", "shipping_fee=6.00",
      "address=x", "phone=13800000000", "payment=online"), "lines: write each line as SKU:QUANTITY"),
    (("add", "PolicyAdopted", "version=v9", 'params={"return_window_days": NaN}'), "NaN is not a JSON number"),
    (("add", "PolicyAdopted", "version=v9", 'params={"return_window_days": null}'),
     '"return_window_days": null is not a value; leave the key out'),
    (("add", "ParcelDelivered", "S-1"), "write each value as KEY=VALUE"),
    (("add", "StockReceived", "sku=TEE", "quantity=many"), "quantity: must be a whole number"),
    (("add", "StockReceived", "sku=TEE", "quantity=0"), "quantity: must be a whole number from 1 to 1,000,000"),
    (("add", "OrderPlaced", "order_id=O-9", "customer_id=CU-1", "lines=TEE-M-BLK", "shipping_fee=6.00",
      "address=x", "phone=13800000000", "payment=online"), "lines: write each line as SKU:QUANTITY"),
    (("add", "StockReceived", "sku=TEE"), "missing key 'quantity'"),
    (("add", "StockReceived", "sku=TEE", "quantity=1", "at=2026-11-02"), "at: time without UTC offset"),
])
def test_add_bad_values_exit_2_and_store_nothing(add, args, message):
    result = add(*args)
    assert (result.returncode, result.stdout) == (2, ""), result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert add("verify").stdout.splitlines()[-1].startswith("head 0:")


def test_add_without_a_role_exits_2(add):
    result = add("add", "StockReceived", "sku=TEE", "quantity=1", role=None)
    assert result.returncode == 2 and "LEDGER_ROLE" in result.stderr


def test_add_a_refused_record_exits_3_with_its_rule(add):
    add(*ORDER)
    result = add("add", "PolicyAdopted", "version=v2", 'params={"return_window_days": 10}')
    assert (result.returncode, result.stderr.strip()) == (3, "AU-1: PolicyAdopted is accepted only from a "
                                                             "supervisor, not from customer_service")
    cancel = add("add", "OrderCancelled", "order_id=O-404", "reason=买家不要了")
    assert (cancel.returncode, cancel.stderr.strip()) == (3, "REF: unknown order O-404")


def test_add_help_lists_each_types_keys(add):
    text = add("add", "--help").stdout
    assert "ParcelDispatched: shipment_id* order_id case_id carrier* tracking_no* postage* lines*" in text
    assert ("ComplaintLodged: complaint_id* customer_id* category*=service|quality|logistics|other(服务,质量,物流,其他) "
            "order_id against text*") in text
    assert "ComplaintRuled: complaint_id* upheld*=true|false(是,否) note*" in text
    assert "BuyerContacted: dispute_id* channel*=phone|chat(电话,旺旺,聊天) note*" in text


@pytest.mark.parametrize("character", ["\u2028", "\u2029", "\u0085", "\u200b", "\u200e", "\u202e", "\x1b", "\n"])
def test_a_message_quoting_a_bad_value_shows_its_control_format_and_separator_characters_escaped(
        add, character):
    """Every message is one line, and no quoted value can reorder the terminal's text."""
    bad = add(*ORDER[:2], f"order_id=O{character}1", *ORDER[3:])
    assert bad.returncode == 2
    assert character not in bad.stderr.rstrip("\n") and bad.stderr.count("\n") == 1
    escaped = character.encode("unicode_escape").decode("ascii")
    assert f'"O{escaped}1"' in bad.stderr or f'"O{json.dumps(character)[1:-1]}1"' in bad.stderr, bad.stderr


@pytest.mark.parametrize("type_, key, word, meant", [
    (type_, key, word, meant) for (type_, key), table in __import__("ledger.words", fromlist=["WORDS"]).WORDS.items()
    if type_ is not None for word, meant in table.items()])
def test_add_takes_the_shops_word_for_each_value(type_, key, word, meant):
    """Section 16: every Chinese word of the table, on its own record type and key."""
    from ledger.typed import record_from_words

    record = record_from_words(type_, [f"{key}={word}"], now=datetime.now(timezone.utc), zone=timezone.utc,
                               actor="lily", role="客服")
    assert record[key] == meant and record["role"] == "customer_service"


def test_add_in_the_shops_words_money_without_decimals_and_a_local_time(add):
    add_cn = functools.partial(add, role="客服")
    placed = add_cn("add", "OrderPlaced", "order_id=O-1", "customer_id=CU-1", "lines=TEE:2:89，CAP:1:44.5",
                    "shipping_fee=6", "address=上海市", "phone=13800000000", "payment=支付宝", "at=2026-11-29 10:00")
    assert placed.returncode == 0, placed.stderr
    (order,) = [e for e in history(add, "O-1") if e["type"] == "OrderPlaced"]
    assert order["at"] == "2026-11-29T10:00:00+08:00" and order["role"] == "customer_service"
    assert [(line["sku"], line["unit_price"]) for line in order["data"]["lines"]] == [
        ("TEE", "89.00"), ("CAP", "44.50")]
    assert (order["data"]["shipping_fee"], order["data"]["payment"]) == ("6.00", "online")
    ruled = add("add", "ComplaintLodged", "complaint_id=K-1", "customer_id=CU-1", "category=服务", "text=慢",
                "at=now", role="客服")
    assert ruled.returncode == 0, ruled.stderr


def test_add_refuses_a_time_more_than_a_day_ahead_unless_future(add):
    typo = add("add", "StockReceived", "sku=A", "quantity=1", "at=2062-11-30 10:00")
    assert typo.returncode == 2 and "more than a day ahead" in typo.stderr and "--future" in typo.stderr
    meant = add("add", "--future", "StockReceived", "sku=A", "quantity=1", "at=2999-11-30 10:00")
    assert meant.returncode == 0, meant.stderr
    for bad in ("quantity=1", "upheld=也许"):
        assert add("add", "ComplaintRuled", "complaint_id=K-9", "note=x", bad, role="主管").returncode == 2


def test_add_answers_with_what_the_ledger_decided_in_the_persons_words(add):
    placed = add(*ORDER[:-1], "payment=online", "at=2026-11-02T14:00:00+08:00")
    assert placed.stdout.splitlines()[1:] == ["  stock: TEE-M-BLK available -2", "  stock: SOCK-W available -1"]
    sent = add("add", "ParcelDispatched", "shipment_id=S-1", "order_id=O-1", "carrier=SF", "tracking_no=SF12345678",
               "postage=8.00", "lines=TEE-M-BLK:2,SOCK-W:1", "at=2026-11-03T09:40:00+08:00", role="shipping_clerk")
    assert sent.stdout.splitlines()[1] == ("  ShippedLate (SH-1): due 2026-11-03 00:00, 9h 40m late; SH-2: the buyer "
                                           "was not told; SH-3: address not confirmed")
    add("add", "ReturnRequested", "case_id=C-1", "order_id=O-1", "kind=退货", "reason=质量问题", "lines=TEE-M-BLK:1",
        "at=2026-11-04T10:00:00+08:00")
    parcel = add("add", "ReturnParcelReceived", "case_id=C-1", "tracking_no=YT99999999", "method=到付", "postage=15",
                 "at=2026-11-05T10:00:00+08:00", role="shipping_clerk")
    assert parcel.stdout.splitlines()[1:] == [
        "  ReturnParcelRefused (AS-4): freight-collect parcels are refused: do not sign for it"]


def test_add_answers_in_chinese_at_a_chinese_desk(add):
    placed = add(*ORDER[:-1], "payment=在线支付", "at=2026-11-02T14:00:00+08:00", lang="zh")
    assert placed.stdout.splitlines() == ["已存入 OrderPlaced，0 条决定", "  库存：TEE-M-BLK 可用 -2",
                                          "  库存：SOCK-W 可用 -1"]
    sent = add("add", "ParcelDispatched", "shipment_id=S-1", "order_id=O-1", "carrier=SF", "tracking_no=SF12345678",
               "postage=8", "lines=TEE-M-BLK:2,SOCK-W:1", "at=2026-11-03T09:40:00+08:00", role="发货", lang="zh")
    assert sent.stdout.splitlines()[1] == ("  ShippedLate (SH-1): 应于 2026-11-03 00:00, 晚了 9小时 40分; "
                                           "SH-2：未告知买家; SH-3：地址未确认")
    add("add", "ReturnRequested", "case_id=C-1", "order_id=O-1", "kind=退货", "reason=质量问题", "lines=TEE-M-BLK:1",
        "at=2026-11-04T10:00:00+08:00", lang="zh")
    parcel = add("add", "ReturnParcelReceived", "case_id=C-1", "tracking_no=YT99999999", "method=到付", "postage=15",
                 "at=2026-11-05T10:00:00+08:00", role="发货", lang="zh")
    assert parcel.stdout.splitlines()[1:] == ["  ReturnParcelRefused (AS-4): 到付包裹一律拒收：不要签收"]
    again = add("add", "ReturnRequested", "case_id=C-1", "order_id=O-1", "kind=退货", "reason=无理由",
                "lines=TEE-M-BLK:1", "at=2026-11-04T11:00:00+08:00", lang="zh")
    assert again.returncode == 3 and again.stderr.startswith("REF（账本不能接受的记录）：")


def test_the_language_comes_from_ledger_lang_else_the_locale(add, monkeypatch):
    from ledger import messages

    for name in ("LEDGER_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    assert messages.lang() == "en"
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert messages.say("yes") == "是"
    monkeypatch.setenv("LEDGER_LANG", "en")
    assert messages.say("yes") == "yes"
