"""ST-2, ST-3, CP-2 and the refusals of section 9: complaints, the penalty ladder and the growth fund."""
from __future__ import annotations

from decimal import Decimal

import pytest

from tests.shop import (
    answered, closed, complaint, complaint_ruled, fund_spent, placed, policy, upheld, wage,
)


def assessed(shop, staff="lily"):
    return [e for e in shop.stream(f"staff:{staff}") if type(e).__name__ == "PenaltyAssessed"]


def penalties(shop, staff="lily"):
    return [(p.complaint_id, p.month, p.nth, str(p.amount), p.whole_wage) for p in assessed(shop, staff)]


@pytest.fixture
def ladder(shop):
    shop.append(wage("lily", "3000.00"), upheld("K-1", "10-03 10:00", "10-04 10:00"),
                upheld("K-2", "10-05 10:00", "10-06 10:00"), upheld("K-3", "10-07 10:00", "10-08 10:00"),
                upheld("K-4", "10-09 10:00", "10-10 10:00"))
    return shop


def test_st2_fifty_then_a_hundred_then_the_rest_of_the_wage_then_nothing(ladder):
    """ST-2: nth 1 costs penalty_first, nth 2 twice that, nth 3 and later the rest of the month's wage
    (whole_wage: true; the monthly_wage in force at the lodging, less that month's earlier penalties, never
    below "0.00")."""
    assert penalties(ladder) == [("K-1", "2026-10", 1, "50.00", False), ("K-2", "2026-10", 2, "100.00", False),
                                 ("K-3", "2026-10", 3, "2850.00", True), ("K-4", "2026-10", 4, "0.00", True)]


def test_st2_penalty_cites_its_rule_and_rests_on_the_lodging_the_wage_and_the_earlier_penalties(ladder):
    third = assessed(ladder)[2]
    assert (third.rule, third.policy_version, third.caused_by) == ("ST-2", "default", "complaint:K-3@2")
    assert third.rests_on == ("complaint:K-3@1", "staff:lily@1", "staff:lily@2", "staff:lily@3")


def test_st2_a_new_month_starts_the_ladder_again(shop):
    """ST-2: nth counts the penalties of complaints of the same (local calendar) month."""
    shop.append(wage("lily", "3000.00"), upheld("K-1", "10-30 10:00", "11-02 10:00"),
                upheld("K-2", "11-01 10:00", "11-02 11:00"))
    assert penalties(shop) == [("K-1", "2026-10", 1, "50.00", False), ("K-2", "2026-11", 1, "50.00", False)]


def test_st2_the_month_is_the_local_month_of_the_lodging_not_of_utc(shop):
    """ST-2: month is the local calendar month of the complaint's ComplaintLodged.at."""
    shop.append(policy("sp", "2026-09-01T00:00:00+00:00", timezone="America/Sao_Paulo"), wage("lily", "3000.00"),
                upheld("K-1", "2026-10-31T23:30:00-03:00", "2026-11-02T10:00:00-03:00"),  # 02:30 UTC on 1 Nov
                upheld("K-2", "2026-11-01T02:40:00Z", "2026-11-02T11:00:00-03:00"))  # 23:40 on 31 Oct locally
    assert [(c, m, n) for c, m, n, _, _ in penalties(shop)] == [("K-1", "2026-10", 1), ("K-2", "2026-10", 2)]


def test_st2_shanghai_midnight_in_utc_belongs_to_the_next_local_month(shop):
    shop.append(wage("lily", "3000.00"), upheld("K-1", "2026-10-31T15:59:59Z", "11-02 10:00"),
                upheld("K-2", "2026-10-31T16:00:00Z", "11-02 11:00"))
    assert [(c, m) for c, m, _, _, _ in penalties(shop)] == [("K-1", "2026-10"), ("K-2", "2026-11")]


def test_st2_nth_follows_the_order_the_rulings_are_appended(shop):
    shop.append(wage("lily", "3000.00"), complaint("K-1", "10-03 10:00"), complaint("K-2", "10-05 10:00"),
                complaint_ruled("K-2", "10-06 10:00"), complaint_ruled("K-1", "10-07 10:00"))
    assert [(c, n, a) for c, _, n, a, _ in penalties(shop)] == [("K-2", 1, "50.00"), ("K-1", 2, "100.00")]


def test_st2_the_wage_in_force_at_the_lodging_counts(shop):
    shop.append(wage("lily", "3000.00", "10-01 09:00"), wage("lily", "5000.00", "10-20 09:00"),
                upheld("K-1", "10-03 10:00", "10-21 10:00"), upheld("K-2", "10-05 10:00", "10-21 11:00"),
                upheld("K-3", "10-07 10:00", "10-21 12:00"))
    assert penalties(shop)[2][3:] == ("2850.00", True)


def test_st2_the_rest_of_the_wage_is_never_below_zero(shop):
    shop.append(wage("lily", "120.00"), upheld("K-1", "10-03 10:00", "10-04 10:00"),
                upheld("K-2", "10-05 10:00", "10-06 10:00"), upheld("K-3", "10-07 10:00", "10-08 10:00"))
    assert [a for _, _, _, a, _ in penalties(shop)] == ["50.00", "100.00", "0.00"]


