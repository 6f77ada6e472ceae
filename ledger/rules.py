"""The shop's rules (SPEC section 4), each under its ID, as small pure functions.

`grep -n "SH-1" ledger/rules.py` lands on the code of rule SH-1. Nothing else in
the package writes a rule ID: aggregates call these functions and cite the
`rule` they carry. A refusal is raised as `Refused(rule, reason)`; `REF` marks
the refusals of section 4 that no single rule owns (unknown or reused ids and
the like).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from ledger.values import ZERO

if TYPE_CHECKING:
    from ledger.policy import Policy

F = TypeVar("F", bound=Callable)

REF = "REF"


class Refused(Exception):
    """A record the rules do not allow; nothing of its file is stored."""

    def __init__(self, rule: str, reason: str):
        super().__init__(f"{rule}: {reason}")
        self.rule = rule
        self.reason = reason


def rule(rule_id: str) -> Callable[[F], F]:
    def cite(function: F) -> F:
        function.rule = rule_id  # type: ignore[attr-defined]
        return function

    return cite


def refuse(reason: str) -> Refused:
    return Refused(REF, reason)


def check_not_before(record: Any, cause: Any, what: str) -> None:
    """SPEC section 2: no record may be dated before what it follows from."""
    if record.at < cause.at:
        raise refuse(f"{type(record).__name__} at {record.at.isoformat()} is dated before {what} was "
                     f"{OPENED.get(type(cause).__name__, 'recorded')} ({cause.at.isoformat()})")


OPENED = {"OrderPlaced": "placed", "ParcelDispatched": "dispatched", "ReturnRequested": "requested",
          "ReviewPosted": "posted", "ComplaintLodged": "lodged"}


def met(done_at: datetime | None, due: datetime) -> bool:
    """Deadlines in hours are met at or before `due`."""
    return done_at is not None and done_at <= due


def excused(notices: Iterable[datetime], due: datetime) -> bool:
    """SH-2 and AS-2: a delay told to the buyer before the deadline excuses it."""
    return any(notice < due for notice in notices)


# SH-1 当天件当天发 ------------------------------------------------------------------------------

@rule("SH-1")
def dispatch_due(placed_at: datetime, policy: Policy) -> datetime:
    """Local midnight ending the order's day, or the next day when placed at or after the cutoff."""
    local = placed_at.astimezone(policy.zone)
    days = 1 if local.time().replace(tzinfo=None) < policy.cutoff else 2
    return datetime.combine(local.date() + timedelta(days=days), datetime.min.time(), policy.zone)


@rule("SH-1")
def shipped_on_time(dispatched_at: datetime, due: datetime) -> bool:
    """SH-1's `due` is exclusive: a dispatch at midnight is late."""
    return dispatched_at < due


# SH-2 如有特殊情况必须告诉客服 -------------------------------------------------------------------

@rule("SH-2")
def dispatch_delay_excused(notices: Iterable[datetime], due: datetime) -> bool:
    return excused(notices, due)


# SH-3 请顾客核实收货地址及手机号码 ----------------------------------------------------------------

@rule("SH-3")
def address_confirmed(confirmations: Iterable[datetime], dispatched_at: datetime,
                      changes: Iterable[datetime] = ()) -> bool:
    """A confirmation by the dispatch counts when no address change (VO-2) came after it by then."""
    changed = max((at for at in changes if at <= dispatched_at), default=None)
    return any(confirmed <= dispatched_at and (changed is None or confirmed >= changed)
               for confirmed in confirmations)


# SH-4 避免重发多发 ----------------------------------------------------------------------------

@rule("SH-4")
def check_tracking_unused(dispatch: Any, used_by: Any | None) -> None:
    """A tracking number is used once (without regard to letter case), except by a parcel that carries
    several orders at once (合并发货): dispatches of different orders with the same number, carrier and time.
    `used_by` is the earlier dispatch of the number, if any."""
    if used_by is None:
        return
    merged = (dispatch.order_id is not None and used_by.order_id is not None and dispatch.order_id != used_by.order_id
              and dispatch.carrier == used_by.carrier and dispatch.at == used_by.at)
    if not merged:
        raise Refused("SH-4", f'tracking number "{dispatch.tracking_no}" was already used by shipment '
                              f"{used_by.shipment_id}")


@rule("SH-4")
def check_order_dispatch(order_id: str, wanted: dict[str, int], unshipped: dict[str, int]) -> None:
    for sku, quantity in wanted.items():
        left = unshipped.get(sku, 0)
        if quantity > left:
            raise Refused("SH-4", f"order {order_id} has {left} unshipped unit(s) of {sku}, dispatch sends {quantity}")


