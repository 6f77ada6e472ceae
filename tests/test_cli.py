"""The `ledger` command as a user meets it: exit statuses, messages on stderr, output shapes."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from ledger.messages import RULES
from tests.conftest import past_creation
from tests.shop import Shop, confirmed, placed, shipped_order

LEDGER = str(Path(sys.executable).with_name("ledger"))
ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "shop-2026-11.jsonl"


@pytest.fixture
def run(run_cli):
    return run_cli


def lines(*records) -> str:
    flat = [r for item in records for r in (item if isinstance(item, list) else [item])]
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in flat)


def test_append_from_stdin_and_again_skips_what_is_stored(run):
    first = run("append", "-", stdin=lines(shipped_order()))
    again = run("append", "-", stdin=lines(shipped_order()))
    assert first.returncode == 0 and "stored 4 record(s) and 1 decision(s)" in first.stdout
    assert again.returncode == 0 and "stored 0 record(s)" in again.stdout and "skipped 4" in again.stdout


def test_a_stored_key_with_other_values_is_refused_naming_the_fields(run):
    run("append", "-", stdin=lines(placed("O-1", "11-02 10:00", key="import-1")))
    again = run("append", "-", stdin=lines(placed("O-1", "11-02 11:00", key="import-1")))
    assert again.returncode == 3
    assert again.stderr.strip() == ("line 1: KEY: key import-1 is stored with other values: at; to correct it, "
                                    "void record 1 or use AddressChanged")
    same = run("append", "-", stdin=lines(placed("O-1", "11-02 10:00", key="import-1")))
    assert same.returncode == 0 and "skipped 1" in same.stdout


def test_an_order_entered_again_with_a_changed_address_is_refused_not_dropped(run):
    run("append", "-", stdin=lines(placed("O-1", "11-02 10:00")))
    moved = placed("O-1", "11-02 10:00")
    moved["address"] = "北京市朝阳区建国路88号"
    again = run("append", "-", stdin=lines(moved))
    assert again.returncode == 3
    assert "KEY: key " in again.stderr and "is stored with other values: address; to correct it, void record 1 " \
        "or use AddressChanged" in again.stderr


@pytest.mark.parametrize("text, status, message", [
    ('{"type": "OrderPlaced"\n', 2, "line 1: unreadable JSON"),
    (lines(confirmed("O-404", "11-02 10:00")), 3, "line 1: REF: unknown order O-404"),
])
def test_bad_files_exit_with_the_spec_status_and_no_traceback(run, text, status, message):
    result = run("append", "-", stdin=text)
    assert result.returncode == status
    assert result.stderr.strip().startswith(message)
    assert "Traceback" not in result.stderr


def test_a_missing_file_or_an_unknown_id_exits_2(run):
    assert run("append", "no-such.jsonl").returncode == 2
    run("append", "-", stdin=lines(placed("O-1", "11-02 10:00")))
    result = run("history", "O-404")
    assert (result.returncode, result.stderr.strip()) == (2, 'unknown id "O-404"')


def test_a_password_in_a_store_url_is_never_printed(run):
    for url in ("postgresql://shop:s3cret-pw@127.0.0.1:5432/test?schema=Bad",
                "postgresql://shop:s3cret-pw@127.0.0.1:1/test"):
        result = run("--store", url, "stock")
        assert result.returncode in (1, 2) and "s3cret-pw" not in result.stderr + result.stdout, result.stderr
        assert "shop:***@127.0.0.1" in result.stderr


@pytest.mark.parametrize("url", ["mysql://x", "sqlite://", "sqlite:", "sqlite:///x.db?mode=ro", "sqlite:///x.db#a",
                                 "", "sqlite:///", "postgresql://postgres@127.0.0.1:5432/test?schema=Shop",
                                 "postgresql://postgres@127.0.0.1:5432/test?schema=information_schema",
                                 "postgresql://postgres@127.0.0.1:5432/test?schema=pg_catalog",
                                 'postgresql://postgres@127.0.0.1:5432/test?schema="x"',
                                 "postgresql://127.0.0.1", "postgresql://postgres@127.0.0.1:5432/test?sslmode=x"])
def test_a_store_url_out_of_the_rules_exits_2_naming_it_and_touches_nothing(run, tmp_path, url):
    result = run("--store", url, "append", "-", stdin=lines(placed("O-1", "11-02 10:00")))
    assert result.returncode == 2 and f"store URL {json.dumps(url)}" in result.stderr, result.stderr
    assert "\n" not in result.stderr.strip() and list(tmp_path.iterdir()) == []


def test_only_the_writing_commands_create_a_store(run, tmp_path):
    for command in (["verify"], ["stock"], ["history", "O-1"], ["replay"], ["export"], ["forget", "CU-1"]):
        result = run(*command)
        assert (result.returncode, result.stderr.split(" at ")[0]) == (2, "no store"), command
    assert list(tmp_path.iterdir()) == []
    assert run("append", "-", stdin=lines(placed("O-1", "11-02 10:00"))).returncode == 0
    assert run("verify").returncode == 0


def test_history_of_every_fixture_order_lists_records_and_decisions_with_rule_and_cause(run, store):
    assert run("append", str(FIXTURE)).returncode == 0
    orders = sorted({json.loads(line)["order_id"] for line in FIXTURE.read_text(encoding="utf-8").splitlines()
                     if '"OrderPlaced"' in line})
    assert len(orders) >= 50
    reader = Shop(store)
    for order in orders:
        # the command itself for a few orders, the same code in this process for the rest
        if order in orders[:3]:
            events = json.loads(run("history", order, "--json").stdout)["events"]
        else:
            events = reader.ledger.timeline(reader.ledger.streams_of(order)).history_json()["events"]
        positions = [e["position"] for e in events]
        assert positions == sorted(positions)
        by_position = {e["position"]: e for e in events}
        assert events[0]["type"] == "OrderPlaced"
        for event in events:
            assert event["actor"] and event["role"]
            if event["rule"] is None:
                assert event["caused_by"] is None
            else:
                cause = by_position[event["caused_by"]]
                assert cause["rule"] is None and cause["position"] < event["position"]
                assert (event["actor"], event["role"], event["at"]) == (cause["actor"], cause["role"], cause["at"])
    reader.ledger.close()


def test_history_text_is_a_timeline_with_rules_and_causes(run):
    run("append", str(FIXTURE))
    text = run("history", "O-1003").stdout
    assert "History of order O-1003" in text
    assert "=> ShippedSameDay [SH-1, policy default, caused by #" in text
    assert "=> RefundApproved [RT-1" in text
    assert text.index("ReturnRequested") < text.index("ReturnInspected") < text.index("RefundIssued")


def test_explain_shows_each_decision_with_what_it_rests_on(run):
    run("append", str(FIXTURE))
    text = run("explain", "C-1003").stdout
    assert f"ReturnAccepted: rule AS-6 ({RULES['AS-6'][0]}), policy default" in text
    paid = text.split("RefundApproved: rule RT-1")[1].split("\n#")[0]
    assert "paid by:" in paid and "RefundIssued  case_id=C-1003  amount=79.00" in paid
    assert "RefundApproved: rule RT-1" in text
    assert "ParcelDelivered" in text  # the window counted from the delivery
    explained = json.loads(run("explain", "O-1002", "--json").stdout)["decisions"]
    assert [d["type"] for d in explained] == ["ShippedLate"]
    assert "DispatchDelayNotified" in [e["type"] for e in explained[0]["rests_on"]]
    assert run("explain", "S-1001").returncode == 2


def test_view_commands_print_the_json_shapes_of_the_spec(run):
    run("append", str(FIXTURE))
    stock = json.loads(run("stock", "--json").stdout)
    assert set(stock) == {"skus"} and set(stock["skus"][0]) == {"sku", "on_hand", "reserved", "available", "low"}
    liability = json.loads(run("liability", "--json").stdout)
    assert set(liability) == {"cases", "orders", "totals"}
    assert set(liability["totals"]) == {"shop_cost", "buyer_cost", "refund_approved", "refunded",
                                        "refund_outstanding", "returned_postage", "lost_value"}
    assert set(liability["orders"][0]) == {"order_id", "cancelled", "refund_approved", "refunded",
                                           "refund_outstanding", "returned_postage", "lost_value"}
    assert set(liability["cases"][0]) == {
        "case_id", "order_id", "kind", "reason", "payer", "rule", "outbound_postage", "return_postage",
        "reship_postage", "shop_cost", "buyer_cost", "refund_approved", "refunded", "refund_outstanding"}
    sla = json.loads(run("sla", "--as-of", "2026-11-15T00:00:00+08:00", "--json").stdout)
    assert sla["as_of"] == "2026-11-15T00:00:00+08:00"
    assert set(sla) == {"as_of", "counts", "breaches"}
    assert sum(sla["counts"].values()) == len(sla["breaches"]) and len(sla["counts"]) == 7
    assert set(sla["breaches"][0]) == {"kind", "subject", "rule", "due", "done_at"}
    dues = [b["due"] for b in sla["breaches"]]
    assert dues == sorted(dues)


def test_view_text_is_aligned_with_money_right_aligned(run):
    run("append", str(FIXTURE))
    text = run("liability").stdout
    lines_ = text.split("\n\nOrders")[0].splitlines()[2:]  # the cases' table
    header, total = lines_[0], lines_[-1]
    report = json.loads(run("liability", "--json").stdout)
    owed = sum(Decimal(case["refund_outstanding"]) for case in report["cases"])
    assert total.startswith("cases ") and total.endswith(f"{owed:.2f}")  # the cases' own total, so labelled
    orders_total = text.split("\n\nOrders")[1].split("\n\n")[1].splitlines()[-1]
    lost = sum(Decimal(order["lost_value"]) for order in report["orders"])
    assert orders_total.startswith("orders ") and orders_total.endswith(f"{lost:.2f}")
    assert header.endswith("owed")
    assert all(len(line) == len(lines_[2]) for line in lines_[2:])  # money columns end on one edge
    grand = text.splitlines()[-1]
    assert grand.startswith("Both together:")
    assert grand.endswith(f"outstanding {report['totals']['refund_outstanding']}")
    assert run("sla", "--as-of", "tomorrow").returncode == 2


def test_replay_export_and_what_if_from_the_command_line(run, tmp_path):
    run("append", str(FIXTURE))
    assert run("replay").stdout.strip() == "rebuilt the views from 492 event(s)"
    exported = run("export").stdout.splitlines()
    assert len(exported) == 369 and all('"key"' in line for line in exported)
    (tmp_path / "long.toml").write_text('return_window_days = 15\n')
    report = json.loads(run("replay", "--policy", str(tmp_path / "long.toml"), "--json").stdout)
    assert report["policy_version"] == "what-if"
    assert {"subject": "C-1010", "field": "decision", "recorded": "ReturnRejected",
            "replayed": "ReturnAccepted"} in report["changes"]
    assert set(report["totals"]) == {"recorded", "replayed"}
    (tmp_path / "bad.toml").write_text('return_window_days = "long"\n')
    bad = run("replay", "--policy", str(tmp_path / "bad.toml"))
    assert bad.returncode == 2 and "return_window_days" in bad.stderr


def test_verify_exits_4_naming_the_tampered_position(run, store):
    run("append", str(FIXTURE))
    head = run("verify").stdout.splitlines()[-1]
    assert head.startswith("head 492:")
    tamperer = Shop(store)
    tamperer.edit_state(15, b"lily", b"lilY")
    tamperer.ledger.close()
    result = run("verify")
    assert (result.returncode, result.stderr.strip()) == (4, "tampered 15: the event was changed")


def test_verify_takes_a_written_down_head_in_either_case_and_refuses_a_malformed_one(run):
    run("append", str(FIXTURE))
    head = run("verify").stdout.splitlines()[-1].removeprefix("head ")
    n, digits = head.split(":")
    for written in (head, f"{n}:{digits.upper()}", f"0{n}:{digits}"):
        checked = run("verify", "--expect-head", written)
        assert checked.returncode == 0, (written, checked.stderr)
    for malformed in (f" {head}", f"{head} ", f"{n}:{digits[:-1]}", f"{n}-{digits}", f"{n}:{digits[:-1]}g", ""):
        refused = run("verify", "--expect-head", malformed)
        assert refused.returncode == 2, (malformed, refused.stderr)
        assert "a head is N:HEX" in refused.stderr and refused.stderr.count("\n") == 1
    other = run("verify", "--expect-head", f"{n}:{'0' * 64}")
    assert other.returncode == 4 and other.stderr.startswith(f"tampered {n}: differs")


def test_forget_from_the_command_line(run):
    run("append", str(FIXTURE))
    assert run("forget", "CU-404").returncode == 2
    result = run("forget", "CU-103", "--actor", "zhao", "--reason", "asked by phone")
    assert result.returncode == 0 and "CU-103" in result.stdout
    placed = json.loads(run("history", "O-1003", "--json").stdout)["events"][0]
    assert (placed["data"]["address"], placed["data"]["phone"]) == ("[erased]", "[erased]")
    assert run("verify").returncode == 0


def test_backup_from_the_command_line(run, store, tmp_path):
    run("append", str(FIXTURE))
    result = run("backup", str(tmp_path / "copy.db"))
    if store.startswith("sqlite"):
        assert result.returncode == 0 and "backed up 492 event(s)" in result.stdout
        copy = run("--store", f"sqlite:///{tmp_path / 'copy.db'}", "verify").stdout.splitlines()[-1]
        taken = json.loads(run("export").stdout.splitlines()[-1])  # the backup is recorded, with its head
        assert (taken["type"], taken["path"], f"head {taken['head']}") == \
            ("BackupTaken", str(tmp_path / "copy.db"), copy)
        assert run("backup", str(tmp_path / "copy.db")).returncode == 2  # never overwrites
        erased = run("forget", "CU-103", "--reason", "asked by phone")
        assert erased.returncode == 0 and "1 backup(s) taken before still hold their key" in erased.stdout
        assert str(tmp_path / "copy.db") in erased.stdout
    else:
        assert result.returncode == 2 and "pg_dump" in result.stderr


def test_sla_counts_every_kind_and_keeps_the_kinds_and_open_breaches_asked_for(run):
    run("append", str(FIXTURE))
    as_of = ("--as-of", "2026-11-15T00:00:00+08:00")
    every = json.loads(run("sla", *as_of, "--json").stdout)
    assert list(every["counts"]) == ["same_day_shipping", "address_unconfirmed", "exchange_reship", "review_contact",
                                     "review_resolution", "complaint_response", "complaint_resolution"]
    for kind, n in every["counts"].items():
        assert n == sum(b["kind"] == kind for b in every["breaches"])
    two = json.loads(run("sla", *as_of, "--kind", "review_contact", "--kind", "complaint_response", "--json").stdout)
    assert {b["kind"] for b in two["breaches"]} == {"review_contact", "complaint_response"}
    assert two["counts"]["same_day_shipping"] == 0 and sum(two["counts"].values()) == len(two["breaches"])
    still_open = json.loads(run("sla", *as_of, "--open", "--json").stdout)
    assert still_open["breaches"] and all(b["done_at"] is None for b in still_open["breaches"])
    assert len(still_open["breaches"]) == sum(b["done_at"] is None for b in every["breaches"])
    text = run("sla", *as_of).stdout.rstrip().split("\n\n")[-1].replace("\n", " ")  # the tally, wrapped
    assert text.startswith(f"{len(every['breaches'])} in all: same_day_shipping {every['counts']['same_day_shipping']}")
    unknown = run("sla", "--kind", "late_lunch")
    assert unknown.returncode == 2 and 'unknown kind "late_lunch"' in unknown.stderr


def test_stock_and_what_if_text_end_with_a_tally(run, tmp_path):
    run("append", str(FIXTURE))
    skus = json.loads(run("stock", "--json").stdout)["skus"]
    last = run("stock").stdout.rstrip().splitlines()[-1]
    assert last == f"{len(skus)} SKU(s): {sum(s['low'] for s in skus)} low, " \
                   f"{sum(s['available'] < 0 for s in skus)} oversold"
    (tmp_path / "longer.toml").write_text("return_window_days = 15\n")
    tally = run("replay", "--policy", str(tmp_path / "longer.toml")).stdout.rstrip().splitlines()[-1]
    assert tally == "5 in all: decision 1, payer 1, refund_approved 1, shop_cost 1, buyer_cost 1, breach 0, refused 0"


def test_replay_of_a_tampered_log_exits_4_and_rebuilds_nothing(run, store, tmp_path):
    """Section 8: replay first checks the chain as verify does; a tampered history rebuilds nothing."""
    run("append", "-", stdin=lines(shipped_order(), placed("O-2", "11-03 10:00")))
    before = run("liability", "--json").stdout
    tamperer = Shop(store)
    tamperer.edit_state(1, b'"6.00"', b'"9.00"')  # the shipping fee of O-1
    tamperer.raw("DELETE FROM view_liability_orders")
    tamperer.ledger.close()
    result = run("replay")
    assert (result.returncode, result.stdout) == (4, "")
    assert result.stderr.startswith("tampered 1: the event was changed") and "\n" not in result.stderr.strip()
    (tmp_path / "p.toml").write_text("return_window_days = 9\n")
    assert run("replay", "--policy", str(tmp_path / "p.toml")).returncode == 4
    assert run("liability", "--json").stdout == before


def test_text_output_escapes_control_characters_of_stored_values(run):
    hostile = {**placed("O-1", "11-02 10:00"), "actor": "lily"}
    noted = {"type": "DispatchDelayNotified", "at": "2026-11-02T11:00:00+08:00", "actor": "lily",
             "role": "customer_service", "order_id": "O-1", "reason": "缺货\r\n明天\t发"}
    run("append", "-", stdin=lines(hostile, noted))
    out = run("history", "O-1").stdout
    assert "缺货\\r\\n明天\\t发" in out and "\r" not in out and "\t" not in out


def test_piped_output_has_no_progress_noise(run, tmp_path):
    appended = run("append", str(FIXTURE))
    replayed = run("replay")
    exports = ROOT / "fixtures" / "taobao"
    imported = run("import", "taobao", str(exports / "orders-2026-11-03.csv"), str(exports / "items-2026-11-03.csv"))
    assert (appended.stderr, replayed.stderr, imported.stderr) == ("", "", "")
    assert replayed.stdout == "rebuilt the views from 492 event(s)\n" and imported.stdout.startswith("stored 9 ")


def test_a_binary_master_key_file_is_blamed_not_the_records(run, tmp_path):
    key = tmp_path / "binary.key"
    key.write_bytes(bytes(range(256)))
    key.chmod(0o600)
    env = {"PATH": "/usr/bin:/bin", "LEDGER_KEY_FILE": str(key), "LEDGER_STORE": f"sqlite:///{tmp_path / 's.db'}"}
    result = subprocess.run([LEDGER, "append", "-"], input=lines(placed("O-1", "11-02 10:00")), capture_output=True,
                            text=True, env=env)
    assert result.returncode == 1 and f"the master key file {key} must hold a base64 key" in result.stderr


def test_a_key_file_others_can_read_is_refused_with_the_reason(tmp_path):
    key = tmp_path / "master.key"
    key.write_text(os.environ["LEDGER_MASTER_KEY"] + "\n")
    key.chmod(0o644)
    env = {"PATH": "/usr/bin:/bin", "LEDGER_KEY_FILE": str(key), "LEDGER_STORE": f"sqlite:///{tmp_path / 's.db'}"}
    result = subprocess.run([LEDGER, "append", "-"], input=lines(placed("O-1", "11-02 10:00")), capture_output=True,
                            text=True, env=env)
    assert result.returncode == 1
    assert f"the master key file {key} can be read by others (mode 644)" in result.stderr
    assert f"chmod 600 {key}" in result.stderr and past_creation(result).stderr.count("\n") == 1


def test_an_empty_master_key_variable_is_refused_not_passed_over(tmp_path):
    key = tmp_path / "master.key"
    env = {"PATH": "/usr/bin:/bin", "LEDGER_MASTER_KEY": "", "LEDGER_KEY_FILE": str(key),
           "LEDGER_STORE": f"sqlite:///{tmp_path / 's.db'}"}
    result = subprocess.run([LEDGER, "append", "-"], input=lines(placed("O-1", "11-02 10:00")), capture_output=True,
                            text=True, env=env)
    assert result.returncode == 1 and "LEDGER_MASTER_KEY is set and empty" in result.stderr
    assert not key.exists()


def test_processes_creating_the_master_key_at_once_all_get_the_one_key(tmp_path):
    """Four processes start together on a machine without a key, twenty times over: every one of them gets
    the same whole key, and no draft is left behind."""
    import time

    script = ("import os, sys, time, base64; from ledger.crypto import master_key; "
              "time.sleep(max(0.0, float(sys.argv[1]) - time.time())); "
              "print(base64.b64encode(master_key()).decode())")
    for round_ in range(20):
        folder = tmp_path / f"round-{round_}"
        env = {"PATH": "/usr/bin:/bin", "LEDGER_KEY_FILE": str(folder / "ledger" / "master.key")}
        start = str(time.time() + 1.0)
        runs = [subprocess.Popen([sys.executable, "-c", script, start], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, env=env) for _ in range(4)]
        results = [(run.wait(), *run.communicate()) for run in runs]
        assert all(status == 0 for status, _, _ in results), results
        keys = {out.strip() for _, out, _ in results}
        assert len(keys) == 1 and len(keys.pop()) == 44
        assert [p.name for p in (folder / "ledger").iterdir()] == ["master.key"]


def test_no_master_key_for_a_store_written_with_one_generates_none(run, store, tmp_path):
    run("append", "-", stdin=lines(placed("O-1", "11-02 10:00")))  # written under the tests' key
    config = tmp_path / "config"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(config), "LEDGER_STORE": store}
    result = subprocess.run([LEDGER, "history", "O-1"], capture_output=True, text=True, env=env)
    assert result.returncode == 1 and "this store was written under a master key" in result.stderr
    assert not config.exists()  # no useless new key was written


@pytest.mark.parametrize("url, reason", [
    ("postgresql://postgres@127.0.0.1:1/test", "connection"),
    ("postgresql://no_such_role@127.0.0.1:5432/test", "no_such_role"),
    ("postgresql://postgres@127.0.0.1:5432/no_such_database", "no_such_database"),
])
def test_a_postgresql_server_that_refuses_exits_1_within_10_seconds_with_its_reason(run, url, reason):
    import time

    started = time.monotonic()
    result = run("--store", url, "stock")
    assert time.monotonic() - started < 10
    assert result.returncode == 1 and reason in result.stderr and "\n" not in result.stderr.strip()


def test_a_line_over_1_mb_is_refused_as_it_is_read_in_bounded_memory(tmp_path):
    """A 50 MB line: refused at once with its line number, without reading it whole (the process's peak
    memory stays far below the line's size)."""
    big = tmp_path / "big.jsonl"
    with big.open("w") as out:
        out.write(lines(placed("O-1", "11-02 10:00")))
        out.write('{"type": "' + "x" * 50_000_000 + '"}\n')
    probe = ("import resource, subprocess, sys, time; start = time.monotonic(); "
             "done = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
             "print(done.returncode, time.monotonic() - start, "
             "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); print(done.stderr, end='')")
    env = {"PATH": "/usr/bin:/bin", "LEDGER_MASTER_KEY": os.environ["LEDGER_MASTER_KEY"],
           "LEDGER_STORE": f"sqlite:///{tmp_path / 's.db'}"}
    result = subprocess.run([sys.executable, "-c", probe, LEDGER, "append", str(big)], capture_output=True,
                            text=True, env=env)
    figures, message = result.stdout.split("\n", 1)
    status, seconds, peak_kib = figures.split()
    assert status == "2"
    assert message.splitlines()[-1] == "line 2: a line of input is at most 1 MB (1,000,000 bytes); this one is longer"
    assert int(peak_kib) < 100 * 1024 and float(seconds) < 5
    verify = subprocess.run([LEDGER, "verify"], capture_output=True, text=True, env=env)
    assert verify.stdout.splitlines()[-1].startswith("head 0:")  # nothing of the file was stored


@pytest.mark.parametrize("target", ["missing.jsonl", "."])
def test_a_missing_or_directory_file_is_named_in_one_plain_line(run, target):
    result = run("append", target)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "Usage:" not in result.stderr
    assert f"'{target}'" in result.stderr


def test_a_command_that_creates_a_store_says_so_once_so_a_mistyped_name_is_seen(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "LEDGER_MASTER_KEY": os.environ["LEDGER_MASTER_KEY"],
           "LEDGER_STORE": f"sqlite:///{tmp_path / 'shpo.db'}"}
    first = subprocess.run([LEDGER, "append", "-"], input=lines(placed("O-1", "11-02 10:00")), capture_output=True,
                           text=True, env=env)
    assert first.stderr == f"created a new store at {tmp_path / 'shpo.db'}\n"
    again = subprocess.run([LEDGER, "append", "-"], input=lines(placed("O-2", "11-02 10:00")), capture_output=True,
                           text=True, env=env)
    assert again.returncode == 0 and again.stderr == ""
    read = subprocess.run([LEDGER, "stock"], capture_output=True, text=True,
                          env={**env, "LEDGER_STORE": "sqlite:///x.db"}, cwd=tmp_path)
    assert read.returncode == 2 and "no store at" in read.stderr and not (tmp_path / "x.db").exists()


def test_version_and_the_nearest_record_type(run):
    version = run("--version")
    assert version.returncode == 0 and version.stdout.startswith("ledger ")
    typo = run("append", "-", stdin='{"type": "OrderPlacd"}\n')
    assert typo.returncode == 2 and typo.stderr.strip() == 'line 1: unknown record type "OrderPlacd"; did you mean ' \
                                                           'OrderPlaced?'
