# The documented commands. `make run` and `make test` are all a newcomer needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO_PASSWORD ?= demo-password-2024
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint format clean

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

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
