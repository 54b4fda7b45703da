"""The README's walkthroughs, run as written against a real ``lifecircle serve``.

Each shell block between ``<!-- walkthrough:start NAME -->`` and ``<!-- walkthrough:end -->``
of README.md is what a newcomer copies. ``merchants``: register a merchant, claim a shop,
have it approved, publish prices, create a coupon, claim it as a resident, redeem it,
record a near-expiry batch and see the warning. They run here with bash and curl on the
demo city (real OSM data of Helsinki), in their README order on one server, so the
README cannot drift from the API.
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
    r"<!-- walkthrough:start (\w+) -->\s*```sh\n(.*?)```\s*<!-- walkthrough:end -->", re.DOTALL
)


def _walkthroughs() -> dict[str, str]:
    found = dict(BLOCK.findall(README.read_text(encoding="utf-8")))
    assert "merchants" in found, "README.md has no merchants' walkthrough"
    return found


EXPECTED = {
    "merchants": [
        "('口罩', 1250, '12.50')",
        "(1000, 5800)",  # 满50减10 on 68 yuan: 10 off, 58 paid
        "\n409\n",  # the same code a second time
        "[('酸奶', 2, 50)]",  # on the day's near-expiry list, two days left, 50 % off
        "expiry_warning",
    ],
    "voice": [
        "(6, 0.6667, 0.3, 0.9032)",  # 4 of 6 satisfied, Wilson 95 % interval
        "('resolved', 'the shop has put up price tags')",
        "('125', 0.115)",  # 1,250,000 yuan = 125 万元; 2,300 / 20,000 m²
        "satisfaction 0.6666666666666666 False 6 answers, 95 % Wilson interval 30.0–90.3 %",
        "commercial_floor_share 0.115 True",
    ],
}
"""What each walkthrough must print (the README shows it)."""


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
         "--format", "osm", "--units", "h3:9", "--buildings", str(pbf)],
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
    outputs: dict[str, str] = {}
    try:
        _wait_for_health(f"{api}/health", server, log)
        printed = log.read_text()
        env |= {
            "API": api,
            "OFFICIAL_PASSWORD": _password(printed, "demo-official"),
            "RESIDENT_PASSWORD": _password(printed, "demo-resident"),
        }
        for name, block in _walkthroughs().items():
            run = subprocess.run(
                ["bash", "-c", "set -euo pipefail\n" + block],
                env=env,
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            assert run.returncode == 0, (
                f"walkthrough {name}:\n{run.stdout}\n{run.stderr}\n{log.read_text()[-3000:]}"
            )
            print(run.stdout)  # shown with -s: what a newcomer sees
            outputs[name] = run.stdout
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    missing = [
        (name, text) for name, texts in EXPECTED.items() for text in texts
        if text not in outputs.get(name, "")
    ]  # fmt: skip
    assert missing == [], outputs
    assert (tmp_path / "coupon-qr.svg").read_text().lstrip().startswith("<?xml")
