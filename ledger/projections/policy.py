"""The policies adopted, each whole as it stood when adopted: readers take the latest from here (ST-1's
threshold, the time zone) without folding the policy stream."""
from __future__ import annotations

from typing import Any

import orjson

from ledger.projections.columns import INT, JSON, TIME, Column, Table, registry
from ledger.values import micros

POLICIES = Table("view_policies", (Column("entry", INT, key=True), Column("at", TIME), Column("policy", JSON)),
                 fields=())
TABLES = (POLICIES,)
HANDLERS, on = registry()


@on("PolicyAdopted")
def adopted(p, e: dict) -> None:
    """The projector has put it in force: the policy in force at its time is it, its keys over the ones
    it replaced."""
    p.new(POLICIES, p.next_key(POLICIES)).update(at=micros(e["at"]),
                                                 policy=p.policy_at(e["at"]).model_dump(mode="json"))


def latest(cursor: Any) -> dict | None:
    """The latest by business time (of two at one time, the later appended), as PolicyBook.latest."""
    cursor.execute("SELECT policy FROM view_policies ORDER BY at DESC, entry DESC LIMIT 1")
    found = cursor.fetchone()
    return orjson.loads(found[0]) if found else None
