"""Compile Solidity sources with the pinned npm solc into deployable artifacts."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ToolchainError
from ..files import read_json
from ..hardfork import HARDFORK
from .solc import Solc, find, standard_json

log = logging.getLogger(__name__)

# Gas figures depend on the hardfork; compile for the one Anvil runs (see ape-config.yaml).
EVM_VERSION = HARDFORK
# Verifiers are called far more often than deployed: inline constants (PUSH32) rather than
# CODECOPY them, which the optimizer does at low run counts.
OPTIMIZER_RUNS = 1_000_000


@dataclass(frozen=True)
class Artifact:
    """One compiled contract: what a deployer needs, plus the compiler that made it."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: str  # creation code, 0x-hex
    deployed_bytecode: str
    compiler: str
    evm_version: str
    warnings: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "contractName": self.name,
            "abi": self.abi,
            "bytecode": self.bytecode,
            "deployedBytecode": self.deployed_bytecode,
            "compiler": {"name": "solc", "version": self.compiler, "evmVersion": self.evm_version,
                         "optimizer": {"enabled": True, "runs": OPTIMIZER_RUNS}},
        }


def load_artifact(path: Path) -> Artifact:
    """Read an artifact written by `zkml-chain verifier` (the inverse of Artifact.to_json)."""
    d = read_json(path, "contract artifact")
    try:
        return Artifact(d["contractName"], d["abi"], d["bytecode"], d["deployedBytecode"], d["compiler"]["version"],
                        d["compiler"]["evmVersion"])
    except (KeyError, TypeError) as e:
        raise ToolchainError(f"{path}: not a zkml-chain contract artifact (missing {e})") from None


def compile_sources(
    sources: dict[str, str], *, evm_version: str = EVM_VERSION, solc: Solc | None = None, via_ir: bool = True
) -> dict[str, Artifact]:
    """Compile {file name: source}; returns {contract name: artifact} for every contract.
    ``via_ir=False`` for other tools' assembly-heavy contracts that overflow the stack under via-IR."""
    solc = solc or find()
    request = {
        "language": "Solidity",
        "sources": {name: {"content": text} for name, text in sources.items()},
        "settings": {
            "optimizer": {"enabled": True, "runs": OPTIMIZER_RUNS},
            "evmVersion": evm_version,
            "viaIR": via_ir,
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}},
        },
    }
    result = standard_json(solc, request)
    warnings = tuple(e.get("formattedMessage", e.get("message", "?")) for e in result.get("errors", [])
                     if e.get("severity") == "warning")
    artifacts: dict[str, Artifact] = {}
    for file_contracts in result.get("contracts", {}).values():
        for name, out in file_contracts.items():
            artifacts[name] = Artifact(name, out["abi"], "0x" + out["evm"]["bytecode"]["object"],
                                       "0x" + out["evm"]["deployedBytecode"]["object"], solc.version, evm_version,
                                       warnings)
    if not artifacts:
        raise ToolchainError("solc produced no contracts")
    for w in warnings:
        log.warning("solc: %s", w)
    return artifacts
