"""Performance figures (业绩管理, SPEC section 10): sales, orders, average order value, refunds, returns,
same-day rate, breaches, satisfaction, complaints and penalties per local calendar period, against targets.

The projection keeps one row per fact with its time; the figures are folded per period when read, in the
shop's time zone and as of a time T, so that any grouping and any T come from the same rows.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ledger.projections.columns import BOOL, INT, MONEY, TIME, Column, Table, registry
from ledger.rules import shipped_on_time
from ledger.values import cents_of, from_micros, micros, money

ORDERS = Table("view_kpi_orders", (Column("order_id", key=True), Column("placed_at", TIME), Column("actor"),
                                   Column("sales", MONEY), Column("cancelled_at", TIME)))
REFUNDS = Table("view_kpi_refunds", (Column("ref", key=True), Column("at", TIME), Column("amount", MONEY)), fields=())
CASES = Table("view_kpi_cases", (Column("case_id", key=True), Column("at", TIME), Column("accepted", BOOL)))
# an order's earliest-dated dispatch and SH-1's due, once the first dispatch was decided
DISPATCHES = Table("view_kpi_dispatches", (Column("order_id", key=True), Column("at", TIME), Column("due", TIME)))
REVIEWS = Table("view_kpi_reviews", (Column("dispute_id", key=True), Column("at", TIME), Column("rating")))
CONTACTS = Table("view_kpi_contacts", (Column("ref", key=True), Column("at", TIME), Column("actor"),
                                       Column("dispute_id")), fields=())
COMPLAINTS = Table("view_kpi_complaints", (
    Column("complaint_id", key=True), Column("at", TIME), Column("against"),
    Column("upheld", BOOL), Column("penalised_at", TIME), Column("penalty", MONEY)))
STAFF = Table("view_kpi_staff", (Column("staff", key=True),))
TARGETS = Table("view_kpi_targets", (Column("period", key=True), Column("sales", MONEY, optional=True),
                                     Column("orders", INT, optional=True)))
TABLES = (ORDERS, REFUNDS, CASES, DISPATCHES, REVIEWS, CONTACTS, COMPLAINTS, STAFF, TARGETS)
HANDLERS, on = registry()


@on("OrderPlaced")
def placed(p, e: dict) -> None:
    p.new(ORDERS, e["order_id"]).update(
        placed_at=micros(e["at"]), actor=e["actor"],
        sales=sum(cents_of(line["unit_price"]) * line["quantity"] for line in e["lines"]))


@on("OrderCancelled")
def cancelled(p, e: dict) -> None:
    p.row(ORDERS, e["order_id"])["cancelled_at"] = micros(e["at"])


@on("RefundIssued", "PlatformRefunded")  # PF-1: counted once, whoever paid it
def refunded(p, e: dict) -> None:
    p.new(REFUNDS, e["ref"]).update(at=micros(e["at"]), amount=cents_of(e["amount"]))


@on("ReturnRequested")
def requested(p, e: dict) -> None:
    p.new(CASES, e["case_id"])["at"] = micros(e["at"])


@on("ReturnAccepted")
def accepted(p, e: dict) -> None:
    p.row(CASES, e["case_id"])["accepted"] = 1


@on("ParcelDispatched")
def dispatched(p, e: dict) -> None:
    if e.get("order_id") is not None:
        row, at = p.row(DISPATCHES, e["order_id"]), micros(e["at"])
        if row["at"] is None or at < row["at"]:
            row["at"] = at


@on("ShippedSameDay", "ShippedLate")
def dispatch_decided(p, e: dict) -> None:
    p.row(DISPATCHES, e["order_id"])["due"] = micros(datetime.fromisoformat(e["due"]))


@on("ReviewPosted")
def reviewed(p, e: dict) -> None:
    p.new(REVIEWS, e["dispute_id"]).update(at=micros(e["at"]), rating=e["rating"])


@on("BuyerContacted")
def contacted(p, e: dict) -> None:
    p.new(CONTACTS, e["ref"]).update(at=micros(e["at"]), actor=e["actor"], dispute_id=e["dispute_id"])


@on("ComplaintLodged")
def lodged(p, e: dict) -> None:
    p.new(COMPLAINTS, e["complaint_id"]).update(at=micros(e["at"]), against=e.get("against"))


@on("ComplaintRuled")
def ruled(p, e: dict) -> None:
    p.row(COMPLAINTS, e["complaint_id"]).update(upheld=int(e["upheld"]))


@on("PenaltyAssessed")
def penalised(p, e: dict) -> None:
    p.row(COMPLAINTS, e["complaint_id"]).update(penalised_at=micros(e["at"]), penalty=cents_of(e["amount"]))


@on("StaffWageSet")
def wage_set(p, e: dict) -> None:
    p.row(STAFF, e["staff"])


@on("TargetSet")
def target_set(p, e: dict) -> None:
    """A later target for the same period replaces it, keys it does not give included."""
    p.row(TARGETS, e["period"]).update(sales=cents_of(e["sales"]) if "sales" in e else None, orders=e.get("orders"))


# -- the figures ------------------------------------------------------------------------------------

BY = ("day", "week", "month", "quarter", "year")
QUARTER_HOUR = 15 * 60 * 1_000_000  # in microseconds, as times are stored
LABEL: dict[str, Callable[[datetime], str]] = {
    "day": lambda d: d.strftime("%Y-%m-%d"),
    "week": lambda d: f"{d.isocalendar().year}-W{d.isocalendar().week:02d}",  # weeks start on Monday
    "month": lambda d: d.strftime("%Y-%m"),
    "quarter": lambda d: f"{d.year}-Q{(d.month - 1) // 3 + 1}",
    "year": lambda d: f"{d.year}",
}
FIGURES = ("orders", "sales", "aov", "refunds", "cases", "return_rate", "same_day_rate", "breaches", "reviews",
           "satisfaction", "complaints", "upheld", "penalties", "target_sales", "target_orders", "achieved")
STAFF_FIGURES = ("orders", "disputes_contacted", "complaints_upheld", "penalties")


def ratio(part: int | Decimal, whole: int | Decimal) -> float | None:
    """Half up to 4 places (1/32 is 0.0313); None on an empty denominator."""
    if not whole:
        return None
    return float((Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


class Tally:
    """The counts of one period (or of all of them)."""

    def __init__(self) -> None:
        self.n: dict[str, int] = defaultdict(int)
        self.reviews = {"positive": 0, "neutral": 0, "negative": 0}
        self.contacted: set[str] = set()

    def figures(self, target: dict | None) -> dict[str, Any]:
        n = self.n
        aov = (Decimal(n["sales"]) / n["orders"]).quantize(Decimal("1"), rounding=ROUND_HALF_UP) if n["orders"] \
            else None
        target_sales = target["sales"] if target and target["sales"] is not None else None
        return {"orders": n["orders"], "sales": money(n["sales"]), "aov": money(int(aov)) if aov is not None else None,
                "refunds": money(n["refunds"]), "cases": n["cases"], "return_rate": ratio(n["accepted"], n["orders"]),
                "same_day_rate": ratio(n["same_day"], n["dispatches"]), "breaches": n["breaches"],
                "reviews": dict(self.reviews),
                "satisfaction": ratio(self.reviews["positive"], sum(self.reviews.values())),
                "complaints": n["complaints"], "upheld": n["upheld"], "penalties": money(n["penalties"]),
                "target_sales": money(target_sales) if target_sales is not None else None,
                "target_orders": target["orders"] if target else None,
                "achieved": ratio(n["sales"], target_sales) if target_sales else None}

    def staff_figures(self) -> dict[str, Any]:
        return {"orders": self.n["orders"], "disputes_contacted": len(self.contacted),
                "complaints_upheld": self.n["upheld"], "penalties": money(self.n["penalties"])}


def sales_between(cursor: Any, start: int, end: int) -> tuple[int, int]:
    """The orders kept placed in [start, end) (micros) and their sales (cents): what `report` counts for a
    day, read from the rows of that day alone."""
    cursor.execute(f"SELECT COUNT(*), COALESCE(SUM(sales), 0) FROM {ORDERS.name} "
                   "WHERE cancelled_at IS NULL AND placed_at >= ? AND placed_at < ?", (start, end))
    orders, sales = cursor.fetchone()
    return int(orders), int(sales)


def report(cursor: Any, *, by: str, zone: tzinfo, first: date | None, last: date | None,
           breaches: Iterable[int], per_staff: bool, complaints_only: bool = False) -> dict[str, Any]:
    """`kpi --json`: one row per local period with something in it (per staff member and period with
    --staff), and the totals, over the whole history narrowed by `first` and `last` alone. `breaches` are
    the due times (as stored) of the SLA breaches as of `kpi --as-of`, the one figure that time sets.
    `complaints_only`: the complaint figures alone (the report's staff section), no other table read."""
    label = LABEL[by]

    def each(table: Any) -> Iterable[dict]:
        return () if complaints_only else table.each(cursor)
    rows: dict[tuple[str, str], Tally] = defaultdict(Tally)  # (period, staff or "") -> tally
    total = Tally()
    local_day: dict[int, tuple[date, str]] = {}  # quarter hour -> its local date and period

    def day_of(at: int) -> tuple[date, str]:
        """A time's local date and period, worked out once a quarter hour (a year's million facts fall in
        some 35,000): time zones move by quarter hours, so one rarely straddles a local midnight, and one
        that does is worked out for each time."""
        quarter = at // QUARTER_HOUR
        found = local_day.get(quarter)
        if found is None:
            start, end = (from_micros(q).astimezone(zone) for q in (quarter * QUARTER_HOUR,
                                                                    (quarter + 1) * QUARTER_HOUR - 1))
            if start.date() != end.date():
                local = from_micros(at).astimezone(zone)
                return local.date(), label(local)
            found = local_day[quarter] = start.date(), label(start)
        return found

    def count(at: int | None, name: str, amount: int = 1, staff: str = "") -> str | None:
        if at is None:
            return None
        day, period = day_of(at)
        if (first and day < first) or (last and day > last):
            return None
        if not per_staff or staff:
            rows[period, staff].n[name] += amount
            total.n[name] += amount
        return period

    for order in each(ORDERS):
        if per_staff:  # what each person entered, cancelled or not
            count(order["placed_at"], "orders", staff=order["actor"])
        elif order["cancelled_at"] is None:
            count(order["placed_at"], "orders")
            count(order["placed_at"], "sales", order["sales"])
    for refund in each(REFUNDS):
        count(refund["at"], "refunds", refund["amount"])
    for case in each(CASES):
        count(case["at"], "cases")
        if case["accepted"]:
            count(case["at"], "accepted")
    for dispatch in each(DISPATCHES):
        if dispatch["due"] is not None:
            count(dispatch["at"], "dispatches")
            if shipped_on_time(from_micros(dispatch["at"]), from_micros(dispatch["due"])):
                count(dispatch["at"], "same_day")
    for due in () if complaints_only else breaches:
        count(due, "breaches")
    for review in each(REVIEWS):
        period = count(review["at"], "review")
        if period is not None and not per_staff:
            rows[period, ""].reviews[review["rating"]] += 1
            total.reviews[review["rating"]] += 1
    for contact in each(CONTACTS):
        period = count(contact["at"], "contact", staff=contact["actor"] if per_staff else "")
        if period is not None and per_staff:
            rows[period, contact["actor"]].contacted.add(contact["dispute_id"])
            total.contacted.add(f"{contact['actor']}:{contact['dispute_id']}")
    for complaint in COMPLAINTS.each(cursor):
        staff = (complaint["against"] or "") if per_staff else ""
        count(complaint["at"], "complaints")
        if complaint["upheld"]:
            count(complaint["at"], "upheld", staff=staff)
        if complaint["penalised_at"] is not None:
            count(complaint["at"], "penalties", complaint["penalty"], staff=staff)
    periods = sorted({period for period, _ in rows})
    if per_staff:
        people = sorted({staff for _, staff in rows if staff} | {row["staff"] for row in STAFF.each(cursor)})
        found = [{"period": period, "staff": person, **rows[period, person].staff_figures()}
                 for period in periods for person in people]
        return {"by": by, "rows": found, "totals": total.staff_figures()}
    targets = {row["period"]: row for row in TARGETS.each(cursor)}
    return {"by": by, "rows": [{"period": period, **rows[period, ""].figures(targets.get(period))}
                               for period in periods],
            "totals": total.figures(None)}
