"""The JSON API (SPEC section 15), for scripts with a token (`Authorization: Bearer`): records in, each view
out as its command's JSON. Statuses: 201 stored, 200 all skipped, 422 invalid (exit 2), 409 refused (exit 3,
with the rule), 401 no or bad credentials, 403 a record the account may not append."""
from __future__ import annotations

import io
from datetime import datetime, timezone
from typing import Any

import orjson
from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from ledger import queries
from ledger.accounts import Account, SignInFailed
from ledger.messages import english, say
from ledger.reading import LineTooLong, bounded_lines
from ledger.rules import SUPERVISOR_RECORDS
from ledger.unit_of_work import LineError
from ledger.values import parse_time

router = APIRouter(prefix="/api")
MAY_NOT = ("AU-2", "AU-3", "AU-4")  # refusals of who appends, not of what the record says: 403


class Stored(BaseModel):
    stored: int
    decisions: int
    skipped: int
    answer: list[str]


class Problem(BaseModel):
    error: str
    line: int | None = None
    rule: str | None = None


def problem(status: int, error: str, line: int | None = None, rule: str | None = None) -> JSONResponse:
    return JSONResponse(Problem(error=error, line=line, rule=rule).model_dump(), status_code=status)


class Unauthorized(Exception):
    pass


def handle_errors(app: Any) -> None:
    @app.exception_handler(Unauthorized)
    def unauthorized(request: Request, error: Unauthorized) -> Response:
        with english():
            return problem(401, say("api_unauthorized"))


def account(request: Request) -> Account:
    """The token's account (a wrong one answers 401 after the same short delay as a wrong password)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized()
    try:
        found = request.app.state.desk.ledger.sign_in_with_token(token.strip())
    except SignInFailed:
        raise Unauthorized() from None
    if found.left:
        raise Unauthorized()
    return found


def lines_of(body: bytes) -> list[str]:
    """One record (as JSON, on one line or several), or JSON Lines."""
    try:
        whole = orjson.loads(body)
    except orjson.JSONDecodeError:
        whole = None
    if isinstance(whole, dict):  # one record, perhaps over several lines: a JSON string holds no line end,
        body = body.replace(b"\r", b" ").replace(b"\n", b" ")  # so the record is one line
    return list(bounded_lines(io.BytesIO(body)))


@router.post("/records", status_code=201, response_model=Stored,
             responses={200: {"model": Stored}, 401: {"model": Problem}, 403: {"model": Problem},
                        409: {"model": Problem}, 422: {"model": Problem}})
def post_records(request: Request, body: bytes = Body(..., media_type="application/x-ndjson"),
                 signed: Account = Depends(account)) -> Response:
    """Append one record, or a JSON Lines file of them: all or nothing, as `ledger append`."""
    desk = request.app.state.desk
    with english():
        try:
            lines = lines_of(body)
        except UnicodeDecodeError as error:
            return problem(422, say("not_utf8", reason=error.reason))
        except LineTooLong as error:
            return problem(422, str(LineError(error.number, error)), error.number)
        if not any(line.strip() for line in lines):
            return problem(422, say("api_empty"))
        for number, line in enumerate(lines, 1):
            kind = _type_of(line)
            if kind in SUPERVISOR_RECORDS and signed.role != "supervisor":
                return problem(403, say("forbidden", type=kind, role=signed.role), number, "AU-1")
        try:
            result = desk.append(lines, signed)
        except LineError as error:
            rule = getattr(error.error, "rule", None)
            status = 422 if error.status == 2 else 403 if rule in MAY_NOT else 409
            return problem(status, error.detail, error.line, rule)
        from ledger.answers import reply

        answer = reply(desk.ledger, result) if result.stored == 1 and result.skipped == 0 else []
        return JSONResponse(Stored(stored=result.stored, decisions=result.decisions, skipped=result.skipped,
                                   answer=answer).model_dump(), status_code=201 if result.stored else 200)


def _type_of(line: str) -> str | None:
    try:
        found = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None  # the ledger says what is wrong with it
    return found.get("type") if isinstance(found, dict) else None


def _at(as_of: str | None) -> datetime:
    return parse_time(as_of) if as_of else datetime.now(timezone.utc)


def _answer(function: Any, *args: Any) -> Response:
    with english():
        try:
            return JSONResponse(function(*args))
        except (queries.BadQuery, ValueError) as error:
            return problem(422, str(error))


@router.get("/stock")
def stock(request: Request, sku: str | None = None, signed: Account = Depends(account)) -> Response:
    """`ledger stock --json`."""
    return _answer(lambda: {"skus": request.app.state.desk.ledger.stock(sku)})


@router.get("/liability")
def liability(request: Request, case: str | None = None, order: str | None = None,
              signed: Account = Depends(account)) -> Response:
    """`ledger liability --json`."""
    return _answer(request.app.state.desk.ledger.liability, case, order)


@router.get("/sla")
def sla(request: Request, as_of: str | None = None, subject: str | None = None, open: bool = False,
        signed: Account = Depends(account)) -> Response:
    """`ledger sla --json` (`open`: `--open`)."""
    reader = request.app.state.desk.ledger.reader
    return _answer(lambda: queries.sla_report(reader, _at(as_of), subject, (), open))


@router.get("/due")
def due(request: Request, as_of: str | None = None, within: str | None = None, role: str | None = None,
        kind: str | None = None, signed: Account = Depends(account)) -> Response:
    """`ledger due --json`."""
    reader = request.app.state.desk.ledger.reader
    return _answer(lambda: queries.due_report(reader, _at(as_of), within, (role,) if role else (),
                                              (kind,) if kind else ()))


@router.get("/kpi")
def kpi(request: Request, by: str = "month", as_of: str | None = None, staff: bool = False,
        signed: Account = Depends(account)) -> Response:
    """`ledger kpi --json`."""
    if by not in ("day", "week", "month", "quarter", "year"):
        return problem(422, f"by: one of day, week, month, quarter, year, not {by!r}")
    return _answer(lambda: request.app.state.desk.ledger.kpi(by, _at(as_of), staff=staff))


@router.get("/fund")
def fund(request: Request, signed: Account = Depends(account)) -> Response:
    """`ledger fund --json`."""
    return _answer(request.app.state.desk.ledger.fund)


@router.get("/history/{id_:path}")
def history(request: Request, id_: str, signed: Account = Depends(account)) -> Response:
    """`ledger history ID --json`."""
    found = request.app.state.desk.ledger.reader.history(id_)
    if found is None:
        with english():
            return problem(404, say("unknown_id", id=id_))
    return _answer(found[1].history_json)


@router.get("/find")
def find(request: Request, q: str, signed: Account = Depends(account)) -> Response:
    """`ledger find TEXT --json`."""
    return _answer(lambda: {"matches": request.app.state.desk.ledger.reader.find(q)})
