"""History and explanations as an auditor reads them: JSON (SPEC section 8) or a timeline."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from ledger import rules
from ledger.messages import heading, rule_text, say, shown, yes_no
from ledger.tables import pad
from ledger.values import printable

COMMON = {"timestamp", "at", "actor", "role", "key", "rule", "caused_by", "signed_in"}
TIMES = {"due", "window_from", "window_until"}  # the time-typed fields besides `at` and `timestamp`


@dataclass
class Stored:
    """One event as the store holds it: its JSON state, with personal fields opened (or "[erased]")."""

    position: int
    stream: str
    version: int
    type: str
    state: dict[str, Any]

    @property
    def ref(self) -> str:
        return f"{self.stream}@{self.version}"

    @property
    def at(self) -> datetime:
        return datetime.fromisoformat(self.state["at"])

    @property
    def decision(self) -> bool:
        """Decisions are the events that name the record they follow from."""
        return "caused_by" in self.state

    @property
    def rests_on(self) -> list[str]:
        return self.state.get("rests_on", [])


def ref_parts(ref: str) -> tuple[str, int]:
    stream, version = ref.rsplit("@", 1)
    return stream, int(version)


class Timeline:
    """Events with their positions, able to turn a decision's refs into positions."""

    def __init__(self, entries: list[Stored], zone: tzinfo, position_of: Callable[[str, int], int | None]):
        self.entries = entries
        self.zone = zone
        self._positions = {(e.stream, e.version): e.position for e in entries}
        self._by_position = {e.position: e for e in entries}
        self._position_of = position_of  # (stream, version) -> position, for refs outside the timeline
        self.voided_by = self._voids()

    def _voids(self) -> dict[int, int]:
        """Position of a voided record or withdrawn decision -> the void's (VO-1)."""
        keyed = {e.state["key"]: e.position for e in self.entries if e.state.get("key")}
        found = {}
        for e in self.entries:
            if e.type == "RecordVoided" and e.state["record"] in keyed:
                found[keyed[e.state["record"]]] = e.position
            elif e.type == "DecisionWithdrawn":
                found[e.state["position"]] = self.position(e.state["caused_by"])
        return found

    def replaced_by(self, withdrawn: Stored) -> list[int]:
        """The decisions the void that withdrew a decision stored on its stream (a later dispatch's decision
        in place of a voided one's, say)."""
        void = self.voided_by.get(withdrawn.position)
        return [e.position for e in self.entries if e.decision and e.type != "DecisionWithdrawn"
                and e.stream == withdrawn.stream and self.position(e.state["caused_by"]) == void]

    def position(self, ref: str) -> int | None:
        stream, version = ref_parts(ref)
        found = self._positions.get((stream, version))
        return found if found is not None else self._position_of(stream, version)

    def time(self, value: datetime | str) -> str:
        return (datetime.fromisoformat(value) if isinstance(value, str) else value).astimezone(self.zone).isoformat()

    def data(self, entry: Stored) -> dict[str, Any]:
        data = {name: self.time(value) if name in TIMES else value
                for name, value in entry.state.items() if name not in COMMON and name != "rests_on"}
        if entry.decision:
            data["rests_on"] = [self.position(ref) for ref in entry.rests_on]
        return data

    def as_json(self, entry: Stored) -> dict[str, Any]:
        state = entry.state
        voided = {"voided_by": self.voided_by[entry.position]} if entry.position in self.voided_by else {}
        return {**voided,
            "position": entry.position,
            "stream": entry.stream,
            "type": entry.type,
            "at": self.time(state["at"]),
            "recorded_at": self.time(state["timestamp"]),
            "actor": state["actor"],
            "role": state["role"],
            "data": self.data(entry),
            "rule": state["rule"] if entry.decision else None,
            "caused_by": self.position(state["caused_by"]) if entry.decision else None,
        }

    def history_json(self) -> dict[str, Any]:
        return {"events": [self.as_json(entry) for entry in self.entries]}

    # -- text -----------------------------------------------------------------------------------

    def clock(self, value: datetime) -> str:
        return value.astimezone(self.zone).strftime("%Y-%m-%d %H:%M:%S")

    def summary(self, entry: Stored) -> str:
        data = self.data(entry)
        data.pop("rests_on", None)
        parts = []
        for name, value in data.items():
            if isinstance(value, list):
                value = ", ".join(line_text(item) for item in value)
            elif isinstance(value, bool):
                value = yes_no(value)
            elif isinstance(value, dict):
                value = ", ".join(f"{k}={v}" for k, v in value.items())
            parts.append(f"{name}={value}")
        return printable("  ".join(parts))

    def line(self, entry: Stored) -> str:
        state = entry.state
        head = (f"{entry.position:>7}  {self.clock(entry.at)}  {pad(printable(state['actor']), 10)} "
                f"{pad(shown('role', state['role']), 16)} ")
        void = self.voided_by.get(entry.position)
        mark = "" if void is None else "  " + say("voided_mark", position=void)
        if not entry.decision:
            return f"{head}{entry.type}  {self.summary(entry)}{self.entered_late(entry)}{mark}"
        cause = self.position(state["caused_by"])
        return (f"{head}  => {entry.type} " + say("decision_cited", rule=state["rule"],
                                                  policy=printable(state["policy_version"]), cause=cause)
                + f"  {self.summary(entry)}{mark}")

    def entered_late(self, entry: Stored) -> str:
        """AU-4's note on a record that counts from its entry rather than its `at`: both times."""
        counted = rules.counted_from(entry.type, entry.at, entry.state)
        return "" if counted == entry.at else "  " + say("entered_late", at=self.clock(counted))

    def history_text(self, title: str) -> str:
        header = (f"{pad(heading('pos'), 7, right=True)}  {pad(say('at_in', zone=self.zone), 19)}  "
                  f"{pad(heading('actor'), 10)} {pad(heading('role'), 16)} {heading('event')}")
        return "\n".join([title, "", header, *(self.line(entry) for entry in self.entries)])

    # -- explanations ---------------------------------------------------------------------------

    def basis(self, decision: Stored) -> list[Stored]:
        positions = [self.position(decision.state["caused_by"]), *(self.position(ref) for ref in decision.rests_on)]
        return [self._by_position[p] for p in sorted(set(positions)) if p in self._by_position]

    def decisions(self, about: Callable[[Stored], bool]) -> list[Stored]:
        return [e for e in self.entries if e.decision and about(e)]

    def explain_json(self, about: Callable[[Stored], bool]) -> dict[str, Any]:
        return {"decisions": [
            {**self.as_json(entry), "policy_version": entry.state["policy_version"],
             "rests_on": [self.as_json(basis) for basis in self.basis(entry)],
             **({"replaced_by": self.replaced_by(entry)} if entry.position in self.voided_by else {})}
            for entry in self.decisions(about)
        ]}

    def explain_text(self, title: str, about: Callable[[Stored], bool]) -> str:
        out = [title]
        decisions = self.decisions(about)
        if not decisions:
            out.append("\n" + say("no_decisions"))
        for entry in decisions:
            out += ["", say("decision_head", position=entry.position, type=entry.type, rule=entry.state["rule"],
                            text=rule_text(entry.state["rule"]), policy=printable(entry.state["policy_version"])),
                    f"    {self.summary(entry)}", "    " + say("rests_on")]
            out += [f"    {self.line(basis)}" for basis in self.basis(entry)]
            if entry.position in self.voided_by:
                replaced = self.replaced_by(entry)
                out.append("    " + (say("replaced_by", positions=", ".join(f"#{p}" for p in replaced)) if replaced
                                     else say("replaced_by_none")))
            paid = self.paid_by(entry)
            if paid:
                out += ["    " + say("paid_by"), *(f"    {self.line(refund)}" for refund in paid)]
        return "\n".join(out)

    def paid_by(self, decision: Stored) -> list[Stored]:
        """A RefundApproved's refunds: the RefundIssued of its case (or cancelled order) stored after it."""
        if decision.type != "RefundApproved":
            return []
        state = decision.state
        subject = ("order_id", state["order_id"]) if state.get("order_id") else ("case_id", state.get("case_id"))
        return [e for e in self.entries if e.type == "RefundIssued" and e.position > decision.position
                and e.state.get(subject[0]) == subject[1]]


def line_text(item: Any) -> str:
    if isinstance(item, dict) and "sku" in item:
        price = f" @ {item['unit_price']}" if "unit_price" in item else ""
        return f"{item['quantity']} x {item['sku']}{price}"
    return str(item)
