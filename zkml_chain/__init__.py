"""zkml-chain: prove ML inference with Groth16 on BN254 and verify it on Ethereum.

The data flow runs one way (see README): model -> circuit (R1CS + witness) -> keys -> proof ->
Solidity verifier -> chain. This package holds the circuit formats (:mod:`.r1cs`), the circuit
builder and gadgets (:mod:`.circuit`), Poseidon (:mod:`.poseidon`), the Groth16 protocol
(:mod:`.groth16`), Solidity verifiers (:mod:`.solidity`), chain glue (:mod:`.chain`) and the
CLI (:mod:`.cli`); the hot loops are in the Rust extension :mod:`._native`.
"""

from .errors import ZkmlChainError
from .field import Q, R
from .poseidon import poseidon_hash

__version__ = "0.1.0"
__all__ = ["ZkmlChainError", "Q", "R", "__version__", "poseidon_hash"]
