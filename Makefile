# The README's two commands: `make demo` and `make test`. Each sets up everything it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export VIRTUAL_ENV := $(abspath $(VENV))

.PHONY: demo test dev release lint rust-test py-test bench bench-smoke wheel clean

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

# The release wheel for x86_64 Linux users: manylinux2014 (glibc 2.17 and newer) built on
# this newer system with zig as C compiler and linker (aws-lc-sys compiles C), then checked:
# twine, its files, and auditwheel plus an ELF scan for any symbol newer than glibc 2.17.
WHEEL_TARGET := x86_64-unknown-linux-gnu
$(VENV)/.release-deps: requirements-release.txt | $(VENV)/.deps
	$(BIN)/pip install --quiet -r requirements-release.txt
	touch $@

wheel: $(VENV)/.release-deps
	rm -f dist/exa_webhooks-*.whl
	# maturin runs `python3 -m ziglang`: the venv's python must come first.
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/maturin build --release --zig \
		--compatibility manylinux2014 --target $(WHEEL_TARGET) --out dist
	$(BIN)/twine check --strict dist/exa_webhooks-*.whl
	EXA_WHEEL="$$(ls dist/exa_webhooks-*.whl)" $(BIN)/python -m pytest -q -p no:cacheprovider \
		tests_dist/test_wheel.py
	@ls -l dist/exa_webhooks-*.whl

demo: release
	$(BIN)/python examples/quickstart.py

lint: dev
	cargo fmt --check
	cargo clippy --workspace --all-targets -- -D warnings
	$(BIN)/ruff check python tests tests_dist examples bench
	$(BIN)/ruff format --check python tests tests_dist examples bench
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
