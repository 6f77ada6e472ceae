"""An order's stream: placement, confirmations, notes, cancellation, and its dispatch decision."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from ledger import rules
from ledger.aggregates.base import Aggregate, Refunds, applies, handles
from ledger.events import (
    AddressChanged, AddressConfirmed, DispatchDecision, DispatchDelayNotified, OrderCancelled, OrderNoted, OrderPlaced,
    ParcelDispatched, RefundApproved, RefundIssued, ShippedLate, ShippedSameDay, units_by_sku,
)
from ledger.policy import Policy
from ledger.rules import refuse


class Order(Refunds, Aggregate):
    prefix = "order"
    UNCHANGED = (OrderNoted,)
    RECORDED = (AddressConfirmed, OrderNoted, DispatchDelayNotified)

    def __init__(self, stream: str, version: int = 0):
        super().__init__(stream, version)
        self.order_id = self.name
        self.placed: OrderPlaced | None = None
        self.confirmations: list[AddressConfirmed] = []
        self.address_changes: list[AddressChanged] = []
        self.delay_notices: list[DispatchDelayNotified] = []
        self.cancelled = False
        self.dispatched = False

    @applies(OrderPlaced)
    def _placed(self, event: OrderPlaced) -> None:
        self.placed = event

    @applies(AddressConfirmed)
    def _confirmed(self, event: AddressConfirmed) -> None:
        self.confirmations.append(event)

    @applies(AddressChanged)
    def _address_changed(self, event: AddressChanged) -> None:
        self.address_changes.append(event)

    @applies(DispatchDelayNotified)
    def _delay_notified(self, event: DispatchDelayNotified) -> None:
        self.delay_notices.append(event)

    @applies(OrderCancelled)
    def _cancelled(self, event: OrderCancelled) -> None:
        self.cancelled = True

    @applies(ShippedSameDay, ShippedLate)
    def _dispatch_decided(self, event: DispatchDecision) -> None:
        self.dispatched = True

    @property
    def placed_at(self) -> datetime:
        assert self.placed is not None
        return self.placed.at

    def ordered(self) -> Counter[str]:
        assert self.placed is not None
        return units_by_sku(self.placed.lines)

    def prices(self) -> dict[str, Decimal]:
        """Unit price by SKU; a SKU ordered on several lines is priced by its first line."""
        assert self.placed is not None
        prices: dict[str, Decimal] = {}
        for line in self.placed.lines:
            prices.setdefault(line.sku, line.unit_price)
        return prices

    @property
    def opened(self) -> OrderPlaced:
        return self.placed

    def cancel(self, record: OrderCancelled, parcels_out: int, policy: Policy) -> None:
        """Allowed while none of its parcels is delivered or on its way; OR-1 refunds all the buyer paid."""
        if self.cancelled:
            raise refuse(f"order {self.order_id} was already cancelled")
        if parcels_out:
            raise refuse(f"order {self.order_id} has {parcels_out} parcel(s) delivered or on the way; "
                         "it can be cancelled once they come back or are lost")
        cancellation = self.trigger(record)
        self.decide(RefundApproved, cancellation, rule=rules.cancellation_refund.rule, policy_version=policy.version,
                    rests_on=(self.placed.ref,), order_id=self.order_id,
                    amount=rules.cancellation_refund(self.placed.lines, self.placed.shipping_fee))
        self.keep_platform_floor(cancellation, policy)

    def issue_refund(self, record: RefundIssued) -> None:
        if not self.cancelled:
            raise refuse(f"order {self.order_id} is not cancelled; refunds of goods go through a case")
        self.take_refund(record)

    def check_dispatch(self, record: ParcelDispatched, shipped: Counter[str]) -> None:
        if self.cancelled:
            raise refuse(f"order {self.order_id} was cancelled")
        rules.check_order_dispatch(self.order_id, units_by_sku(record.lines), self.ordered() - shipped)

    def decide_dispatch(self, dispatch: ParcelDispatched, policy: Policy) -> None:
        """SH-1 on the order's first dispatch, with SH-2 and SH-3 noted on the decision.

        `policy` is the one in force when the order was placed.
        """
        if self.dispatched:
            return
        due = rules.dispatch_due(self.placed_at, policy)
        changes = [c for c in self.address_changes if c.at <= dispatch.at]
        confirmations = [c for c in self.confirmations
                         if rules.address_confirmed([c.at], dispatch.at, [change.at for change in changes])]
        facts = dict(order_id=self.order_id, shipment_id=dispatch.shipment_id, due=due,
                     address_confirmed=bool(confirmations))
        cite = dict(rule=rules.dispatch_due.rule, policy_version=policy.version)
        rests_on = (self.placed.ref, *(c.ref for c in changes), *(c.ref for c in confirmations))
        if rules.shipped_on_time(dispatch.at, due):
            self.decide(ShippedSameDay, dispatch, rests_on=rests_on, **cite, **facts)
            return
        notices = [n for n in self.delay_notices
                   if rules.dispatch_delay_excused([rules.counted_at(n.at, n.timestamp, n.role, n.signed_in)], due)]
        self.decide(ShippedLate, dispatch, rests_on=rests_on + tuple(n.ref for n in notices),
                    notified=bool(notices), **cite, **facts)


def counted_units(shipments: Iterable[Any]) -> Counter[str]:
    """The units of the parcels delivered or under way: only those count as dispatched (SPEC section 4)."""
    units: Counter[str] = Counter()
    for shipment in shipments:
        if shipment.under_way_or_delivered:
            units += shipment.units()
    return units


# -- handlers --------------------------------------------------------------------------------

@handles(OrderPlaced)
def place_order(uow, record: OrderPlaced) -> None:
    uow.register(record.order_id, "order", record.customer_id)
    uow.emit(Order.start(record, uow.version_of(record.stream)))


@handles(AddressChanged)
def change_address(uow, record: AddressChanged) -> None:
    """VO-2: only while no parcel of the order is on its way or delivered."""
    order: Order = uow.existing("order", record.order_id)
    order.check_not_before_opening(record)
    rules.check_address_changeable(order.order_id,
                                   sum(s.under_way_or_delivered for s in uow.children(order.order_id, "shipment")))
    order.trigger(record)
    uow.emit(order)


@handles(OrderCancelled)
def cancel_order(uow, record: OrderCancelled) -> None:
    order: Order = uow.existing("order", record.order_id)
    order.check_not_before_opening(record)
    parcels_out = sum(s.under_way_or_delivered for s in uow.children(order.order_id, "shipment"))
    order.cancel(record, parcels_out, uow.policy_at(record.at))
    uow.emit(order)
