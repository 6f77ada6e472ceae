"""A void (VO-1) joins the stream of the record it voids; what it changes is the unit of work's to work out
(corrections.py), since the decisions it withdraws and stores lie on every stream of the record's family."""
from __future__ import annotations

from ledger.aggregates.base import handles
from ledger.events import RecordVoided


@handles(RecordVoided)
def void_record(uow, record: RecordVoided) -> None:
    uow.void(record)
