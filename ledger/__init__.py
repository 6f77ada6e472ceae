"""ledger: an event-sourced order and after-sales ledger for online shops."""
