"""Phase 2: a circuit's Groth16 key from a powers-of-tau file, and its contributions
(snarkjs's ``groth16 setup``, ``zkey contribute | beacon | verify``), on the same .zkey files.

The initial key is linear in the prepared Lagrange points of the ptau: A_j = Σ_c A[c][j]·L_c(τ)G1
and so on, with γ = δ = 1 (so IC and the C points are β·u_j + α·v_j + w_j in the exponent, and
H_i = L^(2N)_(2i+1)(τ)·G1). Each contribution multiplies δ by a secret and divides the C and H
points by it, proving knowledge of the secret against a G2 point hashed from the transcript. One
honest contributor makes δ unknown; that, on top of a phase 1 nobody knows τ of, makes the key
safe to deploy.
"""

from __future__ import annotations

import hashlib
import logging
import secrets as os_secrets
import struct
from dataclasses import dataclass, field, replace

import numpy as np

from .. import _native
from ..curve import G1_GENERATOR, G2_GENERATOR, G1Point, G2Point
from ..field import Q, R
from ..groth16.keys import ProvingKey
from ..groth16.qap import domain_size_for, qap_a_b
from ..r1cs import R1CS, SparseMatrix
from .marks import DEV_TAG
from .phase1 import CeremonyError, Progress, _random_scalars, parse_beacon, refuse_outside_g2
from .ptau import G1, G2, Ptau
from .snarkjs import (
    blake2b,
    format_hash,
    hash_to_g2,
    rng_from_beacon,
    rng_from_entropy,
    same_ratio,
    scalar_bytes,
    uncompressed,
)

log = logging.getLogger(__name__)



def u32be(n: int) -> bytes:
    return struct.pack(">I", n)


@dataclass(frozen=True)
class DeltaContribution:
    """A phase-2 contribution in section 10: δ after it, the proof of knowledge of its secret,
    and the transcript hash the proof's G2 point was hashed from."""

    delta_after: G1Point
    g1_s: G1Point
    g1_sx: G1Point
    g2_spx: G2Point
    transcript: bytes
    kind: int = 0  # 1 for a beacon
    name: str | None = None
    num_iterations_exp: int | None = None
    beacon_hash: bytes | None = None

    def pubkey_bytes(self) -> bytes:
        """zkey_utils.hashPubKey's input."""
        g1 = uncompressed(self.delta_after.to_bytes() + self.g1_s.to_bytes() + self.g1_sx.to_bytes(), False)
        return g1 + uncompressed(self.g2_spx.to_bytes(), True) + self.transcript

    def contribution_hash(self) -> bytes:
        return blake2b(self.pubkey_bytes())

    def to_bytes(self) -> bytes:
        lem = lambda p: _native.fq_to_montgomery(p.to_bytes())  # noqa: E731
        params = bytearray()
        if self.name:
            name = self.name[:64].encode()[:255]
            params += bytes([1, len(name)]) + name
        if self.kind == 1:
            assert self.beacon_hash is not None and self.num_iterations_exp is not None
            params += bytes([2, self.num_iterations_exp, 3, len(self.beacon_hash)]) + self.beacon_hash
        return b"".join([lem(self.delta_after), lem(self.g1_s), lem(self.g1_sx), lem(self.g2_spx), self.transcript,
                         struct.pack("<II", self.kind, len(params)), bytes(params)])


