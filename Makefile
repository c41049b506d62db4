# The README's two commands: `make demo` and `make test`. Each sets up everything it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export VIRTUAL_ENV := $(abspath $(VENV))

.PHONY: demo test dev release docs lint rust-test py-test bench bench-smoke wheel sdist test-matrix check-windows clean

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

# The sdist, then a wheel built from it by pip as a user's pip would (with a warm target dir
# and, by default, the quick dev profile: SDIST_PROFILE=release for the real thing), which
# is checked like a release wheel, installed into a fresh venv and smoke-tested.
# `make test-matrix` runs the whole suite on that wheel.
SDIST_PROFILE ?= dev
SDIST_WHEELS := target/sdist-wheel
sdist: $(VENV)/.deps
	rm -rf dist/exa_webhooks-*.tar.gz $(SDIST_WHEELS)
	$(BIN)/maturin sdist --out dist
	$(BIN)/twine check --strict dist/exa_webhooks-*.tar.gz
	# The sdist's files carry a fixed old mtime, so cargo would take the last builds of the
	# workspace's crates for up-to-date builds of the sdist: drop them (dependencies' stay).
	cargo clean --quiet -p exa-webhooks -p exa-webhooks-core -p exa-webhooks-server \
		--profile $(SDIST_PROFILE)
	CARGO_TARGET_DIR="$(abspath target)" MATURIN_PEP517_ARGS="--profile $(SDIST_PROFILE)" \
		$(BIN)/pip wheel --quiet --no-deps --no-cache-dir --wheel-dir $(SDIST_WHEELS) \
		dist/exa_webhooks-*.tar.gz
	EXA_SDIST="$$(ls dist/exa_webhooks-*.tar.gz)" EXA_WHEEL="$$(ls $(SDIST_WHEELS)/*.whl)" \
		$(BIN)/python -m pytest -q -p no:cacheprovider tests_dist/test_sdist.py tests_dist/test_wheel.py

# The whole suite on every supported CPython (the classifiers list exactly these), each in its
# own venv (.venv-matrix/) with one wheel: by default the (debug) one built from the sdist;
# WHEEL=dist/....whl tests another, e.g. the release wheel of `make wheel`.
MATRIX_PYTHONS := 3.10 3.11 3.12 3.13
WHEEL ?=
test-matrix: $(VENV)/.deps $(if $(WHEEL),,sdist)
	$(BIN)/python .ci/matrix.py $(or $(WHEEL),"$$(ls $(SDIST_WHEELS)/*.whl)") $(MATRIX_PYTHONS)

# Every `#[cfg(unix)]` path has a twin that must compile for the Windows wheel: clippy for
# x86_64 Windows (GNU ABI; zig compiles aws-lc-sys's C). Needs the target's std from rustup.
check-windows: $(VENV)/.release-deps
	rustup target add x86_64-pc-windows-gnu
	PATH="$(abspath $(BIN)):$$PATH" CC_x86_64_pc_windows_gnu="$(abspath .ci/zig-cc-windows)" \
		CARGO_TARGET_DIR=target/windows-check \
		cargo clippy --quiet --target x86_64-pc-windows-gnu -p exa-webhooks --lib -- -D warnings

demo: release
	$(BIN)/python examples/quickstart.py

lint: dev
	cargo fmt --check
	cargo clippy --workspace --all-targets -- -D warnings
	$(BIN)/ruff check python tests tests_dist examples bench .ci docs/hooks.py
	$(BIN)/ruff format --check python tests tests_dist examples bench .ci docs/hooks.py
	$(BIN)/mypy
	$(BIN)/python -m mypy.stubtest exa_webhooks._native

# PyO3 lives in crates/python only: the core, the server and the benchmark's limit must never
# have it anywhere in their dependency trees. Their tests build and run without Python.
RUST_PURE := exa-webhooks-core exa-webhooks-server exa-bench-limit
rust-test:
	@for crate in $(RUST_PURE); do \
		tree="$$(cargo tree --quiet -p $$crate -e normal,build,dev --prefix none)" || exit 1; \
		if echo "$$tree" | grep -q '^pyo3'; then \
			echo "PyO3 entered the dependency tree of $$crate:"; \
			cargo tree -p $$crate -e normal,build,dev -i pyo3; exit 1; \
		fi; \
	done
	# One at a time: together, cargo unifies their features, and the core could lean on one
	# only the server turns on (it did: hyper's server-only is_parse_too_large).
	cargo test -p exa-webhooks-core
	cargo test -p exa-webhooks-server

py-test: dev
	$(BIN)/python -m pytest

test: lint rust-test py-test

# The clients exa-webhooks is measured against, beside exa-py.
$(VENV)/.bench-deps: bench/requirements.txt | $(VENV)/.deps
	$(BIN)/pip install --quiet -r bench/requirements.txt
	touch $@

# Side by side in one run: exa-webhooks vs exa-py, the HTTP clients a user would write the
# same calls with, and the pure-Rust limit (bench/RESULTS.md; notes in bench/NOTES.md).
bench: release $(VENV)/.bench-deps
	cargo build --quiet --release -p exa-bench-limit
	$(BIN)/python bench/run.py

# Tiny sizes, only to prove the harness works (CI).
bench-smoke: dev $(VENV)/.bench-deps
	cargo build --quiet -p exa-bench-limit
	$(BIN)/python bench/run.py --smoke

# The documentation site into site/: mkdocs-material, the reference by mkdocstrings from the
# .pyi stubs and sources (griffe reads them; the compiled core is not imported). --strict:
# a broken reference, or a public name without a docstring (docs/hooks.py), fails the build.
$(VENV)/.docs-deps: requirements-docs.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-docs.txt
	touch $@

docs: $(VENV)/.docs-deps
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

clean:
	rm -rf $(VENV) .venv-matrix target dist site
