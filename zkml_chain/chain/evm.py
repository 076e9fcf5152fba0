"""Deploy and call contracts over web3 (JSON-RPC), with gas from receipts and decoded errors."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from eth_utils import keccak
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractCustomError, ContractLogicError

from ..errors import ToolchainError
from ..solidity.compile import Artifact

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sent:
    """A mined transaction: its status (1 success), gas used and limit, and its calldata."""

    status: int
    gas_used: int
    gas_limit: int
    calldata: bytes


@dataclass(frozen=True)
class Reverted:
    """A call that reverted: the custom error's name (or "revert") and its raw data."""

    error: str
    data: str


#: Signs and sends a transaction web3 built (a dict with "from"), returning its hash: for an
#: account the node does not hold (an Ape account, a hardware wallet). Without one the node
#: signs, as Anvil does for its unlocked dev accounts.
Signer = Callable[[dict[str, Any]], bytes]


class Evm:
    """One JSON-RPC endpoint and the account that pays (Anvil's first dev account by default)."""

    def __init__(self, url: str, sender: str | None = None, signer: Signer | None = None) -> None:
        self.w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 120}))
        if not self.w3.is_connected():
            raise ToolchainError(f"no Ethereum node answers at {url}")
        self.sender = Web3.to_checksum_address(sender) if sender else self.w3.eth.accounts[0]
        self.signer = signer

    def with_sender(self, sender: str) -> Evm:
        """The same endpoint, paying from ``sender`` (an unlocked account, e.g. Anvil's)."""
        sender = Web3.to_checksum_address(sender)
        if self.signer is not None and sender != self.sender:
            raise ToolchainError(f"this connection signs as {self.sender}, not {sender}")
        other = copy.copy(self)
        other.sender = sender
        return other

    def _transact(self, built: Any, params: dict[str, Any]) -> HexBytes:
        """Send a contract call or constructor: signed by the node, or by our signer."""
        if self.signer is None:
            return HexBytes(built.transact(params))
        return HexBytes(self.signer(built.build_transaction(params)))

    def deploy(self, artifact: Artifact, *args: Any) -> tuple[Contract, int]:
        """Deploy; returns the contract and the deployment's gas."""
        factory = self.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        tx = self._transact(factory.constructor(*args), {"from": self.sender})
        receipt = self.w3.eth.wait_for_transaction_receipt(tx)
        if receipt["status"] != 1 or not receipt["contractAddress"]:
            raise ToolchainError(f"deploying {artifact.name} failed (tx {tx.hex()})")
        log.info("deployed %s at %s (%d gas)", artifact.name, receipt["contractAddress"], receipt["gasUsed"])
        return self.w3.eth.contract(address=receipt["contractAddress"], abi=artifact.abi), int(receipt["gasUsed"])

    def send(self, fn: ContractFunction, gas: int | None = None) -> Sent:
        """Send ``fn`` as a transaction, with the gas limit eth_estimateGas gives unless ``gas``."""
        params: dict[str, Any] = {"from": self.sender}
        if gas is not None:
            params["gas"] = gas
        tx_hash = self._transact(fn, params)
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash)
        tx = self.w3.eth.get_transaction(tx_hash)
        return Sent(int(receipt["status"]), int(receipt["gasUsed"]), int(tx["gas"]), bytes(tx["input"]))

    def estimate(self, fn: ContractFunction) -> int:
        """eth_estimateGas for ``fn`` sent by our account."""
        return int(fn.estimate_gas({"from": self.sender}))

    def call(self, fn: ContractFunction, gas: int | None = None) -> Any | Reverted:
        """eth_call ``fn``; a revert comes back as :class:`Reverted` with the error's name."""
        params: dict[str, Any] = {"from": self.sender}
        if gas is not None:
            params["gas"] = gas
        try:
            return fn.call(params)  # type: ignore[arg-type]
        except (ContractCustomError, ContractLogicError) as e:
            data = revert_data(e)
            return Reverted(error_name(fn.contract_abi, data), data)


def revert_data(e: ContractCustomError | ContractLogicError) -> str:
    """The revert's ABI-encoded data ("0x..."), whichever shape the node sent it in: a hex string
    (Anvil, Hardhat 3, geth) or an object ``{message, data}`` (Hardhat 2); "" when there is none."""
    data: Any = e.data
    if isinstance(data, dict):
        data = data.get("data")
    return data if isinstance(data, str) and data.startswith("0x") else ""


def error_name(abi: Sequence[Any], data: str) -> str:
    """Name of the ABI custom error whose selector starts ``data``; "revert" if none matches."""
    for item in abi:
        if item.get("type") == "error":
            sig = f"{item['name']}({','.join(i['type'] for i in item['inputs'])})"
            if data.startswith("0x" + keccak(text=sig)[:4].hex()):
                return str(item["name"])
    return "revert"
