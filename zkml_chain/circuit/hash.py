"""Poseidon inside the circuit (circomlib's parameters) and a salted vector commitment.

The permutation is the one of :mod:`zkml_chain.poseidon`; the round constants and MDS mixing
are free linear maps, each x^5 S-box costs 3 constraints (x², x⁴, x⁵). Hashing k inputs
(t = k + 1) costs 3·(8t + R_P) constraints: 216 for k = 1, 243 for k = 2, 357 for k = 6.
"""

from __future__ import annotations

import numpy as np

from ..poseidon import COMMIT_CHUNK, params
from .builder import Circuit, Tensor


def _pow5(c: Circuit, x: Tensor) -> Tensor:
    x2 = c.mul(x, x)
    return c.mul(c.mul(x2, x2), x)


def poseidon(c: Circuit, inputs: Tensor) -> Tensor:
    """Poseidon hash over the last axis (1..16 elements); batched over leading axes."""
    k = inputs.shape[-1]
    p = params(k)
    lead = inputs.shape[:-1]
    state = c.concatenate([c.constant(np.zeros(lead + (1,), dtype=np.int64)), inputs], axis=-1)
    mds_t = np.array(p.mds, dtype=object).T
    for r in range(p.rounds):
        state = state + np.array(p.constants[r], dtype=object)
        if p.is_full(r):
            state = _pow5(c, state)
        else:
            state = c.concatenate([_pow5(c, state[..., :1]), state[..., 1:]], axis=-1)
        state = c.linear(state, mds_t)
    return state[..., 0]


def commit(c: Circuit, values: Tensor, salt: Tensor) -> Tensor:
    """Salted commitment to a vector, equal to :func:`zkml_chain.poseidon.commit`:
    h = Poseidon(salt, len), then h = Poseidon(h, chunk) over chunks of up to 15 values."""
    flat = values.flatten()
    h = poseidon(c, c.concatenate([salt.reshape(1), c.constant([flat.size])]))
    for i in range(0, flat.size, COMMIT_CHUNK):
        h = poseidon(c, c.concatenate([h.reshape(1), flat[i : i + COMMIT_CHUNK]]))
    return h
