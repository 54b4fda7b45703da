"""The living-circle category taxonomy: parsed tag rules, name gates and OSM classification.

A taxonomy is a list of categories (便利店, 药店, 长者饭堂...), each with OpenStreetMap
tag rules, Amap type codes and an optional *name gate*. The rule language is the one of
the research table ``shared/reference/categories.csv``:

``osm_tags``
    Alternatives separated by ``;``; each alternative is terms joined by ``&``, all of
    which must hold. ``key=value`` is equality (``key=*``: the key is present; a value
    list such as ``amenity=nightclub;restaurant`` in the data matches either part), and
    ``key~pattern`` a case-insensitive regular-expression search (a plain word is a
    substring test). ``name~...`` searches every name tag (:data:`NAME_TAGS`).
``amap_typecodes``
    Six-digit Amap codes separated by ``;``; ``0602*`` is a prefix and ``!060411``
    removes a code that an entry would include.
name gate
    ``name_kw`` keywords (``|``-separated, substring, case-insensitive) of which the name
    must contain one, ``name_kw_exclude`` words it must not contain (``@code``: the place
    must not already have matched category ``code``), and ``name_kw_required`` saying
    which rules go through the gate: ``never``, ``always``, ``osm``, ``amap`` or single
    rules such as ``osm:amenity=restaurant;amap:070500``.

Categories are tested in ``order``; a place may match several categories, and each match
records the first rule (in the order written) that passed. :func:`classify_osm` matches
OSM tags and :func:`classify_amap` Amap type codes and names; :mod:`lifecircle.io.places.taxonomy`
parses and checks the cells of a taxonomy file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

from lifecircle.errors import DataError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

GROUPS = ("basic", "quality", "facility")
"""Category groups: 基本保障类, 品质提升类 and facilities (设施)."""

CONFIDENCES = ("high", "medium", "low")
"""How reliably a category's tags and codes identify it (from the research table)."""

NAME_TAGS = (
    "name:zh",
    "name:zh-Hans",
    "name:zh-Hant",
    "name",
    "alt_name",
    "official_name",
    "short_name",
    "brand:zh",
    "brand",
)
"""OSM tags searched by name keywords and ``name~``: a chain's brand counts as its name."""

GATE_WORDS = ("never", "always", "osm", "amap")

AMAP_MAJOR_CODES = frozenset({f"{n:02d}" for n in range(1, 23)} | {"97", "99"})
"""First two digits of Amap type codes: the big categories 01 汽车服务 ... 20 公共设施, 22
事件活动, 97 室内设施 and 99 通行设施 of the 2017 table, and 21, which later editions may use."""

AMAP_TYPECODE = re.compile(r"\d{6}\Z")
CODE_PATTERN = re.compile(r"[a-z][a-z0-9_]*\Z")
_TERM = re.compile(r"([^=~]+)([=~])(.*)\Z", re.DOTALL)


@dataclass(frozen=True)
class TagTerm:
    """One ``key=value`` or ``key~pattern`` test of an OSM rule."""

    key: str
    op: Literal["=", "~"]
    value: str
    _pattern: re.Pattern[str] | None = field(default=None, repr=False, compare=False)

    def matches(self, tags: Mapping[str, str]) -> bool:
        """Whether the tags pass this term."""
        if self.op == "~":
            keys = NAME_TAGS if self.key == "name" else (self.key,)
            pattern = self._pattern
            return pattern is not None and any(
                pattern.search(tags[k]) is not None for k in keys if k in tags
            )
        have = tags.get(self.key)
        if have is None:
            return False
        if self.value in {"*", have}:
            return True
        return ";" in have and self.value in (part.strip() for part in have.split(";"))


@dataclass(frozen=True)
class OsmRule:
    """One alternative of an ``osm_tags`` cell: terms that must all hold."""

    text: str
    terms: tuple[TagTerm, ...]

    def matches(self, tags: Mapping[str, str]) -> bool:
        """Whether every term holds for the tags."""
        return all(term.matches(tags) for term in self.terms)

    @property
    def filter_keys(self) -> frozenset[str]:
        """Keys of which an object must have at least one to possibly match.

        Every term must hold, so the key of one equality term is enough; a rule of
        patterns only needs one of the tags its first pattern searches.
        """
        first = next((t for t in self.terms if t.op == "="), self.terms[0])
        return frozenset(NAME_TAGS if first.op == "~" and first.key == "name" else (first.key,))


