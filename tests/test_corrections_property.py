"""VO-1's invariant over generated shop histories, on both stores: voiding a record R gives the views of the
same history with R never appended; a void refused stores nothing and names a record that rests on R, one the
history without R refuses."""
from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings, strategies as st

from ledger.application import LineError
from tests import shop as s
from tests.test_corrections import every_view
from tests.test_views_property import histories, when

staff_side = st.lists(st.sampled_from([
    [s.wage("lily", "3000.00", "11-01 09:00")],
    s.upheld("K-1", "11-03 10:00", "11-04 10:00"),
    s.upheld("K-2", "11-05 10:00", "11-06 10:00"),
    [s.fund_spent("50.00", "11-07 10:00")],
]), max_size=3)


def appended(shop: s.Shop, history: list[dict]) -> tuple[list[dict], list[int]]:
    """One record a file: the refused drop out. Returns the stored records and the lines refused."""
    stored, refused = [], []
    for n, item in enumerate(history):
        try:
            shop.append(item)
            stored.append(item)
        except LineError:
            refused.append(n)
    return stored, refused


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(history=histories(), staff=staff_side, data=st.data())
def test_a_void_reads_as_the_record_never_appended(new_store, history, staff, data):
    shop, never = s.Shop(new_store()), s.Shop(new_store())
    try:
        void_one(shop, never, history + [item for items in staff for item in items], data)
    finally:
        shop.ledger.close()
        never.ledger.close()


def void_one(shop: s.Shop, never: s.Shop, history: list[dict], data) -> None:
    stored, _ = appended(shop, history)
    if not stored:
        return
    chosen = data.draw(st.integers(0, len(stored) - 1))
    record, rest = stored[chosen], stored[:chosen] + stored[chosen + 1:]
    before = shop.event_count()
    try:
        shop.append(s.voided(record, when(28, 12)))
    except LineError as error:
        assert shop.event_count() == before
        assert error.error.rule == "VO-1", str(error)
        named = shop.ledger.event_at(int(re.search(r"record (\d+) ", str(error)).group(1)))
        refused = appended(never, rest)[1]
        assert named.key in {s.key_of(rest[n]) for n in refused}, f"{error}: the history without it takes that one"
        return
    refused = appended(never, rest)[1]
    assert not refused, f"voided {record['type']}, yet without it line {refused[0]} is refused"
    assert every_view(shop) == every_view(never)
    shop.ledger.rebuild_views()
    assert every_view(shop) == every_view(never)
