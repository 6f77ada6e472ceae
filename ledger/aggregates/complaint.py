"""A complaint's stream (客户投诉处理: 分类、登记、处理、反馈): lodged, answered, ruled, closed."""
from __future__ import annotations

from ledger import rules
from ledger.aggregates.base import Aggregate, applies, handles, updates
from ledger.aggregates.staff import Staff
from ledger.events import ComplaintAnswered, ComplaintClosed, ComplaintLodged, ComplaintRuled
from ledger.policy import Policy
from ledger.rules import refuse


class Complaint(Aggregate):
    prefix = "complaint"
    UNCHANGED = (ComplaintAnswered, ComplaintClosed)
    RECORDED = (ComplaintAnswered,)

    def __init__(self, stream: str, version: int = 0):
        super().__init__(stream, version)
        self.lodged: ComplaintLodged | None = None
        self.ruling: ComplaintRuled | None = None

    @applies(ComplaintLodged)
    def _lodged(self, event: ComplaintLodged) -> None:
        self.lodged = event

    @applies(ComplaintRuled)
    def _ruled(self, event: ComplaintRuled) -> None:
        self.ruling = event

    @property
    def opened(self) -> ComplaintLodged:
        return self.lodged

    def rule(self, record: ComplaintRuled) -> ComplaintRuled:
        if self.ruling is not None:
            raise refuse(f"complaint {self.name} was already ruled")
        return self.trigger(record)

    @updates(ComplaintClosed)
    def close(self, record: ComplaintClosed, policy: Policy) -> None:
        rules.check_complaint_ruled(self.name, self.ruling is not None)
        self.trigger(record)


@handles(ComplaintLodged)
def lodge_complaint(uow, record: ComplaintLodged) -> None:
    if record.order_id is not None:
        uow.existing("order", record.order_id).check_not_before_opening(record)
    rules.check_not_against_oneself(record.actor, record.against, "lodge")
    if record.against is not None:
        if record.category != "service":
            raise refuse(f"a {record.category} complaint names nobody; `against` is for service complaints")
        staff: Staff | None = uow.get(f"staff:{record.against}")
        if staff is None or not staff.wages:
            raise refuse(f"staff {record.against} has no wage recorded (StaffWageSet)")
    uow.register(record.complaint_id, "complaint", record.customer_id)
    uow.emit(Complaint.start(record, uow.version_of(record.stream)))


@handles(ComplaintRuled)
def rule_complaint(uow, record: ComplaintRuled) -> None:
    """ST-2: an upheld service complaint against a staff member costs them a penalty."""
    rules.check_supervisor(type(record).__name__, record.role)
    complaint: Complaint = uow.existing("complaint", record.complaint_id)
    complaint.check_not_before_opening(record)
    rules.check_not_against_oneself(record.actor, complaint.lodged.against, "rule on")
    ruling = complaint.rule(record)
    uow.emit(complaint)
    lodged = complaint.lodged
    if rules.penalised(lodged.category, record.upheld, lodged.against):
        staff: Staff = uow.get(f"staff:{lodged.against}")
        staff.assess_penalty(ruling, lodged, uow.policy_at(record.at), uow.policy_at(lodged.at))
        uow.emit(staff)
