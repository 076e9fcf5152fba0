"""The local chains zkml-chain starts: a name on the command line -> a node class."""

from __future__ import annotations

from .anvil import Anvil
from .hardhat import Hardhat
from .node import LocalNode

CHAINS: dict[str, type[LocalNode]] = {"anvil": Anvil, "hardhat": Hardhat}


def local_chain(name: str) -> LocalNode:
    """An unstarted node of kind ``name`` ("anvil" or "hardhat") with the project's hardfork."""
    try:
        return CHAINS[name]()
    except KeyError:
        raise ValueError(f"unknown chain {name!r}; choose one of {', '.join(CHAINS)}") from None
