"""Circle-type verdicts through the command line: 街区式 on streets, shops and streets named.

The city is imported from files the test writes (tests/huaqiangbei.py: an OSM extract
around 华强北路 with made-up ids and shops) and from the real Helsinki demo extract.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from lifecircle.cli.main import main
from lifecircle.io.network.lcnet import load_network
from tests.conftest import HELSINKI_PBF, require
from tests.huaqiangbei import HQB, SHOP_BASE, build, write_city_files

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LIFECIRCLE_DATABASE_URL", f"sqlite:///{tmp_path}/lc.db")
    monkeypatch.setenv("LIFECIRCLE_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    capsys.readouterr()
    assert main([*args, "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def assess_by_name(capsys: pytest.CaptureFixture[str], city: str) -> dict[str, dict[str, Any]]:
    doc = run(capsys, "assess", city, "--no-save")
    return {c["name"]: c for c in doc["communities"]}


def import_huaqiangbei(capsys: pytest.CaptureFixture[str], folder: Path, network: Path) -> None:
    files = write_city_files(build(), folder / "files")
    run(capsys, "city", "create", "hqb")
    run(
        capsys,
        "city", "import", "hqb", "--network", str(network),
        "--places", str(files["osm"]), "--format", "osm",
        "--communities", str(files["communities"]), "--population", str(files["population"]),
    )  # fmt: skip


def test_shops_along_one_street_split_into_ways_make_it_street_block(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ten shops 110 m apart along 华强北路 (four OSM ways, nodes every 55 m): 街区式.

    Counted per network segment, no segment holds more than one shop, so the old rule
    found 1 of 10 on each of two segments and said 分布式.
    """
    osm = write_city_files(build(), env / "files")["osm"]
    import_huaqiangbei(capsys, env, osm)
    verdicts = assess_by_name(capsys, "hqb")
    street = verdicts["华强北社区"]
    assert street["circle_type"] == "street", street["circle_type_rule"]
    assert street["circle_type_zh"] == "街区式"
    assert street["circle_type_rule"] == (
        f"10 of 10 basic places (100%) lie on {HQB} (≥ 60% on at most 2)"
    )


def test_the_clustered_verdict_names_the_centre_shop(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    osm = write_city_files(build(), env / "files")["osm"]
    import_huaqiangbei(capsys, env, osm)
    cluster = assess_by_name(capsys, "hqb")["燕南社区"]
    centre = build().centre_shop
    assert cluster["circle_type"] == "clustered"
    assert cluster["circle_type_rule"] == (
        "5 of 5 basic places (100%) lie within 150 m of "
        f"7-Eleven 燕南店 ({osm.name.removesuffix('.osm')}:n{centre}) (≥ 60%)"
    )
    assert centre - SHOP_BASE == len(build().street_shops)  # the eleventh shop of the file


def test_a_version_1_network_skips_the_street_rule_and_says_how_to_rebuild(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A network file written before the street index: the rule is skipped, not guessed."""
    osm = write_city_files(build(), env / "files")["osm"]
    built = env / "hqb.lcnet"
    run(capsys, "network", "build", str(osm), "-o", str(built))
    old = env / "hqb-v1.lcnet"
    _write_version_1(built, old)
    assert load_network(old).streets is None
    import_huaqiangbei(capsys, env, old)
    street = assess_by_name(capsys, "hqb")["华强北社区"]
    assert street["circle_type"] == "distributed"
    rule = street["circle_type_rule"]
    assert rule.startswith("not clustered, not along streets: at most 3 of 10")
    assert "; the network carries no street index (a version-1 .lcnet file" in rule
    assert "`lifecircle city import hqb --network FILE`" in rule
    assert rule.endswith("so the street rule was skipped")


def _write_version_1(path: Path, target: Path) -> None:
    """``path`` as the version-1 format wrote it: no street members, version 1."""
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files if k not in {"seg_street", "street_name", "street_way"}}
    meta = json.loads(bytes(arrays["meta"]).decode())
    meta["version"] = 1
    meta.pop("n_streets")
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    with target.open("wb") as fh:
        np.savez(fh, **arrays)


def test_the_demo_gets_types_whose_verdicts_name_shops_and_streets(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`make run`'s import of the Helsinki demo: sensible types, no internal numbers.

    Before streets, the demo's 32 H3 cells were 10 集聚式, 1 街区式 ("street(s) 6640,
    6694"), 21 待定 (fewer than three basic places); the cells are small, so the
    cluster rule decides most, and the counts stay the same with streets.
    """
    pbf = str(require(HELSINKI_PBF))
    run(capsys, "city", "create", "helsinki")
    run(
        capsys,
        "city", "import", "helsinki", "--network", pbf, "--places", pbf, "--format", "osm",
        "--units", "h3:9", "--buildings", pbf,
    )  # fmt: skip
    doc = run(capsys, "assess", "helsinki", "--no-save")
    assert doc["city"]["circle_types"] == {
        "clustered": 10,
        "street": 1,
        "distributed": 0,
        "undetermined": 21,
    }
    for c in doc["communities"]:
        rule = c["circle_type_rule"]
        assert not re.search(r"place #\d|street\(s\) \d", rule), rule
        if c["circle_type"] == "clustered":
            assert re.search(r"within 150 m of .+ \(Helsinki:[nwr]\d+\)", rule), rule
        if c["circle_type"] == "street":
            assert re.search(r"lie on .*(an unnamed way \(OSM way \d+\)|[A-Z][a-z]+)", rule), rule
