"""Machine-readable output of every command: one JSON document on standard output."""

from __future__ import annotations

import json
import sys
from typing import Any


def emit_json(obj: Any) -> None:
    """Print ``obj`` as indented UTF-8 JSON (Chinese unescaped; dates and paths as text)."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=1, default=str) + "\n")
