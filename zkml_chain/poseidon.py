"""Poseidon over BN254's scalar field with circomlib's parameters (x^5 S-box, 8 full rounds).

The round constants and MDS matrices are not copied from anywhere: they are regenerated here
with the Grain LFSR of the Poseidon paper's reference script (``generate_parameters_grain``,
field n = 254 bits, t = inputs + 1, R_F = 8, R_P from circomlib's table), which is how
circomlib's constants were made; the tests compare every width against circomlibjs.

    poseidon_hash([1, 2])  # == circomlibjs poseidon([1, 2])
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from . import _native
from .attested import ATTESTED_BITS, attested_values  # noqa: F401  (re-exported)
from .cachedir import cached
from .errors import FieldRangeError
from .field import N8, R, from_bytes, to_bytes

log = logging.getLogger(__name__)

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


#: The Grain LFSR's recurrence: b[k + 80] = XOR of b[k + d] for these d.
_GRAIN_TAPS = (62, 51, 38, 23, 13, 0)


def _grain_output(t: int, partial_rounds: int, n_bits: int) -> np.ndarray:
    """The first ``n_bits`` output bits of the reference script's self-shrinking Grain LFSR.

    The register recurrence b[k+80] = b[k+62]^b[k+51]^b[k+38]^b[k+23]^b[k+13]^b[k] is computed
    in blocks with numpy, through its 2^j-th powers over GF(2): p(x)^(2^j) = p(x^(2^j)), so
    b[i] = XOR of b[i - 80·2^j + d·2^j] for i >= 80·2^j, in blocks of 18·2^j bits (j up to 8:
    4,608-bit blocks). After 160 discarded bits, the raw stream is read in pairs (x, y) and y is
    kept when x is 1.
    """
    seed = "01" + "0000" + f"{FIELD_BITS:012b}" + f"{t:012b}" + f"{FULL_ROUNDS:010b}" + f"{partial_rounds:010b}"
    raw_needed = 160 + 4 * n_bits + 4096
    while True:
        total = 80 + raw_needed  # the 80-bit initial state, then the generated bits
        raw = np.zeros(total, dtype=np.uint8)
        raw[:80] = [int(b) for b in seed] + [1] * 30
        filled, j = 80, 0
        while filled < total:
            end = total if j == 8 else min(total, 80 << (j + 1))
            lag, step = 80 << j, 18 << j
            for i in range(filled, end, step):
                n = min(step, end - i)
                block = raw[i - lag : i - lag + n].copy()
                for d in _GRAIN_TAPS[:-1]:
                    block ^= raw[i - lag + (d << j) : i - lag + (d << j) + n]
                raw[i : i + n] = block
            filled, j = end, min(j + 1, 8)
        stream = raw[80 + 160 : total]  # generated bits, the first 160 discarded
        stream = stream[: len(stream) // 2 * 2]
        out = stream[1::2][stream[0::2] == 1]
        if len(out) >= n_bits:
            return out[:n_bits]
        raw_needed *= 2


def _chunks_to_ints(bits: np.ndarray, n: int) -> list[int]:
    """Consecutive n-bit big-endian integers."""
    k = len(bits) // n
    padded = np.zeros((k, 256), dtype=np.uint8)
    padded[:, 256 - n :] = bits[: k * n].reshape(k, n)
    packed = np.packbits(padded, axis=1)
    return [int.from_bytes(row.tobytes(), "big") for row in packed]


@cache
def params(n_inputs: int) -> PoseidonParams:
    """Constants for hashing ``n_inputs`` elements (width t = n_inputs + 1)."""
    if not 1 <= n_inputs <= MAX_INPUTS:
        raise ValueError(f"Poseidon takes 1 to {MAX_INPUTS} inputs, got {n_inputs}")
    t = n_inputs + 1
    rp = PARTIAL_ROUNDS[t - 2]
    needed = (FULL_ROUNDS + rp) * t
    extra = needed // 2 + 64  # room for the ~24% of 254-bit words rejection sampling drops (words >= r)
    while True:
        words = _chunks_to_ints(_grain_output(t, rp, (needed + 2 * t + extra) * FIELD_BITS), FIELD_BITS)
        flat: list[int] = []
        pos = 0
        while len(flat) < needed and pos < len(words):
            if words[pos] < R:  # rejection sampling, as the reference
                flat.append(words[pos])
            pos += 1
        mds = None
        while len(flat) == needed and pos + 2 * t <= len(words):  # Cauchy MDS: 1 / (x_i + y_j)
            xy = [w % R for w in words[pos : pos + 2 * t]]
            pos += 2 * t
            xs, ys = xy[:t], xy[t:]
            if len(set(xy)) == 2 * t and all((x + y) % R for x in xs for y in ys):
                mds = tuple(tuple(pow(x + y, -1, R) for y in ys) for x in xs)
                break
        if mds is not None:
            break
        extra *= 4
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
        if not 0 <= v < R:  # signed integers: commit_integers encodes them
            raise FieldRangeError("Poseidon input", i)
    return permute([0, *vals], params(len(vals)))[0]


#: Fan-in of the commitment tree (Poseidon's widest circomlib instance).
COMMIT_ARITY = 16


def commit(values: Sequence[int], salt: int) -> int:
    """Commitment to a vector: a Poseidon tree of arity 16 over the values (zero-padded to a
    multiple of 16 at every level), then Poseidon(salt, length, root). The length makes the
    padding unambiguous. Matches the in-circuit :func:`zkml_chain.circuit.hash.commit`."""
    level = [int(v) for v in values] or [0]
    n = len(values)
    while True:
        level = level + [0] * (-len(level) % COMMIT_ARITY)
        level = [poseidon_hash(level[i : i + COMMIT_ARITY]) for i in range(0, len(level), COMMIT_ARITY)]
        if len(level) == 1:
            break
    return poseidon_hash([int(salt), n, level[0]])


def commit_integers(values: Iterable[object], salt: int) -> int:
    """The attester's commitment to a record of signed 64-bit integers: :func:`commit` of
    v mod r (a negative v as r − |v|) with ``salt``; equal to the public commitment of a circuit
    compiled with ``--input-visibility attested`` for the same record and salt."""
    return commit([v % R for v in attested_values(values)], salt)


#: Bits per packed field element: below log2(r), so packing is injective.
PACK_BITS = 252


def signed_width(values: Iterable[int]) -> int:
    """The smallest w >= 1 with -2^(w-1) <= v < 2^(w-1) for every v."""
    return max(((~v if v < 0 else v).bit_length() + 1 for v in map(int, values)), default=1)


#: Domain tag that opens the parameter commitment's header: the ASCII of "zkml-chain params 2"
#: (152 bits, a field element). It separates parameter commitments from input commitments made
#: with :func:`commit`, and names the format: a folder compiled with format 1 is refused.
PARAMS_TAG = int.from_bytes(b"zkml-chain params 2", "big")


@dataclass(frozen=True)
class TensorLayout:
    """Where one parameter tensor sits in the packed bits: its shape and offset-binary width."""

    shape: tuple[int, ...]
    width: int

    @property
    def bits(self) -> int:
        return int(np.prod(self.shape, dtype=object)) * self.width


def layout_header(layout: Sequence[TensorLayout]) -> list[int]:
    """``[PARAMS_TAG, k, (ndim, *shape, width) for each of the k tensors]``: field elements."""
    header = [PARAMS_TAG, len(layout)]
    for t in layout:
        header += [len(t.shape), *(int(d) for d in t.shape), int(t.width)]
    return header


def commit_signed(tensors: Sequence[Sequence[int] | np.ndarray], salt: int = 0) -> int:
    """Commitment to signed integer tensors (a model's quantized parameters, in graph order).

    Each tensor's values become offset binary (v + 2^(w-1), w = :func:`signed_width` of that
    tensor) in little-endian bits; all bits are concatenated and cut into 252-bit field elements
    (little-endian, the last zero-padded). The committed vector is the layout header
    (:func:`layout_header`: a tag, the number of tensors, each one's shape and width) followed by
    those elements, and the result is :func:`commit` of that vector with ``salt``. It equals the
    in-circuit :func:`zkml_chain.circuit.hash.commit_params` over the parameters' range-check bits
    (~12 constraints per 11-bit weight instead of ~41 for one element per value).

    Injective over (tensor order, shapes, widths, values), up to Poseidon collisions: the header
    parses from its start alone (tag, k, then per tensor ndim, then ndim dimensions, then the
    width), so a vector determines its header; the header determines the total bit count B and so
    the number ceil(B/252) of packed elements that follow; :func:`commit` binds the vector's
    length and every element; an element below 2^252 < r is its bits exactly, and with the width
    known each value v in [-2^(w-1), 2^(w-1)) is its w offset-binary bits exactly. Format 1 lacked
    the header: [[-2, -2], [-4, -4]] and [[-4, -4], [-2, -2]] were both ten zero bits.
    """
    arrays = [np.asarray(t, dtype=object) for t in tensors]
    layout: list[TensorLayout] = []
    bits: list[int] = []
    for a in arrays:
        vals = [int(v) for v in a.ravel()]
        w = signed_width(vals)
        layout.append(TensorLayout(tuple(a.shape), w))
        for v in vals:
            u = v + (1 << (w - 1))
            bits.extend((u >> i) & 1 for i in range(w))
    packed = [sum(b << i for i, b in enumerate(bits[k : k + PACK_BITS])) for k in range(0, len(bits), PACK_BITS)]
    return commit(layout_header(layout) + packed, salt)


# --- the optimized form (Poseidon paper, appendix B; what circomlib's poseidon_opt uses) ---------
#
# Partial rounds touch only state[0], so the dense MDS products between them can be traded for
# sparse ones: one dense "pre-sparse" matrix P, then per partial round
#   new[0] = M00·s[0] + Σ_{j>0} w_hat[j]·s[j],   new[j] = s[j] + v[j]·s[0]   (j > 0),
# and the round constants of partial rounds moved so that only state[0] receives one. Same
# function, O(t) instead of O(t²) per partial round — in a circuit, linear combinations that
# grow by one term per round instead of being remixed.


def _mat_mul(a: list[list[int]], b: list[list[int]]) -> list[list[int]]:
    return [[sum(x * y for x, y in zip(row, col)) % R for col in zip(*b)] for row in a]


def _mat_inv(m: list[list[int]]) -> list[list[int]]:
    n = len(m)
    aug = [list(row) + [int(i == j) for j in range(n)] for i, row in enumerate(m)]
    for col in range(n):
        piv = next(r for r in range(col, n) if aug[r][col] % R)
        aug[col], aug[piv] = aug[piv], aug[col]
        inv = pow(aug[col][col], -1, R)
        aug[col] = [x * inv % R for x in aug[col]]
        for r in range(n):
            if r != col and aug[r][col]:
                k = aug[r][col]
                aug[r] = [(x - k * y) % R for x, y in zip(aug[r], aug[col])]
    return [row[n:] for row in aug]


@dataclass(frozen=True)
class OptimizedParams:
    """The optimized schedule of one width: see the comment above."""

    t: int
    partial_rounds: int
    constants: tuple[tuple[int, ...], ...]  # per round; partial rounds after the first use only [0]
    mds: tuple[tuple[int, ...], ...]
    pre_sparse: tuple[tuple[int, ...], ...]  # P, applied as a row vector times P
    m00: int
    w_hat: tuple[tuple[int, ...], ...]  # per partial round, first column below M00
    v: tuple[tuple[int, ...], ...]  # per partial round, first row right of M00


@cache
def optimized_params(n_inputs: int) -> OptimizedParams:
    """The optimized schedule for ``n_inputs`` inputs: from the cache folder when an entry is there
    and intact (deriving it costs ~0.1 s at 16 inputs, a tenth of a lending proof), else derived
    from :func:`params` and stored."""
    if not 1 <= n_inputs <= MAX_INPUTS:
        raise ValueError(f"Poseidon takes 1 to {MAX_INPUTS} inputs, got {n_inputs}")
    t = n_inputs + 1
    data = cached("poseidon", f"optimized-v{_SCHEDULE_FORMAT}-t{t}.bin",
                  lambda: _encode_schedule(derive_optimized_params(n_inputs)))
    try:
        return _decode_schedule(t, data)
    except ValueError as e:  # intact but not this width's schedule (written by another version)
        log.debug("Poseidon cache: %s; deriving the schedule", e)
        return derive_optimized_params(n_inputs)


#: Bumped when the schedule's encoding changes (old entries are then ignored).
_SCHEDULE_FORMAT = 2
_MAGIC = b"zkml-chain poseidon schedule\n"


def _schedule_shapes(t: int, rp: int) -> list[tuple[str, int, int]]:
    """(field, rows, columns) of an OptimizedParams of width t, in encoding order."""
    return [("constants", FULL_ROUNDS + rp, t), ("mds", t, t), ("pre_sparse", t, t), ("m00", 1, 1),
            ("w_hat", rp, t - 1), ("v", rp, t - 1)]


def _encode_schedule(o: OptimizedParams) -> bytes:
    rows = {"constants": o.constants, "mds": o.mds, "pre_sparse": o.pre_sparse, "m00": ((o.m00,),),
            "w_hat": o.w_hat, "v": o.v}
    return _MAGIC + to_bytes(v for name, _, _ in _schedule_shapes(o.t, o.partial_rounds) for row in rows[name] for v in row)


def _decode_schedule(t: int, data: bytes) -> OptimizedParams:
    """The entry's schedule; ValueError when it is not an intact entry for width t."""
    rp = PARTIAL_ROUNDS[t - 2]
    shapes = _schedule_shapes(t, rp)
    payload = data[len(_MAGIC) :]
    if not data.startswith(_MAGIC) or len(payload) != N8 * sum(r * c for _, r, c in shapes):
        raise ValueError(f"not a schedule of width {t}")
    values, at, fields = from_bytes(payload), 0, {}
    for name, r, c in shapes:
        fields[name] = tuple(tuple(values[at + i * c : at + (i + 1) * c]) for i in range(r))
        at += r * c
    return OptimizedParams(t, rp, fields["constants"], fields["mds"], fields["pre_sparse"], fields["m00"][0][0],
                           fields["w_hat"], fields["v"])


def derive_optimized_params(n_inputs: int) -> OptimizedParams:
    """The optimized schedule derived from :func:`params` (what the cache holds)."""
    p = params(n_inputs)
    t, rp, half = p.t, p.partial_rounds, FULL_ROUNDS // 2
    mds = [list(row) for row in p.mds]
    mds_t = [list(col) for col in zip(*mds)]
    # move the partial rounds' constants up through M^-1 (row-vector convention: c · (M^T)^-1)
    consts = [list(c) for c in p.constants]
    inv_t = _mat_inv(mds_t)
    for i in range(half + rp - 2, half - 1, -1):
        moved = [sum(consts[i + 1][k] * inv_t[k][j] for k in range(t)) % R for j in range(t)]
        consts[i] = [(a + b) % R for a, b in zip(consts[i], [0] + moved[1:])]
        consts[i + 1] = [moved[0]] + [0] * (t - 1)
    # Factor the partial rounds' matrices into one dense P and sparse (v, w_hat) pairs. With
    # M̂ = M[1:,1:], w = M[1:,0] and v0 = M[0,1:], the k-th factorisation from the end has
    # m_hat = M̂^(k+1), so w_hat_k = M̂^-(k+1)·w and v_k = v0·M̂^k: vector recurrences instead of a
    # matrix inverse and product per round, and P holds M̂^rp.
    m = mds_t  # the row-vector convention: state · M^T equals M · state
    m_hat = [row[1:] for row in m[1:]]
    inv_hat = _mat_inv(m_hat)
    w_hat = [row[0] for row in m[1:]]
    v = list(m[0][1:])
    w_hats, vs = [], []
    for _ in range(rp):
        w_hat = [sum(a * b for a, b in zip(row, w_hat)) % R for row in inv_hat]
        w_hats.append(w_hat)
        vs.append(v)
        v = [sum(a * b for a, b in zip(v, col)) % R for col in zip(*m_hat)]
    power = [[int(i == j) for j in range(t - 1)] for i in range(t - 1)]
    base, e = m_hat, rp
    while e:
        if e & 1:
            power = _mat_mul(power, base)
        base, e = _mat_mul(base, base), e >> 1
    m_i = [[int(i == j) for j in range(t)] for i in range(t)]
    for r in range(1, t):
        m_i[r][1:] = power[r - 1]
    return OptimizedParams(
        t, rp, tuple(tuple(c) for c in consts), tuple(tuple(r) for r in mds), tuple(tuple(r) for r in m_i),
        m[0][0], tuple(tuple(w) for w in reversed(w_hats)), tuple(tuple(v) for v in reversed(vs)),
    )


@cache
def _native_schedule(t: int) -> tuple[bytes, ...]:
    """:func:`optimized_params` of width ``t`` as the native kernel's arrays."""
    o = optimized_params(t - 1)
    flat = lambda rows: to_bytes(v for row in rows for v in row)  # noqa: E731
    return flat(o.constants), flat(o.mds), flat(o.pre_sparse), to_bytes([o.m00]), flat(o.w_hat), flat(o.v)


def permute_with_layers(states: np.ndarray, o: OptimizedParams) -> tuple[np.ndarray, np.ndarray]:
    """The Poseidon permutation on a batch of states (n, t), optimized schedule (equal to
    :func:`permute`), in the native kernel: (the permuted states, every S-box layer's x², x⁴, x⁵
    flattened in the order the in-circuit hash creates those wires)."""
    s = np.asarray(states, dtype=object) % R
    n, t = s.shape
    out, layers = _native.poseidon_permute(to_bytes(s.ravel()), o.t, o.partial_rounds, *_native_schedule(o.t))
    return np.array(from_bytes(out), dtype=object).reshape(n, t), np.array(from_bytes(layers), dtype=object)


def permute_optimized_reference(states: np.ndarray, o: OptimizedParams,
                                on_sbox: Callable[[np.ndarray, np.ndarray, np.ndarray], None] | None = None
                                ) -> np.ndarray:
    """:func:`permute_with_layers` in Python integers, with ``on_sbox(x², x⁴, x⁵)`` called for
    every S-box layer in order ((n, t) arrays in full rounds, (n,) in partial ones): the reference
    the native kernel is tested against."""
    half = FULL_ROUNDS // 2
    s = np.asarray(states, dtype=object) % R
    mds_t = np.array(o.mds, dtype=object).T

    def sbox(v: np.ndarray) -> np.ndarray:
        x2 = v * v % R
        x4 = x2 * x2 % R
        x5 = x4 * v % R
        if on_sbox is not None:
            on_sbox(x2, x4, x5)
        return x5

    for r in range(half):
        s = sbox((s + np.array(o.constants[r], dtype=object)) % R).dot(mds_t) % R
    s = ((s + np.array(o.constants[half], dtype=object)) % R).dot(np.array(o.pre_sparse, dtype=object)) % R
    for r in range(o.partial_rounds):
        s0 = sbox(s[:, 0])
        if r < o.partial_rounds - 1:
            s0 = (s0 + o.constants[half + r + 1][0]) % R
        first = (s0 * o.m00 + s[:, 1:].dot(np.array(o.w_hat[r], dtype=object))) % R
        rest = (s[:, 1:] + s0[:, None] * np.array(o.v[r], dtype=object)) % R
        s = np.concatenate([first[:, None], rest], axis=1)
    for r in range(half + o.partial_rounds, FULL_ROUNDS + o.partial_rounds):
        s = sbox((s + np.array(o.constants[r], dtype=object)) % R).dot(mds_t) % R
    return s
