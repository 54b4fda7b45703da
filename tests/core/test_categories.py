"""The taxonomy rule language and OSM classification: parsing, order, name gates.

The tag sets are SYNTHETIC, written to exercise one rule each.
"""

from __future__ import annotations

import pytest

from lifecircle.core.assess.categories import (
    AmapCodes,
    Category,
    Match,
    NameGate,
    Taxonomy,
    amap_typecode_problem,
    classify_amap,
    classify_osm,
    osm_name_text,
    parse_osm_rule,
)
from lifecircle.errors import DataError
from lifecircle.io.places.taxonomy import load_taxonomy


@pytest.fixture(scope="module")
def shenzhen() -> Taxonomy:
    return load_taxonomy("shenzhen")


def codes(tags, taxonomy) -> list[str]:
    return [m.code for m in classify_osm(tags, taxonomy)]


def category(code, order, osm, *, gate=None, group="basic") -> Category:
    return Category(
        order=order,
        group=group,
        code=code,
        name_zh=code,
        name_en=code,
        osm=parse_osm_rule(osm),
        amap=AmapCodes(),
        gate=gate or NameGate(),
        confidence="medium",
    )


# --- parsing ---------------------------------------------------------------------------


def test_parse_alternatives_and_conjunctions() -> None:
    rules = parse_osm_rule(
        "shop=greengrocer; amenity=social_facility & social_facility:for=senior;name~生鲜"
    )
    assert [r.text for r in rules] == [
        "shop=greengrocer",
        "amenity=social_facility&social_facility:for=senior",
        "name~生鲜",
    ]
    second = rules[1].terms
    assert [(t.key, t.op, t.value) for t in second] == [
        ("amenity", "=", "social_facility"),
        ("social_facility:for", "=", "senior"),
    ]
    assert rules[2].terms[0].op == "~"


def test_parse_empty_cell_gives_no_rules() -> None:
    assert parse_osm_rule("") == ()
    assert parse_osm_rule("   ") == ()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("shop", "'shop' is not key=value"),
        ("shop=", "'shop=' is not key=value"),
        ("=convenience", "'=convenience' is not key=value"),
        ("shop=a&", "empty term"),
        ("shop=a;;shop=b", "empty term"),
        ("name~(unclosed", "bad pattern"),
    ],
    ids=["no-operator", "no-value", "no-key", "trailing-and", "empty-alternative", "bad-regex"],
)
def test_parse_errors_name_the_term(text: str, fragment: str) -> None:
    with pytest.raises(DataError, match="osm_tags") as info:
        parse_osm_rule(text)
    assert fragment in str(info.value)


def test_parse_gathers_every_bad_term() -> None:
    with pytest.raises(DataError) as info:
        parse_osm_rule("shop;amenity=;craft=shoemaker")
    assert "'shop'" in str(info.value)
    assert "'amenity='" in str(info.value)


# --- matching terms --------------------------------------------------------------------


def test_equality_presence_and_value_lists() -> None:
    (rule,) = parse_osm_rule("amenity=restaurant")
    assert rule.matches({"amenity": "restaurant"})
    assert rule.matches({"amenity": "nightclub;restaurant"})  # OSM value list
    assert rule.matches({"amenity": "nightclub; restaurant"})
    assert not rule.matches({"amenity": "restaurants"})
    assert not rule.matches({"shop": "restaurant"})
    (anything,) = parse_osm_rule("healthcare=*")
    assert anything.matches({"healthcare": "pharmacy"})
    assert not anything.matches({"amenity": "pharmacy"})


def test_pattern_searches_every_name_tag_case_insensitively() -> None:
    (rule,) = parse_osm_rule("shop=supermarket&name~生鲜|fresh")
    assert rule.matches({"shop": "supermarket", "name": "钱大妈生鲜"})
    assert rule.matches({"shop": "supermarket", "name:zh": "社区生鲜店"})
    assert rule.matches({"shop": "supermarket", "brand": "FRESH Hippo"})
    assert not rule.matches({"shop": "supermarket", "name": "沃尔玛"})
    assert not rule.matches({"shop": "convenience", "name": "生鲜便利"})
    (other,) = parse_osm_rule("cuisine~break")
    assert other.matches({"cuisine": "chinese;breakfast"})
    assert not other.matches({"name": "breakfast"})  # only the named key


