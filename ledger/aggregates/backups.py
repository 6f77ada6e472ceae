"""The backups stream: each copy of the store `ledger backup` wrote, so that `forget` can name them."""
from __future__ import annotations

from ledger.aggregates.base import Aggregate, handles
from ledger.events import BackupTaken


class Backups(Aggregate):
    prefix = "backups"
    UNCHANGED = (BackupTaken,)


@handles(BackupTaken)
def take_backup(uow, record: BackupTaken) -> None:
    Backups.extend(uow, record)
