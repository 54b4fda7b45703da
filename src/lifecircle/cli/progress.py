"""Progress display for long commands (Rich, on standard error, gone when done)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

if TYPE_CHECKING:
    from collections.abc import Iterator

    from rich.console import Console


@contextlib.contextmanager
def stages(console: Console, names: list[str], *, enabled: bool = True) -> Iterator[None]:
    """Show a spinner with elapsed time while the block runs (skipped when not enabled)."""
    if not enabled or not console.is_terminal:
        yield
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        progress.add_task(" · ".join(names), total=None)
        yield
