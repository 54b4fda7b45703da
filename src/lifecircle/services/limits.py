"""Attempt limits over a sliding window, counted in the database (shared by all workers).

An attempt is first recorded and committed, then counted: two processes racing each see
the other's row, so a burst of parallel guesses cannot slip past the limit. An attempt
over the limit is refused before any password is checked and is not itself counted, so
the wait ends ``window`` after the oldest counted attempt, however often a client retries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from lifecircle.errors import RateLimitedError
from lifecircle.store.attempts import (
    add_attempts,
    attempt_times,
    delete_attempts,
    delete_key,
    prune_attempts,
)
from lifecircle.store.db import session_scope

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from sqlalchemy.engine import Engine


@dataclass(frozen=True)
class Limit:
    """At most ``max_attempts`` attempts under ``key`` (a pseudonym) per window."""

    key: str
    max_attempts: int


def begin_attempt(
    *, engine: Engine, limits: Sequence[Limit], window_s: int, now: datetime
) -> list[int]:
    """Record one attempt under every limit's key, or refuse it if any limit is reached.

    Parameters
    ----------
    engine
        Database holding the attempts.
    limits
        The limits this attempt counts against (per account, per address...).
    window_s
        Length of the sliding window, seconds.
    now
        The attempt's time (timezone-aware).

    Returns
    -------
    list of int
        Ids of the recorded rows: pass them to :func:`forget_attempt` if the attempt
        turns out not to count (a successful login).

    Raises
    ------
    RateLimitedError
        If a limit is reached; ``retry_after_s`` is when the first of them frees a slot.

    """
    window = timedelta(seconds=window_s)
    with session_scope(engine) as session:
        prune_attempts(session, before=now - window)
        ids = add_attempts(session, keys=[limit.key for limit in limits], at=now)
    wait_s = 0.0
    with session_scope(engine) as session:
        for limit in limits:
            times = attempt_times(session, key=limit.key, since=now - window)
            over = len(times) - limit.max_attempts
            if over > 0:
                # the over-th oldest attempt leaving the window makes room for one more
                frees_at = times[over - 1] + window
                wait_s = max(wait_s, (frees_at - now).total_seconds())
        if wait_s > 0:
            delete_attempts(session, ids=ids)
    if wait_s > 0:
        raise RateLimitedError(
            "too many attempts: try again later", retry_after_s=max(1, math.ceil(wait_s))
        )
    return ids


def forget_attempt(*, engine: Engine, ids: Sequence[int], reset_key: str | None = None) -> None:
    """Uncount an attempt (and, with ``reset_key``, every earlier one under that key)."""
    with session_scope(engine) as session:
        delete_attempts(session, ids=ids)
        if reset_key is not None:
            delete_key(session, key=reset_key)


def forget_key(*, engine: Engine, key: str) -> None:
    """Uncount every attempt under ``key`` (an account that is deleted)."""
    with session_scope(engine) as session:
        delete_key(session, key=key)
