"""The benchmark: the ledger beside its anchors, measured in one run on one machine.

    python bench/run.py --records 100000 [--postgres postgresql://postgres@127.0.0.1:5432/test] [--json out.json]

For each store it measures, on the same generated history:
  limit   raw executemany of the JSON lines into one table in one transaction;
  anchor  eventsourcing's own bulk path, Application.save(*aggregates), 1,000 one-event aggregates a call;
  ledger  `ledger append` of the whole history (records/s, peak RSS), `ledger replay` (records/s, peak RSS),
          `ledger replay --policy` of a what-if (seconds, peak RSS),
          one more record appended to the full store and voided again, `ledger history ID`, `ledger stock --json`,
          `ledger due --json` and `ledger find TRACKING` (wall time, beside a bare `python -c pass`);
and prints a table with the ratios ledger/anchor and ledger/limit. Then, on SQLite, the time of 100,000
and of 1,000,000 records appended to one SKU's stream (`--one-stream`, the default sizes): an append's
time grows with the work, not with the length of the streams it extends. Last, `ledger import taobao` of a
generated 100,000-order export (`--import-orders`), into a new store and again: its time and peak RSS, which
the export's size does not bound.

    python bench/run.py --records 1000000 --only-queries

appends a million records to SQLite and times only the desk's reads on it.
"""
from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.generate import generate  # noqa: E402
from eventsourcing.application import Application  # noqa: E402
from eventsourcing.domain import Aggregate  # noqa: E402

LEDGER = str(Path(sys.executable).with_name("ledger"))
PACKAGE = Path(__file__).resolve().parent.parent / "ledger"


def isolated(command: list[str], env: dict | None = None) -> tuple[float, float]:
    """Run `command` under a fresh Python child that reports its child's own peak RSS."""
    probe = ("import resource,subprocess,sys,time,json;s=time.perf_counter();"
             "r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.PIPE);"
             "w=time.perf_counter()-s;"
             "print(json.dumps([r.returncode,w,resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024,"
             "r.stderr.decode()[-500:]]))")
    out = subprocess.run([sys.executable, "-c", probe, *command], env=env, capture_output=True, text=True)
    code, wall, rss, err = json.loads(out.stdout)
    if code != 0:
        raise SystemExit(f"{' '.join(command)} failed: {err}")
    return wall, rss


def best_of(command: list[str], env: dict | None = None, runs: int = 5) -> float:
    return min(isolated(command, env)[0] for _ in range(runs))


def limit_sqlite(lines: list[str], folder: Path) -> float:
    db = sqlite3.connect(folder / "limit.db", isolation_level=None)
    db.execute("CREATE TABLE records (id INTEGER PRIMARY KEY, line TEXT)")
    start = time.perf_counter()
    db.execute("BEGIN")
    db.executemany("INSERT INTO records (line) VALUES (?)", ((line,) for line in lines))
    db.execute("COMMIT")
    return time.perf_counter() - start


def limit_postgres(lines: list[str], url: str) -> float:
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_limit")
        conn.execute("CREATE TABLE bench_limit (id BIGSERIAL PRIMARY KEY, line TEXT)")
        conn.commit()
        start = time.perf_counter()
        with conn.cursor() as cursor:
            cursor.executemany("INSERT INTO bench_limit (line) VALUES (%s)", [(line,) for line in lines])
        conn.commit()
        elapsed = time.perf_counter() - start
        conn.execute("DROP TABLE bench_limit")
        conn.commit()
    return elapsed


class Parcel(Aggregate):
    """The anchor's aggregate: one event, carrying a line of text."""

    def __init__(self, line: str):
        self.line = line


def anchor(count: int, env: dict) -> float:
    """eventsourcing's bulk path: save(*aggregates), 1,000 one-event aggregates a call."""
    app = Application(env=env)
    start = time.perf_counter()
    for first in range(0, count, 1000):
        app.save(*(Parcel(line=f"record {n}") for n in range(first, min(first + 1000, count))))
    elapsed = time.perf_counter() - start
    app.close()
    return elapsed


