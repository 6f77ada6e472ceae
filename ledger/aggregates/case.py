"""An after-sales case's stream: a return or exchange from request to refund or replacement."""
from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import TYPE_CHECKING

from ledger import rules
from ledger.aggregates.base import Aggregate, Refunds, applies, handles, updates
from ledger.aggregates.order import Order, counted_units
from ledger.events import (
    ExchangeDelayNotified, ExchangeShipped, ParcelDispatched, PlatformRefunded, Record, RefundApproved, RefundIssued,
    ReturnAccepted, ReturnEscalated, ReturnInspected, ReturnParcelReceived, ReturnParcelRefused,
    ReturnParcelSent, ReturnRejected, ReturnRequested, ReturnWithdrawn, ShippingCostAssigned, SupervisorRuled,
    units_by_sku,
)
from ledger.policy import Policy
from ledger.rules import refuse

if TYPE_CHECKING:
    from ledger.aggregates.shipment import Shipment


class Case(Refunds, Aggregate):
    prefix = "case"
    UNCHANGED = (ReturnAccepted, ShippingCostAssigned, ReturnInspected, ExchangeDelayNotified, ExchangeShipped,
                 ReturnParcelSent)

    def __init__(self, stream: str, version: int = 0):
        super().__init__(stream, version)
        self.case_id = self.name
        self.request: ReturnRequested | None = None
        self.rejected = False
        self.parcels: list[ReturnParcelReceived] = []  # accepted ones only
        self.parcel_let_in = False  # AS-4: a supervisor allowed a freight-collect parcel
        self.escalated = False
        self.ruling: SupervisorRuled | None = None  # the first after escalation
        self.withdrawn = False

    # -- state ----------------------------------------------------------------------------------

    @applies(ReturnRequested)
    def _return_requested(self, event: ReturnRequested) -> None:
        self.request = event

    @applies(ReturnRejected)
    def _return_rejected(self, event: ReturnRejected) -> None:
        self.rejected = True

    @applies(ReturnParcelReceived)
    def _return_parcel_received(self, event: ReturnParcelReceived) -> None:
        self.parcels.append(event)

    @applies(ReturnParcelRefused)
    def _return_parcel_refused(self, event: ReturnParcelRefused) -> None:
        self.parcels = [parcel for parcel in self.parcels if parcel.ref != event.caused_by]

    @applies(ReturnWithdrawn)
    def _return_withdrawn(self, event: ReturnWithdrawn) -> None:
        self.withdrawn = True

    @applies(ReturnEscalated)
    def _return_escalated(self, event: ReturnEscalated) -> None:
        self.escalated = True

    @applies(SupervisorRuled)
    def _supervisor_ruled(self, event: SupervisorRuled) -> None:
        if event.accept_parcel is not None:
            self.parcel_let_in = event.accept_parcel
        if self.escalated and self.ruling is None:
            self.ruling = event

    @property
    def opened(self) -> ReturnRequested:
        return self.request

    @property
    def kind(self) -> str:
        assert self.request is not None
        return self.request.kind

    def units(self) -> Counter[str]:
        assert self.request is not None
        return units_by_sku(self.request.lines)

    # -- commands -------------------------------------------------------------------------------

    @classmethod
    def request_return(cls, record: ReturnRequested, order: Order, shipments: list[Shipment],
                       earlier: list[Case], policy: Policy, version: int) -> Case:
        """AS-6 decides acceptance; on acceptance the claimed reason sets the payer."""
        outbound = [s for s in shipments if s.dispatch is not None]
        if not outbound:
            raise refuse(f"order {order.order_id} has not been dispatched; nothing can be returned yet")
        first = min((s.dispatch for s in outbound), key=lambda dispatch: dispatch.at)
        rules.check_not_before(record, first, f"order {order.order_id}'s first parcel")
        dispatched = counted_units(outbound)
        for case in earlier:
            if not (case.rejected or case.withdrawn):  # a case that ended so gives its units back
                dispatched -= case.units()
        for sku, quantity in units_by_sku(record.lines).items():
            if quantity > dispatched.get(sku, 0):
                raise refuse(f"order {order.order_id} has {dispatched.get(sku, 0)} dispatched unit(s) of {sku} "
                             f"not already in a case, request names {quantity}")
        deliveries = [s.delivery for s in outbound if s.delivery is not None]
        start = min(deliveries, key=lambda event: event.at) if deliveries else first
        until = rules.return_window_until(start.at, policy)
        case = cls.start(record, version)
        facts = dict(case_id=case.case_id, order_id=order.order_id, window_from=start.at, window_until=until)
        cite = dict(rule=rules.return_window_until.rule, policy_version=policy.version, rests_on=(start.ref,))
        if not rules.within_window(record.at, until):
            case.decide(ReturnRejected, case.request, **cite, **facts)
            return case
        case.decide(ReturnAccepted, case.request, **cite, **facts)
        payer, rule = rules.payer_on_acceptance(record.kind, record.reason)
        case.decide(ShippingCostAssigned, case.request, rule=rule, policy_version=policy.version,
                    case_id=case.case_id, payer=payer)
        return case

    def _check_open(self) -> None:
        if self.rejected:
            raise refuse(f"case {self.case_id} was rejected; it takes no further records")
        if self.withdrawn:
            raise refuse(f"case {self.case_id} was withdrawn by the buyer; it takes no further records")

    def _check_goods_come_back(self) -> None:
        if self.kind == "refund_only":
            raise refuse(f"case {self.case_id} is a refund only (仅退款): the buyer keeps the goods, so it takes "
                         "no returned parcel and no inspection")

    @updates(ReturnWithdrawn)
    def withdraw(self, record: ReturnWithdrawn, policy: Policy) -> None:
        self._check_open()
        if self.parcels:
            raise refuse(f"case {self.case_id} has its returned parcel received; it can no longer be withdrawn")
        self.trigger(record)

    @updates(ExchangeDelayNotified)
    def record(self, record: Record, policy: Policy) -> None:
        self._check_open()
        self.trigger(record)

    @updates(ReturnParcelSent)
    def parcel_sent(self, record: ReturnParcelSent, policy: Policy) -> None:
        self._check_open()
        self._check_goods_come_back()
        self.trigger(record)

    @updates(ReturnParcelReceived)
    def receive_parcel(self, record: ReturnParcelReceived, policy: Policy) -> None:
        self._check_open()
        self._check_goods_come_back()
        parcel = self.trigger(record)
        if rules.parcel_refused(record.method, policy, self.parcel_let_in):
            self.decide(ReturnParcelRefused, parcel, rule=rules.parcel_refused.rule, policy_version=policy.version,
                        case_id=self.case_id, tracking_no=record.tracking_no, method=record.method,
                        postage=record.postage)

    def inspect(self, record: ReturnInspected, prices: dict[str, Decimal], policy: Policy) -> None:
        self._check_open()
        self._check_goods_come_back()
        if not self.parcels:
            raise refuse(f"case {self.case_id} has no accepted returned parcel to inspect")
        inspection = self.trigger(record)
        payer, rule = rules.payer_on_finding(record.finding)
        cite = dict(rule=rule, policy_version=policy.version)
        if payer == "pending":
            self.decide(ReturnEscalated, inspection, case_id=self.case_id, **cite)
        self.decide(ShippingCostAssigned, inspection, case_id=self.case_id, payer=payer, **cite)
        if rules.refund_on_finding(record.finding, self.kind):
            amount = rules.goods_value(self.units().items(), prices)
            self.decide(RefundApproved, inspection, case_id=self.case_id, amount=amount,
                        rests_on=(self.request.ref,), **cite)
            self.keep_platform_floor(inspection, policy)

    @updates(SupervisorRuled)
    def rule_on(self, record: SupervisorRuled, policy: Policy) -> None:
        rules.check_supervisor(type(record).__name__, record.role)
        self._check_open()
        if record.refund is not None and record.refund < self.refunded:
            raise refuse(f"case {self.case_id} has {self.refunded:.2f} refunded already; "
                         f"a ruling cannot approve {record.refund:.2f}")
        ruling = self.trigger(record)
        cite = dict(rule=rules.RULING, policy_version=policy.version, case_id=self.case_id)
        if record.payer is not None:
            self.decide(ShippingCostAssigned, ruling, payer=record.payer, **cite)
        if record.refund is not None:
            self.decide(RefundApproved, ruling, amount=record.refund, **cite)

    def issue_refund(self, record: RefundIssued) -> None:
        self._check_open()
        self.take_refund(record)

    def check_replacement(self, record: ParcelDispatched, reshipped: int) -> None:
        """`reshipped`: the units of the case's replacements delivered or under way."""
        self._check_open()
        if self.kind != "exchange":
            raise refuse(f"case {self.case_id} is a return; a replacement is sent only for an exchange")
        rules.check_ruled_before_reship(self.case_id, self.escalated, self.ruling is not None)
        rules.check_replacement_tracked(self.case_id, record.tracking_no)
        rules.check_replacement_dispatch(self.case_id, sum(units_by_sku(record.lines).values()),
                                         sum(self.units().values()), reshipped)

    def decide_replacement(self, dispatch: ParcelDispatched, policy: Policy) -> None:
        self.decide(ExchangeShipped, dispatch, rule=rules.check_replacement_tracked.rule,
                    policy_version=policy.version, case_id=self.case_id, shipment_id=dispatch.shipment_id,
                    tracking_no=dispatch.tracking_no, postage=dispatch.postage,
                    units=sum(units_by_sku(dispatch.lines).values()))


