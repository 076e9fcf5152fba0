"""Phase 1, powers of tau: snarkjs's ``powersoftau new | contribute | beacon | prepare phase2 |
verify``, on the same files.

A contribution multiplies every point by powers of fresh secrets τ, α, β (point i of the τ^i
sections by τ^i) and proves knowledge of them with a key checked against G2 points hashed from
the transcript. The transcript is a chain of BLAKE2b hashes: each contribution's response hash
covers the challenge it answered and its new points; its next challenge covers the response
hash and the new points again. Anyone can verify the whole chain and the last points; one honest
contributor among all makes τ unknown to everyone.
"""

from __future__ import annotations

import logging
import secrets as os_secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from .. import _native
from ..curve import G1_GENERATOR, G2_GENERATOR, G1Point, G2Point, g2_first_invalid
from ..errors import ZkmlChainError
from ..field import N8, R, random_scalars
from .ptau import G1, G2, LAGRANGE, Ptau, PtauContribution, n_points
from .snarkjs import (
    Blake2b,
    PtauKey,
    blake2b,
    compressed,
    create_ptau_key,
    first_challenge,
    g2_sp,
    rng_from_beacon,
    rng_from_entropy,
    same_ratio,
    scalar_bytes,
    uncompressed,
)

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # (what, done, total)
#: BLAKE2b is fed the compressed response in snarkjs's chunks (2^20 bytes of LEM points), so the
#: saved partial hash equals snarkjs's byte for byte.
CHUNK_BYTES = 1 << 20
#: Random scalars of the batched checks in ``verify``: 128 bits (a wrong file passes one check
#: with probability about 2^-128).
CHECK_BITS = 128


class CeremonyError(ZkmlChainError):
    """A ceremony step refused its input (a reduced file, a bad beacon, a power out of range)."""


def new(power: int) -> Ptau:
    """A fresh accumulator: every point the generator, no contribution yet."""
    if not 1 <= power <= 28:
        raise CeremonyError(f"power must be between 1 and 28 (BN254's scalar field has 2^28-th roots), got {power}")
    g1, g2 = G1_GENERATOR.to_bytes(), G2_GENERATOR.to_bytes()
    return Ptau(power, power, g1 * (2 ** (power + 1) - 1), g2 * 2**power, g1 * 2**power, g1 * 2**power, g2)


def _challenge(ptau: Ptau) -> bytes:
    return ptau.contributions[-1].next_challenge if ptau.contributions else first_challenge(ptau.power)


def _check_contributable(ptau: Ptau) -> None:
    if ptau.power != ptau.ceremony_power:
        raise CeremonyError(f"this file was reduced from power {ptau.ceremony_power} to {ptau.power}: "
                            "contribute to the full file")
    if ptau.prepared:
        log.warning("the file holds Lagrange sections (prepare phase 2): they are dropped; prepare again afterwards")


def contribute(ptau: Ptau, name: str | None = None, entropy: str | None = None,
               progress: Progress | None = None) -> tuple[Ptau, bytes]:
    """Add a contribution with secrets from the OS's randomness mixed with ``entropy``; returns
    the new file and the contribution's response hash (what the contributor publishes)."""
    _check_contributable(ptau)
    challenge = _challenge(ptau)
    key, secrets_ = create_ptau_key(challenge, rng_from_entropy(entropy or os_secrets.token_hex(32)))
    return _apply(ptau, key, secrets_, challenge, name, None, progress)


def parse_beacon(beacon_hex: str, num_iterations_exp: int) -> bytes:
    """The beacon's bytes, with snarkjs's limits: 1..255 bytes of hex, 10 <= exp <= 63."""
    text = beacon_hex[2:] if beacon_hex.startswith("0x") else beacon_hex
    try:
        beacon = bytes.fromhex(text)
    except ValueError:
        beacon = b""
    if not beacon or len(text) != 2 * len(beacon):
        raise CeremonyError(f"beacon {beacon_hex!r:.40} is not a hexadecimal byte string")
    if len(beacon) > 255:
        raise CeremonyError("a beacon is at most 255 bytes")
    if not 10 <= num_iterations_exp <= 63:
        raise CeremonyError(f"the beacon's iteration exponent must be between 10 and 63, got {num_iterations_exp}")
    return beacon


