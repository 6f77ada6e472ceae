"""The questions the command line and the desk both ask of the views, each answered as its command's JSON
(SPEC sections 8 and 15): one place for the filters, so that `ledger due --json` and `GET /api/due` (and the
待办 page) never part."""
from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, time, timedelta
from typing import Any

from ledger.messages import say
from ledger.values import micros, quote

DEFAULT_IDS = {"order": "O-1001", "shipment": "S-1001", "case": "C-1001", "dispute": "D-1001", "complaint": "K-1001"}
SHOP_ID = re.compile(r"([A-Za-z]+-?)(\d+)")  # the shop's own ids: letters, a dash, digits (not a platform's)


class BadQuery(ValueError):
    """An option the question cannot take (exit 2, HTTP 422); the message names it."""


def due_report(reader: Any, at: datetime, within: str | None = None, roles: tuple[str, ...] = (),
               kinds: tuple[str, ...] = ()) -> dict:
    """`due --json`: the items at `at`, of these roles and kinds (all when empty), due within `within`."""
    from ledger.projections import due as due_view
    from ledger.words import role_of

    unknown = [kind for kind in kinds if kind not in due_view.KINDS]
    if unknown:
        raise BadQuery(say("unknown_kind", kind=quote(unknown[0]), kinds=", ".join(due_view.KINDS)))
    try:
        horizon = at + due_view.parse_within(within) if within else None
    except ValueError as error:
        raise BadQuery(str(error)) from None
    wanted_roles = {role_of(role) for role in roles}
    items = [item for item in reader.due(at)
             if (not kinds or item["kind"] in kinds) and (not wanted_roles or item["role"] in wanted_roles)
             and (horizon is None or (item["due"] is not None and datetime.fromisoformat(item["due"]) <= horizon))]
    counted = Counter(item["kind"] for item in items)
    return {"as_of": at.astimezone(reader.policy.zone).isoformat(),
            "counts": {kind: counted[kind] for kind in due_view.KINDS}, "items": items}


def sla_report(reader: Any, at: datetime, subject: str | None = None, kinds: tuple[str, ...] = (),
               open_only: bool = False, first: str | None = None, last: str | None = None) -> dict:
    """`sla --json`: the breaches as of `at`, of these kinds, open ones only, due between local dates."""
    from ledger.projections.sla import KINDS

    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown:
        raise BadQuery(say("unknown_kind", kind=quote(unknown[0]), kinds=", ".join(KINDS)))
    zone = reader.policy.zone
    since, until = local_days(zone, first, last)
    rows = [row for row in reader.breaches(at, subject) if (not kinds or row["kind"] in kinds)
            and (not open_only or row["done_at"] is None) and within_days(row["due"], since, until)]
    counts = {kind: sum(row["kind"] == kind for row in rows) for kind in KINDS}
    return {"as_of": at.astimezone(zone).isoformat(), "counts": counts, "breaches": rows}


def parse_date(value: str | None, option: str):
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadQuery(say("date_bad", option=option, value=quote(value))) from None


def local_days(zone: Any, first: str | None, last: str | None) -> tuple[int | None, int | None]:
    """--from and --to, local dates both counted, as the micros of [first's midnight, the midnight after last)."""
    def midnight(day) -> int:
        return micros(datetime.combine(day, time(), zone))

    start, end = parse_date(first, "--from"), parse_date(last, "--to")
    return (midnight(start) if start else None), (midnight(end + timedelta(days=1)) if end else None)


def within_days(stamp: str | None, since: int | None, until: int | None) -> bool:
    if since is None and until is None:
        return True
    at = micros(datetime.fromisoformat(stamp)) if stamp else None
    return at is not None and (since is None or at >= since) and (until is None or at < until)


def next_id(reader: Any, kind: str, after: str | None = None) -> str:
    """The id a new order, shipment, case, dispute or complaint takes: the next after the highest of the shop's
    pattern (`O-1099` -> `O-1100`, its digits' width kept), a platform's ids aside; `O-1001` in a new shop.
    `after`: an id proposed before (the desk keeps its last), from which the next free one is looked up by
    id alone, without reading every id of the kind."""
    with reader.reading() as cursor:
        def taken(candidate: str) -> bool:
            cursor.execute("SELECT 1 FROM ledger_ids WHERE id = ? UNION ALL SELECT 1 FROM ledger_freed_ids "
                           "WHERE id = ?", (candidate, candidate))
            return cursor.fetchone() is not None

        def highest(table: str) -> list[tuple[int, str, int]]:  # the longest ids first: the highest are there
            cursor.execute(f"SELECT id FROM {table} WHERE kind = ? ORDER BY length(id) DESC, id DESC", (kind,))
            ids = (row[0] for row in cursor.fetchall())
            return [(int(m[2]), m[1], len(m[2])) for id_ in ids if (m := SHOP_ID.fullmatch(id_))][:1]

        start = SHOP_ID.fullmatch(after or "")
        if start is not None:
            number, prefix, width = int(start[2]), start[1], len(start[2])
            for number in range(number, number + 50):
                candidate = f"{prefix}{number:0{width}d}"
                if not taken(candidate):
                    return candidate
        found = highest("ledger_ids") + highest("ledger_freed_ids")  # a voided one's id is not given out again
        if not found:
            return DEFAULT_IDS[kind]
        number, prefix, width = max(found)
        while True:
            number += 1
            candidate = f"{prefix}{number:0{width}d}"
            if not taken(candidate):
                return candidate


EXPLAINED = ("order", "case", "dispute", "complaint", "staff")


def explanation(reader: Any, id_: str) -> tuple[str, Any, Any] | None:
    """What `explain ID` shows: (the kind of ID, the timeline its decisions are read from, which decisions are
    about it); None for an unknown id. A case's or dispute's decisions are read with their whole order (what
    the rules read), a complaint's penalty with what it rests on."""
    found = reader.history(id_, grounds=True)
    if found is None:
        return None
    kind, timeline = found
    if kind in ("case", "dispute"):
        _, timeline = reader.history(reader.kind_of(id_)[1])
    if kind == "complaint":
        def about(decision: Any) -> bool:
            return decision.state.get("complaint_id") == id_
    else:
        def about(decision: Any) -> bool:
            return decision.stream == f"{kind}:{id_}"
    return kind, timeline, about


def explained(reader: Any, id_: str) -> dict | None:
    """`explain --json` of ID, or None where ID has nothing to explain."""
    found = explanation(reader, id_)
    if found is None or found[0] not in EXPLAINED:
        return None
    _, timeline, about = found
    return timeline.explain_json(about)


def cases_of_parcel(reader: Any, text: str) -> list[str]:
    """The cases a parcel in the clerk's hand belongs to (`find` by its tracking number): a returned parcel's
    own case, or the cases of the order a dispatched parcel went out for."""
    cases: dict[str, None] = {}
    for match in reader.find(text):
        if match["kind"] == "case":
            cases[match["id"]] = None
        elif match["kind"] == "shipment":
            with reader.reading() as cursor:
                cursor.execute("SELECT parent FROM ledger_ids WHERE id = ? AND kind = 'shipment'", (match["id"],))
                order = cursor.fetchone()
                if order and order[0]:
                    cursor.execute("SELECT id FROM ledger_ids WHERE kind = 'case' AND parent = ? ORDER BY id",
                                   (order[0],))
                    cases.update((row[0], None) for row in cursor.fetchall())
    return list(cases)
