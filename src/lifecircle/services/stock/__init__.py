"""Near-expiry stock (临期): merchants' batches and offers, residents' offers, officials' counts.

``batches`` (a merchant's own shop: record, change, the daily list, publish an offer),
``offers`` (what residents see, on a place's page and within a walk), ``summary`` (the
officials' counts per community) and ``warnings`` (the daily notifications).
"""

from __future__ import annotations

from lifecircle.services.stock.warnings import WarningRun, send_expiry_warnings

__all__ = ["WarningRun", "send_expiry_warnings"]
