# The documented commands. `make run` and `make test` are all a newcomer needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO_PASSWORD ?= demo-password-2024
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint format clean fuzz loadtest

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

# The whole suite; set DATABASE_URL to run it against PostgreSQL.
test: install
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

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
