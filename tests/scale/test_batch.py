"""Batch runs in-process: each city as `lifecircle assess` makes it, a bad city reported."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from lifecircle.cli.main import main
from lifecircle.config import Settings
from lifecircle.scale.batch import run_batch, write_summary
from lifecircle.scale.cluster import InProcess
from lifecircle.scale.manifest import load_manifest
from lifecircle.services.assess import stored_assessment
from lifecircle.services.city.cities import open_engine
from lifecircle.services.plan import stored_plan
from tests.conftest import HELSINKI_PBF, require
from tests.scale.conftest import grid_manifest

if TYPE_CHECKING:
    from pathlib import Path


def figures(document: dict[str, Any]) -> dict[str, Any]:
    """What an assessment found (everything but when it ran, its id and its timing)."""
    return {k: document[k] for k in ("categories", "city", "communities")}


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    assert main(args) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def _assess_with_the_cli(
    name: str, files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> dict[str, Any]:
    """The city imported and assessed one command at a time, as a user would."""
    _cli(["city", "create", name, "--json"], capsys)
    options = [a for field, value in files.items() for a in (f"--{field}", value)]
    _cli(["city", "import", name, *options, "--json"], capsys)
    return _cli(["assess", name, "--json"], capsys)


@pytest.mark.slow  # the demo city: 3 to 7 s
def test_a_batch_assesses_each_city_as_the_assess_command_does(
    tmp_path: Path,
    grid_files: tuple[Path, dict[str, dict[str, Path]]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):
    folder, cities = grid_files
    manifest = grid_manifest(folder, cities, bad=True)
    pbf = str(require(HELSINKI_PBF))
    text = manifest.read_text(encoding="utf-8")
    demo = f'[[city]]\nname = "helsinki"\nnetwork = "{pbf}"\nplaces = ["{pbf}"]\n'
    demo += f'format = "osm"\nunits = "h3:9"\nbuildings = "{pbf}"\n\n'
    manifest = folder / "with-demo.toml"
    manifest.write_text(demo + text, encoding="utf-8")
    jobs = load_manifest(manifest).cities
    assert [j.name for j in jobs] == ["helsinki", "合成甲", "synthetic-b", "broken"]

    settings = Settings(data_dir=tmp_path / "batch")
    engine = open_engine(settings)
    done: list[str] = []
    result = run_batch(
        jobs, runner=InProcess(), settings=settings, on_done=lambda o: done.append(o.name)
    )
    assert done == ["helsinki", "合成甲", "synthetic-b", "broken"]
    assert result.where == "in-process"
    (broken,) = result.failed
    assert broken.name == "broken"
    assert "population.csv" in (broken.error or "")
    assert "missing column" in (broken.error or "")

    monkeypatch.setenv("LIFECIRCLE_DATA_DIR", str(tmp_path / "by-hand"))
    monkeypatch.delenv("LIFECIRCLE_DATABASE_URL", raising=False)
    by_hand = {
        "helsinki": {
            "network": pbf,
            "places": pbf,
            "format": "osm",
            "units": "h3:9",
            "buildings": pbf,
        },
        **{
            name: {
                "network": str(f["network"]),
                "places": str(f["places"]),
                "format": "csv",
                "communities": str(f["communities"]),
                "population": str(f["population"]),
            }
            for name, f in cities.items()
        },
    }
    try:
        for outcome in result.outcomes[:3]:
            stored = stored_assessment(engine=engine, name=outcome.name)
            assert stored["run"]["id"] == outcome.row["run_id"]
            expected = _assess_with_the_cli(outcome.name, by_hand[outcome.name], capsys)
            assert figures(stored) == figures(expected)
            city = expected["city"]
            assert outcome.row["communities"] == city["communities"] == len(outcome.communities)
            assert outcome.row["basic_complete"] == city["basic_complete"]
            assert outcome.row["coverage"] == city["coverage"]
            assert [c["code"] for c in outcome.communities] == [
                c["code"] for c in expected["communities"]
            ]
    finally:
        engine.dispose()
    assert result.outcomes[0].row["network_nodes"] > 1000  # the demo is the larger city


def test_a_batch_plan_stores_assessment_and_plan_and_reports_the_bad_city(
    tmp_path: Path, grid_files: tuple[Path, dict[str, dict[str, Path]]], settings: Settings
):
    folder, cities = grid_files
    jobs = load_manifest(grid_manifest(folder, cities, bad=True)).cities
    sent: list[Any] = []

    class Recorded(InProcess):
        def run(self, task: Any, items: Any, *, retries: int) -> Any:
            sent.append(task.keywords["settings"])
            return super().run(task, items, retries=retries)

    result = run_batch(jobs, runner=Recorded(), settings=settings, mode="plan")
    assert sent[0].database_url == settings.database_url
    assert sent[0].secret_key.get_secret_value() == ""  # the deployment's secret stays home
    assert [o.name for o in result.failed] == ["broken"]
    engine = open_engine(settings)
    try:
        for outcome in result.outcomes[:2]:
            row = outcome.row
            assessment = stored_assessment(engine=engine, name=outcome.name)
            plan = stored_plan(engine=engine, name=outcome.name)
            assert (row["run_id"], row["plan_id"]) == (assessment["run"]["id"], plan["plan"]["id"])
            assert row["new_sites"] == len(plan["sites"]) > 0  # the grid cities have gaps
            n = row["communities"]
            assert row["basic_complete_share"] == round(row["basic_complete"] / n, 4)
        # a second run replaces the imported cities: the same figures, new runs
        again = run_batch(jobs[:1], runner=InProcess(), settings=settings)
        first = result.outcomes[0]
        assert again.outcomes[0].row["run_id"] != first.row["run_id"]
        assert again.outcomes[0].communities == first.communities
        assessments = stored_assessment(engine=engine, name=first.name)
        assert assessments["run"]["id"] == again.outcomes[0].row["run_id"]
    finally:
        engine.dispose()

    # a stored city is assessed as it is
    stored = tmp_path / "stored.toml"
    stored.write_text(f'[[city]]\nstored = "{first.name}"\n', encoding="utf-8")
    (again_stored,) = run_batch(
        load_manifest(stored).cities, runner=InProcess(), settings=settings
    ).outcomes
    assert again_stored.ok
    assert again_stored.communities == first.communities


def test_the_national_summary_reads_back(
    tmp_path: Path, grid_files: tuple[Path, dict[str, dict[str, Path]]]
):
    import geopandas  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415
    import shapely  # noqa: PLC0415
    from openpyxl import load_workbook  # noqa: PLC0415

    folder, cities = grid_files
    settings = Settings(data_dir=tmp_path / "data")
    open_engine(settings).dispose()
    jobs = load_manifest(grid_manifest(folder, cities, bad=True)).cities
    result = run_batch(jobs, runner=InProcess(), settings=settings)
    xlsx, parquet = write_summary(result, tmp_path / "summary", lang="zh")

    sheet = load_workbook(xlsx).active
    assert sheet.title == "全国汇总"
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:4] == ("城市", "状态", "社区数", "基本保障类全覆盖社区数")
    assert "便利店 覆盖率" in header
    by_city = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert list(by_city) == ["合成甲", "synthetic-b", "broken"]
    assert by_city["broken"]["状态"] == "失败"
    assert "missing column" in by_city["broken"]["错误"]
    a = result.outcomes[0].row
    assert by_city["合成甲"]["社区数"] == a["communities"] == 4
    assert by_city["合成甲"]["便利店 覆盖率"] == a["coverage"]["convenience_store"]
    assert by_city["合成甲"]["评估编号"] == a["run_id"]

    table = pq.read_table(parquet)
    geo = json.loads(table.schema.metadata[b"geo"])
    assert geo["version"] == "1.1.0"
    assert geo["columns"]["geometry"]["geometry_types"] == ["Polygon"]
    assert table.num_rows == 8  # 4 communities in each good city
    frame = geopandas.read_parquet(parquet)
    assert frame.crs.to_string() == "OGC:CRS84"  # GeoParquet's default: WGS-84 lon/lat
    assert list(frame["city"]) == ["合成甲"] * 4 + ["synthetic-b"] * 4
    first = result.outcomes[0].communities[0]
    assert frame.iloc[0]["code"] == first["code"]
    assert frame.iloc[0]["coverage_convenience_store"] == first["coverage"]["convenience_store"]
    assert frame.geometry.iloc[0].equals(shapely.from_wkb(first["geometry"]))
    minx, miny, maxx, maxy = geo["columns"]["geometry"]["bbox"]
    assert (minx, miny, maxx, maxy) == pytest.approx(tuple(frame.total_bounds))

    english, _ = write_summary(result, tmp_path / "en", mode="assess", lang="en")
    header_en = next(load_workbook(english).active.iter_rows(values_only=True))
    assert header_en[:3] == ("City", "Status", "Communities")


def test_the_batch_command_reports_each_city_and_exits_with_the_failures(
    tmp_path: Path,
    grid_files: tuple[Path, dict[str, dict[str, Path]]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):
    folder, cities = grid_files
    manifest = grid_manifest(folder, cities, bad=True)
    monkeypatch.setenv("LIFECIRCLE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("LIFECIRCLE_DATABASE_URL", raising=False)
    summary = tmp_path / "summary"
    args = ["batch", "assess", str(manifest), "--summary-dir", str(summary), "--json"]
    assert main(args) == 101  # 100 + one failed city
    report = json.loads(capsys.readouterr().out)
    assert (report["where"], report["failed"]) == ("in-process", 1)
    assert [c["city"] for c in report["cities"]] == ["合成甲", "synthetic-b", "broken"]
    assert report["cities"][0]["error"] is None
    assert report["summary"] == [
        str(summary / "national_assess.xlsx"),
        str(summary / "national_assess.parquet"),
    ]
    assert main(["batch", "plan", str(manifest)]) == 101
    out = capsys.readouterr()
    assert "batch plan: 2 done, 1 failed" in out.out
    assert "broken:" in out.err
    assert "missing column" in out.err


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        (["--scheduler", "tcp://127.0.0.1:1", "--workers", "2"], "not both"),
        (["--scheduler", "127.0.0.1:8786"], "expected tcp://HOST:PORT"),
        (["--lang", "fr"], "unknown language"),
    ],
    ids=["both", "no-scheme", "language"],
)
def test_the_batch_command_refuses_bad_options(
    tmp_path: Path,
    grid_files: tuple[Path, dict[str, dict[str, Path]]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    options: list[str],
    problem: str,
):
    folder, cities = grid_files
    monkeypatch.setenv("LIFECIRCLE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("LIFECIRCLE_DATABASE_URL", raising=False)
    args = ["batch", "assess", str(grid_manifest(folder, cities)), *options]
    assert main(args) == 5
    assert problem in capsys.readouterr().err
