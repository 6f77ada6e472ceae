"""`ledger import taobao` (SPEC section 11) on the two overlapping daily exports of fixtures/taobao/."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import past_creation

LEDGER = str(Path(sys.executable).with_name("ledger"))
EXPORTS = Path(__file__).resolve().parent.parent / "fixtures" / "taobao"
DAY1 = [str(EXPORTS / "orders-2026-11-03.csv"), str(EXPORTS / "items-2026-11-03.csv"),
        "--as-of", "2026-11-03T21:00:00+08:00"]
DAY2 = [str(EXPORTS / "orders-2026-11-04.csv"), str(EXPORTS / "items-2026-11-04.csv"),
        "--as-of", "2026-11-04T21:00:00+08:00"]
A, B, C, D, E, F, G, H = (f"32870000000000001{n:02d}" for n in range(1, 9))


@pytest.fixture
def run(store, tmp_path):
    env = {"LEDGER_STORE": store, "PATH": "/usr/bin:/bin", "LEDGER_MASTER_KEY": os.environ["LEDGER_MASTER_KEY"]}

    def run(*args: str) -> subprocess.CompletedProcess:
        return past_creation(subprocess.run([LEDGER, *args], capture_output=True, text=True, env=env, cwd=tmp_path))

    run.env = env  # a test may read the answers in Chinese (LEDGER_LANG)
    return run


def types(run, order: str) -> list[str]:
    found = run("history", order, "--json")
    return [e["type"] for e in json.loads(found.stdout)["events"]] if found.returncode == 0 else []


def test_each_status_gives_its_records(run):
    result = run("import", "taobao", *DAY1)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "stored 9 record(s) and 3 decision(s); skipped 0 already stored; 2 row(s) not paid yet\n"
    assert types(run, A) == ["OrderPlaced", "ParcelDispatched", "ShippedSameDay", "ParcelDelivered"]  # 交易成功
    assert types(run, B) == ["OrderPlaced", "ParcelDispatched", "ShippedSameDay"]  # 卖家已发货，等待买家确认
    assert types(run, C) == ["OrderPlaced", "OrderNoted"]  # 买家已付款，等待卖家发货, with the buyer's message
    assert types(run, D) == [] and types(run, E) == []  # 等待买家付款; 交易关闭 never paid
    assert types(run, F) == ["OrderPlaced", "OrderCancelled", "RefundApproved"]  # 交易关闭 paid, not dispatched
    placed = json.loads(run("history", A, "--json").stdout)["events"][0]
    assert (placed["at"], placed["actor"], placed["role"]) == ("2026-11-01T09:12:40+08:00", "import:taobao", "system")
    assert placed["data"]["lines"] == [{"sku": "TEE-M-BLK", "quantity": 2, "unit_price": "89.00"}]
    assert (placed["data"]["phone"], placed["data"]["buyer_name"]) == ("138****0101", "tb_小明")
    assert re.fullmatch(r"tb-[0-9a-f]{16}", placed["data"]["customer_id"])
    cancelled = json.loads(run("history", F, "--json").stdout)["events"][1]
    assert (cancelled["at"], cancelled["data"]["reason"]) == ("2026-11-02T18:00:00+08:00", "买家不想买了")


def test_the_next_days_overlapping_export_stores_only_the_new_facts(run):
    run("import", "taobao", *DAY1)
    result = run("import", "taobao", *DAY2)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "stored 7 record(s) and 2 decision(s); skipped 9 already stored; 0 row(s) not paid yet",
        f"needs a person: orders-2026-11-04.csv line 7: order {G} was closed with parcel ZT7700000107 out; "
        "record what became of it (ParcelReturnedToSender or ParcelLost)"]
    assert types(run, B)[-1] == "ParcelDelivered"
    assert types(run, C) == ["OrderPlaced", "OrderNoted", "OrderNoted", "ParcelDispatched", "ShippedLate"]
    assert types(run, G) == ["OrderPlaced", "ParcelDispatched", "ShippedSameDay"]  # 交易关闭 with a parcel out
    again = run("import", "taobao", *DAY2)
    assert again.stdout.startswith("stored 0 record(s) and 0 decision(s); skipped 16 already stored")


def test_a_gbk_export_and_a_utf8_bom_export_are_the_same_export(run, tmp_path):
    for name in ("orders-2026-11-03.csv", "items-2026-11-03.csv"):
        text = (EXPORTS / name).read_bytes().decode("gbk")
        (tmp_path / name).write_bytes(text.encode("utf-8-sig"))
    gbk = run("import", "taobao", *DAY1, "--dry-run")
    bom = run("import", "taobao", str(tmp_path / "orders-2026-11-03.csv"), str(tmp_path / "items-2026-11-03.csv"),
              "--as-of", "2026-11-03T21:00:00+08:00", "--dry-run")
    assert gbk.returncode == bom.returncode == 0 and gbk.stdout == bom.stdout
    assert len(gbk.stdout.splitlines()) == 9 and "tb_小明" in gbk.stdout


def test_dry_run_prints_the_records_and_stores_nothing(run, tmp_path):
    result = run("import", "taobao", *DAY1, "--dry-run")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["key"] for r in records[:3]] == [f"taobao:placed:{A}", f"taobao:dispatched:{A}:YT8800000101",
                                               f"taobao:delivered:{A}:YT8800000101"]
    assert result.stderr == "9 record(s) would be appended; nothing was stored\n"
    absent = run("verify")  # not even the store was created, on either store
    assert absent.returncode == 2 and absent.stderr.startswith("no store at")
    assert not list(tmp_path.glob("*.db*"))


def test_a_dry_run_without_a_store_shows_the_buyers_pseudonym_under_the_key_at_hand(run, tmp_path):
    keyed = [json.loads(line) for line in run("import", "taobao", *DAY1, "--dry-run").stdout.splitlines()]
    assert re.fullmatch(r"tb-[0-9a-f]{16}", keyed[0]["customer_id"])
    del run.env["LEDGER_MASTER_KEY"]
    run.env["LEDGER_KEY_FILE"] = str(tmp_path / "no.key")
    unkeyed = [json.loads(line) for line in run("import", "taobao", *DAY1, "--dry-run").stdout.splitlines()]
    assert unkeyed[0]["customer_id"] == "tb-????????????????" and unkeyed[0]["buyer_name"] == "tb_小明"
    assert not (tmp_path / "no.key").exists()  # a dry run makes no key either


def test_dry_run_on_a_written_store_stores_nothing(run):
    assert run("import", "taobao", *DAY1).returncode == 0
    head = run("verify").stdout.splitlines()[-1]
    result = run("import", "taobao", *DAY2, "--dry-run")
    assert result.returncode == 0 and result.stdout
    assert run("verify").stdout.splitlines()[-1] == head


def mangled(tmp_path: Path, row: int, column: int, value: str, *more: tuple[int, str]) -> str:
    """The first day's order report with cells of one row changed."""
    lines = (EXPORTS / "orders-2026-11-03.csv").read_bytes().decode("gbk").split("\r\n")
    cells = lines[row - 1].split(",")
    for index, text in ((column, value), *more):
        cells[index] = text
    lines[row - 1] = ",".join(cells)
    path = tmp_path / "orders.csv"
    path.write_bytes("\r\n".join(lines).encode("gbk"))
    return str(path)


