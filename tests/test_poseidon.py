"""Poseidon: out of circuit equal to circomlibjs on random inputs of every width, in circuit
equal to out of circuit, and a wrong hash output rejected."""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, assert_rejects, assert_solves
from zkml_chain import poseidon as poseidon_module
from zkml_chain import poseidon_hash
from zkml_chain.cachedir import ENV_VAR
from zkml_chain.circuit import Circuit
from zkml_chain.circuit.bits import to_bits
from zkml_chain.circuit.hash import commit, commit_params, poseidon
from zkml_chain.errors import FieldRangeError
from zkml_chain.field import R
from zkml_chain.poseidon import (
    MAX_INPUTS,
    TensorLayout,
    commit_signed,
    derive_optimized_params,
    optimized_params,
    params,
    permute,
    permute_optimized_reference,
    permute_with_layers,
    signed_width,
)
from zkml_chain.poseidon import commit as commit_out

pytestmark = pytest.mark.interop

CIRCOMLIBJS = """
const {buildPoseidon} = require("circomlibjs");
const vectors = JSON.parse(require("fs").readFileSync(0, "utf8"));
buildPoseidon().then((p) => {
  console.log(JSON.stringify(vectors.map((v) => p.F.toString(p(v.map(BigInt))))));
});
"""


def test_poseidon_hash_equals_circomlibjs_for_every_width() -> None:
    rng = random.Random(2026)
    vectors = []
    for n in range(1, MAX_INPUTS + 1):
        vectors.append([rng.randrange(R) for _ in range(n)])
        vectors.append([rng.randrange(1000) for _ in range(n)])
    vectors.append([0] * 6)
    vectors.append([R - 1] * 3)
    out = subprocess.run(["node", "-e", CIRCOMLIBJS], input=json.dumps([[str(x) for x in v] for v in vectors]),
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    theirs = [int(x) for x in json.loads(out.stdout)]
    ours = [poseidon_hash(v) for v in vectors]
    assert ours == theirs


def test_poseidon_rejects_bad_input() -> None:
    with pytest.raises(FieldRangeError):
        poseidon_hash([R])
    with pytest.raises(ValueError, match="1 to 16"):
        poseidon_hash([])
    with pytest.raises(ValueError, match="1 to 16"):
        poseidon_hash(list(range(17)))


@pytest.mark.parametrize("n", [1, 2, 3, 6])
def test_in_circuit_poseidon_matches_and_a_wrong_output_is_rejected(n: int) -> None:
    rng = random.Random(n)
    vals = [rng.randrange(R) for _ in range(n)]
    c = Circuit()
    h = poseidon(c, c.private_input(vals))
    out = c.output(h, "h")
    r1cs, w = c.build()
    assert int(out.values[0]) == poseidon_hash(vals)
    assert_solves(r1cs, w)
    (wire,) = np.ravel(c.wire_index(out))
    assert_rejects(r1cs, w.with_value(int(wire), (int(out.values[0]) + 1) % R))
    # an attacker who also rewrites an S-box wire gets nowhere either
    sbox = r1cs.n_wires - 1
    assert_rejects(r1cs, w.with_value(int(wire), 12345).with_value(sbox, 777))


def test_batched_hashes_and_commitment() -> None:
    rng = np.random.default_rng(3)
    rows = rng.integers(0, 2**60, (4, 3))
    c = Circuit()
    hashes = poseidon(c, c.private_input(rows))
    assert [int(v) for v in hashes.values] == [poseidon_hash([int(x) for x in row]) for row in rows]
    features = [int(v) for v in rng.integers(-1000, 1000, 20)]
    salt = 987654321
    com = commit(c, c.private_input(features), c.private_input(salt))
    assert int(com.values[0]) == commit_out([v % R for v in features], salt)
    assert commit_out([v % R for v in features], salt + 1) != int(com.values[0])
    assert commit_out([v % R for v in features[:-1]], salt) != int(com.values[0])
    assert_solves(*c.build())


def test_witness_only_poseidon_gives_the_same_witness() -> None:
    """Proving computes only values (the R1CS is compiled); they must be the full build's."""
    witnesses = []
    for witness_only in (False, True):
        c = Circuit(witness_only=witness_only)
        x = c.private_input(np.arange(48).reshape(3, 16) * 7919)
        c.output(poseidon(c, x), "h")
        c.output(commit(c, x, c.private_input(5)), "c")
        witnesses.append((c.witness().values, c.n_wires, c.n_constraints))
    assert witnesses[0] == witnesses[1]


def test_optimized_schedule_equals_the_reference_permutation() -> None:
    """The sparse-partial-round schedule (used in circuit) is derived here, not copied: check it."""
    rng = random.Random(9)
    for n in range(1, MAX_INPUTS + 1):
        states = [[rng.randrange(R) for _ in range(n + 1)] for _ in range(2)]
        fast, _ = permute_with_layers(np.array(states, dtype=object), optimized_params(n))
        assert [list(map(int, row)) for row in fast] == [permute(st, params(n)) for st in states]


def test_the_schedule_cache_is_read_when_intact_and_derived_again_when_damaged(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """optimized_params reads its cache entry (no derivation) and gets what derivation gives; a
    damaged or truncated entry is derived again and rewritten; ZKML_CHAIN_CACHE=off writes nothing."""
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "cache"))
    n = 4
    optimized_params.cache_clear()
    derived = derive_optimized_params(n)
    assert optimized_params(n) == derived  # derived, then stored
    entry = tmp_path / "cache" / "poseidon" / f"optimized-v2-t{n + 1}.bin"
    assert entry.is_file()

    def no_derivation(_: int) -> None:
        raise AssertionError("derived although the cache holds an intact entry")

    with monkeypatch.context() as m:
        m.setattr(poseidon_module, "derive_optimized_params", no_derivation)
        optimized_params.cache_clear()
        assert optimized_params(n) == derived
    good = entry.read_bytes()
    for damaged in (good[:-1] + bytes([good[-1] ^ 1]), good[: len(good) // 2], b""):
        entry.write_bytes(damaged)
        optimized_params.cache_clear()
        assert optimized_params(n) == derived
        assert entry.read_bytes() == good
    monkeypatch.setenv(ENV_VAR, "off")
    optimized_params.cache_clear()
    assert optimized_params(n + 1) == derive_optimized_params(n + 1)
    assert not (tmp_path / "cache" / "poseidon" / f"optimized-v2-t{n + 2}.bin").exists()
    optimized_params.cache_clear()


def _reference_with_layers(states: list[list[int]], o: object) -> tuple[list[list[int]], list[list[int]]]:
    """The Python schedule's permuted states and every recorded S-box layer, as lists of ints."""
    layers: list[list[int]] = []
    final = permute_optimized_reference(np.array(states, dtype=object), o,
                                        lambda *layer: layers.extend([list(map(int, x.ravel())) for x in layer]))
    return [list(map(int, row)) for row in final], layers


def test_native_permutation_and_its_sbox_layers_equal_the_python_reference() -> None:
    """The native kernel (used for witnesses) against the Python schedule, layer by layer: every
    width, batches of 1 and 3, zero and r - 1 states."""
    rng = random.Random(10)
    for n in range(1, MAX_INPUTS + 1):
        o = optimized_params(n)
        for states in ([[rng.randrange(R) for _ in range(n + 1)] for _ in range(3)], [[0] * (n + 1)],
                       [[R - 1] * (n + 1)]):
            fast, fast_layers = permute_with_layers(np.array(states, dtype=object), o)
            slow, slow_layers = _reference_with_layers(states, o)
            assert [list(map(int, row)) for row in fast] == slow
            assert len(slow_layers) == 3 * (8 + o.partial_rounds)  # x², x⁴, x⁵ of every round
            assert list(map(int, fast_layers)) == [v for layer in slow_layers for v in layer]  # in wire order


def test_packed_commitment_matches_and_binds_each_value() -> None:
    """commit_params over the parameters' range-check bits equals commit_signed out of circuit, and
    a witness that moves 2^w from one value into its neighbour (the same packed integer if values
    were packed without range checks) is rejected."""
    rng = np.random.default_rng(11)
    tensors = [rng.integers(-1500, 1500, (8, 5)), rng.integers(-(2**17), 2**17, 5), np.zeros((3, 1, 1), dtype=np.int64)]
    c = Circuit()
    wires, bits, layout = [], [], []
    for t in tensors:
        w = signed_width(t.ravel())
        x = c.private_input(t)
        wires.append(x)
        layout.append(TensorLayout(t.shape, w))
        bits.append(to_bits(c, x + (1 << (w - 1)), w, "param").flatten())
    out = c.output(commit_params(c, c.concatenate(bits), layout, c.constant(0)), "model_commitment")
    expected = commit_signed(tensors, 0)
    assert int(out.values[0]) == expected
    assert commit_signed([tensors[0][::-1], *tensors[1:]], 0) != expected
    r1cs, w = c.build()
    assert_solves(r1cs, w)
    first, second = (int(i) for i in np.ravel(c.wire_index(wires[0]))[:2])
    shift = 1 << signed_width(tensors[0].ravel())
    assert_rejects(r1cs, w.with_value(first, (w[first] + shift) % R).with_value(second, (w[second] - 1) % R))
