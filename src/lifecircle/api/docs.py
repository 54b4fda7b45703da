"""The interactive API documentation at ``/docs``, served from npm's swagger-ui-dist.

FastAPI's default page loads Swagger UI from a CDN (jsdelivr), which a deployment in
mainland China or on a closed network may not reach. The page here loads the same
library from the ``node_modules`` folder ``npm ci`` fills (``package-lock.json``; the
reports find Leaflet and ECharts there the same way), under ``/docs/assets``. Without
it, ``/docs`` says how to install it; the API itself does not need it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from lifecircle.report.assets import node_modules_with

if TYPE_CHECKING:
    from pathlib import Path

    from fastapi import FastAPI

DOCS_URL = "/docs"
ASSETS_URL = f"{DOCS_URL}/assets"
SWAGGER_FILES = ("swagger-ui-dist/swagger-ui-bundle.js", "swagger-ui-dist/swagger-ui.css")
"""The files of swagger-ui-dist the page loads (with its favicon)."""


def install_docs(
    app: FastAPI, *, openapi_url: str, title: str, assets_dir: Path | None = None
) -> bool:
    """Serve ``/docs`` with Swagger UI from ``node_modules``; whether the library was found.

    Parameters
    ----------
    app
        The application (made with ``docs_url=None``).
    openapi_url
        Where the page reads the OpenAPI document.
    title
        The page's title.
    assets_dir
        A ``node_modules`` folder (the settings' ``assets_dir``); by default looked up
        from the working directory and beside the source tree.

    """
    folder = node_modules_with(SWAGGER_FILES, assets_dir)
    if folder is None:
        missing = (
            "<!doctype html><meta charset=utf-8><title>API documentation</title>"
            "<p>The interactive documentation needs swagger-ui-dist from npm: run "
            "<code>npm ci</code> in the repository (or <code>make setup</code>). The OpenAPI "
            f'document is at <a href="{openapi_url}">{openapi_url}</a>.</p>'
        )

        @app.get(DOCS_URL, include_in_schema=False)
        def docs_missing() -> HTMLResponse:
            return HTMLResponse(missing, status_code=503)

        return False
    app.mount(ASSETS_URL, StaticFiles(directory=folder / "swagger-ui-dist"), name="docs-assets")

    @app.get(DOCS_URL, include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=title,
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon-32x32.png",
        )

    return True
