"""Bad input never corrupts: mutated record files end in 0, 2 or 3 with one line naming the bad line,
and the store is either as before or has the whole file."""
from __future__ import annotations

import json
import random
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from ledger.application import LineError
from tests.shop import Shop

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "shop-2026-11.jsonl"
LINES = FIXTURE.read_text(encoding="utf-8").splitlines()
BASE, FILE = LINES[:60], LINES[60:100]

odd_values = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70), st.floats(allow_nan=False), st.none(), st.booleans(),
    st.text(max_size=20), st.lists(st.integers(), max_size=3), st.just("9" * 40 + ".00"),
    st.just("2026-13-45T99:00:00+08:00"), st.just("O-does-not-exist"), st.just("\u0000\ud7ff\U0001f600"),
    # the edges of SPEC section 2: times at the limits, huge integers, lone surrogates, control, format and
    # separator characters, long values, the largest money and money times a quantity past 64 bits
    st.sampled_from(["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59-12:00", "1970-01-01T00:00:00+00:00",
                     "2999-12-31T23:59:59+14:00", "\ud800", "O-X1\u200b", "\u202eO-1", "O\u2028X", "\x1b]0;x\x07",
                     " O-1", "99999999.99", "100000000.00", "x" * 5000]),
    st.integers(min_value=10**18, max_value=10**30), st.just(1_000_000), st.just(1_000_001),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Cs"]), min_size=1, max_size=5),
)


@st.composite
def mutated(draw) -> list[str]:
    lines = list(FILE)
    rng = random.Random(draw(st.integers(0, 2**32)))
    for _ in range(draw(st.integers(1, 4))):
        i = rng.randrange(len(lines))
        kind = draw(st.sampled_from(["truncate", "value", "duplicate_key", "shuffle", "unknown_id", "drop_key"]))
        record = json.loads(lines[i]) if lines[i].startswith("{") and lines[i].endswith("}") else None
        if kind == "truncate":
            lines[i] = lines[i][:rng.randrange(len(lines[i]))]
        elif kind == "shuffle":
            rng.shuffle(lines)
        elif record is not None and kind == "value":
            record[rng.choice(sorted(record))] = draw(odd_values)
            lines[i] = json.dumps(record, ensure_ascii=False)
        elif record is not None and kind == "duplicate_key":
            name = rng.choice(sorted(record))
            lines[i] = lines[i][:-1] + f", {json.dumps(name)}: {json.dumps(record[name])}}}"
        elif record is not None and kind == "unknown_id":
            for name in ("order_id", "case_id", "shipment_id", "dispute_id"):
                if name in record:
                    record[name] = "X-" + record[name]
            lines[i] = json.dumps(record, ensure_ascii=False)
        elif record is not None and kind == "drop_key":
            record.pop(rng.choice(sorted(record)))
            lines[i] = json.dumps(record, ensure_ascii=False)
    return lines


def state(shop: Shop) -> tuple:
    return shop.event_count(), shop.ledger.reader.verify().head, shop.ledger.stock(), shop.ledger.liability()


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(lines=mutated())
def test_mutated_files_exit_0_2_or_3_and_store_all_or_nothing(new_store, lines):
    shop = Shop(new_store())
    shop.ledger.append(BASE)
    before = state(shop)
    try:
        result = shop.ledger.append(lines)
    except LineError as error:
        assert error.status in (2, 3)
        message = str(error)
        assert "\n" not in message and message.startswith(f"line {error.line}: ")
        assert state(shop) == before
    else:
        assert result.stored + result.skipped == sum(1 for line in lines if line.strip())
        assert shop.event_count() >= before[0] + result.stored
        assert shop.ledger.reader.verify().problem is None
    shop.ledger.close()