def test_name_text_joins_names_and_brand() -> None:
    text = osm_name_text({"name": "Store", "name:zh": "店", "brand": "ACME", "shop": "x"})
    assert text.split("\n") == ["店", "store", "acme"]


def test_amap_entry_for_prefix_exact_and_exclusion() -> None:
    codes_ = AmapCodes(include=("0604*", "060000"), exclude=("060411",))
    assert codes_.entry_for("060401") == "0604*"
    assert codes_.entry_for("060000") == "060000"
    assert codes_.entry_for("060411") is None  # Watsons
    assert codes_.entry_for("060201") is None
    assert codes_.text == "0604*;060000;!060411"


# --- taxonomy invariants ---------------------------------------------------------------


def test_taxonomy_sorts_by_order_and_indexes_codes() -> None:
    tax = Taxonomy(
        name="t",
        categories=(category("b", 2, "shop=b"), category("a", 1, "shop=a")),
    )
    assert tax.codes == ("a", "b")
    assert tax.by_code["b"].order == 2
    assert tax.osm_keys == {"shop"}


@pytest.mark.parametrize(
    ("cats", "fragment"),
    [
        (lambda: (category("a", 1, "shop=a"), category("a", 2, "shop=b")), "duplicate code"),
        (lambda: (category("a", 1, "shop=a"), category("b", 1, "shop=b")), "share order"),
        (
            lambda: (category("a", 1, "shop=a", gate=NameGate(yields_to=("b",), scope="always")),
                     category("b", 2, "shop=b")),
            "@b must come earlier",
        ),
        (
            lambda: (category("a", 1, "shop=a", gate=NameGate(yields_to=("z",), scope="always")),),
            "@z is not a category",
        ),
    ],
    ids=["duplicate-code", "duplicate-order", "yield-to-later", "yield-to-unknown"],
)  # fmt: skip
def test_taxonomy_rejects_inconsistent_categories(cats, fragment) -> None:
    with pytest.raises(DataError, match=fragment):
        Taxonomy(name="t", categories=cats())


# --- classification with hand-built gates ----------------------------------------------


def test_gate_applies_only_to_rules_in_scope() -> None:
    gate = NameGate(keywords=("早餐", "包子"), scope="osm:amenity=fast_food",
                    osm_rules=frozenset({"amenity=fast_food"}))  # fmt: skip
    tax = Taxonomy(
        name="t",
        categories=(
            category(
                "breakfast", 1, "amenity=fast_food&breakfast=yes;amenity=fast_food", gate=gate
            ),
        ),
    )
    assert classify_osm({"amenity": "fast_food", "breakfast": "yes"}, tax) == [
        Match(code="breakfast", rule="amenity=fast_food&breakfast=yes", confidence="medium")
    ]
    assert classify_osm({"amenity": "fast_food", "name": "老王包子铺"}, tax) == [
        Match(code="breakfast", rule="amenity=fast_food&name~包子", confidence="medium")
    ]
    assert classify_osm({"amenity": "fast_food", "name": "Burger"}, tax) == []


def test_exclusions_and_yielding_follow_order() -> None:
    fresh = NameGate(keywords=("生鲜",), exclude=("市场",), scope="always", osm_all=True,
                     amap_all=True)  # fmt: skip
    general = NameGate(yields_to=("fresh",), scope="always", osm_all=True, amap_all=True)
    tax = Taxonomy(
        name="t",
        categories=(
            category("general", 2, "shop=supermarket", gate=general),
            category("fresh", 1, "shop=supermarket", gate=fresh),
        ),
    )
    assert codes({"shop": "supermarket", "name": "社区生鲜"}, tax) == ["fresh"]
    assert codes({"shop": "supermarket", "name": "生鲜市场"}, tax) == ["general"]
    assert codes({"shop": "supermarket", "name": "Lidl"}, tax) == ["general"]


