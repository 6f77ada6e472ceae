"""The growth fund's stream (部门成长基金): what was spent; the money in comes from staff penalties (ST-3)."""
from __future__ import annotations

from ledger import rules
from ledger.aggregates.base import Aggregate, applies, handles
from ledger.aggregates.staff import Staff
from ledger.events import FundSpent
from ledger.values import ZERO


class Fund(Aggregate):
    prefix = "fund"

    def __init__(self, stream: str, version: int = 0):
        super().__init__(stream, version)
        self.spent = ZERO

    @applies(FundSpent)
    def _spent(self, event: FundSpent) -> None:
        self.spent += event.amount


@handles(FundSpent)
def spend(uow, record: FundSpent) -> None:
    """ST-3: spending is refused above the fund's balance when it is appended."""
    rules.check_supervisor(type(record).__name__, record.role)
    fund: Fund | None = uow.get(record.stream)
    penalties = sum((staff.total_penalties() for staff in uow.all_of(Staff)), ZERO)
    rules.check_fund_balance(record.amount, penalties - (fund.spent if fund else ZERO))
    Fund.extend(uow, record)
