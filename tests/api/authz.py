"""What the authorisation matrix is made of: callers, expected rows, rules, request makers.

``tests/api/test_authorisation.py`` assembles ``MATRIX`` from its own rules and from each
feature's ``RULES`` (``tests/api/rules_*.py``): a feature adds its routes' rules in a
module of its own, with these helpers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tests.api.world import ROLES, Principal, World

if TYPE_CHECKING:
    from collections.abc import Callable

CALLERS = ("anonymous", *ROLES)
"""Column order: anonymous, resident, merchant, other_merchant, official_in, official_out, admin."""

Request = tuple[str, dict[str, Any], Principal | None]
"""A concrete path, extra ``client.request`` arguments, and who calls (``None``: anonymous)."""


def row(*statuses: int) -> dict[str, int]:
    """The expected statuses in :data:`CALLERS` order."""
    assert len(statuses) == len(CALLERS)
    return dict(zip(CALLERS, statuses, strict=True))


ALL = row(200, 200, 200, 200, 200, 200, 200)
SIGNED_IN = row(401, 200, 200, 200, 200, 200, 200)
ADMIN_ONLY = row(401, 403, 403, 403, 403, 403, 403)


def admin(ok: int) -> dict[str, int]:
    """Administrators get ``ok``, other accounts 403, anonymous callers 401."""
    return ADMIN_ONLY | {"admin": ok}


@dataclass(frozen=True)
class Rule:
    """Who may call a route: the request to send for each caller and the expected statuses."""

    request: Callable[[World, str], Request]
    expected: dict[str, int]


def as_caller(world: World, caller: str) -> Principal | None:
    """The principal of a caller (``None``: anonymous)."""
    return None if caller == "anonymous" else world.principals[caller]


def fresh_twin(world: World, caller: str) -> Principal | None:
    """A new account of the caller's kind (for requests that delete or change it)."""
    if caller == "anonymous":
        return None
    role, city, area = ROLES[caller]
    return world.add_principal(caller, role, city, area)


def fresh_token(world: World, caller: str) -> Principal | None:
    """The caller with a token of its own for this request (a logout ends it)."""
    who = as_caller(world, caller)
    if who is None:
        return None
    return Principal(who.account, who.password, world.token_for(who.account.id))


def simple(path: str, **kwargs: Any) -> Callable[[World, str], Request]:
    """The same request for every caller, sent as that caller."""
    return lambda world, caller: (path, kwargs, as_caller(world, caller))


OFFICIALS_IN_AREA = row(401, 403, 403, 403, 200, 403, 200)
"""A route for officials asked about the in-area official's district (``?area=``)."""
MERCHANTS_ONLY = row(401, 403, 200, 200, 403, 403, 403)
"""A route for merchants' accounts, whoever owns what."""
