"""`zkml-chain export hardhat DIR VERIFICATION_KEY`: a Hardhat 3 project around a rendered verifier.

``contracts/<Contract>.sol`` (the verifier `zkml-chain verifier` renders); ``helpers/zkml.js``
(snarkjs proof.json / public.json -> ``verifyProof`` / ``verifyBatch`` arguments with B's pairs
swapped, and the verifier's custom errors decoded by name); ``test/<Contract>.test.js`` (node:test
and ethers v6: the exported proof is accepted, a wrong input returns false, an input >= r reverts
with ``PublicInputNotInField``, and a verification sent as a transaction for the gas report) with
the proof in ``test/fixtures/``; ``hardhat.config.js`` with zkml-chain's compiler settings, npm's
solc (WASM) as the compiler so nothing is downloaded, and the pinned hardfork; ``package.json``
pinning Hardhat 3 and the plugins. ``npm install && npx hardhat test --gas-stats`` runs it
(Hardhat 3 needs Node >= 22.13).

Hardhat 3 rather than 2: it is what ``npx hardhat --init`` sets up today, its Solidity builds take
a compiler path (offline without patching a task), and its tests run on ``node:test``.
"""

from __future__ import annotations

import json
import logging
from importlib import resources
from pathlib import Path

from .. import toolchain
from ..files import write_all
from ..groth16 import Proof, VerifyingKey
from ..solidity.compile import EVM_VERSION, OPTIMIZER_RUNS
from ..solidity.render import template_environment
from ..solidity.solc import find
from .verified import Exported, checked_verifier

log = logging.getLogger(__name__)

#: The exported project's devDependencies, pinned to the versions zkml-chain tests it with.
PACKAGES = (
    ("hardhat", toolchain.HARDHAT.version),
    ("@nomicfoundation/hardhat-ethers", "4.2.0"),
    ("@nomicfoundation/hardhat-node-test-runner", "3.1.0"),
    ("ethers", "6.17.0"),
)


def export_hardhat(out: Path, vk: VerifyingKey, proof: Proof, public: list[int], *, source: str,
                   batch: bool = False, allow_development_key: bool = False) -> Exported:
    """Write the project into ``out`` (all files or none). The proof must verify under ``vk``."""
    rendered = checked_verifier(vk, proof, public, source=source, batch=batch, allow_development_key=allow_development_key)
    solc = find()
    env = template_environment()
    name = rendered.contract_name
    helper = (resources.files("zkml_chain") / "templates" / "hardhat" / "zkml.js").read_text()
    settings = {"source": source, "contract": name, "batch": batch, "evm_version": EVM_VERSION,
                "optimizer_runs": OPTIMIZER_RUNS, "solc_version": solc.version}
    packages = [*PACKAGES, ("solc", solc.version)]
    files = {
        out / "package.json": env.get_template("hardhat/package.json.j2").render(
            name=_npm_name(out.resolve().name), packages=packages, **settings),
        out / "hardhat.config.js": env.get_template("hardhat/hardhat.config.js.j2").render(**settings),
        out / "contracts" / f"{name}.sol": rendered.source,
        out / "helpers" / "zkml.js": helper,
        out / "test" / f"{name}.test.js": env.get_template("hardhat/Verifier.test.js.j2").render(**settings),
        out / "test" / "fixtures" / "proof.json": json.dumps(proof.to_snarkjs(), indent=1) + "\n",
        out / "test" / "fixtures" / "public.json": json.dumps([str(v) for v in public], indent=1) + "\n",
        out / ".gitignore": "node_modules/\nartifacts/\ncache/\n",
    }
    write_all({p: text.encode() for p, text in files.items()})
    log.info("hardhat project for %s in %s", name, out)
    return Exported(out, name, tuple(files))


def _npm_name(folder: str) -> str:
    """A valid npm package name from the folder's name."""
    name = "".join(c if c.isalnum() or c in "-._" else "-" for c in folder.lower()).strip("-._")
    return name or "zkml-verifier"
