"""Counted login and registration attempts: the shared state of the rate limits.

The rows live in the database so that every worker process (and every host) sees the
same counts. Keys are pseudonyms made by the caller (see :class:`AuthAttempt`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, select

from lifecircle.store.models import AuthAttempt

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from sqlalchemy.orm import Session


def add_attempts(session: Session, *, keys: Sequence[str], at: datetime) -> list[int]:
    """Count one attempt under each of ``keys`` at time ``at``; the new rows' ids."""
    if not keys:
        return []
    result = session.execute(
        insert(AuthAttempt).returning(AuthAttempt.id), [{"key": k, "at": at} for k in keys]
    )
    return [int(row_id) for row_id in result.scalars()]


def attempt_times(session: Session, *, key: str, since: datetime) -> list[datetime]:
    """When the attempts counted under ``key`` after ``since`` were made, oldest first."""
    query = (
        select(AuthAttempt.at)
        .where(AuthAttempt.key == key, AuthAttempt.at > since)
        .order_by(AuthAttempt.at)
    )
    return list(session.scalars(query))


def delete_attempts(session: Session, *, ids: Sequence[int]) -> None:
    """Forget the attempts with these ids (an attempt that was refused, or succeeded)."""
    if ids:
        session.execute(delete(AuthAttempt).where(AuthAttempt.id.in_(list(ids))))


def delete_key(session: Session, *, key: str) -> None:
    """Forget every attempt counted under ``key`` (an account that logged in)."""
    session.execute(delete(AuthAttempt).where(AuthAttempt.key == key))


def prune_attempts(session: Session, *, before: datetime) -> int:
    """Delete the attempts made before ``before`` (out of every window); how many."""
    result = session.execute(delete(AuthAttempt).where(AuthAttempt.at < before))
    return int(getattr(result, "rowcount", 0) or 0)
