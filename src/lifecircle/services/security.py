"""Secrets: argon2 password hashes, opaque bearer tokens, keyed pseudonyms, user names.

argon2-cffi (the ``api`` extra) is imported on first use, so the analysis commands never
need it; without it, account operations raise :class:`OptionalDependencyError`.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
import unicodedata
from typing import TYPE_CHECKING, Any

from lifecircle.errors import OptionalDependencyError, ValidationError

if TYPE_CHECKING:
    from pydantic import SecretStr

TOKEN_PREFIX = "lct_"  # noqa: S105 - a prefix, no secret
"""Bearer tokens start with this, so a leaked one is easy to recognise (secret scanners)."""

TOKEN_BYTES = 32
"""Random bytes in a token: 256 bits, so a plain SHA-256 of it is a safe stored digest."""

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{2,31}$"
"""User names: 3-32 characters, lower-case ASCII letters, digits, ``.``, ``_`` and ``-``."""

_USERNAME = re.compile(USERNAME_PATTERN)

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128
"""Password bounds, characters; any character is allowed (NIST SP 800-63B)."""

RESERVED_PREFIX = "demo-"
"""Names of the sample accounts ``serve --demo`` makes; nobody else may take one."""


@functools.cache
def _hasher() -> Any:
    try:
        from argon2 import PasswordHasher  # noqa: PLC0415 - optional extra
    except ImportError:
        raise OptionalDependencyError("argon2-cffi", "api") from None
    # argon2id with the library's RFC 9106 low-memory profile (t=3, 64 MiB, p=4)
    return PasswordHasher()


def _utf8(text: str) -> bytes:
    # "surrogatepass": a lone surrogate (legal in JSON, not in UTF-8) must not crash a login
    return text.encode("utf-8", "surrogatepass")


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (salted; a PHC string with its parameters)."""
    return str(_hasher().hash(_utf8(password)))


def verify_password(password: str, password_hash: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (a malformed hash matches nothing)."""
    from argon2.exceptions import InvalidHashError, VerificationError  # noqa: PLC0415

    try:
        return bool(_hasher().verify(password_hash, _utf8(password)))
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether a stored hash was made with parameters other than today's."""
    return bool(_hasher().check_needs_rehash(password_hash))


@functools.cache
def _decoy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def verify_decoy(password: str) -> None:
    """Spend the time of a real verification, for a user name that does not exist.

    A login for an unknown name then takes as long as one with a wrong password, so
    timing does not tell which names have accounts.
    """
    verify_password(password, _decoy_hash())


def warm_up() -> None:
    """Load argon2 and make the decoy hash now, not during the first unknown-name login."""
    _decoy_hash()


def new_token() -> str:
    """A new opaque bearer token (``lct_`` and 43 URL-safe characters)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> str:
    """The SHA-256 hex digest under which a token is stored and looked up."""
    return hashlib.sha256(_utf8(token)).hexdigest()


def new_password() -> str:
    """A generated password: 20 URL-safe characters (120 random bits)."""
    return secrets.token_urlsafe(15)


def pseudonym(secret: SecretStr, kind: str, value: str) -> str:
    """A keyed, one-way stand-in for ``value`` (an HMAC-SHA-256 hex digest).

    Rate limits count attempts per user name and per client address under these, so
    neither is stored; without the secret key they cannot be recomputed from a guess.
    """
    key = secret.get_secret_value().encode()
    message = _utf8(f"{kind}\x00{value}")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def normal_username(text: str) -> str:
    """``text`` as stored: NFKC-normalised, trimmed and lower-cased (not validated)."""
    return unicodedata.normalize("NFKC", text).strip().lower()


def checked_username(text: str, *, allow_reserved: bool = False) -> str:
    """A valid user name from ``text``, normalised as :func:`normal_username`.

    Raises
    ------
    ValidationError
        If it does not match :data:`USERNAME_PATTERN`, or takes the reserved ``demo-``
        prefix without ``allow_reserved``.

    """
    name = normal_username(text)
    if not _USERNAME.match(name):
        raise ValidationError(
            "a user name is 3-32 characters: lower-case letters a-z, digits, '.', '_' or "
            "'-', starting with a letter or digit",
            field="username",
        )
    if name.startswith(RESERVED_PREFIX) and not allow_reserved:
        raise ValidationError(
            f"user names starting with {RESERVED_PREFIX!r} are kept for sample accounts",
            field="username",
        )
    return name


def checked_password(password: str, *, field: str = "password") -> str:
    """``password`` if it has :data:`MIN_PASSWORD_LENGTH` to :data:`MAX_PASSWORD_LENGTH` characters.

    Raises
    ------
    ValidationError
        Naming ``field`` and the bound it breaks.

    """
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise ValidationError(
            f"a password has {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters",
            field=field,
        )
    return password