@pytest.mark.parametrize("row, column, value, message", [
    (4, 7, "已退款", "orders.csv line 4: unknown order status '已退款'"),
    (2, 0, '="3287000000000000999"', "orders.csv line 2: order 3287000000000000999 has no items in the item report"),
    (3, 2, "六元", "orders.csv line 3: 买家应付邮费: not an amount of money with at most two decimals: '六元'"),
    (3, 2, "0.125", "orders.csv line 3: 买家应付邮费: not an amount of money with at most two decimals: '0.125'"),
    (3, 2, "1e3", "orders.csv line 3: 买家应付邮费: not an amount of money with at most two decimals: '1e3'"),
    (3, 6, "昨天", "orders.csv line 3: 订单付款时间: not a time such as 2026-11-02 10:15:00: '昨天'"),
])
def test_a_row_that_cannot_be_mapped_exits_2_naming_its_file_and_row(run, tmp_path, row, column, value, message):
    result = run("import", "taobao", mangled(tmp_path, row, column, value), DAY1[1], *DAY1[2:])
    assert (result.returncode, result.stderr.strip()) == (2, message)
    assert types(run, A) == []  # all or nothing


def test_a_parcel_the_rules_refuse_is_set_aside_for_a_person_and_the_rest_imported(run, tmp_path):
    path = mangled(tmp_path, 3, 7, "交易成功", (13, "2026-11-01 10:00:00"))  # B delivered before it was dispatched
    result = run("import", "taobao", path, DAY1[1], *DAY1[2:])
    assert result.returncode == 0, result.stderr
    person = [line for line in result.stdout.splitlines() if line.startswith("needs a person: orders.csv line 3")]
    assert len(person) == 1 and "REF: ParcelDelivered" in person[0] and "set aside" in person[0]
    assert types(run, B) == ["OrderPlaced"] and "OrderPlaced" in types(run, A)  # B's parcel only, set aside


