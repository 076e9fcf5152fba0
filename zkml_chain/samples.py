"""Sample circuits for the demo, the tests and the benchmarks (built directly as R1CS).

The circuit builder API is the place to write circuits by hand; these samples exist so the
prover can be exercised at any size without it.
"""

from __future__ import annotations

import numpy as np

from .field import R, to_bytes
from .r1cs import R1CS, SparseMatrix, Witness


def squaring_chain(n_constraints: int, x0: int = 3, nonce: int = 0) -> tuple[R1CS, Witness]:
    """``y = f^n(x0)`` with ``f_i(x) = x² + i``: x0 private, y public, plus a public ``nonce``.

    Wires: 0 one, 1 y (public output), 2 nonce (public input that appears in **no** constraint,
    like a borrower's address or a replay nonce: only the QAP's binding rows tie it to the
    proof), 3 x0 (private input), 4.. the intermediate values x_1 .. x_(n-1).
    Constraint i: ``x_i * x_i = x_(i+1) − i``.
    """
    if n_constraints < 1:
        raise ValueError("squaring_chain needs at least one constraint")
    n = n_constraints
    # wire of x_j: x_0 -> 3, x_j -> 3 + j for 1 <= j < n, x_n -> 1 (the output)
    xw = np.concatenate([[3], 4 + np.arange(n - 1), [1]]).astype(np.uint32)
    idx = np.arange(n, dtype=np.uint32)
    one = to_bytes([1])
    a = SparseMatrix(idx, xw[:n], one * n)
    b = SparseMatrix(idx, xw[:n], one * n)
    # C: x_(i+1) with coefficient 1, and the constant wire with -i (for i > 0)
    nz = idx[1:]
    c = SparseMatrix(
        np.concatenate([idx, nz]).astype(np.uint32),
        np.concatenate([xw[1:], np.zeros(n - 1, np.uint32)]).astype(np.uint32),
        one * n + to_bytes([(R - int(i)) % R for i in nz]),
    )
    r1cs = R1CS(n_wires=3 + n, n_pub_out=1, n_pub_in=1, n_prv_in=1, n_constraints=n, a=a, b=b, c=c)

    xs = [x0 % R]
    for i in range(n):
        xs.append((xs[-1] * xs[-1] + i) % R)
    values = [1, xs[n], nonce % R, *xs[:n]]
    return r1cs, Witness.from_ints(values)


def public_powers(n_public: int, x: int = 7) -> tuple[R1CS, Witness]:
    """``y_k = x^(k+1)`` for k = 1..n_public: x private, every y_k public (``n_public`` constraints).

    A circuit with as many public signals as wanted, each a full-size field element for a large
    ``x``: the worst case for verifier calldata and for the per-input work on chain.
    Wires: 0 one, 1..n_public the y_k, n_public + 1 x. Constraint k: ``y_(k-1) * x = y_k``
    (with y_0 = x).
    """
    if n_public < 1:
        raise ValueError("public_powers needs at least one public signal")
    n = n_public
    xw = n + 1
    idx = np.arange(n, dtype=np.uint32)
    one = to_bytes([1])
    left = np.concatenate([[xw], 1 + np.arange(n - 1)]).astype(np.uint32)
    a = SparseMatrix(idx, left, one * n)
    b = SparseMatrix(idx, np.full(n, xw, np.uint32), one * n)
    c = SparseMatrix(idx, (1 + idx).astype(np.uint32), one * n)
    r1cs = R1CS(n_wires=n + 2, n_pub_out=n, n_pub_in=0, n_prv_in=1, n_constraints=n, a=a, b=b, c=c)
    x %= R
    ys = [x * x % R]
    for _ in range(n - 1):
        ys.append(ys[-1] * x % R)
    return r1cs, Witness.from_ints([1, *ys, x])
