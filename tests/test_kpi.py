"""`ledger kpi` (SPEC section 10) with hand-worked figures on a small history."""
from __future__ import annotations

from datetime import date, datetime

from tests.shop import (
    cancelled, confirmed, contacted, dispatched, placed, policy, requested, review, shipped_order, target,
    upheld, wage,
)

LATER = datetime.fromisoformat("2026-12-31T00:00:00+08:00")


def history(shop):
    shop.append(
        target("2026-11", sales="1000.00", orders=10), target("2026-Q4", sales="3000.00"),
        # three orders kept: 10.00 x 1, 10.00 x 1, 10.01 x 1 => sales 30.01, aov 10.0033 -> 10.00
        placed("O-1", "11-02 10:00", {"A": (1, "10.00")}, fee="6.00"), confirmed("O-1", "11-02 10:01"),
        dispatched("S-1", "O-1", "11-02 16:00", {"A": 1}),
        placed("O-2", "11-02 11:00", {"A": (1, "10.00")}), dispatched("S-2", "O-2", "11-03 09:00", {"A": 1}),
        placed("O-3", "11-03 11:00", {"B": (1, "10.01")}),
        # cancelled: left out of orders and sales
        placed("O-4", "11-03 12:00", {"B": (5, "100.00")}), cancelled("O-4", "11-03 13:00"),
        requested("C-1", "O-1", "11-04 10:00", lines={"A": 1}),
        review("D-1", "O-1", "11-05 10:00", rating="positive"), review("D-2", "O-2", "11-05 11:00", rating="negative"),
        contacted("D-2", "11-05 12:00"))


def test_month_figures_with_their_target(shop):
    """Breaches: O-2 late and unconfirmed, O-3 never dispatched, D-2 never settled."""
    history(shop)
    report = shop.ledger.kpi("month", LATER)
    assert report["by"] == "month"
    (row,) = report["rows"]
    assert row == {
        "period": "2026-11", "orders": 3, "sales": "30.01", "aov": "10.00", "refunds": "0.00", "cases": 1,
        "return_rate": 0.3333, "same_day_rate": 0.5, "breaches": 4, "reviews": {"positive": 1, "neutral": 0,
                                                                                  "negative": 1},
        "satisfaction": 0.5, "complaints": 0, "upheld": 0, "penalties": "0.00",
        "target_sales": "1000.00", "target_orders": 10, "achieved": 0.03}  # 30.01 / 1000 = 0.03001 -> 0.0300
    assert report["totals"]["orders"] == 3 and report["totals"]["target_sales"] is None


def test_aov_rounds_half_up_to_the_cent(shop):
    # 10.01 + 10.00 = 20.01 over 2 orders = 10.005 -> 10.01 (half up, not to even)
    shop.append(placed("O-1", "11-02 10:00", {"A": (1, "10.01")}), placed("O-2", "11-02 11:00", {"A": (1, "10.00")}))
    assert shop.ledger.kpi("month", LATER)["rows"][0]["aov"] == "10.01"


def test_ratios_are_null_on_an_empty_denominator_and_rounded_half_up_to_4_places(shop):
    orders = [placed(f"O-{n}", "11-02 10:00", {"A": (1, "1.00")}) for n in range(32)]
    shop.append(*orders, shipped_order("O-99", placed_at="11-02 10:00", dispatched_at="11-02 16:00",
                                       delivered_at="11-03 10:00"), requested("C-1", "O-99", "11-04 10:00"))
    row = shop.ledger.kpi("month", LATER)["rows"][0]
    assert (row["return_rate"], row["satisfaction"], row["achieved"]) == (0.0303, None, None)  # 1/33


def test_a_ratio_rounds_half_up():
    """Section 10: ratios are JSON numbers rounded half up to 4 places (1/32 is 0.0313)."""
    from ledger.projections.kpi import ratio

    assert (ratio(1, 32), ratio(1, 3), ratio(2, 3), ratio(0, 5), ratio(1, 0)) == (0.0313, 0.3333, 0.6667, 0.0, None)


def test_weeks_start_on_monday_in_the_shops_time_zone(shop):
    # Sunday 8 November 23:30 in Shanghai is 15:30 UTC; Monday 9 November 00:30 is 16:30 UTC on the 8th
    shop.append(placed("O-1", "2026-11-08T15:30:00Z"), placed("O-2", "2026-11-08T16:30:00Z"))
    rows = shop.ledger.kpi("week", LATER)["rows"]
    assert [(r["period"], r["orders"]) for r in rows] == [("2026-W45", 1), ("2026-W46", 1)]
    days = shop.ledger.kpi("day", LATER)["rows"]
    assert [(r["period"], r["orders"], r["breaches"]) for r in days] == [
        # never dispatched: O-1 (after Sunday's cutoff) and O-2 (Monday) are both due at Tuesday's midnight
        ("2026-11-08", 1, 0), ("2026-11-09", 1, 0), ("2026-11-10", 0, 2)]
    assert [r["period"] for r in shop.ledger.kpi("quarter", LATER)["rows"]] == ["2026-Q4"]
    assert [r["period"] for r in shop.ledger.kpi("year", LATER)["rows"]] == ["2026"]


def test_from_to_and_as_of_bound_what_counts(shop):
    history(shop)
    one_day = shop.ledger.kpi("day", LATER, first=date(2026, 11, 3), last=date(2026, 11, 3))["rows"]
    assert [(r["period"], r["orders"]) for r in one_day] == [("2026-11-03", 1)]


