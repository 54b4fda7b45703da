"""Writing result files atomically: a temporary file beside the target, renamed on success."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence


@contextlib.contextmanager
def atomic_text(path: Path) -> Iterator[TextIO]:
    """Open a text file for writing that appears at ``path`` only if the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write a UTF-8 CSV with a header, atomically."""
    with atomic_text(path) as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def write_json(path: Path, obj: Any) -> None:
    """Write JSON (UTF-8, not ASCII-escaped), atomically."""
    with atomic_text(path) as fh:
        json.dump(obj, fh, ensure_ascii=False, indent=1)
        fh.write("\n")
