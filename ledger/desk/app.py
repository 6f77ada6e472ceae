"""The desk's web application (SPEC section 15): one Ledger, kept loaded for the process's life, behind the
pages (pages.py) and the JSON API (api.py). Every append goes through `Ledger.append`, the command line's
own write path, one at a time (the store takes one writer anyway); reading goes through the same Reader
and queries as the command line's."""
from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from ledger import messages
from ledger.desk.sessions import Sessions

HERE = Path(__file__).parent
TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)")
LANG_COOKIE = "desk_lang"
# nothing from outside, no script at all; the report's own inline style (and its charts' attributes) allowed
# on the report alone
POLICY = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; " \
         "base-uri 'none'"
REPORT_POLICY = POLICY.replace("style-src 'self'", "style-src 'unsafe-inline'")
HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
           (b"x-frame-options", b"DENY"), (b"cache-control", b"no-store")]


class Desk:
    """What the routes share: the ledger, the sessions, and the lock that lets one submit append at a time."""

    def __init__(self, ledger: Any, sessions: Sessions | None = None):
        self.ledger = ledger
        self.sessions = sessions or Sessions()
        self.writing = threading.Lock()  # held by each append (and each command a caller hands over, warm.py)
        self._proposed: dict[str, str] = {}  # kind -> the id last proposed, where the next look-up starts

    def append(self, lines: list[str], account: Any) -> Any:
        with self.writing:
            return self.ledger.append(lines, account)

    def propose(self, kind: str) -> str:
        """The next id of a kind (queries.next_id), looked up from the last one proposed."""
        from ledger.queries import next_id

        found = next_id(self.ledger.reader, kind, self._proposed.get(kind))
        self._proposed[kind] = found
        return found


class Language:
    """Each request's texts in the language its person chose: Chinese unless the `desk_lang` cookie (set by
    the switch, `?lang=en`) says English; and the headers every answer carries."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookies = dict(part.strip().split("=", 1) for header, value in scope["headers"] if header == b"cookie"
                       for part in value.decode("latin-1").split(";") if "=" in part)
        chosen = cookies.get(LANG_COOKIE, messages.ZH)
        policy = (REPORT_POLICY if scope["path"] == "/report" else POLICY).encode()

        async def with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *HEADERS,
                                      (b"content-security-policy", policy)]
            await send(message)

        with messages.speaking(messages.EN if chosen == messages.EN else messages.ZH):
            await self.app(scope, receive, with_headers)


def templates() -> Jinja2Templates:
    found = Jinja2Templates(directory=HERE / "templates")  # autoescaped: every stored text shown as text
    found.env.globals.update(say=messages.say, heading=messages.heading, shown=messages.shown,
                             word=messages.word, lang=messages.lang, rule_text=messages.rule_text)
    found.env.filters["plain"] = plain
    return found


def plain(value: Any, name: str = "") -> str:
    """A JSON value as a cell shows it: lines as `2 x TEE-M-BLK @ 89.00`, flags as 是 / 否, a time to the minute,
    a value in the reader's words (`return 退货`)."""
    from ledger.report import line_text

    if value is None:
        return ""
    if isinstance(value, bool):
        return messages.yes_no(value)
    if isinstance(value, list):
        return ", ".join(line_text(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key}={item}" for key, item in value.items())
    if isinstance(value, str) and TIME.fullmatch(value):
        return value[:16].replace("T", " ")
    return messages.shown(name, value) if name else str(value)


def create_app(ledger: Any, sessions: Sessions | None = None) -> FastAPI:
    from ledger.desk import api, pages

    app = FastAPI(title="ledger desk", docs_url=None, redoc_url=None, openapi_url="/api/openapi.json")
    app.state.desk = Desk(ledger, sessions)
    app.state.templates = templates()
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    pages.handle_errors(app)
    api.handle_errors(app)
    app.add_middleware(Language)
    return app
