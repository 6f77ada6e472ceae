"""Over generated shop histories: the views kept up record by record equal the views rebuilt
by replay, and the views of a fresh store fed with the export."""
from __future__ import annotations

import json
from datetime import datetime

from hypothesis import HealthCheck, given, settings, strategies as st

from ledger.application import LineError
from ledger.mapper import record_json
from tests import shop as s

SKUS = ["TEE", "CAP"]
qty = st.integers(1, 3)
cash = st.sampled_from(["0.00", "5.00", "12.50", "89.00"])


def when(day: int, hour: int, minute: int = 0) -> str:
    return f"11-{day:02d} {hour:02d}:{minute:02d}"


@st.composite
def later(draw, day: int, hour: int, most_days: int = 3) -> tuple[int, int]:
    """A time some hours after (day, hour), in day and hour."""
    hours = day * 24 + hour + draw(st.integers(0, most_days * 24))
    return hours // 24, hours % 24


@st.composite
def order_story(draw, n: int) -> list[dict]:
    """One order's life with random turns; each step may be left out, so some later ones get refused."""
    o, sku, q = f"O-{n}", draw(st.sampled_from(SKUS)), draw(qty)
    day, hour = draw(st.integers(1, 8)), draw(st.integers(0, 23))
    story = [s.placed(o, when(day, hour), {sku: (q, "89.00")}, draw(cash))]
    if draw(st.booleans()):
        story.append(s.confirmed(o, when(day, hour, 5)))
    if draw(st.booleans()):
        story.append(s.delay_notified(o, when(*draw(later(day, hour, 1)))))
    if draw(st.integers(0, 5)) == 0:
        story.append(s.cancelled(o, when(day, hour, 30)))
    day, hour = draw(later(day, hour, 2))
    story.append(s.dispatched(f"S-{n}", o, when(day, hour), {sku: q}))
    if draw(st.booleans()):
        day, hour = draw(later(day, hour, 3))
        story.append(s.delivered(f"S-{n}", when(day, hour)))
    if draw(st.booleans()):
        story += draw(case_story(n, o, sku, q, day, hour))
    if draw(st.booleans()):
        d, (rday, rhour) = f"D-{n}", draw(later(day, hour, 4))
        story.append(s.review(d, o, when(rday, rhour), draw(st.sampled_from(["positive", "neutral", "negative"]))))
        for step in draw(st.lists(st.sampled_from([s.contacted, s.negotiation_failed, s.settled]), max_size=3)):
            story.append(step(d, when(*draw(later(rday, rhour, 4)))))
    return story


@st.composite
def case_story(draw, n: int, o: str, sku: str, q: int, day: int, hour: int) -> list[dict]:
    c = f"C-{n}"
    kind = draw(st.sampled_from(["return", "exchange"]))
    reason = draw(st.sampled_from(["quality", "no_reason", "wrong_item", "colour_difference"]))
    day, hour = draw(later(day, hour, 9))
    story = [s.requested(c, o, when(day, hour), kind, reason, {sku: draw(st.integers(1, q))})]
    if draw(st.integers(0, 4)) == 0:
        story.append(s.ruled(c, when(day, hour, 10), accept_parcel=True))
    for number in range(draw(st.integers(0, 2))):
        day, hour = draw(later(day, hour, 2))
        method = draw(st.sampled_from(["express", "express", "freight_collect", "surface_mail"]))
        story.append(s.parcel_received(c, when(day, hour), method, draw(cash), f"B-{n}-{number}"))
    if draw(st.booleans()):
        day, hour = draw(later(day, hour, 1))
        story.append(s.inspected(c, when(day, hour, 20), draw(st.sampled_from(
            ["quality_confirmed", "wrong_item_confirmed", "no_fault", "buyer_damage"]))))
    if draw(st.booleans()):
        story.append(s.ruled(c, when(*draw(later(day, hour, 1))), payer=draw(st.sampled_from(["shop", "buyer"])),
                             refund=draw(cash)))
    if draw(st.booleans()):
        story.append(s.exchange_delay_notified(c, when(*draw(later(day, hour, 2)))))
    if draw(st.booleans()):
        story.append(s.reshipped(f"R-{n}", c, when(*draw(later(day, hour, 4))), {draw(st.sampled_from(SKUS)): 1}))
    if draw(st.booleans()):
        story.append(s.refunded(c, when(*draw(later(day, hour, 3))), draw(cash)))
    return story


noise = st.one_of(
    st.builds(lambda sku, q, d: s.stock(sku, q * 5, when(d, 8)), st.sampled_from(SKUS), qty, st.integers(1, 20)),
    st.builds(lambda sku, q, d: s.counted(sku, q, when(d, 19)), st.sampled_from(SKUS), st.integers(0, 12),
              st.integers(1, 20)),
    st.builds(lambda d, days, hours: s.policy(f"p{d}", when(d, 0), return_window_days=days,
                                              exchange_reship_hours=hours),
              st.integers(1, 20), st.integers(1, 10), st.integers(1, 72)),
)


@st.composite
def histories(draw) -> list[dict]:
    """Several order stories and some stock and policy records, interleaved, each story in its order."""
    queues = [draw(order_story(n)) for n in range(1, draw(st.integers(1, 4)) + 1)]
    queues += [[item] for item in draw(st.lists(noise, max_size=6))]
    merged = []
    while queues:
        queue = queues[draw(st.integers(0, len(queues) - 1))]
        merged.append(queue.pop(0))
        queues = [q for q in queues if q]
    return merged


def views(shop: s.Shop) -> tuple:
    return (shop.ledger.stock(), shop.ledger.liability(),
            [shop.ledger.breaches(datetime.fromisoformat(f"2026-11-{day:02d}T12:00:00+08:00")) for day in (5, 12, 25)])


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(history=histories())
def test_incremental_views_equal_rebuilt_and_exported_views(new_store, history):
    shop, copy = s.Shop(new_store()), s.Shop(new_store())
    for item in history:  # one record a file: the refused ones drop out, the rest make the history
        try:
            shop.append(item)
        except LineError:
            pass
    incremental = views(shop)
    shop.ledger.rebuild_views()
    assert views(shop) == incremental
    copy.ledger.append(json.dumps(record_json(r)) for r in shop.ledger.records())
    assert views(copy) == incremental
    shop.ledger.close()
    copy.ledger.close()
