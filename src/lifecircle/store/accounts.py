"""Accounts and their bearer tokens: add, find, list, change and delete users; issue and end tokens.

Passwords reach this module already hashed and tokens as their SHA-256 digest: the store
never sees a secret in clear.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from lifecircle.errors import ConflictError, NotFoundError
from lifecircle.store.models import AccessToken, Role, User

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.orm import Session


def add_user(
    session: Session,
    *,
    username: str,
    password_hash: str,
    role: Role,
    city_id: int | None = None,
    area_code: str | None = None,
    display_name: str | None = None,
) -> User:
    """Add an account.

    Parameters
    ----------
    session
        Open session; the user is flushed so its ``id`` is set.
    username
        Unique name, already normalised by the caller.
    password_hash
        The argon2 hash of the password.
    role
        What the account may do.
    city_id, area_code
        The city (and area code within it) the account acts for, if any.
    display_name
        A name to show, if the user gave one.

    Returns
    -------
    User

    Raises
    ------
    ConflictError
        If the name is taken (checked, and enforced by the unique index against races).

    """
    taken = ConflictError(f"the user name {username!r} is not available", field="username")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise taken
    user = User(
        username=username,
        password_hash=password_hash,
        role=role,
        city_id=city_id,
        area_code=area_code,
        display_name=display_name,
    )
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError:  # another transaction took the name in between
        raise taken from None
    return user


def get_user(session: Session, *, user_id: int) -> User:
    """The user with id ``user_id``.

    Raises
    ------
    NotFoundError
        If there is none.

    """
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"no user with id {user_id}", field="user_id")
    return user


def find_user(session: Session, *, username: str) -> User | None:
    """The user called ``username`` (already normalised), or ``None``."""
    return session.scalar(select(User).where(User.username == username))


def list_users(
    session: Session,
    *,
    role: Role | None = None,
    city_id: int | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[User]:
    """Users by name, optionally of one role and one city, one page at a time."""
    query = select(User).order_by(User.username).offset(offset).limit(limit)
    if role is not None:
        query = query.where(User.role == role)
    if city_id is not None:
        query = query.where(User.city_id == city_id)
    return list(session.scalars(query))


def count_users(session: Session, *, role: Role | None = None) -> int:
    """Number of users, optionally of one role only."""
    query = select(func.count()).select_from(User)
    if role is not None:
        query = query.where(User.role == role)
    return int(session.scalar(query) or 0)


def delete_user(session: Session, *, user_id: int) -> None:
    """Delete an account; its tokens and shop ownerships go with it (``ON DELETE CASCADE``).

    Raises
    ------
    NotFoundError
        If there is no such user.

    """
    get_user(session, user_id=user_id)
    session.execute(delete(User).where(User.id == user_id))


def add_token(session: Session, *, user_id: int, token_hash: str, expires_at: datetime) -> None:
    """Store a new token's digest for ``user_id``, valid until ``expires_at``."""
    session.add(AccessToken(user_id=user_id, token_hash=token_hash, expires_at=expires_at))
    session.flush()


def user_by_token(session: Session, *, token_hash: str, now: datetime) -> User | None:
    """The user a token digest belongs to, or ``None`` if unknown, ended or expired by ``now``."""
    query = (
        select(User)
        .join(AccessToken, AccessToken.user_id == User.id)
        .where(AccessToken.token_hash == token_hash, AccessToken.expires_at > now)
    )
    return session.scalar(query)


def delete_token(session: Session, *, token_hash: str) -> bool:
    """End one token; whether there was such a token."""
    result = session.execute(delete(AccessToken).where(AccessToken.token_hash == token_hash))
    return bool(getattr(result, "rowcount", 0))


def delete_tokens(session: Session, *, user_id: int) -> int:
    """End every token of a user; how many there were."""
    result = session.execute(delete(AccessToken).where(AccessToken.user_id == user_id))
    return int(getattr(result, "rowcount", 0) or 0)


def delete_expired_tokens(session: Session, *, now: datetime) -> int:
    """Delete the tokens that expired before ``now``; how many."""
    result = session.execute(delete(AccessToken).where(AccessToken.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)
