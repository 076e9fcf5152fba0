"""Ape glue for the scripts in scripts/: deploy our compiled artifacts and pick the sender.

Ape's own compiler is for contracts/; verifiers are rendered at run time, compiled by
:mod:`zkml_chain.solidity.compile` and deployed through a ContractContainer built from the
artifact (the same bytecode the tests deploy).
"""

from __future__ import annotations

from typing import Any

from ape import accounts, networks
from ape.api import AccountAPI
from ape.contracts import ContractContainer
from ethpm_types import ContractType
from hexbytes import HexBytes

from .. import toolchain
from ..errors import ToolchainError
from ..solidity.compile import Artifact
from .evm import Signer


def container(artifact: Artifact) -> ContractContainer:
    return ContractContainer(ContractType.model_validate({
        "contractName": artifact.name,
        "abi": artifact.abi,
        "deploymentBytecode": {"bytecode": artifact.bytecode},
        "runtimeBytecode": {"bytecode": artifact.deployed_bytecode},
    }))


def use_project_toolchain() -> None:
    """Give this process's Ape plugins the project's npm toolchain: anvil on PATH (ape-foundry)
    and the solc shim (ape-solidity). The scripts call it when imported, before Ape connects;
    when the toolchain is missing, the message says how to install it."""
    try:
        toolchain.activate()
    except ToolchainError as e:
        raise SystemExit(f"error: {e}") from None


def sender(alias: str | None) -> AccountAPI:
    """The account named ``alias``, else the first test account on a local network."""
    if alias:
        return accounts.load(alias)
    if networks.provider.network.is_local:
        return accounts.test_accounts[0]
    raise ToolchainError("on a live network, choose the paying account with --account ALIAS")


def signer(account: AccountAPI) -> Signer:
    """An :data:`~zkml_chain.chain.evm.Signer` that signs with an Ape account (a keystore alias
    or a test account) and sends through Ape's provider."""

    def sign_and_send(tx: dict[str, Any]) -> bytes:
        # a contract creation has no receiver: an empty "to" would be signed as another field
        fields = {k: v for k, v in tx.items() if k != "from" and not (k == "to" and not v)}
        txn = networks.provider.network.ecosystem.create_transaction(sender=account.address, **fields)
        return bytes(HexBytes(account.call(txn).txn_hash))

    return sign_and_send


def hardfork() -> str:
    """The node's hardfork as Anvil reports it (anvil_nodeInfo), or the one the provider was
    configured with (ape-hardhat's ``hardhat: evm_version``; Hardhat has no RPC that reports it)."""
    try:
        info: Any = networks.provider.make_request("anvil_nodeInfo", [])
        return str(info.get("hardFork", "unknown")).lower()
    except Exception:  # not an Anvil node: fall back to what the provider was told
        provider = networks.provider
        told = getattr(getattr(provider, "config", None), "evm_version", None) or getattr(provider, "evm_version", None)
        return str(told or "unknown")


def node_name() -> str:
    """The chain a report's figures come from: Ape's provider and, for the local ones we pin,
    the npm package that runs it."""
    name = str(networks.provider.name)
    package = {"foundry": toolchain.ANVIL, "hardhat": toolchain.HARDHAT}.get(name)
    return f"{name} (npm {package.package} {package.version})" if package else name
