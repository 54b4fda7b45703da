"""Names in the workbook's language: grades, circle types, category groups and categories.

Shared by the assessment workbook's sheets (:mod:`lifecircle.io.export.xlsx`) and the
other exports that label codes the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lifecircle.core.assess.circles import CIRCLE_TYPES, GRADES

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

_CIRCLE_TYPES_EN = {
    "clustered": "Clustered",
    "street": "Street-block",
    "distributed": "Distributed",
    "undetermined": "Undetermined",
}
_GRADES_EN = {
    "below_basic": "Below basic",
    "basic": "Basic",
    "enhanced": "Enhanced",
    "premium": "Premium",
}
_GROUPS = {
    "basic": ("基本保障类", "Basic"),
    "quality": ("品质提升类", "Quality"),
    "facility": ("设施", "Facility"),
}


def tr(pair: tuple[str, str], lang: str) -> str:
    """The Chinese or the English of a ``(zh, en)`` pair."""
    return pair[0] if lang == "zh" else pair[1]


def grade_label(code: str | None, lang: str) -> str | None:
    """The name of a grade code (:data:`lifecircle.core.assess.circles.GRADES`) in ``lang``."""
    if code is None:
        return None
    return GRADES.get(code, code) if lang == "zh" else _GRADES_EN.get(code, code)


def circle_type_label(code: str | None, lang: str) -> str | None:
    """The name of a circle type code (:data:`lifecircle.core.assess.circles.CIRCLE_TYPES`)."""
    if code is None:
        return None
    return CIRCLE_TYPES.get(code, code) if lang == "zh" else _CIRCLE_TYPES_EN.get(code, code)


def group_label(group: str | None, lang: str) -> str | None:
    """The name of a category group (basic, quality, facility) in ``lang``."""
    return tr(_GROUPS[group], lang) if group in _GROUPS else group


def category_names(categories: Sequence[Mapping[str, Any]], lang: str) -> dict[str, str]:
    """Category code to its name in ``lang``, in the document's (taxonomy) order."""
    key = "name_zh" if lang == "zh" else "name_en"
    return {c["code"]: c.get(key) or c["code"] for c in categories}


def joined_names(codes: Iterable[str] | None, names: Mapping[str, str], lang: str) -> str | None:
    """The codes' names joined in the language's way (、 or a comma), ``None`` for none."""
    if not codes:
        return None
    return ("、" if lang == "zh" else ", ").join(names.get(c, c) for c in codes)
