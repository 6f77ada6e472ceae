"""ledger: an event-sourced order and after-sales ledger for online shops."""
import os

# The ledger uses no pydantic plugins; looking for them reads every installed package's metadata, which
# costs a one-record append a fifth of its time.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
