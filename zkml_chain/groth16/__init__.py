"""Groth16 on BN254, one module per protocol step (as arkworks' ark-groth16 is laid out).

- :mod:`.qap`    — R1CS to QAP (circom/snarkjs reduction, with the public-input binding rows)
- :mod:`.setup`  — development trusted setup producing a :class:`ProvingKey`
- :mod:`.prove`  — the prover's equations over native MSMs and NTTs
- :mod:`.verify` — the pairing check
- :mod:`.keys`   — proving key (snarkjs ``.zkey``) and verifying key (``verification_key.json``)
- :mod:`.mapped` — a proving key used in place from its ``.zkey`` (memory-mapped), for proving
- :mod:`.proof`  — proof and public signals (snarkjs ``proof.json`` / ``public.json``)
"""

# None of these import numpy at import time (the in-memory key, setup and the QAP reduction import
# it where they use it), so proving with a mapped key starts fast.
from .keys import ProvingKey, VerifyingKey
from .mapped import MappedProvingKey
from .proof import Proof, load_public, save_public
from .prove import prove
from .setup import setup
from .verify import verify

__all__ = ["MappedProvingKey", "ProvingKey", "VerifyingKey", "Proof", "load_public", "save_public", "prove", "setup",
           "verify"]