def test_as_of_sets_only_the_time_breaches_are_judged_at(shop):
    """`--as-of` before every record: the periods and every other figure are the whole history's; no deadline
    had passed yet, so no breach."""
    history(shop)
    later = shop.ledger.kpi("month", LATER)
    before_all = shop.ledger.kpi("month", datetime.fromisoformat("2026-10-01T00:00:00+08:00"))
    assert [row["period"] for row in before_all["rows"]] == ["2026-11"]
    assert before_all["rows"][0]["breaches"] == 0 and later["rows"][0]["breaches"] == 4
    assert {k: v for k, v in before_all["rows"][0].items() if k != "breaches"} == \
        {k: v for k, v in later["rows"][0].items() if k != "breaches"}
    assert before_all["rows"][0]["orders"] == 3  # O-4 is cancelled, whatever the as-of time
    # at 12:30 on the 3rd: O-2, due at midnight, went out late at 09:00 with its address unconfirmed
    mid = shop.ledger.kpi("day", datetime.fromisoformat("2026-11-03T12:30:00+08:00"))
    assert [(r["period"], r["orders"], r["breaches"]) for r in mid["rows"]] == [
        ("2026-11-02", 2, 0), ("2026-11-03", 1, 2), ("2026-11-04", 0, 0), ("2026-11-05", 0, 0)]


def test_staff_orders_count_every_order_they_placed_cancelled_or_not(shop):
    shop.append(wage("lily", "3000.00"),
                {**placed("O-1", "11-02 10:00"), "actor": "lily"}, {**placed("O-2", "11-02 11:00"), "actor": "lily"},
                cancelled("O-2", "11-02 12:00"))
    report = shop.ledger.kpi("month", LATER, staff=True)
    assert [(r["staff"], r["orders"]) for r in report["rows"]] == [("lily", 2)]
    assert report["totals"]["orders"] == 2
    assert shop.ledger.kpi("month", LATER)["rows"][0]["orders"] == 1  # the shop's figure leaves it out


def test_a_later_target_for_the_period_replaces_it(shop):
    history(shop)
    shop.append(target("2026-11", when="10-02 09:00", sales="3001.00"))
    row = shop.ledger.kpi("month", LATER)["rows"][0]
    assert (row["target_sales"], row["target_orders"], row["achieved"]) == ("3001.00", None, 0.01)
    assert shop.ledger.kpi("quarter", LATER)["rows"][0]["target_sales"] == "3000.00"


def test_staff_rows_for_every_actor_in_every_period_zeros_included(shop):
    shop.append(wage("lily", "3000.00"), wage("mei", "3000.00"),
                placed("O-1", "11-02 10:00"), review("D-1", "O-1", "11-02 12:00"), contacted("D-1", "11-02 13:00"),
                *({**r, "actor": "lily"} for r in upheld("K-1", "11-09 10:00", "11-10 10:00", against="mei")))
    rows = shop.ledger.kpi("week", LATER, staff=True)["rows"]
    assert [(r["period"], r["staff"], r["orders"], r["disputes_contacted"], r["complaints_upheld"], r["penalties"])
            for r in rows] == [
        ("2026-W45", "lily", 0, 1, 0, "0.00"), ("2026-W45", "mei", 0, 0, 0, "0.00"),
        ("2026-W45", "platform", 1, 0, 0, "0.00"),
        ("2026-W46", "lily", 0, 0, 0, "0.00"), ("2026-W46", "mei", 0, 0, 1, "50.00"),
        ("2026-W46", "platform", 0, 0, 0, "0.00")]


def test_a_target_comes_from_a_supervisor_only(shop):
    error = shop.refused(target("2026-11", role="customer_service", sales="1.00"))
    assert error.error.rule == "AU-1"
    bad = shop.refused(target("2026-13", sales="1.00"))
    assert bad.status == 2 and "period" in str(bad)


def test_periods_follow_a_time_zone_offset_of_odd_minutes_across_local_midnight(shop):
    """Liberia kept UTC-0:44:30 until 1972: local midnight falls inside a quarter hour of UTC, and the
    orders a minute either side of it belong to different months."""
    shop.append(policy("monrovia", "11-01 00:00", timezone="Africa/Monrovia"),
                # 23:59:40 and 00:00:10 local, written in UTC (a record's offset is whole minutes)
                {**placed("O-1", "11-02 10:00"), "at": "1971-07-01T00:44:10+00:00"},
                {**placed("O-2", "11-02 10:00"), "at": "1971-07-01T00:44:40+00:00"})
    report = shop.ledger.kpi("month", LATER)
    assert [(row["period"], row["orders"]) for row in report["rows"]] == [("1971-06", 1), ("1971-07", 1)]


def test_a_day_before_the_epoch_in_utc_is_counted_in_its_own_local_day(shop):
    """Auckland's midnight opening 1970 fell at 1969-12-31T12:00Z, before the epoch: the store's quarter
    hours below zero are floored, so an order ten seconds before that midnight stays in 1969."""
    shop.append(policy("auckland", "11-01 00:00", timezone="Pacific/Auckland"),
                {**placed("O-1", "11-02 10:00"), "at": "1970-01-01T01:59:50+14:00"},  # 23:59:50 in Auckland
                {**placed("O-2", "11-02 10:00"), "at": "1970-01-01T02:00:10+14:00"})  # 00:00:10
    report = shop.ledger.kpi("day", LATER)  # (the next days hold the orders' SH-1 breaches)
    assert [(row["period"], row["orders"]) for row in report["rows"]][:2] == [("1969-12-31", 1), ("1970-01-01", 1)]
