"""Groth16 keys: the proving key as a snarkjs ``.zkey`` and the verifying key as snarkjs's
``verification_key.json``.

Using snarkjs's ``.zkey`` layout (iden3 binfile, protocol 1) as *the* proving-key format means:
snarkjs can prove with our keys, we can prove with snarkjs's (ceremony) keys, and phase-2
contributions (``zkml-chain zkey contribute`` or ``snarkjs zkey contribute``) apply to either.

Sections: 1 protocol id; 2 header (field sizes and primes, nVars, nPublic, domainSize, alpha1,
beta1, beta2, gamma2, delta1, delta2); 3 IC; 4 QAP coefficients of A and B; 5 A, 6 B1 (G1),
7 B2 (G2), 8 C (private wires), 9 H points; 10 phase-2 contributions (csHash, count, ...).
Points are little-endian **Montgomery** form (x·2^256 mod q), infinity as zeros; coefficients
are stored as ``coef · R² mod r`` (the form snarkjs's prover multiplies with raw witness words).
zkml-chain adds section 100, a JSON note (the key's provenance: development, or the powers-of-tau
file's power, contributions and last challenge); other tools ignore it. A development key is also
marked in its circuit hash (section 10), which every contribution copies.
"""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import _native
from ..binfile import BinFile, Reader, build_binfile, parse_binfile
from ..curve import G1_BYTES, G2_BYTES, G1Point, G2Point, pairing, validate_g2_array
from ..errors import FileFormatError, KeyMaterialError, PointError, ProofInputError
from ..field import N8, R2_MONT, Q, R, to_bytes
from ..files import read_json, write_bytes, write_json

if TYPE_CHECKING:  # numpy and the R1CS types are imported where used: proving needs neither
    import numpy as np

    from ..r1cs import SparseMatrix

ZKEY_PROTOCOL_GROTH16 = 1
METADATA_SECTION = 100
_COEF_BYTES = 44  # a section 4 entry: matrix, constraint, signal (u32 each), value (32 bytes)


def _coef_dtype() -> np.dtype:
    """numpy's view of a section 4 entry (numpy is imported here, not by proving)."""
    import numpy as np

    return np.dtype([("m", "<u4"), ("c", "<u4"), ("s", "<u4"), ("v", "V32")])


_R2_INV = pow(R2_MONT, -1, R)

DEVELOPMENT_WARNING = (
    "DEVELOPMENT KEY: its phase 1 was made by one party (zkml-chain setup without --ptau), who knows tau and "
    "could forge proofs; phase-2 contributions do not change that. Do not use it to secure value: make the key "
    "with `zkml-chain setup --ptau` from a powers-of-tau ceremony, then phase-2 contributions and a beacon."
)


