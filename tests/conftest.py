from __future__ import annotations

import pytest

from tests.shop import Shop


@pytest.fixture
def shop(tmp_path) -> Shop:
    return Shop(f"sqlite:///{tmp_path / 'ledger.db'}")
