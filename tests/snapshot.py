"""What a user reads of a store, pinned: every view's JSON, `export`, `verify` and a what-if, for the fixture
shop and a generated history. The files (tests/golden/) were written before the views were projected in bulk
(ADR 10); a change of projection must leave them as they are.

    python -m tests.snapshot     # writes the files again (only when a view's contract changes)
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from datetime import datetime
from pathlib import Path

from bench.generate import generate
from ledger.policy import PolicyParams

HERE = Path(__file__).resolve().parent / "golden"
ROOT = HERE.parent.parent
AS_OF = {"fixture": "2026-12-01T00:00:00+08:00", "generated": "2026-01-25T00:00:00+08:00"}
WHAT_IF = PolicyParams(review_contact_hours=12, return_window_days=3)


def history(name: str) -> list[str]:
    if name == "fixture":
        return (ROOT / "fixtures" / "shop-2026-11.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.dumps(r, ensure_ascii=False) for r in generate(4000, seed=11, orders_per_day=40)]


def snapshot(ledger, as_of: str) -> dict:
    """What the views, `export`, `verify` and a what-if show, as JSON values."""
    from ledger.mapper import record_json
    from ledger.whatif import what_if

    t = datetime.fromisoformat(as_of)
    verdict = ledger.reader.verify()
    with what_if(ledger, WHAT_IF) as found:
        changes = list(found.changes)
        whatif = {"counts": found.counts, "totals": found.totals, "changes": changes}
    return {
        "stock": ledger.stock(),
        "liability": ledger.liability(),
        "sla": ledger.breaches(t),
        "fund": ledger.fund(),
        "kpi_month": ledger.kpi("month", t),
        "kpi_day_staff": ledger.kpi("day", t, staff=True),
        "export": _digest([record_json(record) for record in ledger.records()]),
        "verify": {"problem": verdict.problem, "events": int(verdict.head.split(":")[0])},
        "what_if": whatif,
    }


def _digest(records: list[dict]) -> dict:
    text = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)
    return {"records": len(records), "sha256": hashlib.sha256(text.encode()).hexdigest()}


def load(name: str) -> dict:
    return json.loads((HERE / f"{name}.json").read_text(encoding="utf-8"))


def main() -> None:
    from ledger.application import Ledger

    os.environ.setdefault("LEDGER_MASTER_KEY", "bGVkZ2VyLXRlc3QtbWFzdGVyLWtleS0zMi1ieXRlcyE=")
    for name, as_of in AS_OF.items():
        with tempfile.TemporaryDirectory() as folder:
            ledger = Ledger(f"sqlite:///{folder}/golden.db")
            ledger.append(history(name))
            found = snapshot(ledger, as_of)
            ledger.close()
        (HERE / f"{name}.json").write_text(json.dumps(found, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"{name}: {found['export']['records']} records, {found['verify']['events']} events")


if __name__ == "__main__":
    main()