def beacon_key(challenge: bytes, beacon: bytes, num_iterations_exp: int) -> tuple[PtauKey, tuple[int, int, int]]:
    return create_ptau_key(challenge, rng_from_beacon(beacon, num_iterations_exp))


def beacon(ptau: Ptau, beacon_hex: str, num_iterations_exp: int, name: str | None = None,
           progress: Progress | None = None) -> tuple[Ptau, bytes]:
    """Add the final, public contribution: secrets derived from a beacon (a future block hash,
    say) by 2^exp iterations of SHA-256, so nobody could know them in advance."""
    _check_contributable(ptau)
    b = parse_beacon(beacon_hex, num_iterations_exp)
    challenge = _challenge(ptau)
    key, secrets_ = beacon_key(challenge, b, num_iterations_exp)
    return _apply(ptau, key, secrets_, challenge, name, (b, num_iterations_exp), progress)


def _apply(ptau: Ptau, key: PtauKey, secrets_: tuple[int, int, int], challenge: bytes, name: str | None,
           beacon_params: tuple[bytes, int] | None, progress: Progress | None) -> tuple[Ptau, bytes]:
    """Multiply every section by the secrets' powers, hashing as snarkjs does; the new file and
    the response hash."""
    try:
        return _apply_checked(ptau, key, secrets_, challenge, name, beacon_params, progress)
    except ValueError as e:  # the kernels refuse invalid points
        raise CeremonyError(f"the input file holds an invalid point ({e}): it does not verify") from None


def _apply_checked(ptau: Ptau, key: PtauKey, secrets_: tuple[int, int, int], challenge: bytes, name: str | None,
                   beacon_params: tuple[bytes, int] | None, progress: Progress | None) -> tuple[Ptau, bytes]:
    tau, alpha, beta = secrets_
    response = Blake2b()
    response.update(challenge)
    new: dict[int, bytes] = {}
    plan = ((2, 1, False, "tauG1"), (3, 1, True, "tauG2"), (4, alpha, False, "alphaTauG1"),
            (5, beta, False, "betaTauG1"), (6, beta, True, "betaG2"))
    for section, first, g2, what in plan:
        size = G2 if g2 else G1
        apply = _native.g2_apply_key if g2 else _native.g1_apply_key
        pts = ptau.section(section)
        if g2:  # the kernel checks the curve; the subgroup is checked here, for the section at once
            refuse_outside_g2(pts, what)
        n, chunk = len(pts) // size, CHUNK_BYTES // size
        out = []
        for start in range(0, n, chunk):  # snarkjs's chunks: first·τ^start for each
            k = min(chunk, n - start)
            first_k = first * pow(tau, start, R) % R
            block = apply(pts[start * size : (start + k) * size], scalar_bytes(first_k), scalar_bytes(tau))
            response.update(compressed(block, g2))
            out.append(block)
            if progress:
                progress(what, start + k, n)
        new[section] = b"".join(out)
    partial = response.partial()
    response.update(key.uncompressed())
    response_hash = response.digest()
    next_challenge = blake2b(response_hash, *(uncompressed(new[s], s in (3, 6)) for s in (2, 3, 4, 5, 6)))
    c = PtauContribution(
        tau_g1=G1Point.from_bytes(new[2][G1 : 2 * G1]), tau_g2=G2Point.from_bytes(new[3][G2 : 2 * G2]),
        alpha_g1=G1Point.from_bytes(new[4][:G1]), beta_g1=G1Point.from_bytes(new[5][:G1]),
        beta_g2=G2Point.from_bytes(new[6]), key=key, partial_hash=partial, next_challenge=next_challenge,
        kind=0 if beacon_params is None else 1, name=name,
        beacon_hash=None if beacon_params is None else beacon_params[0],
        num_iterations_exp=None if beacon_params is None else beacon_params[1])
    result = Ptau(ptau.power, ptau.ceremony_power, new[2], new[3], new[4], new[5], new[6], [*ptau.contributions, c])
    return result, response_hash


