"""Several processes appending to one store at once, and a writer killed in the middle."""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from bench.generate import generate
from ledger.events import Decision
from ledger.mapper import record_json
from tests.shop import Shop

ROOT = Path(__file__).resolve().parent.parent
LEDGER = str(Path(sys.executable).with_name("ledger"))


def split_among_writers(history: list[dict], writers: int, rng: random.Random) -> list[list[str]]:
    """Each order's records go to one writer, stock receipts to any; one order in four is also
    sent whole by a second writer, so that two writers race on its order, shipment, case and
    dispute streams, every writer on the SKUs, and records arrive twice."""
    files: list[list[str]] = [[] for _ in range(writers)]
    for record in history:
        line = json.dumps(record, ensure_ascii=False)
        owner = next((record[k] for k in ("order_id", "case_id", "dispute_id", "shipment_id") if k in record), None)
        if owner is None:
            files[rng.randrange(writers)].append(line)
            continue
        number = int(owner.split("-")[1])
        files[number % writers].append(line)
        if number // writers % 4 == 0:
            files[(number + 1 + number // 16 % (writers - 1)) % writers].append(line)
    return files


def decisions_by_stream(shop: Shop) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = defaultdict(list)
    for page in shop.ledger.recorder.pages():
        for notification in page:
            event = shop.ledger.mapper.to_domain_event(notification)
            if isinstance(event, Decision):
                found[event.originator_id].append(event.model_dump(exclude={"timestamp"}))
    return found


def views(shop: Shop) -> tuple:
    from datetime import datetime, timezone

    return shop.ledger.stock(), shop.ledger.liability(), shop.ledger.breaches(datetime.now(timezone.utc))


def test_four_writers_at_once_store_each_record_once_and_decide_as_one_would(new_store, tmp_path):
    history = list(generate(7000, seed=7, orders_per_day=120, late_requests=False))
    files = split_among_writers(history, 4, random.Random(7))
    assert all(len(f) >= 2000 for f in files)
    store = new_store()
    Shop(store).ledger.close()  # tables exist before the writers race
    paths = []
    for number, lines in enumerate(files):
        path = tmp_path / f"writer-{number}.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    writers = [subprocess.Popen([sys.executable, "-m", "tests.writer", store, str(path)], cwd=ROOT,
                                stderr=subprocess.PIPE, text=True) for path in paths]
    for writer in writers:
        assert writer.wait(timeout=900) == 0, writer.stderr.read()

    shop = Shop(store)
    records = list(shop.ledger.records())
    assert len(records) == len(history)  # every record once, the ones sent twice included
    assert {r.key for r in records} == {json.loads(json.dumps(record_json(r)))["key"] for r in records}
    versions: dict[str, list[int]] = defaultdict(list)
    for page in shop.ledger.recorder.pages():
        for n in page:
            versions[n.originator_id].append(n.originator_version)
    assert all(v == list(range(1, len(v) + 1)) for v in versions.values())
    assert shop.ledger.reader.verify().problem is None

    single = Shop(new_store())  # one process appending the same records in the stored order
    single.ledger.append(json.dumps(record_json(r)) for r in records)
    assert decisions_by_stream(single) == decisions_by_stream(shop)

    incremental = views(shop)
    shop.ledger.rebuild_views()
    assert views(shop) == incremental == views(single)
    shop.ledger.close()
    single.ledger.close()


def test_a_writer_killed_mid_append_stores_all_or_nothing_and_a_rerun_completes(store, tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in generate(8000, seed=3)),
                    encoding="utf-8")
    env = {**os.environ, "LEDGER_STORE": store}
    writer = subprocess.Popen([LEDGER, "append", str(path)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    time.sleep(1.5)
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    shop = Shop(store)
    assert len(list(shop.ledger.records())) in (0, 8000)
    assert shop.ledger.reader.verify().problem is None
    rerun = subprocess.run([LEDGER, "append", str(path)], env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert len(list(shop.ledger.records())) == 8000
    shop.ledger.close()