def test_objects_without_rule_keys_are_skipped_early() -> None:
    tax = Taxonomy(name="t", categories=(category("a", 1, "shop=a"),))
    assert classify_osm({"highway": "footway", "name": "a"}, tax) == []


# --- the shipped Shenzhen taxonomy -----------------------------------------------------


def test_elderly_canteen_restaurant_is_also_specialty_dining(shenzhen) -> None:
    matches = classify_osm({"amenity": "restaurant", "name": "莲花街道长者饭堂"}, shenzhen)
    assert [m.code for m in matches] == ["specialty_dining", "elderly_canteen"]
    assert matches[1].rule == "amenity=restaurant&name~长者饭堂"
    assert matches[1].confidence == "low"
    assert matches[0].rule == "amenity=restaurant"


def test_plain_restaurant_is_not_elderly_canteen(shenzhen) -> None:
    assert codes({"amenity": "restaurant", "name": "湘菜馆"}, shenzhen) == ["specialty_dining"]
    assert codes({"amenity": "restaurant"}, shenzhen) == ["specialty_dining"]


def test_senior_social_facility_canteen_needs_the_keyword(shenzhen) -> None:
    tags = {"amenity": "social_facility", "social_facility:for": "senior"}
    assert codes(tags, shenzhen) == ["elderly_care"]
    assert codes({**tags, "name": "幸福食堂"}, shenzhen) == ["elderly_care", "elderly_canteen"]


def test_supermarket_named_fresh_is_fresh_grocery_only(shenzhen) -> None:
    matches = classify_osm({"shop": "supermarket", "name": "XX生鲜超市"}, shenzhen)
    assert [m.code for m in matches] == ["fresh_grocery"]
    assert matches[0].rule == "shop=supermarket&name~生鲜"
    # brands count as names: 钱大妈 is a fresh-food chain
    assert codes({"shop": "supermarket", "brand": "钱大妈"}, shenzhen) == ["fresh_grocery"]


def test_general_supermarket_and_dark_store(shenzhen) -> None:
    assert codes({"shop": "supermarket", "name": "华润万家"}, shenzhen) == ["supermarket"]
    assert codes({"shop": "supermarket", "name": "叮咚买菜(福田站)"}, shenzhen) == [
        "fresh_ecom_front_warehouse"
    ]
    assert codes({"shop": "outpost", "name": "Amazon pickup"}, shenzhen) == []


def test_fresh_grocery_market_names_go_to_wet_market(shenzhen) -> None:
    # an OSM supermarket named 市场 is not a 生鲜超市 (gated rule), a greengrocer stays one
    assert codes({"shop": "supermarket", "name": "蔬菜市场"}, shenzhen) == ["supermarket"]
    assert codes({"shop": "greengrocer", "name": "果蔬店"}, shenzhen) == ["fresh_grocery"]
    assert codes({"amenity": "marketplace", "name": "农贸市场"}, shenzhen) == ["wet_market"]


def test_breakfast_by_tag_or_keyword(shenzhen) -> None:
    assert "breakfast" in codes({"amenity": "cafe", "breakfast": "yes"}, shenzhen)
    assert codes({"amenity": "fast_food", "name": "广式肠粉"}, shenzhen) == ["breakfast"]
    assert codes({"amenity": "fast_food", "name": "汉堡王"}, shenzhen) == []
    # a breakfast restaurant is also specialty dining; the breakfast rule records why
    matches = classify_osm({"amenity": "restaurant", "cuisine": "chinese;breakfast"}, shenzhen)
    assert [(m.code, m.rule) for m in matches] == [
        ("breakfast", "amenity=restaurant&cuisine=breakfast"),
        ("specialty_dining", "amenity=restaurant"),
    ]


