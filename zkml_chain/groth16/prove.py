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
from pathlib import Path
from random import Random
from typing import TYPE_CHECKING, Protocol

from ..curve import G1Point, G2Point, g1_sum, g2_sum
from ..errors import KeyMaterialError, WitnessError, ZkmlChainError
from ..field import R
from ..witness import Witness
from .proof import Proof
from .verify import verify

if TYPE_CHECKING:  # the R1CS machinery (and numpy) only when a failing proof must name its constraint
    from ..r1cs import R1CS
    from .keys import VerifyingKey

log = logging.getLogger(__name__)

MSM_KERNELS = ("batch-affine", "arkworks")  # ours (native/src/pippenger.rs), and arkworks' as the reference


class ProverKey(Protocol):
    """What proving needs of a key: :class:`~.keys.ProvingKey` (in memory) and
    :class:`~.mapped.MappedProvingKey` (used in place from its file) both provide it."""

    @property
    def n_vars(self) -> int: ...
    @property
    def n_public(self) -> int: ...
    @property
    def domain_size(self) -> int: ...
    @property
    def alpha1(self) -> G1Point: ...
    @property
    def beta1(self) -> G1Point: ...
    @property
    def beta2(self) -> G2Point: ...
    @property
    def delta1(self) -> G1Point: ...
    @property
    def delta2(self) -> G2Point: ...
    @property
    def verifying_key(self) -> VerifyingKey: ...
    def h_evaluations(self, witness: bytes) -> bytes: ...
    def msm(self, query: str, scalars: bytes, kernel: str = "batch-affine", skip: int = 0) -> bytes: ...
    def proof_msms(self, witness: bytes, kernel: str = "batch-affine") -> tuple[bytes, bytes, bytes, bytes, bytes]: ...
    def check_points(self) -> None: ...


def _verifies(pk: ProverKey, proof: Proof, public: list[int]) -> bool:
    try:
        return verify(pk.verifying_key, proof, public)
    except ZkmlChainError:  # e.g. B outside G2, from a corrupt key
        return False


def prove(pk: ProverKey, witness: Witness, *, rng: Random | None = None, check: bool = True,
          circuit: R1CS | Path | None = None, msm_kernel: str = "batch-affine") -> tuple[Proof, list[int]]:
    """Prove knowledge of ``witness`` for the key's circuit; returns the proof and public signals.

    The proof is checked against the key's verifying key before it is returned (one pairing
    product, milliseconds), so no caller can hand on a proof that does not verify: a witness that
    breaks a constraint raises :class:`WitnessError`, naming the first broken constraint when the
    ``circuit`` (an R1CS, or a path loaded only then) is given. ``check=False`` skips the check,
    for benchmarks of the prover alone and for tests that show a forged proof is rejected.
    """
    if msm_kernel not in MSM_KERNELS:
        raise ValueError(f"unknown MSM kernel {msm_kernel!r}: one of {', '.join(MSM_KERNELS)}")
    if len(witness) != pk.n_vars:
        raise WitnessError(f"witness has {len(witness)} values but the proving key expects {pk.n_vars}")
    if witness[0] != 1:
        raise WitnessError(f"witness wire 0 must be the constant 1, got {witness[0]}")
    t0 = time.perf_counter()
    rand = rng if rng is not None else secrets.SystemRandom()
    r, s = rand.randrange(R), rand.randrange(R)
    w = witness.values

    sums = pk.proof_msms(w, msm_kernel)
    t1 = time.perf_counter()
    try:
        sum_a, sum_b1, sum_c, sum_h = (G1Point.from_bytes(x) for x in (sums[0], sums[1], sums[3], sums[4]))
        a = g1_sum([pk.alpha1, sum_a, pk.delta1 * r])
        b = g2_sum([pk.beta2, G2Point.from_bytes(sums[2]), pk.delta2 * s])
        b1 = g1_sum([pk.beta1, sum_b1, pk.delta1 * s])
        c = g1_sum([sum_c, sum_h, a * s, b1 * r, pk.delta1 * (-r * s % R)])
    except ValueError as e:  # a sum left its group: the key's points (or its alpha, beta, delta) are bad
        pk.check_points()
        raise KeyMaterialError(f"the proving key is corrupt: {e}") from None
    log.info("prove: %d wires, domain %d: h and the MSMs %.3fs (the first use of an in-memory key includes "
             "decoding its points)", pk.n_vars, pk.domain_size, t1 - t0)
    proof, public = Proof(a, b, c), witness.public_signals(pk.n_public)
    if check and not _verifies(pk, proof, public):
        pk.check_points()  # a corrupt key (a B2 point outside G2) is named as such
        if circuit is not None:
            from ..r1cs import R1CS

            (circuit if isinstance(circuit, R1CS) else R1CS.load(circuit)).check(witness)
        raise WitnessError("the proof does not verify: the witness does not satisfy the circuit (or the key is corrupt)")
    return proof, public


