# The documented commands. `make run` and `make test` are all a newcomer needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO_PASSWORD ?= demo-password-2024
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run worker test lint format bench clean fuzz loadtest messages cluster cluster-smoke

# Each target installs only what it needs into .venv, once: a stamp file per set of
# dependencies, redone only when pyproject.toml changes. `make run` needs the site's own
# dependencies (no test tools: they made the first `make run` take minutes); `make test` adds
# the test and lint extras; `make bench` and `make loadtest` add Locust.
# `make install` prepares everything for development (site, tests, lint).
install: $(VENV)/.installed-test

# The pip that comes with python3.11's venv is recent enough to build the project; not
# upgrading pip saves a download on every fresh clone.
$(VENV)/.installed-run: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet .
	@touch $@

$(VENV)/.installed-lint: $(VENV)/.installed-run
	$(BIN)/python -m pip install --quiet ".[lint]"
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed-lint
	$(BIN)/python -m pip install --quiet ".[test,lint]"
	@touch $@

$(VENV)/.installed-bench: $(VENV)/.installed-run
	$(BIN)/python -m pip install --quiet ".[bench]"
	@touch $@

# Development server on the embedded SQLite database, with the demo data loaded, and a
# background-jobs worker beside it on the filesystem queue in .jobs/ (stopped with the server).
run: $(VENV)/.installed-run
	DEBUG=1 $(BIN)/python manage.py migrate --no-input
	DEBUG=1 $(BIN)/python manage.py load_demo --password "$(DEMO_PASSWORD)" --address "$(HOST):$(PORT)"
	DEBUG=1 $(BIN)/celery -A config worker --pool=solo --loglevel=INFO & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

# The background-jobs worker alone (production runs several; README "Background jobs").
worker: $(VENV)/.installed-run
	$(BIN)/celery -A config worker --loglevel=INFO $(WORKER_ARGS)

# The whole suite on both cores (pytest-xdist; PYTEST_WORKERS=0 runs it in one process); set
# DATABASE_URL to run it against PostgreSQL. The browser tests
# (tests/browser) need Debian's Chromium at /usr/bin/chromium and Java for the HTML checker;
# without them those tests are skipped, and this says so before and after the run.
PYTEST_WORKERS ?= 2
test: $(VENV)/.installed-test
	@test -x /usr/bin/chromium || echo "NOTE: browser tests will be SKIPPED: Chromium not installed (apt-get install chromium)"
	@command -v java >/dev/null || echo "NOTE: HTML validation will be SKIPPED: Java not installed (apt-get install default-jre-headless)"
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Property-based fuzzing at full strength: 10,000 examples per test (CI runs a few hundred).
fuzz: $(VENV)/.installed-test
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -n $(PYTEST_WORKERS) tests/test_fuzz.py $(PYTEST_ARGS)

# 64 Locust users for 60 s against gunicorn + PostgreSQL (database `loadtest`), restarting
# PostgreSQL once mid-run; writes docs/reliability.md. Needs a local PostgreSQL cluster it may
# restart. LOADTEST_ARGS="--no-restart --duration 10" for a quick run that leaves PostgreSQL
# alone. The command lives in tools/, a Django app only under tools.settings.
LOADTEST_DB ?= postgres://postgres@127.0.0.1:5432/loadtest
loadtest: $(VENV)/.installed-bench
	DJANGO_SETTINGS_MODULE=tools.settings DATABASE_URL="$(LOADTEST_DB)" DEBUG=0 \
	SECRET_KEY=loadtest-only-$$(date +%s)-not-a-real-secret-key-0123456789 \
		$(BIN)/python manage.py loadtest $(LOADTEST_ARGS)

lint: $(VENV)/.installed-lint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/lint-imports

format: $(VENV)/.installed-lint
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The benchmark (docs/benchmarks.md): generates BENCH_INCIDENTS synthetic incidents into the
# BENCH_DATABASE_URL database when it does not hold exactly that many (that database is emptied
# first: keep it for the benchmark), then runs gunicorn on a free loopback port and measures
# with Locust: each page cold (cache off, one client) and warm, the exports, and a mixed run of
# random pages while drafts and public claims are written (docs/benchmarks.md). The commands
# live in tools/, a Django app only under tools.settings. The in-process query counts of the API
# must not be throttled, hence API_ANON_RATE. Set REDIS_URL to measure with Redis.
# The full report is `make bench BENCH_INCIDENTS=100000`.
BENCH_INCIDENTS ?= 2000
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/bench
BENCH_ARGS ?=
bench: $(VENV)/.installed-bench
	DJANGO_SETTINGS_MODULE=tools.settings DEBUG=0 SECRET_KEY=bench-only-throwaway-key ALLOWED_HOSTS=127.0.0.1 \
	DATABASE_URL="$(BENCH_DATABASE_URL)" API_ANON_RATE=1000000/min \
	$(BIN)/python manage.py run_benchmark --incidents $(BENCH_INCIDENTS) --reset-data $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache

# issue 15: refresh the Ukrainian catalogue from the code and templates, then compile it. Needs
# GNU gettext (apt-get install gettext); the compiled django.mo is committed, so `make run` and
# `make test` need none. How to translate what it adds: docs/translating.md.
MESSAGES_IGNORE := --ignore=.venv --ignore=tools --ignore=tests --ignore=staticfiles --ignore=build
messages: $(VENV)/.installed-run
	DEBUG=1 $(BIN)/python manage.py makemessages -l uk --no-location $(MESSAGES_IGNORE)
	DEBUG=1 $(BIN)/python manage.py compilemessages -l uk

# issue 22: the production set on one machine, on loopback (docs/deploy.md): HAProxy with TLS in
# front of two gunicorn servers, two job workers, a streaming replica of the PostgreSQL primary
# (pg_basebackup; needs replication allowed from 127.0.0.1 in pg_hba.conf), moto's S3 server and
# the machine's Redis (moto and requests come with the test extra; HAProxy from Debian).
# `make cluster` runs until Ctrl-C; `make cluster-smoke` runs the smoke test (journeys through
# the load balancer, a server and a worker killed midway, the sizing figures in CLUSTER_REPORT)
# and stops. CLUSTER_PORT: first of the ports it takes (+0..+30).
CLUSTER_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/cluster
CLUSTER_REDIS_URL ?= redis://127.0.0.1:6379/0
CLUSTER_QUEUE_URL ?= redis://127.0.0.1:6379/1
CLUSTER_PORT ?= 8500
CLUSTER_REPLICA_PORT ?= 5440
CLUSTER_REPORT ?= cluster-report.json
CLUSTER_ENV = CLUSTER_DATABASE_URL="$(CLUSTER_DATABASE_URL)" CLUSTER_REDIS_URL="$(CLUSTER_REDIS_URL)" \
	CLUSTER_QUEUE_URL="$(CLUSTER_QUEUE_URL)" CLUSTER_PORT="$(CLUSTER_PORT)" \
	CLUSTER_REPLICA_PORT="$(CLUSTER_REPLICA_PORT)" CLUSTER_REPORT="$(CLUSTER_REPORT)"
cluster: $(VENV)/.installed-test
	$(CLUSTER_ENV) $(BIN)/python tools/cluster.py

cluster-smoke: $(VENV)/.installed-test
	$(CLUSTER_ENV) $(BIN)/python tools/cluster.py --smoke
