"""Money as integer fen (分): exact yuan text both ways, and exact percentages.

Prices are never floats: a yuan amount like ``"3.50"`` is read digit by digit into
350 fen, and shown again as ``"3.50"``. Percentages (a price's rise, a share of shops)
are computed on integers and rounded half away from zero to two decimals, so
``0.10 + 0.20`` yuan is exactly ``30`` fen and a rise from 300 to 333 fen is
``"11.00"`` percent.
"""

from __future__ import annotations

import re

from lifecircle.errors import ValidationError

FEN_PER_YUAN = 100
"""Fen in one yuan."""

MAX_PRICE_FEN = 99_999_999
"""The largest price accepted: 999,999.99 yuan (a shop's item, not a flat)."""

_YUAN = re.compile(r"^(?P<yuan>[0-9]{1,9})(?:\.(?P<fen>[0-9]{1,2}))?$")


def fen_from_yuan(text: str, *, field: str = "price_yuan") -> int:
    """The fen of a yuan amount written as text, exactly.

    Parameters
    ----------
    text
        Digits with at most two decimals: ``"3"``, ``"3.5"``, ``"3.50"``, ``"0.05"``.
        Surrounding spaces are allowed; signs, thousands separators, exponents and a
        third decimal are not (a third decimal is a fraction of a fen: no price has it).
    field
        The field named in the error.

    Returns
    -------
    int
        The amount in fen.

    Raises
    ------
    ValidationError
        If ``text`` is not such an amount.

    Examples
    --------
    >>> fen_from_yuan("3.5"), fen_from_yuan("0.10") + fen_from_yuan("0.20")
    (350, 30)

    """
    found = _YUAN.match(text.strip())
    if found is None:
        raise ValidationError(
            f"{text!r} is not an amount in yuan: digits with at most two decimals, "
            "like 3.50 (no sign, no separators)",
            field=field,
        )
    fen = (found["fen"] or "").ljust(2, "0")
    return int(found["yuan"]) * FEN_PER_YUAN + int(fen)


def yuan_from_fen(fen: int) -> str:
    """An amount in fen as yuan text with two decimals.

    Examples
    --------
    >>> yuan_from_fen(350), yuan_from_fen(5), yuan_from_fen(-120)
    ('3.50', '0.05', '-1.20')

    """
    sign = "-" if fen < 0 else ""
    yuan, rest = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{yuan}.{rest:02d}"


def ratio_hundredths(numerator: int, denominator: int) -> int:
    """``100 * numerator / denominator`` in hundredths, rounded half away from zero.

    That is the percentage to two decimals, as an integer (``1250`` is 12.50 %).

    Raises
    ------
    ValueError
        If ``denominator`` is not positive.

    Examples
    --------
    >>> ratio_hundredths(1, 3), ratio_hundredths(2, 3), ratio_hundredths(-1, 8)
    (3333, 6667, -1250)

    """
    if denominator <= 0:
        raise ValueError("the denominator of a percentage must be positive")
    scaled = abs(numerator) * 10_000
    rounded = (2 * scaled + denominator) // (2 * denominator)
    return -rounded if numerator < 0 else rounded


def percent_text(hundredths: int) -> str:
    """Hundredths of a percent as text with two decimals (``1250`` → ``"12.50"``)."""
    return yuan_from_fen(hundredths)  # the same two-decimal layout


def rise_hundredths(old_fen: int, new_fen: int) -> int:
    """The rise from ``old_fen`` to ``new_fen`` in hundredths of a percent (rounded).

    Examples
    --------
    >>> rise_hundredths(300, 333), rise_hundredths(300, 250)
    (1100, -1667)

    """
    return ratio_hundredths(new_fen - old_fen, old_fen)


def rose_more_than(old_fen: int, new_fen: int, *, percent: int) -> bool:
    """Whether ``new_fen`` exceeds ``old_fen`` by more than ``percent`` %, exactly.

    Compared on integers (``100 * new > (100 + percent) * old``), never on a rounded
    rise: a rise of 10.004 % is more than 10 % even though it shows as ``"10.00"``.

    Examples
    --------
    >>> rose_more_than(1000, 1100, percent=10), rose_more_than(1000, 1101, percent=10)
    (False, True)

    """
    return 100 * new_fen > (100 + percent) * old_fen
