"""Keyword search over names and categories: Chinese, English and pinyin.

A keyword matches a place when, normalised (NFKC, case-folded, spaces removed), it is
part of the place's name or brand, or of one of its categories' code, Chinese or
English name; or, for a keyword of Latin letters and digits, part of the full pinyin
(``bianlidian``) or of the initials (``bld``) of the name or of a category's Chinese
name. So ``便利``, ``convenience``, ``bld`` and ``bianlidian`` all find a 便利店.

Pinyin comes from pypinyin, which reads words, not characters (银行 is *yin hang*).
A name's pinyin costs ~40 µs, so it is computed for a place the first time a pinyin
keyword meets it, and kept.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from lifecircle.errors import OptionalDependencyError, ValidationError

MAX_KEYWORD_LENGTH = 50
"""Longest keyword, characters."""

_LATIN = re.compile(r"[0-9a-z]+\Z")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """NFKC (full-width to ASCII), case-folded, without white space."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text).casefold())


def keyword(text: str | None) -> str | None:
    """A keyword ready to match, or ``None`` for an empty one.

    Raises
    ------
    ValidationError
        If it is longer than :data:`MAX_KEYWORD_LENGTH` characters.

    """
    if text is None:
        return None
    if len(text) > MAX_KEYWORD_LENGTH:
        raise ValidationError(f"q: a keyword is at most {MAX_KEYWORD_LENGTH} characters")
    found = normalise(text)
    return found or None


def is_latin(word: str) -> bool:
    """Whether a normalised keyword could be pinyin (Latin letters and digits only)."""
    return _LATIN.match(word) is not None


@lru_cache(maxsize=1)
def _lazy_pinyin() -> object:
    try:
        from pypinyin import lazy_pinyin  # noqa: PLC0415 - the api extra
    except ImportError:
        raise OptionalDependencyError("pypinyin", "api") from None
    return lazy_pinyin


def pinyin_keys(text: str) -> str:
    """Full pinyin and initials of the Chinese in ``text``, one per line (``""``: none).

    ``"7-Eleven便利店"`` gives ``7-elevenbianlidian`` and ``bld``: the full form keeps the
    other characters, the initials are those of the Chinese syllables only.
    """
    if not _CJK.search(text):
        return ""
    lazy_pinyin = _lazy_pinyin()
    parts: list[str] = lazy_pinyin(text)  # type: ignore[operator]
    initials = "".join(
        p[0] for p, ch in zip(parts, _syllable_flags(text, parts), strict=True) if ch
    )
    return f"{normalise(''.join(parts))}\n{initials.casefold()}"


def _syllable_flags(text: str, parts: list[str]) -> list[bool]:
    """Which of pypinyin's parts are Chinese syllables (it passes other runs through whole)."""
    flags = []
    pos = 0
    for part in parts:
        if pos < len(text) and _CJK.match(text[pos]):
            flags.append(True)
            pos += 1
        else:
            flags.append(False)
            pos += len(part)
    return flags