@dataclass(frozen=True)
class MpcParams:
    """Section 10 of a .zkey: the circuit hash and the phase-2 contributions."""

    cs_hash: bytes
    contributions: tuple[DeltaContribution, ...] = ()

    def to_bytes(self) -> bytes:
        return self.cs_hash + struct.pack("<I", len(self.contributions)) + b"".join(c.to_bytes() for c in self.contributions)

    @classmethod
    def from_bytes(cls, data: bytes) -> MpcParams:
        """Parse section 10; CeremonyError names what is malformed."""
        try:
            return cls._parse(data)
        except (struct.error, ValueError, IndexError) as e:
            raise CeremonyError(f"the key's contributions section (10) is malformed ({e})") from None

    @classmethod
    def _parse(cls, data: bytes) -> MpcParams:
        if len(data) < 68:
            raise ValueError(f"{len(data)} bytes")
        pos = 68
        contributions = []
        for _ in range(struct.unpack_from("<I", data, 64)[0]):
            def point(n: int, g2: bool) -> G1Point | G2Point:
                nonlocal pos
                raw = _native.fq_from_montgomery(data[pos : pos + n])
                if len(raw) != n:
                    raise ValueError("truncated")
                pos += n
                return G2Point.from_bytes(raw) if g2 else G1Point.from_bytes(raw)

            delta_after, g1_s, g1_sx = (point(G1, False) for _ in range(3))
            g2_spx = point(G2, True)
            transcript = data[pos : pos + 64]
            kind, n = struct.unpack_from("<II", data, pos + 64)
            pos += 72
            params, pos = data[pos : pos + n], pos + n
            if len(transcript) != 64 or len(params) != n:
                raise ValueError("truncated")
            fields: dict[int, bytes | int] = {}
            i = 0
            while i < n:
                t = params[i]
                if t == 2:
                    fields[2], i = params[i + 1], i + 2
                elif t in (1, 3):
                    fields[t], i = params[i + 2 : i + 2 + params[i + 1]], i + 2 + params[i + 1]
                else:
                    raise ValueError(f"unknown parameter type {t}")
            name = fields.get(1)
            contributions.append(DeltaContribution(
                delta_after, g1_s, g1_sx, g2_spx, bytes(transcript), kind,  # type: ignore[arg-type]
                name.decode(errors="replace") if isinstance(name, bytes) else None,
                fields.get(2) if isinstance(fields.get(2), int) else None,  # type: ignore[arg-type]
                fields.get(3) if isinstance(fields.get(3), bytes) else None))  # type: ignore[arg-type]
        if pos != len(data):
            raise ValueError(f"{len(data) - pos} trailing bytes")
        return cls(bytes(data[:64]), tuple(contributions))


def mpc_params(pk: ProvingKey) -> MpcParams:
    return MpcParams.from_bytes(pk.contributions)


# --- the initial key ----------------------------------------------------------------------------------


def circuit_power(r1cs: R1CS) -> int:
    return domain_size_for(r1cs.n_constraints, r1cs.n_public).bit_length() - 1


