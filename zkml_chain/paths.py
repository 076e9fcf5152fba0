"""Where the source tree keeps what the package uses at run time: the Solidity templates and
the pinned npm toolchain (installed by `make install`)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
NODE_MODULES = ROOT / "node_modules"
NODE_BIN = NODE_MODULES / ".bin"
