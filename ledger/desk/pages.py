"""The desk's pages (SPEC section 15): sign-in, 待办, 查找, a form per record type, the page of each thing,
the views with their CSV, and the report. Each page asks what the command line asks (queries.py, Reader,
Ledger) and shows it; nothing here decides."""
from __future__ import annotations

import hmac
import io
import secrets
from urllib.parse import urlencode
from datetime import datetime, timezone
from typing import Any

import orjson
from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ledger import csv_out, queries
from ledger import page as report_page
from ledger.accounts import SignInFailed
from ledger.aggregates import RECORD_TYPES
from ledger.answers import due_tally, left, reply
from ledger.desk import forms
from ledger.desk.app import LANG_COOKIE
from ledger.messages import EN, ZH, lang, say, word
from ledger.reading import Invalid
from ledger.rules import SUPERVISOR_RECORDS
from ledger.unit_of_work import LineError

router = APIRouter(include_in_schema=False)
SESSION_COOKIE, LOGIN_COOKIE = "desk_session", "desk_login"
COOKIE = {"httponly": True, "samesite": "strict", "path": "/"}
SUBJECTS = ("case_id", "dispute_id", "complaint_id", "shipment_id", "order_id", "sku", "staff")  # a record's page
SEES_PHONE = ("customer_service", "supervisor")  # who confirms the address with the buyer (SH-3)
FIRST = 50  # 待办 items shown before "the rest": the soonest due, overdue first
VIEWS = {"stock": "nav_stock", "liability": "nav_liability", "sla": "nav_sla", "kpi": "nav_kpi", "fund": "nav_fund"}
# what a 待办 item is done with: the record type and the key its subject goes in
DONE_WITH = {"dispatch": ("ParcelDispatched", "order_id"), "confirm_address": ("AddressConfirmed", "order_id"),
             "inspect": ("ReturnInspected", "case_id"), "rule_case": ("SupervisorRuled", "case_id"),
             "reship": ("ParcelDispatched", "case_id"), "refund": ("RefundIssued", "case_id"),
             "contact_buyer": ("BuyerContacted", "dispute_id"), "resolve_review": ("DisputeSettled", "dispute_id"),
             "answer_complaint": ("ComplaintAnswered", "complaint_id"),
             "rule_complaint": ("ComplaintRuled", "complaint_id"),
             "close_complaint": ("ComplaintClosed", "complaint_id")}


class SignInNeeded(Exception):
    pass


class Forbidden(Exception):
    pass


class NotFound(Exception):
    pass


def handle_errors(app: FastAPI) -> None:
    @app.exception_handler(SignInNeeded)
    def sign_in_first(request: Request, error: SignInNeeded) -> Response:
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(Forbidden)
    def forbidden(request: Request, error: Forbidden) -> Response:
        return page(request, "message.html", {"message": str(error)}, status=403)

    @app.exception_handler(NotFound)
    def not_found(request: Request, error: NotFound) -> Response:
        return page(request, "message.html", {"message": str(error)}, status=404)


def desk(request: Request) -> Any:
    return request.app.state.desk


def signed_in(request: Request) -> tuple[Any, Any]:
    """The session and its account (read again: a role changed or an account left counts at once)."""
    session = desk(request).sessions.get(request.cookies.get(SESSION_COOKIE))
    account = desk(request).ledger.account(session.staff) if session else None
    if session is None or account is None or account.left:
        raise SignInNeeded()
    return session, account


def page(request: Request, template: str, context: dict, status: int = 200, account: Any = None,
         session: Any = None) -> HTMLResponse:
    if account is None and SESSION_COOKIE in request.cookies:
        try:
            session, account = signed_in(request)
        except SignInNeeded:
            pass
    return request.app.state.templates.TemplateResponse(request, template, {
        "account": account, "csrf": session.csrf if session else "", "views": VIEWS,
        "lang_code": "zh-CN" if lang() == ZH else "en", **context}, status_code=status)


def check_csrf(session: Any, sent: str) -> None:
    if not hmac.compare_digest(session.csrf, sent or ""):
        raise Forbidden(say("csrf_refused"))


@router.get("/lang")
def switch_language(request: Request, to: str = ZH, back: str = "/") -> Response:
    """The language switch: a preference kept in a cookie, for pages only (JSON never changes)."""
    here = back.startswith("/") and not back.startswith("//") and "\\" not in back  # a page of this desk only
    answer = RedirectResponse(back if here else "/", status_code=303)
    answer.set_cookie(LANG_COOKIE, EN if to == EN else ZH, max_age=365 * 86400, **COOKIE)
    return answer


@router.get("/api")
def api_page(request: Request) -> Response:
    """The API's own page, read from its OpenAPI schema (served here, not from outside)."""
    return page(request, "api.html", {"schema": request.app.openapi()})


# -- signing in -----------------------------------------------------------------------------------

