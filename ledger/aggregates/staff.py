"""A staff member's stream: their account (SPEC section 14: enrolled, role, left), their wage from each
StaffWageSet on, and the penalties assessed on them (ST-2)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ledger import rules
from ledger.aggregates.base import Aggregate, applies, handles
from ledger.events import (
    ComplaintLodged, ComplaintRuled, PenaltyAssessed, StaffEnrolled, StaffLeft, StaffRecord, StaffRoleChanged,
    StaffWageSet,
)
from ledger.policy import Policy
from ledger.rules import refuse
from ledger.values import ZERO


class Staff(Aggregate):
    prefix = "staff"

    def __init__(self, stream: str, version: int = 0):
        super().__init__(stream, version)
        self.wages: list[StaffWageSet] = []  # in business time order
        self.penalties: list[PenaltyAssessed] = []
        self.role: str | None = None  # the account's role; None: no account
        self.left = False

    @applies(StaffEnrolled)
    def _enrolled(self, event: StaffEnrolled) -> None:
        self.role, self.left = event.role, False

    @applies(StaffRoleChanged)
    def _role_changed(self, event: StaffRoleChanged) -> None:
        self.role = event.role

    @applies(StaffLeft)
    def _left(self, event: StaffLeft) -> None:
        self.left = True

    @property
    def active(self) -> bool:
        return self.role is not None and not self.left

    @applies(StaffWageSet)
    def _wage_set(self, event: StaffWageSet) -> None:
        self.wages.append(event)
        self.wages.sort(key=lambda wage: wage.at)

    @applies(PenaltyAssessed)
    def _penalised(self, event: PenaltyAssessed) -> None:
        self.penalties.append(event)

    def wage_at(self, at: datetime) -> StaffWageSet | None:
        """The wage record in force at `at`: the latest one dated at or before it."""
        found = None
        for wage in self.wages:
            if wage.at > at:
                break
            found = wage
        return found

    def assess_penalty(self, ruling: ComplaintRuled, lodged: ComplaintLodged, policy: Policy,
                       lodging_policy: Policy) -> None:
        """ST-2: the month is the local month of the lodging, `nth` counts this person's penalties of that
        month in the order the rulings were appended; the wage is the one in force at the lodging."""
        month = rules.penalty_month(lodged.at, lodging_policy)
        earlier = [p for p in self.penalties if p.month == month]
        wage = self.wage_at(lodged.at)
        amount, whole_wage = rules.penalty(len(earlier) + 1, wage.monthly_wage if wage else ZERO,
                                           sum((p.amount for p in earlier), ZERO), policy)
        rests_on = (lodged.ref, *((wage.ref,) if wage else ()), *(p.ref for p in earlier))
        self.decide(PenaltyAssessed, ruling, rule=rules.penalty.rule, policy_version=policy.version,
                    rests_on=rests_on, complaint_id=lodged.complaint_id, staff=self.name, month=month,
                    nth=len(earlier) + 1, amount=amount, whole_wage=whole_wage)

    def total_penalties(self) -> Decimal:
        return sum((p.amount for p in self.penalties), ZERO)


@handles(StaffWageSet)
def set_wage(uow, record: StaffWageSet) -> None:
    rules.check_supervisor(type(record).__name__, record.role)
    Staff.extend(uow, record)


@handles(StaffEnrolled)
def enrol(uow, record: StaffEnrolled) -> None:
    """AU-1: a supervisor enrols; the first account of a store that has none must be a supervisor's."""
    staff = uow.get(f"staff:{record.staff}")
    if staff is not None and staff.active:
        raise refuse(f"staff {record.staff} is enrolled already (as {staff.role})")
    if uow.has_accounts():
        rules.check_supervisor(type(record).__name__, uow.writer_role(record))
    elif record.role != "supervisor":
        raise rules.Refused("AU-1", f"the first account of a store is a supervisor's; {record.staff} would be "
                                    f"{record.role}")
    uow.accounts_added = True
    Staff.extend(uow, record)


@handles(StaffRoleChanged, StaffLeft)
def change_account(uow, record: StaffRecord) -> None:
    staff = uow.get(f"staff:{record.staff}")
    if staff is None or not staff.active:
        raise refuse(f"staff {record.staff} has no account" + (" (they have left)" if staff and staff.left else ""))
    rules.check_supervisor(type(record).__name__, uow.writer_role(record))
    Staff.extend(uow, record)
