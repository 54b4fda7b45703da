"""Reading a category taxonomy: a packaged profile (shenzhen, mofcom) or a user's CSV file.

The format is described in ``lifecircle/data/taxonomy/README.md``: one row per category
with the columns of :data:`COLUMNS` (extra columns are ignored, lines starting with ``#``
are comments). Every row is checked before anything is returned, and all problems of a
file are reported in one :class:`TaxonomyError`.
"""

from __future__ import annotations

import csv
import io
import re
from importlib import resources
from pathlib import Path

from lifecircle.core.assess.categories import (
    CODE_PATTERN,
    CONFIDENCES,
    GATE_WORDS,
    GROUPS,
    AmapCodes,
    Category,
    NameGate,
    OsmRule,
    Taxonomy,
    parse_osm_rule,
)
from lifecircle.errors import DataError, NotFoundError

COLUMNS = (
    "order",
    "group",
    "code",
    "name_zh",
    "name_en",
    "osm_tags",
    "amap_typecodes",
    "name_kw",
    "name_kw_exclude",
    "name_kw_required",
    "confidence",
    "source_note",
)
"""Columns every taxonomy file has (in any order)."""

PROFILES = ("shenzhen", "mofcom")
"""Packaged profiles: Shenzhen's 12 basic + 8 quality categories (深商务建设字〔2023〕240号),
and the national MOFCOM guide (商办流通函〔2021〕247号), which keeps 菜市场 as basic."""

MAX_LISTED = 20
_AMAP_ENTRY = re.compile(r"(!?)(\d{6}|\d{1,5}\*)\Z")


class TaxonomyError(DataError):
    """A taxonomy file has one or more problems.

    ``problems`` holds all of them, each ``"{path}: line {n}: {problem}"``; the message
    names the file once and lists the first :data:`MAX_LISTED`.
    """

    def __init__(self, path: str, problems: list[tuple[int, str]]) -> None:
        self.problems = [f"{path}: line {line}: {text}" for line, text in problems]
        listed = "; ".join(f"line {line}: {text}" for line, text in problems[:MAX_LISTED])
        more = len(problems) - MAX_LISTED
        super().__init__(f"{path}: {listed}" + (f"; and {more} more" if more > 0 else ""))


def load_taxonomy(name_or_path: str | Path = "shenzhen") -> Taxonomy:
    """Load a packaged taxonomy profile or a taxonomy CSV file.

    Parameters
    ----------
    name_or_path
        ``"shenzhen"`` (default) or ``"mofcom"`` for a packaged profile (see
        :data:`PROFILES`), otherwise the path of a UTF-8 CSV file in the same format.

    Returns
    -------
    Taxonomy
        Named after the profile, or after the file's stem.

    Raises
    ------
    NotFoundError
        When the name is not a profile and no such file exists.
    TaxonomyError
        A :class:`~lifecircle.errors.DataError` naming the file, and the line and the
        problem of every bad row.

    """
    if isinstance(name_or_path, str) and name_or_path in PROFILES:
        resource = resources.files("lifecircle.data").joinpath("taxonomy", f"{name_or_path}.csv")
        text = resource.read_text(encoding="utf-8")
        return taxonomy_from_text(text, name=name_or_path, source=f"{name_or_path} (packaged)")
    path = Path(name_or_path)
    if not path.is_file():
        raise NotFoundError(
            f"{path}: no such taxonomy file (packaged profiles: {', '.join(PROFILES)})"
        )
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise TaxonomyError(str(path), [(line, f"not UTF-8 text: {exc.reason}")]) from exc
    return taxonomy_from_text(text, name=path.stem, source=str(path))


