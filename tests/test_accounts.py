"""Staff accounts (SPEC section 14): roles checked against who is signed in, not against what a record says.

The shop: zhao is the supervisor, lily customer service, wang the shipping clerk, import:taobao the
platform import. Each hostile move a clerk could make without accounts is tried as lily.
"""
from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from freezegun import freeze_time

from ledger.accounts import Account
from ledger.application import LineError
from tests.conftest import past_creation
from tests.shop import (
    Shop, complaint, complaint_ruled, delay_notified, dispatched, fund_spent, placed, policy, rec, requested,
    shipped_order, stock, target, upheld, wage,
)

LEDGER = str(Path(sys.executable).with_name("ledger"))
ZHAO, LILY = Account("zhao", "supervisor"), Account("lily", "customer_service")
WANG, IMPORT = Account("wang", "shipping_clerk"), Account("import:taobao", "system")
PASSWORDS = {"zhao": "zhao-password-1", "lily": "lily-password-1", "wang": "wang-password-1",
             "import:taobao": "import-password-1"}


def enrolment(staff: str, role: str, actor: str = "zhao") -> dict:
    return rec("StaffEnrolled", "10-01 08:00", role, actor, staff=staff)


def unsigned(record: dict) -> dict:
    """A record as a signed-in person types it: actor and role come from the account (an enrolment's and a
    role change's `role` is the account's they name, and stays)."""
    own = record["type"] in ("StaffEnrolled", "StaffRoleChanged")
    return {k: v for k, v in record.items() if k != "actor" and (own or k != "role")}


def lines(*records: dict) -> list[str]:
    return [json.dumps(record, ensure_ascii=False) for record in records]


@pytest.fixture
def accounts(shop: Shop) -> Shop:
    """The shop's accounts, enrolled in the append that gives the store its first accounts."""
    shop.append(enrolment("zhao", "supervisor"), enrolment("lily", "customer_service"),
                enrolment("wang", "shipping_clerk"), enrolment("import:taobao", "system"))
    for name, password in PASSWORDS.items():
        shop.ledger.set_password(name, password)
    opening = (wage("lily", "3000.00"), wage("wang", "3000.00"), stock("TEE", 50))
    shop.ledger.append(lines(*map(unsigned, opening)), ZHAO)
    return shop


def refused_as(shop: Shop, account: Account, *records: dict) -> LineError:
    before = shop.event_count()
    with pytest.raises(LineError) as raised:
        shop.ledger.append(lines(*records), account)
    assert shop.event_count() == before, "a refused record stores nothing"
    return raised.value


SUPERVISORS_ONLY = [
    fund_spent("3600.00", "11-10 10:00"),  # drain the growth fund
    wage("lily", "9000.00", "11-10 10:00"),  # raise her own wage
    policy("v-366", "11-10 10:00", return_window_days=366),
    target("2026-11", sales="1.00"),
    rec("SupervisorRuled", "11-10 10:00", "supervisor", "zhao", case_id="C-1", payer="shop", note="ruled"),
    enrolment("mei", "customer_service"),
    rec("StaffRoleChanged", "11-10 10:00", "supervisor", "lily", staff="lily"),
    rec("StaffLeft", "11-10 10:00", "supervisor", "zhao", staff="zhao"),
]


@pytest.mark.parametrize("record", SUPERVISORS_ONLY, ids=lambda r: r["type"])
def test_a_supervisor_only_record_is_refused_from_customer_service_whatever_it_says(accounts, record):
    if record["type"] == "SupervisorRuled":  # a case to rule on
        accounts.ledger.append(lines(*map(unsigned, [*shipped_order("O-1"), requested("C-1", "O-1", "11-04 10:00")])),
                               ZHAO)
    said_supervisor = {**record, "actor": "lily", "role": "supervisor"}
    staff_role = record["type"] in ("StaffEnrolled", "StaffRoleChanged")  # `role` names the account's
    assert refused_as(accounts, LILY, said_supervisor).error.rule == ("AU-1" if staff_role else "AU-2")
    assert refused_as(accounts, LILY, unsigned(record)).error.rule == "AU-1"


