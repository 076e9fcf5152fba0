"""Talking to a chain: a local Anvil (anvil.py) and deploying/calling contracts over web3 (evm.py)."""