def parse_osm_rule(text: str) -> tuple[OsmRule, ...]:
    """Parse an ``osm_tags`` cell into its alternatives.

    Parameters
    ----------
    text
        ``;``-separated alternatives of ``&``-joined ``key=value`` / ``key~pattern`` terms,
        e.g. ``"shop=greengrocer;amenity=social_facility&social_facility:for=senior"``.
        An empty cell gives no rules.

    Returns
    -------
    tuple of OsmRule
        In the order written, each keeping its text (whitespace around separators removed).

    Raises
    ------
    DataError
        Naming every malformed alternative or term (empty, no operator, empty key or value,
        invalid regular expression).

    """
    rules: list[OsmRule] = []
    problems: list[str] = []
    if not text.strip():
        return ()
    for alt in text.split(";"):
        parts = [p.strip() for p in alt.split("&")]
        terms: list[TagTerm] = []
        for part in parts:
            found = _TERM.match(part)
            key, op, value = (g.strip() for g in found.groups()) if found else ("", "", "")
            if not part:
                problems.append(f"empty term in {alt.strip()!r}")
            elif not key or not value:
                problems.append(f"{part!r} is not key=value or key~pattern")
            elif op == "~":
                try:
                    pattern = re.compile(value, re.IGNORECASE)
                except re.error as exc:
                    problems.append(f"{part!r}: bad pattern: {exc}")
                else:
                    terms.append(TagTerm(key=key, op="~", value=value, _pattern=pattern))
            else:
                terms.append(TagTerm(key=key, op="=", value=value))
        if len(terms) == len(parts):
            rules.append(
                OsmRule(text="&".join(f"{t.key}{t.op}{t.value}" for t in terms), terms=tuple(terms))
            )
    if problems:
        raise DataError("osm_tags: " + "; ".join(problems))
    return tuple(rules)


@dataclass(frozen=True)
class AmapCodes:
    """Parsed ``amap_typecodes``: included entries and excluded exact codes.

    Included entries are exact six-digit codes or prefixes such as ``0602*``.
    """

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def entry_for(self, typecode: str) -> str | None:
        """The first included entry covering a six-digit Amap type code, or ``None``."""
        return next((e for e in self.include if self.covers(e, typecode)), None)

    def covers(self, entry: str, typecode: str) -> bool:
        """Whether an included entry (code or ``prefix*``) takes a six-digit code not excluded."""
        if typecode in self.exclude or not AMAP_TYPECODE.match(typecode):
            return False
        return typecode == entry or (
            entry.endswith("*") and typecode.startswith(entry.removesuffix("*"))
        )

    @property
    def text(self) -> str:
        """The cell text the codes were parsed from (normalised)."""
        return ";".join((*self.include, *(f"!{c}" for c in self.exclude)))


@dataclass(frozen=True)
class NameGate:
    """The name test of a category and the rules it applies to.

    Attributes
    ----------
    keywords
        The name must contain one of these (no keywords: no positive test).
    exclude
        The name must contain none of these.
    yields_to
        Codes of earlier categories: a place that matched one of them fails the gate.
    scope
        The ``name_kw_required`` text; :meth:`applies_osm` and :meth:`applies_amap`
        read it.

    """

    keywords: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    yields_to: tuple[str, ...] = ()
    scope: str = "never"
    osm_all: bool = False
    amap_all: bool = False
    osm_rules: frozenset[str] = frozenset()
    amap_codes: frozenset[str] = frozenset()

    def applies_osm(self, rule: OsmRule) -> bool:
        """Whether a match through this OSM rule must pass the gate."""
        return self.osm_all or rule.text in self.osm_rules

    def applies_amap(self, entry: str) -> bool:
        """Whether a match through this ``amap_typecodes`` entry must pass the gate."""
        return self.amap_all or entry in self.amap_codes

    def check(self, name_text: str, matched: Mapping[str, object]) -> tuple[bool, str]:
        """Test a name (see :func:`osm_name_text`): passed, and the keyword that matched."""
        if any(code in matched for code in self.yields_to):
            return False, ""
        if any(word.casefold() in name_text for word in self.exclude):
            return False, ""
        if not self.keywords:
            return True, ""
        for word in self.keywords:
            if word.casefold() in name_text:
                return True, word
        return False, ""


