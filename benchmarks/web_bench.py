"""Web application benchmark: what each page loads, and how soon it shows what it is for.

Usage::

    python benchmarks/web_bench.py [--runs 10] [--quick] [--dist web/dist]
                                   [--pbf data/Helsinki.osm.pbf] [--chromium /usr/bin/chromium]
                                   [--build-dir benchmarks/_build/web]

It builds nothing: the web application must be built already (``make setup``, or ``cd web
&& npm run build``: ``web/dist``). The demo city must be importable: the Helsinki OSM
extract (``make demo-city`` fetches it to ``data/Helsinki.osm.pbf``; the shared copy is
used when present). The first run imports it into ``--build-dir`` (network, places, h3:9
units, buildings) and assesses it, as the web e2e tests do (about a minute on 2 cores);
later runs reuse that database. Then the real ``lifecircle serve --demo`` (one worker)
serves the city and ``--dist`` on a free loopback port, and Debian's chromium (through
Playwright, no browser download) opens the pages.

Per page (residents' Near me, a place page, the officials' dashboard and the merchants'
console, signed in as the demo accounts where the page needs one), the JavaScript and CSS
files the browser asked for under ``/assets/`` are summed at gzip level 9 (as a server or
CDN would send them; the files are read from ``--dist``).

Timings, each median and max of ``--runs`` loads, from ``page.goto`` to the element:

* Near me: the first list of places (the browser's location granted, "locate" tapped), in
  a new browser context each run (cold: empty HTTP cache) and again in one context that
  loaded the page before (warm: the hashed bundles come from the cache);
* the officials' dashboard: its coverage chart (the ECharts canvas), cold and warm.

The city's network is loaded by one search before any timing (the first search of a city
in a worker loads it, seconds, once per server). Targets (issue 12): the residents' first
page at most 250 KB of gzipped JavaScript, its first list within 1 s (the dashboard's
chart is held to the same second).
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import httpx
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

if TYPE_CHECKING:
    from collections.abc import Callable

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "web" / "dist"
BUILD = ROOT / "benchmarks" / "_build" / "web"
DEMO_PBF = (
    ROOT / "data" / "Helsinki.osm.pbf",
    ROOT.parent / "shared" / "data" / "helsinki_osm_pbf" / "Helsinki.osm.pbf",
)
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOME = {"longitude": 24.9384, "latitude": 60.1699}  # Helsinki centre, as the e2e tests
VIEWPORT = {"width": 375, "height": 812}  # the residents' pages are phone-first
DESKTOP = {"width": 1280, "height": 800}
TOKEN_KEY = "lifecircle.token"  # web/src/api/index.ts
JS_TARGET_KB = 250.0
FIRST_LIST_TARGET_S = 1.0
START_TIMEOUT_S = 120.0
WAIT_MS = 30_000


@dataclass
class Loaded:
    """The assets one page load asked for."""

    js: set[str] = field(default_factory=set)
    css: set[str] = field(default_factory=set)


def gzip_kb(dist: Path, names: set[str]) -> float:
    """Kilobytes of the files once gzipped at level 9 (each file on its own, as served)."""
    return sum(len(gzip.compress((dist / n).read_bytes(), 9)) for n in names) / 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def lifecircle_env(data: Path, dist: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIFECIRCLE_")}
    return env | {
        "LIFECIRCLE_DATA_DIR": str(data),
        "LIFECIRCLE_WEB_DIR": str(dist),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
    }


def prepare_city(build: Path, pbf: Path, dist: Path) -> Path:
    """The demo city imported and assessed in ``build/data`` (reused when done before)."""
    data = build / "data"
    done = build / "imported"
    if done.is_file() and (data / "lifecircle.db").is_file():
        return data
    data.mkdir(parents=True, exist_ok=True)
    (data / "lifecircle.db").unlink(missing_ok=True)
    env = lifecircle_env(data, dist)
    cli = [sys.executable, "-m", "lifecircle"]
    t0 = time.perf_counter()
    for args in (
        ["city", "create", "helsinki"],
        ["city", "import", "helsinki", "--network", str(pbf), "--places", str(pbf),
         "--format", "osm", "--units", "h3:9", "--buildings", str(pbf)],
        ["assess", "helsinki"],
    ):  # fmt: skip
        subprocess.run([*cli, *args], env=env, check=True, capture_output=True)
    done.write_text("helsinki\n", encoding="utf-8")
    print(f"demo city imported and assessed in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return data


def password(printed: str, name: str) -> str:
    found = re.search(rf"{name}\s+\w+\s+(\S+)", printed)
    if not found:
        raise SystemExit(f"no password of {name} in the server's output:\n{printed}")
    return found.group(1)


class Server:
    """``lifecircle serve --demo`` on a free port; the demo accounts' tokens."""

    def __init__(self, data: Path, dist: Path, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        cli = [sys.executable, "-m", "lifecircle", "serve", "--port", str(self.port)]
        with log.open("wb") as sink:
            self.process = subprocess.Popen(
                [*cli, "--workers", "1", "--demo"],
                stdout=sink,
                stderr=subprocess.STDOUT,
                env=lifecircle_env(data, dist),
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"the server stopped:\n{log.read_text(errors='replace')}")
            try:
                if httpx.get(f"{self.base}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"the server did not answer in {START_TIMEOUT_S:.0f} s")
            time.sleep(0.2)
        self.printed = log.read_text(errors="replace")

    def token(self, user: str) -> str:
        answer = httpx.post(
            f"{self.base}/api/v1/auth/login",
            data={"username": user, "password": password(self.printed, user)},
        )
        answer.raise_for_status()
        return str(answer.json()["access_token"])

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def new_context(
    browser: Browser, *, token: str | None = None, desktop: bool = False
) -> BrowserContext:
    context = browser.new_context(
        viewport=DESKTOP if desktop else VIEWPORT,
        geolocation=HOME,
        permissions=["geolocation"],
        locale="zh-CN",
    )
    if token:  # signed in as the app keeps it (localStorage), before any script runs
        context.add_init_script(f"window.localStorage.setItem({TOKEN_KEY!r}, {token!r})")
    return context


def watch_assets(page: Page, base: str) -> Loaded:
    """Record the /assets/ files the page asks for; refuse any address off the machine."""
    loaded = Loaded()

    def seen(url: str) -> None:
        parsed = urlparse(url)
        if parsed.hostname != "127.0.0.1" and parsed.scheme not in {"data", "blob"}:
            raise SystemExit(f"a request left the machine: {url}")
        if url.startswith(f"{base}/assets/"):
            name = parsed.path.lstrip("/")
            if name.endswith(".js"):
                loaded.js.add(name)
            elif name.endswith(".css"):
                loaded.css.add(name)

    page.on("request", lambda r: seen(r.url))
    return loaded


def near_me(page: Page, base: str) -> float:
    """Seconds from navigation to Near me's first list (locate tapped)."""
    started = time.perf_counter()
    page.goto(f"{base}/app/near")
    page.get_by_test_id("locate").click()
    page.get_by_test_id("place").first.wait_for(timeout=WAIT_MS)
    return time.perf_counter() - started


def dashboard(page: Page, base: str) -> float:
    """Seconds from navigation to the officials' dashboard's coverage chart."""
    started = time.perf_counter()
    page.goto(f"{base}/app/officials")
    page.locator("[data-testid=coverage-chart] canvas").wait_for(state="attached", timeout=WAIT_MS)
    return time.perf_counter() - started


def place_uid(server: Server) -> str:
    """A place near the centre with a name: the page a resident opens from the list."""
    places = httpx.get(
        f"{server.base}/api/v1/cities/helsinki/nearby",
        params={"lon": HOME["longitude"], "lat": HOME["latitude"], "limit": 10},
        timeout=300,
    ).json()["places"]
    return str(next(p["id"] for p in places if p["name"]))


def page_weights(browser: Browser, server: Server, dist: Path) -> list[tuple[str, Loaded]]:
    """Each page opened once in a fresh context: the assets it loaded."""
    official, merchant = server.token("demo-official"), server.token("demo-merchant")
    uid = place_uid(server)
    pages = [
        ("residents' Near me (first list)", None, False, lambda p: near_me(p, server.base)),
        (
            "place page",
            None,
            False,
            lambda p: (
                p.goto(f"{server.base}/app/cities/helsinki/places/{uid}"),
                p.get_by_test_id("open-now").wait_for(timeout=WAIT_MS),
            ),
        ),
        ("officials' dashboard (chart)", official, True, lambda p: dashboard(p, server.base)),
        (
            "merchants' console (my shop)",
            merchant,
            True,
            lambda p: (
                p.goto(f"{server.base}/app/merchant/shop"),
                p.get_by_test_id("shop-save").wait_for(timeout=WAIT_MS),
            ),
        ),
    ]
    out = []
    for name, token, desktop, open_page in pages:
        context = new_context(browser, token=token, desktop=desktop)
        page = context.new_page()
        loaded = watch_assets(page, server.base)
        open_page(page)
        page.wait_for_load_state("networkidle")
        context.close()
        missing = [n for n in loaded.js | loaded.css if not (dist / n).is_file()]
        if missing:
            raise SystemExit(f"the server sent assets that {dist} lacks: {missing}")
        out.append((name, loaded))
    return out


def timed(
    browser: Browser,
    runs: int,
    measure: Callable[[Page], float],
    *,
    token: str | None,
    desktop: bool,
) -> tuple[list[float], list[float]]:
    """``runs`` cold loads (a new context each) and ``runs`` warm ones (one context)."""
    cold = []
    for _ in range(runs):
        context = new_context(browser, token=token, desktop=desktop)
        cold.append(measure(context.new_page()))
        context.close()
    context = new_context(browser, token=token, desktop=desktop)
    page = context.new_page()
    measure(page)  # fills the cache
    warm = [measure(page) for _ in range(runs)]
    context.close()
    return cold, warm


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="loads per timing (median, max)")
    parser.add_argument("--quick", action="store_true", help="3 runs")
    parser.add_argument("--dist", type=Path, default=DIST, help="the built web app")
    parser.add_argument("--pbf", type=Path, help="the demo's OSM extract")
    parser.add_argument("--chromium", type=Path, default=CHROMIUM)
    parser.add_argument("--build-dir", type=Path, default=BUILD, help="the imported demo city")
    args = parser.parse_args(argv)
    runs = 3 if args.quick else args.runs
    if runs < 1:
        parser.error("--runs must be at least 1")
    dist = args.dist.resolve()
    if not (dist / "index.html").is_file():
        parser.error(f"{dist} is not built: `make setup` (or cd web && npm ci && npm run build)")
    pbf = args.pbf or next((p for p in DEMO_PBF if p.is_file()), None)
    if pbf is None or not pbf.is_file():
        parser.error("no demo extract: `make demo-city` fetches data/Helsinki.osm.pbf (or --pbf)")
    if not args.chromium.exists():
        parser.error(f"no chromium at {args.chromium}: `make browser` installs Debian's")

    data = prepare_city(args.build_dir.resolve(), pbf, dist)
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(data, dist, Path(tmp) / "serve.log")
        try:
            place_uid(server)  # the first search loads the city's network: not timed
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=str(args.chromium), args=CHROMIUM_ARGS, headless=True
                )
                weights = page_weights(browser, server, dist)
                official = server.token("demo-official")
                near = timed(
                    browser, runs, lambda pg: near_me(pg, server.base), token=None, desktop=False
                )
                chart = timed(
                    browser,
                    runs,
                    lambda pg: dashboard(pg, server.base),
                    token=official,
                    desktop=True,
                )
                browser.close()
        finally:
            server.stop()

    print(
        f"\nweb benchmark: {runs} runs, {platform.machine()} {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}, chromium {args.chromium}, {dist}\n"
    )
    print("| page | JS files | JS gzip KB | CSS gzip KB | target |")
    print("|---|---:|---:|---:|---|")
    for name, loaded in weights:
        js = gzip_kb(dist, loaded.js)
        target = ""
        if name.startswith("residents'"):
            target = f"JS ≤ {JS_TARGET_KB:.0f} KB: {'met' if js <= JS_TARGET_KB else 'MISSED'}"
        print(
            f"| {name} | {len(loaded.js)} | {js:.1f} | {gzip_kb(dist, loaded.css):.1f} | {target} |"
        )
    print("\n| timing (s, from navigation) | cache | median | max | target |")
    print("|---|---|---:|---:|---|")
    for name, (cold, warm), target in (
        ("Near me → first list", near, FIRST_LIST_TARGET_S),
        ("officials' dashboard → chart", chart, FIRST_LIST_TARGET_S),
    ):
        for cache, values in (("cold", cold), ("warm", warm)):
            median, worst = statistics.median(values), max(values)
            verdict = ""
            if target is not None:
                verdict = f"≤ {target:.0f} s: {'met' if median <= target else 'MISSED'} (median)"
            print(f"| {name} | {cache} | {median:.3f} | {worst:.3f} | {verdict} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