def test_an_appended_record_carries_the_accounts_name_and_role(accounts):
    accounts.ledger.append(lines(unsigned(placed("O-1", "11-02 10:00"))), LILY)
    placed_ = accounts.events("O-1")[0]
    assert (placed_.actor, placed_.role, placed_.signed_in) == ("lily", "customer_service", True)
    assert refused_as(accounts, LILY, {**placed("O-2", "11-02 10:00"), "actor": "wang"}).error.rule == "AU-2"


def test_without_an_account_a_store_with_accounts_takes_nothing(accounts):
    with pytest.raises(LineError) as raised:
        accounts.ledger.append(lines(stock("TEE", 1)))
    assert raised.value.error.rule == "AU-2"


def test_a_left_account_appends_nothing(accounts):
    accounts.ledger.append(lines(unsigned(rec("StaffLeft", "11-10 10:00", staff="wang"))), ZHAO)
    assert accounts.ledger.account("wang").left
    gone = Account("wang", "shipping_clerk", left=True)
    assert refused_as(accounts, gone, unsigned(stock("TEE", 1))).error.rule == "AU-2"


def test_the_first_account_of_a_store_is_a_supervisors(shop):
    assert shop.refused(enrolment("lily", "customer_service", actor="lily")).error.rule == "AU-1"
    shop.append(enrolment("zhao", "supervisor"))
    assert shop.ledger.has_accounts()


def test_an_import_key_and_the_platforms_records_only_from_a_system_account(accounts):
    taken = {**unsigned(stock("TEE", 1)), "key": "taobao:dispatched:3287:SF1"}
    assert refused_as(accounts, LILY, taken).error.rule == "AU-4"
    accounts.ledger.append(lines(taken), IMPORT)
    assert accounts.events("TEE")[-1].actor == "import:taobao"


def test_forget_is_the_supervisors_alone(accounts):
    accounts.ledger.append(lines(unsigned(placed("O-1", "11-02 10:00"))), LILY)
    forgotten = unsigned(rec("CustomerForgotten", "11-10 10:00", customer_id="CU-1", reason="test"))
    assert refused_as(accounts, LILY, forgotten).error.rule == "AU-3"
    accounts.ledger.append(lines(forgotten), ZHAO)


def test_nobody_lodges_or_rules_on_a_complaint_against_themself(accounts):
    own = {**unsigned(complaint("K-1", "11-05 10:00", against="lily")), "customer_id": "CU-7"}
    assert refused_as(accounts, LILY, own).error.rule == "CP-3"
    accounts.ledger.append(lines(unsigned(wage("zhao", "5000.00"))), ZHAO)
    accounts.ledger.append(lines(unsigned(complaint("K-1", "11-05 10:00", against="zhao"))), LILY)
    assert refused_as(accounts, ZHAO, unsigned(complaint_ruled("K-1", "11-06 10:00"))).error.rule == "CP-3"


def test_cp3_holds_without_accounts_too(shop):
    shop.append(wage("lily", "3000.00"))
    ruled_own = upheld("K-1", "11-05 10:00", "11-06 10:00", against="zhao")
    shop.append(wage("zhao", "5000.00"), ruled_own[0])
    assert shop.refused(ruled_own[1]).error.rule == "CP-3"


def test_a_backdated_excuse_entered_after_its_deadline_leaves_the_breach_standing(accounts):
    """Three orders due at 11-03 00:00, dispatched late. Today lily enters a delay notice dated 11-02 for O-1:
    it is stored, and the breach stands (AU-4); the supervisor's for O-2 excuses it; lily's for O-3, entered
    on 11-02 itself, counts."""
    orders = [unsigned(placed(order, "11-02 10:00")) for order in ("O-1", "O-2", "O-3")]
    accounts.ledger.append(lines(*orders), LILY)
    with freeze_time("2026-11-02T13:00:00+08:00"):
        accounts.ledger.append(lines(unsigned(delay_notified("O-3", "11-02 12:00"))), LILY)
    accounts.ledger.append(lines(unsigned(delay_notified("O-1", "11-02 12:00"))), LILY)
    accounts.ledger.append(lines(unsigned(delay_notified("O-2", "11-02 12:00"))), ZHAO)
    accounts.ledger.append(lines(*(unsigned(dispatched(f"S-{n}", f"O-{n}", "11-03 10:00", {"TEE": 1}))
                                   for n in (1, 2, 3))), WANG)
    late = {b["subject"] for b in accounts.ledger.reader.breaches(datetime.fromisoformat("2026-11-05T00:00+08:00"))
            if b["kind"] == "same_day_shipping"}
    assert late == {"O-1"}
    assert [accounts.decision(order, "ShippedLate").notified for order in ("O-1", "O-2", "O-3")] == [False, True, True]
    notice = next(e for e in accounts.events("O-1") if type(e).__name__ == "DispatchDelayNotified")
    assert notice.timestamp > notice.at
    explained = accounts.ledger.timeline(accounts.ledger.streams_of("O-1")).history_text("O-1")
    late_line = next(line for line in explained.splitlines() if "DispatchDelayNotified" in line)
    assert "2026-11-02 12:00:00" in late_line and "AU-4, it counts from then" in late_line  # both times
    on_time = accounts.ledger.timeline(accounts.ledger.streams_of("O-3")).history_text("O-3")
    assert "(entered 2026-11-02 13:00:00: AU-4" in on_time  # in time: it counts, from its entry


