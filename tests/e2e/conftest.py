"""A real hotline per test: `hotline up` (Asterisk, FastAGI, API) on free ports."""
from __future__ import annotations

import pytest

from hotline_instance import Hotline, start_hotline, stop_hotline


@pytest.fixture
def hotline(tmp_path, db_url) -> Hotline:
    instance = start_hotline(tmp_path, db_url)
    yield instance
    stop_hotline(instance)