@rule("SH-4")
def check_replacement_dispatch(case_id: str, units: int, case_units: int, reshipped: int) -> None:
    if reshipped + units > case_units:
        raise Refused(
            "SH-4",
            f"exchange {case_id} covers {case_units} unit(s), {reshipped} already reshipped, dispatch sends {units}",
        )


# AS-1, AS-3, RT-4, RT-5: who pays a case's postage by the reason claimed ------------------------

PAYER_BY_REASON = {
    # (kind, reason): (payer, rule)
    ("exchange", "size"): ("buyer", "AS-1"),  # 更换颜色,码数,款式 买方承担双程运费
    ("exchange", "colour"): ("buyer", "AS-1"),
    ("exchange", "style"): ("buyer", "AS-1"),
    ("exchange", "no_reason"): ("buyer", "AS-1"),
    ("exchange", "quality"): ("shop", "AS-3"),  # 质量问题,或货不对板,我方承担运费
    ("exchange", "wrong_item"): ("shop", "AS-3"),
    ("return", "quality"): ("shop", "AS-3"),
    ("return", "wrong_item"): ("shop", "AS-3"),
    ("exchange", "colour_difference"): ("buyer", "RT-4"),  # 色差问题不属于质量问题
    ("return", "colour_difference"): ("buyer", "RT-4"),
    ("return", "no_reason"): ("buyer", "RT-5"),  # 七天无理由退换货
    # 仅退款 (section 11): the outbound leg only, by the same reasons
    ("refund_only", "quality"): ("shop", "AS-3"),
    ("refund_only", "wrong_item"): ("shop", "AS-3"),
    ("refund_only", "colour_difference"): ("buyer", "RT-4"),
    ("refund_only", "no_reason"): ("buyer", "RT-5"),
}


def payer_on_acceptance(kind: str, reason: str) -> tuple[str, str]:
    return PAYER_BY_REASON[kind, reason]


# AS-2 货到后要尽快换发,如要延缓,必须事先通知买家 ------------------------------------------------

@rule("AS-2")
def reship_due(started_at: datetime, policy: Policy) -> datetime:
    """From the accepted returned parcel, or from the ruling when the case was escalated."""
    return started_at + timedelta(hours=policy.exchange_reship_hours)


@rule("AS-2")
def reship_delay_excused(notices: Iterable[datetime], due: datetime) -> bool:
    return excused(notices, due)


# AS-4 所有到付件和平邮件一律拒签 (到付件分情况处理) ----------------------------------------------

@rule("AS-4")
def parcel_refused(method: str, policy: Policy, supervisor_let_in: bool) -> bool:
    if method not in policy.refused_return_methods:
        return False
    return not (method == "freight_collect" and supervisor_let_in)


# AS-6 有效期为7天,过期不候 ----------------------------------------------------------------------

@rule("AS-6")
def return_window_until(started_at: datetime, policy: Policy) -> datetime:
    """Counted from the first delivery, or the first dispatch when no delivery is recorded."""
    return started_at + timedelta(days=policy.return_window_days)


@rule("AS-6")
def within_window(requested_at: datetime, until: datetime) -> bool:
    return requested_at <= until


# AS-7 换货后要备注发货单号 -----------------------------------------------------------------------

@rule("AS-7")
def check_replacement_tracked(case_id: str, tracking_no: str) -> None:
    if not tracking_no.strip():
        raise Refused("AS-7", f"the replacement for exchange {case_id} has no tracking number")


# RT-1, RT-2, RT-3: the inspection finding decides the payer, whatever was claimed ---------------

PAYER_BY_FINDING = {
    "quality_confirmed": ("shop", "RT-1"),  # 质量问题 核实通过后 全额退款
    "buyer_damage": ("pending", "RT-1"),  # 人为因素 报告主管
    "wrong_item_confirmed": ("shop", "RT-2"),  # 货不对板 我方承担运费
    "no_fault": ("buyer", "RT-3"),  # 商品没任何问题 运费双程自理
}


def payer_on_finding(finding: str) -> tuple[str, str]:
    return PAYER_BY_FINDING[finding]


@rule("RT-1")  # 核实通过后 全额退款: the inspection that decides the refund
def refund_on_finding(finding: str, kind: str) -> bool:
    """A return's goods value is refunded unless a supervisor has to rule first."""
    return kind == "return" and finding != "buyer_damage"


def goods_value(lines: Iterable[tuple[str, int]], prices: dict[str, Decimal]) -> Decimal:
    return sum((prices[sku] * quantity for sku, quantity in lines), Decimal("0.00"))


# RV-1 尽快与买家协商 ---------------------------------------------------------------------------

