"""The rule and aggregate tests run without a database: each test's shop is held in memory."""
from __future__ import annotations

import pytest

from tests.memory import MemoryShop


@pytest.fixture
def shop() -> MemoryShop:
    return MemoryShop()
