"""Run-time tile settings end to end: ``LIFECIRCLE_TILE_URL`` reaches the browser's map.

A tiny tile server on 127.0.0.1 (one PNG for every ``/{z}/{x}/{y}.png``) stands for a
deployment's provider; ``lifecircle serve`` is started with ``LIFECIRCLE_TILE_URL``
pointing at it, and the built app (its build has no ``VITE_TILE_URL``) must read the
setting from ``GET /api/v1/web-config`` and ask that server for tiles, with the
attribution shown. No city is needed: the map opens on the world without one.
"""

from __future__ import annotations

import os
import re
import signal
import struct
import subprocess
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Self

import httpx
import pytest

from lifecircle.api.web import WEB_DIST
from tests.api.test_serve import SOURCE, _wait_for_health
from tests.pg import free_port
from tests.web.guard import watch
from tests.web.test_residents_e2e import SHOTS, browser

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Browser

__all__ = ["browser"]  # the residents' e2e browser fixture, shared

ATTRIBUTION = "© SYNTHETIC local tiles"


def _png() -> bytes:
    """A 1 x 1 grey PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 8-bit greyscale
    pixels = zlib.compress(b"\x00\xcc")
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


class TileServer:
    """Serves the PNG for ``/{z}/{x}/{y}.png`` and records what was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.failures: list[BaseException] = []  # a handler's exception, asserted empty
        image, asked = _png(), self.asked

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                asked.append(self.path)
                if re.fullmatch(r"/\d+/\d+/\d+\.png", self.path):
                    self.send_response(200)
                    self.send_header("Content-Type", "image/png")
                    self.send_header("Content-Length", str(len(image)))
                    self.end_headers()
                    self.wfile.write(image)
                else:
                    self.send_error(404)

            def log_message(self, *_: object) -> None:
                return  # quiet

        failures = self.failures

        class Server(ThreadingHTTPServer):
            def handle_error(self, *_: object) -> None:
                failures.append(sys.exc_info()[1] or RuntimeError("unknown"))  # the test sees it

        self.server = Server(("127.0.0.1", free_port()), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def tiles() -> Iterator[TileServer]:
    with TileServer() as server:
        yield server
    assert server.failures == []


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, tiles: TileServer) -> Iterator[str]:
    if not (WEB_DIST / "index.html").is_file():
        pytest.fail(f"{WEB_DIST} is not built: `make setup` (or cd web && npm ci && npm run build)")
    folder = tmp_path_factory.mktemp("web-tiles")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIFECIRCLE_")} | {
        "LIFECIRCLE_DATA_DIR": str(folder / "data"),
        "LIFECIRCLE_TILE_URL": f"http://127.0.0.1:{tiles.port}/{{z}}/{{x}}/{{y}}.png",
        "LIFECIRCLE_TILE_ATTRIBUTION": ATTRIBUTION,
        "PYTHONPATH": os.pathsep.join([str(SOURCE), os.environ.get("PYTHONPATH", "")]),
    }
    lifecircle = [sys.executable, "-m", "lifecircle"]
    subprocess.run([*lifecircle, "db", "upgrade"], env=env, check=True, capture_output=True)
    port = free_port()
    log = folder / "serve.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [*lifecircle, "serve", "--port", str(port), "--workers", "1"],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_health(f"{base}/api/v1/health", server, log)
        yield base
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.mark.slow
def test_the_map_asks_the_configured_tile_server(
    served: str, tiles: TileServer, browser: Browser
) -> None:
    config = httpx.get(f"{served}/api/v1/web-config").json()
    assert config["tiles"]["url"].startswith(f"http://127.0.0.1:{tiles.port}/")
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN")
    page = context.new_page()
    left, errors = watch(page)
    with page.expect_request(lambda r: r.url.startswith(f"http://127.0.0.1:{tiles.port}/")):
        page.goto(f"{served}/app/near")
    page.locator("img.leaflet-tile-loaded").first.wait_for(timeout=15_000)
    assert ATTRIBUTION in page.locator(".leaflet-control-attribution").inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "tiles-configured.png"))
    context.close()
    assert any(re.fullmatch(r"/\d+/\d+/\d+\.png", p) for p in tiles.asked), tiles.asked
    assert errors == []
    assert left == []
