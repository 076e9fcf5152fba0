"""The proving key used in place from its .zkey (native/src/zkey.rs via groth16/mapped.py): the
same proofs as the in-memory key; a corrupt structure named on opening, a corrupt point when the
proof it spoils fails the prover's own check."""

from __future__ import annotations

import random
import struct
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import flip_point, zkey_section
from zkml_chain.errors import FileFormatError, KeyMaterialError
from zkml_chain.field import R, to_bytes
from zkml_chain.groth16 import ProvingKey, prove, verify
from zkml_chain.groth16.mapped import MappedProvingKey

pytestmark = pytest.mark.prove

QUERIES = ("a", "b1", "b2", "c", "h")


@pytest.fixture
def zkey(tmp_path: Path, chain_key: ProvingKey) -> Path:
    path = tmp_path / "circuit.zkey"
    path.write_bytes(chain_key.to_zkey())
    return path


def test_the_mapped_key_proves_exactly_as_the_in_memory_key(zkey: Path, chain, chain_key: ProvingKey) -> None:
    _, w = chain
    mapped = MappedProvingKey.load(zkey)
    assert (mapped.n_vars, mapped.n_public, mapped.domain_size) == (chain_key.n_vars, chain_key.n_public,
                                                                    chain_key.domain_size)
    assert mapped.verifying_key == chain_key.verifying_key and mapped.development
    assert mapped.h_evaluations(w.values) == chain_key.h_evaluations(w.values)
    rng = random.Random(5)
    scalars = to_bytes([rng.randrange(R) for _ in range(chain_key.domain_size)])
    for q in QUERIES:
        n = len(getattr(chain_key.resident, q))
        assert mapped.msm(q, scalars[: n * 32]) == chain_key.msm(q, scalars[: n * 32], "arkworks"), q
    # skip: the C query over the witness's private tail, without the caller copying it
    private = chain_key.n_public + 1
    assert mapped.msm("c", w.values, skip=private) == chain_key.msm("c", w.values[private * 32 :])
    assert mapped.msm("c", w.values, skip=private) == chain_key.msm("c", w.values, skip=private)
    with pytest.raises(ValueError, match="past the scalars"):
        mapped.msm("a", w.values, skip=len(w) + 1)
    # the same randomness gives the same proof
    p1, pub1 = prove(mapped, w, rng=random.Random(9))
    p2, pub2 = prove(chain_key, w, rng=random.Random(9))
    assert (p1, pub1) == (p2, pub2) and verify(mapped.verifying_key, p1, pub1)


def test_the_fused_msms_equal_arkworks_msm_by_msm(zkey: Path, chain, chain_key: ProvingKey) -> None:
    """One native call computes h and all five MSMs with shared digits and one task list; each sum
    must equal arkworks' MSM of the same query, for witnesses of every shape."""
    _, w = chain
    mapped = MappedProvingKey.load(zkey)
    rng = random.Random(11)
    n = chain_key.n_vars
    shapes = {
        "the chain's witness": w.values,
        "random wires": to_bytes([1] + [rng.randrange(R) for _ in range(n - 1)]),
        "bits (skewed digits)": to_bytes([1] + [rng.randrange(2) for _ in range(n - 1)]),
        "r - 1 everywhere": to_bytes([1] + [R - 1] * (n - 1)),
        "only the constant wire": to_bytes([1] + [0] * (n - 1)),
    }
    for name, values in shapes.items():
        assert mapped.proof_msms(values) == chain_key.proof_msms(values, "arkworks"), name
    with pytest.raises(ValueError, match="the key expects"):
        mapped.proof_msms(w.values[:-32])


def test_a_dishonest_witness_gives_no_proof_with_the_mapped_key(zkey: Path, chain) -> None:
    from zkml_chain.errors import WitnessError

    _, w = chain
    values = bytearray(w.values)
    values[5 * 32] ^= 1  # an intermediate square, off by one
    with pytest.raises(WitnessError):
        prove(MappedProvingKey.load(zkey), type(w)(bytes(values)))


@pytest.mark.parametrize(
    ("corrupt", "message"),
    [
        (lambda d: d[:-7], "truncated|trailing|holds"),
        (lambda d: b"zkex" + d[4:], "not a .zkey file"),
        (lambda d: _coefficient(d, 0, wire=10**6), "section 4: coefficient 0 lies outside"),
        (lambda d: _coefficient(d, 1, matrix=2), "section 4: coefficient 1 lies outside"),
    ],
)
def test_a_corrupt_file_is_named_on_opening(tmp_path: Path, zkey: Path, corrupt, message: str) -> None:
    bad = tmp_path / "bad.zkey"
    bad.write_bytes(corrupt(zkey.read_bytes()))
    with pytest.raises(FileFormatError, match=message) as e:
        MappedProvingKey.load(bad)
    assert str(bad) in str(e.value)


@pytest.mark.parametrize(
    ("sid", "index", "size", "message"),
    [
        (5, 3, 64, r"section 5 \(A\): point 3 is not a valid curve point"),
        (7, 2, 128, r"section 7 \(B2\): point 2 is not a valid curve point"),
        (9, 0, 64, r"section 9 \(H\): point 0 is not a valid curve point"),
    ],
)
def test_a_point_off_its_curve_gives_no_proof_and_is_named(tmp_path: Path, zkey: Path, chain, sid: int, index: int,
                                                            size: int, message: str) -> None:
    """Opening does not scan the points (it cost 0.13 s at 2^18); the proof a bad point spoils
    fails the prover's own verification, which then names the point."""
    _, w = chain
    bad = tmp_path / "bad.zkey"
    bad.write_bytes(flip_point(zkey.read_bytes(), sid, index, size))
    key = MappedProvingKey.load(bad)
    with pytest.raises(KeyMaterialError, match=message) as e:
        prove(key, w)
    assert str(bad) in str(e.value)


def _coefficient(data: bytes, index: int, *, wire: int | None = None, matrix: int | None = None) -> bytes:
    off, _ = zkey_section(data, 4)
    at = off + 4 + index * 44
    out = bytearray(data)
    if matrix is not None:
        out[at : at + 4] = struct.pack("<I", matrix)
    if wire is not None:
        out[at + 8 : at + 12] = struct.pack("<I", wire)
    return bytes(out)


def test_a_b2_point_outside_g2_is_named_when_the_proof_fails(tmp_path: Path, chain, chain_key: ProvingKey) -> None:
    from conftest import with_small_torsion
    from zkml_chain.curve import G2Point

    _, w = chain
    b2 = bytearray(chain_key.b2_query)
    at = next(i for i in range(len(b2) // 128) if any(b2[i * 128 : (i + 1) * 128]))
    b2[at * 128 : (at + 1) * 128] = with_small_torsion(G2Point.from_bytes(bytes(b2[at * 128 : (at + 1) * 128]))).to_bytes()
    path = tmp_path / "torsion.zkey"
    path.write_bytes(replace(chain_key, b2_query=bytes(b2)).to_zkey())
    with pytest.raises(KeyMaterialError, match=rf"proving key B2 query \(element {at}\)"):
        prove(MappedProvingKey.load(path), w)
