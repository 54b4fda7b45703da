"""``lifecircle assess``, ``runs``, ``compare`` and ``whatif`` through the command line.

On a SQLite file (the store tests cover PostgreSQL); the city is the real Futian walk
graph with SYNTHETIC places and residents.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from lifecircle.cli.main import ExitStatus, main
from lifecircle.store.migrate import open_database
from tests.services.futian import make_futian_city

ISSUE_KEYS = {
    "code", "name", "population", "coverage", "minutes_mean", "minutes_p90",
    "basic_complete", "missing", "circle_type", "grade",
}  # fmt: skip


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("cli-assess")
    url = f"sqlite:///{folder}/cli.db"
    make_futian_city(open_database(url), folder)
    return url, folder


@pytest.fixture
def env(city: tuple[str, Path], monkeypatch: pytest.MonkeyPatch) -> str:
    url, folder = city
    monkeypatch.setenv("LIFECIRCLE_DATABASE_URL", url)
    monkeypatch.setenv("LIFECIRCLE_DATA_DIR", str(folder))
    return "futian-synthetic"


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> object:
    capsys.readouterr()
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_assess_json_runs_and_compare(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    doc = run_json(capsys, "assess", env, "--minutes", "15", "--speed-kmh", "4.0")
    assert isinstance(doc, dict)
    assert {"run", "city", "communities"} <= set(doc)
    assert doc["run"]["parameters"]["speed_kmh"] == 4.0
    assert all(set(c) >= ISSUE_KEYS for c in doc["communities"])
    old = run_json(capsys, "assess", env, "--profile", "elderly")
    assert old["run"]["parameters"]["speed_kmh"] == 3.2
    runs = run_json(capsys, "runs", env)
    assert [r["id"] for r in runs][-2:] == [doc["run"]["id"], old["run"]["id"]]
    diff = run_json(capsys, "compare", env, str(doc["run"]["id"]), str(old["run"]["id"]))
    assert diff["parameters"]["profile"] == {"before": "standard", "after": "elderly"}
    assert diff["gained"] == []
    capsys.readouterr()
    assert main(["assess", env, "--basic-minutes", "10"]) == 0
    shown = capsys.readouterr().out
    assert "communities with full basic" in shown
    assert "规划目标" in shown


def test_whatif(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    main(["assess", env])
    result = run_json(capsys, "whatif", env, "--add", "laundry@114.0338,22.5405")
    assert result["change"]["op"] == "add"
    assert result["communities"]
    capsys.readouterr()
    assert main(["whatif", env, "--add", "laundry@114.0338,22.5405"]) == 0
    assert "re-scored" in capsys.readouterr().out


def test_assess_at_and_by_hour(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    doc = run_json(capsys, "assess", env, "--at", "Mon 07:30", "--unknown-hours", "closed")
    assert isinstance(doc, dict)
    time = doc["run"]["parameters"]["time"]
    assert (time["at"], time["unknown_hours"]) == ("Mon 07:30", "closed")
    assert set(doc["city"]["hours_unknown"]) == {c["code"] for c in doc["categories"]}
    capsys.readouterr()
    assert main(["assess", env, "--by-hour", "--weekday", "Tue", "--weekend", "Sun"]) == 0
    shown = capsys.readouterr().out
    assert "places of unknown hours count as open (the default)" in shown
    assert "coverage by hour (Tue / Sun)" in shown
    assert "every basic category" in shown
    runs = run_json(capsys, "runs", env)
    assert isinstance(runs, list)
    assert runs[-1]["parameters"]["time"]["by_hour"] is True
    result = run_json(
        capsys, "whatif", env, "--add", "laundry@114.0338,22.5405", "--at", "Sun 23:00",
        "--hours", "Mo-Fr 09:00-18:00",
    )  # fmt: skip
    assert isinstance(result, dict)
    assert result["at"] == "Sun 23:00"
    assert all(c["before"]["coverage"] == c["after"]["coverage"] for c in result["communities"])


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["assess", "nowhere"], ExitStatus.NOT_FOUND, "nowhere"),
        (["assess", "futian-synthetic", "--profile", "runner"], ExitStatus.INVALID, "profile"),
        (["assess", "futian-synthetic", "--targets", "x.toml"], ExitStatus.NOT_FOUND, "x.toml"),
        (["compare", "futian-synthetic", "999"], ExitStatus.NOT_FOUND, "999"),
        (["whatif", "futian-synthetic"], ExitStatus.INVALID, "exactly one"),
        (["whatif", "futian-synthetic", "--add", "laundry"], ExitStatus.INVALID, "LON,LAT"),
        (["whatif", "futian-synthetic", "--remove", "nope"], ExitStatus.NOT_FOUND, "nope"),
        (["assess", "futian-synthetic", "--at", "Mon"], ExitStatus.INVALID, "--at"),
        (
            ["assess", "futian-synthetic", "--unknown-hours", "x"],
            ExitStatus.INVALID,
            "unknown-hours",
        ),
        (
            ["assess", "futian-synthetic", "--by-hour", "--weekday", "X"],
            ExitStatus.INVALID,
            "weekday",
        ),
    ],
    ids=[
        "no-city",
        "bad-profile",
        "no-targets",
        "no-run",
        "no-change",
        "no-position",
        "no-uid",
        "bad-at",
        "bad-unknown",
        "bad-weekday",
    ],
)
def test_errors_exit_with_their_status(
    env: str, capsys: pytest.CaptureFixture[str], args: list[str], status: ExitStatus, message: str
) -> None:
    capsys.readouterr()
    assert main(args) == status
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_report_html_and_exports(
    env: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    doc = run_json(capsys, "assess", env)
    assert isinstance(doc, dict)
    html = tmp_path / "r.html"
    done = run_json(capsys, "report", env, "-o", str(html))
    assert isinstance(done, dict)
    assert done["run_id"] == doc["run"]["id"]
    text = html.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") or text.lower().startswith("<!doctype html>")
    assert all(c["code"] in text for c in doc["communities"])
    assert 'lang="zh-CN"' in text
    en = tmp_path / "r.en.html"
    assert main(["report", env, "-o", str(en), "--lang", "en"]) == 0
    assert 'lang="en"' in en.read_text(encoding="utf-8")
    for suffix in (".xlsx", ".geojson", ".gpkg", ".csv"):
        out = tmp_path / f"r{suffix}"
        assert main(["report", env, str(doc["run"]["id"]), "-o", str(out)]) == 0
        assert out.stat().st_size > 0
    geo = json.loads((tmp_path / "r.geojson").read_text(encoding="utf-8"))
    assert len(geo["features"]) == len(doc["communities"])
    capsys.readouterr()
    assert main(["report", env, "-o", str(tmp_path / "r.pdf")]) == ExitStatus.INVALID
    assert ".html" in capsys.readouterr().err
    assert main(["report", env, "-o", str(tmp_path / "x.html"), "--lang", "fr"]) == (
        ExitStatus.INVALID
    )
    assert not (tmp_path / "x.html").exists()


@pytest.mark.parametrize(
    ("mask", "mode"),
    [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)],
    ids=["umask-022", "umask-077", "umask-002"],
)
@pytest.mark.parametrize("suffix", [".html", ".xlsx", ".geojson", ".gpkg", ".csv"])
def test_report_files_honour_the_umask(
    env: str, tmp_path: Path, suffix: str, mask: int, mode: int
) -> None:
    assert main(["assess", env, "--json"]) == 0
    out = tmp_path / "out" / f"report{suffix}"
    old = os.umask(mask)
    try:
        assert main(["report", env, "-o", str(out), "--json"]) == 0
    finally:
        os.umask(old)
    assert out.stat().st_size > 0
    assert oct(out.stat().st_mode & 0o777) == oct(mode)
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary file left


@pytest.mark.parametrize("where", ["sys", "under-a-file"])
@pytest.mark.parametrize("suffix", [".html", ".xlsx", ".geojson", ".gpkg", ".csv"])
def test_a_report_that_cannot_be_written_is_one_line(
    env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str, where: str
) -> None:
    """Under /sys no one, root included, may create a file; nor under a regular file."""
    assert main(["assess", env, "--json"]) == 0
    blocker = tmp_path / "reports"
    blocker.write_text("a file where the folder should be\n", encoding="utf-8")
    folder = Path("/sys") if where == "sys" else blocker
    out = folder / f"lifecircle-test{suffix}"
    capsys.readouterr()
    assert main(["report", env, "-o", str(out)]) == ExitStatus.FILE
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    [line] = captured.err.splitlines()
    assert line.startswith(f"error: cannot write {out}: "), line
    if where == "under-a-file":
        assert line == f"error: cannot write {out}: {blocker} is not a folder"
    assert not [p.name for p in Path("/sys").iterdir() if "lifecircle-test" in p.name]
