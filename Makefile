# PSP Portfolio. The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
# Two stamps: the runtime (requirements.lock) is all `make run`, `make worker` and `make check`
# need; `make install`, `make test` and `make lint` add the development tools
# (requirements-dev.lock, which includes the runtime lock).
RUNTIME_STAMP := $(VENV)/.installed-runtime
STAMP := $(VENV)/.installed
DEMO_ENV := PSP_LOCAL=1 PSP_DEMO=1
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install browser lint check test-fast worker clean bench bench-small

# Create the virtualenv and install exactly the versions pinned in requirements.lock (runtime).
$(RUNTIME_STAMP): requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet --no-deps -r requirements.lock
	$(VENV)/bin/pip check
	touch $(RUNTIME_STAMP)

# Add the development and test tools pinned in requirements-dev.lock.
$(STAMP): $(RUNTIME_STAMP) requirements-dev.lock
	$(VENV)/bin/pip install --quiet --no-deps -r requirements-dev.lock
	$(VENV)/bin/pip check
	touch $(STAMP)

install: $(STAMP)

## make run: the embedded default (SQLite, tasks in-process, demo data) on http://127.0.0.1:8000
run: $(RUNTIME_STAMP)
	mkdir -p var/staticfiles
	$(DEMO_ENV) $(PY) manage.py migrate --noinput
	$(DEMO_ENV) $(PY) manage.py seed_demo
	@echo "PSP Portfolio: open http://$(HOST):$(PORT)/ and sign in with a demo login above."
	$(DEMO_ENV) $(PY) manage.py runserver --noreload $(HOST):$(PORT)

## make test: the whole suite, end-to-end browser tests included. The database is DATABASE_URL
## when set; otherwise PostgreSQL at $(TEST_DATABASE_URL) when it answers, else SQLite. The
## first lines of the run say which ("database: ...").
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
PG_ANSWERS := import socket, urllib.parse as u; p = u.urlsplit("$(TEST_DATABASE_URL)"); \
  socket.create_connection((p.hostname or "127.0.0.1", p.port or 5432), timeout=2).close()
# Runs pytest with DATABASE_URL chosen as above; the arguments are pytest's.
pytest_on_best_db = if [ -n "$$DATABASE_URL" ]; then $(PY) -m pytest $(1); \
  elif $(PY) -c '$(PG_ANSWERS)' 2>/dev/null; then DATABASE_URL=$(TEST_DATABASE_URL) $(PY) -m pytest $(1); \
  else echo "PostgreSQL does not answer at $(TEST_DATABASE_URL): running the tests on SQLite"; \
  $(PY) -m pytest $(1); fi

test: $(STAMP) browser
	@$(call pytest_on_best_db,)

## make test-fast: everything but the browser tests (same choice of database)
test-fast: $(STAMP)
	@$(call pytest_on_best_db,-m "not e2e")

# The end-to-end tests drive Debian's Chromium (never a downloaded browser).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing Debian chromium for the end-to-end tests"; \
	    (apt-get install -y --no-install-recommends chromium || \
	     (apt-get update && apt-get install -y --no-install-recommends chromium)) >/dev/null; \
	  else \
	    echo "The end-to-end tests need Chromium: sudo apt-get install chromium" >&2; exit 1; \
	  fi; \
	fi

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

check: $(RUNTIME_STAMP)
	DJANGO_DEBUG=1 $(PY) manage.py check
	DJANGO_DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

## make worker: a Celery worker (needs CELERY_BROKER_URL or REDIS_URL)
worker: $(RUNTIME_STAMP)
	$(VENV)/bin/celery -A psp worker --loglevel=INFO --concurrency=2

## make bench: the program-scale benchmarks (docs/design.md §8) on PostgreSQL + Redis at reference
## scale (200 sites, 2,000,000 incidents; about half an hour on 2 cores); results in
## bench/results/ and docs/benchmarks.md. make bench-small: the same in under 3 minutes.
## The database is PSP_BENCH_DATABASE_URL (default …/psp_bench_<scale>).
bench: $(STAMP)
	$(PY) -m bench --scale reference

bench-small: $(STAMP)
	$(PY) -m bench --scale small

clean:
	rm -rf $(VENV) var/db.sqlite3 var/test
