"""OSM ``opening_hours`` values as weekly intervals: parsing, rendering and lookups.

Only the weekly part of the `OSM grammar
<https://wiki.openstreetmap.org/wiki/Key:opening_hours/specification>`_ is read, since a
weekly pattern is what a living-circle analysis can use:

* ``24/7``; weekdays ``Mo``..``Su`` in ranges and lists (``Mo-Fr,Su``, ``Sa-Mo`` wraps);
* time ranges and lists (``08:00-12:00,13:00-18:00``, ``8:00`` allowed); an end at or
  before the start, or past ``24:00`` (``22:00-26:00``), spills into the next day;
* states ``off`` / ``closed`` / ``open``; a weekday selector without times is the whole day;
* rules separated by ``;`` (a later rule replaces the days it names) and additional rules
  after ``,`` (``Mo-Fr 08:00-12:00, Sa 10:00-14:00``, adding to the rule before);
* ``PH`` and ``SH`` (public and school holidays) are ignored with a note: ``PH off``
  changes nothing on an ordinary week.

Anything else (months, week numbers, years, sunrise, open ends ``10:00+``, comments,
``||`` fallbacks, free text such as ``周一至周日``) has no single weekly answer and gives
``None`` with the reason. Full-width punctuation (``０８：００－２２：００``) is read as its ASCII
form. Spilling follows the reference implementation (opening-hours-rs): a night's spill
into the next day survives only when no later rule claims that day.

Intervals are ``(day, start_minute, end_minute)`` with day 0 = Monday and
``0 <= start < end <= 1440``; a normalised set is sorted, and touching or overlapping
intervals of one day are merged.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

from lifecircle.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Iterable

Interval: TypeAlias = tuple[int, int, int]
"""(day 0-6 with 0 = Monday, start minute, end minute), minutes from midnight."""

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
"""OSM weekday abbreviations, Monday first (the index is the interval's day)."""

MINUTES_PER_DAY = 1440

_TOKEN = re.compile(
    r"\s*(?:"
    r"(?P<always>24/7)"
    r"|(?P<time>\d{1,2}:\d{2})"
    r"|(?P<word>[A-Za-z]+)"
    r"|(?P<punct>[-,:+])"
    r")"
)
_DATED = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|week|easter|sunrise|sunset|dawn|dusk)",
    re.IGNORECASE,
)
_STATES = {"off": False, "closed": False, "open": True}


@dataclass(frozen=True)
class ParsedHours:
    """The result of :func:`parse_opening_hours`.

    Attributes
    ----------
    intervals
        Normalised weekly intervals (empty: closed all week), or ``None`` when the value
        is empty or could not be read as a weekly pattern.
    reason
        Why ``intervals`` is ``None`` (empty for an empty value).
    notes
        Parts that were read but ignored, such as ``PH off``.

    """

    intervals: tuple[Interval, ...] | None
    reason: str = ""
    notes: tuple[str, ...] = ()


class _Unsupported(Exception):  # noqa: N818  (internal control flow, never escapes)
    """A value outside the weekly grammar; the message is the reason."""


@dataclass
class _Day:
    group: int | None = None
    spans: list[tuple[int, int]] | None = None  # minutes, end may exceed 1440


def parse_opening_hours(text: str) -> ParsedHours:
    """Read an OSM ``opening_hours`` value as weekly intervals.

    Parameters
    ----------
    text
        The tag value, e.g. ``"Mo-Fr 08:00-12:00,13:00-18:00; Sa 09:00-12:00; PH off"``.

    Returns
    -------
    ParsedHours
        Intervals, or ``None`` and a reason when the value is outside the weekly grammar
        described in the module docstring (``None`` and no reason for an empty value).

    """
    value = unicodedata.normalize("NFKC", text).strip().replace("–", "-")
    if not value:
        return ParsedHours(None)
    notes: list[str] = []
    try:
        days = _evaluate(value, notes)
    except _Unsupported as exc:
        return ParsedHours(None, reason=str(exc))
    spans: list[Interval] = []
    for d, day in enumerate(days):
        before = days[d - 1]  # Monday's previous day is Sunday (index -1)
        if before.spans and day.group in {None, before.group}:
            spans.extend((d, 0, e - MINUTES_PER_DAY) for _, e in before.spans if e > 1440)
        spans.extend((d, s, min(e, MINUTES_PER_DAY)) for s, e in day.spans or ())
    return ParsedHours(normalize_intervals(spans), notes=tuple(dict.fromkeys(notes)))


