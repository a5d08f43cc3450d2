# Punchcard: `make run` serves the app, `make test` runs the whole suite. Nothing else to install.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2
export PORT HOST DATABASE_URL

.PHONY: run dev test lint fmt bench clean

$(BIN)/.installed: requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	@touch $@

# Plain HTTP on loopback, so the session cookie must not be marked Secure here. --timeout 120: a
# 5,000-row CSV import (checked, then written in one transaction) takes up to ~45 s on PostgreSQL.
run: $(BIN)/.installed
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py collectstatic --noinput -v0
	@echo "Punchcard is serving on http://$(HOST):$(PORT)  (Ctrl-C to stop)"
	SECURE_COOKIES=0 $(BIN)/gunicorn config.wsgi --bind $(HOST):$(PORT) --workers $(WORKERS) --threads 4 --timeout 120 \
		--access-logfile - --forwarded-allow-ips 127.0.0.1

dev: $(BIN)/.installed
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py seed_demo
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(BIN)/.installed
	$(BIN)/pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(BIN)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Generates (once) a chain-sized studio and measures it through gunicorn: see README, "Benchmark".
# SQLite in its own file under BENCH_VAR; DATABASE_URL=postgresql://…/punchcard_bench for PostgreSQL.
BENCH_VAR ?= var/bench
bench: $(BIN)/.installed
	PUNCHCARD_VAR_DIR=$(BENCH_VAR) DJANGO_SETTINGS_MODULE=config.settings $(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var/static var/test*.sqlite3*
