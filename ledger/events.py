"""Every event the ledger stores: the records users append and the decisions it derives.

A record type is at once the schema its JSON line is checked against and the
event stored for it; a decision is an event only the ledger emits. Both are
immutable pydantic models that the eventsourcing machinery stores and replays
(see mapper.py for how they are stored).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated, ClassVar, Literal, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, model_validator

from ledger.policy import PolicyParams, ReturnMethod
from ledger.fields import (
    Count, CustomerId, DerivedMoney, DerivedTime, Id, Indexed, Money, Name, Payer, Period, Phone, Quantity, Role,
    Text, Time, TrackingNo,
)
from ledger.values import ORDER_TOTAL, check_key

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class Event(BaseModel):
    """What every stored event has: its stream, its place in it, and when it happened and was recorded."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)
    class_version: ClassVar[int] = 1

    originator_id: str = ""
    originator_version: int = 0
    timestamp: Time = EPOCH  # when the ledger recorded it
    signed_in: bool | None = None  # true: appended by a signed-in account (AU-2, AU-4); set by the ledger
    at: Time  # when it happened in the shop
    actor: Name
    role: Role

    @property
    def ref(self) -> str:
        return f"{self.originator_id}@{self.originator_version}"


@dataclass(frozen=True)
class CustomerOf:
    """Whose key seals a record's personal fields: the customer named by `field`, or, with `via`,
    the customer of the order (or other parent) that `field` names."""

    field: str
    via: str | None = None


class Record(Event):
    """A fact of the shop, appended by a person or an import.

    Each record type declares its stream (`STREAM`: the stream kind and the field holding its id, or
    several such pairs when the record names one of them), its personal fields (SPEC section 5, left
    out of the key) and whose key seals them.
    """

    STREAM: ClassVar[tuple]
    PERSONAL: ClassVar[tuple[str, ...]] = ()
    SEALED_FOR: ClassVar[CustomerOf | None] = None
    CLAIMS: ClassVar[dict[str, str]] = {}  # field -> namespace of values only one record may hold
    key: Annotated[str, BeforeValidator(check_key)] | None = None

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if cls.PERSONAL and cls.SEALED_FOR is None:
            raise TypeError(f"{cls.__name__} has personal fields but does not say whose key seals them")

    @classmethod
    def id_fields(cls) -> tuple[str, ...]:
        """The fields naming ids of the id index (typed `Id`)."""
        found = cls.__dict__.get("_id_fields")
        if found is None:
            found = tuple(name for name, info in cls.model_fields.items()
                          if any(isinstance(m, Indexed) for m in info.metadata) or _names_indexed(info.annotation))
            cls._id_fields = found
        return found

    def stream_of(self) -> tuple[str, str | None]:
        """The stream kind and id this record belongs to (the id is None for a stream of one, like `fund`)."""
        for kind, field in (self.STREAM if isinstance(self.STREAM[0], tuple) else (self.STREAM,)):
            if field is None:
                return kind, None
            if getattr(self, field) is not None:
                return kind, getattr(self, field)
        raise ValueError(f"{type(self).__name__} names no stream")

    @property
    def stream(self) -> str:
        kind, id_ = self.stream_of()
        return kind if id_ is None else f"{kind}:{id_}"


class Decision(Event):
    """A consequence the ledger derives from a record under a rule of the policy in force."""

    rule: str
    policy_version: str
    caused_by: str  # ref of the record that triggered it
    rests_on: tuple[str, ...] = ()  # refs of the other events the rule read


def _names_indexed(annotation: object) -> bool:
    if get_origin(annotation) is Annotated:
        return any(isinstance(m, Indexed) for m in annotation.__metadata__)
    return any(_names_indexed(arg) for arg in get_args(annotation))


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
    STREAM = ("sku", "sku")
    sku: Id
    quantity: Quantity


class StockCounted(Record):
    STREAM = ("sku", "sku")
    sku: Id
    quantity: Count


# -- orders --------------------------------------------------------------------------------------

class OrderRecord(Record):
    STREAM = ("order", "order_id")
    order_id: Id


class OrderPlaced(OrderRecord):
    PERSONAL = ("address", "phone", "buyer_name")
    SEALED_FOR = CustomerOf("customer_id")
    customer_id: CustomerId
    lines: Annotated[tuple[OrderLine, ...], Field(min_length=1, max_length=1000)]
    shipping_fee: Money
    address: Text
    phone: Phone
    payment: Literal["online", "bank_transfer"]
    buyer_name: Text | None = None  # the platform's name of an imported order's buyer (买家会员名, SPEC section 11)

    @model_validator(mode="after")
    def _total_within_limit(self) -> OrderPlaced:
        total = sum(line.quantity * line.unit_price for line in self.lines)
        if total > ORDER_TOTAL:
            raise ValueError(f'lines: an order\'s lines add up to at most "{ORDER_TOTAL}", these to "{total:.2f}"')
        return self


