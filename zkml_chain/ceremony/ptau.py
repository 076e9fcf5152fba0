"""The powers-of-tau file (snarkjs ``.ptau``), read and written bit-compatibly.

iden3 container, magic ``ptau``, version 1. Sections (points in snarkjs's LEM form: affine,
little-endian Montgomery; held here as canonical bytes, see :mod:`zkml_chain.curve`):

==  ===========  =================================================================
1   header       n8 = 32 (u32), q (32 bytes LE), power (u32), ceremony power (u32)
2   tauG1        2^(power+1) − 1 G1 points: τ^i·G1
3   tauG2        2^power G2 points: τ^i·G2
4   alphaTauG1   2^power G1 points: α·τ^i·G1
5   betaTauG1    2^power G1 points: β·τ^i·G1
6   betaG2       one G2 point: β·G2
7   contributions (see :class:`PtauContribution`)
12  lagrange tauG1       for p = 0 .. power+1: the 2^p points L_i(τ)·G1 of the size-2^p domain
13  lagrange tauG2       for p = 0 .. power
14  lagrange alphaTauG1  for p = 0 .. power
15  lagrange betaTauG1   for p = 0 .. power
==  ===========  =================================================================

Sections 12–15 exist after ``ptau prepare`` (snarkjs ``powersoftau prepare phase2``).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

from .. import _native
from ..binfile import BinFile, Reader, build_binfile, parse_binfile
from ..curve import G1Point, G2Point
from ..field import Q
from ..files import write_bytes
from .snarkjs import Blake2b, KeyPart, PtauKey

MAGIC = b"ptau"
G1, G2 = 64, 128
PARTIAL = 216
LAGRANGE = {12: (2, G1), 13: (3, G2), 14: (4, G1), 15: (5, G1)}  # section -> (powers section, size)


def n_points(section: int, power: int) -> int:
    return 2 ** (power + 1) - 1 if section == 2 else 1 if section == 6 else 2**power


def lagrange_points(section: int, power: int) -> int:
    """Points in a Lagrange section: Σ_{p=0..top} 2^p, top = power (+1 for tauG1)."""
    top = power + 1 if section == 12 else power
    return 2 ** (top + 1) - 1


def from_lem(f: BinFile, raw: bytes | memoryview, what: str, offset: int) -> bytes:
    """snarkjs's Montgomery coordinates -> canonical (a coordinate >= q is a format error)."""
    try:
        return _native.fq_from_montgomery(bytes(raw))
    except ValueError as e:
        raise f.error(f"{what}: {e}", offset) from None


def to_lem(points: bytes) -> bytes:
    return _native.fq_to_montgomery(points)


@dataclass
class PtauContribution:
    """One entry of section 7: the contributor's first new points, their proof of knowledge,
    the transcript hashes, and for a beacon its parameters."""

    tau_g1: G1Point  # τ·G1 after this contribution
    tau_g2: G2Point
    alpha_g1: G1Point
    beta_g1: G1Point
    beta_g2: G2Point
    key: PtauKey
    partial_hash: bytes  # BLAKE2b state after the previous challenge and the new points (compressed)
    next_challenge: bytes  # BLAKE2b(response hash || the new points, uncompressed)
    kind: int = 0  # 0 a contribution, 1 a beacon
    name: str | None = None
    num_iterations_exp: int | None = None
    beacon_hash: bytes | None = None

    def response_hash(self) -> bytes:
        """The hash a contributor publishes: the partial hash finished with the public key."""
        h = Blake2b.from_partial(self.partial_hash)
        h.update(self.key.uncompressed())
        return h.digest()

    def _params(self) -> bytes:
        out = bytearray()
        if self.name:
            name = self.name[:64].encode()[:255]
            out += bytes([1, len(name)]) + name
        if self.kind == 1:
            assert self.beacon_hash is not None and self.num_iterations_exp is not None
            out += bytes([2, self.num_iterations_exp, 3, len(self.beacon_hash)]) + self.beacon_hash
        return bytes(out)

    def to_bytes(self) -> bytes:
        def lem(*ps: G1Point | G2Point) -> bytes:
            return b"".join(to_lem(p.to_bytes()) for p in ps)

        params = self._params()
        key = self.key
        return b"".join([
            lem(self.tau_g1), lem(self.tau_g2), lem(self.alpha_g1), lem(self.beta_g1), lem(self.beta_g2),
            lem(*(p for k in key.parts() for p in (k.g1_s, k.g1_sx))), lem(*(k.g2_spx for k in key.parts())),
            self.partial_hash, self.next_challenge, struct.pack("<II", self.kind, len(params)), params,
        ])

    @classmethod
    def read(cls, f: BinFile, r: Reader) -> PtauContribution:
        at = r.s.offset + r.pos

        def g1(what: str) -> G1Point:
            return G1Point.from_bytes(from_lem(f, r.raw(G1, what), what, at))

        def g2(what: str) -> G2Point:
            return G2Point.from_bytes(from_lem(f, r.raw(G2, what), what, at))

        tau_g1, tau_g2, alpha_g1, beta_g1, beta_g2 = g1("tauG1"), g2("tauG2"), g1("alphaG1"), g1("betaG1"), g2("betaG2")
        s = [g1(f"key {i}") for i in range(6)]
        t = [g2(f"key {6 + i}") for i in range(3)]
        key = PtauKey(KeyPart(s[0], s[1], t[0]), KeyPart(s[2], s[3], t[1]), KeyPart(s[4], s[5], t[2]))
        partial = bytes(r.raw(PARTIAL, "partial hash"))
        next_challenge = bytes(r.raw(64, "next challenge"))
        kind = r.u32("contribution type")
        n = r.u32("parameters length")
        params = bytes(r.raw(n, "parameters"))
        c = cls(tau_g1, tau_g2, alpha_g1, beta_g1, beta_g2, key, partial, next_challenge, kind)
        pos, last = 0, 0
        while pos < n:
            t_ = params[pos]
            if t_ <= last or t_ not in (1, 2, 3):
                raise f.error(f"contribution parameters: unknown or unsorted type {t_}", at)
            last = t_
            if t_ == 2:
                if pos + 2 > n:
                    raise f.error("contribution parameters are truncated", at)
                c.num_iterations_exp, pos = params[pos + 1], pos + 2
                continue
            if pos + 2 > n or pos + 2 + params[pos + 1] > n:
                raise f.error("contribution parameters are truncated", at)
            value = params[pos + 2 : pos + 2 + params[pos + 1]]
            if t_ == 1:
                c.name = value.decode(errors="replace")
            else:
                c.beacon_hash = value
            pos += 2 + params[pos + 1]
        if kind not in (0, 1) or (kind == 1 and (c.beacon_hash is None or c.num_iterations_exp is None)):
            raise f.error(f"contribution type {kind} is not 0 or 1 (a beacon with its parameters)", at)
        return c