@dataclass(frozen=True)
class VerifyingKey:
    """alpha in G1; beta, gamma, delta in G2; IC_0..IC_n in G1 (n public signals)."""

    alpha1: G1Point
    beta2: G2Point
    gamma2: G2Point
    delta2: G2Point
    ic: tuple[G1Point, ...]
    development: bool = False

    @property
    def n_public(self) -> int:
        return len(self.ic) - 1

    def phase2_problem(self) -> str | None:
        """Why this key must not secure value on chain, or None.

        A key whose delta is gamma or the G2 generator had no phase-2 contribution: the setup's
        randomness for the C/H terms is public, and proofs can be forged.
        """
        from ..curve import G2_GENERATOR

        if self.development:
            return "it is a development key (its phase 1 is not from a powers-of-tau ceremony)"
        if self.delta2 == self.gamma2 or self.delta2 == G2_GENERATOR:
            return "delta equals gamma or the G2 generator: the key had no phase-2 contribution"
        return None

    def to_snarkjs(self) -> dict[str, Any]:
        ab = pairing(self.alpha1, self.beta2)
        alphabeta = [[[str(ab[6 * i + 2 * j]), str(ab[6 * i + 2 * j + 1])] for j in range(3)] for i in range(2)]
        out: dict[str, Any] = {
            "protocol": "groth16",
            "curve": "bn128",
            "nPublic": self.n_public,
            "vk_alpha_1": self.alpha1.to_snarkjs(),
            "vk_beta_2": self.beta2.to_snarkjs(),
            "vk_gamma_2": self.gamma2.to_snarkjs(),
            "vk_delta_2": self.delta2.to_snarkjs(),
            "vk_alphabeta_12": alphabeta,
            "IC": [p.to_snarkjs() for p in self.ic],
        }
        if self.development:
            out["zkml_chain"] = {"development_key": True, "warning": DEVELOPMENT_WARNING}
        return out

    @classmethod
    def from_snarkjs(cls, obj: Any) -> VerifyingKey:
        """Parse and validate (every point on its curve and in the subgroup)."""
        if not isinstance(obj, dict):
            raise ProofInputError("verification key: expected a JSON object")
        if obj.get("protocol") != "groth16":
            raise ProofInputError(f"verification key: protocol is {obj.get('protocol')!r}, expected 'groth16'")
        if obj.get("curve", "bn128") not in ("bn128", "bn254"):
            raise ProofInputError(f"verification key: curve {obj.get('curve')!r} is not supported (bn128 only)")
        missing = [k for k in ("vk_alpha_1", "vk_beta_2", "vk_gamma_2", "vk_delta_2", "IC") if k not in obj]
        if missing:
            raise ProofInputError(f"verification key: missing {', '.join(missing)}")
        ic_raw = obj["IC"]
        if not isinstance(ic_raw, list) or not ic_raw:
            raise ProofInputError("verification key: IC must be a non-empty list of G1 points")
        vk = cls(
            G1Point.from_snarkjs(obj["vk_alpha_1"], "vk_alpha_1"),
            G2Point.from_snarkjs(obj["vk_beta_2"], "vk_beta_2"),
            G2Point.from_snarkjs(obj["vk_gamma_2"], "vk_gamma_2"),
            G2Point.from_snarkjs(obj["vk_delta_2"], "vk_delta_2"),
            tuple(G1Point.from_snarkjs(p, f"IC[{i}]") for i, p in enumerate(ic_raw)),
            development=isinstance(obj.get("zkml_chain"), dict) and obj["zkml_chain"].get("development_key") is True,
        )
        if "nPublic" in obj and obj["nPublic"] != vk.n_public:
            raise ProofInputError(f"verification key: nPublic is {obj['nPublic']} but IC has {len(vk.ic)} points "
                                  f"(nPublic + 1 expected)")
        vk.validate()
        return vk

    def validate(self) -> None:
        from ..errors import PointError

        for name, p in (("vk_alpha_1", self.alpha1), *((f"IC[{i}]", q) for i, q in enumerate(self.ic))):
            if not p.is_valid():
                raise PointError(f"verification key {name}")
        for name, q2 in (("vk_beta_2", self.beta2), ("vk_gamma_2", self.gamma2), ("vk_delta_2", self.delta2)):
            if not q2.is_valid():
                raise PointError(f"verification key {name}")

    def save(self, path: Path) -> None:
        write_json(path, self.to_snarkjs())

    @classmethod
    def load(cls, path: Path) -> VerifyingKey:
        try:
            return cls.from_snarkjs(read_json(path, "verification key"))
        except ProofInputError as e:
            raise FileFormatError(path, str(e)) from None


@dataclass(frozen=True)
class ResidentKey:
    """A proving key's query points, decoded and validated once and held by the native layer, so
    that every proof made with the key uses them without decoding (or trusting) the bytes again."""

    a: _native.G1Bases
    b1: _native.G1Bases
    b2: _native.G2Bases
    c: _native.G1Bases
    h: _native.G1Bases


class ZkeyHeaderFields:
    """What a proving key derives from its header fields, shared by :class:`ProvingKey` (all in
    memory) and :class:`~.mapped.MappedProvingKey` (queries used in place from the file)."""

    alpha1: G1Point
    beta2: G2Point
    gamma2: G2Point
    delta2: G2Point
    ic: bytes
    contributions: bytes
    metadata: dict[str, Any]

    @property
    def n_contributions(self) -> int:
        if len(self.contributions) < 68:
            return 0
        return struct.unpack_from("<I", self.contributions, 64)[0]

    @property
    def cs_hash(self) -> bytes:
        return self.contributions[:64]

    @property
    def development(self) -> bool:
        """Phase 1 of this key did not come from a powers-of-tau ceremony, so whoever ran it knows
        τ (and could forge proofs) — whatever phase-2 contributions followed. Marked in our
        metadata section and in the circuit hash (which every contribution, snarkjs's too, copies)."""
        from ..ceremony.marks import DEV_TAG

        return bool(self.metadata.get("development_key", False)) or self.cs_hash.startswith(DEV_TAG)

    @property
    def verifying_key(self) -> VerifyingKey:
        ic = tuple(G1Point.from_bytes(self.ic[i : i + G1_BYTES]) for i in range(0, len(self.ic), G1_BYTES))
        return VerifyingKey(self.alpha1, self.beta2, self.gamma2, self.delta2, ic, development=self.development)


