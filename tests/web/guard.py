"""What every end-to-end page test watches: no request leaves 127.0.0.1, no console error.

Every request to another host is aborted and recorded (a CDN, a tile server, a font, an
analytics call would all show up here); every console error and uncaught page error is
recorded. The test asserts both lists empty at its end.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlparse

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route


def watch(page: Page) -> tuple[list[str], list[str]]:
    """Guard ``page``; the requests that tried to leave and the errors, filled as it runs."""
    left: list[str] = []
    errors: list[str] = []

    def local_only(route: Route) -> None:
        url = route.request.url
        if urlparse(url).hostname == "127.0.0.1" or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            left.append(url)
            route.abort()

    page.route("**/*", local_only)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"{e.name}: {e.message}"))
    return left, errors
