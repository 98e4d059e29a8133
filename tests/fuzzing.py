"""How long the Hypothesis fuzz tests run: a bounded CI size, or TINBAI_FUZZ=long."""

from __future__ import annotations

import os

LONG = os.environ.get("TINBAI_FUZZ", "").lower() == "long"
EXAMPLES = 5_000 if LONG else 150