def measure(store: str, anchor_env: dict, limit, lines: list[str], history: Path, folder: Path) -> dict:
    env = {**os.environ, "LEDGER_STORE": store}
    count = len(lines)
    figures = {"records": count, "limit_s": limit(), "anchor_s": anchor(count, anchor_env)}
    figures["append_s"], figures["append_rss_mib"] = isolated([LEDGER, "append", str(history)], env)
    figures["replay_s"], figures["replay_rss_mib"] = isolated([LEDGER, "replay"], env)
    what_if = folder / "what-if.toml"
    what_if.write_text("review_contact_hours = 12\n")
    figures["what_if_s"], figures["what_if_rss_mib"] = isolated([LEDGER, "replay", "--policy", str(what_if)], env)
    one, key = folder / "one.jsonl", f"bench-{time.time_ns()}"
    one.write_text(json.dumps({"type": "StockReceived", "at": "2027-01-01T08:00:00+08:00", "actor": "bench",
                               "role": "shipping_clerk", "sku": "SKU-BENCH", "quantity": 1, "key": key}) + "\n")
    figures["one_more_s"] = isolated([LEDGER, "append", str(one)], env)[0]
    # VO-1: that record voided again: its family recomputed, then every view rebuilt in the void's transaction
    figures["void_s"] = isolated([LEDGER, "void", "--key", key, "--reason", "bench", "--actor", "bench",
                                  "--role", "shipping_clerk"], env)[0]
    figures.update(queries(env, lines))
    figures.update(report_page(env, folder, last_at(lines)))
    events = subprocess.run([LEDGER, "verify"], env=env, capture_output=True, text=True).stdout.splitlines()[-1]
    figures["events"] = int(events.split()[1].split(":")[0])
    return figures


def queries(env: dict, lines: list[str]) -> dict:
    """The reads a person waits on at the desk, on the full store: best of five."""
    first_order = next(json.loads(line)["order_id"] for line in lines if '"OrderPlaced"' in line)
    tracking = next((json.loads(line)["tracking_no"] for line in reversed(lines) if '"tracking_no"' in line), "SF")
    return {"history_s": best_of([LEDGER, "history", first_order], env),
            "explain_s": best_of([LEDGER, "explain", first_order], env),
            "stock_s": best_of([LEDGER, "stock", "--json"], env),
            "due_s": best_of([LEDGER, "due", "--json"], env),
            "find_s": best_of([LEDGER, "find", tracking.lower(), "--json"], env),
            "liability_s": best_of([LEDGER, "liability", "--json"], env, runs=3),
            "sla_s": best_of([LEDGER, "sla", "--open", "--json"], env, runs=3),
            "kpi_s": best_of([LEDGER, "kpi", "--json"], env, runs=3)}


def report_page(env: dict, folder: Path, as_of: str) -> dict:
    """`ledger report --html` on the full store (section 12): the page's size, the time and peak RSS of writing
    it, and the time headless chromium takes to render it to a screenshot (None without chromium)."""
    page = folder / "report.html"
    page.unlink(missing_ok=True)
    seconds, rss = isolated([LEDGER, "report", "--html", str(page), "--as-of", as_of], env)
    figures = {"report_s": seconds, "report_rss_mib": rss, "report_mb": page.stat().st_size / 1e6,
               "render_s": None}
    browser = shutil.which("chromium")
    if browser:
        start = time.perf_counter()
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={folder / 'c'}",
                        "--window-size=1280,2000", f"--screenshot={folder / 'report.png'}", page.as_uri()],
                       capture_output=True, timeout=600)
        figures["render_s"] = time.perf_counter() - start
    return figures


def last_at(lines: list[str]) -> str:
    return json.loads(lines[-1])["at"]


QUERIES = (("ledger history ID", "history_s"), ("ledger explain ID", "explain_s"), ("ledger stock --json", "stock_s"),
           ("ledger due --json", "due_s"), ("ledger find TRACKING --json", "find_s"),
           ("ledger liability --json", "liability_s"), ("ledger sla --open --json", "sla_s"),
           ("ledger kpi --json", "kpi_s"))


REPORT = (("ledger report --html, s", lambda f: f"{f['report_s']:.1f}"),
          ("ledger report --html peak RSS, MiB", lambda f: f"{f['report_rss_mib']:.0f}"),
          ("report page, MB", lambda f: f"{f['report_mb']:.2f}"),
          ("chromium renders the page, s", lambda f: "no chromium" if f["render_s"] is None else
           f"{f['render_s']:.1f}"))


