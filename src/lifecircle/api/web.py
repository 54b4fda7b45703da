"""The web application (``web/dist``, built by ``npm run build``) served at ``/``.

The API process serves the built Vue application beside the API: ``/`` and every deep
link under ``/app/`` answer its ``index.html`` (the router in the page takes over), the
hashed bundles are under ``/assets/`` (cached for a year: their names change with their
content). The API stays at ``/api/v1`` and the documentation at ``/docs``. When the
application is not built, ``/`` answers 503 with the commands that build it; the API
works all the same.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

import lifecircle

if TYPE_CHECKING:
    from collections.abc import Callable

    from fastapi import FastAPI
    from starlette.responses import Response

WEB_DIST = Path(lifecircle.__file__).resolve().parents[2] / "web" / "dist"
"""Where ``npm run build`` in the repository's ``web/`` puts the application."""

APP_PREFIX = "/app"
ASSETS = "/assets"

NOT_BUILT = """<!doctype html><html lang="zh-CN"><meta charset="utf-8">
<title>lifecircle</title>
<h1>网页应用尚未构建 / The web application is not built</h1>
<p>The API is at <a href="/api/v1/health">/api/v1</a> and its documentation at
<a href="/docs">/docs</a>. To build the web application (once, and after each change of
<code>web/</code>), run in the repository:</p>
<pre>make setup</pre>
<p>or by hand:</p>
<pre>cd web &amp;&amp; npm ci &amp;&amp; npm run build</pre>
<p>Looked for <code>index.html</code> in: <code>{folder}</code> (set
<code>LIFECIRCLE_WEB_DIR</code> to the built folder if it is elsewhere).</p>
</html>
"""


def web_folder(web_dir: Path | None = None) -> Path:
    """The folder the application is served from: ``web_dir``, else :data:`WEB_DIST`."""
    return (web_dir if web_dir is not None else WEB_DIST).expanduser()


def install_web(app: FastAPI, *, web_dir: Path | None = None) -> bool:
    """Serve the built web application at ``/``; whether it was found.

    Parameters
    ----------
    app
        The application.
    web_dir
        The built folder (the settings' ``web_dir``); by default ``web/dist`` beside the
        source tree.

    """
    folder = web_folder(web_dir)
    index = folder / "index.html"
    if not index.is_file():
        page = NOT_BUILT.replace("{folder}", str(folder))

        def not_built() -> HTMLResponse:
            return HTMLResponse(page, status_code=503, headers={"Cache-Control": "no-store"})

        app.add_api_route("/", not_built, methods=["GET"], include_in_schema=False)
        app.add_api_route(
            APP_PREFIX + "/{rest:path}", not_built, methods=["GET"], include_in_schema=False
        )
        return False

    def application() -> FileResponse:
        # never cached: it names the current bundles
        return FileResponse(index, media_type="text/html", headers={"Cache-Control": "no-cache"})

    app.add_api_route("/", application, methods=["GET"], include_in_schema=False)
    app.add_api_route(
        APP_PREFIX + "/{rest:path}", application, methods=["GET"], include_in_schema=False
    )
    if (folder / "assets").is_dir():
        app.mount(ASSETS, _ImmutableFiles(directory=folder / "assets"), name="web-assets")
    for extra in sorted(folder.iterdir()):  # favicon and the like beside index.html
        if extra.is_file() and extra.name != "index.html":
            app.add_api_route(
                f"/{extra.name}", _file(extra), methods=["GET"], include_in_schema=False
            )
    return True


def _file(path: Path) -> Callable[[], FileResponse]:
    def serve() -> FileResponse:
        return FileResponse(path)

    return serve


class _ImmutableFiles(StaticFiles):
    """Static files with a year's caching: Vite puts a content hash in every name."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response