def test_staff_records_are_in_the_staff_members_history_and_their_secrets_nowhere(accounts, store, tmp_path):
    env = {"LEDGER_STORE": store, "PATH": "/usr/bin:/bin", "LEDGER_MASTER_KEY": os.environ["LEDGER_MASTER_KEY"]}
    before = run(env, "verify").stdout
    token = run({**env, "LEDGER_AS": "lily", "LEDGER_PASSWORD": PASSWORDS["lily"]}, "staff", "token", "lily",
                "--label", "script").stdout.splitlines()[-1]
    changed = run({**env, "LEDGER_AS": "lily", "LEDGER_PASSWORD": PASSWORDS["lily"]}, "staff", "password", "lily",
                  "--password-stdin", stdin="a-new-password-2\n")
    assert changed.returncode == 0 and run(env, "verify").stdout == before  # credentials are not in the chain
    hashes = [row[0] for row in accounts.raw("SELECT hash FROM ledger_passwords")]
    secrets = [*PASSWORDS.values(), "a-new-password-2", token, token.split("_", 2)[2], *hashes]
    outputs = [run(env, *command).stdout + run(env, *command).stderr for command in (
        ("export",), ("history", "lily", "--json"), ("history", "zhao"), ("staff", "list", "--json"),
        ("staff", "list"), ("report", "--html", str(tmp_path / "report.html")))]
    outputs.append((tmp_path / "report.html").read_text(encoding="utf-8"))
    outputs.append(changed.stdout + changed.stderr)
    for text in outputs:
        assert not any(secret in text for secret in secrets)
    assert "StaffEnrolled" in run(env, "history", "lily").stdout


