"""The warm writer (warm.py): while `ledger serve` runs on a store, `ledger add` and a small `ledger append`
are run by the desk's process, with the same answers and exit statuses, over an owner-only socket; without a
desk they run in-process as before."""
from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bench.desk_load import free_port, started_desk
from ledger import warm
from tests.desk import demo_ledger

LEDGER = str(Path(sys.executable).with_name("ledger"))
OTHER_KEY = "b3RoZXItbWFzdGVyLWtleS1ub3QtdGhlLXN0b3Jlcy0xIQ=="  # a key this store was not written with


@pytest.fixture
def served(tmp_path):
    """A desk on the demo shop, its socket in a private folder of this test's own."""
    run = tmp_path / "run"
    run.mkdir(mode=0o700)
    store = f"sqlite:///{tmp_path / 'shop.db'}"
    ledger = demo_ledger(store)
    token = ledger.make_token("lily", "script")[1]
    ledger.close()
    env = {**os.environ, "XDG_RUNTIME_DIR": str(run), "LEDGER_STORE": store, "LEDGER_LANG": "en"}
    server = started_desk(env, free_port())
    yield env, token, server
    if server.poll() is None:
        server.terminate()
        server.wait(timeout=30)


def ledger_cmd(env: dict, *args: str, stdin: str | None = None, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([LEDGER, *args], env={**env, **extra}, input=stdin, capture_output=True, text=True,
                          timeout=120)


def test_add_is_run_by_the_desk_with_the_caller_s_account(served):
    env, token, _ = served
    # the caller's own master key is not the store's: only the desk's process can seal the note
    done = ledger_cmd(env, "add", "OrderNoted", "order_id=O-1003", "note=回访", "key=warm:1", LEDGER_TOKEN=token,
                      LEDGER_MASTER_KEY=OTHER_KEY)
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "stored OrderNoted and 0 decision(s)", "")
    history = ledger_cmd(env, "history", "O-1003", "--json")
    assert '"actor": "lily"' in history.stdout and "回访" in history.stdout


def test_a_refusal_and_an_invalid_record_answer_as_in_process(served):
    env, token, server = served
    cases = [("add", "ParcelDelivered", "shipment_id=S-404"), ("add", "OrderNoted", "order_id=O-1003"),
             ("add", "SupervisorRuled", "case_id=C-1006", "payer=shop", "note=x")]
    warm_answers = [ledger_cmd(env, *args, LEDGER_TOKEN=token, LEDGER_MASTER_KEY=OTHER_KEY) for args in cases]
    server.terminate()
    server.wait(timeout=30)
    in_process = [ledger_cmd(env, *args, LEDGER_TOKEN=token) for args in cases]
    for handed, here in zip(warm_answers, in_process, strict=True):
        assert (handed.returncode, handed.stdout, handed.stderr) == (here.returncode, here.stdout, here.stderr)
    assert [a.returncode for a in in_process] == [3, 2, 3]


def test_a_wrong_password_is_the_same_one_line_through_the_desk(served):
    env, _, _ = served
    wrong = ledger_cmd(env, "--as", "lily", "add", "OrderNoted", "order_id=O-1003", "note=x",
                       LEDGER_PASSWORD="not-her-password")
    assert wrong.returncode == 2 and wrong.stderr.strip() == ("sign-in failed: unknown name, wrong password or "
                                                              "revoked token")
    right = ledger_cmd(env, "--as", "lily", "add", "OrderNoted", "order_id=O-1003", "note=y", "key=warm:pw",
                       LEDGER_PASSWORD="demo-lily-2026", LEDGER_MASTER_KEY=OTHER_KEY)
    assert right.returncode == 0


def test_a_small_append_is_handed_over_from_a_file_or_standard_input(served, tmp_path):
    env, token, _ = served
    line = '{"type": "OrderNoted", "at": "2026-11-16T12:00:00+08:00", "order_id": "O-1003", "note": "%s", ' \
           '"key": "warm:%s"}\n'
    records = tmp_path / "notes.jsonl"
    records.write_text(line % ("a", "a") + line % ("b", "b"))
    from_file = ledger_cmd(env, "append", str(records), LEDGER_TOKEN=token, LEDGER_MASTER_KEY=OTHER_KEY)
    assert from_file.returncode == 0 and "stored 2 record(s)" in from_file.stdout
    piped = ledger_cmd(env, "append", "-", stdin=line % ("c", "c"), LEDGER_TOKEN=token, LEDGER_MASTER_KEY=OTHER_KEY)
    assert piped.returncode == 0 and "stored 1 record(s)" in piped.stdout


def test_the_socket_is_its_owner_s_alone_and_goes_with_the_desk(served):
    env, _, server = served
    run = Path(env["XDG_RUNTIME_DIR"]) / "ledger"
    sockets = list(run.glob("desk-*.sock"))
    assert len(sockets) == 1
    assert stat.S_IMODE(os.stat(run).st_mode) == 0o700 and stat.S_IMODE(os.stat(sockets[0]).st_mode) == 0o600
    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=30) == 0
    assert not sockets[0].exists()


def test_without_a_desk_or_with_a_stale_socket_the_command_runs_in_process(tmp_path):
    run = tmp_path / "run"
    (run / "ledger").mkdir(parents=True, mode=0o700)
    run.chmod(0o700)
    store = f"sqlite:///{tmp_path / 'shop.db'}"
    ledger = demo_ledger(store)
    token = ledger.make_token("lily", "script")[1]
    ledger.close()
    env = {**os.environ, "XDG_RUNTIME_DIR": str(run), "LEDGER_STORE": store, "LEDGER_LANG": "en"}
    stale = socket.socket(socket.AF_UNIX)
    path = run / "ledger" / _socket_name(store, env)
    stale.bind(str(path))  # bound, never listening: a desk that died
    stale.close()
    done = ledger_cmd(env, "add", "OrderNoted", "order_id=O-1003", "note=here", "key=warm:here", LEDGER_TOKEN=token)
    assert done.returncode == 0 and "stored OrderNoted" in done.stdout


def _socket_name(store: str, env: dict) -> str:
    found = subprocess.run([sys.executable, "-c", f"from ledger.warm import socket_path; "
                                                  f"print(socket_path({store!r}).name)"],
                           env=env, capture_output=True, text=True, check=True)
    return found.stdout.strip()


def test_a_folder_others_may_enter_is_never_used(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setenv("LEDGER_TOKEN", "ldg_x_y")
    store = f"sqlite:///{tmp_path / 'shop.db'}"
    shared = tmp_path / "ledger"
    shared.mkdir()
    shared.chmod(0o777)  # anyone could have put a socket here
    planted = socket.socket(socket.AF_UNIX)
    planted.bind(str(warm.socket_path(store)))
    planted.listen(1)
    planted.settimeout(0.5)
    assert warm.handed_over(["--store", store, "add", "OrderNoted", "order_id=O-1"]) is None
    with pytest.raises(TimeoutError):
        planted.accept()  # nobody came: the caller ran the command itself
    planted.close()
    assert not warm.private(shared, create=False)


@pytest.mark.parametrize("argv", [
    ["stock"], ["add", "--help"], ["--as", "lily", "add", "OrderNoted"], ["append", "a.jsonl", "b.jsonl"],
    ["--version"],
])
def test_what_is_not_handed_over(argv, monkeypatch):
    monkeypatch.delenv("LEDGER_PASSWORD", raising=False)
    monkeypatch.setenv("LEDGER_TOKEN", "ldg_x_y")
    assert warm._request(argv) is None
