"""Performance figures (业绩管理, SPEC section 10): sales, orders, average order value, refunds, returns,
same-day rate, breaches, satisfaction, complaints and penalties per local calendar period, against targets.

The projection keeps one row per fact with its time; the figures are folded per period when read, in the
shop's time zone and as of a time T, so that any grouping and any T come from the same rows.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
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
# an order's earliest-dated dispatch and SH-1's due, once the first dispatch was decided, and whether it was on
# time (SH-1, decided here so that the figures are sums of the rows)
DISPATCHES = Table("view_kpi_dispatches", (Column("order_id", key=True), Column("at", TIME), Column("due", TIME),
                                           Column("same_day", BOOL)))
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
            _on_time(row)


@on("ShippedSameDay", "ShippedLate")
def dispatch_decided(p, e: dict) -> None:
    row = p.row(DISPATCHES, e["order_id"])
    row["due"] = micros(datetime.fromisoformat(e["due"]))
    _on_time(row)


def _on_time(row: dict) -> None:
    if row["at"] is not None and row["due"] is not None:
        row["same_day"] = int(shipped_on_time(from_micros(row["at"]), from_micros(row["due"])))


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


def _quarter(column: str) -> str:
    """SQL of the quarter hour a stored time falls in, floored as Python's // is (before 1970 too)."""
    q = QUARTER_HOUR  # both stores divide integers towards zero
    return f"(CASE WHEN {column} >= 0 THEN {column} / {q} ELSE ({column} - {q - 1}) / {q} END)"


def report(cursor: Any, *, by: str, zone: tzinfo, first: date | None, last: date | None,
           breaches: Iterable[int], per_staff: bool, complaints_only: bool = False) -> dict[str, Any]:
    """`kpi --json`: one row per local period with something in it (per staff member and period with
    --staff), and the totals, over the whole history narrowed by `first` and `last` alone. `breaches` are
    the due times (as stored) of the SLA breaches as of `kpi --as-of`, the one figure that time sets.
    `complaints_only`: the complaint figures alone (the report's staff section), no other table read.

    The large tables are summed by the store per quarter hour (time zones move by quarter hours, so a quarter
    hour rarely straddles a local midnight; one that does is summed per time), and each sum goes to the local
    day and period of its quarter hour: a year's million facts come back as some 35,000 sums."""
    label = LABEL[by]
    rows: dict[tuple[str, str], Tally] = defaultdict(Tally)  # (period, staff or "") -> tally
    total = Tally()
    local_day: dict[int, tuple[date, str] | None] = {}  # quarter hour -> its local date and period

    def local(at: int) -> tuple[date, str]:
        moment = from_micros(at).astimezone(zone)
        return moment.date(), label(moment)

    def day_of_quarter(quarter: int) -> tuple[date, str] | None:
        """The local date and period of a quarter hour; None when it straddles a local midnight."""
        if quarter not in local_day:
            start, end = (from_micros(q).astimezone(zone) for q in (quarter * QUARTER_HOUR,
                                                                    (quarter + 1) * QUARTER_HOUR - 1))
            local_day[quarter] = (start.date(), label(start)) if start.date() == end.date() else None
        return local_day[quarter]

    def add(day: date, period: str, name: str, amount: int, staff: str = "") -> str | None:
        if (first and day < first) or (last and day > last):
            return None
        if not per_staff or staff:
            rows[period, staff].n[name] += amount
            total.n[name] += amount
        return period

    def count(at: int | None, name: str, amount: int = 1, staff: str = "") -> str | None:
        if at is None:
            return None
        found = day_of_quarter(at // QUARTER_HOUR)
        return add(*(found or local(at)), name, amount, staff)

    def summed(table: Table, at: str, figures: str, where: str = "", group: str = "") -> Iterator[tuple]:
        """(local date, period, the `group` column's value or "", the figures' sums) per quarter hour of `at`,
        or per time in a quarter hour that straddles a local midnight."""
        if complaints_only:
            return
        grouped = f", {group}" if group else ""
        condition = f"{at} IS NOT NULL" + (f" AND {where}" if where else "")
        cursor.execute(f"SELECT {_quarter(at)} AS quarter{grouped}, {figures} FROM {table.name} "
                       f"WHERE {condition} GROUP BY quarter{grouped}")
        straddling = []
        for quarter, *found in cursor.fetchall():
            day = day_of_quarter(quarter)
            if day is None:
                straddling.append(quarter)
                continue
            yield (*day, found[0] if group else "", found[1:] if group else found)
        for quarter in straddling:
            cursor.execute(f"SELECT {at} AS moment{grouped}, {figures} FROM {table.name} WHERE {condition} "
                           f"AND {at} >= ? AND {at} < ? GROUP BY moment{grouped}",
                           (quarter * QUARTER_HOUR, (quarter + 1) * QUARTER_HOUR))
            for moment, *found in cursor.fetchall():
                yield (*local(moment), found[0] if group else "", found[1:] if group else found)

    if per_staff:  # what each person entered, cancelled or not
        for day, period, actor, (orders,) in summed(ORDERS, "placed_at", "COUNT(*)", group="actor"):
            add(day, period, "orders", orders, actor)
    for day, period, _, (orders, sales) in () if per_staff else summed(
            ORDERS, "placed_at", "COUNT(*), SUM(sales)", "cancelled_at IS NULL"):
        add(day, period, "orders", orders)
        add(day, period, "sales", sales)
    for day, period, _, (refunds,) in summed(REFUNDS, "at", "SUM(amount)"):
        add(day, period, "refunds", refunds)
    for day, period, _, (cases, accepted) in summed(CASES, "at", "COUNT(*), SUM(accepted)"):
        add(day, period, "cases", cases)
        add(day, period, "accepted", accepted)
    for day, period, _, (dispatches, same_day) in summed(DISPATCHES, "at", "COUNT(*), SUM(same_day)",
                                                         "due IS NOT NULL"):
        add(day, period, "dispatches", dispatches)
        add(day, period, "same_day", same_day)
    for due in () if complaints_only else breaches:
        count(due, "breaches")
    for day, period, rating, (reviews,) in summed(REVIEWS, "at", "COUNT(*)", group="rating"):
        if add(day, period, "review", reviews) is not None and not per_staff:
            rows[period, ""].reviews[rating] += reviews
            total.reviews[rating] += reviews
    for contact in () if complaints_only else CONTACTS.each(cursor):
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
