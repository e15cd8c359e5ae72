# BZPEER: `make demo` runs the whole stack with demo data; `make test` runs the suite.
# Both work from a clean clone: they create .venv, install what they need and, unless
# DATABASE_URL and REDIS_URL are set, start project-local PostgreSQL and Redis in .data/
# (scripts/localservices.py; `make stop` stops them).

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
# The venv is (re)installed only when a requirements file changes.
VENV_STAMP := $(VENV)/.requirements.stamp
# What the Docker image installs: requirements.txt alone, without the test tools (whose own
# dependencies could hide a missing runtime package). scripts/runtime_venv.py rebuilds it only
# when the sha256 of requirements.txt changes; tests/test_runtime_install.py runs web, worker
# and a task in it, and finds it through BZPEER_RUNTIME_VENV.
RUNTIME_VENV := .venv-runtime
# npm's tools of the page checks (package.json): axe-core, injected by the browser tests; vnu-jar,
# the Nu HTML checker (tests/test_valid_html.py); lighthouse (`make audit`). One stamp for all.
NODE_TOOLS := node_modules/.bzpeer-npm-ci.stamp
# The OpenAlex parser compiled with mypyc (scripts/compile_parser.py); rebuilt when its source
# changes, and used only for exactly the source it was built from (works/__init__.py).
COMPILED_STAMP := .build/compiled/stamp
CHROMIUM ?= /usr/bin/chromium
SERVICES := python3 scripts/localservices.py
PYTEST_ARGS ?=

# Shell prefix for recipes that need the services: exports DATABASE_URL / REDIS_URL of the
# local services for whichever of the two is not already set, and DEBUG=1 unless set.
WITH_SERVICES = urls="$$($(SERVICES) env --skip-configured)" || exit 1; eval "$$urls"; \
	export DEBUG="$${DEBUG:-1}";

.PHONY: help venv runtime-venv compiled debian-tools axe node-tools assets services test demo lint audit bench-import bench-trust bench-web \
	bench-work bench-load bench-following bench-explorer bench-graph bench-collaboration bench-export bench-search bench-api bench-snapshot \
	stop status clean distclean

help:
	@echo "make demo          migrate, import the demo data, run web + worker + beat (Ctrl-C stops)"
	@echo "make test          install test needs, start services, ruff check, pytest"
	@echo "make lint          ruff check + mypy"
	@echo "make audit         Lighthouse's scores of the demo's main pages (a running demo, or starts one)"
	@echo "make assets        copy the explorer's browser libraries from node_modules to static/vendor/ (committed)"
	@echo "make bench-import | bench-trust | bench-web | bench-work | bench-load | bench-following | bench-explorer | bench-graph | bench-collaboration | bench-export | bench-search | bench-api | bench-snapshot   benchmarks (scripts/bench/)"
	@echo "make services | status | stop   project-local PostgreSQL and Redis in .data/"
	@echo "make runtime-venv  $(RUNTIME_VENV): requirements.txt alone, as the Docker image installs"
	@echo "make clean         stop services, delete .data/, $(RUNTIME_VENV) and caches (distclean: also .venv)"

venv: $(VENV_STAMP)

runtime-venv:
	@$(PYTHON) scripts/runtime_venv.py --venv $(RUNTIME_VENV) >/dev/null

