"""Coupons under real load: a seeded database, a real ``lifecircle serve``, concurrent clients.

Shared by ``tests/api/test_coupons_concurrency.py`` and ``benchmarks/coupon_bench.py``.
Accounts and tokens are written straight into the database (one password hash for
all, tokens stored as their SHA-256 as a login would), so a thousand residents take a
moment, not a thousand argon2 hashes. The places and accounts are SYNTHETIC.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from sqlalchemy import insert, select

import lifecircle
from lifecircle.services.coupons import CouponSpec, create_coupon
from lifecircle.services.ownership import grant_place
from lifecircle.services.security import hash_password, new_token, token_digest
from lifecircle.store.cities import create_city
from lifecircle.store.db import session_scope
from lifecircle.store.models import AccessToken, Role, User
from lifecircle.store.places import upsert_places

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from sqlalchemy.engine import Engine

SOURCE = Path(lifecircle.__file__).resolve().parents[1]
START_TIMEOUT_S = 90
CITY = "coupon-city"


@dataclass
class Seeded:
    """A city with one shop, its merchant, and residents, each with a bearer token."""

    place_id: int
    merchant_id: int
    merchant_token: str
    resident_ids: list[int]
    resident_tokens: list[str]


def _accounts(engine: Engine, *, prefix: str, role: Role, count: int) -> list[tuple[int, str]]:
    password_hash = hash_password("a synthetic load-test password")
    now = datetime.now(UTC)
    tokens = [new_token() for _ in range(count)]
    with session_scope(engine) as session:
        session.execute(
            insert(User),
            [
                {
                    "username": f"{prefix}-{i}",
                    "password_hash": password_hash,
                    "role": role,
                    "created_at": now,
                    "password_changed_at": now,
                }
                for i in range(count)
            ],
        )
        ids = list(
            session.scalars(
                select(User.id).where(User.username.like(f"{prefix}-%")).order_by(User.id)
            )
        )
        session.execute(
            insert(AccessToken),
            [
                {
                    "user_id": uid,
                    "token_hash": token_digest(token),
                    "created_at": now,
                    "expires_at": now + timedelta(days=1),
                }
                for uid, token in zip(ids, tokens, strict=True)
            ],
        )
    return list(zip(ids, tokens, strict=True))


def seed(engine: Engine, *, residents: int) -> Seeded:
    """A city, a shop owned by a merchant, and ``residents`` residents, all with tokens."""
    with session_scope(engine) as session:
        city_id = create_city(session, name=CITY).id
        placed = upsert_places(
            session,
            city_id=city_id,
            source="osm",
            rows=[{"source_id": "node/1", "lon": 114.09, "lat": 22.54, "name": "SYNTHETIC shop"}],
        )
        place_id = placed.place_ids["node/1"]
    ((merchant_id, merchant_token),) = _accounts(
        engine, prefix="load-merchant", role=Role.MERCHANT, count=1
    )
    grant_place(engine=engine, user_id=merchant_id, place_id=place_id)
    people = _accounts(engine, prefix="load-resident", role=Role.RESIDENT, count=residents)
    return Seeded(
        place_id=place_id,
        merchant_id=merchant_id,
        merchant_token=merchant_token,
        resident_ids=[i for i, _ in people],
        resident_tokens=[t for _, t in people],
    )


def new_coupon(seeded: Seeded, engine: Engine, *, quantity: int, per_person_limit: int = 1) -> int:
    """A 满50减10 coupon of the seeded shop, valid for a day."""
    now = datetime.now(UTC)
    spec = CouponSpec(
        title="SYNTHETIC 满50减10",
        kind="threshold",
        amount_off_fen=1000,
        min_spend_fen=5000,
        quantity=quantity,
        per_person_limit=per_person_limit,
        valid_from=now - timedelta(hours=1),
        valid_until=now + timedelta(days=1),
    )
    return create_coupon(
        engine=engine, user_id=seeded.merchant_id, place_id=seeded.place_id, spec=spec
    ).id


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    import socket  # noqa: PLC0415

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``lifecircle serve`` in a process group of its own, on a free loopback port."""

    def __init__(self, database_url: str, data_dir: Path, *, workers: int = 2) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/api/v1"
        self.log = data_dir / f"serve-{self.port}.log"
        env = os.environ | {
            "LIFECIRCLE_DATABASE_URL": database_url,
            "LIFECIRCLE_DATA_DIR": str(data_dir),
            "LIFECIRCLE_ENVIRONMENT": "development",
            "PYTHONPATH": os.pathsep.join([str(SOURCE), os.environ.get("PYTHONPATH", "")]),
        }
        env.pop("LIFECIRCLE_DEBUG", None)
        command = [sys.executable, "-m", "lifecircle", "serve", "--port", str(self.port)]
        command += ["--workers", str(workers)]
        with self.log.open("wb") as sink:
            self.process = subprocess.Popen(
                command, stdout=sink, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                msg = f"serve exited with {self.process.returncode}:\n{self.log.read_text()}"
                raise RuntimeError(msg)
            try:
                if httpx.get(f"{self.base}/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.kill()
        msg = f"serve did not answer within {START_TIMEOUT_S} s:\n{self.log.read_text()}"
        raise RuntimeError(msg)

    def stop(self) -> int:
        """SIGINT, as Ctrl-C; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                return self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        return int(self.process.returncode or 0)

    def kill(self) -> None:
        """SIGKILL to the whole process group (the supervisor and every worker) at once."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


@dataclass(frozen=True)
class Call:
    """One request: method, path below ``/api/v1``, JSON body, bearer token."""

    method: str
    path: str
    body: dict[str, Any] | None
    token: str


async def _flood(base: str, calls: Sequence[Call], connections: int) -> list[int | str]:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    timeout = httpx.Timeout(120.0)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=timeout) as client:

        async def one(call: Call) -> int | str:
            try:
                response = await client.request(
                    call.method,
                    base + call.path,
                    json=call.body,
                    headers={"Authorization": f"Bearer {call.token}"},
                )
            except httpx.HTTPError as exc:
                return type(exc).__name__
            return response.status_code

        return list(await asyncio.gather(*(one(c) for c in calls)))


def flood(base: str, calls: Sequence[Call], *, connections: int = 200) -> list[int | str]:
    """Send every call at once over up to ``connections`` connections; statuses in order."""
    return asyncio.run(_flood(base, calls, connections))


def statuses(results: Sequence[int | str]) -> dict[int | str, int]:
    """How many of each status (or exception name)."""
    counts: dict[int | str, int] = {}
    for r in results:
        counts[r] = counts.get(r, 0) + 1
    return counts


def iter_chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """``items`` in chunks of ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def answered(results: Sequence[int | str]) -> dict[int | str, int]:
    """Statuses of a flood: 201, 409, and transport errors; never anything else (no 500).

    A request cut off at the transport level (a keep-alive connection the server closed
    as the client reused it, seen now and then on a loaded two-core machine) has an
    outcome the client cannot know: the database, read afterwards, says what happened,
    so the tests check their invariants there. At most 1 % may be cut off.
    """
    counts = statuses(results)
    transport = sum(n for k, n in counts.items() if isinstance(k, str))
    others = {k for k in counts if not isinstance(k, str)} - {201, 409}
    assert not others, counts
    assert transport <= len(results) // 100, counts
    return {201: counts.get(201, 0), 409: counts.get(409, 0), "transport": transport}