@router.get("/login")
def login_form(request: Request) -> Response:
    token = secrets.token_urlsafe(32)
    answer = page(request, "login.html", {"login_csrf": token})
    answer.set_cookie(LOGIN_COOKIE, token, **COOKIE)
    return answer


@router.post("/login")
def login(request: Request, staff: str = Form(""), password: str = Form(""), csrf: str = Form("")) -> Response:
    token = secrets.token_urlsafe(32)

    def again(message: str, status: int) -> Response:
        answer = page(request, "login.html", {"login_csrf": token, "error": message, "staff": staff}, status=status)
        answer.set_cookie(LOGIN_COOKIE, token, **COOKIE)
        return answer

    if not hmac.compare_digest(request.cookies.get(LOGIN_COOKIE, ""), csrf) or not csrf:
        return again(say("csrf_refused"), 403)
    sessions = desk(request).sessions
    if sessions.held(staff):
        return again(say("held"), 429)
    try:
        account = desk(request).ledger.sign_in(staff, password)
    except SignInFailed:
        sessions.failed(staff)
        return again(say("sign_in_failed"), 401)
    if account.left:
        return again(say("sign_in_failed"), 401)
    answer = RedirectResponse("/", status_code=303)
    answer.set_cookie(SESSION_COOKIE, sessions.start(account.name), **COOKIE)
    answer.delete_cookie(LOGIN_COOKIE, path="/")
    return answer


@router.post("/logout")
def logout(request: Request, csrf: str = Form("")) -> Response:
    session, _ = signed_in(request)
    check_csrf(session, csrf)
    desk(request).sessions.end(request.cookies.get(SESSION_COOKIE))
    answer = RedirectResponse("/login", status_code=303)
    answer.delete_cookie(SESSION_COOKIE, path="/")
    return answer


# -- 待办 and 查找 ----------------------------------------------------------------------------------

@router.get("/")
def due(request: Request, everyone: bool = False, whole: bool = False) -> Response:
    session, account = signed_in(request)
    reader = desk(request).ledger.reader
    at = datetime.now(timezone.utc)
    report = queries.due_report(reader, at, roles=() if everyone or account.role == "supervisor"
                                else (account.role,))
    shown = report["items"] if whole else report["items"][:FIRST]
    items = [{**item, "left": left(at, item["due"]), "form": _done_with(item, account)} for item in shown]
    return page(request, "due.html", {"items": items, "counts": report["counts"], "everyone": everyone,
                                      "tally": due_tally(report, page=True), "more": len(report["items"]) - len(items),
                                      "whole": whole},
                account=account, session=session)


def _done_with(item: dict, account: Any) -> str | None:
    type_, key = DONE_WITH[item["kind"]]
    if type_ in SUPERVISOR_RECORDS and account.role != "supervisor":
        return None
    return f"/new/{type_}?{urlencode({key: item['subject']})}"


@router.get("/find")
def find(request: Request, q: str = "") -> Response:
    session, account = signed_in(request)
    matches = desk(request).ledger.reader.find(q) if q.strip() else []
    return page(request, "find.html", {"q": q, "matches": matches}, account=account, session=session)


# -- forms ----------------------------------------------------------------------------------------

@router.get("/new")
def forms_list(request: Request) -> Response:
    session, account = signed_in(request)
    return page(request, "forms.html", {"types": forms.types_for(account.role)}, account=account, session=session)


def _form_type(type_: str, account: Any) -> None:
    if type_ not in RECORD_TYPES or type_ in forms.NO_FORM:
        raise NotFound(say("no_form", type=type_))
    if type_ in SUPERVISOR_RECORDS and account.role != "supervisor":
        raise Forbidden(say("forbidden", type=type_, role=word("role", account.role)))


def _proposed(request: Request, type_: str) -> str | None:
    new = forms.NEW_IDS.get(type_)
    return desk(request).propose(new[1]) if new else None


@router.get("/new/{type_}")
def new_record(request: Request, type_: str) -> Response:
    session, account = signed_in(request)
    _form_type(type_, account)
    given = dict(request.query_params)
    context: dict[str, Any] = {}
    if type_ == "ReturnParcelReceived" and given.get("tracking_no") and not given.get("case_id"):
        cases = queries.cases_of_parcel(desk(request).ledger.reader, given["tracking_no"])
        context["found"] = say("cases_found", cases=", ".join(cases)) if cases else \
            say("no_case_found", text=given["tracking_no"])
        if len(cases) == 1:
            given["case_id"] = cases[0]
    zone = desk(request).ledger.latest_policy().zone
    return page(request, "form.html", {"type": type_, "fields": forms.fields_of(type_, given, zone,
                                                                                _proposed(request, type_)),
                                       **context}, account=account, session=session)


@router.post("/new/{type_}")
async def submit(request: Request, type_: str) -> Response:
    form = {name: value for name, value in (await request.form()).items() if isinstance(value, str)}
    return await _in_thread(_submit, request, type_, form)


async def _in_thread(function: Any, *args: Any) -> Any:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(function, *args)


