"""Signed comparisons and what is built on them: ReLU, max/min, clamp, argmax.

Values are signed integers embedded in the field (-v is r - v). ``n`` is the signed bit width
the operands live in: [-2^(n-1), 2^(n-1)). Every result is pinned by a bit decomposition, so a
prover cannot choose it: a result the witness could set freely is a soundness bug, and
tests/test_gadgets.py tries dishonest witnesses against every gadget.
"""

from __future__ import annotations

import numpy as np

from ..field import R
from .bits import MAX_BITS, boolean, to_bits
from .builder import ArrayLike, Circuit, Tensor, signed
from .program import ArgmaxOneHot, Inverse, Select


def ge(c: Circuit, a: Tensor | ArrayLike, b: Tensor | ArrayLike, n: int) -> Tensor:
    """1 where a >= b, else 0, for a, b signed n-bit (broadcast). n + 2 constraints per element.

    d = a − b + 2^n is decomposed into n + 1 bits and the top bit is the answer. The
    decomposition exists only when a − b, read as a signed integer, lies in [−2^n, 2^n) — always
    true for n-bit operands — and then the top bit is exactly [a >= b]. Operands whose
    difference wraps around the field have no witness at all.
    """
    if not 1 <= n < MAX_BITS:
        raise ValueError(f"ge: need 1 <= n < {MAX_BITS} (a − b + 2^n is decomposed into n + 1 bits, which "
                         f"must not wrap the field), got n={n}")
    d = c.lift(a) - c.lift(b) + (1 << n)
    return to_bits(c, d, n + 1, f"ge (operands outside the signed {n}-bit range)", name="ge")[..., n]


def relu(c: Circuit, x: Tensor, n: int) -> Tensor:
    """max(x, 0) for x signed n-bit. n + 3 constraints per element (+1 when x is a wide linear
    combination, which is first put on its own wire)."""
    x = c.narrow(x)
    return c.mul(ge(c, x, 0, n), x)


def select(c: Circuit, cond: Tensor, a: Tensor | ArrayLike, b: Tensor | ArrayLike) -> Tensor:
    """cond ? a : b, on a fresh wire: ``cond·(a − b) = out − b``. 1 constraint per element, plus 1
    (``cond·cond = cond``) unless cond is already proven boolean (a comparison's result): with
    cond = k the prover could otherwise set out = b + k(a − b) for any k (as gnark's Select, the
    condition is constrained here, not trusted)."""
    if not cond.boolean:
        cond = boolean(c, cond)
    a_, b_ = c.lift(a), c.lift(b)
    shape = np.broadcast_shapes(cond.shape, a_.shape, b_.shape)
    cond, a_, b_ = cond.broadcast_to(shape), a_.broadcast_to(shape), b_.broadcast_to(shape)
    out = c.hint(np.where(np.asarray(cond.values) == 1, a_.values, b_.values).reshape(shape),
                 recipe=Select(cond, a_, b_))
    c.constrain(cond, a_ - b_, out - b_)
    return out


def maximum(c: Circuit, a: Tensor | ArrayLike, b: Tensor | ArrayLike, n: int) -> Tensor:
    """Elementwise max of signed n-bit values. n + 3 constraints per element."""
    a, b = c.narrow(a), c.narrow(b)
    return select(c, ge(c, a, b, n), a, b)


def minimum(c: Circuit, a: Tensor | ArrayLike, b: Tensor | ArrayLike, n: int) -> Tensor:
    """Elementwise min of signed n-bit values. n + 3 constraints per element."""
    a, b = c.narrow(a), c.narrow(b)
    return select(c, ge(c, a, b, n), b, a)


def clamp(c: Circuit, x: Tensor, lo: int, hi: int, n: int) -> Tensor:
    """min(max(x, lo), hi) for x signed n-bit and constants lo <= hi. 2n + 6 constraints per element."""
    if lo > hi:
        raise ValueError(f"clamp: lo {lo} > hi {hi}")
    if not -(1 << (n - 1)) <= lo <= hi < 1 << (n - 1):
        raise ValueError(f"clamp: the bounds {lo}, {hi} must be signed {n}-bit")
    return minimum(c, maximum(c, x, lo, n), hi, n)


def max_reduce(c: Circuit, x: Tensor, n: int, axis: int = -1) -> Tensor:
    """Max over ``axis`` by a tournament of :func:`maximum`: (m − 1)·(n + 3) constraints per
    output for m elements."""
    x = x.transpose(*[i for i in range(x.ndim) if i != axis % x.ndim], axis % x.ndim)
    while x.shape[-1] > 1:
        m = x.shape[-1]
        half = m // 2
        pairs = maximum(c, x[..., :half], x[..., half : 2 * half], n)
        x = c.concatenate([pairs, x[..., 2 * half :]], axis=-1) if m % 2 else pairs
    return x[..., 0]


def argmax(c: Circuit, x: Tensor, n: int) -> Tensor:
    """Index of the first maximum of a vector of signed n-bit values (as numpy.argmax).

    (m − 1)(n + 3) + 3m + 1 constraints for m elements: the maximum M by :func:`max_reduce`;
    a one-hot e (m booleans, Σe = 1) with e_i·(M − x_i) = 0 so the chosen x_i equals M; and for
    every earlier position j, (M − x_j)·inv_j = 1 − Σ_{i<=j} e_i, which forces x_j < M there
    (a zero difference has no inverse). The index is Σ i·e_i.
    """
    if x.ndim != 1:
        raise ValueError(f"argmax takes a vector, got shape {x.shape}")
    x = c.narrow(x)
    m = x.shape[0]
    top = max_reduce(c, x, n)
    vals = [int(v) for v in signed(x.values)]
    k = vals.index(max(vals))
    e = c.hint(np.eye(m, dtype=np.int64)[k], name="argmax.onehot", recipe=ArgmaxOneHot(x))
    c.constrain(e, e, e)
    c.assert_equal(e.sum(), 1)
    gap = top.broadcast_to((m,)) - x
    c.constrain(e, gap, None)
    before = 1 - c.linear(e, np.tril(np.ones((m, m), dtype=np.int64)).T)  # 1 - Σ_{i<=j} e_i
    inv = np.array([pow(int(g), -1, R) if int(bv) else 0 for g, bv in zip(gap.values, before.values)],
                   dtype=object)
    c.constrain(gap, c.hint(inv, name="argmax.inverse", recipe=Inverse(gap, before)), before)
    return e @ np.arange(m, dtype=np.int64)