@dataclass
class Ptau:
    power: int
    ceremony_power: int
    tau_g1: bytes  # canonical points, see the module docstring
    tau_g2: bytes
    alpha_tau_g1: bytes
    beta_tau_g1: bytes
    beta_g2: bytes
    contributions: list[PtauContribution] = field(default_factory=list)
    lagrange: dict[int, bytes] = field(default_factory=dict)  # sections 12..15 when prepared

    def section(self, s: int) -> bytes:
        return {2: self.tau_g1, 3: self.tau_g2, 4: self.alpha_tau_g1, 5: self.beta_tau_g1, 6: self.beta_g2}[s]

    @property
    def prepared(self) -> bool:
        return all(s in self.lagrange for s in LAGRANGE)

    def lagrange_at(self, section: int, p: int) -> bytes:
        """The 2^p Lagrange-basis points of size-2^p domain from a prepared section."""
        size = LAGRANGE[section][1]
        start = (2**p - 1) * size
        return self.lagrange[section][start : start + 2**p * size]

    # --- file I/O ----------------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        header = struct.pack("<I", 32) + Q.to_bytes(32, "little") + struct.pack("<II", self.power, self.ceremony_power)
        contributions = struct.pack("<I", len(self.contributions)) + b"".join(c.to_bytes() for c in self.contributions)
        sections = [(1, header), *((s, to_lem(self.section(s))) for s in (2, 3, 4, 5, 6)), (7, contributions)]
        sections += [(s, to_lem(self.lagrange[s])) for s in sorted(self.lagrange)]
        return build_binfile(MAGIC, 1, sections)

    def save(self, path: Path) -> None:
        write_bytes(path, self.to_bytes())

    @classmethod
    def from_bytes(cls, data: bytes, path: Path | None = None, points: bool = True) -> Ptau:
        """Parse (and, with ``points``, convert every section; without, only header and
        contributions: enough to list a transcript)."""
        f = parse_binfile(data, MAGIC, 1, path)
        h = Reader(f, f.section(1, "header"))
        n8 = h.u32("n8")
        q = h.integer(n8, "q") if n8 == 32 else None
        if n8 != 32 or q != Q:
            raise f.error("not a BN254 (bn128) powers-of-tau file: the header's prime is not BN254's q", h.s.offset)
        power, ceremony_power = h.u32("power"), h.u32("ceremony power")
        h.end()
        if not 1 <= power <= 28 or power > ceremony_power:
            raise f.error(f"power {power} (ceremony power {ceremony_power}) is out of range 1..28", h.s.offset)
        c = Reader(f, f.section(7, "contributions"))
        contributions = [PtauContribution.read(f, c) for _ in range(c.u32("the number of contributions"))]
        c.end()
        out = cls(power, ceremony_power, b"", b"", b"", b"", b"", contributions)
        if not points:
            return out
        loaded = {}
        for s, name in ((2, "tauG1"), (3, "tauG2"), (4, "alphaTauG1"), (5, "betaTauG1"), (6, "betaG2")):
            sec = f.section(s, name)
            size = G2 if s in (3, 6) else G1
            if len(sec.data) != n_points(s, power) * size:
                raise f.error(f"section {s} ({name}) holds {len(sec.data)} bytes, expected "
                              f"{n_points(s, power)} points of {size} bytes", sec.offset)
            loaded[s] = from_lem(f, sec.data, name, sec.offset)
        out.tau_g1, out.tau_g2, out.alpha_tau_g1, out.beta_tau_g1, out.beta_g2 = (loaded[s] for s in (2, 3, 4, 5, 6))
        present = [s for s in LAGRANGE if s in f.sections]
        if present and len(present) != len(LAGRANGE):
            raise f.error(f"only some of the Lagrange sections 12-15 are present ({present})")
        for s in present:
            sec = f.sections[s]
            size = LAGRANGE[s][1]
            if len(sec.data) != lagrange_points(s, power) * size:
                raise f.error(f"section {s} (Lagrange points) holds {len(sec.data)} bytes, expected "
                              f"{lagrange_points(s, power)} points of {size} bytes", sec.offset)
            out.lagrange[s] = from_lem(f, sec.data, f"Lagrange section {s}", sec.offset)
        unknown = sorted(set(f.sections) - {1, 2, 3, 4, 5, 6, 7, *LAGRANGE})
        if unknown:
            raise f.error(f"unknown sections {unknown}")
        return out

    @classmethod
    def load(cls, path: Path, points: bool = True) -> Ptau:
        path = Path(path)
        return cls.from_bytes(path.read_bytes(), path, points)
