# The README's two commands: `make demo` and `make test`. Each sets up everything it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export VIRTUAL_ENV := $(abspath $(VENV))

.PHONY: demo test dev release lint rust-test py-test bench bench-smoke clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.deps: requirements-dev.txt requirements-test.txt | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# Debug build of the extension into the venv: quick to compile, for tests.
dev: $(VENV)/.deps
	$(BIN)/maturin develop --quiet

# Optimized build, as users get from `pip install`.
release: $(VENV)/.deps
	$(BIN)/maturin develop --quiet --release

demo: release
	$(BIN)/python examples/quickstart.py

lint: dev
	cargo fmt --check
	cargo clippy --workspace --all-targets -- -D warnings
	$(BIN)/ruff check python tests examples bench
	$(BIN)/ruff format --check python tests examples bench
	$(BIN)/mypy
	$(BIN)/python -m mypy.stubtest exa_webhooks._native

rust-test:
	cargo test

py-test: dev
	$(BIN)/python -m pytest

test: lint rust-test py-test

# Side by side in one run: exa-webhooks vs exa-py vs the pure-Rust limit (bench/RESULTS.md).
bench: release
	cargo build --quiet --release -p exa-bench-limit
	$(BIN)/python bench/run.py

# Tiny sizes, only to prove the harness works (CI).
bench-smoke: dev
	cargo build --quiet -p exa-bench-limit
	$(BIN)/python bench/run.py --smoke

clean:
	rm -rf $(VENV) target
