"""Every event the ledger stores: the records users append and the decisions it derives.

A record type is at once the schema its JSON line is checked against and the
event stored for it; a decision is an event only the ledger emits. Both are
immutable pydantic models that the eventsourcing machinery stores and replays
(see persistence.py for the mapper and transcoder).
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from ledger.policy import PolicyParams, ReturnMethod
from ledger.values import Id, Money, Name, Payer, Quantity, Count, Role, Text, Time

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class Event(BaseModel):
    """What every stored event has: its stream, its place in it, and when it happened and was recorded."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)
    class_version: ClassVar[int] = 1

    originator_id: str = ""
    originator_version: int = 0
    timestamp: Time = EPOCH  # when the ledger recorded it
    at: Time  # when it happened in the shop
    actor: Name
    role: Role

    def mutate(self, aggregate: Any) -> Any:
        """Evolve (or, for a stream's first event, create) the aggregate; eventsourcing's projector calls this."""
        from ledger.aggregates import aggregate_for

        if aggregate is None:
            aggregate = aggregate_for(self.originator_id)
        aggregate.apply(self)
        aggregate.version = self.originator_version
        return aggregate

    @property
    def ref(self) -> str:
        return f"{self.originator_id}@{self.originator_version}"


class Record(Event):
    """A fact of the shop, appended by a person or an import."""

    PERSONAL: ClassVar[tuple[str, ...]] = ()  # customer data (SPEC section 5), left out of the key
    key: Annotated[str, Field(min_length=1, max_length=200)] | None = None

    @property
    def stream(self) -> str:
        raise NotImplementedError


class Decision(Event):
    """A consequence the ledger derives from a record under a rule of the policy in force."""

    rule: str
    policy_version: str
    caused_by: str  # ref of the record that triggered it
    rests_on: tuple[str, ...] = ()  # refs of the other events the rule read


def ref_parts(ref: str) -> tuple[str, int]:
    stream, version = ref.rsplit("@", 1)
    return stream, int(version)


class OrderLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)
    sku: Id
    quantity: Quantity
    unit_price: Money


class ParcelLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)
    sku: Id
    quantity: Quantity


Lines = Annotated[tuple[ParcelLine, ...], Field(min_length=1, max_length=1000)]


def units_by_sku(lines: tuple[OrderLine, ...] | tuple[ParcelLine, ...]) -> Counter[str]:
    """How many units of each SKU some lines name; a SKU may stand on several lines."""
    counts: Counter[str] = Counter()
    for line in lines:
        counts[line.sku] += line.quantity
    return counts


# -- stock ---------------------------------------------------------------------------------------

class StockReceived(Record):
    sku: Id
    quantity: Quantity

    @property
    def stream(self) -> str:
        return f"sku:{self.sku}"


class StockCounted(Record):
    sku: Id
    quantity: Count

    @property
    def stream(self) -> str:
        return f"sku:{self.sku}"


# -- orders --------------------------------------------------------------------------------------

class OrderRecord(Record):
    order_id: Id

    @property
    def stream(self) -> str:
        return f"order:{self.order_id}"


class OrderPlaced(OrderRecord):
    PERSONAL: ClassVar[tuple[str, ...]] = ("address", "phone")
    customer_id: Id
    lines: Annotated[tuple[OrderLine, ...], Field(min_length=1, max_length=1000)]
    shipping_fee: Money
    address: Text
    phone: Text
    payment: Literal["online", "bank_transfer"]


class AddressConfirmed(OrderRecord):
    pass


class OrderNoted(OrderRecord):
    PERSONAL: ClassVar[tuple[str, ...]] = ("note",)
    note: Text


class OrderCancelled(OrderRecord):
    reason: Text


class DispatchDelayNotified(OrderRecord):
    reason: Text


# -- shipments -----------------------------------------------------------------------------------

class ParcelDispatched(Record):
    shipment_id: Id
    order_id: Id | None = None
    case_id: Id | None = None
    carrier: Name
    tracking_no: Text
    postage: Money
    lines: Lines

    @model_validator(mode="after")
    def _one_destination(self) -> ParcelDispatched:
        if (self.order_id is None) == (self.case_id is None):
            raise ValueError("a dispatch names exactly one of order_id and case_id")
        return self

    @property
    def stream(self) -> str:
        return f"shipment:{self.shipment_id}"


class ParcelDelivered(Record):
    shipment_id: Id

    @property
    def stream(self) -> str:
        return f"shipment:{self.shipment_id}"


# -- after-sales cases ---------------------------------------------------------------------------

EXCHANGE_ONLY_REASONS = ("size", "colour", "style")
Reason = Literal["size", "colour", "style", "no_reason", "colour_difference", "quality", "wrong_item"]
Finding = Literal["quality_confirmed", "wrong_item_confirmed", "no_fault", "buyer_damage"]