@dataclass(frozen=True)
class ProvingKey(ZkeyHeaderFields):
    """A Groth16 proving key in the snarkjs ``.zkey`` model (see the module docstring).

    Point arrays are packed canonical affine points (64 bytes per G1, 128 per G2).
    """

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
    qap_a: SparseMatrix
    qap_b: SparseMatrix
    a_query: bytes
    b1_query: bytes
    b2_query: bytes
    c_query: bytes
    h_query: bytes
    #: Section 10 as stored: csHash (64 bytes), u32 count, then the contributions.
    contributions: bytes = b""
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        expect = {
            "IC": (self.ic, (self.n_public + 1) * G1_BYTES),
            "A": (self.a_query, self.n_vars * G1_BYTES),
            "B1": (self.b1_query, self.n_vars * G1_BYTES),
            "B2": (self.b2_query, self.n_vars * G2_BYTES),
            "C": (self.c_query, (self.n_vars - self.n_public - 1) * G1_BYTES),
            "H": (self.h_query, self.domain_size * G1_BYTES),
        }
        for name, (data, size) in expect.items():
            if len(data) != size:
                raise KeyMaterialError(f"proving key: {name} holds {len(data)} bytes, expected {size}")

    @cached_property
    def resident(self) -> ResidentKey:
        """The query points loaded into the native layer on first use (then kept with the key),
        every one checked to lie on its curve (for G1, the whole group). G2 subgroup membership is
        checked by :meth:`check_points`, which the prover runs when a proof fails to verify: a key
        cannot make a false proof pass (every proof is verified before it is returned, and
        verifiers check B's subgroup), so the check only names the problem, and on every load it
        would cost as much as the proof's own G2 MSM (1.3 s of 3.6 s at 2^16 on 2 cores)."""
        try:
            return ResidentKey(
                _native.G1Bases(self.a_query, "proving key A query"),
                _native.G1Bases(self.b1_query, "proving key B1 query"),
                _native.G2Bases(self.b2_query, "proving key B2 query", check_subgroup=False),
                _native.G1Bases(self.c_query, "proving key C query"),
                _native.G1Bases(self.h_query, "proving key H query"),
            )
        except ValueError as e:
            raise KeyMaterialError(f"the proving key is corrupt: {e}") from None

    def check_points(self) -> None:
        """Every point of the key on its curve and in its prime-order subgroup (G2: the batched
        randomized check, ten rounds); KeyMaterialError naming the first bad one."""
        self.resident  # noqa: B018 - on-curve checks of every query point
        try:
            validate_g2_array(self.b2_query, "proving key B2 query")
        except PointError as e:
            raise KeyMaterialError(f"the proving key is corrupt: {e}") from None

    def h_evaluations(self, witness: bytes) -> bytes:
        """The H query's scalars for a witness (packed wires): (a·b − c) on the odd coset."""
        from .qap import h_evaluations

        return h_evaluations(self.qap_a, self.qap_b, self.domain_size, witness)

    def msm(self, query: str, scalars: bytes, kernel: str = "batch-affine", skip: int = 0) -> bytes:
        """sum_i scalars[skip + i]·query[i] for query "a", "b1", "b2", "c" or "h" (packed point)."""
        bases: _native.G1Bases | _native.G2Bases = getattr(self.resident, query)
        return bases.msm(scalars[skip * N8 :], kernel)

    def proof_msms(self, witness: bytes, kernel: str = "batch-affine") -> tuple[bytes, bytes, bytes, bytes, bytes]:
        """(Σ w·A, Σ w·B1, Σ w·B2, Σ w_private·C, Σ h·H) for a witness, one MSM after another."""
        h = self.h_evaluations(witness)
        private = self.n_public + 1  # C runs over the private wires: the witness after these
        return (self.msm("a", witness, kernel), self.msm("b1", witness, kernel), self.msm("b2", witness, kernel),
                self.msm("c", witness, kernel, skip=private), self.msm("h", h, kernel))

    # --- .zkey ---------------------------------------------------------------------------------

    def to_zkey(self) -> bytes:
        def lem(points: bytes) -> bytes:
            return _native.fq_to_montgomery(points)

        header = b"".join(
            [
                struct.pack("<I", N8), Q.to_bytes(N8, "little"), struct.pack("<I", N8), R.to_bytes(N8, "little"),
                struct.pack("<III", self.n_vars, self.n_public, self.domain_size),
                lem(self.alpha1.to_bytes()), lem(self.beta1.to_bytes()), lem(self.beta2.to_bytes()),
                lem(self.gamma2.to_bytes()), lem(self.delta1.to_bytes()), lem(self.delta2.to_bytes()),
            ]
        )
        import numpy as np

        coefs = np.zeros(len(self.qap_a) + len(self.qap_b), dtype=_coef_dtype())
        for i, (mat, m) in enumerate(((self.qap_a, 0), (self.qap_b, 1))):
            sl = slice(0, len(self.qap_a)) if i == 0 else slice(len(self.qap_a), None)
            coefs["m"][sl] = m
            coefs["c"][sl] = mat.rows
            coefs["s"][sl] = mat.cols
            if len(mat):
                stored = _native.fr_mul(mat.coeffs, to_bytes([R2_MONT]))
                coefs["v"][sl] = np.frombuffer(stored, dtype="V32")
        # snarkjs's order: constraint by constraint, A's terms then B's (each in the circuit's
        # order), then the binding rows — so section 4 equals snarkjs's and `zkey verify` passes.
        coefs = coefs[np.lexsort((coefs["m"], coefs["c"]))]
        sections = [
            (1, struct.pack("<I", ZKEY_PROTOCOL_GROTH16)),
            (2, header),
            (3, lem(self.ic)),
            (4, struct.pack("<I", len(coefs)) + coefs.tobytes()),
            (5, lem(self.a_query)),
            (6, lem(self.b1_query)),
            (7, lem(self.b2_query)),
            (8, lem(self.c_query)),
            (9, lem(self.h_query)),
        ]
        # A key made here without a powers-of-tau file (the development setup) gets a circuit hash
        # marked as such, which survives every later contribution; ceremony keys carry snarkjs's.
        contributions = self.contributions or (_dev_cs_hash(sections) + struct.pack("<I", 0))
        sections.append((10, contributions))
        if self.metadata:
            sections.append((METADATA_SECTION, json.dumps(self.metadata, sort_keys=True).encode()))
        return build_binfile(b"zkey", 1, sections)

    def save(self, path: Path) -> None:
        write_bytes(path, self.to_zkey())

    @classmethod
    def from_zkey(cls, data: bytes, path: Path | None = None) -> ProvingKey:
        f = parse_binfile(data, b"zkey", 1, path)
        head = read_zkey_header(f)
        n_vars, n_public, domain_size = head["n_vars"], head["n_public"], head["domain_size"]

        def points(sec: int, name: str, count: int, size: int) -> bytes:
            s = f.section(sec, name)
            if len(s.data) != count * size:
                raise f.error(f"section {sec} ({name}) holds {len(s.data)} bytes, expected {count} points "
                              f"of {size} bytes", s.offset)
            return _canonical(f, s.data, name, s.offset)

        qap_a, qap_b = _read_coefficients(f, domain_size, n_vars)
        a_query = points(5, "A", n_vars, G1_BYTES)
        b1_query = points(6, "B1", n_vars, G1_BYTES)
        b2_query = points(7, "B2", n_vars, G2_BYTES)
        c_query = points(8, "C", n_vars - n_public - 1, G1_BYTES)
        h_query = points(9, "H", domain_size, G1_BYTES)
        return cls(qap_a=qap_a, qap_b=qap_b, a_query=a_query, b1_query=b1_query, b2_query=b2_query, c_query=c_query,
                   h_query=h_query, **head)

    @classmethod
    def load(cls, path: Path) -> ProvingKey:
        path = Path(path)
        return cls.from_zkey(path.read_bytes(), path)


