"""Make the npm toolchain visible to this venv's Python tools (run once by `make install`).

    python -m zkml_chain.toolchain install

- writes the solc shim (:mod:`zkml_chain.solidity.solc`): py-solc-x and Ape's Solidity plugin
  compile offline with npm's solc;
- writes ``zkml_chain_toolchain.pth`` into the venv's site-packages. Python runs it at start-up
  in every process of this venv (`ape` included), setting ``SOLCX_BINARY_PATH`` to the shim's
  folder and putting ``node_modules/.bin`` (anvil, snarkjs) on ``PATH``, where ape-foundry looks
  for anvil. Other Pythons and the user's shell are untouched.
"""

from __future__ import annotations

import logging
import sys
import sysconfig
from pathlib import Path

from .errors import ToolchainError
from .files import atomic_writer
from .paths import NODE_BIN
from .solidity.solc import ENV_VAR, install_shim

log = logging.getLogger(__name__)

PTH_NAME = "zkml_chain_toolchain.pth"


def install(venv: Path | None = None) -> None:
    venv = (venv or Path(sys.prefix)).resolve()
    solc = install_shim(venv)
    if not (NODE_BIN / "anvil").exists():
        raise ToolchainError(f"anvil not found in {NODE_BIN}: run `npm install` first")
    site = Path(sysconfig.get_paths(vars={"base": str(venv), "platbase": str(venv)})["purelib"])
    hook = (
        "import os; "
        f"os.environ.setdefault({ENV_VAR!r}, {str(solc.path.parent)!r}); "
        f"os.environ['PATH'] = {str(NODE_BIN)!r} + os.pathsep + os.environ.get('PATH', '') "
        f"if {str(NODE_BIN)!r} not in os.environ.get('PATH', '').split(os.pathsep) else os.environ['PATH']\n"
    )
    with atomic_writer(site / PTH_NAME, "w") as f:
        f.write(hook)
    log.info("toolchain hook %s: solc %s, %s on PATH", site / PTH_NAME, solc.version, NODE_BIN)


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if argv != ["install"]:
        print("usage: python -m zkml_chain.toolchain install", file=sys.stderr)
        return 2
    try:
        install()
    except ToolchainError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
