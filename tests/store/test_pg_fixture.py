"""The PostgreSQL helper fails loudly, naming the package, when the server is missing."""

from __future__ import annotations

import glob
import shutil

import pytest

from tests import pg


def test_missing_binaries_fail_with_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIFECIRCLE_PG_BIN", raising=False)
    monkeypatch.setattr(glob, "glob", lambda _pattern: [])
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    with pytest.raises(pytest.fail.Exception, match=r"apt-get install postgresql"):
        pg.find_bin_dir()


def test_server_is_reachable(postgres: pg.PostgresServer) -> None:
    url = postgres.fresh_database()
    assert url.startswith("postgresql+psycopg://lifecircle@127.0.0.1:")
    postgres.drop_database(url)
    assert postgres.data_dir.is_dir()
    assert postgres.log_file.exists()
