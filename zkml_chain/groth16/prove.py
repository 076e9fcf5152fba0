"""The Groth16 prover, written as the equations (snarkjs/circom reduction, see qap.py).

With witness w, fresh random r, s and h the odd-coset evaluations of a·b − c:

    A  = α + Σ_j w_j·A_j + r·δ                      (G1)
    B  = β + Σ_j w_j·B2_j + s·δ                     (G2)
    B1 = β + Σ_j w_j·B1_j + s·δ                     (G1, only to build C)
    C  = Σ_private w_j·C_j + Σ_i h_i·H_i + s·A + r·B1 − r·s·δ   (G1)
"""

from __future__ import annotations

import logging
import secrets
import time
from random import Random

from ..curve import g1_msm, g1_sum, g2_msm, g2_sum
from ..errors import KeyMaterialError, WitnessError
from ..field import N8, R
from ..r1cs import Witness
from .keys import ProvingKey
from .proof import Proof
from .qap import h_evaluations

log = logging.getLogger(__name__)


def prove(pk: ProvingKey, witness: Witness, *, rng: Random | None = None) -> tuple[Proof, list[int]]:
    """Prove knowledge of ``witness`` for the key's circuit; returns the proof and public signals.

    The witness must satisfy the circuit (check it with :meth:`R1CS.check` first to get the
    failing constraint's name); an unsatisfying witness yields a proof that does not verify.
    """
    if len(witness) != pk.n_vars:
        raise WitnessError(f"witness has {len(witness)} values but the proving key expects {pk.n_vars}")
    if witness[0] != 1:
        raise WitnessError(f"witness wire 0 must be the constant 1, got {witness[0]}")
    t0 = time.perf_counter()
    rand = rng if rng is not None else secrets.SystemRandom()
    r, s = rand.randrange(R), rand.randrange(R)
    w = witness.values

    h = h_evaluations(pk.qap_a, pk.qap_b, pk.domain_size, w)
    t1 = time.perf_counter()

    try:
        a = g1_sum([pk.alpha1, g1_msm(pk.a_query, w), pk.delta1 * r])
        b = g2_sum([pk.beta2, g2_msm(pk.b2_query, w), pk.delta2 * s])
        b1 = g1_sum([pk.beta1, g1_msm(pk.b1_query, w), pk.delta1 * s])
        private = w[(pk.n_public + 1) * N8 :]
        c = g1_sum([g1_msm(pk.c_query, private), g1_msm(pk.h_query, h), a * s, b1 * r, pk.delta1 * (-r * s % R)])
    except ValueError as e:  # the kernels check every point they return; the key's query points are not
        raise KeyMaterialError(f"the proving key is corrupt (its points do not lie on the curve): {e}") from None
    t2 = time.perf_counter()
    log.info("prove: %d wires, domain %d: h %.3fs, MSMs %.3fs", pk.n_vars, pk.domain_size, t1 - t0, t2 - t1)
    return Proof(a, b, c), witness.public_signals(pk.n_public)


