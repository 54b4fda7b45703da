"""Coupon arithmetic: the discount of a spend under a coupon's rule, and code check digits.

Pure integer arithmetic in fen (1 yuan = 100 fen): no floats anywhere, so a discount
is the same on every machine and database.
"""

from __future__ import annotations

from dataclasses import dataclass

from lifecircle.errors import ValidationError

KINDS = ("fixed", "percent", "threshold")
"""``fixed``: an amount off; ``percent``: a percentage off (optionally capped);
``threshold``: an amount off a spend of at least the minimum (满50减10)."""


@dataclass(frozen=True)
class Rule:
    """A coupon's rule, money in fen.

    Attributes
    ----------
    kind
        One of :data:`KINDS`.
    amount_off_fen
        The amount off (``fixed`` and ``threshold``).
    percent_off
        Percent off, 1 to 99 (``percent``).
    max_discount_fen
        The largest discount of a ``percent`` coupon (``None``: no cap).
    min_spend_fen
        The least spend the coupon applies to (the threshold of ``threshold``).

    """

    kind: str
    amount_off_fen: int | None = None
    percent_off: int | None = None
    max_discount_fen: int | None = None
    min_spend_fen: int = 0


def rule_problems(rule: Rule) -> list[tuple[str, str]]:
    """Every problem of a rule as ``(field, problem)``; empty when it is valid."""
    found: list[tuple[str, str]] = []
    if rule.kind not in KINDS:
        return [("kind", f"kind {rule.kind!r} is not one of {', '.join(KINDS)}")]
    if rule.min_spend_fen < 0:
        found.append(("min_spend_fen", "must be 0 or more fen"))
    if rule.kind in ("fixed", "threshold"):
        if rule.amount_off_fen is None or rule.amount_off_fen < 1:
            found.append(("amount_off_fen", f"a {rule.kind} coupon needs an amount off of 1 fen+"))
        if rule.percent_off is not None or rule.max_discount_fen is not None:
            found.append(("percent_off", f"a {rule.kind} coupon has no percent or cap"))
    if rule.kind == "threshold":
        amount = rule.amount_off_fen or 0
        if rule.min_spend_fen < 1 or rule.min_spend_fen < amount:
            found.append(
                ("min_spend_fen", "a threshold coupon needs a minimum spend of at least the amount")
            )
    if rule.kind == "percent":
        if rule.percent_off is None or not 1 <= rule.percent_off <= 99:
            found.append(("percent_off", "a percent coupon needs percent_off from 1 to 99"))
        if rule.amount_off_fen is not None:
            found.append(("amount_off_fen", "a percent coupon has no amount off (cap it instead)"))
        if rule.max_discount_fen is not None and rule.max_discount_fen < 1:
            found.append(("max_discount_fen", "the cap must be 1 fen or more"))
    return found


def discount_fen(rule: Rule, spent_fen: int) -> int:
    """The discount, fen, of a spend of ``spent_fen`` under ``rule``.

    A ``percent`` discount is rounded down to the fen (the shop never gives more than
    the percentage), then capped; a ``fixed`` discount never exceeds the spend.

    Raises
    ------
    ValidationError
        ``spent_fen`` (field) if the spend is negative or below the minimum spend.

    Examples
    --------
    >>> discount_fen(Rule("threshold", amount_off_fen=1000, min_spend_fen=5000), 5600)
    1000
    >>> discount_fen(Rule("percent", percent_off=15, max_discount_fen=500), 1999)
    299
    >>> discount_fen(Rule("percent", percent_off=15, max_discount_fen=500), 9999)
    500

    """
    if spent_fen < 0:
        raise ValidationError("the amount spent cannot be negative", field="spent_fen")
    if spent_fen < rule.min_spend_fen:
        raise ValidationError(
            f"the amount spent ({spent_fen} fen) is below the coupon's minimum spend "
            f"({rule.min_spend_fen} fen)",
            field="spent_fen",
        )
    if rule.kind == "percent":
        off = spent_fen * (rule.percent_off or 0) // 100
        if rule.max_discount_fen is not None:
            off = min(off, rule.max_discount_fen)
        return off
    return min(rule.amount_off_fen or 0, spent_fen)


def luhn_digit(digits: str) -> str:
    """The Luhn check digit of a string of digits (catches one wrong or two swapped).

    Examples
    --------
    >>> luhn_digit("7992739871")
    '3'

    """
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_valid(code: str) -> bool:
    """Whether a string of digits ends in its Luhn check digit."""
    return len(code) >= 2 and code.isdigit() and luhn_digit(code[:-1]) == code[-1]
