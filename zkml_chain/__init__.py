"""zkml-chain: prove ML inference with Groth16 on BN254 and verify it on Ethereum.

The data flow runs one way (see README): model -> circuit (R1CS + witness) -> keys -> proof ->
Solidity verifier -> chain. This package holds the circuit formats (:mod:`.r1cs`), the circuit
builder and gadgets (:mod:`.circuit`), Poseidon (:mod:`.poseidon`), the Groth16 protocol
(:mod:`.groth16`), Solidity verifiers (:mod:`.solidity`), chain glue (:mod:`.chain`) and the
CLI (:mod:`.cli`); the hot loops are in the Rust extension :mod:`._native`.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .errors import ZkmlChainError
    from .field import Q, R
    from .poseidon import poseidon_hash

__version__ = "0.1.0"
__all__ = ["ZkmlChainError", "Q", "R", "__version__", "poseidon_hash"]


def __getattr__(name: str) -> Any:
    """ZkmlChainError, Q, R and poseidon_hash on first use: importing the package (every CLI
    command does, and a plain `prove` imports nothing else of it) stays cheap, and numpy is loaded
    only by the code that needs it."""
    if name == "ZkmlChainError":
        from .errors import ZkmlChainError

        return ZkmlChainError
    if name in ("Q", "R"):
        from . import field

        return getattr(field, name)
    if name == "poseidon_hash":
        from .poseidon import poseidon_hash

        return poseidon_hash
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
