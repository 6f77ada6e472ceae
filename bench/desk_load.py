"""The desk under load: staff at their desks, appending and reading at once, over loopback.

    python bench/desk_load.py [--records 100000] [--staff 20] [--seconds 60] [--postgres URL]

Appends a generated history of --records to a new store (SQLite, and PostgreSQL when given), enrols --staff
accounts of customer service, starts `ledger serve` on it, and lets each person sign in at /login; once all
are signed in, for --seconds, each submits a form (a new order, then a note on it, in turn), opens their
待办 and the order's page, and thinks for 1 to 3 s before the next (busier than any real desk, where typing
a form takes longer). Then it checks that every accepted submission is stored once (the count of their
records equals the accepted submissions) and that `ledger verify` passes, and prints the median and
95th-percentile submit and read times, and one `ledger add` through the running desk (the warm writer) and
in-process once it has stopped, beside a bare `python -c pass`.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.generate import generate  # noqa: E402

LEDGER = str(Path(sys.executable).with_name("ledger"))
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
KEY = re.compile(r'name="key" value="([^"]+)"')
PASSWORD = "load-test-password"
THINK = (1.0, 3.0)  # seconds a person takes between two actions: reading the answer, picking up the next parcel


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def started_desk(env: dict, port: int, log: Any = subprocess.DEVNULL) -> subprocess.Popen:
    """`ledger serve` on the store `env` names, once it answers."""
    server = subprocess.Popen([LEDGER, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(300):
        try:
            httpx.get(f"http://127.0.0.1:{port}/login", timeout=1)
            return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit(f"ledger serve did not answer on port {port}")


def prepared(store: str, records: int, staff: int, folder: Path) -> None:
    """The history appended, then the accounts: a supervisor, and the staff of customer service."""
    history = folder / "history.jsonl"
    with history.open("w", encoding="utf-8") as out:
        for record in generate(records, seed=2026):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    env = {**os.environ, "LEDGER_STORE": store}
    started = time.perf_counter()
    subprocess.run([LEDGER, "append", str(history)], env=env, check=True, capture_output=True)
    print(f"  {records:,} records appended in {time.perf_counter() - started:.0f} s")
    for number in range(staff + 1):
        name, role = ("boss", "supervisor") if number == 0 else (f"cs{number:02d}", "customer_service")
        as_boss = [] if number == 0 else ["--as", "boss"]
        subprocess.run([LEDGER, *as_boss, "staff", "enrol", name, "--role", role, "--password-stdin"],
                       env={**env, "LEDGER_PASSWORD": PASSWORD}, input=PASSWORD, text=True, check=True,
                       capture_output=True)


class Person(threading.Thread):
    def __init__(self, base: str, name: str, seconds: int, sku: str, ready: threading.Barrier):
        super().__init__(daemon=True)
        self.base, self.name, self.seconds, self.sku, self.ready = base, name, seconds, sku, ready
        self.submits: list[float] = []
        self.reads: list[float] = []
        self.accepted = 0
        self.failed: list[str] = []
        self.rng = random.Random(name)

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as client:
            login = client.get("/login")
            client.post("/login", data={"staff": self.name, "password": PASSWORD,
                                        "csrf": CSRF.search(login.text)[1]})
            self.ready.wait()  # everyone signed in (argon2 is slow on purpose): the day's work starts together,
            until = time.monotonic() + self.seconds
            time.sleep(self.rng.uniform(*THINK))  # each at their own pace
            number = 0
            while time.monotonic() < until:
                number += 1
                order = f"L-{self.name}-{number}"
                self.submit(client, "OrderPlaced", order_id=order, customer_id=f"c-{self.name}",
                            lines=f"{self.sku}:1:89", shipping_fee="0", address="上海市徐汇区", phone="13800001234",
                            payment="online")
                self.read(client, "/")
                self.submit(client, "OrderNoted", order_id=order, note="已电话确认")
                self.read(client, f"/history/{order}")
                time.sleep(self.rng.uniform(*THINK))

    def submit(self, client: httpx.Client, type_: str, **fields: str) -> None:
        form = client.get(f"/new/{type_}")
        started = time.perf_counter()
        answer = client.post(f"/new/{type_}", data={"csrf": CSRF.search(form.text)[1],
                                                    "key": KEY.search(form.text)[1], **fields})
        self.submits.append(time.perf_counter() - started)
        if answer.status_code == 201:
            self.accepted += 1
        else:
            self.failed.append(f"{type_} {answer.status_code}")

    def read(self, client: httpx.Client, path: str) -> None:
        started = time.perf_counter()
        answer = client.get(path)
        self.reads.append(time.perf_counter() - started)
        if answer.status_code != 200:
            self.failed.append(f"GET {path} {answer.status_code}")


def made_token(env: dict) -> str:
    made = subprocess.run([LEDGER, "--as", "boss", "staff", "token", "cs01", "--label", "bench"], capture_output=True,
                          text=True, check=True, env={**env, "LEDGER_PASSWORD": PASSWORD})
    return made.stdout.strip().splitlines()[-1]


def timed(command: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def one_record(env: dict, token: str, key: str) -> float:
    """One `ledger add` with a token (a script's way in): handed to the desk while it runs, else in-process."""
    return timed([LEDGER, "add", "StockReceived", "sku=SKU-0001", "quantity=1", f"key=bench:{key}"],
                 {**env, "LEDGER_TOKEN": token})


def stored_by_staff(store: str) -> int:
    """The records the load's people stored: every event of their orders' streams that is a record."""
    from ledger.application import Ledger

    ledger = Ledger(store)
    with ledger.reader.reading() as cursor:
        cursor.execute(f"SELECT topic FROM {ledger.reader.events_table} WHERE originator_id LIKE ?", ("order:L-%",))
        topics = [row[0].rpartition(":")[2] for row in cursor.fetchall()]
    ledger.close()
    return sum(topic in ("OrderPlaced", "OrderNoted") for topic in topics)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(store: str, label: str, args: argparse.Namespace, folder: Path) -> bool:
    print(f"{label}:")
    prepared(store, args.records, args.staff, folder)
    port = free_port()
    env = {**os.environ, "LEDGER_STORE": store}
    log = (folder / f"serve-{label}.log").open("w")
    server = started_desk({**env, "LEDGER_LANG": "en"}, port, log)
    base = f"http://127.0.0.1:{port}"
    try:
        ready = threading.Barrier(args.staff)
        people = [Person(base, f"cs{n:02d}", args.seconds, f"SKU-{n:04d}", ready) for n in range(1, args.staff + 1)]
        for person in people:
            person.start()
        for person in people:
            person.join()
        token = made_token(env)
        warm = [one_record(env, token, f"warm-{n}") for n in range(5)]
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    errors = [line for line in (folder / f"serve-{label}.log").read_text().splitlines() if "Traceback" in line
              or "Error" in line]
    if errors:
        text = (folder / f"serve-{label}.log").read_text()
        print("  the server's log:\n" + text[text.find("Traceback"):text.find("INFO", text.find("Traceback"))][-2500:])
    in_process = [one_record(env, token, f"cold-{n}") for n in range(5)]
    bare = min(timed([sys.executable, "-c", "pass"], env) for _ in range(5))
    submits = [t for p in people for t in p.submits]
    reads = [t for p in people for t in p.reads]
    accepted = sum(p.accepted for p in people)
    failed = [f for p in people for f in p.failed]
    stored = stored_by_staff(store)
    verified = subprocess.run([LEDGER, "verify"], env=env, capture_output=True, text=True)
    print(f"  {args.staff} staff for {args.seconds} s: {len(submits):,} submits ({accepted:,} accepted, "
          f"{len(failed)} not: {sorted(set(failed))[:5]}), {len(reads):,} reads")
    print(f"  submit: median {statistics.median(submits) * 1000:.1f} ms, 95th percentile "
          f"{percentile(submits, 0.95) * 1000:.1f} ms, slowest {max(submits) * 1000:.0f} ms")
    print(f"  read:   median {statistics.median(reads) * 1000:.1f} ms, 95th percentile "
          f"{percentile(reads, 0.95) * 1000:.1f} ms")
    print(f"  one `ledger add` (best of 5): through the desk {min(warm):.3f} s = {min(warm) / bare:.1f}x a bare "
          f"start, in-process {min(in_process):.3f} s = {min(in_process) / bare:.1f}x (bare `python -c pass` "
          f"{bare:.3f} s)")
    print(f"  stored records of the load: {stored:,} (accepted submissions {accepted:,}): "
          f"{'equal' if stored == accepted else 'DIFFERENT'}")
    print(f"  ledger verify: exit {verified.returncode}, {verified.stdout.strip().splitlines()[-1]}")
    return stored == accepted and verified.returncode == 0 and not failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--staff", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--postgres", default=None, help="also load a new schema of this PostgreSQL database")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ledger-load-"))
    schema = f"load_{os.getpid()}"
    try:
        good = run(f"sqlite:///{folder / 'ledger.db'}", "SQLite", args, folder)
        if args.postgres:
            good &= run(f"{args.postgres}?schema={schema}", "PostgreSQL", args, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if args.postgres:
            import psycopg

            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    sys.exit(0 if good else 1)


if __name__ == "__main__":
    main()
