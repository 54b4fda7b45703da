"""The report's complaints section: complaints per 1,000 residents per community (诚信).

Its data: ``since``, ``until`` (dates), ``total`` and ``rows`` of ``code``, ``name``,
``population``, ``complaints``, ``upheld`` and ``per_1000`` (text, two decimals), as
:func:`lifecircle.services.integrity.report_complaints` makes them; ``None``: no section.

Kept apart from :mod:`lifecircle.report.i18n` and the main template so that the section
is one include (``templates/complaints.html.j2``) and its strings are here.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

STRINGS: MappingProxyType[str, MappingProxyType[str, str]] = MappingProxyType(
    {
        "zh": MappingProxyType(
            {
                "title": "消费投诉（诚信）",
                "intro": "{since} 至 {until} 居民对商户的投诉，按商户所在社区统计；"
                "每千人投诉数以本次评估的常住人口计。",
                "community": "社区",
                "code": "代码",
                "population": "人口",
                "complaints": "投诉",
                "upheld": "成立",
                "per_1000": "每千人投诉",
                "none": "本期无投诉记录。",
                "no_community": "不在任何社区边界内",
            }
        ),
        "en": MappingProxyType(
            {
                "title": "Consumer complaints (integrity)",
                "intro": "Residents' complaints about shops from {since} to {until}, by the "
                "shop's community; per 1,000 residents of this assessment's population.",
                "community": "Community",
                "code": "Code",
                "population": "Population",
                "complaints": "Complaints",
                "upheld": "Upheld",
                "per_1000": "Per 1,000 residents",
                "none": "No complaints recorded in the period.",
                "no_community": "In no community's boundary",
            }
        ),
    }
)
"""The section's strings per language."""


def strings(lang: str) -> MappingProxyType[str, str]:
    """The section's strings in ``lang`` (``zh`` or ``en``)."""
    return STRINGS[lang]


def section_rows(complaints: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The section's rows, those with complaints first (most per 1,000 first)."""
    if not complaints:
        return []
    rows = list(complaints.get("rows") or [])
    return sorted(rows, key=lambda r: (-(r.get("complaints") or 0), str(r.get("code") or "~")))


def section_context(complaints: dict[str, Any] | None, lang: str) -> dict[str, Any]:
    """What the report's template needs for the section: data, sorted rows, strings."""
    return {
        "complaints": complaints,
        "complaint_rows": section_rows(complaints),
        "ct": strings(lang),
    }
