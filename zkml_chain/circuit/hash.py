"""Poseidon inside the circuit (circomlib's parameters) and a salted vector commitment.

The permutation is the one of :mod:`zkml_chain.poseidon`; the round constants and MDS mixing
are free linear maps, each x^5 S-box costs 3 constraints (x², x⁴, x⁵). Hashing k inputs
(t = k + 1) costs 3·(8t + R_P) constraints: 216 for k = 1, 243 for k = 2, 357 for k = 6.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..poseidon import (
    COMMIT_ARITY,
    FULL_ROUNDS,
    PACK_BITS,
    OptimizedParams,
    TensorLayout,
    layout_header,
    optimized_params,
    permute_with_layers,
)
from .builder import Circuit, Tensor


def _pow5(c: Circuit, x: Tensor) -> Tensor:
    x2 = c.mul(x, x)
    return c.mul(c.mul(x2, x2), x)


def poseidon(c: Circuit, inputs: Tensor) -> Tensor:
    """Poseidon hash over the last axis (1..16 elements); batched over leading axes.

    Uses the optimized schedule (zkml_chain.poseidon.optimized_params): in partial rounds the
    state's linear combinations grow by one term per round instead of being remixed by the
    dense MDS matrix, which keeps building fast; the constraints are the same S-boxes.
    """
    k = inputs.shape[-1]
    o = optimized_params(k)
    t, half = o.t, FULL_ROUNDS // 2
    lead = inputs.shape[:-1]
    if c.witness_only:
        return _poseidon_values(c, inputs, o)
    state = c.concatenate([c.constant(np.zeros(lead + (1,), dtype=np.int64)), inputs], axis=-1)
    mds_t = np.array(o.mds, dtype=object).T  # state @ M^T == M · state

    def full_round(x: Tensor, r: int) -> Tensor:
        return c.linear(_pow5(c, x + np.array(o.constants[r], dtype=object)), mds_t)

    for r in range(half):
        state = full_round(state, r)
    state = c.linear(state + np.array(o.constants[half], dtype=object), np.array(o.pre_sparse, dtype=object))
    s0, rest = state[..., 0], state[..., 1:]
    for r in range(o.partial_rounds):
        s0 = _pow5(c, s0)
        if r < o.partial_rounds - 1:
            s0 = s0 + o.constants[half + r + 1][0]
        first = s0.scale(o.m00) + c.linear(rest, np.array(o.w_hat[r], dtype=object))
        rest = rest + s0.reshape(lead + (1,)).broadcast_to(lead + (t - 1,)).scale(np.array(o.v[r], dtype=object))
        rest = rest.compact()
        s0 = first
    state = c.concatenate([s0.reshape(lead + (1,)), rest], axis=-1)
    for r in range(half + o.partial_rounds, FULL_ROUNDS + o.partial_rounds):
        state = full_round(state, r)
    return state[..., 0]


def _poseidon_values(c: Circuit, inputs: Tensor, o: OptimizedParams) -> Tensor:
    """Witness-only Poseidon: the same wires, created in the same order as :func:`poseidon`
    (x², x⁴, x⁵ of every S-box layer), with values from the batched permutation; no linear
    combinations."""
    lead = inputs.shape[:-1]
    x = np.asarray(inputs.values, dtype=object).reshape(-1, o.t - 1)
    s, layers = permute_with_layers(np.concatenate([np.zeros((len(x), 1), dtype=object), x], axis=1), o)
    c.hint(layers)  # every S-box's x², x⁴, x⁵, already in the order poseidon() creates them
    c.skip_constraints(layers.size)  # one constraint per recorded value: x·x, x²·x², x⁴·x
    return c.constant(s[:, 0].reshape(lead))


def commit(c: Circuit, values: Tensor, salt: Tensor) -> Tensor:
    """Salted commitment to a tensor, equal to :func:`zkml_chain.poseidon.commit`: a Poseidon
    tree of arity 16 (each level hashed as one batch), then Poseidon(salt, length, root).
    About 41 constraints per committed value (612 per 16-input hash) plus 240."""
    level = values.flatten()
    n = level.size
    if n == 0:
        level = c.constant([0])
    while True:
        pad = -level.size % COMMIT_ARITY
        if pad:
            level = c.concatenate([level, c.constant(np.zeros(pad, dtype=np.int64))])
        level = poseidon(c, level.reshape(level.size // COMMIT_ARITY, COMMIT_ARITY))
        if level.size == 1:
            break
    return poseidon(c, c.concatenate([salt.reshape(1), c.constant([n]), level.reshape(1)]))


def commit_params(c: Circuit, bits: Tensor, layout: Sequence[TensorLayout], salt: Tensor) -> Tensor:
    """Commitment to model parameters from their offset-binary range-check bits (proven boolean,
    concatenated in ``layout``'s order), equal to :func:`zkml_chain.poseidon.commit_signed`: the
    layout header as constants, then the bits packed 252 per field element (little-endian, the
    last zero-padded; free linear combinations), then :func:`commit`. The header is what makes
    the commitment injective (see commit_signed); it costs one Poseidon input per entry."""
    bits = bits.flatten()
    if not bits.boolean:  # packing 252 non-bits per element would be neither injective nor wrap-free
        raise ValueError("commit_params: the bits must be proven boolean (the outputs of to_bits)")
    if bits.size != sum(t.bits for t in layout):
        raise ValueError(f"commit_params: {bits.size} bits for a layout of {sum(t.bits for t in layout)}")
    header = c.constant(np.array(layout_header(layout), dtype=object))
    if bits.size == 0:
        return commit(c, header, salt)
    pad = -bits.size % PACK_BITS
    if pad:
        bits = c.concatenate([bits, c.constant(np.zeros(pad, dtype=np.int64))])
    powers = np.ones(PACK_BITS, dtype=object) << np.arange(PACK_BITS, dtype=object)
    return commit(c, c.concatenate([header, bits.reshape(bits.size // PACK_BITS, PACK_BITS) @ powers]), salt)
