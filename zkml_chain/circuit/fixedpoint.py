"""Fixed-point arithmetic: rescaling, division by constants, and a sigmoid with a stated error.

A real number v is the integer round(v · 2^f) at scale f. Products of two scale-f values are
at scale 2f and are brought back with :func:`rescale` (floor division by 2^f).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import cache

import numpy as np

from ..cachedir import cached
from .bits import MAX_BITS, boolean, range_check, to_bits
from .builder import Circuit, Tensor, signed
from .compare import ge
from .program import DivFloor, Segment

log = logging.getLogger(__name__)


def rescale(c: Circuit, x: Tensor, s: int, n: int) -> Tensor:
    """floor(x / 2^s) for x signed n-bit (n > s). n + 3 constraints per element.

    Hints q and rem with x = q·2^s + rem; rem is proved in [0, 2^s) by s + 1 constraints and q
    signed (n − s)-bit by n − s + 1 more, so the integer q·2^s + rem lies in [−2^(n−1), 2^(n−1))
    and equals x without wrapping: q is the floor, and a remainder of 2^s or below 0 is rejected.
    """
    if not 0 < s < n:
        raise ValueError(f"rescale: need 0 < s < n, got s={s}, n={n}")
    if n > MAX_BITS:  # each part is capped, but q·2^s + rem spans n bits: beyond 253 it can wrap r
        raise ValueError(f"rescale: q·2^s + rem could wrap the field for n={n} (need n <= {MAX_BITS})")
    v = np.asarray(signed(x.values), dtype=object).reshape(x.shape)
    q = c.hint(v >> s, name="rescale.q", recipe=DivFloor(x, 1 << s))
    rem = c.hint(v - ((v >> s) << s), name="rescale.rem", recipe=DivFloor(x, 1 << s, rem=True))
    to_bits(c, rem, s, "rescale.rem")
    to_bits(c, q + (1 << (n - s - 1)), n - s, f"rescale (input outside the signed {n}-bit range)", name="rescale.q")
    c.assert_equal(q * (1 << s) + rem, x)
    return q


def div_floor(c: Circuit, x: Tensor, d: int, n: int) -> Tensor:
    """floor(x / d) for a constant d >= 1 and x signed n-bit. n + 2k + 3 constraints per element,
    k = bit length of d − 1: rem and d − 1 − rem are both proved in [0, 2^k), so 0 <= rem < d."""
    if d < 1:
        raise ValueError(f"div_floor: divisor must be >= 1, got {d}")
    if n + d.bit_length() > MAX_BITS:
        raise ValueError(f"div_floor: q·d + rem could wrap the field for n={n} and d={d} "
                         f"(need n + bitlen(d) <= {MAX_BITS})")
    if d & (d - 1) == 0:
        return rescale(c, x, d.bit_length() - 1, n) if d > 1 else x
    k = (d - 1).bit_length()
    v = np.asarray(signed(x.values), dtype=object).reshape(x.shape)
    q = c.hint(v // d, name="div_floor.q", recipe=DivFloor(x, d))
    rem = c.hint(v - (v // d) * d, name="div_floor.rem", recipe=DivFloor(x, d, rem=True))
    to_bits(c, rem, k, "div_floor.rem")
    to_bits(c, (d - 1) - rem, k, "div_floor.rem_below_d")
    to_bits(c, q + (1 << (n - 1)), n, f"div_floor (input outside the signed {n}-bit range)", name="div_floor.q")
    c.assert_equal(q * d + rem, x)
    return q


# --- the sigmoid: piecewise-linear on |x| with segments chosen for the scale ----------------
#
# σ is concave on x >= 0, so on each segment [u, v) the best uniform line (the chord moved up by
# half its largest gap) has a closed form. Segment ends are greedy, as long as that error stays
# <= 2^-(f+1): 7 segments at f = 8, 27 at f = 12, 109 at f = 16. Past the last one σ is a
# constant (within 2^-(f+1) of 1). x < 0 by the reflection σ(-x) = 1 - σ(x).


def _sigma(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _minimax_line(u: float, v: float) -> tuple[float, float, float]:
    """(slope, intercept, max |error|) of the best uniform line for σ on [u, v], 0 <= u < v."""
    m = (_sigma(v) - _sigma(u)) / (v - u)
    lo, hi = u, v  # σ' decreases on [0, ∞): find c with σ'(c) = m, where the chord is farthest
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _sigma(mid) * (1 - _sigma(mid)) > m else (lo, mid)
    gap = (_sigma(lo) - (_sigma(u) + m * (lo - u))) / 2
    return m, _sigma(u) - m * u + gap, gap


Line = tuple[float, float, float]  # (slope, intercept, max |error|)


def greedy_segments(line: Callable[[float, float], Line], end: int, one: int, eps: float) -> tuple[list[int], list[Line]]:
    """Segments [lows[j], lows[j+1]) of [0, end) on the grid 1/one, each as long as the best line
    ``line(u, v)`` on it stays within ``eps`` (the farthest end found by bisection), and those lines.
    Shared by the sigmoid's and softmax's tables."""
    lows, lines = [], []
    u = 0
    while u < end:
        lo, hi = u + 1, end
        if line(u / one, hi / one)[2] <= eps:
            lo = hi
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if line(u / one, mid / one)[2] <= eps else (lo, mid)
        lows.append(u)
        lines.append(line(u / one, lo / one))
        u = lo
    return lows, lines


@dataclass(frozen=True)
class SigmoidTable:
    """σ(a / 2^f) ≈ (slope_j·a + offset_j) >> frac for a = |x| in [lows[j], lows[j+1]); the last
    segment (slope 0) runs to infinity. ``error`` bounds |result / 2^f − σ| for every input."""

    f: int
    frac: int  # slopes at scale 2^frac, offsets at 2^(f + frac), rounding included
    lows: tuple[int, ...]
    slopes: tuple[int, ...]
    offsets: tuple[int, ...]
    error: float


@cache
def sigmoid_table(f: int) -> SigmoidTable:
    """The table for scale ``f``: from the cache folder when it holds it (fitting takes ~0.09 s at
    f = 16, in every process that builds a sigmoid's witness), else fitted and stored."""
    if not 3 <= f <= 24:
        raise ValueError(f"sigmoid: the scale must be between 3 and 24 bits, got {f}")
    data = cached("tables", f"sigmoid-v1-f{f}.json", lambda: json.dumps(asdict(fit_sigmoid_table(f))).encode())
    try:
        d = json.loads(data)
        table = SigmoidTable(d["f"], d["frac"], tuple(d["lows"]), tuple(d["slopes"]), tuple(d["offsets"]), d["error"])
        if table.f != f or not len(table.lows) == len(table.slopes) == len(table.offsets) > 0:
            raise ValueError(f"a table for scale {table.f}")
        return table
    except (ValueError, KeyError, TypeError) as e:  # intact but not this table (another version wrote it)
        log.debug("sigmoid table cache: %s; fitting again", e)
        return fit_sigmoid_table(f)


def fit_sigmoid_table(f: int) -> SigmoidTable:
    """The segments and lines for scale ``f`` (what :func:`sigmoid_table` caches)."""
    one, frac, eps = 1 << f, f + 8, 2.0 ** -(f + 1)
    saturate = math.ceil(math.log(1 / eps - 1) * one)  # from here 1 - σ <= eps
    lows, lines = greedy_segments(_minimax_line, saturate, one, eps)
    lows.append(saturate)
    top = (1 - _sigma(saturate / one)) / 2
    lines.append((0.0, 1 - top, top))
    half = 1 << (frac - 1)  # rounds to nearest instead of flooring
    slopes = tuple(round(m * (1 << frac)) for m, _, _ in lines)
    offsets = tuple(round(b * (1 << (f + frac))) + half for _, b, _ in lines)
    # line error + final rounding + slope rounding (|a| < saturate where the slope is not 0) + offset rounding
    error = max(g for _, _, g in lines) + 2.0 ** -(f + 1) + 2.0 ** -(frac + 1) * saturate / one + 2.0 ** -(f + frac)
    return SigmoidTable(f, frac, tuple(lows), slopes, offsets, error)


def sigmoid_error_bound(f: int) -> float:
    """Max |sigmoid(x)/2^f − σ(x/2^f)| over all x: about 2^-f."""
    return sigmoid_table(f).error


def sigmoid_values(x: np.ndarray, f: int) -> np.ndarray:
    """The circuit's sigmoid on plain integers (int64 or object arrays)."""
    t = sigmoid_table(f)
    a = np.abs(x)
    j = np.searchsorted(np.asarray(t.lows), a, side="right") - 1
    y = (np.asarray(t.slopes, dtype=a.dtype)[j] * a + np.asarray(t.offsets, dtype=a.dtype)[j]) >> t.frac
    return np.where(x >= 0, y, (1 << f) - y)


def sigmoid(c: Circuit, x: Tensor, f: int, n: int) -> Tensor:
    """σ(x) at scale f for x signed n-bit at scale f; error <= sigmoid_error_bound(f).

    3n + K + 2f + 23 constraints per element, K = the table's segments (8 at f = 8, 28 at f = 12):
    sign (n + 2) and |x| (1); a one-hot segment choice (K booleans, Σ = 1) with
    low <= |x| < high proved by two n-bit range checks (2n + 2); slope·|x| (1), rounded back to
    scale f (2f + 15); the reflection for x < 0 (1).
    """
    t = sigmoid_table(f)
    if not f + 4 <= n < MAX_BITS:  # ge(x, 0, n) decomposes n + 1 bits
        raise ValueError(f"sigmoid: need {f + 4} <= n < {MAX_BITS} at scale {f} (so |x| and its segment bounds "
                         f"cannot wrap the field), got n={n}")
    one = 1 << f
    x = c.narrow(x)
    pos = ge(c, x, 0, n)
    a = c.mul(pos.scale(2) - 1, x)  # |x| <= 2^(n-1)
    k = len(t.lows)
    j = np.searchsorted(np.asarray(t.lows, dtype=object), np.asarray(signed(a.values), dtype=object), side="right") - 1
    e = c.hint(np.eye(k, dtype=np.int64)[np.asarray(j, dtype=np.int64)].reshape(a.shape + (k,)), name="sigmoid.segment",
               recipe=Segment(a, t.lows))
    boolean(c, e.flatten())
    c.assert_equal(e.sum(axis=-1), c.constant(np.ones(a.shape, dtype=np.int64)))
    lows = np.asarray(t.lows, dtype=object)
    highs = np.asarray(t.lows[1:] + ((1 << (n - 1)) + 1,), dtype=object)
    range_check(c, a - e @ lows, n, "sigmoid: |x| below its segment")
    range_check(c, e @ highs - 1 - a, n, "sigmoid: |x| above its segment")
    scaled = c.mul(e @ np.asarray(t.slopes, dtype=object), a) + e @ np.asarray(t.offsets, dtype=object)
    y = rescale(c, scaled, t.frac, f + t.frac + 4)  # slope·|x| < 2^(f+frac+2) below saturation
    return (one - y) + c.mul(pos, y.scale(2) - one)
