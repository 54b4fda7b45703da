"""Loading taxonomies: the packaged profiles, a user's file, and every invalid case."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from lifecircle.core.assess.categories import classify_amap, classify_osm
from lifecircle.errors import DataError, NotFoundError
from lifecircle.io.places.taxonomy import (
    COLUMNS,
    PROFILES,
    TaxonomyError,
    load_taxonomy,
    parse_amap_codes,
    parse_name_gate,
)

DATA = Path(__file__).parent.parent / "data"
INVALID = DATA / "invalid"
KEYWORD_LIST = re.compile(r"[^\s|;:,()]+(?:\|[^\s|;:,()]+)+")
REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "categories.csv"

SHENZHEN_BASIC = {
    "convenience_store", "supermarket", "fresh_grocery", "breakfast", "beauty_hair", "laundry",
    "pharmacy", "photo_print", "housekeeping", "repair", "post_express",
    "fresh_ecom_front_warehouse",
}  # fmt: skip
SHENZHEN_QUALITY = {
    "specialty_dining", "sports_fitness", "wellness", "bookstore", "skills_training",
    "leisure_entertainment", "elderly_care", "childcare_after_school",
}  # fmt: skip


# --- packaged profiles -----------------------------------------------------------------


def test_shenzhen_has_12_basic_and_8_quality() -> None:
    tax = load_taxonomy()
    assert tax.name == "shenzhen"
    assert {c.code for c in tax.in_group("basic")} == SHENZHEN_BASIC
    assert {c.code for c in tax.in_group("quality")} == SHENZHEN_QUALITY
    assert {c.code for c in tax.in_group("facility")} == {
        "elderly_canteen", "childcare_0_3", "parcel_locker", "wet_market", "ev_charging",
        "parking", "vending_machine",
    }  # fmt: skip
    assert tax.by_code["pharmacy"].name_zh == "药店"
    assert tax.by_code["fresh_grocery"].name_zh == "生鲜超市（菜店）"


def test_mofcom_keeps_wet_market_basic() -> None:
    tax = load_taxonomy("mofcom")
    basic = {c.code for c in tax.in_group("basic")}
    assert "wet_market" in basic
    assert "fresh_ecom_front_warehouse" not in basic
    assert len(basic) == 12
    assert len(tax.in_group("quality")) == 8
    assert tax.codes == load_taxonomy("shenzhen").codes  # same rules, other groups


@pytest.mark.parametrize("profile", PROFILES)
def test_profiles_follow_the_research_table(profile: str) -> None:
    with REFERENCE.open(encoding="utf-8") as fh:
        reference = {row["code"]: row for row in csv.DictReader(fh)}
    tax = load_taxonomy(profile)
    # lifecircle's own additions say so, and are facilities (never counted)
    own = {c.code for c in tax.categories if c.source_note.startswith("lifecircle:")}
    assert own == {"vending_machine"}
    assert all(tax.by_code[code].group == "facility" for code in own)
    assert set(tax.codes) - own == set(reference)
    for cat in tax.categories:
        if cat.code in own:
            continue
        ref = reference[cat.code]
        assert (cat.name_zh, cat.name_en, cat.confidence) == (
            ref["name_zh"],
            ref["name_en"],
            ref["confidence"],
        )
        assert cat.source_note.startswith(ref["notes"])
        # every keyword list the notes give for name_kw is a keyword or an exclusion
        listed = set(cat.gate.keywords) | set(cat.gate.exclude)
        for segment in ref["notes"].split(" | "):
            if "name_kw" in segment:
                for words in KEYWORD_LIST.findall(segment):
                    assert set(words.split("|")) <= listed, (cat.code, words)


def test_documented_evaluation_order() -> None:
    tax = load_taxonomy()
    order = {c.code: c.order for c in tax.categories}
    assert order["fresh_grocery"] < order["supermarket"]
    assert order["fresh_ecom_front_warehouse"] < order["supermarket"]
    assert tax.by_code["supermarket"].gate.yields_to == (
        "fresh_grocery",
        "fresh_ecom_front_warehouse",
    )


def test_gate_scopes_follow_the_notes() -> None:
    tax = load_taxonomy()
    gate = {c.code: c.gate for c in tax.categories}
    assert gate["elderly_canteen"].osm_all
    assert gate["elderly_canteen"].amap_all
    assert gate["breakfast"].amap_all
    assert not gate["breakfast"].osm_all
    assert gate["housekeeping"].applies_amap("070000")
    assert gate["fresh_grocery"].applies_amap("0604*")
    assert gate["post_express"].applies_amap("070500")
    assert not gate["post_express"].applies_amap("0704*")  # EMS offices stay
    assert gate["wet_market"].applies_amap("060700")
    assert not gate["wet_market"].applies_amap("060705")
    for code in ("beauty_hair", "laundry", "pharmacy", "repair", "parking", "bookstore"):
        assert gate[code].scope == "never", code
    assert tax.by_code["supermarket"].amap.exclude == ("060411", "060415")
    assert tax.by_code["parking"].amap.entry_for("150907") is None


def test_user_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text(
        "# a comment line\n"
        + ",".join(COLUMNS)
        + ",extra\n"
        + "1,basic,pharmacy,药店,Pharmacy,amenity=pharmacy,090601,,,never,high,,ignored\n",
        encoding="utf-8-sig",
    )
    tax = load_taxonomy(path)
    assert tax.name == "mine"
    assert tax.codes == ("pharmacy",)
    assert load_taxonomy(str(path)).codes == ("pharmacy",)


def test_unknown_profile_or_missing_file() -> None:
    with pytest.raises(NotFoundError, match="packaged profiles: shenzhen, mofcom"):
        load_taxonomy("beijing")


# --- cell parsers ----------------------------------------------------------------------


def test_parse_amap_codes() -> None:
    codes = parse_amap_codes("0604*; !060411 ;060000")
    assert codes.include == ("0604*", "060000")
    assert codes.exclude == ("060411",)
    assert parse_amap_codes("").include == ()
    with pytest.raises(DataError, match="'06041' is not") as info:
        parse_amap_codes("06041;!0604*;abc")
    assert "'!0604*'" in str(info.value)
    assert "'abc'" in str(info.value)


def test_parse_name_gate_scopes() -> None:
    from lifecircle.core.assess.categories import parse_osm_rule  # noqa: PLC0415

    osm = parse_osm_rule("amenity=fast_food&breakfast=yes;amenity=fast_food")
    gate = parse_name_gate(
        name_kw="早餐|包子",
        name_kw_exclude="",
        name_kw_required="amap; osm:amenity = fast_food",
        osm=osm,
        amap=parse_amap_codes("0503*"),
    )
    assert gate.keywords == ("早餐", "包子")
    assert gate.amap_all
    assert not gate.applies_osm(osm[0])
    assert gate.applies_osm(osm[1])


@pytest.mark.parametrize(
    ("kw", "exclude", "required", "fragment"),
    [
        ("", "", "always", "name_kw and name_kw_exclude are empty"),
        ("a||b", "", "always", "empty keyword"),
        ("a", "", "", "name_kw_required is empty"),
        ("a", "", "sometimes", "'sometimes' is not never"),
        ("a", "", "never;osm", "never cannot be combined"),
        ("a", "", "amap:0712*", "names no amap rule"),
        ("", "x", "never", "has no effect"),
        ("", "@Bad-Code", "always", "is not @category_code"),
    ],
    ids=["gate-nothing", "empty-kw", "empty-scope", "bad-word", "never-plus", "unknown-amap",
         "exclude-never", "bad-ref"],
)  # fmt: skip
def test_parse_name_gate_errors(kw, exclude, required, fragment) -> None:
    with pytest.raises(DataError, match=fragment):
        parse_name_gate(
            name_kw=kw,
            name_kw_exclude=exclude,
            name_kw_required=required,
            amap=parse_amap_codes("0711*"),
        )


# --- invalid files ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("taxonomy_empty.csv", ["line 1: file is empty"]),
        ("taxonomy_header_only.csv", ["line 2: no categories"]),
        ("taxonomy_missing_column.csv", ["line 1: missing column(s) name_kw_required"]),
        ("taxonomy_wrong_field_count.csv", ["line 2: 11 fields, the header has 12"]),
        ("taxonomy_gbk.csv", ["line 2: not UTF-8 text"]),
        (
            "taxonomy_bad_yield.csv",
            [
                (
                    "line 2: name_kw_exclude: @fresh_grocery (order 2) must be evaluated "
                    "before supermarket (order 1)"
                ),
                "line 2: name_kw_exclude: @nothing is not a category",
            ],
        ),
        (
            "taxonomy_many_problems.csv",
            [
                "line 3: laundry: group 'basics' is not one of basic, quality, facility",
                "line 4: repair: osm_tags: empty term in 'craft=shoemaker&'",
                "line 5: post: amap_typecodes: '07050' is not a 6-digit code",
                "line 6: canteen: name_kw_required: 'osm:amenity=cafe' names no osm rule",
                "line 7: duplicate code 'pharmacy' (line 2)",
                "line 8: cafe: order 'x' is not a whole number",
                "line 8: cafe: confidence 'sure' is not one of high, medium, low",
            ],
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_invalid_files_name_file_line_and_problem(name: str, expected: list[str]) -> None:
    path = INVALID / name
    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(path)
    err = info.value
    assert isinstance(err, DataError)
    assert str(err).startswith(f"{path}: line ")
    assert len(err.problems) == len(expected)
    for problem, fragment in zip(sorted(err.problems), sorted(expected), strict=True):
        assert problem.startswith(f"{path}: {fragment}")
        assert fragment in str(err)


@pytest.mark.parametrize("profile", PROFILES)
def test_vending_machines_sell_goods(profile: str) -> None:
    tax = load_taxonomy(profile)
    machine = {"amenity": "vending_machine"}
    assert [m.code for m in classify_osm(machine | {"vending": "drinks;snacks"}, tax)] == [
        "vending_machine"
    ]
    for tickets in ("parking_tickets", "public_transport_tickets", "stamps", None):
        tags = machine if tickets is None else machine | {"vending": tickets}
        assert classify_osm(tags, tax) == [], tickets
    parcels = [m.code for m in classify_osm(machine | {"vending": "parcel_pickup"}, tax)]
    assert parcels == ["parcel_locker"]
    assert [m.code for m in classify_amap(["060000"], "友宝自动售货机", tax)] == ["vending_machine"]
    assert classify_amap(["060000"], "某某商行", tax) == []
    assert tax.by_code["vending_machine"].group == "facility"