def test_st2_the_monthly_cap_bounds_a_month_of_penalties(shop):
    """ST-2: with penalty_monthly_cap set, a month's penalties for one person never add up to more than it."""
    shop.append(policy("capped", "09-01 00:00", penalty_monthly_cap="120.00"), wage("lily", "3000.00"),
                upheld("K-1", "10-03 10:00", "10-04 10:00"), upheld("K-2", "10-05 10:00", "10-06 10:00"),
                upheld("K-3", "10-07 10:00", "10-08 10:00"))
    assert [(a, w) for _, _, _, a, w in penalties(shop)] == [("50.00", False), ("70.00", False), ("0.00", True)]
    assert sum(Decimal(a) for _, _, _, a, _ in penalties(shop)) == Decimal("120.00")


def test_st2_penalty_first_comes_from_the_policy(shop):
    shop.append(policy("v2", "09-01 00:00", penalty_first="30.00"), wage("lily", "3000.00"),
                upheld("K-1", "10-03 10:00", "10-04 10:00"), upheld("K-2", "10-05 10:00", "10-06 10:00"))
    assert [a for _, _, _, a, _ in penalties(shop)] == ["30.00", "60.00"]


@pytest.mark.parametrize("records", [
    [complaint("K-1", "10-03 10:00"), complaint_ruled("K-1", "10-04 10:00", upheld=False)],
    [complaint("K-1", "10-03 10:00", category="quality", against=None), complaint_ruled("K-1", "10-04 10:00")],
    [complaint("K-1", "10-03 10:00", against=None), complaint_ruled("K-1", "10-04 10:00")],
])
def test_st2_only_an_upheld_service_complaint_against_someone_costs_a_penalty(shop, records):
    """ST-2: a complaint upheld against nobody costs nobody anything."""
    shop.append(wage("lily", "3000.00"), records)
    assert penalties(shop) == []
    assert shop.decisions("K-1") == []


# ST-3: the growth fund --------------------------------------------------------------------------

def test_st3_spending_up_to_the_balance_is_accepted_and_beyond_it_refused(shop):
    """ST-3: FundSpent takes money out and is refused (ST-3) above the fund's balance when it is appended."""
    shop.append(wage("lily", "3000.00"), upheld("K-1", "10-03 10:00", "10-04 10:00"),
                upheld("K-2", "10-05 10:00", "10-06 10:00"), fund_spent("100.00", "10-20 10:00"))
    error = shop.refused(fund_spent("50.01", "10-21 10:00"))
    assert (error.status, error.error.rule) == (3, "ST-3")
    assert "holds 50.00" in error.error.reason
    shop.append(fund_spent("50.00", "10-21 10:00"))


def test_st3_an_empty_fund_pays_nothing_and_penalties_earlier_in_the_same_file_count(shop):
    assert shop.refused(fund_spent("0.01", "10-01 10:00")).error.rule == "ST-3"
    shop.append(wage("lily", "3000.00"), upheld("K-1", "10-03 10:00", "10-04 10:00"),
                fund_spent("50.00", "10-05 10:00"))


# AU-1 and REF -----------------------------------------------------------------------------------

@pytest.mark.parametrize("record", [
    wage("lily", "3000.00", role="customer_service"),
    complaint_ruled("K-1", "10-04 10:00", role="customer_service"),
    fund_spent("1.00", "10-05 10:00", role="shipping_clerk"),
])
def test_au1_wages_rulings_and_spending_only_from_a_supervisor(shop, record):
    """AU-1 also covers StaffWageSet, ComplaintRuled and FundSpent: supervisors only."""
    shop.append(wage("lily", "3000.00"), complaint("K-1", "10-03 10:00"))
    assert shop.refused(record).error.rule == "AU-1"


@pytest.mark.parametrize("record, reason", [
    (complaint("K-9", "10-03 10:00", order_id="O-404"), "unknown order O-404"),
    (complaint("K-9", "10-03 10:00", against="nobody"), "staff nobody has no wage"),
    (complaint("K-9", "10-03 10:00", category="logistics"), "names nobody"),
    (complaint_ruled("K-1", "10-05 10:00"), "already ruled"),
    (answered("K-404", "10-05 10:00"), "unknown complaint K-404"),
    (closed("K-2", "10-05 10:00"), "not been ruled"),
    (complaint("K-1", "10-06 10:00"), "id K-1 already names a complaint"),
    (complaint("O-1", "10-06 10:00"), "id O-1 already names an order"),
])
def test_complaint_refusals_cite_ref(shop, record, reason):
    """Refused, citing REF: a complaint naming an unknown order, or against a staff member with no
    StaffWageSet; against on a complaint that is not service; a second ruling on one complaint; records on
    an unknown complaint. CP-2: a complaint is closed only after it is ruled."""
    shop.append(wage("lily", "3000.00"), placed("O-1", "10-02 10:00"), upheld("K-1", "10-03 10:00", "10-04 10:00"),
                complaint("K-2", "10-03 11:00"))
    error = shop.refused(record)
    assert (error.status, error.error.rule) == (3, "REF")
    assert reason in error.error.reason


def test_a_complaint_runs_from_lodging_to_closing(shop):
    shop.append(placed("O-1", "10-02 10:00"), complaint("K-1", "10-03 10:00", category="quality", against=None,
                                                        order_id="O-1"),
                answered("K-1", "10-03 12:00"), complaint_ruled("K-1", "10-04 10:00", upheld=False),
                closed("K-1", "10-05 10:00", "unsatisfied"))
    assert [type(e).__name__ for e in shop.events("K-1")] == [
        "ComplaintLodged", "ComplaintAnswered", "ComplaintRuled", "ComplaintClosed"]
