"""What the contract makes every record cost, before any rule or view, beside the anchor and the limit.

    python bench/floors.py --records 100000

On the same generated history as run.py, in one process and one run:
  start    a bare `python -c pass`, and `python -c "from pydantic import BaseModel"`: the library of the
           records' schemas, which any append loads before it reads a line;
  record   per record, what SPEC sections 2 and 8 require of an append before its rules, aggregates, SQL
           and views: the line read with duplicate keys refused, its idempotency key, its schema checked
           (the ledger's own read_line), its stored form (model_dump, orjson) and its two chain hashes;
  chain    the check of the whole chain that SPEC section 8 makes `replay` begin with (Reader.verify on
           a store the ledger appended the history to);
each beside the time the anchor (for `record`) or a quarter of the limit (for `chain`) takes for the
same count. A floor above its budget means no change to the ledger's own code meets that ratio.
"""
from __future__ import annotations

import argparse
import compileall
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.generate import generate  # noqa: E402
from bench.run import LEDGER, PACKAGE, anchor, best_of, limit_sqlite  # noqa: E402


def record_floor(lines: list[str]) -> float:
    import orjson

    from ledger.chain import GENESIS, log_link, stream_link
    from ledger.mapper import STREAM_FIELDS
    from ledger.unit_of_work import read_line

    gc.disable()  # as append does during bulk work
    start = time.perf_counter()
    log = GENESIS
    for number, text in enumerate(lines, 1):
        record = read_line(number, text).record
        state = orjson.dumps(record.model_dump(mode="json", exclude=STREAM_FIELDS, exclude_none=True))
        log = log_link(log, number, stream_link(GENESIS, record.key, 1, type(record).__name__, state))
    elapsed = time.perf_counter() - start
    gc.enable()
    return elapsed


def chain_floor(history: Path, folder: Path) -> tuple[float, int]:
    from ledger.reader import open_reader
    from ledger.store import parse_store

    url = f"sqlite:///{folder / 'ledger.db'}"
    subprocess.run([LEDGER, "append", str(history)], env={**os.environ, "LEDGER_STORE": url}, check=True,
                   stdout=subprocess.DEVNULL)
    reader, close = open_reader(parse_store(url))
    try:
        start = time.perf_counter()
        verdict = reader.verify()
        elapsed = time.perf_counter() - start
    finally:
        close()
    assert verdict.problem is None, verdict.problem
    return elapsed, int(verdict.head.split(":")[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    compileall.compile_dir(PACKAGE, quiet=1)
    folder = Path(tempfile.mkdtemp(prefix="ledger-floors-"))
    try:
        lines = [json.dumps(r, ensure_ascii=False) for r in generate(args.records, seed=2026)]
        history = folder / "history.jsonl"
        history.write_text("\n".join(lines) + "\n", encoding="utf-8")
        count = len(lines)
        bare = best_of([sys.executable, "-c", "pass"])
        schemas = best_of([sys.executable, "-c", "from pydantic import BaseModel"])
        anchor_s = anchor(count, {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                                  "SQLITE_DBNAME": str(folder / "anchor.db")})
        limit_s = limit_sqlite(lines, folder)
        record_s = record_floor(lines)
        chain_s, events = chain_floor(history, folder)
        budget = events / (0.25 * count / limit_s)
        print(f"{count:,} records, {events:,} events, SQLite\n")
        print(f"start: bare python {bare:.3f} s; importing pydantic's BaseModel {schemas:.3f} s "
              f"= {schemas / bare:.1f}x bare (target for one more record appended: 4x)")
        print(f"append: the anchor takes {anchor_s:.2f} s; reading, keying, checking, encoding and chaining the "
              f"records alone take {record_s:.2f} s = {record_s / anchor_s:.2f}x the anchor's whole time "
              f"(target for the whole append: 1.0x)")
        print(f"replay: at 0.25x the limit it may take {budget:.2f} s; the chain check it begins with takes "
              f"{chain_s:.2f} s = {chain_s / budget:.2f}x that budget")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