# --- prepare phase 2: Lagrange-basis points ---------------------------------------------------------------


def prepare(ptau: Ptau, progress: Progress | None = None) -> Ptau:
    """See :func:`_prepare`; an invalid point in the input is a CeremonyError."""
    try:
        return _prepare(ptau, progress)
    except ValueError as e:
        raise CeremonyError(f"the input file holds an invalid point ({e}): it does not verify") from None


def refuse_outside_g2(points: bytes, what: str) -> None:
    """A ValueError (as the kernels raise) naming the first point of the array outside G2."""
    bad = g2_first_invalid(points)
    if bad >= 0:
        raise ValueError(f"{what}: point {bad} is not in G2 (off the curve or outside its prime-order subgroup)")


def _prepare(ptau: Ptau, progress: Progress | None = None) -> Ptau:
    """Add sections 12-15: for every domain size 2^p up to the file's power (2^(power+1) for
    τ·G1, whose last point is taken as zero), the points L_i(τ)·G by an inverse FFT over the
    group — what phase 2 uses, so a circuit's key needs no FFT of its own."""
    lagrange: dict[int, bytes] = {}
    total = sum(ptau.power + (2 if s == 12 else 1) for s in LAGRANGE)
    done = 0
    for s, (powers, size) in LAGRANGE.items():
        top = ptau.power + 1 if s == 12 else ptau.power
        kernel = _native.g2_lagrange if size == G2 else _native.g1_lagrange
        src = ptau.section(powers)
        if size == G2:
            refuse_outside_g2(src, "tauG2")
        parts = []
        for p in range(top + 1):
            pts = src[: 2**p * size] if p <= ptau.power or s != 12 else src + bytes(size)  # τ^(2^(p)−1) := 0
            parts.append(kernel(pts))
            done += 1
            if progress:
                progress("Lagrange points", done, total)
        lagrange[s] = b"".join(parts)
    return replace(ptau, lagrange=lagrange)


# --- verify -----------------------------------------------------------------------------------------------


@dataclass
class ContributionInfo:
    index: int  # 1-based, as snarkjs numbers them
    name: str | None
    beacon: bool
    response_hash: bytes
    next_challenge: bytes
    beacon_hash: bytes | None = None
    num_iterations_exp: int | None = None


@dataclass
class PtauVerdict:
    """The outcome of :func:`verify`: valid or not, the first problem found, and the transcript."""

    problem: str | None
    power: int
    contributions: list[ContributionInfo] = field(default_factory=list)
    next_challenge: bytes | None = None
    prepared: bool = False

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class _Prev:
    tau_g1: G1Point
    tau_g2: G2Point
    alpha_g1: G1Point
    beta_g1: G1Point
    beta_g2: G2Point
    next_challenge: bytes


def _contribution_problem(cur: PtauContribution, prev: _Prev | PtauContribution) -> str | None:
    points = [cur.tau_g1, cur.alpha_g1, cur.beta_g1, cur.tau_g2, cur.beta_g2,
              *(p for k in cur.key.parts() for p in (k.g1_s, k.g1_sx, k.g2_spx))]
    if not all(p.is_valid() and not p.is_infinity for p in points):
        return "a point of its record is not a valid curve point"
    if cur.kind == 1:
        assert cur.beacon_hash is not None and cur.num_iterations_exp is not None
        expected, _ = beacon_key(prev.next_challenge, cur.beacon_hash, cur.num_iterations_exp)
        if expected != cur.key:
            return "its key is not the one the beacon derives"
    sp = [g2_sp(i, prev.next_challenge, k.g1_s, k.g1_sx) for i, k in enumerate(cur.key.parts())]
    tau, alpha, beta = cur.key.parts()
    checks = [
        (same_ratio(tau.g1_s, tau.g1_sx, sp[0], tau.g2_spx), "its proof of knowledge of tau does not hold"),
        (same_ratio(alpha.g1_s, alpha.g1_sx, sp[1], alpha.g2_spx), "its proof of knowledge of alpha does not hold"),
        (same_ratio(beta.g1_s, beta.g1_sx, sp[2], beta.g2_spx), "its proof of knowledge of beta does not hold"),
        (same_ratio(prev.tau_g1, cur.tau_g1, sp[0], tau.g2_spx), "tau·G1 does not follow the previous contribution"),
        (same_ratio(tau.g1_s, tau.g1_sx, prev.tau_g2, cur.tau_g2), "tau·G2 does not follow the previous contribution"),
        (same_ratio(prev.alpha_g1, cur.alpha_g1, sp[1], alpha.g2_spx), "alpha·G1 does not follow the previous one"),
        (same_ratio(prev.beta_g1, cur.beta_g1, sp[2], beta.g2_spx), "beta·G1 does not follow the previous one"),
        (same_ratio(beta.g1_s, beta.g1_sx, prev.beta_g2, cur.beta_g2), "beta·G2 does not follow the previous one"),
    ]
    return next((msg for ok, msg in checks if not ok), None)


