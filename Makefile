# consentgate: `make run` to serve the demo city, `make test` to run the tests.
# The interpreter: the first of these that can make a virtualenv. Debian's /usr/bin/python3.11
# comes first: it is built with profile-guided and link-time optimisation and libpython linked
# in, and runs the tests and the simulation about 1.3 times as fast as a plain source build of
# 3.11 (pyenv's default, which this machine also has; docs/performance.md, "The interpreter").
# `make PY=/path/to/python3.11` chooses another; the venv is made again when it changes.
ifndef PY
PY := $(shell for p in /usr/bin/python3.11 python3.11 python3; do \
  command -v $$p >/dev/null 2>&1 && $$p -c 'import ensurepip, venv' 2>/dev/null \
  && { command -v $$p; break; }; done)
endif
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell (cat requirements.lock pyproject.toml; echo "$(PY)"; readlink -f "$(PY)") | sha256sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000
# The second test pass runs on PostgreSQL when it answers here (CI starts it; see .ci/run).
TEST_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# Each pass is spread over TEST_WORKERS processes (pytest-xdist), one per core of the 2-core
# machine; TEST_WORKERS=0 runs it in one process, as before (README, "Running the tests").
TEST_WORKERS ?= 2
PYTEST := $(BIN)/python -m pytest -p no:cacheprovider -n $(TEST_WORKERS)

.PHONY: install run serve seed test test-sqlite test-postgres lint typecheck clean

$(STAMP): requirements.lock pyproject.toml
	@test -n "$(PY)" || { echo "no Python 3.11 that can make a virtualenv: install one (Debian: python3.11-venv) or set PY=..."; exit 1; }
	@$(PY) -c 'import sys; assert sys.version_info[:2] == (3, 11), "consentgate needs Python 3.11"'
	$(PY) -m venv --clear $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

# Seed the demo city into var/consentgate.db if it is empty, print demo tokens, serve.
run: install
	$(BIN)/consentgate seed --url http://$(HOST):$(PORT)
	$(BIN)/consentgate serve --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/consentgate serve --host $(HOST) --port $(PORT)

seed: install
	$(BIN)/consentgate seed --url http://$(HOST):$(PORT)

lint: install
	$(BIN)/ruff check app tests scripts bench
	$(BIN)/ruff format --check app tests scripts bench

typecheck: install
	$(BIN)/mypy

test: install lint typecheck test-sqlite test-postgres

# pytest exits 5 when it collected no tests: say so and fail, rather than pass on nothing.
test-sqlite: install
	@$(PYTEST); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi; exit $$rc

test-postgres: install
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(subst +psycopg,,$(TEST_PG_URL))', connect_timeout=3).close()" 2>/dev/null; then \
	  CONSENTGATE_TEST_PG_URL=$(TEST_PG_URL) $(PYTEST); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi; exit $$rc; \
	else \
	  echo "SKIPPED the PostgreSQL pass: no server at $(TEST_PG_URL)."; \
	  echo "Start one (pg_ctlcluster --skip-systemctl-redirect 15 main start) or set TEST_PG_URL."; \
	fi

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis

# --- web walkthrough (issue 9) ---
.PHONY: test-web screenshots
# The pages' tests only; the browser ones need Debian's /usr/bin/chromium (.ci/run installs it).
test-web: install
	$(BIN)/python -m pytest -p no:cacheprovider tests/web

# Refresh the README's two screenshots from the browser walkthrough's artefacts.
screenshots: install
	$(BIN)/python -m pytest -p no:cacheprovider -q tests/web/browser
	mkdir -p docs/img
	cp test-artifacts/web/02-agency-portal.png docs/img/web-agency-portal.png
	cp test-artifacts/web/07-side-by-side.png docs/img/web-side-by-side.png
# --- security (issue 7) --------------------------------------------------------------------
# `make audit`: pip-audit over requirements.lock, for a machine that can reach the advisory
# services. It fails when a package could not be looked up (pip-audit then calls it "skipped"
# and still exits 0, which proves nothing); `make test` and CI never run it. docs/security.md
# lists the known advisories against the pinned versions and why each does or does not apply.
PIP_AUDIT := pip-audit==2.10.1
AUDIT_VENV := .venv-audit

.PHONY: audit
audit:
	@test -x $(AUDIT_VENV)/bin/pip-audit || \
	  ($(PY) -m venv $(AUDIT_VENV) && $(AUDIT_VENV)/bin/python -m pip install --quiet $(PIP_AUDIT))
	@mkdir -p var
	@rm -f var/pip-audit.json
	-$(AUDIT_VENV)/bin/pip-audit --requirement requirements.lock --no-deps --disable-pip \
	  --progress-spinner off --format json --output var/pip-audit.json
	$(AUDIT_VENV)/bin/python scripts/audit_lock.py var/pip-audit.json