def _tokens(rule: str) -> list[tuple[str, str]]:
    """(kind, text) tokens of one ``;``-separated rule."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(rule):
        if rule[pos:].isspace():
            break
        found = _TOKEN.match(rule, pos)
        if found is None or found.end() == pos:
            bad = rule[pos:].strip()[:12]
            if '"' in bad:
                raise _Unsupported("comments in quotes are not supported")
            if bad.startswith("||"):
                raise _Unsupported("fallback rules (||) are not supported")
            if re.match(r"\d{4}", bad):
                raise _Unsupported("years are not a weekly pattern")
            if bad.startswith("["):
                raise _Unsupported("nth-weekday selectors ([1]) are not a weekly pattern")
            raise _Unsupported(f"not in the opening_hours grammar from {bad!r}")
        kind = found.lastgroup or ""
        tokens.append((kind, found.group(kind)))
        pos = found.end()
    return tokens


def _evaluate(value: str, notes: list[str]) -> list[_Day]:
    """Apply the rules in order to seven day slots."""
    dated = _DATED.search(value)
    if dated:
        raise _Unsupported(f"{dated.group()!r}: hours that depend on the date are not weekly")
    days = [_Day() for _ in DAYS]
    for group, rule in enumerate(value.split(";")):
        tokens = _tokens(rule)
        if not tokens:
            continue  # a stray or trailing ';'
        for index, (selected, spans) in enumerate(_subrules(tokens, notes)):
            for d in selected:
                day = days[d]
                if index == 0 or day.spans is None or not spans:
                    day.spans = list(spans)
                else:
                    day.spans.extend(spans)
                day.group = group
    return days


def _subrules(
    tokens: list[tuple[str, str]], notes: list[str]
) -> list[tuple[list[int], list[tuple[int, int]]]]:
    """A rule and its additional rules as (days, spans); empty spans means closed."""
    subrules: list[tuple[list[int], list[tuple[int, int]]]] = []
    i = 0
    while i < len(tokens):
        days, holiday, i = _selector(tokens, i)
        spans: list[tuple[int, int]] | None = None
        while i < len(tokens) and tokens[i][0] == "time":
            span, i = _span(tokens, i)
            spans = [*(spans or []), span]
            more = i + 1 < len(tokens) and tokens[i + 1][0] == "time"
            if more and tokens[i] == ("punct", ","):
                i += 1
        state = True
        if i < len(tokens) and tokens[i][0] == "word":
            word = tokens[i][1].lower()
            if tokens[i][1].capitalize() in DAYS:
                raise _Unsupported(f"no ';' between the rules before {tokens[i][1]!r}")
            if word not in _STATES:
                raise _Unsupported(f"unknown word {tokens[i][1]!r}")
            state = _STATES[word]
            i += 1
        if holiday and days is None:
            notes.append(f"{holiday} rules ignored: holidays are not part of a weekly pattern")
        else:
            if holiday:
                notes.append(f"{holiday} in a day list ignored")
            whole = [(0, MINUTES_PER_DAY)]
            subrules.append((days or list(range(7)), (spans or whole) if state else []))
        if i < len(tokens):
            if tokens[i] != ("punct", ","):
                raise _Unsupported(f"unexpected {tokens[i][1]!r}")
            i += 1
    return subrules


def _selector(tokens: list[tuple[str, str]], i: int) -> tuple[list[int] | None, str, int]:
    """Weekdays of a selector (``None``: none given), the holiday named, next index."""
    if tokens[i][0] == "always":
        return list(range(7)), "", i + 1
    days: list[int] = []
    holiday = ""
    while i < len(tokens) and tokens[i][0] == "word":
        word = tokens[i][1]
        if word.upper() in {"PH", "SH"}:
            holiday = word.upper()
            i += 1
        elif word.capitalize() in DAYS:
            first = DAYS.index(word.capitalize())
            last = first
            i += 1
            if i + 1 < len(tokens) and tokens[i] == ("punct", "-") and tokens[i + 1][0] == "word":
                end = tokens[i + 1][1].capitalize()
                if end not in DAYS:
                    raise _Unsupported(f"{end!r} is not a weekday")
                last = DAYS.index(end)
                i += 2
            days.extend((first + k) % 7 for k in range((last - first) % 7 + 1))
        else:
            break
        if i < len(tokens) and tokens[i] == ("punct", ",") and _next_is_day(tokens, i + 1):
            i += 1
    if i < len(tokens) and tokens[i] == ("punct", ":") and (days or holiday):
        i += 1  # a common slip: "Mo-Fr: 08:00-18:00"
    if i < len(tokens) and tokens[i][0] == "time" and not (days or holiday):
        return None, holiday, i
    return (days or None), holiday, i


def _next_is_day(tokens: list[tuple[str, str]], i: int) -> bool:
    return (
        i < len(tokens)
        and tokens[i][0] == "word"
        and (tokens[i][1].capitalize() in DAYS or tokens[i][1].upper() in {"PH", "SH"})
    )


def _span(tokens: list[tuple[str, str]], i: int) -> tuple[tuple[int, int], int]:
    """One ``HH:MM-HH:MM`` range starting at token ``i``, and the next index."""
    start = _minutes(tokens[i][1], end=False)
    if i + 1 < len(tokens) and tokens[i + 1] == ("punct", "+"):
        raise _Unsupported("open ends (10:00+) have no closing time")
    if not (i + 2 < len(tokens) and tokens[i + 1] == ("punct", "-") and tokens[i + 2][0] == "time"):
        raise _Unsupported(f"{tokens[i][1]} is not followed by -HH:MM")
    end = _minutes(tokens[i + 2][1], end=True)
    if end <= start:
        end += MINUTES_PER_DAY
    if end - start > MINUTES_PER_DAY:
        raise _Unsupported(f"{tokens[i][1]}-{tokens[i + 2][1]} is longer than a day")
    if i + 3 < len(tokens) and tokens[i + 3] == ("punct", "+"):
        raise _Unsupported("open ends (10:00+) have no closing time")
    return (start, end), i + 3


def _minutes(text: str, *, end: bool) -> int:
    hours, minutes = (int(part) for part in text.split(":"))
    limit = 48 if end else 24
    if minutes > 59 or hours > limit or (hours == limit and minutes) or (not end and hours == 24):
        raise _Unsupported(f"{text} is not a valid time")
    return hours * 60 + minutes


def normalize_intervals(intervals: Iterable[tuple[int, int, int]]) -> tuple[Interval, ...]:
    """Sort intervals and merge those of one day that overlap or touch.

    Raises
    ------
    ValidationError
        When a day is outside 0-6 or an interval is not ``0 <= start < end <= 1440``.

    """
    per_day: dict[int, list[tuple[int, int]]] = {}
    for day, start, end in intervals:
        if not (0 <= day <= 6 and 0 <= start < end <= MINUTES_PER_DAY):
            raise ValidationError(f"bad interval {(day, start, end)}: need day 0-6, 0<=s<e<=1440")
        per_day.setdefault(day, []).append((start, end))
    merged: list[Interval] = []
    for day in sorted(per_day):
        spans = sorted(per_day[day])
        current_start, current_end = spans[0]
        for start, end in spans[1:]:
            if start <= current_end:
                current_end = max(current_end, end)
            else:
                merged.append((day, current_start, current_end))
                current_start, current_end = start, end
        merged.append((day, current_start, current_end))
    return tuple(merged)


def render_opening_hours(intervals: Iterable[tuple[int, int, int]]) -> str:
    """Write intervals in the OSM grammar; :func:`parse_opening_hours` reads them back.

    Days with the same times share a rule (``Mo-Fr 08:00-12:00,13:00-18:00``); an empty
    set is ``off`` and seven whole days ``24/7``.
    """
    norm = normalize_intervals(intervals)
    if not norm:
        return "off"
    if is_open_24h(norm):
        return "24/7"
    times: dict[int, str] = {}
    for day, start, end in norm:
        span = f"{_clock(start)}-{_clock(end)}"
        times[day] = f"{times[day]},{span}" if day in times else span
    rules: dict[str, list[int]] = {}
    for day in sorted(times):
        rules.setdefault(times[day], []).append(day)
    return "; ".join(f"{_day_list(days)} {spans}" for spans, days in rules.items())


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _day_list(days: list[int]) -> str:
    """``[0, 1, 2, 4]`` as ``Mo-We,Fr``."""
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(
        DAYS[r[0]] if len(r) == 1 else f"{DAYS[r[0]]}{'-' if len(r) > 2 else ','}{DAYS[r[-1]]}"
        for r in runs
    )


def is_open_24h(intervals: Iterable[tuple[int, int, int]]) -> bool:
    """Whether the intervals cover every minute of the week."""
    return normalize_intervals(intervals) == tuple((d, 0, MINUTES_PER_DAY) for d in range(7))


def open_at(intervals: Iterable[tuple[int, int, int]], day: int, minute: int) -> bool:
    """Whether a place is open on ``day`` (0 = Monday) at ``minute`` after midnight."""
    return any(d == day and start <= minute < end for d, start, end in intervals)


MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY


@dataclass(frozen=True)
class OpenState:
    """Whether a place is open at a moment of the week, and when that changes.

    Attributes
    ----------
    open_now
        Open at the moment asked about.
    opens_in_min
        Minutes until it next opens (``None`` when open now, or never open).
    closes_in_min
        Minutes until it closes (``None`` when closed now, or open all week).

    """

    open_now: bool
    opens_in_min: int | None
    closes_in_min: int | None


def week_spans(intervals: Iterable[tuple[int, int, int]]) -> tuple[tuple[int, int], ...]:
    """Intervals as ``(start, end)`` minutes of the week, merged across midnights.

    A span running from Sunday night into Monday morning ends past the week's 10,080
    minutes. What :func:`open_state` reads; worth keeping for a place asked about often.
    """
    spans: list[tuple[int, int]] = []
    for day, start, end in normalize_intervals(intervals):
        begin = day * MINUTES_PER_DAY + start
        if spans and spans[-1][1] == begin:
            spans[-1] = (spans[-1][0], day * MINUTES_PER_DAY + end)
        else:
            spans.append((begin, day * MINUTES_PER_DAY + end))
    if len(spans) > 1 and spans[0][0] == 0 and spans[-1][1] == MINUTES_PER_WEEK:
        # Sunday night runs into Monday morning: one span across the week's end
        first = spans.pop(0)
        spans[-1] = (spans[-1][0], MINUTES_PER_WEEK + first[1])
    return tuple(spans)


def open_state(
    intervals: Iterable[tuple[int, int, int]],
    day: int,
    minute: int,
    *,
    spans: tuple[tuple[int, int], ...] | None = None,
) -> OpenState:
    """Open or closed on ``day`` (0 = Monday) at ``minute`` after midnight, and until when.

    A night that spills past midnight (``Fr 22:00-02:00``, stored as Friday until 24:00
    and Saturday from 0:00) is one opening: at Friday 23:00 the place closes in 180
    minutes, and at Saturday 01:00 it is open, not "opening at 0:00".

    Parameters
    ----------
    intervals
        Weekly intervals ``(day, start_minute, end_minute)``.
    day, minute
        The moment, local time of the place: weekday 0-6 and minute 0-1439.
    spans
        :func:`week_spans` of ``intervals``, when already known (``intervals`` is then
        not read).

    Returns
    -------
    OpenState

    >>> s = open_state([(4, 22 * 60, 1440), (5, 0, 120)], 4, 23 * 60)
    >>> (s.open_now, s.closes_in_min)
    (True, 180)
    >>> open_state([(0, 480, 1080)], 6, 1200).opens_in_min  # Sunday 20:00 to Monday 08:00
    720

    """
    if not (0 <= day <= 6 and 0 <= minute < MINUTES_PER_DAY):
        raise ValidationError(f"moment day {day}, minute {minute}: need day 0-6, minute 0-1439")
    if spans is None:
        spans = week_spans(intervals)
    if spans == ((0, MINUTES_PER_WEEK),):
        return OpenState(open_now=True, opens_in_min=None, closes_in_min=None)
    now = day * MINUTES_PER_DAY + minute
    opens: int | None = None
    for start, end in spans:
        for shift in (0, MINUTES_PER_WEEK):  # a span across the week's end, seen a week later
            if start <= now + shift < end:
                return OpenState(open_now=True, opens_in_min=None, closes_in_min=end - now - shift)
        wait = (start - now) % MINUTES_PER_WEEK
        opens = wait if opens is None else min(opens, wait)
    return OpenState(open_now=False, opens_in_min=opens, closes_in_min=None)