def _random_scalars(n: int) -> bytes:
    """n random CHECK_BITS-bit scalars, packed."""
    return random_scalars(n, CHECK_BITS)


def _consecutive(points: bytes, size: int) -> tuple[bytes, bytes]:
    """(Σ r_i·P_i, Σ r_i·P_(i+1)) over i < n − 1 with random r: P_(i+1)/P_i is one ratio for all
    i exactly when both sums have that ratio, except with probability ~2^-128."""
    n = len(points) // size
    r = _random_scalars(n - 1)
    msm = _native.g2_msm if size == G2 else _native.g1_msm
    return msm(points[: (n - 1) * size], r), msm(points[size:], r)


def _not_in(size: int) -> str:
    return "not in G2 (off the curve or outside its prime-order subgroup)" if size == G2 else "not on the G1 curve"


def _sections_problem(ptau: Ptau, cur: PtauContribution, progress: Progress | None) -> str | None:
    for s, name in ((2, "tauG1"), (3, "tauG2"), (4, "alphaTauG1"), (5, "betaTauG1"), (6, "betaG2")):
        size = G2 if s in (3, 6) else G1
        bad = (g2_first_invalid if size == G2 else _native.g1_first_invalid)(ptau.section(s))
        if bad >= 0:
            return f"section {s} ({name}): point {bad} is {_not_in(size)}"
        if progress:
            progress("points", s - 1, 5)
    first = lambda s, size, i=0: ptau.section(s)[i * size : (i + 1) * size]  # noqa: E731
    if first(2, G1) != G1_GENERATOR.to_bytes() or first(3, G2) != G2_GENERATOR.to_bytes():
        return "the first power is not the generator (section 2 or 3)"
    if first(2, G1, 1) != cur.tau_g1.to_bytes() or first(3, G2, 1) != cur.tau_g2.to_bytes():
        return "tau·G1 or tau·G2 in the sections is not the last contribution's"
    if first(4, G1) != cur.alpha_g1.to_bytes() or first(5, G1) != cur.beta_g1.to_bytes():
        return "alpha·G1 or beta·G1 in the sections is not the last contribution's"
    if ptau.beta_g2 != cur.beta_g2.to_bytes():
        return "beta·G2 (section 6) is not the last contribution's"
    g1, g2 = G1_GENERATOR, G2_GENERATOR
    for s, name in ((2, "tauG1"), (4, "alphaTauG1"), (5, "betaTauG1")):
        if len(ptau.section(s)) // G1 < 2:
            continue
        r1, r2 = _consecutive(ptau.section(s), G1)
        if not same_ratio(G1Point.from_bytes(r1), G1Point.from_bytes(r2), g2, cur.tau_g2):
            return f"section {s} ({name}): the points are not successive powers of tau"
    if len(ptau.tau_g2) // G2 >= 2:
        r1, r2 = _consecutive(ptau.tau_g2, G2)
        if not same_ratio(g1, cur.tau_g1, G2Point.from_bytes(r1), G2Point.from_bytes(r2)):
            return "section 3 (tauG2): the points are not successive powers of tau"
    return None


