"""Bits and ranges: the base of every sound comparison (a comparison is only as sound as the
bit decomposition that pins its result).

Each gadget states its constraint count per element. Widths are capped at MAX_BITS = 252 so a
sum of bits never wraps around the field (r > 2^253).
"""

from __future__ import annotations

import numpy as np

from ..errors import WitnessError
from .builder import Circuit, Tensor, signed
from .program import Bits, Fixed

MAX_BITS = 252


def _width(n: int) -> int:
    if not 1 <= n <= MAX_BITS:
        raise ValueError(f"bit width must be in 1..{MAX_BITS} (so sums of bits cannot wrap the field), got {n}")
    return n


def boolean(c: Circuit, t: Tensor) -> Tensor:
    """Constrain every element to 0 or 1: ``t·t = t``. 1 constraint per element. Returns ``t``
    marked as proven boolean (see :attr:`Tensor.boolean`)."""
    c.constrain(t, t, t)
    return t.proven_boolean()


def _bit_values(vals: np.ndarray, n: int) -> np.ndarray:
    """The n little-endian bits of every (non-negative) value, shape ``vals.shape + (n,)``."""
    shifts = np.arange(n, dtype=object)
    return (np.asarray(vals, dtype=object)[..., None] >> shifts) & 1  # (a 0-d sum is a Python int)


def _powers(n: int) -> np.ndarray:
    return np.ones(n, dtype=object) << np.arange(n, dtype=object)


def to_bits(c: Circuit, t: Tensor, n: int, what: str = "to_bits", name: str | None = None, *,
            signed_range: bool = False) -> Tensor:
    """Little-endian bits of t, shape ``t.shape + (n,)``, proving 0 <= t < 2^n.

    n + 1 constraints per element: n booleans and the recomposition ``Σ 2^i·b_i = t``. Sound for
    any field value: a t outside [0, 2^n) has no satisfying bits (n <= 252 < log2 r).
    ``signed_range``: t is a signed value offset by 2^(n-1) (for the witness program's errors).
    """
    _width(n)
    vals = np.asarray(t.values, dtype=object)
    bad = np.flatnonzero((vals >> n) != 0)
    if len(bad):
        raise WitnessError(f"{what}: element {int(bad[0])} = {signed(vals[bad[0]])} is not in [0, 2^{n})")
    b = c.hint(_bit_values(vals, n).reshape(t.shape + (n,)), name=f"{name or what}.bits",
               recipe=Bits(t, n, what, signed_range))
    b = boolean(c, b.flatten()).reshape(t.shape + (n,))
    c.assert_equal(b @ _powers(n), t)
    return b


def signed_bits(c: Circuit, values: np.ndarray, n: int, what: str = "signed_bits",
                name: str | None = None) -> tuple[Tensor, Tensor]:
    """Private signed n-bit values held by their bits alone: ``(value, bits)``, where ``bits`` are
    those of value + 2^(n-1) (offset binary, shape ``values.shape + (n,)``) and ``value`` is the
    linear combination ``Σ 2^i·b_i − 2^(n-1)`` — no wire of its own.

    n constraints per element (the booleans): one wire and one constraint fewer than a private
    input checked by :func:`range_check_signed`, whose recomposition ties its wire to the bits;
    here nothing needs tying. The value is n + 1 terms wide, so a caller that uses it in several
    constraints narrows it first (``Circuit.narrow``), which costs that wire back once. Sound by
    construction: any boolean bits make a value in [-2^(n-1), 2^(n-1)).
    """
    _width(n)
    v = _check_signed(np.asarray(values, dtype=object), n, what)
    b = c.hint(_bit_values(v + (1 << (n - 1)), n), name=f"{name or what}.bits", recipe=Fixed())
    b = boolean(c, b.flatten()).reshape(v.shape + (n,))
    return b @ _powers(n) - (1 << (n - 1)), b


def _check_signed(v: np.ndarray, n: int, what: str) -> np.ndarray:
    """``v`` (signed ints) itself, or a WitnessError naming the first value outside [-2^(n-1), 2^(n-1))."""
    flat = v.ravel()
    bad = np.flatnonzero((flat < -(1 << (n - 1))) | (flat >= 1 << (n - 1)))
    if len(bad):
        raise WitnessError(f"{what}: element {int(bad[0])} = {flat[bad[0]]} is outside the signed {n}-bit range "
                           f"[-2^{n - 1}, 2^{n - 1})")
    return v


def range_check(c: Circuit, t: Tensor, n: int, what: str = "range_check") -> None:
    """0 <= t < 2^n. n + 1 constraints per element."""
    to_bits(c, t, n, what)


def range_check_signed(c: Circuit, t: Tensor, n: int, what: str = "range_check_signed") -> None:
    """-2^(n-1) <= t < 2^(n-1) (signed n-bit). n + 1 constraints per element."""
    _width(n)
    _check_signed(np.asarray(signed(t.values), dtype=object), n, what)
    to_bits(c, t + (1 << (n - 1)), n, what, signed_range=True)