def table(results: dict, bare: float) -> str:
    rows = [("", *results)]

    def add(name, value):
        rows.append((name, *(value(f) for f in results.values())))

    add("records", lambda f: f"{f['records']:,}")
    add("limit: raw executemany, records/s", lambda f: f"{f['records'] / f['limit_s']:,.0f}")
    add("anchor: eventsourcing save(*1000 aggs), events/s", lambda f: f"{f['records'] / f['anchor_s']:,.0f}")
    add("ledger append, records/s", lambda f: f"{f['records'] / f['append_s']:,.0f}")
    add("ledger append / anchor", lambda f: f"{f['anchor_s'] / f['append_s']:.2f}x")
    add("ledger append peak RSS, MiB", lambda f: f"{f['append_rss_mib']:.0f}")
    add("ledger replay, events/s", lambda f: f"{f['events'] / f['replay_s']:,.0f}")
    add("ledger replay / limit", lambda f: f"{(f['events'] / f['replay_s']) / (f['records'] / f['limit_s']):.2f}x")
    add("ledger replay peak RSS, MiB", lambda f: f"{f['replay_rss_mib']:.0f}")
    add("ledger replay --policy, s", lambda f: f"{f['what_if_s']:.1f}")
    add("ledger replay --policy peak RSS, MiB", lambda f: f"{f['what_if_rss_mib']:.0f}")
    add("one more record appended, s", lambda f: f"{f['one_more_s']:.3f} ({f['one_more_s'] / bare:.1f}x bare)")
    add("that record voided, s", lambda f: f"{f['void_s']:.1f}")
    for name, key in QUERIES:
        add(f"{name}, s", lambda f, key=key: f"{f[key]:.3f} ({f[key] / bare:.1f}x bare)")
    for name, line in REPORT:
        add(name, line)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in
                               enumerate(zip(row, widths))) for row in rows)


def one_stream(folder: Path, sizes: list[int]) -> dict[int, float]:
    """Seconds to append `n` StockReceived records, all on one SKU's stream, to a new SQLite store."""
    found = {}
    for n in sizes:
        lines = folder / f"one-stream-{n}.jsonl"
        with lines.open("w", encoding="utf-8") as out:
            for i in range(n):
                out.write(json.dumps({"type": "StockReceived", "at": f"2026-11-02T10:00:{i % 60:02d}+08:00",
                                      "actor": "wang", "role": "shipping_clerk", "sku": "TEE", "quantity": 1,
                                      "key": f"one-stream-{i}"}) + "\n")
        found[n], _ = isolated([LEDGER, "--store", f"sqlite:///{folder / f'one-stream-{n}.db'}", "append", str(lines)],
                               env={**os.environ, "LEDGER_MASTER_KEY": "bGVkZ2VyLXRlc3QtbWFzdGVyLWtleS0zMi1ieXRlcyE="})
        lines.unlink()
    return found


def taobao_import(folder: Path, orders: int) -> dict[str, float]:
    """`ledger import taobao` of a generated export of `orders` orders into a new SQLite store, and the same
    export again (every fact stored already): seconds and peak RSS of each."""
    from bench.taobao_export import write

    paths = [str(path) for path in write(folder, orders)]
    env = {**os.environ, "LEDGER_STORE": f"sqlite:///{folder / 'import.db'}",
           "LEDGER_MASTER_KEY": "bGVkZ2VyLXRlc3QtbWFzdGVyLWtleS0zMi1ieXRlcyE="}
    command = [LEDGER, "import", "taobao", *paths, "--as-of", "2026-12-01T00:00:00+08:00"]
    found = {}
    for name in ("first", "again"):
        found[f"{name}_s"], found[f"{name}_rss_mib"] = isolated(command, env)
    return found


