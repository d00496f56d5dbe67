# arazzo-codegen: `make generate` compiles specs/ into generated/, `make test` runs every CI check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
TIKTOK_SPEC := specs/arazzo/tiktok-for-developers-oauth-login-and-profile-workflow.yml
GENERATE := $(BIN)/arazzo-codegen generate $(TIKTOK_SPEC) -o generated --package tiktok

.PHONY: install generate test check-generated lint typecheck unit clean

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
	$(BIN)/ruff check generator tests generated
	$(BIN)/ruff format --check generator tests
	$(BIN)/black --check --quiet --line-length 100 --target-version py311 generated

typecheck: $(INSTALLED)
	$(BIN)/mypy --strict generator generated

unit: $(INSTALLED)
	$(BIN)/pytest

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