@dataclass(frozen=True)
class Category:
    """One category of the taxonomy, its rules parsed.

    Attributes
    ----------
    order
        Evaluation order; a category that yields to another (``@code``) comes after it.
    group
        One of :data:`GROUPS`.
    code, name_zh, name_en
        Stable identifier (``[a-z][a-z0-9_]*``) and display names.
    osm, amap, gate
        Parsed ``osm_tags``, ``amap_typecodes`` and name gate.
    confidence
        One of :data:`CONFIDENCES`, copied to each match.
    source_note
        Where the rules come from and why.

    """

    order: int
    group: str
    code: str
    name_zh: str
    name_en: str
    osm: tuple[OsmRule, ...]
    amap: AmapCodes
    gate: NameGate
    confidence: str
    source_note: str = ""

    @property
    def osm_text(self) -> str:
        """The ``osm_tags`` cell (normalised)."""
        return ";".join(r.text for r in self.osm)


@dataclass(frozen=True)
class Match:
    """A place's membership of one category.

    ``rule`` is the OSM rule that matched, with ``&name~KEYWORD`` appended when the
    name gate passed through a keyword, e.g. ``amenity=restaurant&name~长者饭堂``. An
    Amap match reads ``amap:ENTRY``, with the POI's code in brackets when the entry is a
    prefix: ``amap:090601``, ``amap:0604*(060401)&name~钱大妈``. ``confidence`` is the
    category's (:data:`CONFIDENCES`).
    """

    code: str
    rule: str
    confidence: str


@dataclass(frozen=True)
class Taxonomy:
    """Categories in evaluation order.

    Raises
    ------
    DataError
        On duplicate codes or orders, and on ``@code`` exclusions naming an unknown
        category or one that is not evaluated earlier.

    """

    name: str
    categories: tuple[Category, ...]
    by_code: Mapping[str, Category] = field(init=False, repr=False, compare=False)
    osm_keys: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        cats = tuple(sorted(self.categories, key=lambda c: c.order))
        problems: list[str] = []
        by_code: dict[str, Category] = {}
        orders: dict[int, str] = {}
        for cat in cats:
            if cat.code in by_code:
                problems.append(f"duplicate code {cat.code!r}")
            if cat.order in orders:
                problems.append(f"{cat.code} and {orders[cat.order]} share order {cat.order}")
            by_code.setdefault(cat.code, cat)
            orders.setdefault(cat.order, cat.code)
        for cat in cats:
            for code in cat.gate.yields_to:
                other = by_code.get(code)
                if other is None:
                    problems.append(f"{cat.code}: @{code} is not a category")
                elif other.order >= cat.order:
                    problems.append(f"{cat.code}: @{code} must come earlier in order")
        if problems:
            raise DataError(f"taxonomy {self.name}: " + "; ".join(problems))
        object.__setattr__(self, "categories", cats)
        object.__setattr__(self, "by_code", MappingProxyType(by_code))
        keys = frozenset(k for c in cats for r in c.osm for k in r.filter_keys)
        object.__setattr__(self, "osm_keys", keys)

    @property
    def codes(self) -> tuple[str, ...]:
        """Category codes in evaluation order."""
        return tuple(c.code for c in self.categories)

    def in_group(self, group: str) -> tuple[Category, ...]:
        """The categories of one group, in order."""
        return tuple(c for c in self.categories if c.group == group)


