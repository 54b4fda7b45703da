"""The officials' figures that were wrong or unclear (issue 15), end to end.

* The pilots' type shares are of all the plan's 30 pilots: unmatched ones are unknown and
  the target is not evaluable until the known pilots settle it.
* The Gini coefficient is taken over residents with a known walking time, with the share
  known beside it, and is null (never 0.00) when too few are known.
* The full-coverage threshold stands beside the targets that count fully covered units.

The cities are the real Futian walk graph with SYNTHETIC places and residents
(tests/services/futian.py), imported through the real services and files: one whose
communities file names four Futian pilots, one whose places file has no pharmacy at all.
Results are read through the service, the CLI, the HTML report and the workbook.
"""

from __future__ import annotations

import csv
import json
import re
from typing import TYPE_CHECKING, Any

import pytest
from shapely.geometry import box, mapping

from lifecircle.cli.main import main
from lifecircle.config import Settings
from lifecircle.io.network.lcnet import load_network
from lifecircle.services.assess import AssessParams, run_assessment
from lifecircle.services.city.cities import create_city
from lifecircle.services.city.places import import_network, import_places
from lifecircle.services.city.units import import_communities, import_population, make_units
from lifecircle.services.report import write_report
from lifecircle.store.migrate import open_database
from tests.conftest import FUTIAN_GRAPHML, require
from tests.services.futian import make_futian_city, write_synthetic_files

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.engine import Engine

# four of the plan's Futian pilots (seq 1-4) and two communities that are not pilots
COMMUNITIES = (
    ("440304001026", "巴登社区", "南园街道"),
    ("440304004030", "福山社区", "福田街道"),
    ("440304004031", "海滨社区", "福田街道"),
    ("440304010001", "华航社区", "华强北街道"),
    ("440304008001", "沙头社区", "沙头街道"),
    ("440304009001", "香蜜社区", "香蜜湖街道"),
)


def visible(html: str) -> str:
    """The report without scripts and style sheets: what a reader sees."""
    html = re.sub(r"<script\b.*?</script>", "", html, flags=re.DOTALL)
    return re.sub(r"<style\b.*?</style>", "", html, flags=re.DOTALL)


def section(html: str, key: str) -> str:
    found = re.search(rf'<section id="{key}">(.*?)</section>', html, re.DOTALL)
    assert found is not None, key
    return found.group(1)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def write_communities(folder: Path) -> Path:
    """A GeoJSON of six 社区 on a 3 × 2 grid over the network, named as in the NBS list."""
    net = load_network(next((folder / "cities").glob("*/network.lcnet")))
    x0, x1 = float(net.lon.min()), float(net.lon.max())
    y0, y1 = float(net.lat.min()), float(net.lat.max())
    features = []
    for k, (code, name, street) in enumerate(COMMUNITIES):
        i, j = k % 3, k // 3
        cell = box(
            x0 + (x1 - x0) * i / 3,
            y0 + (y1 - y0) * j / 2,
            x0 + (x1 - x0) * (i + 1) / 3,
            y0 + (y1 - y0) * (j + 1) / 2,
        )
        features.append(
            {
                "type": "Feature",
                "properties": {"社区代码": code, "社区名称": name, "街道": street, "区": "福田区"},
                "geometry": mapping(cell),
            }
        )
    path = folder / "futian_communities.geojson"
    collection = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def pilots_city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, str, Path]:
    folder = tmp_path_factory.mktemp("pilots")
    url = f"sqlite:///{folder}/t.db"
    eng = open_database(url)
    name = make_futian_city(eng, folder)
    settings = Settings(data_dir=folder)
    import_communities(engine=eng, settings=settings, name=name, path=write_communities(folder))
    return eng, name, folder