@rule("RV-1")
def contact_due(reviewed_at: datetime, policy: Policy) -> datetime:
    return reviewed_at + timedelta(hours=policy.review_contact_hours)


def opens_dispute(rating: str) -> bool:
    return rating != "positive"


# RV-3 无法与买家协商一致的,及时报告主管 -----------------------------------------------------------

@rule("RV-3")
def resolve_due(reviewed_at: datetime, policy: Policy) -> datetime:
    return reviewed_at + timedelta(hours=policy.review_resolve_hours)


ESCALATION = "RV-3"  # NegotiationFailed emits NegativeReviewEscalated


# ST-1 宝贝数量低于10件 --------------------------------------------------------------------------

@rule("ST-1")
def is_low(available: int, policy: Policy) -> bool:
    return available < policy.low_stock_threshold


# CP-1 及时响应客户投诉 -------------------------------------------------------------------------

@rule("CP-1")
def complaint_response_due(lodged_at: datetime, policy: Policy) -> datetime:
    return lodged_at + timedelta(hours=policy.complaint_response_hours)


# CP-2 分类、登记、处理、反馈 ----------------------------------------------------------------------

@rule("CP-2")
def complaint_resolution_due(lodged_at: datetime, policy: Policy) -> datetime:
    return lodged_at + timedelta(hours=policy.complaint_resolve_hours)


def check_complaint_ruled(complaint_id: str, ruled: bool) -> None:
    """CP-2: a complaint is closed only after it is ruled."""
    if not ruled:
        raise refuse(f"complaint {complaint_id} has not been ruled; it is closed only after a ruling")


# ST-2 一个自然月内因服务原因收到买家投诉,一次罚款50元,第二次翻倍,三次以上工资全部扣除 ----------------------

def penalty_month(lodged_at: datetime, policy: Policy) -> str:
    """The shop's local calendar month of the complaint's lodging (一个自然月)."""
    return lodged_at.astimezone(policy.zone).strftime("%Y-%m")


@rule("ST-2")
def penalty(nth: int, wage: Decimal, earlier: Decimal, policy: Policy) -> tuple[Decimal, bool]:
    """The nth upheld service complaint of a month costs penalty_first, then twice that, then the rest of the
    month's wage (whole_wage); never below 0.00, and never past penalty_monthly_cap for the month."""
    whole_wage = nth >= 3
    if nth == 1:
        amount = policy.penalty_first
    elif nth == 2:
        amount = policy.penalty_first * 2
    else:
        amount = wage - earlier
    if policy.penalty_monthly_cap is not None:
        amount = min(amount, policy.penalty_monthly_cap - earlier)
    return max(amount, ZERO), whole_wage


def penalised(category: str, upheld: bool, against: str | None) -> bool:
    """ST-2 applies to an upheld `service` complaint against a staff member; against nobody costs nobody."""
    return upheld and category == "service" and against is not None


# ST-3 所有罚款存入部门成长基金箱,透明操作,作为部门活动经费 -----------------------------------------------

@rule("ST-3")
def check_fund_balance(amount: Decimal, balance: Decimal) -> None:
    if amount > balance:
        raise Refused("ST-3", f"the growth fund holds {balance:.2f}; spending {amount:.2f} is refused")


# OR-1 交易关闭: the buyer paid for what never reached them ---------------------------------------

@rule("OR-1")
def cancellation_refund(lines: Iterable, shipping_fee: Decimal) -> Decimal:
    """A cancelled order owes the buyer all they paid: its lines' goods value plus its shipping fee."""
    return sum((line.unit_price * line.quantity for line in lines), Decimal("0.00")) + shipping_fee


# PF-1 平台退款: what the platform paid back is paid, and approved ---------------------------------

@rule("PF-1")
def platform_approval(approved: Decimal, platform_paid: Decimal) -> Decimal | None:
    """The refund approved once the platform has paid `platform_paid` in all: at least that (None: the approved
    refund covers it already)."""
    return platform_paid if platform_paid > approved else None


def check_refund_approved(subject: str, amount: Decimal, approved: Decimal, refunded: Decimal) -> None:
    """Refused (REF): a refund above the approved refund not yet refunded."""
    outstanding = approved - refunded
    if amount > outstanding:
        raise refuse(f"{subject} has {outstanding:.2f} approved and not yet refunded; refund of {amount:.2f} refused")


# AU-1 重大纠纷问题需申报主管处理 ------------------------------------------------------------------

