"""R1CS to QAP, the circom/snarkjs way.

Two choices make our keys and proofs interchangeable with snarkjs (``.zkey``) and circom:

1. **Public-input binding rows.** For every public signal s (and the constant wire 0) one extra
   constraint row ``n_constraints + s`` is appended with ``A[row][s] = 1`` and B, C empty. Its
   only effect is that the polynomial u_s is linearly independent of the others, so the
   verifying-key point IC_s is non-zero and the proof binds the value of s even when s appears in
   no real constraint (a borrower's address, a nonce). arkworks adds equivalent rows.

2. **Odd-coset reduction.** Let N be the domain size and ω_2N a primitive 2N-th root of unity.
   The prover evaluates a, b, c on the odd coset {ω_2N^(2i+1)} where Z(X) = X^N − 1 equals −2;
   the proving key's H points are L^(2N)_(2i+1)(τ)/δ (Lagrange basis of the size-2N domain at the
   odd indices), which absorbs the division by Z: h(τ)Z(τ)/δ = Σ_i (a·b − c)(ω_2N^(2i+1)) · H_i.
   So the prover never divides, and c is taken as a∘b on the domain (snarkjs does the same).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import _native
from ..errors import ZkmlChainError
from ..field import N8, to_bytes

if TYPE_CHECKING:  # numpy and the R1CS types where used: the mapped prover needs neither
    from ..r1cs import R1CS, SparseMatrix

MAX_LOG_DOMAIN = 27  # the reduction needs a 2N-th root of unity; Fr has 2-adicity 28


def domain_size_for(n_constraints: int, n_public: int) -> int:
    """Smallest power of two holding the constraints plus the n_public + 1 binding rows."""
    n = n_constraints + n_public + 1
    size = 1 << max(0, (n - 1).bit_length())
    if size > 1 << MAX_LOG_DOMAIN:
        raise ZkmlChainError(f"circuit too large: {n} rows need a domain of {size} > 2^{MAX_LOG_DOMAIN}")
    return size


def with_binding_rows(a: SparseMatrix, n_constraints: int, n_public: int) -> SparseMatrix:
    """A plus the rows A[n_constraints + s][s] = 1 for s = 0..n_public."""
    import numpy as np

    from ..r1cs import SparseMatrix

    s = np.arange(n_public + 1, dtype=np.uint32)
    return SparseMatrix(
        np.concatenate([a.rows, n_constraints + s]).astype(np.uint32),
        np.concatenate([a.cols, s]).astype(np.uint32),
        a.coeffs + to_bytes([1]) * (n_public + 1),
    )


def qap_a_b(r1cs: R1CS) -> tuple[SparseMatrix, SparseMatrix]:
    """The A (with binding rows) and B matrices that a .zkey stores as its coefficient section."""
    return with_binding_rows(r1cs.a, r1cs.n_constraints, r1cs.n_public), r1cs.b


def odd_coset_evaluations(evals: bytes, domain_size: int) -> bytes:
    """Given p(ω_N^i) for i < N, return p(ω_2N^(2i+1)): inverse NTT, then NTT on the odd coset."""
    shift = _native.fr_root_of_unity(2 * domain_size)
    return _native.ntt(_native.ntt(evals, inverse=True), coset=shift)


def h_evaluations(a: SparseMatrix, b: SparseMatrix, domain_size: int, witness: bytes) -> bytes:
    """(a·b − c) on the odd coset: the scalars for the proving key's H points.

    ``a``, ``b`` are the QAP matrices (rows = domain points), ``witness`` the packed wires.
    """
    az = a.mul_vec(domain_size, witness)
    bz = b.mul_vec(domain_size, witness)
    cz = _native.fr_mul(az, bz)
    a_odd = odd_coset_evaluations(az, domain_size)
    b_odd = odd_coset_evaluations(bz, domain_size)
    c_odd = odd_coset_evaluations(cz, domain_size)
    return _native.fr_sub(_native.fr_mul(a_odd, b_odd), c_odd)


def take(packed: bytes, start: int, stop: int | None = None, step: int = 1, size: int = N8) -> bytes:
    """Slice a packed array of fixed-size elements."""
    import numpy as np

    arr = np.frombuffer(packed, dtype=np.uint8).reshape(-1, size)
    return arr[start:stop:step].tobytes()
