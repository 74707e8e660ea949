"""The harness's pure parts (bench/): parsing, percentiles, the capacity search, the table.

No timings are asserted here: the benches measure, the tests only check the arithmetic.
"""
from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # bench/ is not an installed package
    sys.path.insert(0, str(REPO))
