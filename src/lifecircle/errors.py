"""The small exception hierarchy every layer raises and one place translates."""

from __future__ import annotations


class LifecircleError(Exception):
    """Base class of every error lifecircle raises on purpose."""


class DataError(LifecircleError, ValueError):
    """Input data is missing, unreadable or malformed (names file, line and problem)."""


class ValidationError(LifecircleError, ValueError):
    """Parameters are out of their allowed range or inconsistent."""


class NotFoundError(LifecircleError, LookupError):
    """A referenced object (file, node, place, city) does not exist."""


class InfeasibleError(LifecircleError):
    """A problem has no solution under the given constraints."""


class OptionalDependencyError(LifecircleError, ImportError):
    """An optional extra is needed for this operation but is not installed."""

    def __init__(self, package: str, extra: str) -> None:
        super().__init__(
            f"this needs the optional package {package!r}: "
            f"install it with `pip install lifecircle[{extra}]`"
        )
