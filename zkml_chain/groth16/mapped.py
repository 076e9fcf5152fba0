"""A proving key used in place from its ``.zkey`` file, for proving only.

:class:`~.keys.ProvingKey` holds every array in memory (what setup, the ceremonies and the
exporters need). Proving needs none of that: the native layer maps the file, checks its structure, and
runs the MSMs and the QAP straight from the mapping (see native/src/zkey.rs). So a proof costs the
key's file pages and nothing more — no second copy, no conversion out of Montgomery form, no numpy
— and keys far larger than memory still prove. Only the small sections (header, IC, contributions,
metadata) come up to Python, parsed by the same code as :meth:`ProvingKey.from_zkey`. The points
are checked when a proof fails (:meth:`MappedProvingKey.check_points`): the prover verifies every
proof, so a bad point never reaches a user, and scanning them on every opening cost more than the
rest of the opening (0.13 s at 2^18).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import _native
from ..binfile import BinFile, Section
from ..curve import G1Point, G2Point, validate_g2_array
from ..errors import FileFormatError, KeyMaterialError, PointError
from .keys import ZkeyHeaderFields, read_zkey_header

#: The small sections parsed in Python; the rest stay in the mapping.
_HEADER_SECTIONS = (1, 2, 3, 10, 100)


@dataclass(frozen=True)
class MappedProvingKey(ZkeyHeaderFields):
    """A .zkey's header in Python, its queries and coefficients mapped by the native layer."""

    path: Path
    n_vars: int
    n_public: int
    domain_size: int
    alpha1: G1Point
    beta1: G1Point
    beta2: G2Point
    gamma2: G2Point
    delta1: G1Point
    delta2: G2Point
    ic: bytes
    native: _native.MappedZkey
    contributions: bytes = b""
    metadata: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> MappedProvingKey:
        path = Path(path)
        try:
            native = _native.MappedZkey(str(path))
        except ValueError as e:
            raise FileFormatError(path, str(e)) from None
        sections = {}
        for sid in _HEADER_SECTIONS:
            found = native.section(sid)
            if found is not None:
                offset, data = found
                sections[sid] = Section(sid, offset, memoryview(data))
        head = read_zkey_header(BinFile(path, b"zkey", 1, sections))
        return cls(path=path, native=native, **head)

    def h_evaluations(self, witness: bytes) -> bytes:
        """The H query's scalars for a witness (packed wires): (a·b − c) on the odd coset."""
        return self.native.h_evaluations(witness)

    def msm(self, query: str, scalars: bytes, kernel: str = "batch-affine", skip: int = 0) -> bytes:
        """sum_i scalars[skip + i]·query[i] for query "a", "b1", "b2", "c" or "h", bases read in
        place (``skip`` without copying the scalars). Only the batch-affine kernel reads mapped
        points; ``kernel="arkworks"`` is refused."""
        if kernel != "batch-affine":
            raise ValueError(f"a mapped key proves with the batch-affine kernel only, not {kernel!r}")
        return self.native.msm(query, scalars, skip)

    def proof_msms(self, witness: bytes, kernel: str = "batch-affine") -> tuple[bytes, bytes, bytes, bytes, bytes]:
        """(Σ w·A, Σ w·B1, Σ w·B2, Σ w_private·C, Σ h·H) for a witness, in one native call: h is
        computed there, A/B1/B2/C share their digits, and all five MSMs' windows share one
        parallel loop (native/src/zkey.rs ``proof_msms``)."""
        if kernel != "batch-affine":
            raise ValueError(f"a mapped key proves with the batch-affine kernel only, not {kernel!r}")
        a, b1, b2, c, h = self.native.prove_msms(witness)
        return a, b1, b2, c, h

    def check_points(self) -> None:
        """Every query point on its curve, and every B2 point in G2's prime-order subgroup (the
        batched randomized check): what the prover runs when a proof fails (opening does not scan
        the points, see native/src/zkey.rs). KeyMaterialError naming the first bad one."""
        try:
            self.native.check_points()
        except ValueError as e:
            raise KeyMaterialError(f"the proving key {self.path} is corrupt: {e}") from None
        found = self.native.section(7)
        if found is None:  # cannot happen: opening checked section 7
            raise KeyMaterialError(f"{self.path}: no B2 section")
        try:
            validate_g2_array(_native.fq_from_montgomery(found[1]), "proving key B2 query")
        except PointError as e:
            raise KeyMaterialError(f"the proving key is corrupt: {e}") from None
