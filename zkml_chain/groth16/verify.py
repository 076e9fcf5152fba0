"""The Groth16 verifier: one pairing-product check.

    e(−A, B) · e(α, β) · e(vk_x, γ) · e(C, δ) = 1,   vk_x = IC_0 + Σ_i x_i·IC_i

Malformed input is an error, not a ``False``: a public signal outside [0, r), a wrong number of
signals, or a proof point that is off the curve or outside the subgroup raises, so callers can
tell "invalid proof" (False) from "garbage in" (exception).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..curve import g1_msm, pairing_product_is_one
from ..errors import FieldRangeError, PointError, ProofInputError
from ..field import R, to_bytes
from .proof import Proof

if TYPE_CHECKING:
    from .keys import VerifyingKey


def verify(vk: VerifyingKey, proof: Proof, public: Sequence[int]) -> bool:
    """True when ``proof`` is valid for ``public`` under ``vk``."""
    if len(public) != vk.n_public:
        raise ProofInputError(f"{len(public)} public signals given, the verifying key expects {vk.n_public}")
    for i, x in enumerate(public):
        if not 0 <= x < R:
            raise FieldRangeError("public signal", i)
    for name, p in (("pi_a", proof.a), ("pi_c", proof.c)):
        if not p.is_valid():
            raise PointError(f"proof {name}")
    if not proof.b.is_valid():
        raise PointError("proof pi_b")
    ic_points = b"".join(p.to_bytes() for p in vk.ic)
    vk_x = g1_msm(ic_points, to_bytes([1, *public]))
    return pairing_product_is_one([(-proof.a, proof.b), (vk.alpha1, vk.beta2), (vk_x, vk.gamma2), (proof.c, vk.delta2)])