$(VENV_STAMP): requirements.txt requirements-test.txt
	@test -x $(PY) || { echo "creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet --disable-pip-version-check \
		-r requirements.txt -r requirements-test.txt
	@touch $@

compiled: $(COMPILED_STAMP)

$(COMPILED_STAMP): works/openalex_parser.py works/import_rows.py profiles/identifiers.py profiles/orcid.py profiles/domains.py \
		profiles/names.py profiles/bio.py profiles/bidi.py scripts/compile_parser.py $(VENV_STAMP)
	@$(PY) scripts/compile_parser.py
	@touch $@

# Debian packages the tests need: Chromium for the Playwright browser tests (Playwright cannot
# download its own here), docker-compose, which checks docker-compose.yml, and nginx, which
# tests/deploy runs unprivileged on loopback in front of gunicorn (its own config and ports;
# the tests never use the system service the package may start on port 80), a Java runtime
# for the Nu HTML checker (vnu-jar from npm is a Java program), and psql, through which
# scripts/bench/compare_loader.py runs OpenAlex's loader (tests/scripts/test_compare_loader.py).
DEBIAN_TOOLS := $(CHROMIUM):chromium /usr/bin/docker-compose:docker-compose /usr/sbin/nginx:nginx \
	/usr/bin/java:default-jre-headless /usr/bin/psql:postgresql-client

debian-tools:
	@missing=""; for tool in $(DEBIAN_TOOLS); do \
	  [ -x "$${tool%%:*}" ] || missing="$$missing $${tool##*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; \
	  elif command -v sudo >/dev/null; then sudo="sudo"; \
	  else echo "missing:$$missing; installing needs root or sudo:" \
	    "apt-get install -y --no-install-recommends$$missing" >&2; exit 1; fi; \
	  echo "installing Debian packages:$$missing"; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    $$sudo apt-get install -y -qq --no-install-recommends $$missing \
	  || { echo "could not install$$missing with apt-get (see above)" >&2; exit 1; }; \
	  for tool in $(DEBIAN_TOOLS); do [ -x "$${tool%%:*}" ] || \
	    { echo "apt-get ran but $${tool%%:*} is missing" >&2; exit 1; }; done; \
	fi

axe: node-tools

node-tools: $(NODE_TOOLS)

$(NODE_TOOLS): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for axe-core, vnu-jar and lighthouse (apt-get install npm)" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The explorer's browser libraries (package.json dependencies, locked in package-lock.json):
# scripts/vendor_assets.py copies their browser builds to static/vendor/<package>/ (committed).
assets: $(NODE_TOOLS)
	$(PYTHON) scripts/vendor_assets.py

services:
	@$(SERVICES) start --skip-configured

status:
	@$(SERVICES) status

stop:
	@$(SERVICES) stop

# --no-skips: a skipped test fails the run (tests/conftest.py); everything must run here and in CI.
test: venv runtime-venv compiled debian-tools node-tools services lint
	@$(WITH_SERVICES) echo "pytest with DATABASE_URL=$$DATABASE_URL REDIS_URL=$$REDIS_URL"; \
	BZPEER_RUNTIME_VENV="$(abspath $(RUNTIME_VENV))" $(VENV)/bin/pytest --no-skips $(PYTEST_ARGS)

# scripts/demo.py starts (and on Ctrl-C stops) the services itself.
demo: venv compiled
	$(PY) scripts/demo.py

# Lighthouse on the demo's main pages, anonymous and signed in (scripts/audit.py): against a
# running `make demo` at AUDIT_URL, else it starts one (with the services) and stops it after.
AUDIT_URL ?= http://127.0.0.1:8000
audit: venv compiled debian-tools node-tools
	CHROME_PATH="$${CHROME_PATH:-$(CHROMIUM)}" $(PY) scripts/audit.py --url $(AUDIT_URL)

lint: venv
	$(VENV)/bin/ruff check .
	DEBUG="$${DEBUG:-1}" $(VENV)/bin/mypy .

# On the project-local PostgreSQL (fsync off; the script starts it even when DATABASE_URL is
# set) and, when DATABASE_URL names another server (a system PostgreSQL, fsync on), on that
# one too, each labelled with its settings (scripts/bench/bench_import.py).
bench-import: venv compiled services
	@$(WITH_SERVICES) $(PY) scripts/bench/bench_import.py

bench-trust: venv compiled services
	@$(WITH_SERVICES) $(PY) scripts/bench/bench_trust.py

bench-web: venv compiled services
	@$(WITH_SERVICES) $(PY) scripts/bench/bench_web.py

bench-following: venv compiled services
	@$(WITH_SERVICES) $(PY) scripts/bench/bench_following.py

bench-search: venv compiled services
	@$(WITH_SERVICES) $(PY) scripts/bench/bench_search.py

# The API's researcher endpoint against /healthz, on bench-web's database (migrated, never
# loaded: run bench-web first). DATABASE selects another one.
bench-api: venv compiled services
	@$(WITH_SERVICES) $(PY) scripts/bench/bench_api.py $(if $(DATABASE),--database $(DATABASE))

# The snapshot sync (import_openalex --snapshot) on 1 and on 2 Celery workers of its own: works/s,
# CPU-seconds per 1,000 works of the workers and of PostgreSQL, WAL, each worker's peak memory
# (docs/performance.md, docs/scaling.md). Its own database (bzpeer_bench_snapshot, recreated per
# run), queue and Redis database; BENCH_ARGS passes options (--files-baseline, --no-big-part).
bench-snapshot: venv compiled services
	@$(WITH_SERVICES) $(PY) scripts/bench/bench_snapshot.py $(BENCH_ARGS)

bench-graph: venv services
	@$(WITH_SERVICES) $(PY) scripts/bench/bench_graph.py

# The poll, the unread count and a 10,000-message conversation, on bench-web's database (migrated
# and extended, never loaded: run bench-web first). DATABASE selects another one.
bench-collaboration: venv compiled services
	@$(WITH_SERVICES) $(PY) scripts/bench/bench_collaboration.py $(if $(DATABASE),--database $(DATABASE))

# The citation exports of a 1,000-work profile, on bench-web's database (migrated, never
# loaded: run bench-web first). DATABASE selects another one.
bench-export: venv services
	@$(WITH_SERVICES) $(PY) scripts/bench/bench_export.py $(if $(DATABASE),--database $(DATABASE))

bench-work: venv services
	@$(WITH_SERVICES) $(PY) scripts/bench/bench_work_page.py

# nginx + gunicorn under 200 clients (docs/performance.md). Its own Redis; PostgreSQL is
# DATABASE_URL's server when set, else the project-local one, which the script starts itself.
# nginx comes from debian-tools; the load client is the script's own (no wrk needed).
bench-load: venv compiled debian-tools
	$(PY) scripts/bench/bench_load.py

# The explorer's expand endpoint and its first drawing in Chromium, on the web benchmark's
# database (migrated and extended, never reloaded; BENCH_DB, default bzpeer_bench_web).
bench-explorer: venv compiled debian-tools services
	@$(WITH_SERVICES) $(PY) scripts/bench/bench_explorer.py $(BENCH_ARGS)

clean:
	$(SERVICES) clean
	rm -rf staticfiles .pytest_cache .ruff_cache .mypy_cache .build $(RUNTIME_VENV) $(RUNTIME_VENV).lock
	find . -path ./.venv -prune -o -path ./node_modules -prune -o \
		-name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) node_modules