def osm_name_text(tags: Mapping[str, str]) -> str:
    """The name tags (:data:`NAME_TAGS`) of an object, case-folded, one per line."""
    return "\n".join(tags[k] for k in NAME_TAGS if k in tags).casefold()


def classify_osm(tags: Mapping[str, str], taxonomy: Taxonomy) -> list[Match]:
    """The categories an OSM object belongs to.

    Parameters
    ----------
    tags
        The object's tags.
    taxonomy
        Categories are tested in their order. For each, the first ``osm_tags``
        alternative that holds and, where the gate applies, whose name passes the gate
        decides the match.

    Returns
    -------
    list of Match
        In taxonomy order; empty when nothing matched. A restaurant named 长者饭堂 is
        both ``specialty_dining`` and (through the keyword gate) ``elderly_canteen``.

    """
    if taxonomy.osm_keys.isdisjoint(tags):
        return []
    name_text = osm_name_text(tags)
    matched: dict[str, Match] = {}
    for cat in taxonomy.categories:
        for rule in cat.osm:
            if not rule.matches(tags):
                continue
            keyword = ""
            if cat.gate.applies_osm(rule):
                passed, keyword = cat.gate.check(name_text, matched)
                if not passed:
                    continue
            text = f"{rule.text}&name~{keyword}" if keyword else rule.text
            matched[cat.code] = Match(code=cat.code, rule=text, confidence=cat.confidence)
            break
    return list(matched.values())


def amap_typecode_problem(typecode: str) -> str | None:
    """Why a string is not an Amap type code (six digits, a known big category), or ``None``.

    Codes are not checked against one edition's table: later editions add codes, and a
    code unknown to the taxonomy simply matches no category.
    """
    if not AMAP_TYPECODE.match(typecode):
        return f"typecode {typecode!r} is not six digits"
    if typecode[:2] not in AMAP_MAJOR_CODES:
        return f"typecode {typecode!r} is not an Amap code (no big category {typecode[:2]})"
    return None


def classify_amap(typecodes: Sequence[str], name: str, taxonomy: Taxonomy) -> list[Match]:
    """The categories an Amap (高德) POI belongs to.

    Parameters
    ----------
    typecodes
        The POI's six-digit type codes: an export's ``060200|060400`` split at ``|``.
        Check them with :func:`amap_typecode_problem` first; malformed codes match nothing.
    name
        The POI's name, tested by name gates (case-insensitive substrings).
    taxonomy
        Categories are tested in their order. For each, the ``amap_typecodes`` entries
        are tried in the order written and, for each entry, the POI's codes in the order
        given. An entry takes a code it covers (``0602*`` a prefix, ``060201`` itself) unless
        ``!code`` excludes it; where :meth:`NameGate.applies_amap` says so, the name must
        then pass the gate (a keyword, no excluded word, no earlier ``@code`` match). The
        first (entry, code) pair that passes decides, as for OSM rules.

    Returns
    -------
    list of Match
        In taxonomy order; empty when nothing matched. 060411 Watsons (屈臣氏) is not a
        supermarket; a 0604* POI named 钱大妈 is ``fresh_grocery`` and, through
        ``@fresh_grocery``, not ``supermarket``.

    """
    name_text = name.casefold()
    matched: dict[str, Match] = {}
    for cat in taxonomy.categories:
        found = _amap_match(cat, typecodes, name_text, matched)
        if found is not None:
            matched[cat.code] = found
    return list(matched.values())


def _amap_match(
    cat: Category, typecodes: Sequence[str], name_text: str, matched: Mapping[str, Match]
) -> Match | None:
    """The first entry of a category, in the order written, that takes a code and passes."""
    for entry in cat.amap.include:
        for typecode in typecodes:
            if not cat.amap.covers(entry, typecode):
                continue
            keyword = ""
            if cat.gate.applies_amap(entry):
                passed, keyword = cat.gate.check(name_text, matched)
                if not passed:
                    continue
            text = f"amap:{entry}" if entry == typecode else f"amap:{entry}({typecode})"
            if keyword:
                text = f"{text}&name~{keyword}"
            return Match(code=cat.code, rule=text, confidence=cat.confidence)
    return None
