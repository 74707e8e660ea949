"""Fixtures for the SIPp runner tests. Everything stays on 127.0.0.1."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# the repo root (for `telephony`) and this dir (for `fakepbx`), whatever the import mode
for p in (str(ROOT), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

from fakepbx import FakePbx  # noqa: E402
from sipp_support import AGENTS  # noqa: E402


@pytest.fixture
def pbx() -> Iterator[FakePbx]:
    with FakePbx(users=AGENTS) as fake:
        yield fake
        assert not fake.errors, fake.errors