def read_zkey_header(f: BinFile) -> dict[str, Any]:
    """Sections 1 (protocol), 2 (header), 3 (IC), 10 (contributions) and 100 (our metadata) of a
    .zkey, checked: the fields a :class:`ProvingKey` shares with a :class:`~.mapped.MappedProvingKey`."""
    r = Reader(f, f.section(1, "protocol"))
    protocol = r.u32("the protocol id")
    if protocol != ZKEY_PROTOCOL_GROTH16:
        raise f.error(f"protocol id {protocol} is not Groth16 (1); PLONK/FFLONK keys are not supported")
    h = Reader(f, f.section(2, "Groth16 header"))
    for name, prime in (("q", Q), ("r", R)):
        n8 = h.u32(f"n8{name}")
        if n8 != N8 or h.integer(n8, name) != prime:
            raise f.error(f"the key is not for BN254 ({name} differs)", h.s.offset)
    n_vars = h.u32("nVars")
    n_public = h.u32("nPublic")
    domain_size = h.u32("domainSize")
    if domain_size == 0 or domain_size & (domain_size - 1):
        raise f.error(f"domainSize {domain_size} is not a power of two", h.s.offset)
    if n_public + 1 > n_vars:
        raise f.error(f"nPublic {n_public} does not fit nVars {n_vars}", h.s.offset)

    def g1(raw: memoryview, what: str) -> G1Point:
        p = G1Point.from_bytes(_canonical(f, raw, what, h.s.offset))
        if not p.is_valid():
            raise f.error(f"{what} is not a valid G1 point", h.s.offset)
        return p

    def g2(raw: memoryview, what: str) -> G2Point:
        p = G2Point.from_bytes(_canonical(f, raw, what, h.s.offset))
        if not p.is_valid():
            raise f.error(f"{what} is not a valid G2 point", h.s.offset)
        return p

    alpha1 = g1(h.raw(G1_BYTES, "alpha1"), "alpha1")
    beta1 = g1(h.raw(G1_BYTES, "beta1"), "beta1")
    beta2 = g2(h.raw(G2_BYTES, "beta2"), "beta2")
    gamma2 = g2(h.raw(G2_BYTES, "gamma2"), "gamma2")
    delta1 = g1(h.raw(G1_BYTES, "delta1"), "delta1")
    delta2 = g2(h.raw(G2_BYTES, "delta2"), "delta2")
    h.end()

    s3 = f.section(3, "IC")
    if len(s3.data) != (n_public + 1) * G1_BYTES:
        raise f.error(f"section 3 (IC) holds {len(s3.data)} bytes, expected {n_public + 1} points of {G1_BYTES} bytes",
                      s3.offset)
    ic = _canonical(f, s3.data, "IC", s3.offset)
    bad = _native.g1_first_invalid(ic)  # the verifying key's points are checked; the queries are
    if bad >= 0:                         # checked by the kernels that read them (in prove)
        raise f.error(f"IC[{bad}] is not a valid G1 point", f.sections[3].offset + bad * G1_BYTES)
    contributions = bytes(f.sections[10].data) if 10 in f.sections else b""
    metadata: dict[str, Any] = {}
    if METADATA_SECTION in f.sections:
        try:
            metadata = json.loads(bytes(f.sections[METADATA_SECTION].data))
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise f.error("zkml-chain metadata section is not JSON", f.sections[METADATA_SECTION].offset) from None
    return {"n_vars": n_vars, "n_public": n_public, "domain_size": domain_size, "alpha1": alpha1, "beta1": beta1,
            "beta2": beta2, "gamma2": gamma2, "delta1": delta1, "delta2": delta2, "ic": ic,
            "contributions": contributions, "metadata": metadata}


