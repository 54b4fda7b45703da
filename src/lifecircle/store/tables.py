"""Every table of the database: imports each module that declares models.

:mod:`lifecircle.store.models` holds the cities' tables and the accounts; the
platform's tables (audit log, notifications, merchants' shops, prices, coupons,
batches...) live in modules of their own beside the functions that use them. This module
imports them all, so ``metadata`` (what Alembic compares migrations with) is whole.
"""

from __future__ import annotations

from lifecircle.store import (
    audit,
    campaigns,
    complaints,
    consultations,
    coupons,
    feedback,
    homes,
    hourly_rows,
    indicators,
    notifications,
    prices,
    shops,
    stock,
    surveys,
)
from lifecircle.store.models import Base

metadata = Base.metadata
"""The metadata of every table."""

MODEL_MODULES = (
    audit,
    notifications,
    shops,
    stock,
    prices,
    coupons,
    homes,
    indicators,
    campaigns,
    consultations,
    feedback,
    complaints,
    surveys,
    hourly_rows,
)
"""The platform's model modules (beyond :mod:`lifecircle.store.models`)."""
