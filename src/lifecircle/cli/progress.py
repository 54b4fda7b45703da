"""Progress display for long commands (Rich, on standard error, gone when done)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

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


def _bar(console: Console) -> Progress:
    """Spinner, description, bar, done of total and elapsed time; gone when done."""
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


@contextlib.contextmanager
def step_progress(
    console: Console, title: str, *, total: int | None = None, enabled: bool = True
) -> Iterator[Callable[[str], None]]:
    """A progress bar (or spinner when ``total`` is unknown) advanced by a step callback.

    The callback takes the name of the step starting; each call after the first
    completes one step. Nothing is shown when output is not a terminal.
    """
    if not enabled or not console.is_terminal:
        yield lambda _: None
        return
    with _bar(console) as progress:
        task = progress.add_task(title, total=total)
        started = False

        def step(name: str) -> None:
            nonlocal started
            progress.update(task, description=f"{title}: {name}", advance=1 if started else 0)
            started = True

        yield step


@contextlib.contextmanager
def count_progress(
    console: Console, title: str, *, total: int, enabled: bool = True
) -> Iterator[Callable[[str], None]]:
    """A bar over ``total`` tasks that finish in any order: each call marks one done.

    The callback takes the name of the task just finished. Nothing is shown when output
    is not a terminal.
    """
    if not enabled or not console.is_terminal:
        yield lambda _: None
        return
    with _bar(console) as progress:
        task = progress.add_task(title, total=total)

        def done(name: str) -> None:
            progress.update(task, description=f"{title}: {name} done", advance=1)

        yield done
