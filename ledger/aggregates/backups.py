"""The backups stream: each copy of the store `ledger backup` wrote, so that `forget` can name them."""
from __future__ import annotations

from ledger.aggregates.base import Aggregate, applies, handles
from ledger.events import BackupTaken


class Backups(Aggregate):
    prefix = "backups"

    def __init__(self, stream: str = "backups"):
        super().__init__(stream)
        self.taken: list[BackupTaken] = []

    @applies(BackupTaken)
    def _taken(self, event: BackupTaken) -> None:
        self.taken.append(event)


@handles(BackupTaken)
def take_backup(uow, record: BackupTaken) -> None:
    backups = uow.get("backups") or Backups()
    backups.trigger(record)
    uow.emit(backups)
