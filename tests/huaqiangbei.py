"""A small OpenStreetMap extract around 华强北路 (Futian, Shenzhen), written by the tests.

The street names and the layout follow the real area (华强北路 between 深南中路 and 红荔路,
华发北路 to the west, 燕南路 to the east); node and way ids are OSM-sized but MADE UP,
and so are the shops, the two communities and their residents. What matters is the
shape of the data, as OSM maps it:

- 华强北路 is four ways (split where the pedestrian section starts and ends), one of
  them named ``"华强北路 "`` with a trailing space, and its nodes every ~55 m;
- a second way named 华强北路 lies 600 m to the north-east and touches the first only
  through an unnamed footway and 燕南路 (a different street of the same name);
- unnamed ways: a service road and two footways that touch each other;
- ten basic shops line the east side of 华强北路 every ~110 m (no 150 m disc holds more
  than three, and no network segment more than one), in community 华强北社区;
- five basic shops stand around 7-Eleven 燕南店 on 燕南路, 120 m from it and more than
  150 m from one another, in community 燕南社区.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from xml.sax.saxutils import quoteattr

if TYPE_CHECKING:
    from pathlib import Path

HQB = "华强北路"
NODE_BASE = 11_234_500_000
WAY_BASE = 1_187_650_000
SHOP_BASE = 11_299_000_000
HQB_LON = 114.0855
HQB_LATS = [round(22.54 + 0.0005 * k, 4) for k in range(21)]  # 22.5400 .. 22.5500
WEST_LON, EAST_LON = 114.0820, 114.0890
CROSS = {22.5400: "深南中路", 22.5430: "振华路", 22.5470: "振兴路", 22.5500: "红荔路"}
EAST_SHIFT = 0.00012  # degrees of longitude, about 12 m east of the street's centreline


@dataclass
class Extract:
    """The ways and shops of the extract, and the ids the tests look for."""

    nodes: dict[tuple[float, float], int] = field(default_factory=dict)
    ways: list[tuple[int, list[int], dict[str, str]]] = field(default_factory=list)
    shops: list[tuple[int, float, float, dict[str, str]]] = field(default_factory=list)

    def node(self, lon: float, lat: float) -> int:
        return self.nodes.setdefault((round(lon, 7), round(lat, 7)), NODE_BASE + len(self.nodes))

    def way(self, points: list[tuple[float, float]], **tags: str) -> int:
        way_id = WAY_BASE + len(self.ways)
        self.ways.append((way_id, [self.node(x, y) for x, y in points], tags))
        return way_id

    def shop(self, lon: float, lat: float, **tags: str) -> int:
        shop_id = SHOP_BASE + len(self.shops)
        self.shops.append((shop_id, lon, lat, tags))
        return shop_id

    def ways_named(self, name: str) -> list[int]:
        return [w for w, _, tags in self.ways if tags.get("name", "").strip() == name]


@dataclass(frozen=True)
class Huaqiangbei:
    """The extract and the ids of its parts."""

    data: Extract
    hqb_ways: tuple[int, ...]
    far_hqb: int
    unnamed: tuple[int, ...]
    street_shops: tuple[int, ...]
    centre_shop: int


STREET_SHOPS = (
    ({"shop": "convenience", "name": "美宜佳 华强北店"}),
    ({"amenity": "pharmacy", "name": "海王星辰 华强北店"}),
    ({"shop": "hairdresser", "name": "名剪 华强北"}),
    ({"shop": "laundry", "name": "福奈特洗衣 华强北"}),
    ({"amenity": "post_office", "name": "华强北邮政所"}),
    ({"shop": "copyshop", "name": "华强图文快印"}),
    ({"shop": "dry_cleaning", "name": "象王洗衣 华强北"}),
    ({"shop": "beauty", "name": "丽人美甲 华强北"}),
    ({"craft": "shoemaker", "name": "华强北修鞋配钥匙"}),
    ({"shop": "convenience", "name": "7-Eleven 华强北店"}),
)
CLUSTER_SHOPS = (  # (metres north, metres east) of the centre, tags
    ((120.0, 0.0), {"amenity": "pharmacy", "name": "大参林 燕南店"}),
    ((-120.0, 0.0), {"shop": "hairdresser", "name": "燕南发型屋"}),
    ((0.0, 120.0), {"shop": "laundry", "name": "燕南洗衣"}),
    ((0.0, -120.0), {"amenity": "post_office", "name": "燕南邮政所"}),
)
M_LAT = 1 / 110_760.0  # degrees of latitude per metre at 22.5° N
M_LON = 1 / 102_860.0  # degrees of longitude per metre at 22.5° N


def build() -> Huaqiangbei:
    """The extract, in memory."""
    d = Extract()
    col = [(HQB_LON, lat) for lat in HQB_LATS]
    hqb = (
        d.way(col[0:7], highway="primary", name=HQB),  # 深南中路 .. 振华路
        d.way(col[6:11], highway="pedestrian", name=HQB),
        d.way(col[10:15], highway="pedestrian", name=HQB + " "),  # as mapped, with a space
        d.way(col[14:21], highway="primary", name=HQB),  # 振兴路 .. 红荔路
    )
    d.way([(WEST_LON, lat) for lat in CROSS], highway="secondary", name="华发北路")
    east = sorted({*CROSS, 22.545})
    d.way([(EAST_LON, lat) for lat in east], highway="secondary", name="燕南路")
    for lat, name in CROSS.items():
        d.way([(WEST_LON, lat), (HQB_LON, lat), (EAST_LON, lat)], highway="primary", name=name)
    unnamed = (
        d.way([(HQB_LON, 22.5415), (114.0835, 22.5415)], highway="service"),
        d.way([(114.0835, 22.5415), (114.0835, 22.5425)], highway="footway"),
        d.way([(114.0835, 22.5425), (114.0825, 22.5425)], highway="footway"),
        d.way([(EAST_LON, 22.55), (114.094, 22.553)], highway="footway"),
    )
    far = d.way(
        [(114.094, 22.553), (114.096, 22.553), (114.098, 22.553)], highway="tertiary", name=HQB
    )
    street_shops = tuple(
        d.shop(HQB_LON + EAST_SHIFT, 22.5407 + 0.001 * k, **tags)
        for k, tags in enumerate(STREET_SHOPS)
    )
    c_lon, c_lat = EAST_LON + 0.0003, 22.545
    centre = d.shop(c_lon, c_lat, shop="convenience", name="7-Eleven 燕南店", brand="7-Eleven")
    for (north, east_m), tags in CLUSTER_SHOPS:
        d.shop(c_lon + east_m * M_LON, c_lat + north * M_LAT, **tags)
    return Huaqiangbei(d, hqb, far, unnamed, street_shops, centre)


def write_osm(hqb: Huaqiangbei, path: Path) -> Path:
    """The extract as OpenStreetMap XML (nodes, then ways, as the API writes it)."""
    d = hqb.data
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for (lon, lat), node_id in sorted(d.nodes.items(), key=lambda item: item[1]):
        lines.append(f'  <node id="{node_id}" version="3" lat="{lat:.7f}" lon="{lon:.7f}"/>')
    for shop_id, lon, lat, tags in d.shops:
        lines.append(f'  <node id="{shop_id}" version="1" lat="{lat:.7f}" lon="{lon:.7f}">')
        lines += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
        lines.append("  </node>")
    for way_id, refs, tags in d.ways:
        lines.append(f'  <way id="{way_id}" version="2">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_overpass(hqb: Huaqiangbei, path: Path) -> Path:
    """The same ways as an Overpass ``[out:json]`` response (``out body; >; out skel;``)."""
    d = hqb.data
    elements: list[dict[str, object]] = [
        {"type": "way", "id": w, "nodes": refs, "tags": tags} for w, refs, tags in d.ways
    ]
    elements += [
        {"type": "node", "id": n, "lat": lat, "lon": lon} for (lon, lat), n in d.nodes.items()
    ]
    path.write_text(json.dumps({"version": 0.6, "elements": elements}, ensure_ascii=False), "utf-8")
    return path


def write_city_files(hqb: Huaqiangbei, folder: Path) -> dict[str, Path]:
    """The OSM file, the two communities (GeoJSON) and residents (lon,lat,population)."""
    folder.mkdir(parents=True, exist_ok=True)
    osm = write_osm(hqb, folder / "huaqiangbei.osm")

    def square(west: float, east: float) -> list[list[list[float]]]:
        south, north = 22.5395, 22.5505
        return [[[west, south], [east, south], [east, north], [west, north], [west, south]]]

    features = [
        {
            "type": "Feature",
            "properties": {
                "社区代码": code,
                "社区名称": name,
                "街道": "华强北街道",
                "区": "福田区",
            },
            "geometry": {"type": "Polygon", "coordinates": square(west, east)},
        }
        for code, name, west, east in (
            ("440304010901", "华强北社区", 114.0838, 114.0872),
            ("440304010902", "燕南社区", 114.0872, 114.0930),
        )
    ]
    communities = folder / "communities.geojson"
    communities.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        "utf-8",
    )
    population = folder / "population.csv"
    with population.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["lon", "lat", "population"])
        for k in range(6):
            out.writerow([f"{114.0845 + 0.0002 * (k % 2):.7f}", f"{22.541 + 0.0015 * k:.7f}", 300])
            out.writerow([f"{114.0905 + 0.0002 * (k % 2):.7f}", f"{22.541 + 0.0015 * k:.7f}", 250])
    return {"osm": osm, "communities": communities, "population": population}
