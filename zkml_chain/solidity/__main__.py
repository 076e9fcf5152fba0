"""`python -m zkml_chain.solidity install-solc`: write the npm-solc shim into this venv."""

import sys

from .solc import main

sys.exit(main(sys.argv[1:]))
