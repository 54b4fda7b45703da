"""The small exception hierarchy every layer raises and one place translates."""

from __future__ import annotations


class LifecircleError(Exception):
    """Base class of every error lifecircle raises on purpose.

    ``field`` optionally names the input the error is about (``username``, ``area``), so
    the HTTP API can say which field of a request is wrong.
    """

    field: str | None = None

    def __init__(self, *args: object, field: str | None = None) -> None:
        super().__init__(*args)
        if field is not None:
            self.field = field


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


class FileAccessError(LifecircleError, OSError):
    """A file cannot be read or written: permission, disk full, a folder in the way...

    An :class:`OSError` too (``errno`` and ``filename`` are the cause's), so code that
    falls back on any OS error still does; the message names the file and the problem.
    """

    def __init__(self, action: str, path: object, cause: OSError) -> None:
        self.action = action
        self.reason = cause.strerror or str(cause)
        super().__init__(cause.errno, self.reason, str(path))

    def __str__(self) -> str:
        return f"cannot {self.action} {self.filename}: {self.reason}"


class ConflictError(LifecircleError):
    """The request clashes with what is stored: a name taken, a shop owned by another."""


class BusyError(ConflictError):
    """Another job is changing the object (a city) now: try again when it ends.

    The message names the object and what holds it (its kind, process, host and since
    when); the CLI exits with its own status for it, the API answers 409.
    """


class AuthenticationError(LifecircleError):
    """Credentials or a token are missing, wrong, expired or revoked (one message for all)."""


class PermissionDeniedError(LifecircleError):
    """The account is known but its role or scope does not allow this."""


class RateLimitedError(LifecircleError):
    """Too many attempts: try again after :attr:`retry_after_s` seconds."""

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
