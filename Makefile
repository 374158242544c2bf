# Zhongtai: `make demo` runs the platform on its embedded default; `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
TOOLS := .tools
UV := $(TOOLS)/bin/uv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# Machines of this kind set PYTHONDONTWRITEBYTECODE=1, so no process ever keeps the bytecode it
# compiled: every start-up compiled Great Expectations, pandas and SQLAlchemy again (importing
# GE took 11 s instead of 3.7). The installed packages are compiled once at install, and the
# commands run here may keep the bytecode of the project's own modules.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install system-deps demo airflow test test-load test-production lint bench clean

install: $(VENV)/.installed

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==0.13.8

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python 3.11 --compile-bytecode
	$(VENV)/bin/python -m compileall -q catalog quality lakehouse exchange_api schemas dags bench
	touch $@

demo: install
	$(VENV)/bin/zhongtai demo $(if $(DEMO_NO_SERVE),--no-serve,)

# Airflow 3 on 127.0.0.1:8080 (AIRFLOW_PORT=…) against dags/, its home and SQLite metadata DB in
# var/airflow; sign in as admin with the password in var/airflow/passwords.json (README).
airflow: install
	bash infra/airflow.sh

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# The system packages the tests need (PostgreSQL, chromium, CJK fonts): apt-get installs only
# what is missing; without root it says what to run and stops.
system-deps:
	bash infra/system-deps.sh

# Two pytest-xdist workers (CI has 2 cores; TEST_WORKERS=… elsewhere), a test file to a worker:
# a module's fixtures (the published platform, the lake) are built once and its tests keep the
# order a serial run gives them; each worker starts its own PostgreSQL and moto servers.
TEST_WORKERS ?= 2
test: system-deps lint
	$(VENV)/bin/pytest -m "not load and not production" --durations=30 -n $(TEST_WORKERS) --dist loadfile

# What `make test` leaves out to stay within CI's time (marker `load`): the benchmarks' smoke
# tests; the twenty crash trials (`make test` kills once at each fault point) and those on a
# PostgreSQL catalog; the inbox DAG run three times; ingesting
# a file larger than DuckDB's memory limit and a big NDJSON file in bounded memory; and the
# audit concurrency test at full size, 16 clients × 1,000 audited requests a catalog engine
# against two server workers (`make test` runs it at 100 requests a client).
test-load: system-deps install
	$(VENV)/bin/pytest -m load
	ZHONGTAI_TEST_LOAD_REQUESTS=1000 $(VENV)/bin/pytest tests/exchange_api/test_audit_concurrency.py

# `make test` air-gapped: installs first (the only step that needs the package registries), then
# runs the suite in a network namespace with only loopback (infra/airgapped.sh; without one it
# says so loudly and runs with the network, or fails with ZT_AIRGAPPED=require).
.PHONY: test-airgapped
test-airgapped: install system-deps
	bash infra/airgapped.sh $(MAKE) test

bench: install system-deps
	$(VENV)/bin/python -m bench

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache

# The deployment files (infra/): the compose file against the Compose schema, the Kubernetes
# manifests built with kubectl kustomize, airflow.cfg against Airflow's options (also in `make test`).
infra-check: install
	$(VENV)/bin/pytest -q tests/infra
.PHONY: infra-check
# Backup → wipe → restore round trips: the embedded default, and (marker production) both
# catalogs on PostgreSQL with the lake in the moto S3 stand-in, and the cross-restore.
.PHONY: test-backup
test-backup: install
	$(VENV)/bin/pytest -q tests/backup
# The platform on the production shape (issue 14): both catalogs on a real PostgreSQL server and
# the lake's files in an S3-compatible store (moto's server on loopback stands in for it). First
# the pipeline, exchange and CLI modules below with ZHONGTAI_TEST_STORES=production (the settings
# fixture and the exchange platform get fresh PostgreSQL databases and a fresh bucket prefix),
# then every test marked `production` (two ingest processes at once, four uvicorn workers, …).
# PRODUCTION_WORKERS=0 runs each in one process.
.PHONY: test-production
PRODUCTION_WORKERS ?= 2
PRODUCTION_MODULES := \
	tests/test_production_switch.py \
	tests/lakehouse/test_publish.py tests/lakehouse/test_publish_modes.py \
	tests/lakehouse/test_ingest_inbox.py tests/lakehouse/test_lineage_runs.py \
	tests/lakehouse/test_pipeline.py tests/lakehouse/test_serving.py tests/lakehouse/test_progress.py \
	tests/exchange_api/test_api.py tests/exchange_api/test_security_matrix.py \
	tests/exchange_api/test_verify_api.py tests/exchange_api/test_bulk_api.py \
	tests/exchange_api/test_audit_api.py tests/exchange_api/test_cli_pull.py \
	tests/exchange_api/test_cli_requests.py tests/exchange_api/test_cli_verify.py
test-production: system-deps install
	ZHONGTAI_TEST_STORES=production $(VENV)/bin/pytest -m "not load and not production" \
		-n $(PRODUCTION_WORKERS) --dist loadfile --durations=15 $(PRODUCTION_MODULES)
	$(VENV)/bin/pytest -m "production and not load" -n $(PRODUCTION_WORKERS) --durations=15
