"""Tamper evidence: every stored event is chained to its stream's previous event and to the log.

stream_hash = SHA-256(previous stream_hash || stream, version, topic, stored bytes)
log_hash    = SHA-256(previous log_hash || position || stream_hash)

What is hashed is what is stored, so erasing a customer's key later changes
nothing here. The head (last position and its log hash) is what an auditor
writes down; `verify --expect-head` then also finds a history cut short.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

GENESIS = bytes(32)


def stream_link(previous: bytes, stream: str, version: int, topic: str, state: bytes) -> bytes:
    header = f"{len(stream)}:{stream}|{version}|{len(topic)}:{topic}|".encode()
    return hashlib.sha256(previous + header + state).digest()


def log_link(previous: bytes, position: int, stream_hash: bytes) -> bytes:
    return hashlib.sha256(previous + position.to_bytes(8, "big") + stream_hash).digest()


def head_text(position: int, log_hash: bytes) -> str:
    return f"{position}:{log_hash.hex()}"


HEAD_PATTERN = re.compile(r"([0-9]{1,19}):([0-9a-fA-F]{64})")


def parse_head(text: str) -> str:
    """A head as an auditor wrote it down (`N:HEX`, hex in either case) in the form `verify` prints; a
    ValueError for anything else."""
    found = HEAD_PATTERN.fullmatch(text)
    if found is None:
        raise ValueError("a head is N:HEX, the position and 64 hex digits, as `ledger verify` prints it")
    return f"{int(found[1])}:{found[2].lower()}"


@dataclass
class Verdict:
    head: str
    problem: str | None = None  # "tampered N: reason"


def merge(events: Iterable[tuple], links: Iterable[tuple]) -> Iterator[tuple]:
    """Events (position, stream, version, topic, state) and chain rows (position, stream_hash, log_hash),
    both in position order, side by side: (position, stream, version, topic, state, stream_hash, log_hash),
    None where either is missing."""
    events, links = iter(events), iter(links)
    event, link = next(events, None), next(links, None)
    while event is not None or link is not None:
        if link is None or (event is not None and event[0] < link[0]):
            yield (*event, None, None)
            event = next(events, None)
        elif event is None or link[0] < event[0]:
            yield link[0], None, None, None, None, link[1], link[2]
            link = next(links, None)
        else:
            yield (*event, link[1], link[2])
            event, link = next(events, None), next(links, None)


def verify(stored: Iterable[tuple], expect_head: str | None = None) -> Verdict:
    """Each event (as `merge` gives them) checked against its chain row, in position order."""
    last_position, last_log = 0, GENESIS
    streams: dict[str, tuple[int, bytes]] = {}
    seen_expected = False
    expected_at = expect_head.split(":", 1)[0] if expect_head is not None else None
    for p, stream, version, topic, state, stored_hash, stored_log in stored:
        if stream is None:
            return Verdict(head_text(last_position, last_log), f"tampered {p}: the event was removed")
        if stored_log is None:
            return Verdict(head_text(last_position, last_log), f"tampered {p}: an event without a hash was inserted")
        known, previous = streams.get(stream, (0, GENESIS))
        if version != known + 1:
            return Verdict(head_text(last_position, last_log),
                           f"tampered {p}: {stream} jumps from version {known} to {version}")
        stored_bytes = state if isinstance(state, bytes) else repr(state).encode()  # retyped by hand
        stream_hash = stream_link(previous, str(stream), version, str(topic), stored_bytes)
        if stream_hash != stored_hash:
            return Verdict(head_text(last_position, last_log), f"tampered {p}: the event was changed")
        log_hash = log_link(last_log, p, stream_hash)
        if log_hash != stored_log:
            return Verdict(head_text(last_position, last_log),
                           f"tampered {p}: the log chain breaks here (an event was removed, inserted or moved)")
        streams[stream] = (version, stream_hash)
        last_position, last_log = p, log_hash
        if expected_at == str(p):
            seen_expected = True
            if head_text(p, log_hash) != expect_head:
                return Verdict(head_text(p, log_hash), f"tampered {p}: differs from the expected head {expect_head}")
    head = head_text(last_position, last_log)
    if expect_head is not None and not seen_expected and expect_head != head:
        n = expect_head.split(":", 1)[0]
        return Verdict(head, f"tampered {n}: the history is cut short; it ends at position {last_position}")
    return Verdict(head)
