"""One of several concurrent writers: appends a JSON Lines file in small files, in order.
A small file refused because a record needs one still with another writer is tried
again later, one record a file, so that writers never wait on each other in a circle.

    python -m tests.writer STORE FILE
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from ledger.application import Ledger, LineError

CHUNK = 20


def main(store: str, path: str) -> int:
    ledger = Ledger(store)
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    waiting = [lines[i:i + CHUNK] for i in range(0, len(lines), CHUNK)]
    idle_rounds = 0
    while waiting:
        later = []
        for chunk in waiting:
            try:
                ledger.append(chunk)
            except LineError:
                later += [[line] for line in chunk] if len(chunk) > 1 else [chunk]
        idle_rounds = idle_rounds + 1 if len(later) == len(waiting) else 0
        if idle_rounds > 200:
            print(f"stuck with {len(later)} chunk(s)", file=sys.stderr)
            return 1
        waiting = later
        if waiting:
            time.sleep(0.05)
    ledger.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
