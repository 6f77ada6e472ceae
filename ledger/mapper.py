"""How an event becomes stored bytes and back: the pydantic mapper and the orjson transcoder.

eventsourcing 9.5 ships neither a pydantic mapper nor an orjson transcoder, so they are here, in the
place eventsourcing swaps persistence in (`Application.construct_mapper`). The fields a record type
lists as PERSONAL are sealed with its customer's key on the way in and opened on the way out (crypto.py).
"""
from __future__ import annotations

from typing import Any

import orjson
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder, Transcoding
from eventsourcing.utils import get_topic, resolve_topic
from pydantic import BaseModel

from ledger.crypto import Keyring
from ledger.values import ERASED

STREAM_FIELDS = {"originator_id", "originator_version"}


class OrjsonTranscoder(Transcoder):
    """JSON bytes by orjson; pydantic has already turned money and times into strings."""

    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj)

    def decode(self, data: bytes) -> Any:
        return orjson.loads(data)

    def register(self, transcoding: Transcoding) -> None:
        raise TypeError("values are converted by the pydantic models, not by transcodings")


class PydanticMapper(Mapper):
    """Maps pydantic events to stored events and back, keeping eventsourcing's upcasting hook.

    A class with `class_version = N > 1` gets its stored state upcast by its
    `upcast_vK_vK+1(state)` static methods, as with eventsourcing's own events.
    """

    def __init__(self, transcoder: Transcoder, keyring: Keyring | None = None):
        super().__init__(transcoder)
        self.keyring = keyring

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        return self.encode(domain_event)[0]

    def encode(self, domain_event: Any) -> tuple[StoredEvent, dict[str, Any]]:
        """The stored event, and its state as stored (personal fields sealed): what the views read."""
        model: BaseModel = domain_event
        state = model.model_dump(mode="json", exclude=STREAM_FIELDS, exclude_none=True)
        personal = getattr(type(model), "PERSONAL", ())
        if personal and self.keyring is not None:
            customer = self.keyring.customer_of(model)
            for name in personal:
                if name in state:  # an optional one may be absent
                    state[name] = self.keyring.seal(customer, name, state[name])
        class_version = getattr(type(model), "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        stored_state = self.transcoder.encode(state)
        if self.compressor:
            stored_state = self.compressor.compress(stored_state)
        if self.cipher:
            stored_state = self.cipher.encrypt(stored_state)
        return StoredEvent(
            originator_id=model.originator_id,
            originator_version=model.originator_version,
            topic=get_topic(type(model)),
            state=stored_state,
        ), state

    def stored_state(self, topic: str, stored: bytes) -> dict[str, Any]:
        """An event's state as stored, upcast to its class's version; no model is made and nothing opened."""
        if self.cipher:
            stored = self.cipher.decrypt(stored)
        if self.compressor:
            stored = self.compressor.decompress(stored)
        state: dict[str, Any] = self.transcoder.decode(stored)
        cls = resolve_topic(topic)
        version = state.pop("class_version", 1)
        while version < getattr(cls, "class_version", 1):
            getattr(cls, f"upcast_v{version}_v{version + 1}")(state)
            version += 1
        return state

    def to_domain_event(self, stored_event: StoredEvent, personal: bool = True) -> Any:
        """The event; with `personal=False` its personal fields read "[erased]" without being opened: the
        views and the rules never read them, so they never need a customer's key."""
        state = self.stored_state(stored_event.topic, stored_event.state)
        cls = resolve_topic(stored_event.topic)
        for name in getattr(cls, "PERSONAL", ()):
            if name in state and not personal:
                state[name] = ERASED
            elif name in state and self.keyring is not None:
                state[name] = self.keyring.open(name, state[name])
        state["originator_id"] = stored_event.originator_id
        state["originator_version"] = stored_event.originator_version
        return cls.model_validate(state)


def record_json(record: Any) -> dict[str, Any]:
    """A record as it was appended, with its key: what `ledger export` writes."""
    return {"type": type(record).__name__,
            **record.model_dump(mode="json", exclude=STREAM_FIELDS | {"timestamp", "signed_in"}, exclude_none=True)}
