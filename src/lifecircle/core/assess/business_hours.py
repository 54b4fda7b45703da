"""Amap (高德) business hours (营业时间) as weekly intervals, by way of the OSM grammar.

Amap exports write business hours as free Chinese text. The forms read here, each
rewritten into an OSM ``opening_hours`` value and parsed by
:func:`lifecircle.core.assess.opening_hours.parse_opening_hours`:

* ``07:00-22:00`` (every day), ``7:00~22:00``, ``07:00至22:00``, full-width
  ``０７：００－２２：００``;
* ``24小时营业``, ``24小时``, ``全天``, ``全天营业``, ``00:00-24:00``: open all week;
* day ranges and lists before the times: ``周一至周五 08:00-20:00``, ``周一到周五``,
  ``周一-周五``, ``星期一至星期五``, ``周六、周日``, ``周末`` (Sat-Sun), ``工作日``
  (Mon-Fri), ``每天`` / ``每日`` (every day);
* several ranges: ``10:00-14:00,17:00-21:00`` (also ``、``, ``/`` or a space between);
* several rules: ``周一至周五 08:00-20:00；周六至周日 09:00-18:00`` (``;``, ``；``, or a
  new line), a later rule replacing the days it names;
* overnight ranges: ``18:00-02:00``, ``18:00-次日02:00`` spill into the next day;
* ``休息`` / ``不营业`` after days: closed on them (``周日休息``).

Anything else (``节假日`` rules, dates, notes) gives ``None`` with the reason, as for OSM.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

from lifecircle.core.assess.opening_hours import DAYS, ParsedHours, parse_opening_hours

_DAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_ALL_DAY = re.compile(r"^(24小时(营业)?|全天(营业)?|24h|00:00-24:00|0:00-24:00)$", re.IGNORECASE)
_TIME = r"\d{1,2}:\d{2}"
_RANGE = re.compile(rf"({_TIME})\s*(?:-|~|至|到)\s*(?:次日|翌日)?\s*({_TIME})")
_DAYNAME = r"(?:周|星期|礼拜)([一二三四五六日天七])"
_DAYSPAN = re.compile(rf"{_DAYNAME}\s*(?:至|到|-|~)\s*{_DAYNAME}")
_DAYONE = re.compile(_DAYNAME)
_WORDS = {"周末": [5, 6], "工作日": [0, 1, 2, 3, 4], "每天": list(range(7)), "每日": list(range(7))}


def _days(text: str) -> list[int] | None:
    """The weekdays named in a rule's day part (``None``: no day part)."""
    text = text.strip(" ,、:")
    if not text:
        return None
    days: list[int] = []
    rest = text
    for word, named in _WORDS.items():
        if word in rest:
            days += named
            rest = rest.replace(word, "")
    for a, b in _DAYSPAN.findall(rest):
        first, last = _DAY[a], _DAY[b]
        days += [(first + k) % 7 for k in range((last - first) % 7 + 1)]
    rest = _DAYSPAN.sub("", rest)
    days += [_DAY[d] for d in _DAYONE.findall(rest)]
    rest = _DAYONE.sub("", rest)
    if rest.strip(" ,、:") or not days:
        raise ValueError(f"{text!r} is not a list of weekdays")
    return list(dict.fromkeys(days))


def _day_list(days: list[int]) -> str:
    return ",".join(DAYS[d] for d in days)


def osm_from_amap(text: str) -> str:
    """Rewrite an Amap business-hours text in the OSM ``opening_hours`` grammar.

    >>> osm_from_amap("周一至周五 08:00-20:00；周六、周日 09:00-18:00")
    'Mo,Tu,We,Th,Fr 08:00-20:00; Sa,Su 09:00-18:00'
    >>> osm_from_amap("24小时营业")
    '24/7'

    Raises
    ------
    ValueError
        Naming the part that is not one of the forms of the module docstring.

    """
    value = unicodedata.normalize("NFKC", text).strip().replace("–", "-").replace("—", "-")
    rules: list[str] = []
    for raw in re.split(r"[;；\n]+", value):
        rule = raw.strip()
        if not rule:
            continue
        if _ALL_DAY.match(rule.replace(" ", "")):
            rules.append("24/7")
            continue
        found = list(_RANGE.finditer(rule))
        head = rule[: found[0].start()] if found else rule
        closed = any(w in head for w in ("休息", "不营业", "闭店", "店休"))
        for w in ("休息", "不营业", "闭店", "店休", "营业时间", "营业"):
            head = head.replace(w, "")
        all_day = "24小时" in head or "全天" in head
        head = head.replace("24小时", "").replace("全天", "")
        days = _days(head)
        tail = rule[found[-1].end() :] if found else ""
        between = [rule[a.end() : b.start()] for a, b in itertools.pairwise(found)]
        if tail.strip(" ,、/") or any(s.strip(" ,、/") for s in between):
            raise ValueError(f"{rule!r}: text between or after the times")
        prefix = "" if days is None else _day_list(days) + " "
        if closed and not found:
            if days is None:
                raise ValueError(f"{rule!r}: closed on which days?")
            rules.append(prefix + "off")
        elif found:
            spans = ",".join(f"{m.group(1)}-{m.group(2)}" for m in found)
            rules.append(prefix + spans)
        elif all_day and days is not None:
            rules.append(prefix + "00:00-24:00")
        else:
            raise ValueError(f"{rule!r} gives no times")
    if not rules:
        raise ValueError("empty")
    return "; ".join(rules)


def parse_business_hours(text: str) -> ParsedHours:
    """Weekly intervals of an Amap 营业时间 text, or of an OSM ``opening_hours`` value.

    OSM values are read as they are; anything else is rewritten with
    :func:`osm_from_amap` first. ``None`` intervals carry the reason, as
    :func:`~lifecircle.core.assess.opening_hours.parse_opening_hours` gives them.
    """
    direct = parse_opening_hours(text)
    if direct.intervals is not None or not text.strip():
        return direct
    try:
        rewritten = osm_from_amap(text)
    except ValueError as exc:
        return ParsedHours(None, reason=f"not a business-hours form: {exc}")
    return parse_opening_hours(rewritten)
