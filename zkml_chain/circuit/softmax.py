"""Softmax over a vector in fixed point, with a stated error.

softmax(x)_k = e^(x_k − M) / Σ_j e^(x_j − M), M = max x (so every exponent is <= 0 and the
largest term is 1). At scale f:

- M by a tournament of comparisons (compare.max_reduce), d_k = M − x_k >= 0;
- u_k ≈ 2^f·e^(−d_k/2^f) from a piecewise-linear table on d (e^−a is convex: on each segment the
  best uniform line is the chord moved down by half its largest gap, in closed form; segments
  are greedy while that error is <= 2^−(f+1); past the last one e^−a < 2^−(f+1) and u = 0);
- p_k = floor(u_k·2^f / S), S = Σ u_j, by a hinted quotient and remainder: q·S = u·2^f − rem with
  0 <= rem < S and q < 2^(f+1) — small enough that the equation holds over the integers, so q is
  the floor.

Error: with ε = :func:`exp_error_bound` (each u_k within ε·2^f of 2^f·e^−d) and K terms,
|p_k − softmax_k| <= ε(K + 1)/(1 − Kε) + 2^−f (:func:`softmax_error_bound`; about (K + 2)·2^−f).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np

from .bits import boolean, range_check, to_bits
from .builder import Circuit, Tensor, signed
from .compare import max_reduce
from .fixedpoint import greedy_segments, rescale
from .program import DivVar, Segment


def _line(u: float, v: float) -> tuple[float, float, float]:
    """(slope, intercept, max |error|) of the best uniform line for e^−a on [u, v], 0 <= u < v."""
    m = (math.exp(-v) - math.exp(-u)) / (v - u)  # < 0
    c = -math.log(-m)  # where the tangent is parallel to the chord: the largest gap
    gap = (math.exp(-u) + m * (c - u)) - math.exp(-c)
    return m, math.exp(-u) - m * u - gap / 2, gap / 2


@dataclass(frozen=True)
class ExpTable:
    """2^f·e^(−a/2^f) ≈ (slope_j·a + offset_j) >> frac for a in [lows[j], lows[j+1]); the last
    segment (slope 0, offset 0) runs to infinity."""

    f: int
    frac: int
    lows: tuple[int, ...]
    slopes: tuple[int, ...]
    offsets: tuple[int, ...]
    error: float


@cache
def exp_table(f: int) -> ExpTable:
    if not 3 <= f <= 24:
        raise ValueError(f"softmax: the scale must be between 3 and 24 bits, got {f}")
    one, frac, eps = 1 << f, f + 8, 2.0 ** -(f + 1)
    saturate = math.ceil(math.log(1 / eps) * one)  # from here e^−a <= eps
    lows, lines = greedy_segments(_line, saturate, one, eps)
    lows.append(saturate)
    lines.append((0.0, 0.0, eps))  # e^−a <= eps from here on
    half = 1 << (frac - 1)  # rounds to nearest
    slopes = tuple(round(m * (1 << frac)) for m, _, _ in lines)
    offsets = tuple(round(b * (1 << (f + frac))) + half for _, b, _ in lines)
    # line error + final rounding + slope rounding (a < saturate where the slope is not 0) + offset rounding
    error = max(g for _, _, g in lines) + 2.0 ** -(f + 1) + 2.0 ** -(frac + 1) * saturate / one + 2.0 ** -(f + frac)
    return ExpTable(f, frac, tuple(lows), slopes, offsets, error)


def exp_error_bound(f: int) -> float:
    """Max |exp_values(a)/2^f − e^(−a/2^f)| over a >= 0."""
    return exp_table(f).error


def softmax_error_bound(f: int, k: int) -> float:
    """Max |softmax_values(x)/2^f − softmax(x/2^f)| over vectors of k values."""
    e = exp_error_bound(f)
    return e * (k + 1) / (1 - k * e) + 2.0**-f


def exp_values(a: np.ndarray, f: int) -> np.ndarray:
    """The circuit's 2^f·e^(−a/2^f) on plain integers a >= 0."""
    t = exp_table(f)
    j = np.searchsorted(np.asarray(t.lows), a, side="right") - 1
    return (np.asarray(t.slopes, dtype=object)[j] * a + np.asarray(t.offsets, dtype=object)[j]) >> t.frac


