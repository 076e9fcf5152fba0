"""`zkml-chain export foundry DIR VERIFICATION_KEY`: a Foundry project around a rendered verifier.

``src/<Contract>.sol`` (the verifier `zkml-chain verifier` renders), ``test/<Contract>.t.sol``
(the exported proof is accepted, a wrong input returns false, an input >= r reverts with
``PublicInputNotInField``) and a ``foundry.toml`` with zkml-chain's compiler settings that works
offline (npm's solc behind the project's shim). ``forge test --gas-report`` runs it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from ..files import write_all
from ..groth16 import Proof, VerifyingKey
from ..solidity.compile import EVM_VERSION, OPTIMIZER_RUNS
from ..solidity.render import template_environment
from ..solidity.solc import find, shim_folder
from .verified import Exported, checked_verifier

log = logging.getLogger(__name__)


def export_foundry(out: Path, vk: VerifyingKey, proof: Proof, public: list[int], *, source: str,
                   batch: bool = False, allow_development_key: bool = False) -> Exported:
    """Write the project into ``out`` (all files or none). The proof must verify under ``vk``."""
    rendered = checked_verifier(vk, proof, public, source=source, batch=batch, allow_development_key=allow_development_key)
    solc = find()
    shims = sorted(shim_folder().glob(f"solc-v{solc.version}"))
    solc_path = str(shims[0]) if shims else solc.version
    words = [str(w) for w in proof.evm_words()]
    words[0] = f"uint256({words[0]})"  # the literal array's element type comes from its first element
    signals = [str(v) for v in public]
    signals[0] = f"uint256({signals[0]})"
    env = template_environment()
    name = rendered.contract_name
    files = {
        out / "foundry.toml": env.get_template("foundry/foundry.toml.j2").render(
            solc=solc_path, solc_version=solc.version, evm_version=EVM_VERSION, optimizer_runs=OPTIMIZER_RUNS,
            solc_note="written by `make install`" if shims else "not found: install zkml-chain's toolchain"),
        out / "src" / f"{name}.sol": rendered.source,
        out / "test" / f"{name}.t.sol": env.get_template("foundry/Verifier.t.sol.j2").render(
            source=source, contract=name, proof=words, public=signals, n_public=vk.n_public, batch=batch),
    }
    write_all({p: text.encode() for p, text in files.items()})
    log.info("foundry project for %s in %s", name, out)
    return Exported(out, name, tuple(files))
