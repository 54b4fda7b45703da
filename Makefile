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
CHROMIUM   ?= /usr/bin/chromium

.PHONY: setup demo-city run serve test lint typecheck unit bench bench-quick clean pg-server browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[all]' --group test --group lint
	touch $(STAMP)

# Leaflet and ECharts for the reports come from the npm registry (package-lock.json)
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

setup: $(STAMP) $(NODE_STAMP)

$(DEMO): | $(STAMP)
	$(BIN)/python scripts/fetch_demo.py $(DEMO)

demo-city: $(STAMP) $(DEMO)
	$(BIN)/lifecircle city create helsinki --exist-ok
	$(BIN)/lifecircle city import helsinki --network $(DEMO) --places $(DEMO) --format osm \
		--units h3:9 --buildings $(DEMO)
	$(BIN)/lifecircle assess helsinki

run: $(NODE_STAMP) demo-city
	@mkdir -p $(OUT)
	$(BIN)/lifecircle plan helsinki --category basic --mode cover --json > $(OUT)/helsinki_plan.json
	$(BIN)/lifecircle report helsinki -o $(OUT)/helsinki.xlsx
	$(BIN)/lifecircle report helsinki -o $(OUT)/helsinki.html

# the service platform on the demo city, with sample accounts (passwords printed once)
serve: demo-city
	$(BIN)/lifecircle serve --demo --demo-city helsinki

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy

# the PostgreSQL tests start their own throwaway server from Debian's binaries
pg-server:
	@test -n "$(PG_INITDB)" || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends postgresql; }

# the report test drives Debian's chromium through Playwright (no browser download)
browser:
	@test -x $(CHROMIUM) || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk; }

unit: $(STAMP) $(NODE_STAMP) pg-server browser
	$(BIN)/python -m pytest

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python -m pip install -q --group bench
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/assess_bench.py
	$(BIN)/python benchmarks/nearby_bench.py
	$(BIN)/python benchmarks/api_bench.py
	$(BIN)/python benchmarks/coupon_bench.py

bench-quick: $(STAMP)
	$(BIN)/python -m pip install -q --group bench
	$(BIN)/python benchmarks/run.py --quick
	$(BIN)/python benchmarks/assess_bench.py --quick
	$(BIN)/python benchmarks/nearby_bench.py --quick
	$(BIN)/python benchmarks/api_bench.py --quick
	$(BIN)/python benchmarks/coupon_bench.py --quick

clean:
	rm -rf $(VENV) node_modules data $(OUT) test-output benchmarks/_build .pytest_cache \
		.mypy_cache .ruff_cache