def test_two_tracking_numbers_in_one_cell_are_set_aside_for_a_person(run, tmp_path):
    path = mangled(tmp_path, 3, 9, '"SF1300000102,SF1300000199"')
    result = run("import", "taobao", path, DAY1[1], *DAY1[2:])
    assert result.returncode == 0, result.stderr
    assert f"needs a person: orders.csv line 3: order {B} has several tracking numbers in one cell" in result.stdout
    assert types(run, B) == ["OrderPlaced"]


def needs_a_person(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith(("needs a person", "需要人工处理"))]


def test_a_row_that_needs_a_person_is_listed_until_someone_records_what_became_of_it(run, tmp_path):
    run("import", "taobao", *DAY1)
    assert len(needs_a_person(run("import", "taobao", *DAY2))) == 1  # G closed with its parcel out
    assert len(needs_a_person(run("import", "taobao", *DAY2))) == 1  # nobody has recorded it yet
    returned = run("add", "ParcelReturnedToSender", f"shipment_id={G}-ZT7700000107", "reason=refused_at_door",
                   "postage=8.00", "at=2026-11-05T10:00:00+08:00", "role=shipping_clerk")
    assert returned.returncode == 0, returned.stderr
    again = run("import", "taobao", *DAY2)
    assert again.returncode == 0 and needs_a_person(again) == []


def test_a_cell_of_two_tracking_numbers_is_listed_once_until_a_parcel_is_dispatched_by_hand(run, tmp_path):
    path = mangled(tmp_path, 3, 9, '"SF1300000102,SF1300000199"')
    run.env["LEDGER_LANG"] = "zh"
    first = run("import", "taobao", path, DAY1[1], *DAY1[2:])
    assert needs_a_person(first) == [f"需要人工处理：orders.csv 第 3 行：订单 {B} 的一个单元格里有几个物流单号"
                                     "（SF1300000102,SF1300000199）；请逐个手工记录发货"]
    sent = run("add", "ParcelDispatched", "shipment_id=S-1", f"order_id={B}", "carrier=SF",
               "tracking_no=SF1300000102", "postage=8.00", "lines=TEE-L-WHT:1,SOCK-W:3", "at=2026-11-03T10:30:00+08:00",
               "role=shipping_clerk")
    assert sent.returncode == 0, sent.stderr
    assert needs_a_person(run("import", "taobao", path, DAY1[1], *DAY1[2:])) == []


