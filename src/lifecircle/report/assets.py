"""Leaflet and ECharts, read from an npm ``node_modules`` folder to be inlined in reports."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup

from lifecircle.errors import DataError

if TYPE_CHECKING:
    from collections.abc import Sequence

ASSETS_ENV = "LIFECIRCLE_ASSETS_DIR"
"""Environment variable naming the ``node_modules`` folder to read the libraries from."""

LEAFLET_JS = Path("leaflet/dist/leaflet.js")
LEAFLET_CSS = Path("leaflet/dist/leaflet.css")
ECHARTS_JS = Path("echarts/dist/echarts.min.js")
_FILES = (LEAFLET_JS, LEAFLET_CSS, ECHARTS_JS)


@dataclass(frozen=True, repr=False)
class Assets:
    """The texts of the front-end libraries a report inlines.

    Attributes
    ----------
    leaflet_js, leaflet_css
        Leaflet's script and style sheet (``leaflet/dist``).
    echarts_js
        The minified ECharts bundle (``echarts/dist/echarts.min.js``).
    source
        The ``node_modules`` folder they were read from (for messages only).

    """

    leaflet_js: str
    leaflet_css: str
    echarts_js: str
    source: Path | None = None

    def __repr__(self) -> str:
        # the texts are a megabyte: never print them
        return f"Assets(source={self.source!s})"


def _candidates(assets_dir: Path | None) -> list[Path]:
    """The ``node_modules`` folders to try, in order (an explicit choice is the only one)."""
    if assets_dir is not None:
        return [Path(assets_dir)]
    env = os.environ.get(ASSETS_ENV)
    if env:
        return [Path(env)]
    cwd = Path.cwd().resolve()
    found = [d / "node_modules" for d in (cwd, *cwd.parents)]
    found.append(Path(__file__).resolve().parents[3] / "node_modules")  # editable install
    return list(dict.fromkeys(found))


def node_modules_with(files: Sequence[str | Path], assets_dir: Path | None = None) -> Path | None:
    """The first ``node_modules`` folder holding all ``files``, or ``None``.

    Folders are looked up as :func:`load_assets` says.
    """
    for folder in _candidates(assets_dir):
        if all((folder / f).is_file() for f in files):
            return folder
    return None


def load_assets(assets_dir: Path | None = None) -> Assets:
    """Read Leaflet and ECharts from the first ``node_modules`` folder that has all three files.

    Parameters
    ----------
    assets_dir
        A ``node_modules`` folder. Without it: the folder named by the environment
        variable ``LIFECIRCLE_ASSETS_DIR``, else ``node_modules`` in the current directory
        or one of its parents, else ``node_modules`` beside the source tree.

    Returns
    -------
    Assets
        The library texts.

    Raises
    ------
    DataError
        When no folder looked at holds ``leaflet/dist/leaflet.js``,
        ``leaflet/dist/leaflet.css`` and ``echarts/dist/echarts.min.js``; the message
        names the folders and says to run ``npm ci``.

    """
    looked = _candidates(assets_dir)
    folder = node_modules_with(_FILES, assets_dir)
    if folder is not None:
        try:
            texts = [(folder / f).read_text(encoding="utf-8") for f in _FILES]
        except (OSError, UnicodeDecodeError) as exc:
            raise DataError(f"{folder}: cannot read the report libraries: {exc}") from exc
        return Assets(leaflet_js=texts[0], leaflet_css=texts[1], echarts_js=texts[2], source=folder)
    where = ", ".join(str(f) for f in looked)
    raise DataError(
        "the report needs Leaflet and ECharts from npm "
        f"({', '.join(f.as_posix() for f in _FILES)}) but no node_modules folder has them "
        f"(looked in: {where}); run `npm ci` in the repository (or `make setup`), "
        f"or set {ASSETS_ENV} to a node_modules folder"
    )


def inline_js(text: str) -> Markup:
    """A library's text for an inline ``<script>``: a ``</script`` would end it early."""
    return Markup(text.replace("</script", "<\\/script"))  # noqa: S704 - trusted library text
