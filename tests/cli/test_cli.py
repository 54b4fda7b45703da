"""The command line: results, --json, and one-line errors with no traceback or output file."""

from __future__ import annotations

import csv
import json
from typing import TYPE_CHECKING

import numpy as np
import pytest

from lifecircle.cli.main import ExitStatus, main
from lifecircle.io.coords import wgs84_to_bd09, wgs84_to_gcj02
from tests.conftest import DATA, FUTIAN_GRAPHML, require

if TYPE_CHECKING:
    from pathlib import Path

# points in Futian (沙头/香蜜湖), all near streets of the Futian walk graph; SYNTHETIC places
ORIGINS = [("home1", 114.0200, 22.5300), ("home2", 114.0300, 22.5400), ("home3", 114.0100, 22.5250)]
PLACES = [
    ("p1", 114.0210, 22.5310, "pharmacy"),
    ("p2", 114.0290, 22.5390, "pharmacy"),
    ("p3", 114.0120, 22.5260, "supermarket"),
    ("p4", 114.0380, 22.5480, "supermarket"),
]


@pytest.fixture(scope="module")
def futian_net(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("net") / "futian.lcnet"
    assert main(["network", "build", str(require(FUTIAN_GRAPHML)), "-o", str(path)]) == 0
    return path


def write_points(path: Path, rows, *, header=("id", "lon", "lat"), encoding="utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture
def inputs(tmp_path):
    o = write_points(tmp_path / "origins.csv", ORIGINS)
    p = write_points(tmp_path / "places.csv", PLACES, header=("id", "lon", "lat", "category"))
    return o, p


def access(net, origins, places, out, *extra):
    return main(
        [
            "access",
            "--network",
            str(net),
            "--origins",
            str(origins),
            "--places",
            str(places),
            "-o",
            str(out),
            *extra,
        ]
    )


def read_out(path):
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_network_info_json(futian_net, capsys):
    assert main(["network", "info", str(futian_net), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["nodes"] > 1751  # simplified graph expanded into straight segments
    lo_lon, lo_lat, hi_lon, hi_lat = info["bbox"]
    assert 113.99 < lo_lon < hi_lon < 114.05
    assert 22.51 < lo_lat < hi_lat < 22.56
    assert "graphml" in info["source"].lower()
    assert info["total_length_km"] > 100


def test_access_writes_one_row_per_origin_and_category(futian_net, inputs, tmp_path, capsys):
    out = tmp_path / "out.csv"
    assert access(futian_net, *inputs, out, "--json") == 0
    rows = read_out(out)
    assert list(rows[0]) == ["origin_id", "category", "metres", "minutes", "count"]
    assert {(r["origin_id"], r["category"]) for r in rows} == {
        (o, c) for o, *_ in ORIGINS for c in ("pharmacy", "supermarket")
    }
    by = {(r["origin_id"], r["category"]): r for r in rows}
    near = by[("home1", "pharmacy")]
    assert 100 < float(near["metres"]) < 400  # p1 is ~150 m away as the crow flies
    assert float(near["minutes"]) == pytest.approx(float(near["metres"]) * 60 / 4000, abs=1e-3)
    summary = json.loads(capsys.readouterr().out)
    assert summary["rows"] == 6
    assert {c["category"] for c in summary["categories"]} == {"pharmacy", "supermarket"}


def test_access_minutes_and_profiles_change_results(futian_net, inputs, tmp_path):
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    assert access(futian_net, *inputs, a, "--minutes", "2") == 0
    assert access(futian_net, *inputs, b, "--minutes", "30") == 0
    assert (
        access(
            futian_net,
            *inputs,
            c,
            "--minutes",
            "30",
            "--profile",
            "elderly",
            "--minutes-for",
            "pharmacy=5",
        )
        == 0
    )
    ca = sum(int(r["count"]) for r in read_out(a))
    cb = sum(int(r["count"]) for r in read_out(b))
    assert cb > ca
    slow = {(r["origin_id"], r["category"]): r for r in read_out(c)}
    fast = {(r["origin_id"], r["category"]): r for r in read_out(b)}
    both = [k for k in slow if k[1] == "supermarket" and slow[k]["metres"]]
    assert both
    for key in both:  # same metres, slower walk
        assert float(slow[key]["metres"]) == pytest.approx(float(fast[key]["metres"]))
        assert float(slow[key]["minutes"]) == pytest.approx(
            float(fast[key]["minutes"]) * 4.0 / 3.2, abs=2e-3
        )
    # 5 minutes at 3.2 km/h is 267 m: only the pharmacy next door counts
    assert slow[("home1", "pharmacy")]["count"] == "1"


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_access_crs_conversion_gives_same_answer(futian_net, inputs, tmp_path, crs):
    convert = wgs84_to_gcj02 if crs == "gcj02" else wgs84_to_bd09
    lon, lat = convert(np.array([o[1] for o in ORIGINS]), np.array([o[2] for o in ORIGINS]))
    origins = write_points(
        tmp_path / "o.csv",
        [(o[0], f"{x:.10f}", f"{y:.10f}") for o, x, y in zip(ORIGINS, lon, lat, strict=True)],
    )
    plon, plat = convert(np.array([p[1] for p in PLACES]), np.array([p[2] for p in PLACES]))
    places = write_points(
        tmp_path / "p.csv",
        [
            (p[0], f"{x:.10f}", f"{y:.10f}", p[3])
            for p, x, y in zip(PLACES, plon, plat, strict=True)
        ],
        header=("id", "lon", "lat", "category"),
    )
    ref, got = tmp_path / "ref.csv", tmp_path / "got.csv"
    assert access(futian_net, *inputs, ref) == 0
    assert access(futian_net, origins, places, got, "--crs", crs) == 0
    for r1, r2 in zip(read_out(ref), read_out(got), strict=True):
        assert r1["count"] == r2["count"]
        if r1["metres"]:
            assert float(r2["metres"]) == pytest.approx(float(r1["metres"]), abs=0.01)


def test_gbk_places_file(futian_net, inputs, tmp_path):
    places = write_points(
        tmp_path / "gbk.csv",
        [(f"店{i}", x, y, "药店") for i, (_, x, y, _) in enumerate(PLACES)],
        header=("id", "lon", "lat", "category"),
        encoding="gbk",
    )
    out = tmp_path / "out.csv"
    assert access(futian_net, inputs[0], places, out) == 0
    assert {r["category"] for r in read_out(out)} == {"药店"}


def test_far_origin_is_reported_and_left_out(futian_net, inputs, tmp_path, capsys):
    origins = write_points(tmp_path / "o.csv", [*ORIGINS, ("far", 114.2, 22.7)])
    out = tmp_path / "out.csv"
    assert access(futian_net, origins, inputs[1], out, "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["left_out"] == [{"kind": "origin", "id": "far", "line": 5}]
    assert "far" not in {r["origin_id"] for r in read_out(out)}


def test_reach_lists_places_with_routes_and_isochrone(futian_net, inputs, tmp_path, capsys):
    geo = tmp_path / "reach.geojson"
    assert (
        main(
            [
                "reach",
                "--network",
                str(futian_net),
                "--places",
                str(inputs[1]),
                "--at",
                "114.0200,22.5300",
                "--minutes",
                "10",
                "-o",
                str(geo),
                "--json",
            ]
        )
        == 0
    )
    res = json.loads(capsys.readouterr().out)
    ids = [p["id"] for p in res["places"]]
    assert ids[0] == "p1"
    assert [p["metres"] for p in res["places"]] == sorted(p["metres"] for p in res["places"])
    assert all(p["minutes"] <= 10 for p in res["places"])
    route = res["routes"][0]
    assert route[0] == [114.02, 22.53]  # starts at the point itself
    assert route[-1] == [114.021, 22.531]  # and ends at the place
    assert 0.3e6 < res["isochrone_area_m2"] < 3.2e6  # far less than the 667 m circle... or so
    features = json.loads(geo.read_text(encoding="utf-8"))["features"]
    kinds = {f["properties"]["kind"] for f in features}
    assert kinds == {"isochrone", "place", "route"}


def _fails(capsys, code, *needles):
    assert code != 0
    err = capsys.readouterr().err
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, err
    return err


BAD_POINTS = [
    ("missing_coordinate", "id,lon,lat\na,114.02,\n", "line 2"),
    ("non_numeric", "id,lon,lat\na,114.02,north\n", "line 2"),
    ("out_of_range", "id,lon,lat\na,114.02,122.53\n", "line 2"),
    ("swapped", "id,lon,lat\na,22.53,114.02\nb,22.54,114.03\n", "swapped"),
    ("empty", "", "empty"),
    ("no_columns", "name,x,y\na,1,2\n", "lon"),
]


@pytest.mark.parametrize(("name", "text", "needle"), BAD_POINTS, ids=[b[0] for b in BAD_POINTS])
def test_bad_origins(futian_net, inputs, tmp_path, capsys, name, text, needle):
    origins = tmp_path / f"{name}.csv"
    origins.write_text(text, encoding="utf-8")
    out = tmp_path / "out.csv"
    _fails(capsys, access(futian_net, origins, inputs[1], out), str(origins), needle)
    assert not out.exists()
    assert list(tmp_path.glob(".out.csv*")) == []


def test_not_a_network(inputs, tmp_path, capsys):
    out = tmp_path / "out.csv"
    code = access(inputs[0], *inputs, out)
    assert code == ExitStatus.DATA
    _fails(capsys, code, str(inputs[0]), "not a lifecircle network")
    assert not out.exists()


def test_missing_file(futian_net, inputs, tmp_path, capsys):
    out = tmp_path / "out.csv"
    code = access(futian_net, tmp_path / "nope.csv", inputs[1], out)
    assert code == ExitStatus.NOT_FOUND
    _fails(capsys, code, "nope.csv", "no such file")


def test_unknown_crs(futian_net, inputs, tmp_path, capsys):
    out = tmp_path / "out.csv"
    code = access(futian_net, *inputs, out, "--crs", "epsg3857")
    _fails(capsys, code, "unknown CRS")
    assert not out.exists()


def test_bad_network_source(tmp_path, capsys):
    code = main(
        [
            "network",
            "build",
            str(DATA / "invalid" / "net_truncated.json"),
            "-o",
            str(tmp_path / "x.lcnet"),
        ]
    )
    _fails(capsys, code, "net_truncated.json")
    assert not (tmp_path / "x.lcnet").exists()


def test_usage_error_exit_code(capsys):
    assert main(["access", "--minutes", "abc"]) == ExitStatus.USAGE
    assert main(["--version"]) == 0
    assert "lifecircle" in capsys.readouterr().out
