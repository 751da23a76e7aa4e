# consentgate: `make run` to serve the demo city, `make test` to run the tests.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | sha256sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000
# The second test pass runs on PostgreSQL when it answers here (CI starts it; see .ci/run).
TEST_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: install run serve seed test test-sqlite test-postgres lint typecheck clean

$(STAMP): requirements.lock pyproject.toml
	@$(PY) -c 'import sys; assert sys.version_info[:2] == (3, 11), "consentgate needs Python 3.11"'
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

# Seed the demo city into var/consentgate.db if it is empty, print demo tokens, serve.
run: install
	$(BIN)/consentgate seed
	$(BIN)/consentgate serve --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/consentgate serve --host $(HOST) --port $(PORT)

seed: install
	$(BIN)/consentgate seed

lint: install
	$(BIN)/ruff check app tests scripts
	$(BIN)/ruff format --check app tests scripts

typecheck: install
	$(BIN)/mypy

test: install lint typecheck test-sqlite test-postgres

# pytest exits 5 when it collected no tests: say so and fail, rather than pass on nothing.
test-sqlite: install
	@$(BIN)/python -m pytest -p no:cacheprovider; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi; exit $$rc

test-postgres: install
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(subst +psycopg,,$(TEST_PG_URL))', connect_timeout=3).close()" 2>/dev/null; then \
	  CONSENTGATE_TEST_PG_URL=$(TEST_PG_URL) $(BIN)/python -m pytest -p no:cacheprovider; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi; exit $$rc; \
	else \
	  echo "SKIPPED the PostgreSQL pass: no server at $(TEST_PG_URL)."; \
	  echo "Start one (pg_ctlcluster --skip-systemctl-redirect 15 main start) or set TEST_PG_URL."; \
	fi

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis

# Issue 4: a long exploration of the consent guarantee (docs/guarantee.md). VERIFY_POLICY
# names a preset or module:CLASS; the property suite runs with the long budgets too.
VERIFY_POLICY ?= privacy-by-design
VERIFY_STEPS ?= 50000
VERIFY_SEED ?= 0
.PHONY: verify
verify: install
	$(BIN)/consentgate verify --policy $(VERIFY_POLICY) --steps $(VERIFY_STEPS) --seed $(VERIFY_SEED)
	$(BIN)/consentgate verify --policy $(VERIFY_POLICY) --steps $$(( $(VERIFY_STEPS) / 25 )) --seed $(VERIFY_SEED) --level http --history 20
	CONSENTGATE_VERIFY_PROFILE=long $(BIN)/python -m pytest -p no:cacheprovider -q tests/property
