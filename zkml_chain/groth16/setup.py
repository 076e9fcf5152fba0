"""Development trusted setup: one party samples the toxic waste, builds the key, forgets it.

With τ, α, β, γ, δ random and L_c(τ) the Lagrange basis of the size-N domain at τ:

    u_j = Σ_c A[c][j]·L_c(τ)   v_j = Σ_c B[c][j]·L_c(τ)   w_j = Σ_c C[c][j]·L_c(τ)
    A_j = u_j·G1      B1_j = v_j·G1      B2_j = v_j·G2
    IC_j = (β·u_j + α·v_j + w_j)/γ·G1              for public j (0..n_public)
    C_j  = (β·u_j + α·v_j + w_j)/δ·G1              for private j
    H_i  = L^(2N)_(2i+1)(τ)/δ·G1                   (odd-coset reduction, see qap.py)

The result is a snarkjs-compatible proving key marked as a development key: whoever knows τ
could forge proofs, and a phase-2 contribution does not change that (the mark survives it).
Production keys come from a powers-of-tau ceremony: :func:`zkml_chain.ceremony.phase2.initial_key`
and phase-2 contributions.
"""

from __future__ import annotations

import logging
import secrets
import time
from random import Random
from typing import TYPE_CHECKING

from .. import _native
from ..curve import G1_GENERATOR, G2_GENERATOR
from ..field import R, to_bytes
from .keys import DEVELOPMENT_WARNING, ProvingKey
from .qap import domain_size_for, qap_a_b, take

if TYPE_CHECKING:
    from ..r1cs import R1CS

log = logging.getLogger(__name__)


def _nonzero(rng: Random | secrets.SystemRandom) -> int:
    return rng.randrange(1, R)


def setup(r1cs: R1CS, *, rng: Random | None = None) -> ProvingKey:
    """Run a single-party (development) Groth16 setup for ``r1cs``.

    ``rng`` defaults to the operating system's CSPRNG; pass a seeded ``random.Random`` only in
    tests, for reproducible keys.
    """
    t0 = time.perf_counter()
    rand = rng if rng is not None else secrets.SystemRandom()
    tau, alpha, beta, gamma, delta = (_nonzero(rand) for _ in range(5))
    n_pub = r1cs.n_public
    n = domain_size_for(r1cs.n_constraints, n_pub)
    qa, qb = qap_a_b(r1cs)
    log.info("setup: %d constraints, %d wires, %d public, domain 2^%d",
             r1cs.n_constraints, r1cs.n_wires, n_pub, n.bit_length() - 1)

    lag = _native.lagrange_coefficients(n, to_bytes([tau]))
    u = qa.transpose_mul_vec(r1cs.n_wires, lag)
    v = qb.transpose_mul_vec(r1cs.n_wires, lag)
    w = r1cs.c.transpose_mul_vec(r1cs.n_wires, lag)
    # k_j = β·u_j + α·v_j + w_j
    k = _native.fr_add(_native.fr_add(_native.fr_mul(u, to_bytes([beta])), _native.fr_mul(v, to_bytes([alpha]))), w)
    ic_scalars = _native.fr_mul(take(k, 0, n_pub + 1), to_bytes([pow(gamma, -1, R)]))
    c_scalars = _native.fr_mul(take(k, n_pub + 1), to_bytes([pow(delta, -1, R)]))
    lag2 = _native.lagrange_coefficients(2 * n, to_bytes([tau]))
    h_scalars = _native.fr_mul(take(lag2, 1, None, 2), to_bytes([pow(delta, -1, R)]))
    log.info("setup: QAP evaluated at tau (%.2fs)", time.perf_counter() - t0)

    g1 = G1_GENERATOR.to_bytes()
    g2 = G2_GENERATOR.to_bytes()
    a_query = _native.g1_batch_mul(g1, u)
    b1_query = _native.g1_batch_mul(g1, v)
    b2_query = _native.g2_batch_mul(g2, v)
    ic = _native.g1_batch_mul(g1, ic_scalars)
    c_query = _native.g1_batch_mul(g1, c_scalars)
    h_query = _native.g1_batch_mul(g1, h_scalars)
    log.info("setup: key points computed (%.2fs)", time.perf_counter() - t0)

    pk = ProvingKey(
        n_vars=r1cs.n_wires,
        n_public=n_pub,
        domain_size=n,
        alpha1=G1_GENERATOR * alpha,
        beta1=G1_GENERATOR * beta,
        beta2=G2_GENERATOR * beta,
        gamma2=G2_GENERATOR * gamma,
        delta1=G1_GENERATOR * delta,
        delta2=G2_GENERATOR * delta,
        ic=ic,
        qap_a=qa,
        qap_b=qb,
        a_query=a_query,
        b1_query=b1_query,
        b2_query=b2_query,
        c_query=c_query,
        h_query=h_query,
        metadata={"tool": "zkml-chain", "setup": "development", "development_key": True,
                  "warning": DEVELOPMENT_WARNING},
    )
    del tau, alpha, beta, gamma, delta  # toxic waste: drop our references
    return pk
