"""The desk's JSON API (SPEC section 15), on both stores: a token names its account, records go in all or
nothing with the contract's statuses, and each view comes out as its command prints it."""
from __future__ import annotations

import orjson
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from ledger import accounts
from ledger.cli import cli
from ledger.desk.app import create_app
from tests.desk import demo_ledger

NOTE = {"type": "OrderNoted", "at": "2026-11-16T12:00:00+08:00", "order_id": "O-1001", "note": "回访",
        "key": "api:note:1"}


@pytest.fixture(autouse=True)
def quick_failures(monkeypatch):
    monkeypatch.setattr(accounts, "FAILED_DELAY", 0)


@pytest.fixture
def api(store):
    ledger = demo_ledger(store)
    client = TestClient(create_app(ledger))
    tokens = {name: ledger.make_token(name, "tests")[1] for name in ("zhao", "lily", "wang")}
    yield ledger, client, tokens, store
    ledger.close()


def post(client, token: str | None, *records: dict | str):
    body = "\n".join(r if isinstance(r, str) else orjson.dumps(r).decode() for r in records)
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return client.post("/api/records", content=body.encode(), headers=headers)


def test_records_in_with_the_contract_s_statuses(api):
    ledger, client, tokens, _ = api
    stored = post(client, tokens["lily"], NOTE)
    assert stored.status_code == 201 and stored.json()["stored"] == 1
    again = post(client, tokens["lily"], NOTE)
    assert again.status_code == 200 and again.json() == {"stored": 0, "decisions": 0, "skipped": 1, "answer": []}
    invalid = post(client, tokens["lily"], NOTE | {"key": "api:note:2"}, '{"type": "OrderNoted", "at": 5}')
    assert invalid.status_code == 422 and invalid.json()["line"] == 2
    refused = post(client, tokens["wang"], {"type": "ParcelDelivered", "at": "2026-11-16T12:00:00+08:00",
                                            "shipment_id": "S-9999"})
    assert refused.status_code == 409 and refused.json()["rule"] == "REF"
    assert [r for r in ledger.records() if getattr(r, "key", None) == "api:note:2"] == []  # all or nothing


def test_one_record_written_over_several_lines_is_one_record(api):
    ledger, client, tokens, _ = api
    answer = client.post("/api/records", content=orjson.dumps(NOTE | {"key": "api:pretty"},
                                                              option=orjson.OPT_INDENT_2),
                         headers={"authorization": f"Bearer {tokens['lily']}"})
    assert answer.status_code == 201 and answer.json()["stored"] == 1


def test_a_duplicate_key_in_a_record_is_refused_as_append_refuses_it(api):
    _, client, tokens, _ = api
    answer = post(client, tokens["lily"], '{"type": "OrderNoted", "at": "2026-11-16T12:00:00+08:00", '
                                          '"order_id": "O-1001", "note": "a", "note": "b"}')
    assert answer.status_code == 422


def test_no_token_or_a_bad_one_is_401(api):
    _, client, tokens, _ = api
    assert post(client, None, NOTE).status_code == 401
    assert post(client, "ldg_nope_nope", NOTE).status_code == 401
    assert client.get("/api/stock").status_code == 401
    assert client.get("/api/stock", headers={"authorization": "Basic eDp5"}).status_code == 401


def test_a_revoked_token_is_401(api):
    ledger, client, _, _ = api
    token_id, token = ledger.make_token("mei", "to revoke")
    assert client.get("/api/due", headers={"authorization": f"Bearer {token}"}).status_code == 200
    ledger.revoke_token(token_id)
    assert client.get("/api/due", headers={"authorization": f"Bearer {token}"}).status_code == 401


def test_a_record_the_account_may_not_append_is_403(api):
    ledger, client, tokens, _ = api
    ruling = {"type": "SupervisorRuled", "at": "2026-11-16T12:00:00+08:00", "case_id": "C-1006", "payer": "shop",
              "note": "x"}
    answer = post(client, tokens["wang"], ruling)
    assert answer.status_code == 403 and answer.json()["rule"] == "AU-1"
    as_another = post(client, tokens["wang"], NOTE | {"actor": "zhao", "key": "api:as-zhao"})
    assert as_another.status_code == 403 and as_another.json()["rule"] == "AU-2"
    assert [r for r in ledger.records() if getattr(r, "key", None) == "api:as-zhao"] == []


def test_a_record_carries_the_token_s_account(api):
    ledger, client, tokens, _ = api
    post(client, tokens["lily"], NOTE | {"key": "api:who"})
    stored = next(r for r in ledger.records() if r.key == "api:who")
    assert (stored.actor, stored.role) == ("lily", "customer_service")


@pytest.mark.parametrize("path, command", [
    ("/api/stock", ["stock", "--json"]),
    ("/api/liability", ["liability", "--json"]),
    ("/api/fund", ["fund", "--json"]),
    ("/api/find?q=YT5550001008", ["find", "YT5550001008", "--json"]),
    ("/api/history/C-1003", ["history", "C-1003", "--json"]),
    ("/api/sla?as_of=2026-11-16T20:00:00%2B08:00", ["sla", "--as-of", "2026-11-16T20:00:00+08:00", "--json"]),
    ("/api/due?as_of=2026-11-16T20:00:00%2B08:00", ["due", "--as-of", "2026-11-16T20:00:00+08:00", "--json"]),
    ("/api/kpi?as_of=2026-11-16T20:00:00%2B08:00", ["kpi", "--as-of", "2026-11-16T20:00:00+08:00", "--json"]),
])
def test_each_view_answers_the_json_of_its_command(api, path, command):
    _, client, tokens, store = api
    answer = client.get(path, headers={"authorization": f"Bearer {tokens['lily']}"})
    assert answer.status_code == 200
    printed = CliRunner().invoke(cli, ["--store", store, *command], env={"LEDGER_LANG": "zh"})
    assert printed.exit_code == 0, printed.output
    assert answer.json() == orjson.loads(printed.stdout)


def test_an_option_a_view_cannot_take_is_422(api):
    _, client, tokens, _ = api
    headers = {"authorization": f"Bearer {tokens['lily']}"}
    assert client.get("/api/due?within=soon", headers=headers).status_code == 422
    assert client.get("/api/kpi?by=fortnight", headers=headers).status_code == 422
    assert client.get("/api/sla?as_of=yesterday", headers=headers).status_code == 422
    assert client.get("/api/history/NOPE-1", headers=headers).status_code == 404


def test_the_api_describes_itself(api):
    _, client, _, _ = api
    schema = client.get("/api/openapi.json").json()
    assert {"/api/records", "/api/stock", "/api/due", "/api/find"} <= set(schema["paths"])
    assert not any(path.startswith(("/login", "/new")) for path in schema["paths"])  # pages are not the API