def test_another_mapping_reads_another_column_naming(run, tmp_path):
    text = (EXPORTS / "orders-2026-11-03.csv").read_bytes().decode("gbk").replace("订单编号", "订单号")
    (tmp_path / "orders.csv").write_text(text, encoding="utf-8")
    default = (Path(__file__).resolve().parent.parent / "ledger" / "taobao-mapping.toml").read_text(encoding="utf-8")
    mapping = default.replace('order_id = "订单编号"\nbuyer', 'order_id = "订单号"\nbuyer')
    (tmp_path / "mapping.toml").write_text(mapping, encoding="utf-8")
    orders = str(tmp_path / "orders.csv")
    assert run("import", "taobao", orders, *DAY1[1:]).returncode == 2  # 订单编号 missing
    result = run("import", "taobao", orders, *DAY1[1:], "--mapping", str(tmp_path / "mapping.toml"))
    assert result.returncode == 0, result.stderr
    assert types(run, A)[0] == "OrderPlaced"


def with_refunds(tmp_path: Path, refunds: dict[str, str]) -> str:
    """The second day's order report with a 退款金额 column, as the platform adds it once it has refunded."""
    lines = (EXPORTS / "orders-2026-11-04.csv").read_bytes().decode("gbk").split("\r\n")
    lines[0] += ",退款金额"
    for number, line in enumerate(lines[1:], 1):
        if line:
            order = line.split(",")[0].strip('"=')
            lines[number] = f"{line},{refunds.get(order, '')}"
    path = tmp_path / "orders-refunded.csv"
    path.write_bytes("\r\n".join(lines).encode("gbk"))
    return str(path)


def test_a_closed_order_the_platform_refunded_owes_only_the_rest(run, tmp_path):
    result = run("import", "taobao", with_refunds(tmp_path, {F: "50.00"}), *DAY2[1:])
    assert result.returncode == 0, result.stderr
    assert "PlatformRefunded" in types(run, F)
    order = next(row for row in json.loads(run("liability", "--json").stdout)["orders"] if row["order_id"] == F)
    assert order["refunded"] == "50.00"
    assert order["refund_outstanding"] == f"{float(order['refund_approved']) - 50:.2f}"
    again = run("import", "taobao", with_refunds(tmp_path, {F: "50.00"}), *DAY2[1:])
    assert "stored 0 record(s)" in again.stdout  # the refund is stored once


def test_with_platform_address_confirmed_an_imported_address_is_confirmed_at_payment(run, new_store, tmp_path):
    by_default = {**os.environ, "LEDGER_STORE": new_store(), "PATH": "/usr/bin:/bin"}
    assert subprocess.run([LEDGER, "import", "taobao", *DAY1], env=by_default, capture_output=True).returncode == 0
    unconfirmed = json.loads(subprocess.run([LEDGER, "sla", "--as-of", "2026-11-05T00:00:00+08:00", "--json"],
                                            env=by_default, capture_output=True, text=True).stdout)
    assert unconfirmed["counts"]["address_unconfirmed"] > 0  # the default: nobody confirmed them
    policy = run("add", "PolicyAdopted", "version=platform-confirms", 'params={"platform_address_confirmed": true}',
                 "at=2026-10-01T00:00:00+08:00", "role=supervisor")
    assert policy.returncode == 0, policy.stderr
    assert run("import", "taobao", *DAY1).returncode == 0
    assert "AddressConfirmed" in types(run, A)
    breaches = json.loads(run("sla", "--as-of", "2026-11-05T00:00:00+08:00", "--json").stdout)
    assert breaches["counts"]["address_unconfirmed"] == 0


def mangled_items(tmp_path: Path, row: int, column: int, value: str) -> str:
    """The first day's item report with one cell changed."""
    lines = (EXPORTS / "items-2026-11-03.csv").read_bytes().decode("gbk").split("\r\n")
    cells = lines[row - 1].split(",")
    cells[column] = value
    lines[row - 1] = ",".join(cells)
    path = tmp_path / "items.csv"
    path.write_bytes("\r\n".join(lines).encode("gbk"))
    return str(path)


