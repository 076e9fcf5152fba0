"""What a ceremony must reproduce from snarkjs 0.7.6 bit for bit: its hashes, keys and encodings.

A powers-of-tau transcript is a chain of BLAKE2b hashes over points in ffjavascript's byte forms,
and each contribution's proof of knowledge checks its secret against a G2 point *hashed* from the
transcript with ffjavascript's ChaCha sampling. Keys derived from a beacon are sampled the same
way. This module holds those definitions (the hot parts are native: ceremony.rs); the ceremony
steps are in :mod:`.phase1` and :mod:`.phase2`.
"""

from __future__ import annotations

import hashlib
import secrets
import struct
from dataclasses import dataclass

from .. import _native
from ..curve import G1_GENERATOR, G2_GENERATOR, G1Point, G2Point, pairing_product_is_one
from ..field import R

Blake2b = _native.Blake2b
HASH_BYTES = 64
G1_U, G2_U = 64, 128  # uncompressed sizes
G1_C, G2_C = 32, 64  # compressed sizes


def blake2b(*parts: bytes) -> bytes:
    h = hashlib.blake2b(digest_size=HASH_BYTES)
    for p in parts:
        h.update(p)
    return h.digest()


BLANK_HASH = blake2b()


def uncompressed(points: bytes, g2: bool) -> bytes:
    """ffjavascript's uncompressed form of canonical points (big-endian; G2 imaginary part first)."""
    return _native.ffjs_uncompressed(points, g2)


def compressed(points: bytes, g2: bool) -> bytes:
    return _native.ffjs_compressed(points, g2)


def format_hash(h: bytes, title: str | None = None) -> str:
    """A 64-byte hash as snarkjs prints it: four lines of four big-endian u32 words."""
    words = struct.unpack(">16I", h)
    lines = ["\t\t" + " ".join(f"{w:08x}" for w in words[4 * i : 4 * i + 4]) for i in range(4)]
    return "\n".join(([title] if title else []) + lines)


def seed_words(h: bytes) -> list[int]:
    """ChaCha seed from a hash: its first 32 bytes as eight big-endian u32 words."""
    return list(struct.unpack(">8I", h[:32]))


def hash_to_g2(h: bytes) -> G2Point:
    """keypair.hashToG2: a G2 point sampled by ffjavascript's ChaCha seeded with ``h``."""
    return G2Point.from_bytes(_native.FfjsRng(seed_words(h)).g2())


def rng_from_entropy(entropy: str) -> _native.FfjsRng:
    """misc.getRandomRng: BLAKE2b(64 bytes from the OS || the entropy text) seeds the ChaCha."""
    return _native.FfjsRng(seed_words(blake2b(secrets.token_bytes(64), entropy.encode())))


def rng_from_beacon(beacon: bytes, num_iterations_exp: int) -> _native.FfjsRng:
    """misc.rngFromBeaconParams: SHA-256 iterated 2^exp times over the beacon, then ChaCha."""
    h = beacon
    for _ in range(1 << num_iterations_exp):
        h = hashlib.sha256(h).digest()
    return _native.FfjsRng(seed_words(h))


# --- powers-of-tau keys: a contribution's proof of knowledge ------------------------------------


@dataclass(frozen=True)
class KeyPart:
    """One secret's public key: g1_s random, g1_sx = x·g1_s, g2_spx = x·g2_sp where g2_sp is
    hashed from the transcript (so the contributor cannot choose it)."""

    g1_s: G1Point
    g1_sx: G1Point
    g2_spx: G2Point


@dataclass(frozen=True)
class PtauKey:
    tau: KeyPart
    alpha: KeyPart
    beta: KeyPart

    def parts(self) -> tuple[KeyPart, KeyPart, KeyPart]:
        return self.tau, self.alpha, self.beta

    def uncompressed(self) -> bytes:
        """toPtauPubKeyRpr (not Montgomery): the six G1 points, then the three G2 points."""
        g1 = b"".join(p.to_bytes() for k in self.parts() for p in (k.g1_s, k.g1_sx))
        g2 = b"".join(k.g2_spx.to_bytes() for k in self.parts())
        return uncompressed(g1, False) + uncompressed(g2, True)


def g2_sp(personalization: int, challenge: bytes, g1_s: G1Point, g1_sx: G1Point) -> G2Point:
    """keypair.getG2sp: the G2 point a key part's secret is checked against."""
    return hash_to_g2(blake2b(bytes([personalization]), challenge,
                              uncompressed(g1_s.to_bytes() + g1_sx.to_bytes(), False)))


def create_ptau_key(challenge: bytes, rng: _native.FfjsRng) -> tuple[PtauKey, tuple[int, int, int]]:
    """keypair.createPTauKey: (public key, (tau, alpha, beta)). The secrets are drawn first, then
    each part's g1_s, in snarkjs's order, so a beacon's key is reproducible."""
    secrets_ = tuple(int.from_bytes(rng.fr(), "little") for _ in range(3))
    parts = []
    for personalization, x in enumerate(secrets_):
        g1_s = G1Point.from_bytes(rng.g1())
        g1_sx = g1_s * x
        parts.append(KeyPart(g1_s, g1_sx, g2_sp(personalization, challenge, g1_s, g1_sx) * x))
    tau, alpha, beta = secrets_
    return PtauKey(parts[0], parts[1], parts[2]), (tau, alpha, beta)


def same_ratio(a1: G1Point, b1: G1Point, a2: G2Point, b2: G2Point) -> bool:
    """misc.sameRatio: e(a1, b2) = e(b1, a2), i.e. b1/a1 = b2/a2 as discrete logs; no point may
    be the identity."""
    if a1.is_infinity or b1.is_infinity or a2.is_infinity or b2.is_infinity:
        return False
    return pairing_product_is_one([(a1, b2), (-b1, a2)])


def first_challenge(power: int) -> bytes:
    """calculateFirstChallengeHash: BLAKE2b of the blank hash and a fresh file's points (all
    generators), uncompressed."""
    g1 = uncompressed(G1_GENERATOR.to_bytes(), False)
    g2 = uncompressed(G2_GENERATOR.to_bytes(), True)
    h = hashlib.blake2b(digest_size=HASH_BYTES)
    h.update(BLANK_HASH)
    block = 1 << 14

    def repeat(p: bytes, n: int) -> None:
        chunk = p * block
        for _ in range(n // block):
            h.update(chunk)
        h.update(p * (n % block))

    repeat(g1, 2 ** (power + 1) - 1)
    repeat(g2, 2**power)
    repeat(g1, 2**power)
    repeat(g1, 2**power)
    h.update(g2)
    return h.digest()


def scalar_bytes(x: int) -> bytes:
    return (x % R).to_bytes(32, "little")