def test_ungated_categories(shenzhen) -> None:
    assert codes({"shop": "hairdresser"}, shenzhen) == ["beauty_hair"]
    assert codes({"shop": "beauty"}, shenzhen) == ["beauty_hair"]
    assert codes({"amenity": "pharmacy"}, shenzhen) == ["pharmacy"]
    assert codes({"healthcare": "pharmacy"}, shenzhen) == ["pharmacy"]
    assert codes({"shop": "dry_cleaning"}, shenzhen) == ["laundry"]
    assert codes({"craft": "key_cutter"}, shenzhen) == ["repair"]
    assert codes({"shop": "bicycle"}, shenzhen) == []
    assert codes({"shop": "bicycle", "service:bicycle:repair": "yes"}, shenzhen) == ["repair"]
    assert codes({"amenity": "parcel_locker", "brand": "丰巢"}, shenzhen) == ["parcel_locker"]
    assert codes({"shop": "clothes"}, shenzhen) == []


def test_gated_osm_rules_of_shipped_profile(shenzhen) -> None:
    assert codes({"office": "employment_agency", "name": "Hays"}, shenzhen) == []
    assert codes({"office": "employment_agency", "name": "好阿姨家政"}, shenzhen) == [
        "housekeeping"
    ]
    assert codes({"amenity": "kindergarten", "name": "阳光幼儿园"}, shenzhen) == []
    assert codes({"amenity": "kindergarten", "name": "阳光幼儿园晚托班"}, shenzhen) == [
        "childcare_after_school"
    ]
    assert codes({"amenity": "childcare"}, shenzhen) == [
        "childcare_after_school",
        "childcare_0_3",
    ]
    assert codes({"amenity": "prep_school", "name": "学而思"}, shenzhen) == []
    assert codes({"amenity": "prep_school", "name": "少儿编程"}, shenzhen) == ["skills_training"]


def test_matches_come_in_taxonomy_order(shenzhen) -> None:
    order = {c: i for i, c in enumerate(shenzhen.codes)}
    found = codes({"amenity": "restaurant", "breakfast": "yes", "name": "社区食堂"}, shenzhen)
    assert found == sorted(found, key=order.__getitem__)
    assert found == ["breakfast", "specialty_dining", "elderly_canteen"]


# --- Amap type codes (real codes of shared/reference/amap_poicode_2017.csv) ---------------


def amap_codes(typecodes, name, taxonomy) -> list[str]:
    return [m.code for m in classify_amap(typecodes, name, taxonomy)]


def test_amap_convenience_store_by_prefix(shenzhen) -> None:
    # 060201 便民商店/便利店;7-ELEVEn
    assert classify_amap(["060201"], "7-ELEVEn便利店(福田店)", shenzhen) == [
        Match(code="convenience_store", rule="amap:0602*(060201)", confidence="high")
    ]
    # the amap-scoped gate excludes snack chains filed under 0602*
    assert amap_codes(["060200"], "零食很忙", shenzhen) == []


def test_amap_watsons_is_not_a_supermarket(shenzhen) -> None:
    # 060411 超级市场;屈臣氏 and 060415 万宁 are excluded (!060411, !060415)
    assert amap_codes(["060411"], "屈臣氏(福田店)", shenzhen) == []
    assert amap_codes(["060415"], "万宁", shenzhen) == []
    assert amap_codes(["060401"], "华润万家", shenzhen) == ["supermarket"]


def test_amap_fresh_grocery_comes_before_supermarket(shenzhen) -> None:
    matches = classify_amap(["060400"], "钱大妈(福华店)", shenzhen)
    assert matches == [
        Match(code="fresh_grocery", rule="amap:0604*(060400)&name~钱大妈", confidence="low")
    ]
    # a dark store brand under 0604* is neither a 生鲜超市 nor a supermarket
    assert amap_codes(["060400"], "叮咚买菜(福田站)", shenzhen) == ["fresh_ecom_front_warehouse"]
    # names with 市场 belong to wet_market, not fresh_grocery
    assert amap_codes(["060705"], "蔬菜市场", shenzhen) == ["wet_market"]
    assert amap_codes(["060705"], "果蔬店", shenzhen) == ["fresh_grocery", "wet_market"]


