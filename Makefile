# The documented commands. `make run` and `make test` are all a newcomer needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO_PASSWORD ?= demo-password-2024
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint format bench clean fuzz loadtest

# Creates .venv with everything the project and its tests need. Re-running only reinstalls
# when pyproject.toml changed.
install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet ".[test]"
	@touch $@

# Development server on the embedded SQLite database, with the demo data loaded.
run: install
	DEBUG=1 $(BIN)/python manage.py migrate --no-input
	DEBUG=1 $(BIN)/python manage.py load_demo --password "$(DEMO_PASSWORD)"
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

# The whole suite; set DATABASE_URL to run it against PostgreSQL. The browser tests
# (tests/browser) need Debian's Chromium at /usr/bin/chromium and Java for the HTML checker;
# without them those tests are skipped, and this says so before and after the run.
test: install
	@test -x /usr/bin/chromium || echo "NOTE: browser tests will be SKIPPED: Chromium not installed (apt-get install chromium)"
	@command -v java >/dev/null || echo "NOTE: HTML validation will be SKIPPED: Java not installed (apt-get install default-jre-headless)"
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Property-based fuzzing at full strength: 10,000 examples per test (CI runs a few hundred).
fuzz: install
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest tests/test_fuzz.py $(PYTEST_ARGS)

# 64 clients for 60 s against gunicorn + PostgreSQL (database `loadtest`), restarting PostgreSQL
# once mid-run; writes docs/reliability.md. Needs a local PostgreSQL cluster it may restart.
# LOADTEST_ARGS="--no-restart --duration 10" for a quick run that leaves PostgreSQL alone.
LOADTEST_DB ?= postgres://postgres@127.0.0.1:5432/loadtest
loadtest: install
	DATABASE_URL="$(LOADTEST_DB)" DEBUG=0 SECRET_KEY=loadtest-only-$$(date +%s)-not-a-real-secret-key-0123456789 \
		$(BIN)/python manage.py loadtest $(LOADTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The benchmark (docs/benchmarks.md): generates BENCH_INCIDENTS synthetic incidents into the
# BENCH_DATABASE_URL database when it does not hold exactly that many (that database is emptied
# first: keep it for the benchmark), then runs gunicorn on a free loopback port and measures.
# The full report is `make bench BENCH_INCIDENTS=100000` (about 10 minutes).
BENCH_INCIDENTS ?= 2000
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/bench
BENCH_ARGS ?=
bench: install
	DEBUG=0 SECRET_KEY=bench-only-throwaway-key ALLOWED_HOSTS=127.0.0.1 \
	DATABASE_URL="$(BENCH_DATABASE_URL)" \
	$(BIN)/python manage.py run_benchmark --incidents $(BENCH_INCIDENTS) --reset-data $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
