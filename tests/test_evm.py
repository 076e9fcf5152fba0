"""Revert data as each node sends it: the custom error's name must survive every shape.

Anvil and Hardhat 3 send the revert data as a hex string; Hardhat 2 nests it in an object
``{message, data}``. The responses below are those nodes' JSON-RPC error objects for the same
revert (`PublicInputNotInField(1)`), run through web3's own response formatter, as `Evm.call` sees them.
"""

from __future__ import annotations

from typing import Any

import pytest
from eth_utils import keccak
from web3._utils.error_formatters_utils import raise_contract_logic_error_on_revert
from web3.exceptions import ContractCustomError, ContractLogicError

from zkml_chain.chain.evm import error_name, revert_data

ABI = [{"type": "error", "name": "PublicInputNotInField", "inputs": [{"name": "index", "type": "uint256"}]},
       {"type": "error", "name": "MalformedProof", "inputs": []}]
DATA = "0x" + keccak(text="PublicInputNotInField(uint256)")[:4].hex() + f"{1:064x}"
MESSAGE = "reverted with custom error 'PublicInputNotInField(1)'"

RESPONSES: dict[str, dict[str, Any]] = {
    "anvil": {"code": 3, "message": "execution reverted: custom error " + DATA[2:10], "data": DATA},
    "hardhat 3": {"code": 3, "message": f"VM Exception while processing transaction: {MESSAGE}", "data": DATA},
    "hardhat 2": {"code": -32603, "message": f"Error: VM Exception while processing transaction: {MESSAGE}",
                  "data": {"message": f"Error: VM Exception while processing transaction: {MESSAGE}", "data": DATA}},
}


@pytest.mark.parametrize("node", RESPONSES)
def test_custom_error_name_survives_each_nodes_revert_shape(node: str) -> None:
    with pytest.raises((ContractCustomError, ContractLogicError)) as raised:
        raise_contract_logic_error_on_revert({"jsonrpc": "2.0", "id": 1, "error": RESPONSES[node]})  # type: ignore[typeddict-item]
    data = revert_data(raised.value)
    assert data == DATA
    assert error_name(ABI, data) == "PublicInputNotInField"


def test_revert_without_data_is_a_plain_revert() -> None:
    bare = {"code": 3, "message": "execution reverted", "data": None}
    with pytest.raises(ContractLogicError) as raised:
        raise_contract_logic_error_on_revert({"jsonrpc": "2.0", "id": 1, "error": bare})  # type: ignore[typeddict-item]
    assert revert_data(raised.value) == ""
    assert error_name(ABI, "") == "revert"
