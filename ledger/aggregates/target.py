"""The targets stream (年度和季度业绩目标): supervisors set them; the KPI view reads them."""
from __future__ import annotations

from ledger import rules
from ledger.aggregates.base import Aggregate, handles
from ledger.events import TargetSet


class Targets(Aggregate):
    prefix = "target"
    UNCHANGED = (TargetSet,)


@handles(TargetSet)
def set_target(uow, record: TargetSet) -> None:
    rules.check_supervisor(type(record).__name__, record.role)
    Targets.extend(uow, record)