def softmax_values(x: np.ndarray, f: int) -> np.ndarray:
    """The circuit's softmax over the last axis of plain integers at scale f (exact integers)."""
    x = np.asarray(x, dtype=object)
    u = exp_values(x.max(axis=-1, keepdims=True) - x, f)
    return (u << f) // u.sum(axis=-1, keepdims=True)


def exp_neg(c: Circuit, a: Tensor, f: int, n: int) -> Tensor:
    """2^f·e^(−a/2^f) for 0 <= a < 2^n (a at scale f): a one-hot segment (K booleans, Σ = 1),
    low <= a < high by two n-bit range checks, slope·a (1), rounded to scale f (f + frac + 6)."""
    t = exp_table(f)
    k = len(t.lows)
    j = np.searchsorted(np.asarray(t.lows, dtype=object), np.asarray(signed(a.values), dtype=object), side="right") - 1
    e = c.hint(np.eye(k, dtype=np.int64)[np.asarray(j, dtype=np.int64)].reshape(a.shape + (k,)), name="exp.segment",
               recipe=Segment(a, t.lows))
    boolean(c, e.flatten())
    c.assert_equal(e.sum(axis=-1), c.constant(np.ones(a.shape, dtype=np.int64)))
    lows = np.asarray(t.lows, dtype=object)
    highs = np.asarray(t.lows[1:] + (1 << n,), dtype=object)
    range_check(c, a - e @ lows, n, "softmax: an exponent below its segment (or negative)")
    range_check(c, e @ highs - 1 - a, n, "softmax: an exponent above its segment")
    scaled = c.mul(e @ np.asarray(t.slopes, dtype=object), a) + e @ np.asarray(t.offsets, dtype=object)
    return rescale(c, scaled, t.frac, f + t.frac + 3)  # the line stays in [-2^(f+frac), 2^(f+frac+1)]


def softmax(c: Circuit, x: Tensor, f: int, n: int) -> Tensor:
    """Softmax of a vector x of signed n-bit values at scale f, at scale f; error <=
    softmax_error_bound(f, len(x)). Per element: the exp table (K + 2n + f + frac + 12, K its
    segments), the division (1 + 2·(bits of S + 1) + f + 3); plus the maximum, (len − 1)(n + 3)."""
    if x.ndim != 1:
        raise ValueError(f"softmax takes a vector, got shape {x.shape}")
    k = x.shape[0]
    x = c.narrow(x)
    top = max_reduce(c, x, n)
    u = exp_neg(c, top.broadcast_to((k,)) - x, f, n + 1)  # d = M − x is in [0, 2^n)
    s = u.sum()
    uv = np.asarray(signed(u.values), dtype=object)
    sv = int(signed(s.values)[0])
    den = s.broadcast_to((k,))
    q = c.hint((uv << f) // sv, name="softmax.q", recipe=DivVar(u, den, f))
    rem = c.hint((uv << f) - ((uv << f) // sv) * sv, name="softmax.rem", recipe=DivVar(u, den, f, rem=True))
    width = (k * ((1 << f) + 1)).bit_length()  # S <= k·(2^f + 1)
    c.constrain(q, s.broadcast_to((k,)), u.scale(1 << f) - rem)
    to_bits(c, rem, width, "softmax: remainder below 0", name="softmax.rem")
    to_bits(c, s.broadcast_to((k,)) - 1 - rem, width, "softmax: remainder not below the sum", name="softmax.rem_below")
    to_bits(c, q, f + 2, "softmax: quotient out of range", name="softmax.q")
    return q
