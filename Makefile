# Two commands for a fresh machine: `make run` serves the site, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
WORKERS ?= 2
THREADS ?= 16
TEST_WORKERS ?= 2
export FLASK_APP := app

.PHONY: run meeting stack test bench lint format translations setup-db clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

translations: $(VENV)/.installed
	$(BIN)/flask translate compile

setup-db: translations
	$(BIN)/flask census setup

## Serve the site with demo data on http://127.0.0.1:$(PORT) (SQLite unless DATABASE_URL is set),
## with threaded workers that slow and idle phones cannot hold up (deploy/gunicorn.conf.py).
run: setup-db
	@echo "Serving on http://127.0.0.1:$(PORT)  (Ctrl+C to stop)"
	PORT=$(PORT) WORKERS=$(WORKERS) THREADS=$(THREADS) \
		$(BIN)/gunicorn --config deploy/gunicorn.conf.py --no-control-socket app:app

## Serve the site to everyone in a meeting room (the laptop's hotspot or the venue's Wi-Fi):
## every QR code and link points at the laptop's address on that network.
meeting: setup-db
	$(BIN)/python scripts/meeting.py

## The production shape on this machine: nginx in front of two gunicorn app servers sharing
## PostgreSQL and Redis (DATABASE_URL, REDIS_URL; see scripts/stack.py and the README).
stack: translations
	@bash scripts/ensure-debian-package.sh nginx /usr/sbin/nginx "make stack"
	$(BIN)/python scripts/stack.py

## Run the whole test suite (PostgreSQL, Redis and browser tests skip with a reason when absent,
## and fail instead when CENSUS_REQUIRE_POSTGRES/REDIS/BROWSER=1, as in CI).
test: $(VENV)/.installed-dev translations
	@bash scripts/ensure-debian-package.sh chromium /usr/bin/chromium "the browser tests"
	@bash scripts/ensure-debian-package.sh nginx /usr/sbin/nginx "the stack tests"
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

## Benchmarks: figures as ratios against a bare Flask page on the same gunicorn settings.
bench: $(VENV)/.installed-dev translations
	@bash scripts/ensure-debian-package.sh wrk wrk "the HTTP benchmarks"
	$(BIN)/python -m bench $(BENCH_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache tests/artifacts
