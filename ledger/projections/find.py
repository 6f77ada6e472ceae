"""What `ledger find` looks up beside the ids (SPEC section 15): the tracking numbers of dispatched parcels and
of returned ones (on their way back, or received), each as the clerk may type it (letter case and spaces do not
matter)."""
from __future__ import annotations

from typing import Any

import orjson

from ledger.messages import say, word
from ledger.projections import kpi
from ledger.projections.columns import JSON, Column, Table, registry

# one row per parcel that carries the number (a merged parcel's number names each of its shipments)
TRACKING = Table("view_find_tracking", (
    Column("term", key=True, index=True), Column("ref", key=True), Column("kind"), Column("id"),
    Column("stream"), Column("summary", JSON),  # [message key, its values]: said in the reader's language
), fields=())
TABLES = (TRACKING,)
HANDLERS, on = registry()
PREFIX = 4  # the fewest characters a prefix match takes
MOST = 50  # matches shown


def term(text: str) -> str:
    """A tracking number or id as it is looked up: upper case, without spaces."""
    return "".join(text.split()).upper()


@on("ParcelDispatched")
def dispatched(p, e: dict) -> None:
    if e["tracking_no"]:
        said = ["found_sent", {"carrier": e["carrier"], "tracking": e["tracking_no"], "order": e["order_id"]}] \
            if e.get("order_id") else ["found_reshipped", {"carrier": e["carrier"], "tracking": e["tracking_no"],
                                                          "case": e["case_id"]}]
        p.new(TRACKING, (term(e["tracking_no"]), e["ref"])).update(
            kind="shipment", id=e["shipment_id"], stream=f"shipment:{e['shipment_id']}", summary=said)


@on("ReturnParcelSent")
def sent_back(p, e: dict) -> None:
    p.row(TRACKING, (term(e["tracking_no"]), f"sent:{e['case_id']}")).update(
        kind="case", id=e["case_id"], stream=f"case:{e['case_id']}",
        summary=["found_sent_back", {"tracking": e["tracking_no"], "case": e["case_id"]}])


@on("ReturnParcelReceived")
def returned(p, e: dict) -> None:
    p.delete(TRACKING, (term(e["tracking_no"]), f"sent:{e['case_id']}"))  # on its way no more
    p.new(TRACKING, (term(e["tracking_no"]), e["ref"])).update(
        kind="case", id=e["case_id"], stream=f"case:{e['case_id']}",
        summary=["found_returned", {"tracking": e["tracking_no"], "case": e["case_id"], "method": e["method"]}])


def matches(cursor: Any, text: str, buyer: str | None = None) -> list[dict]:
    """Exact matches first (ids, staff names, tracking numbers, the orders of `buyer`: the customer id of the
    platform buyer TEXT names), then ids and tracking numbers that start with TEXT (at least PREFIX
    characters); MOST at most, each thing once."""
    wanted, exact_id = term(text), text.strip()
    found: dict[tuple[str, str], dict] = {}

    def add(kind: str, id_: str, stream: str, summary: str) -> None:
        if len(found) < MOST:
            found.setdefault((kind, id_), {"kind": kind, "id": id_, "stream": stream, "summary": summary})

    def ids(where: str, value: str) -> None:
        cursor.execute(f"SELECT id, kind, parent FROM ledger_ids WHERE {where} ORDER BY id LIMIT {MOST}", (value,))
        for id_, kind, parent in cursor.fetchall():
            add(kind, id_, f"{kind}:{id_}", say("found_of" if parent else "found_id", kind=word("kind", kind),
                                                id=id_, parent=parent))

    def tracking(where: str, value: str) -> None:
        cursor.execute(f"SELECT kind, id, stream, summary FROM {TRACKING.name} WHERE {where} ORDER BY term, ref "
                       f"LIMIT {MOST}", (value,))
        for kind, id_, stream, summary in cursor.fetchall():
            key, values = orjson.loads(summary)
            if "method" in values:
                values["method"] = word("method", values["method"])
            add(kind, id_, stream, say(key, **values))

    ids("id = ?", exact_id)
    cursor.execute(f"SELECT staff FROM {kpi.STAFF.name} WHERE staff = ?", (exact_id,))  # a wage or a penalty
    for (staff,) in cursor.fetchall():
        add("staff", staff, f"staff:{staff}", say("found_staff", name=staff))
    tracking("term = ?", wanted)
    if buyer is not None:
        cursor.execute(f"SELECT id FROM ledger_ids WHERE kind = 'order' AND parent = ? ORDER BY id LIMIT {MOST}",
                       (buyer,))
        for (order,) in cursor.fetchall():
            add("order", order, f"order:{order}", say("found_buyer", id=order, customer=buyer))
    if len(wanted) >= PREFIX:
        pattern = wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        ids("UPPER(id) LIKE ? ESCAPE '\\'", pattern)
        tracking("term LIKE ? ESCAPE '\\'", pattern)
    return list(found.values())