# The policy library: the exact noise sampler against a floating-point yardstick.
.PHONY: bench-policies
bench-policies: install
	$(BIN)/python scripts/bench_noise.py
# Auditor toolkit (issue 5): append cost of the Merkle audit log at growing sizes.
.PHONY: bench-audit
bench-audit: install
	$(BIN)/python scripts/bench_audit.py
# --- scale (issue 8): migrations, race stress, benchmarks ---------------------------------------
.PHONY: migration stress bench

# A new Alembic revision from the difference between the models and the newest migration.
migration: install
	@test -n "$(MSG)" || (echo 'usage: make migration MSG="what changes"'; exit 2)
	@rm -f var/migration-scratch.db
	DATABASE_URL=sqlite:///var/migration-scratch.db $(BIN)/alembic upgrade head
	DATABASE_URL=sqlite:///var/migration-scratch.db $(BIN)/alembic revision --autogenerate -m "$(MSG)"
	@rm -f var/migration-scratch.db

# One table of figures (docs/performance.md); PostgreSQL rows when it answers at TEST_PG_URL.
bench: install
	TEST_PG_URL=$(TEST_PG_URL) $(BIN)/python -m bench.run

# The race tests at 10,000 trials and the crash test repeated, on SQLite then PostgreSQL.
STRESS_TRIALS ?= 10000
STRESS_CRASHES ?= 10
stress: install
	CONSENTGATE_RACE_TRIALS=$(STRESS_TRIALS) CONSENTGATE_CRASH_ROUNDS=$(STRESS_CRASHES) \
	  $(BIN)/python -m pytest -p no:cacheprovider -q tests/scale
	@if $(BIN)/python -c "import psycopg; psycopg.connect('$(subst +psycopg,,$(TEST_PG_URL))', connect_timeout=3).close()" 2>/dev/null; then \
	  CONSENTGATE_TEST_PG_URL=$(TEST_PG_URL) CONSENTGATE_RACE_TRIALS=$(STRESS_TRIALS) \
	  CONSENTGATE_CRASH_ROUNDS=$(STRESS_CRASHES) $(BIN)/python -m pytest -p no:cacheprovider -q tests/scale; \
	else \
	  echo "SKIPPED the PostgreSQL stress pass: no server at $(TEST_PG_URL)."; \
	  echo "Start one (pg_ctlcluster --skip-systemctl-redirect \$$(ls /etc/postgresql) main start) or set TEST_PG_URL."; \
	fi
# --- simulation (issue 6) ---------------------------------------------------------------------
.PHONY: bench-sim bench-sim-million
# Workflow events per second of an in-memory simulation (docs/performance.md, "Simulation").
bench-sim: install
	$(BIN)/python -m app.sim.bench

# The 1,000,000-camera, one-year run: minutes of wall time and about 2 GiB of memory.
bench-sim-million: install
	$(BIN)/python -m app.sim.bench --million
# Issue 4: a long exploration of the consent guarantee (docs/guarantee.md). VERIFY_POLICY
# names a preset or module:CLASS; the property suite runs with the long budgets too.
# Last, schemathesis calls the served demo city as a client, with no token and each role's
# (scripts/fuzz_api.py; docs/security.md): seeded, offline, at most FUZZ_BUDGET seconds, and
# failing on any finding. FUZZ_PORT must be free on 127.0.0.1.
VERIFY_POLICY ?= privacy-by-design
VERIFY_STEPS ?= 50000
VERIFY_SEED ?= 0
FUZZ_PORT ?= 8311
FUZZ_BUDGET ?= 170
.PHONY: verify fuzz-api
verify: install
	$(BIN)/consentgate verify --policy $(VERIFY_POLICY) --steps $(VERIFY_STEPS) --seed $(VERIFY_SEED)
	$(BIN)/consentgate verify --policy $(VERIFY_POLICY) --steps $$(( $(VERIFY_STEPS) / 25 )) --seed $(VERIFY_SEED) --level http --history 20
	CONSENTGATE_VERIFY_PROFILE=long $(BIN)/python -m pytest -p no:cacheprovider -q tests/property
	$(MAKE) --no-print-directory fuzz-api

fuzz-api: install
	$(BIN)/python -m scripts.fuzz_api --seed $(VERIFY_SEED) --port $(FUZZ_PORT) --budget $(FUZZ_BUDGET)