def run(env: dict, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return past_creation(subprocess.run([LEDGER, *args], input=stdin, capture_output=True, text=True, env=env))


@pytest.fixture
def env(accounts, store) -> dict:
    return {"LEDGER_STORE": store, "PATH": "/usr/bin:/bin", "LEDGER_MASTER_KEY": os.environ["LEDGER_MASTER_KEY"]}


def test_the_command_line_appends_as_the_signed_in_account(env):
    lily = {**env, "LEDGER_AS": "lily", "LEDGER_PASSWORD": PASSWORDS["lily"]}
    added = run(lily, "add", "StockReceived", "sku=TEE", "quantity=5")
    assert added.returncode == 0, added.stderr
    exported = [json.loads(line) for line in run(env, "export").stdout.splitlines()]
    assert (exported[-1]["actor"], exported[-1]["role"]) == ("lily", "customer_service")
    assert "signed_in" not in exported[-1]
    nobody = run(env, "add", "StockReceived", "sku=TEE", "quantity=5")
    assert nobody.returncode == 2 and "--as" in nobody.stderr
    said = run({**lily, "LEDGER_ROLE": "supervisor"}, "add", "TargetSet", "period=2026-12", "sales=1")
    assert said.returncode == 3 and said.stderr.startswith("AU-1:")
    assert run(env, "stock").returncode == 0  # reading needs no account


def test_wrong_credentials_exit_2_with_one_message_after_a_delay(env):
    messages = set()
    for who in ({"LEDGER_AS": "lily", "LEDGER_PASSWORD": "not-her-password"},
                {"LEDGER_AS": "nobody", "LEDGER_PASSWORD": "not-her-password"},
                {"LEDGER_TOKEN": "ldg_00000000_forged"}):
        start = time.monotonic()
        result = run({**env, **who}, "add", "StockReceived", "sku=TEE", "quantity=5")
        assert time.monotonic() - start >= 0.5
        assert result.returncode == 2
        messages.add(result.stderr)
    assert len(messages) == 1 and "password" not in messages.pop().split(":")[0]


def test_a_token_signs_in_until_it_is_revoked(env):
    zhao = {**env, "LEDGER_AS": "zhao", "LEDGER_PASSWORD": PASSWORDS["zhao"]}
    made = run(zhao, "staff", "token", "import:taobao", "--label", "nightly import")
    token = made.stdout.splitlines()[-1]
    as_import = {**env, "LEDGER_TOKEN": token}
    assert run(as_import, "add", "StockReceived", "sku=TEE", "quantity=1").returncode == 0
    token_id = json.loads(run(env, "staff", "list", "--json").stdout)["staff"][0]["tokens"][0]["id"]
    assert run(zhao, "staff", "revoke", token_id).returncode == 0
    assert run(as_import, "add", "StockReceived", "sku=TEE", "quantity=1").returncode == 2


def test_a_clerk_may_not_set_another_persons_password_or_token(env):
    lily = {**env, "LEDGER_AS": "lily", "LEDGER_PASSWORD": PASSWORDS["lily"]}
    assert run(lily, "staff", "password", "zhao", "--password-stdin", stdin="takeover-password\n").returncode == 3
    assert run(lily, "staff", "token", "zhao").returncode == 3
    short = run(lily, "staff", "password", "lily", "--password-stdin", stdin="short\n")
    assert short.returncode == 2 and "10 characters" in short.stderr


def test_forget_on_a_terminal_asks_for_the_customer_id_again(env, accounts):
    accounts.ledger.append(lines(unsigned(placed("O-1", "11-02 10:00"))), LILY)
    zhao = {**env, "LEDGER_AS": "zhao", "LEDGER_PASSWORD": PASSWORDS["zhao"]}
    assert on_terminal(zhao, ["forget", "CU-1"], "CU-2\n") != 0  # typed another id: nothing erased
    assert "[erased]" not in run(env, "history", "O-1").stdout
    assert on_terminal(zhao, ["forget", "CU-1"], "CU-1\n") == 0
    assert "[erased]" in run(env, "history", "O-1").stdout


def on_terminal(env: dict, args: list[str], typed: str) -> int:
    """Runs the command with a pseudo-terminal as its controlling terminal, typing `typed` at it."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(LEDGER, [LEDGER, *args], env)
    said = b""
    while b"again" not in said:  # the question, then the answer
        said += os.read(fd, 1024)
    os.write(fd, typed.encode())
    while True:
        try:
            if not os.read(fd, 1024):
                break
        except OSError:
            break
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def test_an_import_runs_as_its_system_account_whose_name_its_records_carry(env):
    taobao = Path(__file__).resolve().parent.parent / "fixtures" / "taobao"
    reports = [str(taobao / "orders-2026-11-03.csv"), str(taobao / "items-2026-11-03.csv")]
    as_lily = run({**env, "LEDGER_AS": "lily", "LEDGER_PASSWORD": PASSWORDS["lily"]}, "import", "taobao", *reports)
    assert as_lily.returncode == 3 and as_lily.stderr.split(": ", 1)[1].startswith("AU-4:")
    imported = run({**env, "LEDGER_AS": "import:taobao", "LEDGER_PASSWORD": PASSWORDS["import:taobao"]},
                   "import", "taobao", *reports)
    assert imported.returncode == 0, imported.stderr
    records = [json.loads(line) for line in run(env, "export").stdout.splitlines()]
    assert {(r["actor"], r["role"]) for r in records if r.get("key", "").startswith("taobao:")} == {
        ("import:taobao", "system")}


def test_a_backup_keeps_the_accounts_and_their_passwords(accounts, tmp_path):
    if accounts.ledger.store.path is None:
        pytest.skip("a PostgreSQL store is backed up with pg_dump, which copies every table")
    copy = tmp_path / "copy.db"
    accounts.ledger.backup(copy, "zhao", "supervisor", ZHAO)
    restored = Shop(f"sqlite:///{copy}")
    assert restored.ledger.sign_in("lily", PASSWORDS["lily"]) == LILY
    restored.ledger.close()
