"""`ledger import taobao-refunds` (SPEC section 11) on the fixture shop's refund report of 4 November, after
its order and item reports: the platform's refunds paid leave nothing owed, a returned parcel is found by its
tracking number, a withdrawn request leaves the views, and a second import stores nothing."""
from __future__ import annotations

import json

from tests.test_taobao import DAY1, DAY2, EXPORTS, A, B, C, run, types  # noqa: F401  (run: the fixture)

REFUNDS = [str(EXPORTS / "refunds-2026-11-04.csv"), "--as-of", "2026-11-04T22:00:00+08:00"]
R1, R2, R3, R4 = (f"TB-900100000000000000{n}" for n in range(1, 5))


def imported(run):
    for day in (DAY1, DAY2):
        assert run("import", "taobao", *day).returncode == 0
    result = run("import", "taobao-refunds", *REFUNDS)
    assert result.returncode == 0, result.stderr
    return result


def cases(run) -> dict[str, dict]:
    return {case["case_id"]: case for case in json.loads(run("liability", "--json").stdout)["cases"]}


def test_each_refund_is_a_case_with_what_became_of_it(run):
    imported(run)
    assert types(run, R1) == ["ReturnRequested", "ReturnAccepted", "ShippingCostAssigned", "PlatformRefunded",
                              "RefundApproved"]
    assert types(run, R2) == ["ReturnRequested", "ReturnAccepted", "ShippingCostAssigned", "ReturnParcelReceived",
                              "PlatformRefunded", "RefundApproved"]
    assert types(run, R3)[-1] == "ReturnWithdrawn"
    assert types(run, R4) == ["ReturnRequested", "ReturnAccepted", "ShippingCostAssigned", "ReturnParcelSent"]
    history = json.loads(run("history", R1, "--json").stdout)["events"]
    assert history[0]["data"]["kind"] == "refund_only" and history[0]["data"]["reason"] == "colour_difference"


def test_what_the_platform_paid_is_not_owed_and_the_rest_is(run):
    imported(run)
    owed = cases(run)
    assert (owed[R1]["refunded"], owed[R1]["refund_outstanding"]) == ("20.00", "0.00")
    assert (owed[R2]["refunded"], owed[R2]["refund_outstanding"]) == ("79.00", "0.00")
    assert R3 not in owed  # withdrawn: left as a rejected case is
    # the parcel on its way back comes, the shop finds the fault: that refund is the shop's to pay
    assert run("add", "ReturnParcelReceived", f"case_id={R4}", "tracking_no=YT9900000304", "method=express",
               "postage=0", "at=2026-11-05T10:00:00+08:00", "role=shipping_clerk").returncode == 0
    assert run("add", "ReturnInspected", f"case_id={R4}", "finding=quality_confirmed",
               "at=2026-11-05T11:00:00+08:00", "role=shipping_clerk").returncode == 0
    assert cases(run)[R4]["refund_outstanding"] == "199.00"
    totals = json.loads(run("kpi", "--as-of", "2026-11-06T00:00:00+08:00", "--json").stdout)["totals"]
    assert totals["refunds"] == "99.00"  # each refund the platform paid counted once


def test_a_returned_parcel_from_the_report_is_found_by_its_tracking_number(run):
    imported(run)
    found = json.loads(run("find", "yt 9900000202", "--json").stdout)["matches"]
    assert [(m["kind"], m["id"]) for m in found] == [("case", R2)]
    on_its_way = json.loads(run("find", "YT9900000304", "--json").stdout)["matches"]  # 买家已经退货: not received
    assert [(m["kind"], m["id"], m["summary"]) for m in on_its_way] == [
        ("case", R4, f"YT9900000304: parcel the buyer sent back for case {R4}")]
    assert run("add", "ReturnParcelReceived", f"case_id={R4}", "tracking_no=YT9900000304", "method=express",
               "postage=0", "at=2026-11-05T10:00:00+08:00", "role=shipping_clerk").returncode == 0
    received = json.loads(run("find", "YT9900000304", "--json").stdout)["matches"]
    assert [(m["kind"], m["id"], m["summary"]) for m in received] == [
        ("case", R4, f"YT9900000304: parcel the buyer returned for case {R4} (express)")]


def test_a_second_import_of_the_same_report_stores_nothing(run):
    imported(run)
    again = run("import", "taobao-refunds", *REFUNDS)
    assert again.returncode == 0 and "stored 0 record(s)" in again.stdout


def test_refunds_before_their_orders_say_which_report_comes_first(run):
    result = run("import", "taobao-refunds", *REFUNDS)
    assert result.returncode == 2
    assert result.stderr.strip() == (f"refunds-2026-11-04.csv line 2: order {A} is not in the ledger: import its "
                                     "order report first")


def report(tmp_path, *changes: tuple[str, str]) -> list[str]:
    """The refund report of 4 November with text replaced, as the same invocation."""
    text = (EXPORTS / "refunds-2026-11-04.csv").read_bytes().decode("gbk")
    for old, new in changes:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "refunds.csv"
    path.write_bytes(text.encode("gbk"))
    return [str(path), *REFUNDS[1:]]


def test_a_reason_not_in_the_mapping_is_said_on_the_import_that_stores_the_request(run, tmp_path):
    for day in (DAY1, DAY2):
        run("import", "taobao", *day)
    unknown = report(tmp_path, ("七天无理由退换货", "其他"))
    first = run("import", "taobao-refunds", *unknown)
    assert first.returncode == 0, first.stderr
    assert [line for line in first.stdout.splitlines() if line.startswith("needs a person")] == [
        "needs a person: refunds.csv line 4: refund 9001000000000000003's reason '其他' is not in the mapping's "
        "[refund_reasons]; taken as no_reason"]
    assert json.loads(run("history", R3, "--json").stdout)["events"][0]["data"]["reason"] == "no_reason"
    again = run("import", "taobao-refunds", *unknown)
    assert "needs a person" not in again.stdout and "stored 0 record(s)" in again.stdout


def test_a_refund_the_shop_refused_is_listed_until_the_case_is_ruled(run, tmp_path):
    for day in (DAY1, DAY2):
        run("import", "taobao", *day)
    refused = report(tmp_path, ("买家已经退货，等待卖家确认收货", "卖家拒绝退款"))
    listed = f"needs a person: refunds.csv line 5: the shop refused refund 9001000000000000004 on the platform; " \
             f"record the case's ruling (case {R4})"
    assert listed in run("import", "taobao-refunds", *refused).stdout
    assert listed in run("import", "taobao-refunds", *refused).stdout
    ruled = run("add", "SupervisorRuled", f"case_id={R4}", "note=拒绝：商品无问题", "payer=buyer",
                "at=2026-11-05T10:00:00+08:00", "role=supervisor")
    assert ruled.returncode == 0, ruled.stderr
    assert "needs a person" not in run("import", "taobao-refunds", *refused).stdout


def test_a_row_left_out_needs_nobody(run, tmp_path):
    for day in (DAY1, DAY2):
        run("import", "taobao", *day)
    unreadable = report(tmp_path, ("七天无理由退换货,2026-11-04 19:05:00", "其他,昨天"))
    result = run("import", "taobao-refunds", *unreadable, "--skip-bad")
    assert result.returncode == 0, result.stderr
    assert "needs a person" not in result.stdout
    assert result.stdout.splitlines()[-2:] == [
        "refunds.csv line 4: 退款的申请时间: not a time such as 2026-11-02 10:15:00: '昨天'", "1 row(s) left out"]
    assert types(run, R3) == []