class CaseRecord(Record):
    case_id: Id

    @property
    def stream(self) -> str:
        return f"case:{self.case_id}"


class ReturnRequested(CaseRecord):
    order_id: Id
    kind: Literal["return", "exchange"]
    reason: Reason
    lines: Lines

    @model_validator(mode="after")
    def _reason_fits_kind(self) -> ReturnRequested:
        if self.kind == "return" and self.reason in EXCHANGE_ONLY_REASONS:
            raise ValueError(f'reason "{self.reason}" is for exchanges only')
        return self


class ReturnParcelReceived(CaseRecord):
    tracking_no: Text
    method: ReturnMethod
    postage: Money


class ReturnInspected(CaseRecord):
    finding: Finding


class ExchangeDelayNotified(CaseRecord):
    reason: Text


class SupervisorRuled(CaseRecord):
    note: Text
    payer: Payer | None = None
    refund: Money | None = None
    accept_parcel: StrictBool | None = None

    @model_validator(mode="after")
    def _rules_something(self) -> SupervisorRuled:
        if self.payer is None and self.refund is None and self.accept_parcel is None:
            raise ValueError("a ruling gives at least one of payer, refund, accept_parcel")
        return self


class RefundIssued(CaseRecord):
    amount: Money


# -- review disputes -----------------------------------------------------------------------------

class DisputeRecord(Record):
    dispute_id: Id

    @property
    def stream(self) -> str:
        return f"dispute:{self.dispute_id}"


class ReviewPosted(DisputeRecord):
    PERSONAL: ClassVar[tuple[str, ...]] = ("text",)
    order_id: Id
    rating: Literal["positive", "neutral", "negative"]
    text: Text


class BuyerContacted(DisputeRecord):
    channel: Literal["phone", "chat"]
    note: Text


class ResolutionOffered(DisputeRecord):
    offer: Literal["exchange", "return", "explanation"]


class NegotiationFailed(DisputeRecord):
    note: Text


class DisputeSettled(DisputeRecord):
    outcome: Literal["review_revised", "buyer_satisfied"]


# -- policy --------------------------------------------------------------------------------------

class PolicyAdopted(Record):
    version: Annotated[str, Field(min_length=1, max_length=100)]
    params: PolicyParams

    @property
    def stream(self) -> str:
        return "policy"


class CustomerForgotten(Event):
    """`ledger forget`: the customer's data key was destroyed; their personal fields read "[erased]"."""

    customer_id: Id
    reason: Text


RECORD_TYPES: dict[str, type[Record]] = {
    cls.__name__: cls
    for cls in (
        StockReceived, StockCounted,
        OrderPlaced, AddressConfirmed, OrderNoted, OrderCancelled, DispatchDelayNotified,
        ParcelDispatched, ParcelDelivered,
        ReturnRequested, ReturnParcelReceived, ReturnInspected, ExchangeDelayNotified,
        SupervisorRuled, RefundIssued,
        ReviewPosted, BuyerContacted, ResolutionOffered, NegotiationFailed, DisputeSettled,
        PolicyAdopted,
    )
}


# -- decisions (SPEC section 3) ------------------------------------------------------------------

class DispatchDecision(Decision):
    order_id: str
    shipment_id: str
    due: Time
    address_confirmed: bool


class ShippedSameDay(DispatchDecision):
    pass


class ShippedLate(DispatchDecision):
    notified: bool


class WindowDecision(Decision):
    case_id: str
    order_id: str
    window_from: Time
    window_until: Time


class ReturnAccepted(WindowDecision):
    pass


class ReturnRejected(WindowDecision):
    pass


class ShippingCostAssigned(Decision):
    case_id: str
    payer: Literal["shop", "buyer", "pending"]


class ReturnParcelRefused(Decision):
    case_id: str
    tracking_no: str
    method: ReturnMethod
    postage: Money


class ReturnEscalated(Decision):
    case_id: str


class RefundApproved(Decision):
    case_id: str
    amount: Money


class ExchangeShipped(Decision):
    case_id: str
    shipment_id: str
    tracking_no: str
    postage: Money
    units: int


class NegativeReviewEscalated(Decision):
    dispute_id: str


DECISION_TYPES: dict[str, type[Decision]] = {
    cls.__name__: cls
    for cls in (
        ShippedSameDay, ShippedLate, ReturnAccepted, ReturnRejected, ShippingCostAssigned,
        ReturnParcelRefused, ReturnEscalated, RefundApproved, ExchangeShipped, NegativeReviewEscalated,
    )
}

EVENT_TYPES: dict[str, type[Event]] = {**RECORD_TYPES, **DECISION_TYPES}

