"""Fixed-point arithmetic: rescaling, division by constants, and a sigmoid with a stated error.

A real number v is the integer round(v · 2^f) at scale f. Products of two scale-f values are
at scale 2f and are brought back with :func:`rescale` (floor division by 2^f).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .bits import to_bits
from .builder import Circuit, Tensor, signed
from .compare import ge


def rescale(c: Circuit, x: Tensor, s: int, n: int) -> Tensor:
    """floor(x / 2^s) for x signed n-bit (n > s). n + 3 constraints per element.

    Hints q and rem with x = q·2^s + rem; rem is proved in [0, 2^s) by s + 1 constraints and q
    signed (n − s)-bit by n − s + 1 more, so the integer q·2^s + rem lies in [−2^(n−1), 2^(n−1))
    and equals x without wrapping: q is the floor, and a remainder of 2^s or below 0 is rejected.
    """
    if not 0 < s < n:
        raise ValueError(f"rescale: need 0 < s < n, got s={s}, n={n}")
    v = np.asarray(signed(x.values), dtype=object).reshape(x.shape)
    q = c.hint(v >> s, name="rescale.q")
    rem = c.hint(v - ((v >> s) << s), name="rescale.rem")
    to_bits(c, rem, s, "rescale.rem")
    to_bits(c, q + (1 << (n - s - 1)), n - s, f"rescale (input outside the signed {n}-bit range)", name="rescale.q")
    c.assert_equal(q * (1 << s) + rem, x)
    return q


def div_floor(c: Circuit, x: Tensor, d: int, n: int) -> Tensor:
    """floor(x / d) for a constant d >= 1 and x signed n-bit. n + 2k + 3 constraints per element,
    k = bit length of d − 1: rem and d − 1 − rem are both proved in [0, 2^k), so 0 <= rem < d."""
    if d < 1:
        raise ValueError(f"div_floor: divisor must be >= 1, got {d}")
    if n + d.bit_length() > 252:
        raise ValueError(f"div_floor: q·d + rem could wrap the field for n={n} and d={d} (need n + bitlen(d) <= 252)")
    if d & (d - 1) == 0:
        return rescale(c, x, d.bit_length() - 1, n) if d > 1 else x
    k = (d - 1).bit_length()
    v = np.asarray(signed(x.values), dtype=object).reshape(x.shape)
    q = c.hint(v // d, name="div_floor.q")
    rem = c.hint(v - (v // d) * d, name="div_floor.rem")
    to_bits(c, rem, k, "div_floor.rem")
    to_bits(c, (d - 1) - rem, k, "div_floor.rem_below_d")
    to_bits(c, q + (1 << (n - 1)), n, f"div_floor (input outside the signed {n}-bit range)", name="div_floor.q")
    c.assert_equal(q * d + rem, x)
    return q


#: PLAN (Amin, Curtis, Hayes-Gill 1997): piecewise-linear sigmoid, |error| < 0.0190 everywhere.
#: Segments of |x| as (lower bound, slope, intercept); slopes are powers of two.
PLAN = ((0.0, 0.25, 0.5), (1.0, 0.125, 0.625), (2.375, 0.03125, 0.84375), (5.0, 0.0, 1.0))
PLAN_MAX_ERROR = 0.0190


def plan_thresholds(one: int) -> list[int]:
    """Where the segments of |x| start (after the first), at scale ``one`` = 2^f."""
    return [int(bound * one) for bound, _, _ in PLAN[1:]]


def plan_segments32(a: Any, one: int) -> list[Any]:
    """32 × each segment's value at |x| = ``a`` (scale ``one``): integers, since every slope
    and intercept is a multiple of 1/32. Works on tensors and numpy arrays alike."""
    return [(a * int(32 * slope) if slope else 0) + int(32 * icpt) * one for _, slope, icpt in PLAN]


def sigmoid_error_bound(f: int) -> float:
    """Max |sigmoid_fixed(x)/2^f − σ(x/2^f)|: PLAN's 0.0190 plus 2^−f for the final floor."""
    return PLAN_MAX_ERROR + 2.0**-f


def sigmoid(c: Circuit, x: Tensor, f: int, n: int) -> Tensor:
    """σ(x) at scale f for x signed n-bit at scale f, by PLAN; error <= sigmoid_error_bound(f).

    5n + 22 constraints per element: sign (n + 2) and |x| (1), three threshold comparisons
    (3(n + 2)), the segment select (3), the floor by 32 of a (n + 6)-bit value (n + 9) and the
    reflection σ(−x) = 1 − σ(x) (1).
    """
    if f < 3:
        raise ValueError(f"sigmoid: the scale must be at least 3 bits (2.375 = 19/8 is a threshold), got {f}")
    one = 1 << f
    x = c.narrow(x)
    pos = ge(c, x, 0, n)
    a = c.mul(pos.scale(2) - 1, x)  # |x|
    c1, c2, c3 = (ge(c, a, bound, n) for bound in plan_thresholds(one))
    v0, v1, v2, v3 = plan_segments32(a, one)
    y32 = v0 + c.mul(c1, v1 - v0) + c.mul(c2, v2 - v1) + c.mul(c3, v3 - v2)
    y = rescale(c, y32, 5, n + 6)
    return (one - y) + c.mul(pos, y.scale(2) - one)
