"""A local Anvil node (npm @foundry-rs/anvil) with a pinned hardfork, started and stopped by us."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from .. import toolchain
from .node import LocalNode


def anvil_binary() -> Path:
    """npm's anvil, through the toolchain resolver (node_modules, else PATH)."""
    return toolchain.find(toolchain.ANVIL)


class Anvil(LocalNode):
    """``anvil --hardfork H --chain-id 31337`` on a free port."""

    title: ClassVar[str] = "Anvil"

    def command(self, workdir: Path) -> list[str]:
        return [str(anvil_binary()), "--port", str(self.port), "--hardfork", self.hardfork,
                "--chain-id", str(self.chain_id), "--silent", *self.extra_args]
