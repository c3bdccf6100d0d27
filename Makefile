# PSP Portfolio. The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_ENV := DJANGO_DEBUG=1 PSP_DEMO=1
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install browser lint check test-fast worker clean bench bench-small

# Create the virtualenv and install exactly the versions pinned in requirements.lock.
$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet --no-deps -r requirements.lock
	$(VENV)/bin/pip check
	touch $(STAMP)

install: $(STAMP)

## make run: the embedded default (SQLite, tasks in-process, demo data) on http://127.0.0.1:8000
run: $(STAMP)
	mkdir -p var/staticfiles
	$(DEMO_ENV) $(PY) manage.py migrate --noinput
	$(DEMO_ENV) $(PY) manage.py seed_demo
	@echo "PSP Portfolio: open http://$(HOST):$(PORT)/ and sign in with a demo login above."
	$(DEMO_ENV) $(PY) manage.py runserver --noreload $(HOST):$(PORT)

## make test: the whole suite, end-to-end browser tests included (SQLite unless DATABASE_URL is set)
test: $(STAMP) browser
	$(PY) -m pytest

## make test-fast: everything but the browser tests
test-fast: $(STAMP)
	$(PY) -m pytest -m "not e2e"

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

check: $(STAMP)
	DJANGO_DEBUG=1 $(PY) manage.py check
	DJANGO_DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

## make worker: a Celery worker (needs CELERY_BROKER_URL or REDIS_URL)
worker: $(STAMP)
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
