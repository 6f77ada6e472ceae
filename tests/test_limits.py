"""Values at the edges of SPEC section 2's limits are stored and shown exactly; a decision's derived times and
sums beyond the records' limits too."""
from __future__ import annotations

from datetime import datetime

import pytest

from tests.shop import at, cancelled, dispatched, placed, stock

LATE = datetime.fromisoformat("3000-06-01T00:00:00+08:00")  # past every time a record may carry


def test_a_due_in_the_year_3000_is_stored_and_shown(shop):
    """Placed after the cutoff on the last day of 2999: SH-1's due is the midnight ending 1 January 3000."""
    shop.append(stock("A", 5), placed("O-1", "2999-12-31T19:00:00+08:00", {"A": (1, "1.00")}),
                dispatched("S-1", "O-1", "2999-12-31T23:00:00+08:00", {"A": 1}))
    (decision,) = [e for e in shop.events("O-1") if type(e).__name__ == "ShippedSameDay"]
    assert decision.due.isoformat() == "3000-01-02T00:00:00+08:00"
    history = shop.ledger.history("O-1")[1].history_json()["events"]
    assert history[-1]["data"]["due"] == "3000-01-02T00:00:00+08:00"
    assert shop.ledger.kpi("month", LATE)["rows"][0]["same_day_rate"] == 1.0
    assert [b["kind"] for b in shop.ledger.breaches(LATE)] == ["address_unconfirmed"]


def test_the_largest_order_is_stored_and_exact_in_every_view(shop):
    """1,000 lines whose total is the largest an order may have, with the largest fee: the cancellation's
    refund (goods and fee) is beyond a record's money limit, and exact."""
    lines = {f"SKU-{n}": (1, "99999.99") for n in range(999)}
    lines["SKU-LAST"] = (1_000_000, "0.01")  # 999 x 99999.99 + 10000.00 = 99,909,990.01
    shop.append(placed("O-1", "11-02 10:00", lines, fee="99999999.99"), cancelled("O-1", "11-02 11:00"))
    (row,) = shop.ledger.liability()["orders"]
    assert (row["refund_approved"], row["refund_outstanding"]) == ("199909990.00", "199909990.00")
    assert shop.ledger.liability()["totals"]["refund_outstanding"] == "199909990.00"
    (approved,) = [e for e in shop.events("O-1") if type(e).__name__ == "RefundApproved"]
    assert str(approved.amount) == "199909990.00"
    assert shop.ledger.stock(sku="SKU-LAST")[0]["reserved"] == 0


def test_an_order_over_the_total_limit_is_invalid(shop):
    lines = {f"SKU-{n}": (1_000_000, "99999999.99") for n in range(1000)}
    error = shop.refused(placed("O-1", "11-02 10:00", lines))
    assert error.status == 2 and "an order's lines add up to at most \"99999999.99\"" in str(error)
    assert shop.refused(placed("O-2", "11-02 10:00", {"A": (2, "50000000.00")})).status == 2


@pytest.mark.parametrize("offset, ok", [("-12:00", True), ("+14:00", True), ("+05:45", True), ("-12:01", False),
                                        ("+14:01", False), ("+05:30:30", False)])
def test_offsets_are_whole_minutes_from_minus_12_to_plus_14(shop, offset, ok):
    record = {**stock("A", 1), "at": f"2026-11-02T10:00:00{offset}"}
    if ok:
        assert shop.append(record).stored == 1
    else:
        error = shop.refused(record)
        assert error.status == 2 and "whole minutes from -12:00 to +14:00" in str(error)


def test_a_time_outside_the_years_is_invalid(shop):
    for when in ("1969-12-31T23:59:59+00:00", "3000-01-01T00:00:00+00:00"):
        assert shop.refused({**stock("A", 1), "at": when}).status == 2
    assert shop.append({**stock("A", 1), "at": at("2999-12-31T23:59:59+14:00")}).stored == 1
