"""BN254 points in Python: small value types over the native arkworks kernels.

``G1Point`` and ``G2Point`` are affine points with integer coordinates; arrays of points stay
packed ``bytes`` (64 bytes per G1 point, 128 per G2 point, infinity as zeros) and go to the
kernels whole. The G2 coordinate order here is snarkjs's JSON order (real part first); the EVM
precompile wants the imaginary part first, which :meth:`G2Point.evm_words` provides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from . import _native
from .errors import PointError, ProofInputError
from .field import N8, Q, R, from_bytes, random_scalars, to_bytes

Fq2 = tuple[int, int]


@dataclass(frozen=True)
class G1Point:
    """An affine point of G1 (y^2 = x^3 + 3 over Fq); (0, 0) is the point at infinity."""

    x: int
    y: int

    @classmethod
    def from_bytes(cls, data: bytes) -> G1Point:
        x, y = from_bytes(data)
        return cls(x, y)

    def to_bytes(self) -> bytes:
        return to_bytes((self.x, self.y), "G1 coordinate", Q)

    @property
    def is_infinity(self) -> bool:
        return self.x == 0 and self.y == 0

    def is_valid(self) -> bool:
        """On the curve with coordinates below q (G1 has cofactor 1)."""
        if not (0 <= self.x < Q and 0 <= self.y < Q):
            return False
        return _native.g1_first_invalid(self.to_bytes()) < 0

    def __add__(self, other: G1Point) -> G1Point:
        return G1Point.from_bytes(_native.g1_sum(self.to_bytes() + other.to_bytes()))

    def __neg__(self) -> G1Point:
        return G1Point.from_bytes(_native.g1_neg(self.to_bytes()))

    def __mul__(self, k: int) -> G1Point:
        return g1_msm(self.to_bytes(), to_bytes([k % R]))

    __rmul__ = __mul__

    def to_snarkjs(self) -> list[str]:
        """Projective JSON form used by snarkjs (``[x, y, "1"]``; infinity ``["0", "1", "0"]``)."""
        if self.is_infinity:
            return ["0", "1", "0"]
        return [str(self.x), str(self.y), "1"]

    @classmethod
    def from_snarkjs(cls, v: object, what: str) -> G1Point:
        if not (isinstance(v, list) and len(v) == 3):
            raise ProofInputError(f"{what}: expected [x, y, z] (3 decimal strings), got {v!r:.80}")
        x, y, z = (_parse_int(c, what) for c in v)
        if z == 0:
            return cls(0, 0)
        if z != 1:
            raise ProofInputError(f"{what}: only affine points (z = 1) are accepted, got z = {z}")
        _check_coords(what, (x, y))
        return cls(x, y)


@dataclass(frozen=True)
class G2Point:
    """An affine point of G2 over Fq2 = Fq[u]/(u^2 + 1); coordinates are (c0, c1) pairs."""

    x: Fq2
    y: Fq2

    @classmethod
    def from_bytes(cls, data: bytes) -> G2Point:
        x0, x1, y0, y1 = from_bytes(data)
        return cls((x0, x1), (y0, y1))

    def to_bytes(self) -> bytes:
        return to_bytes((*self.x, *self.y), "G2 coordinate", Q)

    @property
    def is_infinity(self) -> bool:
        return self.x == (0, 0) and self.y == (0, 0)

    def is_valid(self) -> bool:
        """On the twist curve and in the prime-order subgroup (G2 has a large cofactor)."""
        if not all(0 <= c < Q for c in (*self.x, *self.y)):
            return False
        return _native.g2_first_invalid(self.to_bytes()) < 0

    def __add__(self, other: G2Point) -> G2Point:
        return G2Point.from_bytes(_native.g2_sum(self.to_bytes() + other.to_bytes()))

    def __mul__(self, k: int) -> G2Point:
        return g2_msm(self.to_bytes(), to_bytes([k % R]))

    __rmul__ = __mul__

    def evm_words(self) -> list[int]:
        """The four words the EVM pairing precompile (0x08) wants: x.c1, x.c0, y.c1, y.c0."""
        return [self.x[1], self.x[0], self.y[1], self.y[0]]

    def to_snarkjs(self) -> list[list[str]]:
        if self.is_infinity:
            return [["0", "0"], ["1", "0"], ["0", "0"]]
        return [[str(self.x[0]), str(self.x[1])], [str(self.y[0]), str(self.y[1])], ["1", "0"]]

    @classmethod
    def from_snarkjs(cls, v: object, what: str) -> G2Point:
        if not (isinstance(v, list) and len(v) == 3 and all(isinstance(c, list) and len(c) == 2 for c in v)):
            raise ProofInputError(f"{what}: expected [[x0, x1], [y0, y1], [z0, z1]], got {v!r:.80}")
        (x0, x1), (y0, y1), (z0, z1) = ((_parse_int(a, what), _parse_int(b, what)) for a, b in v)
        if (z0, z1) == (0, 0):
            return cls((0, 0), (0, 0))
        if (z0, z1) != (1, 0):
            raise ProofInputError(f"{what}: only affine points (z = 1) are accepted")
        _check_coords(what, (x0, x1, y0, y1))
        return cls((x0, x1), (y0, y1))


def _parse_int(v: object, what: str) -> int:
    if isinstance(v, bool) or not isinstance(v, (str, int)):
        raise ProofInputError(f"{what}: expected a decimal string, got {v!r:.40}")
    try:
        return int(v)
    except ValueError:
        raise ProofInputError(f"{what}: {v!r:.40} is not a decimal integer") from None


def _check_coords(what: str, coords: Sequence[int]) -> None:
    if not all(0 <= c < Q for c in coords):
        raise PointError(what)


#: Generators (the ones the EVM precompiles and snarkjs use).
G1_GENERATOR = G1Point(1, 2)
G2_GENERATOR = G2Point(
    (
        10857046999023057135944570762232829481370756359578518086990519993285655852781,
        11559732032986387107991004021392285783925812861821192530917403151452391805634,
    ),
    (
        8495653923123431417604973247489272438418190587263600148770280649306958101930,
        4082367875863433681332203403145435568316851327593401208105741076214120093531,
    ),
)


def g1_msm(points: bytes, scalars: bytes) -> G1Point:
    """sum_i scalars[i] * points[i] (packed arrays of equal length)."""
    return G1Point.from_bytes(_native.g1_msm(points, scalars))


def g2_msm(points: bytes, scalars: bytes) -> G2Point:
    """sum_i scalars[i] * points[i] in G2."""
    return G2Point.from_bytes(_native.g2_msm(points, scalars))


def g1_sum(points: Sequence[G1Point]) -> G1Point:
    return G1Point.from_bytes(_native.g1_sum(b"".join(p.to_bytes() for p in points)))


def g2_sum(points: Sequence[G2Point]) -> G2Point:
    return G2Point.from_bytes(_native.g2_sum(b"".join(p.to_bytes() for p in points)))


def validate_g1_array(points: bytes, what: str) -> None:
    """Raise :class:`PointError` naming the first invalid point of a packed G1 array."""
    bad = _native.g1_first_invalid(points)
    if bad >= 0:
        raise PointError(what, bad)


# G2 membership of many points at once. A point P of the twist is in G2 exactly when
# f(P) = [6x^2]P - psi(P) is zero (eprint 2022/352, section 4.3; arkworks' check), and f is a
# group homomorphism, so f(sum r_i P_i) = sum r_i f(P_i). A nonzero f(P_i) lies in the twist's
# cofactor part, whose smallest prime order is 10069 (the cofactor is 10069 * 5864401 * a 221-bit
# composite), so random 16-bit r_i miss it with probability at most ceil(2^16/10069)/2^16 < 2^-13:
# a single 128-bit combination would NOT be sound, ten 16-bit ones are (< 2^-130), and cost
# about as much as one 160-bit MSM instead of a 127-bit scalar multiplication per point.
G2_BATCH_ROUNDS = 10
G2_BATCH_BITS = 16
G2_BATCH_FROM = 64  # below this many points the per-point check is as fast


def g2_first_invalid(points: bytes, rounds: int = G2_BATCH_ROUNDS) -> int:
    """Index of the first packed G2 point that is off the curve or outside the prime-order
    subgroup, or -1; a batched randomized check first (``rounds`` combinations, each missing a
    bad point with probability < 2^-13), the per-point one only to name a bad point."""
    n = len(points) // 128
    if n < G2_BATCH_FROM:
        return _native.g2_first_invalid(points)
    bad = _native.g2_first_off_curve(points)
    if bad >= 0:
        return bad
    for _ in range(rounds):
        if _native.g2_first_invalid(_native.g2_msm(points, random_scalars(n, G2_BATCH_BITS))) >= 0:
            return _native.g2_first_invalid(points)
    return -1


def validate_g2_array(points: bytes, what: str, rounds: int = G2_BATCH_ROUNDS) -> None:
    bad = g2_first_invalid(points, rounds)
    if bad >= 0:
        raise PointError(what, bad)


def pairing_product_is_one(pairs: Sequence[tuple[G1Point, G2Point]]) -> bool:
    """prod e(P_i, Q_i) == 1, with one multi-Miller loop and one final exponentiation."""
    g1 = b"".join(p.to_bytes() for p, _ in pairs)
    g2 = b"".join(q.to_bytes() for _, q in pairs)
    return bool(_native.pairing_product_is_one(g1, g2))


def pairing(p: G1Point, q: G2Point) -> list[int]:
    """e(p, q) as 12 Fq integers in the Fq12 tower order of snarkjs's vk_alphabeta_12."""
    return from_bytes(_native.pairing(p.to_bytes(), q.to_bytes()))


G1_BYTES = 2 * N8
G2_BYTES = 4 * N8
