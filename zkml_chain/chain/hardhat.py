"""A local Hardhat 3 node (npm hardhat, EDR) with a pinned hardfork, started and stopped by us.

Hardhat reads its hardfork from a config file, not a flag: each node gets a generated ESM config
in its scratch folder (a ``networks.node`` of type ``edr-simulated``), beside a link to the
node_modules that holds Hardhat (Hardhat refuses to run from an installation outside the project).
It binds 0.0.0.0 unless told otherwise, so we pass ``--hostname 127.0.0.1``. A transaction that
reverts is mined with status 0, as on Anvil and a real chain, not turned into a JSON-RPC error
(Hardhat's default, ``throwOnTransactionFailures``), so a failed attempt has a receipt and gas.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

from .. import toolchain
from .node import LocalNode

CONFIG = """// Written by zkml-chain for one `hardhat node`: the pinned hardfork and chain id.
export default {{
  networks: {{
    node: {network},
  }},
}};
"""


def hardhat_config(hardfork: str, chain_id: int) -> str:
    """The config that pins ``hardfork`` and ``chain_id`` for ``hardhat node``."""
    network = {"type": "edr-simulated", "chainType": "l1", "hardfork": hardfork, "chainId": chain_id,
               "throwOnTransactionFailures": False}
    return CONFIG.format(network=json.dumps(network))


class Hardhat(LocalNode):
    """``hardhat node --hostname 127.0.0.1`` on a free port, under a Node that runs Hardhat 3."""

    title: ClassVar[str] = "Hardhat"

    def command(self, workdir: Path) -> list[str]:
        cmd = toolchain.hardhat_command()
        (workdir / "package.json").write_text('{"private": true, "type": "module"}\n')
        (workdir / "hardhat.config.js").write_text(hardhat_config(self.hardfork, self.chain_id))
        (workdir / "node_modules").symlink_to(toolchain.node_modules(toolchain.HARDHAT), target_is_directory=True)
        return [*cmd, "node", "--hostname", "127.0.0.1", "--port", str(self.port),
                "--config", str(workdir / "hardhat.config.js"), *self.extra_args]
