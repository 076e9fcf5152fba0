"""A claim in the circuit: OUTPUT[INDEX] >= the public threshold, and the context values as
public inputs (claim.py describes claims)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..circuit import Circuit
from ..circuit.bits import range_check
from ..circuit.builder import signed
from ..errors import ProofInputError
from .claim import THRESHOLD_BITS, Claim
from .lower import Q, quantize


def prove_claim(c: Circuit, claim: Claim, outputs: dict[str, Q], publics: dict[str, Any]) -> None:
    """OUTPUT[INDEX] >= threshold, both as public-input-checked integers, and the context values."""
    if claim.threshold is not None:
        name, index = claim.threshold.output, claim.threshold.index
        if name not in outputs or index >= outputs[name].data.size:
            raise ProofInputError(f"--threshold {claim.threshold}: the model's outputs are "
                                  + ", ".join(f"{n} ({q.data.size} values)" for n, q in outputs.items()))
        q = outputs[name]
        score = q.data.flatten()[index]
        threshold = int(quantize(np.asarray(publics.get("threshold", 0.0)), q.scale))
        if not 0 <= threshold < 2**THRESHOLD_BITS:
            raise ProofInputError(f"threshold {publics.get('threshold')}: must be >= 0 and below "
                                  f"2^{THRESHOLD_BITS - q.scale} (it is unsigned fixed point at scale {q.scale})")
        value = signed(np.asarray(score.values).ravel())[0]
        if value < threshold:
            raise ProofInputError(f"{name}[{index}] = {value / 2**q.scale:.6g} is below the threshold "
                                  f"{threshold / 2**q.scale:.6g}: no proof of this claim exists")
        t = c.public_input(threshold, name="threshold")
        # Both unsigned 64-bit: output − threshold cannot wrap the field into range (|both| << r).
        range_check(c, t, THRESHOLD_BITS, "threshold")
        range_check(c, score - t, THRESHOLD_BITS, f"{name}[{index}] >= threshold")
    for name in claim.context:
        c.public_input(publics.get(name, 0), name=name)