def _h_hash_points(ptau: Ptau, d: int) -> bytes:
    """What snarkjs hashes for the H section, uncompressed: (τ^(d+i) − τ^i)·G1 for a count it
    computes as d − 1 rounded up to a whole number of 2^14-point chunks once d − 1 exceeds one
    chunk (its loop does not shorten the last chunk). The circuit hash must match, so this does
    too — including, at d = 2^power, the one point read past section 2 (:func:`_snarkjs_overread`)."""
    chunk = 1 << 14
    count = d - 1 if d - 1 <= chunk else -(-(d - 1) // chunk) * chunk
    upper = ptau.tau_g1[d * G1 : (d + count) * G1]
    lower = ptau.tau_g1[: count * G1]
    if len(upper) == count * G1:
        return uncompressed(_native.g1_sub(upper, lower), False)
    head = uncompressed(_native.g1_sub(upper, lower[: len(upper)]), False)
    return head + _snarkjs_overread(ptau, lower[len(upper) :])


_M256 = (1 << 256) - 1
_R_INV = pow(1 << 256, -1, Q)
_Q_INV = pow(Q, -1, 1 << 256)


def _w_add(a: int, b: int) -> int:
    s = a + b
    r = s & _M256
    return (r - Q) & _M256 if s >> 256 or r >= Q else r


def _w_sub(a: int, b: int) -> int:
    r = a - b
    return (r + Q) & _M256 if r < 0 else r


def _w_mul(a: int, b: int) -> int:
    t = (a * b + ((-(a * b) * _Q_INV) & _M256) * Q) >> 256  # Montgomery product, exactly
    return t - Q if t >> 256 or t >= Q else t


def _snarkjs_overread(ptau: Ptau, last_lower: bytes) -> bytes:
    """The point snarkjs hashes last at d = 2^power: its read runs 64 bytes past section 2, into
    section 3's header and the start of τ·G2, and wasmcurves' affine subtraction of τ^(d−1)·G1
    from those bytes. They are not a field element pair below q, so the arithmetic is emulated
    word for word (wasmcurves' add/sub wrap at 2^256 and do not stay congruent mod q there); its
    later steps only multiply and invert, which are exact mod q. Uncompressed, as hashed."""
    raw = struct.pack("<IQ", 3, len(ptau.tau_g2)) + _native.fq_to_montgomery(ptau.tau_g2[:G2])
    x1, y1 = (int.from_bytes(raw[i : i + 32], "little") for i in (0, 32))
    lem = _native.fq_to_montgomery(last_lower)
    x2, y2 = int.from_bytes(lem[:32], "little"), _w_sub(0, int.from_bytes(lem[32:64], "little"))
    h = _w_sub(x2, x1)
    rr = _w_sub(y2, y1)
    hh = _w_mul(h, h)  # the exact sequence of wasmcurves' g1m_addAffine: every op may leave a value >= q
    i = _w_add(hh, hh)
    i = _w_add(i, i)
    j = _w_mul(h, i)
    rr = _w_add(rr, rr)
    v = _w_mul(x1, i)
    x3 = _w_sub(_w_sub(_w_mul(rr, rr), j), _w_add(v, v))
    y1j2 = _w_mul(y1, j)
    y1j2 = _w_add(y1j2, y1j2)
    y3 = _w_sub(_w_mul(_w_sub(v, x3), rr), y1j2)
    z3 = _w_add(h, h)
    X, Y, Z = (w * _R_INV % Q for w in (x3, y3, z3))
    if Z == 0:
        return bytes(G1)
    zi = pow(Z, -1, Q)
    x, y = X * zi * zi % Q, Y * zi * zi * zi % Q
    return x.to_bytes(32, "big") + y.to_bytes(32, "big")


def _ptau_sha256_and_challenge(ptau: Ptau) -> tuple[str, str]:
    last = ptau.contributions[-1].next_challenge.hex() if ptau.contributions else ""
    return hashlib.sha256(ptau.tau_g1[: 2 * G1] + ptau.beta_g2).hexdigest(), last


def lagrange_for(ptau: Ptau, cir: int, progress: Progress | None = None) -> tuple[bytes, bytes, bytes, bytes, bytes]:
    """The Lagrange points a circuit of domain 2^cir needs — τ, τ·G2, ατ, βτ at 2^cir, and the odd
    points of τ at 2^(cir+1) (H) — from a prepared file's sections 12-15, or computed here (the same
    inverse FFTs as ``ptau prepare``, at size 2^cir only: H's odd half of the 2^(cir+1) transform is
    one more 2^cir transform, `g1_odd_lagrange`) from an unprepared one."""
    if ptau.prepared:
        l_tau2 = ptau.lagrange_at(13, cir)
        refuse_outside_g2(l_tau2, "Lagrange τ·G2")  # the kernels check the curve only
        odd = np.frombuffer(ptau.lagrange_at(12, cir + 1), dtype=np.uint8).reshape(-1, 2, G1)[:, 1].tobytes()
        return (ptau.lagrange_at(12, cir), l_tau2, ptau.lagrange_at(14, cir), ptau.lagrange_at(15, cir), odd)
    d = 1 << cir
    refuse_outside_g2(ptau.tau_g2[: d * G2], "tauG2")
    jobs = [(_native.g1_lagrange, ptau.tau_g1[: d * G1]), (_native.g2_lagrange, ptau.tau_g2[: d * G2]),
            (_native.g1_lagrange, ptau.alpha_tau_g1[: d * G1]), (_native.g1_lagrange, ptau.beta_tau_g1[: d * G1]),
            # a file of power cir holds τ^0..τ^(2d-2): τ^(2d-1) enters as infinity, as in snarkjs
            (_native.g1_odd_lagrange, ptau.tau_g1[: 2 * d * G1] if cir < ptau.power else ptau.tau_g1 + bytes(G1))]
    out = []
    for i, (kernel, pts) in enumerate(jobs):
        out.append(kernel(pts))
        if progress:
            progress("Lagrange points", i + 1, len(jobs))
    return out[0], out[1], out[2], out[3], out[4]


def initial_key(r1cs: R1CS, ptau: Ptau, progress: Progress | None = None) -> ProvingKey:
    """snarkjs ``groth16 setup``: the key before any phase-2 contribution, section by section the
    one snarkjs makes from the same files. Every powers-of-tau point it uses must be a valid
    curve point (CeremonyError otherwise; `ptau verify` checks the rest of the file)."""
    try:
        return _initial_key(r1cs, ptau, progress)
    except ValueError as e:  # the kernels refuse invalid points
        raise CeremonyError(f"the powers-of-tau file holds an invalid point ({e}): run `zkml-chain ptau verify`") from None


def _initial_key(r1cs: R1CS, ptau: Ptau, progress: Progress | None) -> ProvingKey:
    cir = circuit_power(r1cs)
    if cir > ptau.power:
        raise CeremonyError(f"the circuit needs a powers-of-tau file of power {cir} or more "
                            f"({r1cs.n_constraints:,} constraints + {r1cs.n_public + 1} public rows); "
                            f"this one has power {ptau.power}")
    d = 1 << cir
    n = r1cs.n_wires
    step = (lambda what, i: progress(what, i, 6)) if progress else (lambda what, i: None)  # noqa: E731
    l_tau, l_tau2, l_alpha, l_beta, h_query = lagrange_for(ptau, cir, progress)
    qa, qb = qap_a_b(r1cs)
    u32 = lambda a: np.ascontiguousarray(a, dtype="<u4").tobytes()  # noqa: E731
    a_query = _native.g1_combine(l_tau, u32(qa.rows), u32(qa.cols), qa.coeffs, n)
    step("key points", 1)
    b1_query = _native.g1_combine(l_tau, u32(qb.rows), u32(qb.cols), qb.coeffs, n)
    step("key points", 2)
    b2_query = _native.g2_combine(l_tau2, u32(qb.rows), u32(qb.cols), qb.coeffs, n)
    step("key points", 3)
    # β·u_j + α·v_j + w_j: A's entries on βτ^i, B's on ατ^i, C's on τ^i (one array of bases)
    c = r1cs.c
    rows = np.concatenate([qa.rows.astype(np.int64) + 2 * d, qb.rows.astype(np.int64) + d, c.rows.astype(np.int64)])
    cols = np.concatenate([qa.cols, qb.cols, c.cols])
    k = _native.g1_combine(l_tau + l_alpha + l_beta, u32(rows), u32(cols), qa.coeffs + qb.coeffs + c.coeffs, n)
    step("key points", 4)
    ic, c_query = k[: (r1cs.n_public + 1) * G1], k[(r1cs.n_public + 1) * G1 :]
    alpha1, beta1 = G1Point.from_bytes(ptau.alpha_tau_g1[:G1]), G1Point.from_bytes(ptau.beta_tau_g1[:G1])
    beta2 = G2Point.from_bytes(ptau.beta_g2)
    if not (alpha1.is_valid() and beta1.is_valid() and beta2.is_valid()):
        raise ValueError("alpha·G1, beta·G1 or beta·G2")
    g1, g2 = G1_GENERATOR, G2_GENERATOR
    cs = hashlib.blake2b(digest_size=64)
    cs.update(uncompressed(alpha1.to_bytes() + beta1.to_bytes(), False) + uncompressed(beta2.to_bytes(), True))
    cs.update(uncompressed(g2.to_bytes(), True) + uncompressed(g1.to_bytes(), False) + uncompressed(g2.to_bytes(), True))
    cs.update(u32be(r1cs.n_public + 1) + uncompressed(ic, False))
    cs.update(u32be(d - 1) + _h_hash_points(ptau, d))
    step("key points", 5)
    for points, g2_ in ((c_query, False), (a_query, False), (b1_query, False), (b2_query, True)):
        cs.update(u32be(len(points) // (G2 if g2_ else G1)) + uncompressed(points, g2_))
    step("key points", 6)
    sha, challenge = _ptau_sha256_and_challenge(ptau)
    metadata = {"tool": "zkml-chain", "setup": "powers of tau", "development_key": not ptau.contributions,
                "ptau": {"power": ptau.power, "contributions": len(ptau.contributions),
                         "last_challenge": challenge, "points_sha256": sha}}
    return ProvingKey(n, r1cs.n_public, d, alpha1, beta1, beta2, g2, g1, g2, ic, qa, qb, a_query, b1_query, b2_query,
                      c_query, h_query, MpcParams(cs.digest()).to_bytes(), metadata)


# --- contributions --------------------------------------------------------------------------------------


def _transcript_hasher(mpc: MpcParams) -> hashlib.blake2b:
    h = hashlib.blake2b(digest_size=64)
    h.update(mpc.cs_hash)
    for c in mpc.contributions:
        h.update(c.pubkey_bytes())
    return h


def _contribute(pk: ProvingKey, rng: _native.FfjsRng, name: str | None, beacon: tuple[bytes, int] | None,
                progress: Progress | None) -> tuple[ProvingKey, bytes]:
    mpc = mpc_params(pk)
    delta = int.from_bytes(rng.fr(), "little")
    g1_s = G1Point.from_bytes(rng.g1())
    g1_sx = g1_s * delta
    h = _transcript_hasher(mpc)
    h.update(uncompressed(g1_s.to_bytes() + g1_sx.to_bytes(), False))
    transcript = h.digest()
    g2_spx = hash_to_g2(transcript) * delta
    delta1, delta2 = pk.delta1 * delta, pk.delta2 * delta
    inv = scalar_bytes(pow(delta, -1, R))
    one = scalar_bytes(1)
    if progress:
        progress("C and H points", 0, 2)
    try:
        c_query = _native.g1_apply_key(pk.c_query, inv, one)
        if progress:
            progress("C and H points", 1, 2)
        h_query = _native.g1_apply_key(pk.h_query, inv, one)
    except ValueError as e:
        raise CeremonyError(f"the key holds an invalid point ({e})") from None
    if progress:
        progress("C and H points", 2, 2)
    c = DeltaContribution(delta1, g1_s, g1_sx, g2_spx, transcript, 0 if beacon is None else 1, name,
                          None if beacon is None else beacon[1], None if beacon is None else beacon[0])
    new = replace(pk, delta1=delta1, delta2=delta2, c_query=c_query, h_query=h_query,
                  contributions=MpcParams(mpc.cs_hash, (*mpc.contributions, c)).to_bytes())
    del delta
    return new, c.contribution_hash()


def contribute(pk: ProvingKey, name: str | None = None, entropy: str | None = None,
               progress: Progress | None = None) -> tuple[ProvingKey, bytes]:
    """Add a phase-2 contribution (δ multiplied by a fresh secret); returns the key and the
    contribution hash to publish."""
    return _contribute(pk, rng_from_entropy(entropy or os_secrets.token_hex(32)), name, None, progress)


def beacon(pk: ProvingKey, beacon_hex: str, num_iterations_exp: int, name: str | None = None,
           progress: Progress | None = None) -> tuple[ProvingKey, bytes]:
    """Close phase 2 with a public beacon (its secret re-derivable by anyone)."""
    b = parse_beacon(beacon_hex, num_iterations_exp)
    return _contribute(pk, rng_from_beacon(b, num_iterations_exp), name, (b, num_iterations_exp), progress)


# --- verify ---------------------------------------------------------------------------------------------


@dataclass
class Phase2Verdict:
    problem: str | None
    cs_hash: bytes
    contributions: list[tuple[int, DeltaContribution, bytes]] = field(default_factory=list)  # (index, c, hash)

    @property
    def ok(self) -> bool:
        return self.problem is None


def _chain_problem(mpc: MpcParams, verdict: Phase2Verdict) -> tuple[str | None, G1Point]:
    acc = hashlib.blake2b(digest_size=64)
    acc.update(mpc.cs_hash)
    cur = G1_GENERATOR
    for i, c in enumerate(mpc.contributions, 1):
        label = f"contribution #{i}{f' ({c.name})' if c.name else ''}"
        verdict.contributions.append((i, c, c.contribution_hash()))
        if not all(p.is_valid() and not p.is_infinity for p in (c.delta_after, c.g1_s, c.g1_sx, c.g2_spx)):
            return f"{label}: a point of its record is not a valid curve point", cur
        ours = acc.copy()
        ours.update(uncompressed(c.g1_s.to_bytes() + c.g1_sx.to_bytes(), False))
        if ours.digest() != c.transcript:
            return f"{label}: its transcript hash does not follow the circuit hash and the contributions before", cur
        sp = hash_to_g2(c.transcript)
        if not same_ratio(c.g1_s, c.g1_sx, sp, c.g2_spx):
            return f"{label}: its proof of knowledge of the secret does not hold", cur
        if not same_ratio(cur, c.delta_after, sp, c.g2_spx):
            return f"{label}: its delta does not match its proof of knowledge", cur
        if c.kind == 1:
            if c.beacon_hash is None or c.num_iterations_exp is None:
                return f"{label}: a beacon without its parameters", cur
            rng = rng_from_beacon(c.beacon_hash, c.num_iterations_exp)
            x = int.from_bytes(rng.fr(), "little")
            s = G1Point.from_bytes(rng.g1())
            if s != c.g1_s or s * x != c.g1_sx:
                return f"{label}: its key is not the one the beacon derives", cur
        acc.update(c.pubkey_bytes())
        cur = c.delta_after
    return None, cur


def _same_ratio_sections(init: bytes, final: bytes, delta2: G2Point) -> bool:
    """init = δ·final point by point (for random r: e(Σ r·init, G2) = e(Σ r·final, δ·G2))."""
    n = len(init) // G1
    if n == 0:
        return True
    r = _random_scalars(n)
    a, b = G1Point.from_bytes(_native.g1_msm(init, r)), G1Point.from_bytes(_native.g1_msm(final, r))
    return same_ratio(a, b, delta2, G2_GENERATOR)


def verify(r1cs: R1CS, ptau: Ptau, pk: ProvingKey, progress: Progress | None = None,
           initial: ProvingKey | None = None) -> Phase2Verdict:
    """Check ``pk`` against the key ``r1cs`` and ``ptau`` give (snarkjs ``zkey verify``): the same
    circuit hash and every section that no contribution changes identical, each contribution's
    transcript, proof of knowledge and δ chained from the last, the final δ in G1 and G2 the
    same, and the C and H points the initial ones divided by δ (randomized pairing checks).
    ``initial``: the initial key of ``r1cs`` and ``ptau`` when the caller has just computed it
    with :func:`initial_key` (the costly part)."""
    mpc = mpc_params(pk)
    verdict = Phase2Verdict(None, mpc.cs_hash)
    problem, delta = _chain_problem(mpc, verdict)
    if problem:
        verdict.problem = problem
        return verdict
    init = initial or initial_key(r1cs, ptau, progress)
    if mpc.cs_hash != mpc_params(init).cs_hash:
        verdict.problem = "the circuit hash differs: the key was not made from this circuit and powers-of-tau file"
        return verdict
    if (pk.n_vars, pk.n_public, pk.domain_size) != (init.n_vars, init.n_public, init.domain_size):
        verdict.problem = "the circuit's sizes (wires, public signals, domain) differ"
        return verdict
    checks = [
        (pk.alpha1 == init.alpha1 and pk.beta1 == init.beta1 and pk.beta2 == init.beta2, "alpha or beta differs"),
        (pk.gamma2 == init.gamma2, "gamma differs"),
        (pk.delta1 == delta, "delta1 is not the last contribution's"),
        (same_ratio(G1_GENERATOR, delta, G2_GENERATOR, pk.delta2), "delta2 does not match delta1"),
        (pk.ic == init.ic, "section 3 (IC) differs from the initial key"),
        (_same_matrix(pk.qap_a, init.qap_a) and _same_matrix(pk.qap_b, init.qap_b),
         "section 4 (coefficients) differs from the initial key"),
        (pk.a_query == init.a_query, "section 5 (A) differs from the initial key"),
        (pk.b1_query == init.b1_query, "section 6 (B1) differs from the initial key"),
        (pk.b2_query == init.b2_query, "section 7 (B2) differs from the initial key"),
    ]
    for ok, msg in checks:
        if not ok:
            verdict.problem = msg
            return verdict
    if not _same_ratio_sections(init.c_query, pk.c_query, pk.delta2):
        verdict.problem = "section 8 (C/L points) is not the initial one divided by delta"
    elif not _same_ratio_sections(init.h_query, pk.h_query, pk.delta2):
        verdict.problem = "section 9 (H points) is not the initial one divided by delta"
    return verdict


def _same_matrix(a: SparseMatrix, b: SparseMatrix) -> bool:
    return (np.array_equal(a.rows, b.rows) and np.array_equal(a.cols, b.cols) and a.coeffs == b.coeffs)


def describe(verdict: Phase2Verdict) -> list[str]:
    lines = [format_hash(verdict.cs_hash, "circuit hash:")]
    for i, c, h in verdict.contributions:
        kind = f" [beacon {c.beacon_hash.hex()} 2^{c.num_iterations_exp}]" if c.kind == 1 and c.beacon_hash else ""
        lines.append(format_hash(h, f"contribution #{i} {c.name or '(no name)'}{kind}:"))
    return lines


__all__ = ["DEV_TAG", "DeltaContribution", "MpcParams", "Phase2Verdict", "beacon", "contribute", "describe",
           "initial_key", "mpc_params", "verify"]
