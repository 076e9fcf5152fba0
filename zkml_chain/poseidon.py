"""Poseidon over BN254's scalar field with circomlib's parameters (x^5 S-box, 8 full rounds).

The round constants and MDS matrices are not copied from anywhere: they are regenerated here
with the Grain LFSR of the Poseidon paper's reference script (``generate_parameters_grain``,
field n = 254 bits, t = inputs + 1, R_F = 8, R_P from circomlib's table), which is how
circomlib's constants were made; the tests compare every width against circomlibjs.

    poseidon_hash([1, 2])  # == circomlibjs poseidon([1, 2])
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .errors import FieldRangeError
from .field import R

FULL_ROUNDS = 8
#: circomlib's partial rounds for t = 2, 3, ..., 17 (inputs 1..16).
PARTIAL_ROUNDS = (56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68)
MAX_INPUTS = len(PARTIAL_ROUNDS)
FIELD_BITS = 254


@dataclass(frozen=True)
class PoseidonParams:
    """Constants of one width t: ``constants[round][i]`` and ``mds[i][j]``."""

    t: int
    partial_rounds: int
    constants: tuple[tuple[int, ...], ...]
    mds: tuple[tuple[int, ...], ...]

    @property
    def rounds(self) -> int:
        return FULL_ROUNDS + self.partial_rounds

    def is_full(self, r: int) -> bool:
        half = FULL_ROUNDS // 2
        return r < half or r >= half + self.partial_rounds


def _grain_bits(t: int, partial_rounds: int) -> Iterator[int]:
    """The reference script's self-shrinking Grain LFSR, seeded with the instance parameters."""
    seed = "01" + "0000" + f"{FIELD_BITS:012b}" + f"{t:012b}" + f"{FULL_ROUNDS:010b}" + f"{partial_rounds:010b}"
    state = [int(b) for b in seed] + [1] * 30

    def step() -> int:
        bit = state[62] ^ state[51] ^ state[38] ^ state[23] ^ state[13] ^ state[0]
        state.pop(0)
        state.append(bit)
        return bit

    for _ in range(160):
        step()
    while True:
        keep = step()
        while keep == 0:  # a 0 discards the next bit
            step()
            keep = step()
        yield step()


def _take_int(bits: Iterator[int], n: int) -> int:
    v = 0
    for _ in range(n):
        v = (v << 1) | next(bits)
    return v


@lru_cache(maxsize=None)
def params(n_inputs: int) -> PoseidonParams:
    """Constants for hashing ``n_inputs`` elements (width t = n_inputs + 1)."""
    if not 1 <= n_inputs <= MAX_INPUTS:
        raise ValueError(f"Poseidon takes 1 to {MAX_INPUTS} inputs, got {n_inputs}")
    t = n_inputs + 1
    rp = PARTIAL_ROUNDS[t - 2]
    bits = _grain_bits(t, rp)
    flat: list[int] = []
    while len(flat) < (FULL_ROUNDS + rp) * t:
        v = _take_int(bits, FIELD_BITS)
        if v < R:  # rejection sampling
            flat.append(v)
    while True:  # Cauchy MDS: 1 / (x_i + y_j) with 2t distinct samples
        xy = [_take_int(bits, FIELD_BITS) % R for _ in range(2 * t)]
        if len(set(xy)) != 2 * t:
            continue
        xs, ys = xy[:t], xy[t:]
        if any((x + y) % R == 0 for x in xs for y in ys):
            continue
        mds = tuple(tuple(pow(x + y, -1, R) for y in ys) for x in xs)
        break
    constants = tuple(tuple(flat[r * t : (r + 1) * t]) for r in range(FULL_ROUNDS + rp))
    return PoseidonParams(t, rp, constants, mds)


def permute(state: Sequence[int], p: PoseidonParams) -> list[int]:
    """The Poseidon permutation on a state of width t."""
    s = list(state)
    for r in range(p.rounds):
        s = [(a + c) % R for a, c in zip(s, p.constants[r])]
        if p.is_full(r):
            s = [pow(a, 5, R) for a in s]
        else:
            s[0] = pow(s[0], 5, R)
        s = [sum(m * a for m, a in zip(row, s)) % R for row in p.mds]
    return s


def poseidon_hash(values: Sequence[int]) -> int:
    """Poseidon hash of 1..16 field elements, equal to circomlibjs's ``poseidon(values)``."""
    vals = [int(v) for v in values]
    for i, v in enumerate(vals):
        if not 0 <= v < R:
            raise FieldRangeError("Poseidon input", i)
    return permute([0, *vals], params(len(vals)))[0]


#: Elements per Poseidon call in :func:`commit` besides the chaining value (16 inputs max).
COMMIT_CHUNK = 15


def commit(values: Sequence[int], salt: int) -> int:
    """Commitment to a vector: h = Poseidon(salt, len), then h = Poseidon(h, next ≤ 15 values)
    for each chunk; the last h. Matches the in-circuit :func:`zkml_chain.circuit.hash.commit`."""
    vals = [int(v) for v in values]
    h = poseidon_hash([int(salt), len(vals)])
    for i in range(0, len(vals), COMMIT_CHUNK):
        h = poseidon_hash([h, *vals[i : i + COMMIT_CHUNK]])
    return h