class AddressConfirmed(OrderRecord):
    pass


class OrderNoted(OrderRecord):
    PERSONAL = ("note",)
    SEALED_FOR = CustomerOf("order_id", via="order")
    note: Text


class OrderCancelled(OrderRecord):
    reason: Text


class DispatchDelayNotified(OrderRecord):
    reason: Text


class AddressChanged(OrderRecord):
    """改地址 (VO-2): the order's address and phone from now on; SH-3 asks for a confirmation after it."""

    PERSONAL = ("address", "phone")
    SEALED_FOR = CustomerOf("order_id", via="order")
    address: Text
    phone: Phone


# -- shipments -----------------------------------------------------------------------------------

class ParcelDispatched(Record):
    STREAM = ("shipment", "shipment_id")
    CLAIMS = {"tracking_no": "tracking"}  # SH-4: a tracking number is used once
    shipment_id: Id
    order_id: Id | None = None
    case_id: Id | None = None
    carrier: Name
    tracking_no: TrackingNo
    postage: Money
    lines: Lines

    @model_validator(mode="after")
    def _one_destination(self) -> ParcelDispatched:
        if (self.order_id is None) == (self.case_id is None):
            raise ValueError("a dispatch names exactly one of order_id and case_id")
        if self.order_id is not None and not self.tracking_no:
            raise ValueError("tracking_no: a dispatch to a buyer needs its tracking number")
        return self


class ParcelOutcome(Record):
    """What became of a parcel: delivered, returned to sender or lost; one of them, once."""

    STREAM = ("shipment", "shipment_id")
    shipment_id: Id


class ParcelDelivered(ParcelOutcome):
    pass


class ParcelReturnedToSender(ParcelOutcome):
    reason: Literal["refused_at_door", "intercepted", "undeliverable"]
    postage: Money  # what the carrier charges the shop for bringing it back


class ParcelLost(ParcelOutcome):
    pass


# -- after-sales cases ---------------------------------------------------------------------------

EXCHANGE_ONLY_REASONS = ("size", "colour", "style")
Reason = Literal["size", "colour", "style", "no_reason", "colour_difference", "quality", "wrong_item"]
Finding = Literal["quality_confirmed", "wrong_item_confirmed", "no_fault", "buyer_damage"]


class CaseRecord(Record):
    STREAM = ("case", "case_id")
    case_id: Id


class ReturnRequested(CaseRecord):
    order_id: Id
    kind: Literal["return", "exchange", "refund_only"]  # refund_only: 仅退款, the buyer keeps the goods
    reason: Reason
    lines: Lines

    @model_validator(mode="after")
    def _reason_fits_kind(self) -> ReturnRequested:
        if self.kind != "exchange" and self.reason in EXCHANGE_ONLY_REASONS:
            raise ValueError(f'reason "{self.reason}" is for exchanges only')
        return self


class ReturnWithdrawn(CaseRecord):
    """The buyer withdrew the case (the platform's 退款关闭): it takes no further records."""

    reason: Text


class ReturnParcelSent(CaseRecord):
    """The buyer sent the goods back (the platform's 买家已经退货): the parcel's tracking number, so that the
    clerk finds the case by it when the parcel arrives; nothing is decided until it is received."""

    tracking_no: TrackingNo
    carrier: Name | None = None


class ReturnParcelReceived(CaseRecord):
    tracking_no: TrackingNo
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


class RefundIssued(Record):
    """A case's refund, or a cancelled order's (OR-1)."""

    STREAM = (("case", "case_id"), ("order", "order_id"))
    case_id: Id | None = None
    order_id: Id | None = None
    amount: Money

    @model_validator(mode="after")
    def _one_subject(self) -> RefundIssued:
        if (self.order_id is None) == (self.case_id is None):
            raise ValueError("a refund names exactly one of case_id and order_id")
        return self


class PlatformRefunded(Record):
    """PF-1: the platform paid the buyer back out of the shop's takings (a case's refund, or an order's)."""

    STREAM = (("case", "case_id"), ("order", "order_id"))
    case_id: Id | None = None
    order_id: Id | None = None
    amount: Money
    refund_no: Name  # the platform's own number for the refund

    @model_validator(mode="after")
    def _one_subject(self) -> PlatformRefunded:
        if (self.order_id is None) == (self.case_id is None):
            raise ValueError("a platform's refund names exactly one of case_id and order_id")
        return self


# -- review disputes -----------------------------------------------------------------------------

class DisputeRecord(Record):
    STREAM = ("dispute", "dispute_id")
    dispute_id: Id


