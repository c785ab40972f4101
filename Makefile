# The two commands a newcomer types: `make run` and `make test`. Each sets up .venv first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev

.PHONY: run demo test soak lint lock bench install clean fonts

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "arcircle needs Python 3.11 or newer (set PYTHON=python3.11)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) fonts

## Charts draw Chinese with a CJK font from the system: say how to get one if there is none.
fonts: $(STAMP)
	@$(BIN)/python -m jobs.chart_fonts --hint || true

## Start the bot: console messenger, SQLite (arcircle.db), the sample ledger on first run.
run: $(STAMP) fonts
	$(BIN)/arcircle run $(ARGS)

## The circle, scripted: the clock runs 60x faster from 10:00 on its own database (demo.db).
demo: $(STAMP)
	rm -f demo.db demo.db-wal demo.db-shm demo.db.scheduler.lock
	$(BIN)/arcircle run --database sqlite:///demo.db --clock-speed 60 --clock-start 10:00 < examples/circle_demo.txt

## Run the test suite on every core, up to 4 (PostgreSQL tests run when ARCIRCLE_TEST_DATABASE_URL is set).
test: $(STAMP)
	$(BIN)/python -m pytest -q -n auto --maxprocesses=4 -m "not soak" $(ARGS)

## Soak and fault tests (~8 min, PostgreSQL required): replicas killed at random, a failing messenger.
soak: $(STAMP)
	$(BIN)/python -m pytest -q -m soak -s $(ARGS) tests/test_soak_replicas.py tests/test_soak_faults.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/hadolint Dockerfile

## Pin the image's Python packages: a clean install of the runtime, frozen (deploy/requirements.txt).
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet .
	{ echo "# The image's Python packages, pinned (make lock writes this from a clean install of pyproject.toml)."; \
	  .lock-venv/bin/python -m pip freeze --exclude arcircle; } > deploy/requirements.txt
	rm -rf .lock-venv

## The aging benchmark (pandas is only needed here): make bench ARGS="--invoices 1000000"
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench.aging $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache arcircle.db arcircle.db-wal arcircle.db-shm \
		arcircle.db.scheduler.lock demo.db demo.db-wal demo.db-shm demo.db.scheduler.lock
