"""History and explanations as an auditor reads them: JSON (SPEC section 8) or a timeline."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from ledger.events import Decision, Event, Record, ref_parts
from ledger.tables import printable

COMMON = {"originator_id", "originator_version", "timestamp", "at", "actor", "role", "key", "rule", "caused_by"}


@dataclass
class Entry:
    position: int
    event: Event


class Timeline:
    """Events with their positions, able to turn a decision's refs into positions."""

    def __init__(self, entries: list[tuple[int, Event]], zone: tzinfo, position_of):
        self.entries = [Entry(position, event) for position, event in entries]
        self.zone = zone
        self._positions = {(e.event.originator_id, e.event.originator_version): e.position for e in self.entries}
        self._by_position = {e.position: e for e in self.entries}
        self._position_of = position_of  # (stream, version) -> position, for refs outside the timeline

    def position(self, ref: str) -> int | None:
        stream, version = ref_parts(ref)
        found = self._positions.get((stream, version))
        return found if found is not None else self._position_of(stream, version)

    def time(self, value: datetime) -> str:
        return value.astimezone(self.zone).isoformat()

    def data(self, event: Event) -> dict[str, Any]:
        data = event.model_dump(mode="json", exclude=COMMON | {"rests_on"}, exclude_none=True)
        for name, value in data.items():
            if isinstance(getattr(event, name), datetime):
                data[name] = self.time(getattr(event, name))
        if isinstance(event, Decision):
            data["rests_on"] = [self.position(ref) for ref in event.rests_on]
        return data

    def as_json(self, entry: Entry) -> dict[str, Any]:
        event = entry.event
        decision = isinstance(event, Decision)
        return {
            "position": entry.position,
            "stream": event.originator_id,
            "type": type(event).__name__,
            "at": self.time(event.at),
            "recorded_at": self.time(event.timestamp),
            "actor": event.actor,
            "role": event.role,
            "data": self.data(event),
            "rule": event.rule if decision else None,
            "caused_by": self.position(event.caused_by) if decision else None,
        }

    def history_json(self) -> dict[str, Any]:
        return {"events": [self.as_json(entry) for entry in self.entries]}

    # -- text -----------------------------------------------------------------------------------

    def clock(self, value: datetime) -> str:
        return value.astimezone(self.zone).strftime("%Y-%m-%d %H:%M:%S")

    def summary(self, event: Event) -> str:
        data = self.data(event)
        data.pop("rests_on", None)
        parts = []
        for name, value in data.items():
            if isinstance(value, list):
                value = ", ".join(_line(item) for item in value)
            elif isinstance(value, dict):
                value = ", ".join(f"{k}={v}" for k, v in value.items())
            parts.append(f"{name}={value}")
        return printable("  ".join(parts))

    def line(self, entry: Entry) -> str:
        event = entry.event
        head = f"{entry.position:>7}  {self.clock(event.at)}  {printable(event.actor):<10} {event.role:<16} "
        if isinstance(event, Record):
            return f"{head}{type(event).__name__}  {self.summary(event)}"
        cause = self.position(event.caused_by)
        return (f"{head}  => {type(event).__name__} [{event.rule}, policy {printable(event.policy_version)}, "
                f"caused by #{cause}]  {self.summary(event)}")

    def history_text(self, title: str) -> str:
        header = f"{'pos':>7}  {'at (' + str(self.zone) + ')':<19}  {'actor':<10} {'role':<16} event"
        return "\n".join([title, "", header, *(self.line(entry) for entry in self.entries)])

    # -- explanations ---------------------------------------------------------------------------

    def basis(self, decision: Decision) -> list[Entry]:
        positions = [self.position(decision.caused_by), *(self.position(ref) for ref in decision.rests_on)]
        return [self._by_position[p] for p in sorted(set(positions)) if p in self._by_position]

    def decisions(self, about: Callable[[Decision], bool]) -> list[Entry]:
        return [e for e in self.entries if isinstance(e.event, Decision) and about(e.event)]

    def explain_json(self, about: Callable[[Decision], bool]) -> dict[str, Any]:
        return {"decisions": [
            {**self.as_json(entry), "policy_version": entry.event.policy_version,
             "rests_on": [self.as_json(basis) for basis in self.basis(entry.event)]}
            for entry in self.decisions(about)
        ]}

    def explain_text(self, title: str, about: Callable[[Decision], bool]) -> str:
        out = [title]
        decisions = self.decisions(about)
        if not decisions:
            out.append("\nno decisions yet")
        for entry in decisions:
            event = entry.event
            out += ["", f"#{entry.position} {type(event).__name__}: rule {event.rule}, policy {event.policy_version}",
                    f"    {self.summary(event)}", "    rests on:"]
            out += [f"    {self.line(basis)}" for basis in self.basis(event)]
        return "\n".join(out)


def _line(item: Any) -> str:
    if isinstance(item, dict) and "sku" in item:
        price = f" @ {item['unit_price']}" if "unit_price" in item else ""
        return f"{item['quantity']} x {item['sku']}{price}"
    return str(item)
