# arazzo-codegen: `make generate` compiles specs/ into generated/, `make test` runs every CI check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
GENERATE := $(BIN)/arazzo-codegen generate

.PHONY: install generate test check-generated lint typecheck unit clean bench corpus corpus-run

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "arazzo-codegen needs Python 3.11 or newer (set PYTHON=...)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

generate: $(INSTALLED)
	$(GENERATE)

test: check-generated lint typecheck unit

check-generated: $(INSTALLED)
	$(GENERATE) --check

lint: $(INSTALLED)
	$(BIN)/ruff check generator tests generated examples tools templates bench
	$(BIN)/ruff format --check generator tests examples tools bench
	$(BIN)/black --check --quiet --line-length 100 --target-version py311 generated templates

typecheck: $(INSTALLED)
	$(BIN)/mypy --strict --explicit-package-bases generator generated examples

unit: $(INSTALLED)
	$(BIN)/pytest

# corpus: compile every document of ../shared/corpus and print the figures (ARGS=--regenerate
# rewrites tests/corpus_expectations.txt); `make test` checks the same expectations.
corpus: $(INSTALLED)
	$(BIN)/python tools/corpus_report.py $(ARGS)

# corpus-run: run every workflow of the compiled corpus documents against Stoplight Prism mocks
# of their OpenAPI descriptions and classify each run (tools/corpus_run.py; ARGS=--verbose,
# --sample N). `make test` runs a sample of it (tests/test_corpus_run.py).
corpus-run: $(INSTALLED) npm-tools
	$(BIN)/python tools/corpus_run.py $(ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

# bench: the performance benchmark (bench/README.md); not part of `make test`. arazzo-runner and
# openapi-python-client are installed into venvs of their own; when an install fails the
# benchmark says so and runs the rest.
BENCH_RUNNER_VENV := bench/.venv-runner
BENCH_RUNNER_STAMP := $(BENCH_RUNNER_VENV)/.installed
ARAZZO_RUNNER ?= arazzo-runner==0.9.6
BENCH_OAPC_VENV := bench/.venv-oapc
BENCH_OAPC_STAMP := $(BENCH_OAPC_VENV)/.installed
OPENAPI_PYTHON_CLIENT ?= openapi-python-client==0.29.1
BENCH_ARGS ?=

bench: $(INSTALLED) $(BENCH_RUNNER_STAMP) $(BENCH_OAPC_STAMP)
	$(BIN)/python -m bench --runner-python $(BENCH_RUNNER_VENV)/bin/python \
	  --oapc-python $(BENCH_OAPC_VENV)/bin/python $(BENCH_ARGS)

$(BENCH_OAPC_STAMP):
	@mkdir -p bench/results
	@echo "installing $(OPENAPI_PYTHON_CLIENT) into $(BENCH_OAPC_VENV) (log: bench/results/oapc-install.log)"
	@( rm -rf $(BENCH_OAPC_VENV) && $(PYTHON) -m venv $(BENCH_OAPC_VENV) \
	    && $(BENCH_OAPC_VENV)/bin/python -m pip install --quiet --timeout 60 '$(OPENAPI_PYTHON_CLIENT)' \
	    && touch $@ ) > bench/results/oapc-install.log 2>&1 \
	  || echo "warning: could not install $(OPENAPI_PYTHON_CLIENT); typed outputs are measured without it (see bench/results/oapc-install.log)"

$(BENCH_RUNNER_STAMP):
	@mkdir -p bench/results
	@echo "installing $(ARAZZO_RUNNER) into $(BENCH_RUNNER_VENV) (log: bench/results/runner-install.log)"
	@( rm -rf $(BENCH_RUNNER_VENV) && $(PYTHON) -m venv $(BENCH_RUNNER_VENV) \
	    && $(BENCH_RUNNER_VENV)/bin/python -m pip install --quiet --timeout 60 '$(ARAZZO_RUNNER)' \
	    && touch $@ ) > bench/results/runner-install.log 2>&1 \
	  || echo "warning: could not install $(ARAZZO_RUNNER); the benchmark runs without it (see bench/results/runner-install.log)"

# npm-tools: the Node tools the Prism and Redocly tests run (package.json, package-lock.json),
# installed into node_modules/ with `npm ci` when missing or older than the lock file. Without
# npm it only says so: those tests then skip (CI installs Node and npm, see .ci/run).
.PHONY: npm-tools
NPM_STAMP := node_modules/.package-lock.json

npm-tools:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(NPM_STAMP); \
	else echo "npm not found: skipping npm-tools; the Prism and Redocly tests will be skipped (install Node.js and npm to run them)"; fi

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

unit: npm-tools