def taxonomy_from_text(text: str, *, name: str, source: str) -> Taxonomy:
    """Parse and check the text of a taxonomy CSV file.

    Parameters
    ----------
    text
        The file's content.
    name
        Name given to the taxonomy.
    source
        How errors name the file.

    Returns
    -------
    Taxonomy

    Raises
    ------
    TaxonomyError
        With every problem found, by line.

    """
    problems: list[tuple[int, str]] = []
    rows = csv_rows(text, problems)
    if problems:
        raise TaxonomyError(source, problems)
    if not rows:
        raise TaxonomyError(source, [(1, "file is empty")])
    header_line, header = rows[0]
    names = [h.strip() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise TaxonomyError(source, [(header_line, f"missing column(s) {', '.join(missing)}")])
    index = {c: names.index(c) for c in COLUMNS}
    if len(rows) == 1:
        raise TaxonomyError(source, [(header_line + 1, "no categories")])

    categories: list[Category] = []
    lines: dict[str, int] = {}
    orders: dict[int, int] = {}
    for line, fields in rows[1:]:
        if len(fields) != len(header):
            problems.append((line, f"{len(fields)} fields, the header has {len(header)}"))
            continue
        cell = {c: fields[index[c]].strip() for c in COLUMNS}
        category = _category(cell, line, problems)
        if category is None:
            continue
        if category.code in lines:
            problems.append(
                (line, f"duplicate code {category.code!r} (line {lines[category.code]})")
            )
        elif category.order in orders:
            problems.append(
                (line, f"order {category.order} is also on line {orders[category.order]}")
            )
        else:
            lines[category.code] = line
            orders[category.order] = line
            categories.append(category)
    by_code = {c.code: c for c in categories}
    for cat in categories:
        for code in cat.gate.yields_to:
            other = by_code.get(code)
            if other is None:
                problems.append((lines[cat.code], f"name_kw_exclude: @{code} is not a category"))
            elif other.order >= cat.order:
                problems.append(
                    (
                        lines[cat.code],
                        (
                            f"name_kw_exclude: @{code} (order {other.order}) must be "
                            f"evaluated before {cat.code} (order {cat.order})"
                        ),
                    )
                )
    if problems:
        raise TaxonomyError(source, sorted(problems, key=lambda p: p[0]))
    return Taxonomy(name=name, categories=tuple(categories))


def parse_amap_codes(text: str) -> AmapCodes:
    """Parse an ``amap_typecodes`` cell such as ``"0604*;!060411;060000"``.

    Raises
    ------
    DataError
        Naming every entry that is not ``NNNNNN``, ``N…*`` (1-5 digits) or ``!NNNNNN``.

    """
    include: list[str] = []
    exclude: list[str] = []
    problems: list[str] = []
    for raw in (e.strip() for e in text.split(";")) if text.strip() else ():
        found = _AMAP_ENTRY.match(raw)
        if found is None or (found.group(1) and found.group(2).endswith("*")):
            problems.append(f"{raw!r} is not a 6-digit code, a prefix like 0602* or !NNNNNN")
        elif found.group(1):
            exclude.append(found.group(2))
        else:
            include.append(found.group(2))
    if problems:
        raise DataError("amap_typecodes: " + "; ".join(problems))
    return AmapCodes(include=tuple(include), exclude=tuple(exclude))


def parse_name_gate(
    *,
    name_kw: str,
    name_kw_exclude: str,
    name_kw_required: str,
    osm: tuple[OsmRule, ...] = (),
    amap: AmapCodes | None = None,
) -> NameGate:
    """Parse the three name-gate cells of a category.

    ``osm:RULE`` and ``amap:ENTRY`` scope items must name an alternative of the
    category's ``osm_tags`` or an included ``amap_typecodes`` entry, as written.

    Raises
    ------
    DataError
        Naming every empty keyword, malformed ``@code``, unknown scope word or scope item
        that names no rule of the category, and a scope other than ``never`` with no
        keywords and no exclusions to test.

    """
    problems: list[str] = []
    keywords = _words(name_kw, "name_kw", problems)
    excluded = _words(name_kw_exclude, "name_kw_exclude", problems)
    yields = tuple(w[1:] for w in excluded if w.startswith("@"))
    problems.extend(
        f"name_kw_exclude: '@{code}' is not @category_code"
        for code in yields
        if not CODE_PATTERN.match(code)
    )
    words = tuple(w for w in excluded if not w.startswith("@"))
    osm_texts = {r.text for r in osm}
    amap_entries = set(amap.include) if amap is not None else set()
    gate: dict[str, set[str]] = {"osm": set(), "amap": set()}
    flags: set[str] = set()
    items = [i.strip() for i in name_kw_required.split(";")] if name_kw_required.strip() else []
    for item in items:
        source, sep, rest = item.partition(":")
        if not sep and item in GATE_WORDS:
            flags.add(item)
        elif sep and source == "osm" and _rule_text(rest) in osm_texts:
            gate["osm"].add(_rule_text(rest))
        elif sep and source == "amap" and rest.strip() in amap_entries:
            gate["amap"].add(rest.strip())
        elif sep and source in gate:
            problems.append(f"name_kw_required: {item!r} names no {source} rule of this category")
        else:
            problems.append(
                f"name_kw_required: {item!r} is not never, always, osm, amap, osm:RULE or amap:CODE"
            )
    if not items:
        problems.append("name_kw_required is empty (use never when no rule is gated)")
    if "never" in flags and len(items) > 1:
        problems.append("name_kw_required: never cannot be combined with other items")
    gated = bool(flags - {"never"} or gate["osm"] or gate["amap"])
    if gated and not (keywords or excluded):
        problems.append("name_kw_required gates rules but name_kw and name_kw_exclude are empty")
    if excluded and not gated:
        problems.append("name_kw_exclude has no effect: name_kw_required is never")
    if problems:
        raise DataError("; ".join(problems))
    return NameGate(
        keywords=keywords,
        exclude=words,
        yields_to=yields,
        scope=";".join(items),
        osm_all=bool(flags & {"always", "osm"}),
        amap_all=bool(flags & {"always", "amap"}),
        osm_rules=frozenset(gate["osm"]),
        amap_codes=frozenset(gate["amap"]),
    )


def _rule_text(text: str) -> str:
    """The normalised text of a single rule, or ``""`` when it is not one."""
    try:
        rules = parse_osm_rule(text)
    except DataError:
        return ""
    return rules[0].text if len(rules) == 1 else ""


def _words(text: str, column: str, problems: list[str]) -> tuple[str, ...]:
    if not text.strip():
        return ()
    words = tuple(w.strip() for w in text.split("|"))
    if not all(words):
        problems.append(f"{column}: empty keyword in {text!r}")
    return tuple(w for w in words if w)


def csv_rows(text: str, problems: list[tuple[int, str]]) -> list[tuple[int, list[str]]]:
    """Non-blank, non-comment CSV rows with the line each starts on."""
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    try:
        for fields in reader:
            if any(f.strip() for f in fields) and not fields[0].lstrip().startswith("#"):
                rows.append((start, fields))
            start = reader.line_num + 1
    except csv.Error as exc:
        problems.append((start, f"not CSV: {exc}"))
    return rows


def _category(cell: dict[str, str], line: int, problems: list[tuple[int, str]]) -> Category | None:
    """One row as a category, or ``None`` after adding its problems."""
    found: list[str] = []
    order = -1
    try:
        order = int(cell["order"])
    except ValueError:
        found.append(f"order {cell['order']!r} is not a whole number")
    else:
        if order < 0:
            found.append(f"order {order} is negative")
    if cell["group"] not in GROUPS:
        found.append(f"group {cell['group']!r} is not one of {', '.join(GROUPS)}")
    if not CODE_PATTERN.match(cell["code"]):
        found.append(f"code {cell['code']!r} is not lower_case_with_underscores")
    found.extend(f"{c} is empty" for c in ("name_zh", "name_en") if not cell[c])
    if cell["confidence"] not in CONFIDENCES:
        found.append(f"confidence {cell['confidence']!r} is not one of {', '.join(CONFIDENCES)}")
    osm: tuple[OsmRule, ...] = ()
    amap = AmapCodes()
    gate = NameGate()
    for parse in ("osm", "amap", "gate"):
        try:
            if parse == "osm":
                osm = parse_osm_rule(cell["osm_tags"])
            elif parse == "amap":
                amap = parse_amap_codes(cell["amap_typecodes"])
            else:
                gate = parse_name_gate(
                    name_kw=cell["name_kw"],
                    name_kw_exclude=cell["name_kw_exclude"],
                    name_kw_required=cell["name_kw_required"],
                    osm=osm,
                    amap=amap,
                )
        except DataError as exc:
            found.append(str(exc))
    if not cell["osm_tags"] and not cell["amap_typecodes"]:
        found.append("osm_tags and amap_typecodes are both empty")
    if found:
        problems.extend((line, f"{cell['code'] or 'row'}: {text}") for text in found)
        return None
    return Category(
        order=order,
        group=cell["group"],
        code=cell["code"],
        name_zh=cell["name_zh"],
        name_en=cell["name_en"],
        osm=osm,
        amap=amap,
        gate=gate,
        confidence=cell["confidence"],
        source_note=cell["source_note"],
    )