def print_import(orders: int, found: dict[str, float]) -> None:
    print(f"\nledger import taobao of a {orders:,}-order export (GBK, with its item report), SQLite:")
    print(f"  into a new store            {found['first_s']:7.1f} s   peak RSS {found['first_rss_mib']:5.0f} MiB")
    print(f"  the same export again       {found['again_s']:7.1f} s   peak RSS {found['again_rss_mib']:5.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--postgres", default=None, help="also measure this PostgreSQL database")
    parser.add_argument("--json", dest="json_path", default=None, help="write the figures here too")
    parser.add_argument("--one-stream", type=int, nargs="*", default=[100_000, 1_000_000], metavar="N",
                        help="sizes of the one-SKU appends (default: 100000 1000000; none: skip them)")
    parser.add_argument("--only-one-stream", action="store_true", help="measure the one-SKU appends alone")
    parser.add_argument("--import-orders", type=int, default=100_000, metavar="N",
                        help="orders of the generated Taobao export imported twice (default 100000; 0: skip)")
    parser.add_argument("--only-import", action="store_true", help="measure the Taobao import alone")
    parser.add_argument("--only-queries", action="store_true",
                        help="append --records to SQLite and time the desk's reads alone (history, stock, due, find) "
                             "and the report page")
    args = parser.parse_args()

    # An installed package carries its bytecode; an editable checkout under PYTHONDONTWRITEBYTECODE would
    # otherwise compile every module on every start and the start-up figures would measure the compiler.
    compileall.compile_dir(PACKAGE, quiet=1)
    folder = Path(tempfile.mkdtemp(prefix="ledger-bench-"))
    try:
        if args.only_one_stream:
            print_one_stream(one_stream(folder, args.one_stream))
            return
        if args.only_import:
            print_import(args.import_orders, taobao_import(folder, args.import_orders))
            return
        history = folder / "history.jsonl"
        lines = [json.dumps(r, ensure_ascii=False) for r in generate(args.records, seed=2026)]
        history.write_text("\n".join(lines) + "\n", encoding="utf-8")
        bare = best_of([sys.executable, "-c", "pass"])
        if args.only_queries:
            env = {**os.environ, "LEDGER_STORE": f"sqlite:///{folder / 'ledger.db'}"}
            seconds, _ = isolated([LEDGER, "append", str(history)], env)
            print(f"{args.records:,} records appended to SQLite in {seconds:.0f} s; bare `python -c pass` "
                  f"{bare:.3f} s")
            found = queries(env, lines)
            for name, key in QUERIES:
                print(f"  {name:<36} {found[key]:.3f} s ({found[key] / bare:.1f}x bare)")
            found = report_page(env, folder, last_at(lines))
            for name, line in REPORT:
                print(f"  {name:<36} {line(found)}")
            return
        results = {"sqlite": measure(
            f"sqlite:///{folder / 'ledger.db'}",
            {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(folder / "anchor.db")},
            lambda: limit_sqlite(lines, folder), lines, history, folder)}
        if args.postgres:
            schema = f"bench_{os.getpid()}"
            _create_schema(args.postgres, f"{schema}_anchor")
            pg = measure(
                f"{args.postgres}?schema={schema}",
                {"PERSISTENCE_MODULE": "eventsourcing.postgres", **_pg_env(args.postgres, f"{schema}_anchor")},
                lambda: limit_postgres(lines, args.postgres), lines, history, folder)
            results["postgresql"] = pg
            _drop_schemas(args.postgres, [schema, f"{schema}_anchor"])
        machine = f"{platform.node()}: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"
        print(f"{machine}; bare `python -c pass` {bare:.3f} s\n")
        print(table(results, bare))
        streamed = one_stream(folder, args.one_stream) if args.one_stream else {}
        print_one_stream(streamed)
        imported = taobao_import(folder, args.import_orders) if args.import_orders else {}
        if imported:
            print_import(args.import_orders, imported)
        if args.json_path:
            Path(args.json_path).write_text(json.dumps({"machine": machine, "bare_python_s": bare,
                                                        "stores": results, "one_stream_s": streamed,
                                                        "taobao_import": imported}, indent=2))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def print_one_stream(found: dict[int, float]) -> None:
    if not found:
        return
    print("\nOne SKU's stream, appended to a new SQLite store:")
    for n, seconds in found.items():
        print(f"  {n:>9,} records  {seconds:7.1f} s")
    sizes = sorted(found)
    if len(sizes) > 1:
        print(f"  {sizes[-1] // sizes[0]}x the records took {found[sizes[-1]] / found[sizes[0]]:.1f}x the time")


def _pg_env(url: str, schema: str) -> dict:
    from ledger.store import parse_store

    env = parse_store(f"{url}?schema={schema}").env
    env.pop("APPLICATION_RECORDER_TOPIC")
    env.pop("ORIGINATOR_ID_TYPE")
    return env


def _create_schema(url: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')


def _drop_schemas(url: str, schemas: list[str]) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for schema in schemas:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


if __name__ == "__main__":
    main()
