"""Streets in the network: readers carry way ids and names, the builder groups them, the
``.lcnet`` file keeps them (format version 2) and still reads version 1.

The OSM extract is written by the test (tests/huaqiangbei.py): 华强北路 split into four
ways, a second 华强北路 that does not touch it, unnamed service roads and footways.
"""

from __future__ import annotations

import json
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np
import pytest

from lifecircle.core.walk.network import build_network
from lifecircle.errors import DataError
from lifecircle.io.network.graphml import tables_from_graphml
from lifecircle.io.network.lcnet import load_network, read_meta, save_network
from lifecircle.io.network.read import read_network_tables
from lifecircle.services.networks import build_network_file, network_info
from tests.conftest import FUTIAN_GRAPHML, require
from tests.huaqiangbei import HQB, Huaqiangbei, build, write_osm, write_overpass

if TYPE_CHECKING:
    from pathlib import Path

    from lifecircle.core.walk.network import WalkNetwork
    from lifecircle.io.schema import NetworkTables


@pytest.fixture(scope="module")
def hqb() -> Huaqiangbei:
    return build()


@pytest.fixture(scope="module")
def osm(hqb: Huaqiangbei, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_osm(hqb, tmp_path_factory.mktemp("hqb") / "huaqiangbei.osm")


def built(tables: NetworkTables) -> WalkNetwork:
    net, _ = build_network(
        tables.node_id,
        tables.lon,
        tables.lat,
        tables.seg_a,
        tables.seg_b,
        source=tables.source,
        seg_way=tables.seg_way,
        seg_name=tables.seg_name,
        names=tables.names,
    )
    return net


def streets_of_ways(net: WalkNetwork, hqb: Huaqiangbei) -> dict[int, set[int]]:
    """Way id → the streets of its segments, matched by the segments' node ids."""
    assert net.streets is not None
    node_of = {n: i for i, n in enumerate(net.node_id.tolist())}
    seg_of = {
        (int(u), int(v)): s for s, (u, v) in enumerate(zip(net.seg_u, net.seg_v, strict=True))
    }
    out: dict[int, set[int]] = {}
    for way, refs, _ in hqb.data.ways:
        for a, b in pairwise(refs):
            i, j = sorted((node_of[a], node_of[b]))
            out.setdefault(way, set()).add(int(net.streets.seg_street[seg_of[i, j]]))
    return out


def test_osm_reader_carries_the_way_and_its_name_per_segment(osm: Path, hqb: Huaqiangbei) -> None:
    tables = read_network_tables(osm)
    assert tables.seg_way is not None
    assert tables.seg_name is not None
    assert tables.n_segments == sum(len(refs) - 1 for _, refs, _ in hqb.data.ways)
    for way, refs, tags in hqb.data.ways:
        mine = tables.seg_way == way
        assert int(mine.sum()) == len(refs) - 1
        names = {tables.names[i] if i >= 0 else "" for i in tables.seg_name[mine].tolist()}
        assert names == {tags.get("name", "")}
    assert {HQB, HQB + " ", "燕南路"} <= set(tables.names)


def test_a_street_split_into_ways_is_one_street(osm: Path, hqb: Huaqiangbei) -> None:
    net = built(read_network_tables(osm))
    streets = net.streets
    assert streets is not None
    of_way = streets_of_ways(net, hqb)
    assert all(len(s) == 1 for s in of_way.values())  # a way lies on one street
    main = {next(iter(of_way[w])) for w in hqb.hqb_ways}
    assert len(main) == 1  # four ways, one with a trailing space in its name: one street
    (street,) = main
    assert streets.name[street] == HQB  # the most frequent spelling
    assert streets.label(street) == HQB
    assert streets.way[street] == min(hqb.hqb_ways)
    assert int((streets.seg_street == street).sum()) == 20
    # the other 华强北路 does not touch this one: another street of the same name
    (far,) = of_way[hqb.far_hqb]
    assert far != street
    assert streets.name[far] == HQB
    # every unnamed way is a street of its own, even where two footways touch
    unnamed = [next(iter(of_way[w])) for w in hqb.unnamed]
    assert len(set(unnamed)) == len(hqb.unnamed)
    for way, s in zip(hqb.unnamed, unnamed, strict=True):
        assert streets.name[s] == ""
        assert streets.way[s] == way
        assert streets.label(s) == f"an unnamed way (OSM way {way})"
    # the cross streets and the parallel ones are streets of their own
    assert streets.n_streets == 4 + 2 + 4 + 1 + 1  # cross, parallel, unnamed, 华强北路 x 2
    assert (streets.seg_street >= 0).all()


def test_the_street_index_survives_the_network_file(osm: Path, tmp_path: Path) -> None:
    out = build_network_file(osm, tmp_path / "hqb.lcnet")
    assert out.net.streets is not None
    assert read_meta(tmp_path / "hqb.lcnet")["version"] == 2
    assert read_meta(tmp_path / "hqb.lcnet")["n_streets"] == out.net.streets.n_streets
    back = load_network(tmp_path / "hqb.lcnet")
    assert back.streets is not None
    np.testing.assert_array_equal(back.streets.seg_street, out.net.streets.seg_street)
    assert back.streets.seg_street.dtype == np.int32
    assert back.streets.name == out.net.streets.name
    np.testing.assert_array_equal(back.streets.way, out.net.streets.way)
    info = network_info(tmp_path / "hqb.lcnet")
    assert (info["streets"], info["format_version"]) == (12, 2)
    # the members are plain NPY arrays and a UTF-8 JSON list, as docs/network-format.md says
    with np.load(tmp_path / "hqb.lcnet") as z:
        names = json.loads(bytes(z["street_name"]).decode())
        assert names.count(HQB) == 2
        assert z["seg_street"].shape == (out.net.n_segments,)


def test_overpass_json_gives_the_same_ways_and_streets(
    osm: Path, hqb: Huaqiangbei, tmp_path: Path
) -> None:
    xml = read_network_tables(osm)
    js = read_network_tables(write_overpass(hqb, tmp_path / "hqb.json"))
    assert xml.seg_way is not None
    assert js.seg_way is not None
    np.testing.assert_array_equal(js.seg_a, xml.seg_a)
    np.testing.assert_array_equal(js.seg_way, xml.seg_way)
    assert [js.names[i] for i in js.seg_name] == [xml.names[i] for i in xml.seg_name]
    a, b = built(xml).streets, built(js).streets
    assert a is not None
    assert b is not None
    np.testing.assert_array_equal(a.seg_street, b.seg_street)
    assert a.name == b.name


def test_clipping_keeps_ways_and_names_with_their_segments(osm: Path) -> None:
    whole = read_network_tables(osm)
    south = read_network_tables(osm, bbox=(114.08, 22.539, 114.09, 22.5435))
    assert south.seg_way is not None
    assert whole.seg_way is not None
    assert south.n_segments < whole.n_segments
    kept = {
        (int(a), int(b)): (int(w), south.names[n] if n >= 0 else "")
        for a, b, w, n in zip(south.seg_a, south.seg_b, south.seg_way, south.seg_name, strict=True)
    }
    for a, b, w, n in zip(whole.seg_a, whole.seg_b, whole.seg_way, whole.seg_name, strict=True):
        if (int(a), int(b)) in kept:
            assert kept[int(a), int(b)] == (int(w), whole.names[n] if n >= 0 else "")


def test_futian_graphml_edges_carry_osmid_and_name() -> None:
    """The real OSMnx graph: a named road drawn as many edges is one street."""
    tables = tables_from_graphml(require(FUTIAN_GRAPHML))
    assert tables.seg_way is not None
    assert tables.seg_name is not None
    assert (tables.seg_way > 0).all()  # every edge has an osmid
    net = built(tables)
    streets = net.streets
    assert streets is not None
    jingtian = [s for s, n in enumerate(streets.name) if n == "景田路"]
    assert len(jingtian) == 1
    assert int((streets.seg_street == jingtian[0]).sum()) == 17
    # 4009 directed edges, 240 of them merged from several ways, 22 with several names
    assert 900 < streets.n_streets < 1100
    named = sum(1 for n in streets.name if n)
    assert named > 150


def test_graphml_lists_of_ways_and_names(tmp_path: Path) -> None:
    """An edge OSMnx merged from ways keeps the smallest osmid and the first name sorted.

    (西 U+897F sorts before 路 U+8DEF.)
    """
    text = require(FUTIAN_GRAPHML).read_text("utf-8")
    head = text[: text.index("<edge ")]
    nodes = [
        '<node id="1"><data key="d4">22.5400</data><data key="d5">114.0400</data></node>',
        '<node id="2"><data key="d4">22.5400</data><data key="d5">114.0410</data></node>',
        '<node id="3"><data key="d4">22.5400</data><data key="d5">114.0420</data></node>',
    ]
    edges = [
        (
            '<edge source="1" target="2" id="0"><data key="d9">[855206669, 855206668]</data>'
            "<data key=\"d11\">['红荔西路', '红荔路']</data>"
            '<data key="d12">tertiary</data></edge>'
        ),
        (
            '<edge source="2" target="3" id="0"><data key="d9">26987258</data>'
            '<data key="d12">service</data></edge>'
        ),
    ]
    head = head[: head.index("<node ")]
    path = tmp_path / "lists.graphml"
    path.write_text(head + "\n".join(nodes + edges) + "\n</graph></graphml>\n", "utf-8")
    tables = tables_from_graphml(path)
    assert tables.seg_way is not None
    assert tables.seg_name is not None
    assert tables.seg_way.tolist() == [855206668, 26987258]
    assert [tables.names[i] if i >= 0 else "" for i in tables.seg_name] == ["红荔西路", ""]


def test_a_version_1_file_reads_without_streets(osm: Path, tmp_path: Path) -> None:
    out = build_network_file(osm, tmp_path / "v2.lcnet")
    v1 = tmp_path / "v1.lcnet"
    with np.load(tmp_path / "v2.lcnet") as z:
        arrays = {k: z[k] for k in z.files if not k.startswith(("seg_street", "street_"))}
    meta = json.loads(bytes(arrays["meta"]).decode())
    meta["version"] = 1
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    with v1.open("wb") as fh:
        np.savez(fh, **arrays)
    net = load_network(v1)
    assert net.streets is None
    np.testing.assert_array_equal(net.seg_u, out.net.seg_u)
    assert network_info(v1)["streets"] is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": 3}, "network format version 3 is not supported (this lifecircle reads"),
        ({"drop": "street_way"}, "lacks arrays street_way"),
        ({"street_name": b"not json"}, "street_name is not a UTF-8 JSON list"),
        ({"street_name": b'{"a": 1}'}, "street_name is not a JSON list of strings"),
        ({"seg_street": np.zeros(3, dtype=np.int32)}, "seg_street has 3 entries for 41"),
        ({"street_way": np.zeros(2, dtype=np.int64)}, "12 names but 2 way ids"),
    ],
    ids=["version", "missing", "not-json", "not-list", "seg-length", "way-length"],
)
def test_bad_street_members_name_the_file(
    osm: Path, tmp_path: Path, change: dict[str, object], message: str
) -> None:
    good = tmp_path / "good.lcnet"
    save_network(build_network_file(osm, tmp_path / "x.lcnet").net, good)
    with np.load(good) as z:
        arrays = {k: z[k] for k in z.files}
    if "version" in change:
        meta = json.loads(bytes(arrays["meta"]).decode()) | {"version": change["version"]}
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    elif "drop" in change:
        del arrays[str(change["drop"])]
    else:
        for key, value in change.items():
            arrays[key] = (
                np.frombuffer(value, dtype=np.uint8) if isinstance(value, bytes) else value
            )
    bad = tmp_path / "bad.lcnet"
    with bad.open("wb") as fh:
        np.savez(fh, **arrays)
    with pytest.raises(DataError, match=r"bad\.lcnet: ") as err:
        load_network(bad)
    assert message in str(err.value)
