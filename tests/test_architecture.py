"""The architecture is a contract: the layers of docs/architecture.md, checked by import-linter.

The contracts live in pyproject.toml (``[tool.importlinter]``); ``make lint`` runs
``lint-imports`` on them too. A second test runs the same kind of contract over a small
package with a planted cycle and a planted upward import, to show the check can fail.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from importlinter.cli import lint_imports

if TYPE_CHECKING:
    import pytest

ROOT = Path(__file__).resolve().parents[1]


def _lint(config: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run ``lint-imports`` on ``config``; its exit status and what it printed."""
    status = lint_imports(config_filename=str(config), no_cache=True, no_logo=True)
    return status, capsys.readouterr().out


def test_lifecircle_keeps_its_layers(capsys):
    status, out = _lint(ROOT / "pyproject.toml", capsys)
    assert status == 0, out
    assert "4 kept, 0 broken" in out  # layers, pure core, core engines, acyclic


def test_a_cycle_and_an_upward_import_are_caught(tmp_path, monkeypatch, capsys):
    pkg = tmp_path / "toycity"
    for sub in ("core", "cli"):
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "core" / "a.py").write_text("from toycity.core import b\n")
    (pkg / "core" / "b.py").write_text("def f():\n    from toycity.core import a\n")
    (pkg / "core" / "c.py").write_text("from toycity.cli import main\n")
    (pkg / "cli" / "main.py").write_text("")
    config = tmp_path / "contracts.toml"
    config.write_text(
        textwrap.dedent(
            """
            [tool.importlinter]
            root_package = "toycity"

            [[tool.importlinter.contracts]]
            name = "layers"
            type = "layers"
            layers = ["toycity.cli", "toycity.core"]

            [[tool.importlinter.contracts]]
            name = "acyclic"
            type = "acyclic_siblings"
            ancestors = ["toycity"]
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "toycity", raising=False)
    status, out = _lint(config, capsys)
    assert status == 1
    assert "layers BROKEN" in out
    assert "acyclic BROKEN" in out
    assert "0 kept, 2 broken" in out


def test_modules_stay_small():
    """One concept per module, about 600 lines at most (STYLE.md §15)."""
    big = {
        str(p.relative_to(ROOT / "src")): n
        for p in (ROOT / "src" / "lifecircle").rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 620
    }
    assert big == {}