def _canonical(f: BinFile, raw: memoryview, what: str, offset: int) -> bytes:
    try:
        return _native.fq_from_montgomery(bytes(raw))
    except ValueError as e:
        raise f.error(f"{what}: {e}", offset) from None


def _read_coefficients(f: BinFile, domain_size: int, n_vars: int) -> tuple[SparseMatrix, SparseMatrix]:
    s = f.section(4, "coefficients")
    r = Reader(f, s)
    n = r.u32("the coefficient count")
    body = r.raw(n * _COEF_BYTES, f"{n} coefficients")
    r.end()
    import numpy as np

    from ..r1cs import SparseMatrix

    coefs = np.frombuffer(body, dtype=_coef_dtype())
    if n and (int(coefs["c"].max()) >= domain_size or int(coefs["s"].max()) >= n_vars or int(coefs["m"].max()) > 1):
        raise f.error("a coefficient lies outside the domain, the wires or matrices A/B", s.offset)
    out = []
    for m in (0, 1):
        sel = coefs[coefs["m"] == m]
        stored = sel["v"].tobytes()
        try:
            values = _native.fr_mul(stored, to_bytes([_R2_INV])) if len(sel) else b""
        except ValueError as e:
            raise f.error(f"coefficient value: {e}", s.offset) from None
        out.append(SparseMatrix(sel["c"].astype(np.uint32), sel["s"].astype(np.uint32), values))
    return out[0], out[1]


def _dev_cs_hash(sections: list[tuple[int, bytes]]) -> bytes:
    """The circuit hash of a development key: the development tag, then 32 bytes of BLAKE2b over
    sections 1-9 (an identifier; snarkjs's csHash comes from the powers-of-tau points, which a
    development key has none of)."""
    from ..ceremony.marks import DEV_TAG

    h = hashlib.blake2b(digest_size=32)
    for stype, payload in sections:
        h.update(struct.pack("<IQ", stype, len(payload)))
        h.update(payload)
    return DEV_TAG + h.digest()
