"""The demo shop's store with its staff accounts, and a person at the desk: signs in, opens pages, fills forms."""
from __future__ import annotations

import re
from importlib.resources import files

from fastapi.testclient import TestClient

from ledger.application import Ledger
from ledger.demo import demo_password
from ledger.desk.app import create_app
from ledger.desk.sessions import Sessions

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def demo_ledger(store: str) -> Ledger:
    """The demo shop (its staff enrolled at its head) with each account's demo password."""
    ledger = Ledger(store)
    package = files("ledger")
    ledger.append([*package.joinpath("demo-staff.jsonl").read_text(encoding="utf-8").splitlines(),
                   *package.joinpath("demo-shop.jsonl").read_text(encoding="utf-8").splitlines()])
    for account in ledger.staff_list():
        ledger.set_password(account["staff"], demo_password(account["staff"]))
    return ledger


class Clock:
    """The sessions' clock, moved on by a test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Person:
    """Someone at the desk, with their own browser (cookies)."""

    def __init__(self, ledger: Ledger, sessions: Sessions | None = None):
        self.client = TestClient(create_app(ledger, sessions), follow_redirects=False)
        self.csrf = ""

    def sign_in(self, name: str, password: str | None = None):
        login = self.client.get("/login")
        answer = self.client.post("/login", data={"staff": name, "password": password or demo_password(name),
                                                  "csrf": CSRF.search(login.text)[1]})
        if answer.status_code == 303:
            self.csrf = CSRF.search(self.client.get("/").text)[1]
        return answer

    def get(self, path: str, **params):
        return self.client.get(path, params=params)

    def submit(self, type_: str, csrf: bool = True, **fields: str):
        return self.client.post(f"/new/{type_}", data={**({"csrf": self.csrf} if csrf else {}), **fields})

    def sign_out(self):
        return self.client.post("/logout", data={"csrf": self.csrf})
