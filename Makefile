# Two commands do everything on a fresh machine (Python >= 3.10, Rust/cargo, Node >= 18):
#   make demo   - install on first use, then run the end-to-end demo
#   make test   - install on first use, then run the test suite
# Installs go to .venv (Python, with the Rust extension built by maturin) and node_modules
# (pinned solc, anvil, snarkjs, circom2); stamps make re-runs instant.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
JS_STAMP := node_modules/.installed
TOOLCHAIN_STAMP := $(VENV)/.toolchain
NATIVE_SRC := $(wildcard native/src/*.rs) native/Cargo.toml native/Cargo.lock

.PHONY: demo test bench fuzz install clean

demo: install
	$(BIN)/zkml-chain demo

test: install
	$(BIN)/pytest

bench: install
	$(BIN)/python benchmarks/prove.py

# The long fuzz run (hours): mutated files, random models, dishonest witnesses per gadget.
fuzz: install
	$(BIN)/python benchmarks/fuzz.py

install: $(PY_STAMP) $(JS_STAMP) $(TOOLCHAIN_STAMP)

$(PY_STAMP): pyproject.toml $(NATIVE_SRC)
	test -x $(BIN)/pip || $(PYTHON) -m venv --clear $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

$(JS_STAMP): package.json package-lock.json
	# not `npm ci`: npm 11 leaves anvil's other-platform optional packages out of the lock file
	# and then refuses it; versions are pinned exactly in package.json and package-lock.json.
	npm install --no-save --no-audit --no-fund --loglevel=error
	touch $@

# py-solc-x and Ape cannot download solc or anvil offline: point them at the npm packages.
$(TOOLCHAIN_STAMP): $(PY_STAMP) $(JS_STAMP)
	$(BIN)/python -m zkml_chain.toolchain install
	touch $@

clean:
	rm -rf $(VENV) node_modules native/target build
