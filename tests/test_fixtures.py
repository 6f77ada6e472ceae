"""The fixture shop makes every rule fire: each rule ID appears on a decision, an SLA breach, a
low-stock flag, or (for refusals) on one of the files in fixtures/refused."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from ledger.events import Decision
from tests.shop import Shop

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
RULES = ["SH-1", "SH-2", "SH-3", "SH-4", "AS-1", "AS-2", "AS-3", "AS-4", "AS-6", "AS-7",
         "RT-1", "RT-2", "RT-3", "RT-4", "RT-5", "RV-1", "RV-3", "ST-1", "AU-1", "CP-1", "CP-2", "ST-2", "ST-3",
         "OR-1"]


@pytest.fixture
def fixture_shop(shop):
    shop.ledger.append((FIXTURES / "shop-2026-11.jsonl").read_text(encoding="utf-8").splitlines())
    return shop


def test_every_rule_fires_on_the_fixture_shop(fixture_shop):
    ledger = fixture_shop.ledger
    fired = set()
    for page in ledger.recorder.pages():
        for notification in page:
            event = ledger.mapper.to_domain_event(notification)
            if isinstance(event, Decision):
                fired.add(event.rule)
                if getattr(event, "notified", False):
                    fired.add("SH-2")  # a late dispatch excused by a notice
    fired |= {b["rule"] for b in ledger.breaches(datetime.fromisoformat("2026-11-30T00:00:00+08:00"))}
    if any(row["low"] for row in ledger.stock()):
        fired.add("ST-1")
    for path in sorted((FIXTURES / "refused").glob("*.jsonl")):
        try:
            ledger.append(path.read_text(encoding="utf-8").splitlines())
        except Exception as error:  # noqa: BLE001 - the refusal is what is looked for
            assert error.status == 3, f"{path.name}: {error}"
            fired.add(error.error.rule)
        else:
            raise AssertionError(f"{path.name} was accepted")
    assert [rule for rule in RULES if rule not in fired] == []


def test_the_refused_files_store_nothing(fixture_shop):
    before = fixture_shop.event_count()
    for path in (FIXTURES / "refused").glob("*.jsonl"):
        with pytest.raises(Exception):
            fixture_shop.ledger.append(path.read_text(encoding="utf-8").splitlines())
    assert fixture_shop.event_count() == before


def test_the_shop_is_two_weeks_of_fifty_orders_and_more(fixture_shop: Shop):
    records = list(fixture_shop.ledger.records())
    orders = [r for r in records if type(r).__name__ == "OrderPlaced"]
    days = {r.at.astimezone(fixture_shop.ledger.policy_book().latest().zone).date() for r in records}
    assert len(orders) >= 50 and len(days) >= 14
    assert {type(r).__name__ for r in records} >= {
        "StockReceived", "StockCounted", "OrderPlaced", "AddressConfirmed", "OrderNoted", "OrderCancelled",
        "DispatchDelayNotified", "ParcelDispatched", "ParcelDelivered", "ReturnRequested", "ReturnParcelReceived",
        "ReturnInspected", "ExchangeDelayNotified", "SupervisorRuled", "RefundIssued", "ReviewPosted",
        "BuyerContacted", "ResolutionOffered", "NegotiationFailed", "DisputeSettled", "PolicyAdopted",
        "ParcelReturnedToSender", "ParcelLost", "TargetSet", "StaffWageSet", "ComplaintLodged", "ComplaintAnswered",
        "ComplaintRuled", "ComplaintClosed", "FundSpent"}
