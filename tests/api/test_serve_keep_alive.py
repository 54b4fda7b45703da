"""``lifecircle serve`` keeps an idle keep-alive connection open past uvicorn's 5 s.

A client (or a proxy) that reuses a connection just as the server closes it loses its
request; the server's idle time must be the longer one (docs/api.md).
"""

from __future__ import annotations

import socket
import time
from typing import TYPE_CHECKING

import pytest

from lifecircle.store.db import make_engine
from lifecircle.store.migrate import upgrade_database
from tests.api.coupon_load import Server

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.slow

UVICORN_DEFAULT_S = 5


def _get(raw: socket.socket, port: int) -> bytes:
    raw.sendall(f"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode("ascii"))
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = raw.recv(65536)
        if not chunk:
            return answer  # closed by the server
        answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += raw.recv(65536)
    return head


def test_an_idle_connection_outlives_uvicorns_default(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'keep.db'}"
    engine = make_engine(url)
    upgrade_database(engine)
    engine.dispose()
    server = Server(url, tmp_path)
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as raw:
            assert _get(raw, server.port).startswith(b"HTTP/1.1 200")
            time.sleep(UVICORN_DEFAULT_S + 1.5)
            assert _get(raw, server.port).startswith(b"HTTP/1.1 200")  # the same connection
    finally:
        server.stop()
