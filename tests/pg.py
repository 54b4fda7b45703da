"""A throwaway PostgreSQL server for tests: Debian's binaries, a temp dir, a free port.

``postgres_fixture()`` makes a session-scoped fixture that starts one server (``initdb``
into a temporary folder, ``pg_ctl start`` on a free localhost port with its socket in
that folder), yields a :class:`PostgresServer`, and stops and deletes it at the end of
the run. :meth:`PostgresServer.fresh_database` gives each test an empty database.

PostgreSQL refuses to run as root, and CI runs as root: then the binaries run as the
``postgres`` system user (created by Debian's package) through ``runuser``, with the
folder owned by it. Missing binaries fail the tests (never skip): ``make test`` is
expected to have run ``apt-get install postgresql``.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

INSTALL_HINT = "install the server with `apt-get install postgresql` (Debian/Ubuntu)"
SERVER_USER = "postgres"
"""System user that runs the server when the tests run as root."""
DB_USER = "lifecircle"
START_TIMEOUT_S = 60
START_ATTEMPTS = 3


def find_bin_dir() -> Path:
    """The folder with ``initdb`` and ``pg_ctl``: Debian's newest, else the ``PATH``'s.

    ``LIFECIRCLE_PG_BIN`` overrides both.
    """
    override = os.environ.get("LIFECIRCLE_PG_BIN")
    candidates: list[Path] = [Path(override)] if override else []
    debian = glob.glob("/usr/lib/postgresql/*/bin/initdb")  # noqa: PTH207
    debian.sort(key=lambda p: int(v) if (v := Path(p).parts[-3]).isdigit() else 0, reverse=True)
    candidates += [Path(p).parent for p in debian]
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    pytest.fail(
        "PostgreSQL server binaries (initdb, pg_ctl) not found in /usr/lib/postgresql/*/bin "
        f"or on PATH: {INSTALL_HINT}",
        pytrace=False,
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresServer:
    """A running throwaway server."""

    bin_dir: Path
    root: Path
    port: int
    as_user: str | None
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def data_dir(self) -> Path:
        """The cluster's data folder."""
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        """Folder of the server's unix socket (kept short: socket paths are limited)."""
        return self.root / "run"

    @property
    def log_file(self) -> Path:
        """Server log, quoted when the server fails to start."""
        return self.root / "server.log"

    def url(self, database: str = "postgres") -> str:
        """SQLAlchemy URL of a database on this server (TCP on 127.0.0.1, trust auth)."""
        return f"postgresql+psycopg://{DB_USER}@127.0.0.1:{self.port}/{database}"

    def run(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        """Run one of the server binaries, as the server user when we are root."""
        command = [str(self.bin_dir / program), *args]
        if self.as_user is not None:
            command = ["runuser", "-u", self.as_user, "--", *command]
        return subprocess.run(
            command, cwd=self.root, capture_output=True, text=True, check=False, timeout=120
        )

    def admin(self, sql: str) -> None:
        """Run one statement on the ``postgres`` database outside a transaction."""
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=DB_USER, dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(sql.encode())

    def fresh_database(self) -> str:
        """Create a new empty database and return its SQLAlchemy URL."""
        name = f"test_{next(self._numbers)}"
        self.admin(f"CREATE DATABASE {name}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a database made by :meth:`fresh_database` (its engine must be disposed)."""
        name = url.rsplit("/", 1)[1]
        self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _check(result: subprocess.CompletedProcess[str], what: str, log: Path | None = None) -> None:
    if result.returncode == 0:
        return
    tail = ""
    if log is not None and log.exists():
        tail = "\n--- server log ---\n" + "\n".join(
            log.read_text(errors="replace").splitlines()[-30:]
        )
    pytest.fail(f"{what} failed ({result.returncode}):\n{result.stdout}{result.stderr}{tail}")


def _chown_tree(root: Path, user: str) -> None:
    entry = pwd.getpwnam(user)
    for path in [root, *root.rglob("*")]:
        os.chown(path, entry.pw_uid, entry.pw_gid)


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """Start a throwaway server; stop it and delete its files when the block ends."""
    bin_dir = find_bin_dir()
    as_user: str | None = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            pytest.fail(f"running as root and there is no {SERVER_USER!r} user: {INSTALL_HINT}")
        as_user = SERVER_USER
    # not pytest's tmp_path: its parents are private to root, and the server user must
    # reach the folder; mkdtemp makes it 0700, and it is then handed to that user
    root = Path(tempfile.mkdtemp(prefix="lcpg-"))
    server = PostgresServer(bin_dir=bin_dir, root=root, port=0, as_user=as_user)
    try:
        server.socket_dir.mkdir()
        if as_user is not None:
            _chown_tree(root, as_user)
        _check(
            server.run(
                "initdb",
                "-D", str(server.data_dir),
                "-U", DB_USER,
                "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync",
            ),
            "initdb",
        )  # fmt: skip
        for attempt in range(START_ATTEMPTS):
            server.port = free_port()
            options = (
                f"-p {server.port} -k {server.socket_dir} -c listen_addresses=127.0.0.1 "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            )
            result = server.run(
                "pg_ctl",
                "-D", str(server.data_dir),
                "-l", str(server.log_file),
                "-o", options,
                "-w", "-t", str(START_TIMEOUT_S),
                "start",
            )  # fmt: skip
            if result.returncode == 0 or attempt == START_ATTEMPTS - 1:
                _check(result, "pg_ctl start", server.log_file)
                break
            time.sleep(0.2)  # the port was taken in between: try another
        yield server
    finally:
        if (server.data_dir / "postmaster.pid").exists():  # started, even if start "failed"
            stopped = server.run("pg_ctl", "-D", str(server.data_dir), "-m", "fast", "-w", "stop")
            if stopped.returncode != 0:
                server.run("pg_ctl", "-D", str(server.data_dir), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


def postgres_fixture(*, scope: Any = "session") -> Callable[[], Iterator[PostgresServer]]:
    """A pytest fixture yielding a :class:`PostgresServer` for the whole test session.

    Examples
    --------
    In a ``conftest.py``: ``postgres = postgres_fixture()``; a test (or fixture) then
    asks for ``postgres`` and calls ``postgres.fresh_database()``.

    """

    @pytest.fixture(scope=scope)
    def _fixture() -> Iterator[PostgresServer]:
        with postgres_server() as server:
            yield server

    return _fixture
