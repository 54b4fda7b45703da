# lifecircle: `make run` runs the main job on the embedded demo, `make test` runs every test.
# Both set up everything they need on a fresh machine (a virtualenv in .venv).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   := data/Helsinki.osm.pbf
OUT    := out

PG_INITDB := $(firstword $(wildcard /usr/lib/postgresql/*/bin/initdb))

NODE_STAMP := node_modules/.package-lock.json
WEB_STAMP  := web/node_modules/.package-lock.json
WEB_BUILD  := web/dist/index.html
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json
CHROMIUM   ?= /usr/bin/chromium

.PHONY: setup demo-city run serve test lint typecheck unit bench bench-quick bench-scale bench-web clean pg-server browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[all]' --group test --group lint
	touch $(STAMP)

# Leaflet and ECharts for the reports come from the npm registry (package-lock.json)
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

# the web application (web/): its own npm packages (web/package-lock.json), built once into
# web/dist, which `lifecircle serve` serves at / (rebuilt when a source changes)
$(WEB_STAMP): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error

$(WEB_BUILD): $(WEB_STAMP) $(WEB_SOURCES)
	cd web && npm run build --silent

setup: $(STAMP) $(NODE_STAMP) $(WEB_BUILD)

$(DEMO): | $(STAMP)
	$(BIN)/python scripts/fetch_demo.py $(DEMO)

demo-city: $(STAMP) $(DEMO)
	$(BIN)/lifecircle city create helsinki --exist-ok
	$(BIN)/lifecircle city import helsinki --network $(DEMO) --places $(DEMO) --format osm \
		--units h3:9 --buildings $(DEMO)
	$(BIN)/lifecircle assess helsinki --by-hour

run: $(NODE_STAMP) demo-city
	@mkdir -p $(OUT)
	$(BIN)/lifecircle plan helsinki --category basic --mode cover --json > $(OUT)/helsinki_plan.json
	$(BIN)/lifecircle report helsinki -o $(OUT)/helsinki.xlsx
	$(BIN)/lifecircle report helsinki -o $(OUT)/helsinki.html

# the service platform on the demo city, with sample accounts (passwords printed once)
serve: $(WEB_BUILD) demo-city
	$(BIN)/lifecircle serve --demo --demo-city helsinki

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP) $(WEB_STAMP)
	$(BIN)/mypy
	cd web && npm run typecheck --silent

# the PostgreSQL tests start their own throwaway server from Debian's binaries
pg-server:
	@test -n "$(PG_INITDB)" || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends postgresql; }

# the report and web tests drive Debian's chromium through Playwright (no browser download);
# the README's walkthroughs run with curl
browser:
	@{ test -x $(CHROMIUM) && command -v curl >/dev/null; } || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		chromium fonts-noto-cjk curl; }

# pytest in PYTEST_WORKERS processes (pytest-xdist), each test file whole in one of them
# (its module fixtures: servers, demo cities); PYTEST_WORKERS=0 runs in this process
PYTEST_WORKERS ?= 2
unit: $(STAMP) $(NODE_STAMP) $(WEB_BUILD) pg-server browser
	cd web && npm test --silent
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python -m pip install -q --group bench
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/assess_bench.py
	$(BIN)/python benchmarks/nearby_bench.py
	$(BIN)/python benchmarks/api_bench.py
	$(BIN)/python benchmarks/coupon_bench.py
	$(BIN)/python benchmarks/scale_bench.py

bench-quick: $(STAMP)
	$(BIN)/python -m pip install -q --group bench
	$(BIN)/python benchmarks/run.py --quick
	$(BIN)/python benchmarks/assess_bench.py --quick
	$(BIN)/python benchmarks/nearby_bench.py --quick
	$(BIN)/python benchmarks/api_bench.py --quick
	$(BIN)/python benchmarks/coupon_bench.py --quick
	$(BIN)/python benchmarks/scale_bench.py --quick

# many SYNTHETIC cities and one SYNTHETIC province, in-process vs a local Dask cluster of
# separate processes (benchmarks/scale_results.md); the issue's sizes need ~15 GB and
# ~25 minutes on 2 cores: SCALE_ARGS=--quick measures what fits a small machine
bench-scale: $(STAMP)
	$(BIN)/python benchmarks/scale_bench.py $(SCALE_ARGS)

# the web application in Debian's chromium against `lifecircle serve --demo` on the demo city
# (imported and assessed once into benchmarks/_build/web): gzipped JS/CSS per page, time to
# Near me's first list and to the officials' chart (benchmarks/web_results.md)
bench-web: $(STAMP) $(WEB_BUILD) $(DEMO) browser
	$(BIN)/python benchmarks/web_bench.py --pbf $(DEMO)

clean:
	rm -rf $(VENV) node_modules web/node_modules web/dist data $(OUT) test-output benchmarks/_build .pytest_cache \
		.mypy_cache .ruff_cache
