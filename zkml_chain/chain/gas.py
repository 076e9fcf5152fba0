"""Gas accounting for Groth16 verification: the precompile floor and calldata prices.

Prices are those of EIP-1108 (Istanbul onward) and EIP-2028 calldata; the hardfork is named in
every report because later forks may change them.
"""

from __future__ import annotations

TX_BASE = 21_000
PAIRING_BASE = 45_000
PAIRING_PER_PAIR = 34_000
EC_MUL = 6_000
EC_ADD = 150


def calldata_gas(data: bytes) -> int:
    """16 gas per non-zero byte, 4 per zero byte (EIP-2028)."""
    zeros = data.count(0)
    return 4 * zeros + 16 * (len(data) - zeros)


def verification_floor(n_public: int, calldata: bytes) -> int:
    """Least gas any transaction checking one Groth16 proof with ``n_public`` inputs can use:
    the transaction, its calldata, a 4-pair pairing and one ecMul + ecAdd per public input."""
    return TX_BASE + calldata_gas(calldata) + PAIRING_BASE + 4 * PAIRING_PER_PAIR + (EC_MUL + EC_ADD) * n_public


def single_verification_budget(n_public: int, calldata: bytes) -> int:
    """Our target for one verification: the floor + 1,500 + 250 per public input."""
    return verification_floor(n_public, calldata) + 1_500 + 250 * n_public