def test_skip_bad_stores_the_rest_and_lists_exactly_the_rows_left_out(run, tmp_path):
    orders = mangled(tmp_path, 4, 7, "已退款")  # order C: a status the importer does not know
    items = mangled_items(tmp_path, 4, 4, "")  # order B's second line: no 商家编码
    without = run("import", "taobao", orders, items, *DAY1[2:])
    assert without.returncode == 2 and without.stderr.strip() == "items.csv line 4: no SKU (商家编码)"
    assert types(run, A) == []  # all or nothing: nothing stored
    result = run("import", "taobao", orders, items, *DAY1[2:], "--skip-bad")
    assert result.returncode == 0, result.stderr
    listed = [line for line in result.stdout.splitlines() if line.startswith(("orders.csv", "items.csv"))]
    assert listed == ["items.csv line 4: no SKU (商家编码)",
                      f"orders.csv line 3: order {B}: its item row items.csv line 4 was left out",
                      "orders.csv line 4: unknown order status '已退款'"]
    assert result.stdout.strip().endswith("3 row(s) left out")
    assert types(run, B) == [] and types(run, C) == [] and "OrderPlaced" in types(run, A)


def test_skip_bad_leaves_out_a_row_whose_record_the_ledger_refuses(run, tmp_path):
    orders = mangled(tmp_path, 2, 4, "call me")  # order A: a phone the ledger does not take
    without = run("import", "taobao", orders, *DAY1[1:])
    assert without.returncode == 2 and without.stderr.startswith("orders.csv line 2: ")
    result = run("import", "taobao", orders, *DAY1[1:], "--skip-bad")
    assert result.returncode == 0, result.stderr
    listed = [line for line in result.stdout.splitlines() if line.startswith("orders.csv")]
    assert len(listed) == 1 and listed[0].startswith("orders.csv line 2: ")
    assert types(run, A) == [] and "OrderPlaced" in types(run, B)