def _submit(request: Request, type_: str, form: dict[str, str]) -> Response:
    session, account = signed_in(request)
    check_csrf(session, form.pop("csrf", ""))
    _form_type(type_, account)
    ledger = desk(request).ledger
    zone = ledger.latest_policy().zone
    fields = forms.fields_of(type_, form, zone)
    names = [f.name for f in fields]
    error, status, answer, said, subject = "", 200, [], "", None
    try:
        record = forms.record_of(type_, form, now=datetime.now(timezone.utc), zone=zone, actor=account.name,
                                 role=account.role)
        result = desk(request).append([orjson.dumps(record).decode()], account)
    except Invalid as invalid:
        error, status = str(invalid), 422
    except LineError as refused:
        error, status = refused.detail, 422 if refused.status == 2 else 409
    else:
        said = say("stored_one", type=type_, decisions=result.decisions) if result.stored else \
            say("skipped_one", type=type_)
        answer = reply(ledger, result)
        status = 201 if result.stored else 200
        subject = next((record[name] for name in SUBJECTS if record.get(name)), None)
    beside = forms.field_named(error, names) if error else None
    for f in fields:
        if f.name == beside:
            f.error = error
    if not error:  # a new form for the next one, its id proposed afresh
        fields = forms.fields_of(type_, {}, zone, _proposed(request, type_))
    return page(request, "form.html", {"type": type_, "fields": fields, "said": said, "answer": answer,
                                       "subject": subject,
                                       "error": error if error and beside is None else "",
                                       "failed": bool(error)}, status=status, account=account, session=session)


# -- the page of a thing --------------------------------------------------------------------------

@router.get("/history/{id_:path}")
def history(request: Request, id_: str) -> Response:
    session, account = signed_in(request)
    reader = desk(request).ledger.reader
    found = reader.history(id_)
    if found is None:
        raise NotFound(say("not_found", id=id_))
    kind, timeline = found
    events = [shown_event(event, kind, account.role) for event in timeline.history_json()["events"]]
    explained = queries.explained(reader, id_)
    decisions = [{**d, "rests_on": [shown_event(e, kind, account.role) for e in d["rests_on"]]}
                 for d in explained["decisions"]] if explained else []
    return page(request, "history.html", {"id": id_, "kind": kind, "events": events, "decisions": decisions},
                account=account, session=session)


def shown_event(event: dict, kind: str, role: str) -> dict:
    """An event as this page shows it: personal fields on an order's own page only, the phone whole to those
    who confirm it with the buyer and masked but for its last four digits to others."""
    personal = report_page.PERSONAL.get(event["type"], ())
    data = {}
    for name, value in event["data"].items():
        if name in personal and kind != "order":
            value = say("personal_hidden")
        elif name == "phone" and role not in SEES_PHONE and isinstance(value, str):
            value = mask(value)
        data[name] = value
    return {**event, "data": data}


def mask(phone: str) -> str:
    digits = sum(ch.isdigit() for ch in phone)
    kept, seen = [], 0
    for ch in phone:
        if ch.isdigit():
            seen += 1
            kept.append(ch if seen > digits - 4 else "*")
        else:
            kept.append(ch)
    return "".join(kept)


# -- views and the report -------------------------------------------------------------------------

def view_json(ledger: Any, view: str, at: datetime) -> dict:
    """The view's JSON, as its command prints it."""
    if view == "stock":
        return {"skus": ledger.stock()}
    if view == "liability":
        return ledger.liability()
    if view == "sla":
        return queries.sla_report(ledger.reader, at)
    if view == "kpi":
        return ledger.kpi("month", at)
    return ledger.fund()


def sheet(request: Request, view: str) -> tuple[list[str], list[dict]]:
    """The view's header and rows, as its `--csv` has them."""
    if view not in VIEWS:
        raise NotFound(say("not_found", id=view))
    return getattr(csv_out, view)(view_json(desk(request).ledger, view, datetime.now(timezone.utc)))


@router.get("/views/{view}.csv")
def view_csv(request: Request, view: str) -> Response:
    signed_in(request)
    header, rows = sheet(request, view)
    out = io.StringIO()
    csv_out.write(out, header, rows)
    return Response(out.getvalue().encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{view}.csv"'})


@router.get("/views/{view}")
def view_page(request: Request, view: str) -> Response:
    session, account = signed_in(request)
    header, rows = sheet(request, view)
    cells = [[csv_out.flat(row).get(name) for name in header] for row in rows]
    return page(request, "view.html", {"view": view, "header": header, "rows": cells}, account=account,
                session=session)


@router.get("/report")
def report(request: Request) -> Response:
    signed_in(request)
    ledger = desk(request).ledger
    language = lang()

    with report_page.chain_check(ledger.store, "spawn") as head:  # a tampered chain: Refused, said on the page
        try:
            whole = "".join(report_page.render(ledger, datetime.now(timezone.utc), head, language))
        except report_page.Refused as refused:
            return page(request, "message.html", {"message": str(refused)}, status=409)
    return HTMLResponse(whole)
