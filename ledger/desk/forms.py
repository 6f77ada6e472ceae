"""A record type's form, from its model (SPEC section 15): each key with its allowed values and the shop's
words for them (section 16), `at` defaulting to now, money as staff type it. What a form submits is read
as `ledger add` reads its words (typed.py), so the desk and the command line take the same input."""
from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from ledger.aggregates import RECORD_TYPES
from ledger.messages import ZH, heading, lang, say, word
from ledger.rules import STAFF_RECORDS, SUPERVISOR_RECORDS
from ledger.typed import keys_of, kinds, literals, record_from_words, required
from ledger.words import ROLES, WORDS, YES_NO

# written by the ledger itself (`backup`), or needing what a form cannot give: a password (`staff enrol`),
# the customer id typed twice (`forget`)
NO_FORM = frozenset({"BackupTaken", "StaffEnrolled", "CustomerForgotten"})
# the key a new record's id goes in, and the kind of thing it names
NEW_IDS = {"OrderPlaced": ("order_id", "order"), "ParcelDispatched": ("shipment_id", "shipment"),
           "ReturnRequested": ("case_id", "case"), "ReviewPosted": ("dispute_id", "dispute"),
           "ComplaintLodged": ("complaint_id", "complaint")}
LONG = frozenset({"address", "note", "text", "purpose", "params"})  # written in a box of several lines
NAMED = re.compile(r"(?:missing|unknown) key '([^']+)'|([a-z_]+)[.:]")  # the key a message is about


@dataclass
class Field:
    name: str
    kind: str  # choice, bool, money, whole, lines, time, text, long, hidden
    required: bool
    choices: list[tuple[str, str]] = field(default_factory=list)  # (value, label)
    value: str = ""
    hint: str = ""
    error: str = ""

    @property
    def label(self) -> str:
        return heading(self.name)


def types_for(role: str) -> list[str]:
    """The record types an account of `role` may append at the desk, in the order of the record list."""
    return [name for name in RECORD_TYPES if name not in NO_FORM
            and (role == "supervisor" or name not in SUPERVISOR_RECORDS)]


def _zh() -> bool:
    return lang() == ZH


def _kind(cls: type[BaseModel], name: str) -> str:
    if name == "role":
        return "choice"
    if name == "at":
        return "time"
    if name == "lines":
        return "lines"
    annotation = cls.model_fields[name].annotation
    admitted = kinds(annotation)
    if bool in admitted:
        return "bool"
    if literals(annotation):
        return "choice"
    if Decimal in admitted:
        return "money"
    if int in admitted:
        return "whole"
    return "long" if name in LONG else "text"


def _choices(type_: str, cls: type[BaseModel], name: str, kind: str) -> list[tuple[str, str]]:
    if name == "role":
        return [(value, text) for text, value in ROLES.items()] if _zh() else [(v, v) for v in ROLES.values()]
    if kind == "bool":
        return [("true", next(w for w, v in YES_NO.items() if v)), ("false", next(w for w, v in YES_NO.items()
                                                                                   if not v))]
    if kind != "choice":
        return []
    table = WORDS.get((type_, name)) or WORDS.get((None, name)) or {}
    return [(value, word(name, value) if value in table.values() else value)
            for value in literals(cls.model_fields[name].annotation)]


def fields_of(type_: str, given: Mapping[str, str], zone: tzinfo, proposed: str | None = None) -> list[Field]:
    """The form's fields, filled from `given` (a submitted form, or a link's query); `proposed`: the id the new
    record takes unless another is typed."""
    cls = RECORD_TYPES[type_]
    must = set(required(cls))
    new_key = NEW_IDS.get(type_, (None,))[0]
    found = []
    for name in keys_of(cls):
        if name in ("actor", "role") and not (name == "role" and type_ in STAFF_RECORDS):
            continue  # the signed-in account's (AU-2); a staff record's role is the account's it names
        kind = _kind(cls, name)
        value = given.get(name, "")
        hint = ""
        if name == "key":  # one per form shown: the same form sent twice (a double click, a reload) stores once
            found.append(Field(name, "hidden", False, value=value or f"desk:{secrets.token_hex(8)}"))
            continue
        if name == new_key and proposed:
            value, hint = value or proposed, say("proposed")
        elif kind == "lines":
            hint = say("lines_hint")
        elif kind == "time":
            value = value or datetime.now(zone).strftime("%Y-%m-%dT%H:%M")
            hint = say("at_hint", zone=zone)
        found.append(Field(name, kind, name in must and name != "at", _choices(type_, cls, name, kind), value,
                           hint))
    return found


def record_of(type_: str, form: Mapping[str, str], *, now: datetime, zone: tzinfo, actor: str, role: str
              ) -> dict[str, Any]:
    """The record a submitted form stands for, read as `ledger add` reads KEY=VALUE words (Invalid if not)."""
    cls = RECORD_TYPES[type_]
    words = [f"{name}={text}" for name in keys_of(cls) if name not in ("actor", "role")
             and (text := str(form.get(name, "")).strip())]
    if type_ in STAFF_RECORDS:  # the role the account takes; the writer's own is filled in by AU-2
        role = str(form.get("role", "")).strip()
    return record_from_words(type_, words, now=now, zone=zone, actor=actor, role=role)


def field_named(message: str, names: list[str]) -> str | None:
    """The form's key a message is about (`lines.0.quantity: ...`, `missing key 'phone'`), if one of `names`."""
    found = NAMED.match(message)
    name = found and (found[1] or found[2])
    return name if name in names else None
