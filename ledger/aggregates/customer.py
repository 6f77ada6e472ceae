"""A customer's stream: their erasure (SPEC section 5). The customer's orders live on their own streams."""
from __future__ import annotations

from ledger import rules
from ledger.aggregates.base import Aggregate, handles
from ledger.events import CustomerForgotten
from ledger.rules import refuse


class Customer(Aggregate):
    prefix = "customer"
    UNCHANGED = (CustomerForgotten,)


@handles(CustomerForgotten)
def forget_customer(uow, record: CustomerForgotten) -> None:
    """Destroys the customer's data key: their personal fields read "[erased]" everywhere at once, and a
    later record of theirs is stored erased."""
    if uow.has_accounts():
        rules.check_may_forget(record.role)
    if not any(uow.children(record.customer_id, kind) for kind in ("order", "complaint")):
        raise refuse(f"unknown customer {record.customer_id}")
    uow.session.forget_customer(record.customer_id)
    Customer.extend(uow, record)
