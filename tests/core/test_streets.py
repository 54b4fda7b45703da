"""Grouping segments into streets: hand-drawn segments with known streets."""

from __future__ import annotations

import numpy as np
import pytest

from lifecircle.core.walk.network import build_network
from lifecircle.core.walk.streets import StreetIndex, street_index, street_key
from lifecircle.errors import ValidationError

# Node indices along two parallel rows::
#
#   0 -- 1 -- 2 -- 3        4 -- 5           (row a: ways 10, 11, 12; row b: way 13)
#   |                       |
#   6 -- 7                  8 -- 9           (ways 14, 15 unnamed; 16, 17 footways)
U = np.array([0, 1, 2, 4, 0, 6, 4, 8])
V = np.array([1, 2, 3, 5, 6, 7, 8, 9])
WAY = np.array([10, 11, 12, 13, 14, 15, 16, 17])
NAMES = ("Mannerheimintie", "MANNERHEIMINTIE ", "Mannerheimintie", "Bulevardi")
NAME = np.array([0, 1, 2, 2, -1, -1, -1, 3])


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Mannerheimintie", " mannerheimintie"),
        ("华强北路", "华强北路\u3000"),  # an ideographic space
        ("Ｈｅｌｓｉｎｇｉｎｋａｔｕ", "Helsinginkatu"),  # full-width letters (NFKC)
        ("Pohjois  Esplanadi", "pohjois esplanadi"),
    ],
)
def test_names_are_compared_after_folding(a: str, b: str) -> None:
    assert street_key(a) == street_key(b)


def test_touching_ways_of_one_name_are_one_street_and_apart_they_are_two() -> None:
    idx = street_index(U, V, seg_way=WAY, seg_name=NAME, names=NAMES)
    s = idx.seg_street.tolist()
    assert s[0] == s[1] == s[2]  # three ways, two spellings, touching: one street
    assert s[3] != s[0]  # the same name on row b, not touching row a
    assert idx.name[s[0]] == "Mannerheimintie"  # the most frequent spelling
    assert idx.name[s[3]] == "Mannerheimintie"
    assert idx.way[s[0]] == 10
    # unnamed ways are streets of their own, even where they touch (ways 14 and 15)
    assert len({s[4], s[5], s[6]}) == 3
    assert [idx.label(s[k]) for k in (4, 5)] == [
        "an unnamed way (OSM way 14)",
        "an unnamed way (OSM way 15)",
    ]
    assert s[7] not in {s[0], s[3]}  # Bulevardi touches nothing of its name
    assert idx.n_streets == 6
    assert list(dict.fromkeys(s)) == list(range(6))  # numbered by first segment
    assert idx.seg_street.dtype == np.int32


def test_segments_without_way_or_name_have_no_street() -> None:
    idx = street_index(
        U,
        V,
        seg_way=np.full(8, -1),
        seg_name=np.array([0, 0, -1, -1, -1, -1, -1, -1]),
        names=("Kaivokatu", "  "),
    )
    assert idx.seg_street.tolist() == [0, 0, -1, -1, -1, -1, -1, -1]
    assert idx.way.tolist() == [-1]
    assert idx.of_segments([1, -1, 5]).tolist() == [0, -1, -1]
    blank = street_index(U[:1], V[:1], seg_way=[-1], seg_name=[1], names=("Kaivokatu", "  "))
    assert blank.seg_street.tolist() == [-1]  # a blank name is no name
    unnamed = StreetIndex(seg_street=np.zeros(1, dtype=np.int32), name=("",), way=np.array([-1]))
    assert unnamed.label(0) == "an unnamed way"
    assert unnamed.label(-1) == "no known street"


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValidationError, match="one per segment"):
        street_index(U, V[:3], seg_way=WAY, seg_name=NAME, names=NAMES)
    with pytest.raises(ValidationError, match="must index the 4 names"):
        street_index(U, V, seg_way=WAY, seg_name=NAME + 1, names=NAMES)
    with pytest.raises(ValidationError, match=r"outside -1\.\.0"):
        StreetIndex(seg_street=np.array([1], dtype=np.int32), name=("a",), way=np.array([1]))


def test_the_builder_keeps_ways_through_dedupe_pruning_and_reordering() -> None:
    """Node ids as OSM gives them; a duplicate segment, a self-loop and an island go."""
    ids = np.array([101, 102, 103, 104, 105, 201, 202])
    lon = np.array([24.940, 24.941, 24.942, 24.943, 24.944, 24.990, 24.991])
    lat = np.array([60.170, 60.170, 60.170, 60.170, 60.171, 60.190, 60.190])
    a = np.array([101, 102, 102, 103, 104, 103, 201])
    b = np.array([102, 103, 101, 104, 104, 105, 202])
    way = np.array([7001, 7002, 7009, 7003, 7003, 7004, 7005])
    names = ("Aleksanterinkatu", "Mikonkatu")
    name = np.array([0, 0, 1, 0, 0, -1, 1])
    net, report = build_network(
        ids, lon, lat, a, b, source="hand", seg_way=way, seg_name=name, names=names
    )
    assert (report.self_loops, report.duplicate_segments, report.dropped_segments) == (1, 1, 1)
    streets = net.streets
    assert streets is not None
    by_ends = {
        (int(net.node_id[u]), int(net.node_id[v])): int(streets.seg_street[k])
        for k, (u, v) in enumerate(zip(net.seg_u, net.seg_v, strict=True))
    }
    street = {tuple(sorted(e)): s for e, s in by_ends.items()}
    # 101-102 came first as way 7001 (Aleksanterinkatu); its duplicate of way 7009 went
    assert street[101, 102] == street[102, 103] == street[103, 104]
    assert streets.name[street[101, 102]] == "Aleksanterinkatu"
    assert streets.way[street[101, 102]] == 7001
    assert streets.label(street[103, 105]) == "an unnamed way (OSM way 7004)"
    assert "Mikonkatu" not in streets.name  # only on the duplicate and the island
    assert streets.n_streets == 2
    plain, _ = build_network(ids, lon, lat, a, b, source="hand")
    assert plain.streets is None  # no ways given: no street index