def test_amap_exact_codes(shenzhen) -> None:
    assert classify_amap(["090601"], "大参林", shenzhen) == [
        Match(code="pharmacy", rule="amap:090601", confidence="high")
    ]
    assert amap_codes(["090602"], "医疗器械店", shenzhen) == []  # supplies, not a pharmacy


def test_amap_elderly_canteen_needs_the_keyword(shenzhen) -> None:
    assert classify_amap(["050000"], "莲花街道长者饭堂", shenzhen) == [
        Match(code="elderly_canteen", rule="amap:050000&name~长者饭堂", confidence="low")
    ]
    assert amap_codes(["050000"], "湘菜馆", shenzhen) == []
    # a Chinese restaurant named 幸福食堂 is also specialty dining
    assert amap_codes(["050101"], "幸福食堂", shenzhen) == ["specialty_dining", "elderly_canteen"]


def test_amap_gate_on_a_single_entry(shenzhen) -> None:
    # 070500 物流速递 counts as post_express only with a keyword and without 物流...
    assert amap_codes(["070500"], "菜鸟驿站(福华店)", shenzhen) == ["post_express"]
    assert amap_codes(["070500"], "顺丰物流", shenzhen) == []
    # ... while 0704* 邮局 counts as it is, EMS (速递物流) included
    assert amap_codes(["070400"], "中国邮政速递物流", shenzhen) == ["post_express"]


def test_amap_several_typecodes_are_each_tested(shenzhen) -> None:
    matches = classify_amap(["060200", "060400"], "美宜佳", shenzhen)
    assert [(m.code, m.rule) for m in matches] == [
        ("convenience_store", "amap:0602*(060200)"),
        ("supermarket", "amap:0604*(060400)"),
    ]
    # the code order does not change which categories match
    assert amap_codes(["060400", "060200"], "美宜佳", shenzhen) == [m.code for m in matches]
    assert amap_codes(["150700", "090601"], "公交站药店", shenzhen) == ["pharmacy"]


def test_amap_entries_are_tried_in_the_order_written() -> None:
    gate = NameGate(keywords=("驿站",), scope="amap:070500", amap_codes=frozenset({"070500"}))
    cat = Category(order=1, group="basic", code="post", name_zh="p", name_en="p", osm=(),
                   amap=AmapCodes(include=("0704*", "070500")), gate=gate,
                   confidence="medium")  # fmt: skip
    tax = Taxonomy(name="t", categories=(cat,))
    # 0704* is written first, so the ungated entry decides even when 070500 is given first
    assert classify_amap(["070500", "070400"], "x", tax) == [
        Match(code="post", rule="amap:0704*(070400)", confidence="medium")
    ]
    assert classify_amap(["070500"], "x", tax) == []
    assert classify_amap(["070500"], "菜鸟驿站", tax) == [
        Match(code="post", rule="amap:070500&name~驿站", confidence="medium")
    ]


@pytest.mark.parametrize(
    ("typecode", "problem"),
    [
        ("060201", None),
        ("990000", None),
        ("970000", None),
        ("06020", "not six digits"),
        ("06020A", "not six digits"),
        ("0602010", "not six digits"),
        ("", "not six digits"),
        ("330100", "no big category 33"),
        ("000000", "no big category 00"),
    ],
)
def test_amap_typecode_problem(typecode: str, problem: str | None) -> None:
    found = amap_typecode_problem(typecode)
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert problem in found


def test_amap_malformed_codes_match_nothing(shenzhen) -> None:
    assert amap_codes(["0602"], "7-ELEVEn", shenzhen) == []
    assert amap_codes([], "7-ELEVEn", shenzhen) == []