# -- handlers --------------------------------------------------------------------------------

@handles(ReturnRequested)
def request_return(uow, record: ReturnRequested) -> None:
    order: Order = uow.existing("order", record.order_id)
    shipments = uow.children(order.order_id, "shipment")
    earlier = uow.children(order.order_id, "case")
    case = Case.request_return(record, order, shipments, earlier, uow.policy_at(record.at),
                              uow.version_of(record.stream))
    uow.register(record.case_id, "case", record.order_id)
    uow.emit(case)


@handles(RefundIssued)
def issue_refund(uow, record: RefundIssued) -> None:
    """A case's refund, or a cancelled order's (OR-1)."""
    subject = uow.existing(*record.stream_of())
    subject.check_not_before_opening(record)
    subject.issue_refund(record)
    uow.emit(subject)


@handles(PlatformRefunded)
def platform_refund(uow, record: PlatformRefunded) -> None:
    """PF-1: a case's or an order's refund the platform paid."""
    subject = uow.existing(*record.stream_of())
    subject.check_not_before_opening(record)
    subject.take_platform_refund(record, uow.policy_at(record.at))
    uow.emit(subject)


@handles(ReturnInspected)
def inspect_return(uow, record: ReturnInspected) -> None:
    case: Case = uow.existing("case", record.case_id)
    case.check_not_before_opening(record)
    order: Order = uow.get(f"order:{case.request.order_id}")
    case.inspect(record, order.prices(), uow.policy_at(record.at))
    uow.emit(case)