def _lagrange_problem(ptau: Ptau, progress: Progress | None) -> str | None:
    """At each size n the Lagrange points are L = M·P, the inverse FFT matrix M (symmetric) times
    the powers P, exactly when Σ_j s_j·L_j = Σ_i (M·s)_i·P_i for random s (snarkjs checks each
    size so, with 32-bit randomness). With independent random s per size the identities of all
    sizes add up to one check per section, ~2^-128 to pass a wrong point: an MSM over the whole
    section with the short random scalars, and one over the (half as many) powers with the
    full-width scalars Σ_n INTT_n(s_n)."""
    for k, (s, (powers, size)) in enumerate(LAGRANGE.items()):
        bad = (g2_first_invalid if size == G2 else _native.g1_first_invalid)(ptau.lagrange[s])
        if bad >= 0:
            return f"section {s} (Lagrange points): point {bad} is {_not_in(size)}"
        msm = _native.g2_msm if size == G2 else _native.g1_msm
        top = ptau.power + 1 if s == 12 else ptau.power
        n_top = 2**top
        short = _random_scalars(2 ** (top + 1) - 1)  # sizes 1, 2, 4, ..., n_top, one after the other
        powers_side = bytes(n_top * N8)
        for p in range(top + 1):
            sp = short[(2**p - 1) * N8 : (2 ** (p + 1) - 1) * N8]
            c = _native.ntt(sp, inverse=True) if p else sp
            powers_side = _native.fr_add(powers_side, c + bytes((n_top - 2**p) * N8))
        # tauG1 holds 2^(power+1) − 1 powers: the size-2^(power+1) basis takes the missing one as zero
        pts = ptau.section(powers)[: n_top * size]
        pts += bytes(n_top * size - len(pts))
        if msm(pts, powers_side) != msm(ptau.lagrange[s], short):
            return f"section {s} (Lagrange points): not the Lagrange basis of the powers at some size"
        if progress:
            progress("Lagrange points", k + 1, len(LAGRANGE))
    return None


def verify(ptau: Ptau, progress: Progress | None = None) -> PtauVerdict:
    """Check the whole transcript (every contribution's proofs of knowledge and its chaining to
    the one before, beacons re-derived), the points against the last contribution with
    randomized batched pairing checks, the last challenge hash, and the Lagrange sections."""
    verdict = PtauVerdict(None, ptau.power, prepared=ptau.prepared)
    initial = _Prev(G1_GENERATOR, G2_GENERATOR, G1_GENERATOR, G1_GENERATOR, G2_GENERATOR,
                    first_challenge(ptau.ceremony_power))
    if not ptau.contributions:
        verdict.problem = "the file has no contribution: its tau is known (it cannot be used in production)"
        return verdict
    for i, c in enumerate(ptau.contributions):
        prev = ptau.contributions[i - 1] if i else initial
        verdict.contributions.append(ContributionInfo(i + 1, c.name, c.kind == 1, c.response_hash(), c.next_challenge,
                                                      c.beacon_hash, c.num_iterations_exp))
        problem = _contribution_problem(c, prev)
        if problem:
            verdict.problem = f"contribution #{i + 1}{f' ({c.name})' if c.name else ''}: {problem}"
            return verdict
    last = ptau.contributions[-1]
    problem = _sections_problem(ptau, last, progress)
    if problem:
        verdict.problem = problem
        return verdict
    next_challenge = blake2b(last.response_hash(),
                             *(uncompressed(ptau.section(s), s in (3, 6)) for s in (2, 3, 4, 5, 6)))
    verdict.next_challenge = next_challenge
    if ptau.power == ptau.ceremony_power and next_challenge != last.next_challenge:
        name = f" ({last.name})" if last.name else ""
        verdict.problem = (f"contribution #{len(ptau.contributions)}{name}: its next challenge hash is not the hash "
                           "of its response and the file's points (an altered transcript)")
        return verdict
    if ptau.prepared:
        verdict.problem = _lagrange_problem(ptau, progress)
    return verdict


__all__ = ["CeremonyError", "PtauVerdict", "beacon", "contribute", "new", "prepare", "verify", "n_points"]