@pytest.fixture(scope="module")
def no_pharmacy(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The synthetic Futian city whose places file has not a single pharmacy (药店)."""
    folder = tmp_path_factory.mktemp("no-pharmacy")
    url = f"sqlite:///{folder}/t.db"
    eng = open_database(url)
    settings = Settings(data_dir=folder)
    name = "futian-no-pharmacy"
    create_city(engine=eng, name=name)
    import_network(engine=eng, settings=settings, name=name, path=require(FUTIAN_GRAPHML))
    files = folder / "files"
    files.mkdir()
    (files / "network.lcnet").write_bytes(
        next((folder / "cities").glob("*/network.lcnet")).read_bytes()
    )
    make_units(engine=eng, name=name, spec="h3:8")
    places, homes = write_synthetic_files(files)
    with places.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.reader(fh) if r[3] != "pharmacy"]
    with places.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    import_places(engine=eng, settings=settings, name=name, path=places, file_format="csv")
    import_population(engine=eng, settings=settings, name=name, path=homes)
    return url, folder


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """Run ``lifecircle`` against a database; returns its standard output (tables wrap)."""

    def run(url: str, folder: Path, *args: str) -> str:
        monkeypatch.setenv("LIFECIRCLE_DATABASE_URL", url)
        monkeypatch.setenv("LIFECIRCLE_DATA_DIR", str(folder))
        capsys.readouterr()
        assert main(list(args)) == 0, capsys.readouterr().err
        return capsys.readouterr().out

    return run


# --- the pilots' type shares ------------------------------------------------------------


def test_pilot_type_shares_are_of_all_30_pilots(
    pilots_city: tuple[Engine, str, Path], tmp_path: Path
) -> None:
    eng, name, _ = pilots_city
    doc = run_assessment(engine=eng, name=name)
    pilots = doc["city"]["pilots"]
    assert (pilots["listed"], pilots["matched"]) == (30, 4)
    assert [r["community_code"] for r in pilots["rows"][:4]] == [c[0] for c in COMMUNITIES[:4]]
    types = [r["circle_type"] for r in pilots["rows"] if r["circle_type"] is not None]
    for kind, share in pilots["type_shares"].items():
        assert share == round(types.count(kind) / 30, 4)  # of the plan's 30, not of the 4 found
    counts = pilots["type_counts"]
    assert counts == {k: types.count(k) for k in counts}
    assert pilots["undetermined"] == types.count("undetermined")
    assert pilots["needed"] == 6
    assert pilots["unknown"] == 26 + pilots["undetermined"]
    # four known pilots cannot settle "each type ≥ 6 of 30", nor rule it out
    assert pilots["type_met"] == {"clustered": None, "street": None, "distributed": None}
    assert pilots["types_met"] is None
    target = next(t for t in doc["city"]["targets"] if t["code"] == "pilot_type_share")
    assert target["met"] is None
    assert f"{pilots['unknown']} unknown (26 not matched" in target["note"]
    assert "not evaluable" in target["note"]

    # the report says so in both languages, with the counts out of 30
    for lang, words in (
        ("zh", ("无法判定", "未知（未匹配 26 个")),
        ("en", ("not evaluable", "26 not")),
    ):
        out = tmp_path / f"r.{lang}.html"
        write_report(engine=eng, name=name, path=out, lang=lang)
        table = section(out.read_text(encoding="utf-8"), "pilots")
        table = table[table.index('<table class="pilot-types">') :]
        table = text_of(table[: table.index("</table>")])
        assert f"{counts['distributed']} / 30" in table
        assert f"{pilots['unknown']} / 30" in table
        assert table.count(words[0]) == 4  # three types and the three together
        assert words[1] in table
        assert "100%" not in table


def test_pilot_type_shares_met_or_not_with_a_districts_own_targets(
    pilots_city: tuple[Engine, str, Path], tmp_path: Path
) -> None:
    """A targets file of five pilots (each type ≥ 20 %: 1 of 5), four of them in the city."""
    eng, name, _ = pilots_city
    text = (
        "# 福田区's own pilots, for a district assessment\n"
        'name = "futian-pilots"\ncommunities_total = 6\nbasic_coverage_due = "2025-12-31"\n'
        'pilots_due = "2024-12-31"\npilot_type_min_share = 0.2\npilot_satisfaction = 0.95\n'
        "national_satisfaction = 0.9\ncommercial_floor_share = 0.1\ncommercial_centres = 1\n"
    )
    for seq, (_, pilot, street) in enumerate([*COMMUNITIES[:4], ("", "园岭社区", "园岭街道")], 1):
        text += f'[[pilot]]\nseq = {seq}\ndistrict = "福田区"\nname = "{pilot}"\n'
        text += f'street = "{street}"\n'
    path = tmp_path / "futian-pilots.toml"
    path.write_text(text, encoding="utf-8")
    doc = run_assessment(engine=eng, name=name, params=AssessParams(targets=str(path)), save=False)
    pilots = doc["city"]["pilots"]
    assert (pilots["listed"], pilots["matched"], pilots["needed"]) == (5, 4, 1)
    # all four found pilots are 分布式 in this synthetic city; 园岭社区 is not in it
    assert pilots["type_counts"] == {"clustered": 0, "street": 0, "distributed": 4}
    assert pilots["type_met"] == {"clustered": None, "street": None, "distributed": True}
    # one unknown pilot cannot be both 集聚式 and 街区式: not met, whatever it is
    assert pilots["types_met"] is False
    target = next(t for t in doc["city"]["targets"] if t["code"] == "pilot_type_share")
    assert target["met"] is False
    assert "the 1 unknown pilots cannot make up clustered 1, street 1" in target["note"]


# --- the Gini coefficient over known walking times ------------------------------------


def test_nobody_reaches_a_basic_category_gini_is_unknown_not_zero(
    no_pharmacy: tuple[str, Path], cli: Any, tmp_path: Path
) -> None:
    url, folder = no_pharmacy
    doc = json.loads(cli(url, folder, "assess", "futian-no-pharmacy", "--json"))
    city = doc["city"]
    assert city["coverage"]["pharmacy"] == 0.0
    assert city["gini"] is None  # not 0.0: every unknown time used to enter at the same cap
    assert (city["f15"], city["known_share"]) == (0.0, 0.0)
    assert doc["run"]["parameters"]["min_known_share"] == 0.5
    lived = [c for c in doc["communities"] if c["population"] > 0]
    assert len(lived) > 10
    for c in lived:
        assert "pharmacy" in c["missing"]
        assert c["gini"] is None
        assert (c["f15"], c["known_share"]) == (0.0, 0.0)

    table = " ".join(cli(url, folder, "assess", "futian-no-pharmacy", "--no-save").split())
    assert "Gini unknown (time known for 0.0%, under 50.0%)" in table

    html = tmp_path / "r.html"
    cli(url, folder, "report", "futian-no-pharmacy", "-o", str(html))
    page = visible(html.read_text(encoding="utf-8"))
    summary = text_of(section(page, "summary"))
    assert "— 步行时间基尼系数 未知：仅 0% 居民的步行时间已知（需 ≥ 50%）" in summary
    assert "0.00" not in text_of(page)
    cards = re.findall(r"<dt>基尼系数</dt><dd>(.*?)</dd>", page)
    assert len(cards) == len(doc["communities"])
    assert all(c.startswith("—") for c in cards)
    assert sum("未知, 时间已知 0%" in c for c in cards) == len(lived)
    en = tmp_path / "r.en.html"
    cli(url, folder, "report", "futian-no-pharmacy", "-o", str(en), "--lang", "en")
    summary = text_of(section(visible(en.read_text(encoding="utf-8")), "summary"))
    assert "unknown: walking time known for only 0% of residents (needs ≥ 50%)" in summary

    import openpyxl  # noqa: PLC0415  (the xlsx extra, installed for the tests)

    book = tmp_path / "r.xlsx"
    cli(url, folder, "report", "futian-no-pharmacy", "-o", str(book))
    sheets = openpyxl.load_workbook(book)
    figures = {r[0]: r[1] for r in sheets["城市"].iter_rows(values_only=True) if r[0]}
    assert figures["步行时间基尼系数（时间已知的居民）"] == "未知"
    assert figures["步行时间已知的居民比例"] == 0
    rows = list(sheets["社区"].iter_rows(values_only=True))
    col = rows[0].index("步行时间基尼系数")
    assert rows[0][col + 1] == "步行时间已知的居民比例"
    gini = {r[col] for r in rows[1:] if r[4]}  # communities with residents
    assert gini == {"未知"}


def test_a_longer_search_knows_more_times_f15_stays(
    pilots_city: tuple[Engine, str, Path], cli: Any
) -> None:
    """A 30-minute quality limit searches twice as far: F15 is the same, more is known."""
    eng, name, folder = pilots_city
    url = str(eng.url)
    short = json.loads(cli(url, folder, "assess", name, "--no-save", "--json"))
    args = ("assess", name, "--no-save", "--quality-minutes", "30")
    long = json.loads(cli(url, folder, *args, "--json"))
    assert long["city"]["f15"] == short["city"]["f15"]
    assert long["city"]["known_share"] > short["city"]["known_share"] >= short["city"]["f15"]
    for a, b in zip(short["communities"], long["communities"], strict=True):
        assert b["f15"] == a["f15"]
        assert b["known_share"] >= a["known_share"]
    assert short["city"]["gini"] is None
    gini = long["city"]["gini"]
    assert 0 < gini < 1
    shown = " ".join(cli(url, folder, *args).split())
    assert f"Gini {gini:.2f} (time known for {100 * long['city']['known_share']:.1f}%)" in shown


# --- the full-coverage threshold --------------------------------------------------------


def test_full_coverage_threshold_beside_its_targets(
    pilots_city: tuple[Engine, str, Path], cli: Any, tmp_path: Path
) -> None:
    eng, name, folder = pilots_city
    url = str(eng.url)
    doc = json.loads(cli(url, folder, "assess", name, "--basic-share", "0.8", "--json"))
    targets = {t["code"]: t for t in doc["city"]["targets"]}
    assert targets["basic_full_coverage"]["threshold"] == 0.8
    assert targets["pilots_complete"]["threshold"] == 0.8
    assert targets["pilot_type_share"]["threshold"] is None
    table = " ".join(cli(url, folder, "assess", name, "--basic-share", "0.8", "--no-save").split())
    assert table.count("≥80.0%") == 2
    assert "every basic category lies within 15 min of at least that share" in table

    html = tmp_path / "r.html"
    cli(url, folder, "report", name, "-o", str(html))
    rows = text_of(section(visible(html.read_text(encoding="utf-8")), "targets"))
    assert rows.count("全覆盖：每类基本保障业态在 15 分钟内覆盖 ≥ 80% 的居民") == 2
    en = tmp_path / "r.en.html"
    cli(url, folder, "report", name, "-o", str(en), "--lang", "en")
    rows = text_of(section(visible(en.read_text(encoding="utf-8")), "targets"))
    assert rows.count("full coverage: every basic category reaches ≥ 80% of residents") == 2

    import openpyxl  # noqa: PLC0415  (the xlsx extra, installed for the tests)

    book = tmp_path / "r.xlsx"
    cli(url, folder, "report", name, "-o", str(book))
    sheet = list(openpyxl.load_workbook(book)["城市"].iter_rows(values_only=True))
    header = next(r for r in sheet if r[0] == "目标")
    col = header.index("全覆盖阈值（每类基本保障业态）")
    by_label = {r[0]: r for r in sheet}
    assert by_label["基本保障类业态全覆盖的社区"][col] == 0.8
    assert by_label["基本保障类业态全覆盖的试点"][col] == 0.8
    assert sheet[[r[0] for r in sheet].index("每种生活圈类型占试点比例(最低)")][col] is None