class ReviewPosted(DisputeRecord):
    PERSONAL = ("text",)
    SEALED_FOR = CustomerOf("order_id", via="order")  # a review belongs to its order's customer
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
    STREAM = ("policy", None)
    version: Name
    params: PolicyParams


# -- staff, complaints and the growth fund (SPEC section 9) -------------------------------------

class StaffWageSet(Record):
    STREAM = ("staff", "staff")
    staff: Name
    monthly_wage: Money


class StaffRecord(Record):
    """A staff account's records (SPEC section 14). An enrolment's and a role change's `role` is the
    account's, not the writer's: the writer is the signed-in supervisor (or, in the append that gives a store
    its first accounts, the supervisor `actor` names)."""

    STREAM = ("staff", "staff")
    staff: Name


class StaffEnrolled(StaffRecord):
    """An account; its password and tokens live outside the chain (`ledger/accounts.py`)."""


class StaffRoleChanged(StaffRecord):
    pass


class StaffLeft(StaffRecord):
    """The account can no longer sign in or append; its history stays."""


class ComplaintRecord(Record):
    STREAM = ("complaint", "complaint_id")
    complaint_id: Id


class ComplaintLodged(ComplaintRecord):
    PERSONAL = ("text",)
    SEALED_FOR = CustomerOf("customer_id")
    customer_id: CustomerId
    category: Literal["service", "quality", "logistics", "other"]
    order_id: Id | None = None
    against: Name | None = None
    text: Text


class ComplaintAnswered(ComplaintRecord):
    note: Text


class ComplaintRuled(ComplaintRecord):
    upheld: StrictBool
    note: Text


class ComplaintClosed(ComplaintRecord):
    feedback: Literal["satisfied", "unsatisfied", "no_answer"]


class FundSpent(Record):
    STREAM = ("fund", None)
    amount: Money
    purpose: Text


# -- performance targets (SPEC section 10) --------------------------------------------------------

class TargetSet(Record):
    """A sales and/or order-count target for a year, quarter or month; a later one for the period replaces it."""

    STREAM = ("target", None)
    period: Period
    sales: Money | None = None
    orders: Count | None = None

    @model_validator(mode="after")
    def _sets_something(self) -> TargetSet:
        if self.sales is None and self.orders is None:
            raise ValueError("a target gives sales, orders or both")
        return self


# -- records the ledger writes itself (SPEC sections 2 and 5); export carries them ----------------

class CustomerForgotten(Record):
    """`ledger forget`: the customer's data key was destroyed; their personal fields read "[erased]"."""

    STREAM = ("customer", "customer_id")
    customer_id: CustomerId
    reason: Text


class BackupTaken(Record):
    """`ledger backup`: a copy of the store was written to `path` when the chain's head was `head`."""

    STREAM = ("backups", None)
    path: Text
    head: Annotated[str, Field(pattern=r"^\d+:[0-9a-f]{64}$")]


class RecordVoided(Record):
    """`ledger void` (VO-1): the record whose key is `record` reads as never appended. It joins the voided
    record's stream, which its handler finds from the key."""

    STREAM = ("void", None)  # until its handler puts it on the voided record's stream
    record: Annotated[str, BeforeValidator(check_key)]
    reason: Text

    def stream_of(self) -> tuple[str, str | None]:
        if self.originator_id:
            kind, _, id_ = self.originator_id.partition(":")
            return kind, id_ or None
        return super().stream_of()


# -- decisions (SPEC section 3) ------------------------------------------------------------------

class DispatchDecision(Decision):
    order_id: str
    shipment_id: str
    due: DerivedTime
    address_confirmed: bool


class ShippedSameDay(DispatchDecision):
    pass


class ShippedLate(DispatchDecision):
    notified: bool


class WindowDecision(Decision):
    case_id: str
    order_id: str
    window_from: Time
    window_until: DerivedTime


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
    case_id: str | None = None
    order_id: str | None = None  # a cancelled order's refund (OR-1)
    amount: DerivedMoney


class ExchangeShipped(Decision):
    case_id: str
    shipment_id: str
    tracking_no: str
    postage: Money
    units: int


class NegativeReviewEscalated(Decision):
    dispute_id: str


class PenaltyAssessed(Decision):
    complaint_id: str
    staff: str
    month: str  # YYYY-MM, the local calendar month of the complaint's lodging
    nth: int
    amount: Money
    whole_wage: bool


class DecisionWithdrawn(Decision):
    """VO-1: the decision at `position` (of this stream) no longer holds after a void."""

    position: int


def subclasses(base: type) -> list[type]:
    """Every class below `base`, depth first."""
    return [cls for sub in base.__subclasses__() for cls in (sub, *subclasses(sub))]


DECISION_TYPES: dict[str, type[Decision]] = {cls.__name__: cls for cls in subclasses(Decision)}