def written(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


ORDERS1 = (EXPORTS / "orders-2026-11-03.csv").read_bytes()
ITEMS1 = (EXPORTS / "items-2026-11-03.csv").read_bytes()


@pytest.mark.parametrize("orders, items, message", [
    (b"\xef\xbb\xbf" + ORDERS1, ITEMS1, "bad.csv: starts with a UTF-8 byte-order mark but is not UTF-8 text (GBK "
                                        "after it?); export it again, or name its encoding with --encoding"),
    (ORDERS1.replace(b"tb_", b"tb_" + b"x" * 140_000, 1), ITEMS1,
     "bad.csv line 2: cannot be read as CSV: field larger than field limit (131072)"),
    (ORDERS1.replace("买家会员名".encode("gbk"), "订单编号".encode("gbk"), 1), ITEMS1,
     "bad.csv line 1: column '订单编号' appears twice in the header"),
    (ORDERS1.replace(b'"=""3287000000000000101"""', b"3.287E+18", 1), ITEMS1,
     "bad.csv line 2: 订单编号 '3.287E+18' was turned into a number by a spreadsheet and lost its digits: export "
     "the report again, or open it with that column as text"),
    (ORDERS1, ITEMS1.decode("gbk").replace(",2,TEE-M-BLK", ",²,TEE-M-BLK", 1).encode("utf-8"),
     "items.csv line 2: quantity (购买数量): not a whole number: '²'"),
    (ITEMS1, ORDERS1, "items.csv line 1: this looks like the other report (it has '订单状态'): give the order "
                      "report first, then the item report"),  # the second file, the item report's place, read first
])
def test_a_bad_file_exits_2_naming_the_file_and_row_in_plain_words(run, tmp_path, orders, items, message):
    result = run("import", "taobao", written(tmp_path, "bad.csv", orders), written(tmp_path, "items.csv", items),
                 *DAY1[2:])
    assert (result.returncode, result.stderr.strip()) == (2, message)


def test_a_report_with_carriage_returns_alone_reads_as_any_other(run, tmp_path):
    orders = written(tmp_path, "cr.csv", ORDERS1.replace(b"\r\n", b"\r"))
    assert run("import", "taobao", orders, *DAY1[1:]).returncode == 0
    assert "OrderPlaced" in types(run, A)


@pytest.mark.parametrize("mapping, message", [
    ('[orders]\norder_id = "订单编号"\n', "bad.toml: [orders] names no column for address"),
    ("platform = 'taobao'\n", "bad.toml: no [orders] table of column names"),
    ("a = " + "[" * 5000 + "]" * 5000 + "\n", "bad.toml: nested too deep to be a column mapping"),
])
def test_a_mapping_file_is_checked_whole_before_any_row_is_read(run, tmp_path, mapping, message):
    path = tmp_path / "bad.toml"
    path.write_text(mapping, encoding="utf-8")
    result = run("import", "taobao", *DAY1[:2], "--mapping", str(path), *DAY1[2:])
    assert (result.returncode, result.stderr.strip()) == (2, message)


def day2_with(tmp_path: Path, order: str, changes: dict[int, str], name: str = "orders-changed.csv",
              others: dict[str, dict[int, str]] | None = None) -> str:
    """The second day's order report with cells of one order's row changed (column index -> text), and of
    the `others`' rows."""
    changed = {order: changes, **(others or {})}
    lines = (EXPORTS / "orders-2026-11-04.csv").read_bytes().decode("gbk").split("\r\n")
    for number, line in enumerate(lines):
        for order, changes in changed.items():
            if line.startswith(f'"=""{order}"""'):
                cells = line.split(",")
                for index, text in changes.items():
                    cells[index] = text
                lines[number] = ",".join(cells)
    path = tmp_path / name
    path.write_bytes("\r\n".join(lines).encode("gbk"))
    return str(path)


def events(run, order: str) -> list[dict]:
    return json.loads(run("history", order, "--json").stdout)["events"]


def test_an_address_changed_on_the_platform_becomes_one_address_changed(run, tmp_path):
    before = mangled(tmp_path, 4, 3, "浙江省 杭州市 西湖区 旧地址1号")  # order C, not yet dispatched
    assert run("import", "taobao", before, *DAY1[1:]).returncode == 0
    moved = run("import", "taobao", *DAY1)  # the same day's export again, the buyer's address now changed
    assert moved.returncode == 0, moved.stderr
    changes = [e for e in events(run, C) if e["type"] == "AddressChanged"]
    assert len(changes) == 1 and changes[0]["data"]["address"] == "浙江省 杭州市 西湖区 文三路103号"
    assert "stored 0 record(s)" in run("import", "taobao", *DAY1).stdout  # the next export: nothing more


def test_an_address_changed_after_dispatch_is_kept_as_a_note(run, tmp_path):
    assert run("import", "taobao", *DAY1).returncode == 0
    moved = day2_with(tmp_path, A, {3: "浙江省 杭州市 滨江区 江南大道1号"})
    result = run("import", "taobao", moved, *DAY2[1:])
    assert result.returncode == 0, result.stderr
    notes = [e["data"]["note"] for e in events(run, A) if e["type"] == "OrderNoted"]
    assert notes == ["the platform shows a new address after dispatch: 浙江省 杭州市 滨江区 江南大道1号, 138****0101"]


def test_a_memo_changed_on_the_platform_is_a_new_note(run, tmp_path):
    assert run("import", "taobao", *DAY2).returncode == 0
    rewritten = day2_with(tmp_path, C, {11: "改发中通"})
    assert run("import", "taobao", rewritten, *DAY2[1:]).returncode == 0
    notes = [e["data"]["note"] for e in events(run, C) if e["type"] == "OrderNoted"]
    assert notes == ["请发顺丰，谢谢", "已按买家要求改发顺丰", "改发中通"]


def test_a_tracking_number_corrected_on_the_platform_voids_the_first_dispatch(run, tmp_path):
    assert run("import", "taobao", *DAY1).returncode == 0
    corrected = day2_with(tmp_path, B, {9: '"=""SF1300000999"""'})
    result = run("import", "taobao", corrected, *DAY2[1:])
    assert result.returncode == 0, result.stderr
    history = events(run, B)
    assert [e["type"] for e in history if e["type"] in ("ParcelDispatched", "RecordVoided")] == [
        "ParcelDispatched", "RecordVoided", "ParcelDispatched"]
    assert [m["id"] for m in json.loads(run("find", "SF1300000999", "--json").stdout)["matches"]] == \
        [f"{B}-SF1300000999"]
    assert json.loads(run("find", "SF1300000102", "--json").stdout)["matches"] == []  # the voided one's is free
    assert "stored 0 record(s)" in run("import", "taobao", corrected, *DAY2[1:]).stdout


def test_an_export_with_a_merged_parcel_a_corrected_number_and_a_cell_of_two_imports_its_other_rows(run, tmp_path):
    assert run("import", "taobao", *DAY1).returncode == 0
    shipped = {7: "卖家已发货，等待买家确认", 8: "顺丰速运", 9: '"=""SF1300000103"""', 12: "2026-11-04 14:00:00"}
    export = day2_with(tmp_path, C, {12: "2026-11-04 14:00:00"}, others={
        H: shipped,  # 合并发货: H goes in C's parcel
        B: {9: '"=""SF1300000199"""'},  # B's number corrected in the seller centre
        G: {9: '"ZT7700000107,ZT7700000108"'}})  # closed, with two numbers in its cell
    result = run("import", "taobao", export, *DAY2[1:])
    assert result.returncode == 0, result.stderr
    merged = json.loads(run("find", "SF1300000103", "--json").stdout)["matches"]
    assert [m["id"] for m in merged] == [f"{C}-SF1300000103", f"{H}-SF1300000103"]  # one parcel, two orders
    assert types(run, H)[-2:] == ["ParcelDispatched", "ShippedSameDay"]
    stock = {row["sku"]: row for row in json.loads(run("stock", "--json").stdout)["skus"]}
    assert stock["TEE-L-WHT"]["on_hand"] == -1  # B's one T-shirt left once, whatever its number
    assert json.loads(run("find", "SF1300000102", "--json").stdout)["matches"] == []
    assert [line for line in needs_a_person(result) if G in line] == [
        f"needs a person: orders-changed.csv line 7: order {G} has several tracking numbers in one cell "
        "(ZT7700000107,ZT7700000108); record each parcel's dispatch by hand"]
    assert types(run, G) == ["OrderPlaced"] and types(run, A)[0] == "OrderPlaced"


def test_a_buyers_platform_name_is_a_pseudonym_and_found_until_they_are_forgotten(run, store):
    from tests.shop import Shop
    from tests.test_customer_data import raw_store_bytes

    run("import", "taobao", *DAY1)
    run("import", "taobao", *DAY2)
    customers = {json.loads(run("history", order, "--json").stdout)["events"][0]["data"]["customer_id"]
                 for order in (A, B, C)}
    assert len(customers) == 3 and all(re.fullmatch(r"tb-[0-9a-f]{16}", c) for c in customers)
    found = json.loads(run("find", "tb_小明", "--json").stdout)["matches"]
    assert [(m["kind"], m["id"]) for m in found] == [("order", A)]
    buyer = found[0]["summary"].rpartition("(")[2].rstrip(")")
    shop = Shop(store)
    try:
        assert "tb_小明".encode() not in raw_store_bytes(shop)  # sealed from the first import on
        shop.ledger.forget(buyer, "zhao", "supervisor", "asked on the platform")
        assert "tb_小明".encode() not in raw_store_bytes(shop) and "文三路101号".encode() not in raw_store_bytes(shop)
    finally:
        shop.ledger.close()
    assert json.loads(run("find", "tb_小明", "--json").stdout)["matches"] == []
    for shown in (run("export").stdout, run("history", A).stdout, run("history", A, "--json").stdout):
        assert "tb_小明" not in shown and "文三路101号" not in shown and "[erased]" in shown
    assert json.loads(run("find", "tb_lihua88", "--json").stdout)["matches"] != []  # another buyer still found


def test_an_order_imported_before_buyers_had_pseudonyms_keeps_its_customer_id(run, tmp_path):
    earlier = [line for line in run("import", "taobao", *DAY1, "--dry-run").stdout.splitlines()]
    placed = json.loads(earlier[0])
    old = {k: v for k, v in placed.items() if k != "buyer_name"} | {"customer_id": placed["buyer_name"]}
    (tmp_path / "old.jsonl").write_text(json.dumps(old, ensure_ascii=False) + "\n", encoding="utf-8")
    assert run("append", str(tmp_path / "old.jsonl")).returncode == 0
    again = run("import", "taobao", *DAY1)
    assert again.returncode == 0, again.stderr
    assert "skipped 1 already stored" in again.stdout
    assert json.loads(run("history", A, "--json").stdout)["events"][0]["data"]["customer_id"] == "tb_小明"


def test_a_fact_the_report_gives_no_time_for_keeps_its_first_imports_time(run, tmp_path):
    """A seller may leave 发货时间 out of the export: a dispatch is then dated by --as-of, and the next day's
    export, which shows the same dispatch, stores nothing new rather than a second time for it."""
    default = (Path(__file__).resolve().parent.parent / "ledger" / "taobao-mapping.toml").read_text(encoding="utf-8")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(default.replace('shipped_at = "发货时间"\n', ""), encoding="utf-8")
    assert run("import", "taobao", *DAY1, "--mapping", str(mapping)).returncode == 0
    again = run("import", "taobao", *DAY2, "--mapping", str(mapping))
    assert again.returncode == 0, again.stderr
    sent = [e for e in events(run, B) if e["type"] == "ParcelDispatched"]
    assert [e["at"] for e in sent] == ["2026-11-03T21:00:00+08:00"]  # the first import's --as-of
    assert "stored 0 record(s)" in run("import", "taobao", *DAY2, "--mapping", str(mapping)).stdout


def test_a_delivery_set_aside_is_listed_until_it_is_recorded_though_its_dispatch_is_stored(run, tmp_path):
    """The next day's export names B's carrier otherwise: its dispatch, stored under its key with the first
    name, is refused (KEY), so the row's parcel is set aside, delivery and all, until someone records it."""
    assert run("import", "taobao", *DAY1).returncode == 0
    renamed = day2_with(tmp_path, B, {8: "顺丰快递"})
    first = run("import", "taobao", renamed, *DAY2[1:])
    assert first.returncode == 0, first.stderr
    assert [line for line in needs_a_person(first) if B in line or "line 3" in line] != []
    assert "ParcelDelivered" not in types(run, B)
    delivered = run("add", "ParcelDelivered", f"shipment_id={B}-SF1300000102", "at=2026-11-04T18:20:00+08:00",
                    "role=shipping_clerk")
    assert delivered.returncode == 0, delivered.stderr
    assert [line for line in needs_a_person(run("import", "taobao", renamed, *DAY2[1:])) if "line 3" in line] == []


def test_a_bad_row_is_named_in_the_readers_language(run, tmp_path):
    run.env["LEDGER_LANG"] = "zh"
    result = run("import", "taobao", mangled(tmp_path, 3, 7, "已删除"), DAY1[1], *DAY1[2:])
    assert (result.returncode, result.stderr.splitlines()[-1]) == (2, "orders.csv 第 3 行：未知的订单状态 '已删除'")
    swapped = run("import", "taobao", DAY1[1], DAY1[0], *DAY1[2:])
    assert swapped.returncode == 2 and swapped.stderr.splitlines()[-1] == (
        "orders-2026-11-03.csv 第 1 行：这像是另一份报表（它有 '订单状态' 列）：请先给订单报表，再给宝贝报表")