# what only a supervisor appends (AU-1, and AU-3's CustomerForgotten): the desk offers their forms to supervisors
# alone, and its API answers 403 for them before the aggregates, which check each, would refuse them
SUPERVISOR_RECORDS = frozenset({"SupervisorRuled", "ComplaintRuled", "PolicyAdopted", "StaffWageSet", "TargetSet",
                                "FundSpent", "StaffEnrolled", "StaffRoleChanged", "StaffLeft", "CustomerForgotten"})


@rule("AU-1")
def check_supervisor(record_type: str, role: str) -> None:
    if role != "supervisor":
        raise Refused("AU-1", f"{record_type} is accepted only from a supervisor, not from {role}")


@rule("AU-1")
def check_ruled_before_reship(case_id: str, escalated: bool, ruled: bool) -> None:
    if escalated and not ruled:
        raise Refused("AU-1", f"exchange {case_id} is escalated; no replacement before the supervisor rules")


RULING = "AU-1"  # a ruling's payer and refund are decisions citing AU-1


# AU-2 子账号, 责任到人 ---------------------------------------------------------------------------

STAFF_RECORDS = ("StaffEnrolled", "StaffRoleChanged")  # their `role` is the account's, not the writer's
IMPORTER_PREFIXES = ("taobao:",)  # keys only an import (a `system` account) writes


@rule("AU-2")
def signed(record: dict, name: str, role: str, left: bool) -> dict:
    """A record as the signed-in account appends it: its `actor` and `role` filled in from the account, or
    refused when they name another (a staff record's `role` is the account's it enrols, not its writer's)."""
    if left:
        raise Refused("AU-2", f"the account {name} has left; it can no longer append")
    given = record.get("actor")
    if given is not None and given != name:
        raise Refused("AU-2", f"signed in as {name}, the record says actor {given}")
    own_role = record.get("type") not in STAFF_RECORDS
    if own_role and record.get("role") is not None and record["role"] != role:
        raise Refused("AU-2", f"{name} is {role}, the record says role {record['role']}")
    return {**record, "actor": name, **({"role": role} if own_role else {})}


# AU-3 客户信息保护 -------------------------------------------------------------------------------

@rule("AU-3")
def check_may_forget(role: str) -> None:
    if role != "supervisor":
        raise Refused("AU-3", f"in a store with accounts only a supervisor forgets a customer, not {role}")


# AU-4 如实记录 -----------------------------------------------------------------------------------

# the records that excuse or meet a deadline: AU-4 counts them from when they were entered, when late
WITNESSED = ("DispatchDelayNotified", "ExchangeDelayNotified", "BuyerContacted", "ComplaintAnswered")


@rule("AU-4")
def counted_at(at: datetime, recorded: datetime, role: str, signed_in: bool | None) -> datetime:
    """When a record that excuses or meets a deadline counts: its `at`, unless an account other than a
    supervisor's entered it later than that, when it counts from its entry (so a backdated excuse entered
    after its deadline passed excuses nothing, and the breach stands)."""
    if not signed_in or role == "supervisor":
        return at
    return max(at, recorded)


@rule("AU-4")
def counted_from(record_type: str, at: datetime, state: dict) -> datetime:
    """`counted_at` of a stored record's state (its `timestamp` as stored): what the views and the timeline
    read."""
    if record_type not in WITNESSED or not state.get("signed_in"):
        return at
    return counted_at(at, datetime.fromisoformat(state["timestamp"]), state["role"], True)


@rule("AU-4")
def check_importer_key(key: str, role: str) -> None:
    if key.startswith(IMPORTER_PREFIXES) and role != "system":
        raise Refused("AU-4", f"key {key} is an importer's; only a system account writes it")


# CP-3 利益冲突 -----------------------------------------------------------------------------------

@rule("CP-3")
def check_not_against_oneself(actor: str, against: str | None, doing: str) -> None:
    if against is not None and actor == against:
        raise Refused("CP-3", f"{actor} cannot {doing} a complaint against themself")


# VO-1 差错更正 ---------------------------------------------------------------------------------

VOID = "VO-1"  # a withdrawal cites VO-1; a void some later record rests on is refused under it
KEY = "KEY"  # a record under a stored key with other values (section 13)


@rule("AU-1")
def check_may_void(actor: str, appended_by: str, role: str, position: int) -> None:
    """A record is voided by whoever appended it, or by a supervisor."""
    if actor != appended_by and role != "supervisor":
        raise Refused("AU-1", f"record {position} was appended by {appended_by}; only they or a supervisor "
                              f"may void it, not {actor} ({role})")


# VO-2 改地址 -----------------------------------------------------------------------------------

@rule("VO-2")
def check_address_changeable(order_id: str, parcels_out: int) -> None:
    if parcels_out:
        raise refuse(f"order {order_id} has {parcels_out} parcel(s) on the way or delivered; "
                     "its address can no longer change")
