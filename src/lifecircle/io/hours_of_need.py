"""Reading the hours of need (TOML): the packaged defaults, or a file of one's own."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from lifecircle.core.assess.need import NeedWindow, window_from_text
from lifecircle.errors import DataError, LifecircleError, NotFoundError

PACKAGED = ("default",)
"""Hours-of-need files shipped with lifecircle (``data/hours/needs.toml`` is ``default``)."""


def load_hours_of_need(name_or_path: str | Path = "default") -> tuple[NeedWindow, ...]:
    """The hours of need of a packaged profile or of a TOML file of the same form.

    The file has a ``[needs]`` table of ``category = "HH:MM-HH:MM"``.

    Raises
    ------
    NotFoundError
        If neither a packaged profile nor a file has that name.
    DataError
        Naming the file and every window that cannot be read.

    """
    if str(name_or_path) in PACKAGED:
        text = (
            resources.files("lifecircle.data")
            .joinpath("hours", "needs.toml")
            .read_text(encoding="utf-8")
        )
        return needs_from_toml(text, source=str(name_or_path))
    path = Path(name_or_path)
    if not path.is_file():
        raise NotFoundError(
            f"no hours-of-need file {str(path)!r} (packaged: {', '.join(PACKAGED)})",
            field="need",
        )
    return needs_from_toml(path.read_text(encoding="utf-8"), source=str(path))


def needs_from_toml(text: str, *, source: str) -> tuple[NeedWindow, ...]:
    """Parse the text of an hours-of-need file; ``source`` names it in errors."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{source}: not valid TOML: {exc}") from exc
    needs = doc.get("needs")
    if not isinstance(needs, dict) or not needs:
        raise DataError(f'{source}: needs a [needs] table of category = "HH:MM-HH:MM"')
    windows: list[NeedWindow] = []
    problems: list[str] = []
    for category, value in needs.items():
        if not isinstance(value, str):
            problems.append(f'{category}: expected "HH:MM-HH:MM", got {value!r}')
            continue
        try:
            windows.append(window_from_text(category, value))
        except LifecircleError as exc:
            problems.append(str(exc))
    if problems:
        raise DataError(f"{source}: " + "; ".join(problems))
    return tuple(windows)
