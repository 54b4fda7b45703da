"""The README's merchants' walkthrough, run as written against a real ``lifecircle serve``.

The shell block between ``<!-- walkthrough:start -->`` and ``<!-- walkthrough:end -->``
of README.md is what a newcomer copies: register a merchant, claim a shop, have it
approved, publish prices, create a coupon, claim it as a resident, redeem it, record a
near-expiry batch and see the warning. It runs here with bash and curl on the demo city
(real OSM data of Helsinki), so the README cannot drift from the API.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.api.test_serve import SOURCE, _wait_for_health
from tests.conftest import HELSINKI_PBF, require
from tests.pg import free_port

README = SOURCE.parent / "README.md"
BLOCK = re.compile(
    r"<!-- walkthrough:start -->\s*```sh\n(.*?)```\s*<!-- walkthrough:end -->", re.DOTALL
)


def _walkthrough() -> str:
    found = BLOCK.search(README.read_text(encoding="utf-8"))
    assert found, "README.md has no walkthrough block"
    return found.group(1)


def _password(printed: str, name: str) -> str:
    found = re.search(rf"{name}\s+\w+\s+(\S+)", printed)
    assert found, printed
    return found.group(1)


@pytest.mark.slow
def test_the_readme_walkthrough_runs_as_written(tmp_path: Path) -> None:
    assert shutil.which("curl"), "the walkthrough needs curl (make test installs it)"
    pbf = require(HELSINKI_PBF)
    bindir = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIFECIRCLE_")} | {
        "LIFECIRCLE_DATA_DIR": str(tmp_path / "data"),
        "PYTHONPATH": os.pathsep.join([str(SOURCE), os.environ.get("PYTHONPATH", "")]),
        "PATH": os.pathsep.join([bindir, os.environ.get("PATH", "")]),
    }
    lifecircle = [sys.executable, "-m", "lifecircle"]
    for args in (
        ["city", "create", "helsinki"],
        ["city", "import", "helsinki", "--network", str(pbf), "--places", str(pbf),
         "--format", "osm", "--units", "h3:9"],
    ):  # fmt: skip
        subprocess.run([*lifecircle, *args], env=env, check=True, capture_output=True)
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [*lifecircle, "serve", "--port", str(port), "--demo"],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
        )
    api = f"http://127.0.0.1:{port}/api/v1"
    try:
        _wait_for_health(f"{api}/health", server, log)
        printed = log.read_text()
        run = subprocess.run(
            ["bash", "-c", "set -euo pipefail\n" + _walkthrough()],
            env=env
            | {
                "API": api,
                "OFFICIAL_PASSWORD": _password(printed, "demo-official"),
                "RESIDENT_PASSWORD": _password(printed, "demo-resident"),
            },
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}\n{log.read_text()[-3000:]}"
    out = run.stdout
    print(out)  # shown with -s: what a newcomer sees
    assert "('口罩', 1250, '12.50')" in out
    assert "(1000, 5800)" in out  # 满50减10 on 68 yuan: 10 off, 58 paid
    assert "\n409\n" in out  # the same code a second time
    assert "'酸奶', 2," in out  # on the day's near-expiry list, two days left
    assert "expiry_warning" in out
    assert (tmp_path / "coupon-qr.svg").read_text().lstrip().startswith("<?xml")
