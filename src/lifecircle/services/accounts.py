"""Accounts: register, create, log in and out, change password and profile, delete.

Every function takes the engine (and, where secrets or limits are involved, the
settings) as keyword arguments, opens its own transactions and returns a frozen
:class:`Account` that outlives them, so the HTTP API and the CLI share the same code.

No user enumeration: a login with an unknown name, a wrong password or a name that is
not even valid fails with the same :class:`AuthenticationError` message after the same
argon2 work, and the per-account limit counts unknown names too. Registration must say
when a name is taken (the user has to choose another); it is limited per client
address, so it cannot be used to list names quickly (docs/api.md).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from lifecircle.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from lifecircle.services import security
from lifecircle.services.limits import Limit, begin_attempt, forget_attempt, forget_key
from lifecircle.store import accounts as store
from lifecircle.store.areas import city_area
from lifecircle.store.cities import get_city
from lifecircle.store.db import session_scope
from lifecircle.store.models import CODE_LENGTH, Role, User, utc_now

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from lifecircle.config import Settings

SELF_SERVICE_ROLES = (Role.RESIDENT, Role.MERCHANT)
"""Roles anyone may register for; officials and admins are made by an admin or the CLI."""

LOGIN_FAILED = "wrong user name or password"
"""The one message of every failed login, whatever the reason."""

UNSET: object = object()
"""Marks a profile field the caller leaves as it is (``None`` clears it)."""

MAX_DISPLAY_NAME = 100


@dataclass(frozen=True)
class Account:
    """An account as the API and the CLI show it (never its password hash)."""

    id: int
    username: str
    role: Role
    city: str | None
    area_code: str | None
    display_name: str | None
    created_at: datetime

    @classmethod
    def from_user(cls, user: User) -> Account:
        """Copy a stored user (so it outlives its session)."""
        return cls(
            id=user.id,
            username=user.username,
            role=user.role,
            city=None if user.city is None else user.city.name,
            area_code=user.area_code,
            display_name=user.display_name,
            created_at=user.created_at,
        )


@dataclass(frozen=True)
class IssuedToken:
    """A new bearer token (shown once; only its digest is stored) and its account."""

    token: str
    expires_at: datetime
    account: Account


def _city_id(session: Session, city: str | None) -> int | None:
    if city is None:
        return None
    try:
        return get_city(session, name=city).id
    except NotFoundError as exc:
        raise NotFoundError(str(exc), field="city") from None


def plain_text(text: str) -> bool:
    """Whether ``text`` has no control character (C0, DEL, C1) and no lone surrogate."""
    return not any(unicodedata.category(ch) in {"Cc", "Cs"} for ch in text)


def _display_name(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    clean = text.strip()
    if len(clean) > MAX_DISPLAY_NAME or not plain_text(clean):
        raise ValidationError(
            f"a display name has at most {MAX_DISPLAY_NAME} characters, none of them a "
            "control character",
            field="display_name",
        )
    return clean


def _scope(
    session: Session, *, role: Role, city: str | None, area: str | None
) -> tuple[int | None, str | None]:
    """``(city_id, area_code)`` of a new account, checked against its role."""
    if role == Role.OFFICIAL and city is None:
        raise ValidationError("an official acts for one city: name it", field="city")
    if area is not None and role != Role.OFFICIAL:
        raise ValidationError("only an official's account has an area", field="area")
    city_id = _city_id(session, city)
    if area is None:
        return city_id, None
    code = area.strip()
    if not code or len(code) > CODE_LENGTH or not plain_text(code):
        raise ValidationError(f"area code {area!r} is not a unit code", field="area")
    assert city_id is not None  # an official has a city, checked above
    if not city_area(session, city_id=city_id, code=code).known:
        raise NotFoundError(
            f"city {city!r} has no district, 街道 or community with code {code!r} "
            "(import its communities first)",
            field="area",
        )
    return city_id, code


def create_account(
    *,
    engine: Engine,
    username: str,
    password: str,
    role: Role | str,
    city: str | None = None,
    area: str | None = None,
    display_name: str | None = None,
    allow_reserved: bool = False,
) -> Account:
    """Create an account of any role (for an admin, the CLI and the demo).

    Parameters
    ----------
    engine
        Database (migrated).
    username
        3-32 characters ``[a-z0-9._-]`` (normalised to lower case).
    password
        8-128 characters; stored only as its argon2 hash.
    role
        ``resident``, ``merchant``, ``official`` or ``admin``.
    city
        The city an official acts for (required for officials; optional home city for
        the other roles).
    area
        An official's district or 街道 code within the city (a code of its stored
        communities, or a prefix of their administrative codes).
    display_name
        Optional name to show.
    allow_reserved
        Allow the ``demo-`` prefix (for the sample accounts only).

    Returns
    -------
    Account

    Raises
    ------
    ValidationError
        A malformed name, password or display name, an official without a city, or an
        area for another role.
    NotFoundError
        If the city or the area does not exist.
    ConflictError
        If the user name is taken.

    """
    name = security.checked_username(username, allow_reserved=allow_reserved)
    security.checked_password(password)
    try:
        role = Role(role)
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise ValidationError(f"role {role!r} is not one of {roles}", field="role") from None
    shown = _display_name(display_name)
    with session_scope(engine) as session:
        city_id, code = _scope(session, role=role, city=city, area=area)
        if store.find_user(session, username=name) is not None:  # before the slow hash
            raise ConflictError(f"the user name {name!r} is not available", field="username")
        user = store.add_user(
            session,
            username=name,
            password_hash=security.hash_password(password),
            role=role,
            city_id=city_id,
            area_code=code,
            display_name=shown,
        )
        session.refresh(user)
        return Account.from_user(user)


def register(
    *,
    engine: Engine,
    settings: Settings,
    username: str,
    password: str,
    role: Role | str = Role.RESIDENT,
    city: str | None = None,
    display_name: str | None = None,
    client: str,
) -> Account:
    """Register a resident or merchant account (self-service).

    Limited to ``settings.registrations_per_address`` per client address and window.

    Raises
    ------
    PermissionDeniedError
        For the roles only an admin may give (official, admin).
    RateLimitedError
        If this address registered too often.
    ValidationError, NotFoundError, ConflictError
        As :func:`create_account`.

    """
    if Role(role) not in SELF_SERVICE_ROLES:
        raise PermissionDeniedError(
            "only resident and merchant accounts can be registered; an administrator "
            "creates officials",
            field="role",
        )
    key = security.pseudonym(settings.secret_key, "register-address", client)
    begin_attempt(
        engine=engine,
        limits=[Limit(key, settings.registrations_per_address)],
        window_s=settings.login_window_seconds,
        now=utc_now(),
    )
    return create_account(
        engine=engine,
        username=username,
        password=password,
        role=role,
        city=city,
        display_name=display_name,
    )


def _account_key(settings: Settings, username: str) -> str:
    return security.pseudonym(settings.secret_key, "login-account", username)


def issue_token(*, engine: Engine, settings: Settings, user_id: int) -> IssuedToken:
    """A new bearer token for ``user_id``, valid ``settings.token_lifetime_minutes``.

    Expired tokens of every user are deleted on the way, so the table stays small.
    """
    token = security.new_token()
    now = utc_now()
    expires_at = now + timedelta(minutes=settings.token_lifetime_minutes)
    with session_scope(engine) as session:
        store.delete_expired_tokens(session, now=now)
        user = store.get_user(session, user_id=user_id)
        store.add_token(
            session,
            user_id=user.id,
            token_hash=security.token_digest(token),
            expires_at=expires_at,
        )
        return IssuedToken(token, expires_at, Account.from_user(user))


def _login_attempt(
    engine: Engine, settings: Settings, name: str, client: str
) -> tuple[str, list[int]]:
    """Count a login attempt against the account's and the address's limits.

    Returns the account's limit key (reset on success) and the attempt's rows.

    Raises
    ------
    RateLimitedError
        If either failed too often within the window.

    """
    account_key = _account_key(settings, name)
    attempt = begin_attempt(
        engine=engine,
        limits=[
            Limit(account_key, settings.login_max_failures_per_account),
            Limit(
                security.pseudonym(settings.secret_key, "login-address", client),
                settings.login_max_failures_per_address,
            ),
        ],
        window_s=settings.login_window_seconds,
        now=utc_now(),
    )
    return account_key, attempt


def login(
    *, engine: Engine, settings: Settings, username: str, password: str, client: str
) -> IssuedToken:
    """Check a user name and password and issue a bearer token.

    Parameters
    ----------
    engine, settings
        Database, and the token lifetime, limits and secret key.
    username, password
        As typed (the name is normalised).
    client
        The client's address, for the per-address limit.

    Returns
    -------
    IssuedToken

    Raises
    ------
    RateLimitedError
        If the name or the address failed too often within the window (before any
        password is checked).
    AuthenticationError
        With :data:`LOGIN_FAILED`, whatever was wrong.

    """
    name = security.normal_username(username)
    account_key, attempt = _login_attempt(engine, settings, name, client)
    with session_scope(engine) as session:
        user = store.find_user(session, username=name)
        user_id, stored = (None, "") if user is None else (user.id, user.password_hash)
    if user_id is None:
        security.verify_decoy(password)
        raise AuthenticationError(LOGIN_FAILED)
    if not security.verify_password(password, stored):
        raise AuthenticationError(LOGIN_FAILED)
    if security.needs_rehash(stored):
        with session_scope(engine) as session:
            store.get_user(session, user_id=user_id).password_hash = security.hash_password(
                password
            )
    forget_attempt(engine=engine, ids=attempt, reset_key=account_key)
    return issue_token(engine=engine, settings=settings, user_id=user_id)


def account_for_token(*, engine: Engine, token: str) -> Account:
    """The account a bearer token belongs to.

    Raises
    ------
    AuthenticationError
        If the token is unknown, ended (logout, password change) or expired.

    """
    with session_scope(engine) as session:
        user = store.user_by_token(session, token_hash=security.token_digest(token), now=utc_now())
        if user is None:
            raise AuthenticationError("the token is not valid (expired or ended): log in again")
        return Account.from_user(user)


def logout(*, engine: Engine, token: str) -> None:
    """End one token (the other sessions of the account go on)."""
    with session_scope(engine) as session:
        store.delete_token(session, token_hash=security.token_digest(token))


def change_password(
    *, engine: Engine, settings: Settings, user_id: int, current: str, new: str, client: str
) -> None:
    """Change a password after checking the current one; every token of the account ends.

    Wrong current passwords count against the same limits as failed logins.

    Raises
    ------
    RateLimitedError
        As :func:`login`.
    ValidationError
        If the current password is wrong (field ``current_password``) or the new one is
        out of bounds (field ``new_password``).

    """
    security.checked_password(new, field="new_password")
    with session_scope(engine) as session:
        name = store.get_user(session, user_id=user_id).username
    account_key, attempt = _login_attempt(engine, settings, name, client)
    with session_scope(engine) as session:
        user = store.get_user(session, user_id=user_id)
        if not security.verify_password(current, user.password_hash):
            raise ValidationError("the current password is wrong", field="current_password")
        user.password_hash = security.hash_password(new)
        user.password_changed_at = utc_now()
        store.delete_tokens(session, user_id=user_id)
    forget_attempt(engine=engine, ids=attempt, reset_key=account_key)


def update_profile(
    *,
    engine: Engine,
    user_id: int,
    display_name: object | str | None = UNSET,
    city: object | str | None = UNSET,
) -> Account:
    """Change what an account may change itself: its display name and home city.

    An official's city is their scope: only an administrator changes it (by making a
    new account), so it cannot be changed here.

    Raises
    ------
    PermissionDeniedError
        If an official tries to change their city.
    NotFoundError
        If the city does not exist.

    """
    with session_scope(engine) as session:
        user = store.get_user(session, user_id=user_id)
        if display_name is not UNSET:
            user.display_name = _display_name(display_name)  # type: ignore[arg-type]
        if city is not UNSET:
            if user.role == Role.OFFICIAL:
                raise PermissionDeniedError(
                    "an official's city is their scope: an administrator changes it",
                    field="city",
                )
            user.city_id = _city_id(session, city)  # type: ignore[arg-type]
        session.flush()
        session.refresh(user)
        return Account.from_user(user)


def get_account(*, engine: Engine, user_id: int) -> Account:
    """One account by id (raises :class:`NotFoundError`)."""
    with session_scope(engine) as session:
        return Account.from_user(store.get_user(session, user_id=user_id))


def find_account(*, engine: Engine, username: str) -> Account:
    """One account by user name.

    Raises
    ------
    NotFoundError
        If there is no such account.

    """
    name = security.normal_username(username)
    with session_scope(engine) as session:
        user = store.find_user(session, username=name)
        if user is None:
            raise NotFoundError(f"no user named {name!r}", field="username")
        return Account.from_user(user)


def list_accounts(
    *,
    engine: Engine,
    role: Role | str | None = None,
    city: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Account]:
    """Accounts by user name, optionally of one role or city, one page at a time."""
    with session_scope(engine) as session:
        users = store.list_users(
            session,
            role=None if role is None else Role(role),
            city_id=_city_id(session, city),
            limit=limit,
            offset=offset,
        )
        return [Account.from_user(u) for u in users]


def delete_account(*, engine: Engine, settings: Settings, user_id: int) -> None:
    """Delete an account and the personal data that goes with it.

    The user row (name, display name, password hash), its tokens and its shop
    ownerships are deleted; so are the login attempts counted under its name.

    Raises
    ------
    NotFoundError
        If there is no such account.

    """
    with session_scope(engine) as session:
        name = store.get_user(session, user_id=user_id).username
        store.delete_user(session, user_id=user_id)
    forget_key(engine=engine, key=_account_key(settings, name))
