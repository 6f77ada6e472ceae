"""`ledger replay --policy FILE`: every decision recomputed from the records under another policy.

The records are decided again in a scratch store; the real store is only read.
What differs per order, case and dispute is reported as (subject, field,
recorded, replayed), with the liability totals both ways.
"""
from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from ledger.application import Ledger
from ledger.events import (
    DispatchDecision, NegativeReviewEscalated, ParcelDispatched, Record, ShippingCostAssigned, WindowDecision,
)
from ledger.policy import Policy

FIELDS = ("decision", "payer", "refund_approved", "shop_cost", "buyer_cost", "breach")


def subject_of(record: Record) -> str:
    if isinstance(record, ParcelDispatched):
        return record.order_id or record.case_id or record.shipment_id
    for name in ("case_id", "dispute_id", "order_id", "shipment_id", "sku"):
        if hasattr(record, name):
            return getattr(record, name)
    return record.stream


def outcomes(ledger: Ledger, as_of: datetime) -> dict[str, dict[str, Any]]:
    """Per subject: its decision, payer, refund and costs, and its breaches as of `as_of`."""
    found: dict[str, dict[str, Any]] = {}
    for page in ledger.recorder.pages():
        for notification in page:
            event = ledger.mapper.to_domain_event(notification)
            if isinstance(event, DispatchDecision):
                found.setdefault(event.order_id, {})["decision"] = type(event).__name__
            elif isinstance(event, WindowDecision):
                found.setdefault(event.case_id, {})["decision"] = type(event).__name__
            elif isinstance(event, ShippingCostAssigned):
                found.setdefault(event.case_id, {})["payer"] = event.payer
            elif isinstance(event, NegativeReviewEscalated):
                found.setdefault(event.dispute_id, {})["decision"] = type(event).__name__
    liability = ledger.liability()
    for row in liability["cases"]:
        found.setdefault(row["case_id"], {}).update(
            {name: row[name] for name in ("refund_approved", "shop_cost", "buyer_cost")})
    for breach in ledger.breaches(as_of):
        found.setdefault(breach["subject"], {}).setdefault("breach", []).append(breach["kind"])
    return found


def what_if(ledger: Ledger, policy: Policy) -> dict[str, Any]:
    records = list(ledger.records())
    as_of = max((record.at for record in records), default=None)
    with tempfile.TemporaryDirectory(prefix="ledger-what-if-") as scratch:
        shadow = Ledger(f"sqlite:///{Path(scratch) / 'what-if.db'}", fixed_policy=policy)
        refused = shadow.replay_records(records)
        replayed = outcomes(shadow, as_of) if as_of else {}
        totals_replayed = shadow.liability()["totals"]
        shadow.close()
    recorded = outcomes(ledger, as_of) if as_of else {}
    changes = []
    for subject in sorted(set(recorded) | set(replayed)):
        before, after = recorded.get(subject, {}), replayed.get(subject, {})
        for name in FIELDS:
            if before.get(name) != after.get(name):
                changes.append({"subject": subject, "field": name, "recorded": before.get(name),
                                "replayed": after.get(name)})
    for record, refusal in refused:
        changes.append({"subject": subject_of(record), "field": "refused", "recorded": type(record).__name__,
                        "replayed": f"{refusal.rule}: {refusal.reason}"})
    return {"policy_version": policy.version, "changes": changes,
            "totals": {"recorded": ledger.liability()["totals"], "replayed": totals_replayed}}
