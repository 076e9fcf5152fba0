"""Groth16: completeness, soundness against tampering, binding of public inputs, key formats,
and an independent pairing check with py_ecc."""

from __future__ import annotations

import random

import pytest
from py_ecc import optimized_bn128 as ob

from zkml_chain.curve import G1_GENERATOR, G1Point
from zkml_chain.errors import FieldRangeError, PointError, ProofInputError, WitnessError
from zkml_chain.field import R
from zkml_chain.groth16 import Proof, ProvingKey, VerifyingKey, prove, setup, verify
from zkml_chain.groth16.qap import domain_size_for
from zkml_chain.samples import squaring_chain

pytestmark = pytest.mark.prove


def test_domain_includes_binding_rows():
    assert domain_size_for(5, 2) == 8
    assert domain_size_for(6, 2) == 16  # 6 + 2 + 1 rows


def test_honest_proof_verifies(chain, chain_key):
    r1cs, w = chain
    proof, public = prove(chain_key, w)
    assert public == [w[1], 1234]
    assert verify(chain_key.verifying_key, proof, public)


def test_proofs_are_randomised(chain, chain_key):
    p1, _ = prove(chain_key, chain[1])
    p2, _ = prove(chain_key, chain[1])
    assert p1 != p2  # fresh r, s per proof (zero knowledge)


def test_unconstrained_public_input_is_bound(chain, chain_key):
    """The nonce is in no constraint; the binding rows still make the proof depend on it."""
    _, w = chain
    proof, public = prove(chain_key, w)
    vk = chain_key.verifying_key
    assert vk.ic[2] != G1Point(0, 0)  # its verifying-key point is not zero
    assert not verify(vk, proof, [public[0], public[1] + 1])
    # And a witness with another nonce gives a proof for that nonce only.
    proof2, public2 = prove(chain_key, w.with_value(2, 77))
    assert public2[1] == 77 and verify(vk, proof2, public2)
    assert not verify(vk, proof2, public)


def test_tampered_proofs_and_signals_are_rejected(chain, chain_key):
    _, w = chain
    proof, public = prove(chain_key, w)
    vk = chain_key.verifying_key
    assert not verify(vk, proof, [public[0] + 1, public[1]])
    assert not verify(vk, Proof(proof.a + G1_GENERATOR, proof.b, proof.c), public)
    assert not verify(vk, Proof(proof.a, proof.b, proof.c + G1_GENERATOR), public)
    assert not verify(vk, Proof(proof.c, proof.b, proof.a), public)


def test_dishonest_witness_gives_no_valid_proof(chain, chain_key):
    """A forged output (a wire changed without re-solving) cannot be proven: the library refuses
    to return the proof (naming the broken constraint when it has the circuit), and the proof it
    would have returned does not verify."""
    r1cs, w = chain
    forged = w.with_value(1, w[1] + 1)
    with pytest.raises(WitnessError, match="does not verify"):
        prove(chain_key, forged)
    with pytest.raises(WitnessError, match="constraint"):
        prove(chain_key, forged, circuit=r1cs)
    proof, public = prove(chain_key, forged, check=False)
    assert public[0] == (w[1] + 1) % R
    assert not verify(chain_key.verifying_key, proof, public)


def test_malformed_inputs_raise(chain, chain_key):
    _, w = chain
    proof, public = prove(chain_key, w)
    vk = chain_key.verifying_key
    with pytest.raises(FieldRangeError):
        verify(vk, proof, [public[0] + R, public[1]])  # x + r: same residue, still rejected
    with pytest.raises(ProofInputError, match="1 public signals given"):
        verify(vk, proof, public[:1])
    with pytest.raises(PointError, match="pi_a"):
        verify(vk, Proof(G1Point(1, 3), proof.b, proof.c), public)
    with pytest.raises(WitnessError):
        prove(chain_key, type(w)(w.values[:-32]))


def test_zkey_roundtrip_and_development_marker(chain_key):
    data = chain_key.to_zkey()
    again = ProvingKey.from_zkey(data)
    assert again.to_zkey() == data
    assert again.development and again.verifying_key.development
    vk_json = again.verifying_key.to_snarkjs()
    assert vk_json["zkml_chain"]["development_key"] is True
    assert VerifyingKey.from_snarkjs(vk_json) == again.verifying_key
    assert again.verifying_key.phase2_problem() is not None


def test_setup_is_reproducible_only_with_a_seed(chain):
    r1cs, _ = chain
    assert setup(r1cs, rng=random.Random(3)).to_zkey() == setup(r1cs, rng=random.Random(3)).to_zkey()
    assert setup(r1cs).to_zkey() != setup(r1cs).to_zkey()


def test_independent_pairing_check_with_py_ecc():
    """Re-check one proof with py_ecc's pure-Python pairing (independent of arkworks)."""
    r1cs, w = squaring_chain(6, x0=2, nonce=9)
    pk = setup(r1cs, rng=random.Random(11))
    proof, public = prove(pk, w)
    vk = pk.verifying_key

    def g1(p: G1Point):
        return (ob.FQ(p.x), ob.FQ(p.y), ob.FQ(1))

    def g2(q):
        return (ob.FQ2(list(q.x)), ob.FQ2(list(q.y)), ob.FQ2([1, 0]))

    vk_x = g1(vk.ic[0])
    for x, ic in zip(public, vk.ic[1:]):
        vk_x = ob.add(vk_x, ob.multiply(g1(ic), x))

    def pair_product(p_a):
        f = ob.pairing(g2(proof.b), ob.neg(g1(p_a)), final_exponentiate=False)
        f *= ob.pairing(g2(vk.beta2), g1(vk.alpha1), final_exponentiate=False)
        f *= ob.pairing(g2(vk.gamma2), vk_x, final_exponentiate=False)
        f *= ob.pairing(g2(vk.delta2), g1(proof.c), final_exponentiate=False)
        return ob.final_exponentiate(f)

    assert pair_product(proof.a) == ob.FQ12.one()
    assert pair_product(proof.a + G1_GENERATOR) != ob.FQ12.one()


def test_a_key_with_a_b2_point_outside_g2_is_named_instead_of_proving(chain, chain_key):
    """A proving key's points are checked on the curve when it is loaded into the native layer,
    and in the subgroup when a proof fails: the error names the bad point. Before, the MSMs
    decoded the points unchecked and a corrupt key gave an unexplained failure."""
    from dataclasses import replace

    from conftest import with_small_torsion
    from zkml_chain.curve import G2Point
    from zkml_chain.errors import KeyMaterialError

    _, w = chain
    b2 = bytearray(chain_key.b2_query)
    at = next(i for i in range(len(b2) // 128) if any(b2[i * 128 : (i + 1) * 128]))  # a non-zero point
    b2[at * 128 : (at + 1) * 128] = with_small_torsion(G2Point.from_bytes(bytes(b2[at * 128 : (at + 1) * 128]))).to_bytes()
    bad = replace(chain_key, b2_query=bytes(b2))
    with pytest.raises(KeyMaterialError, match=rf"proving key is corrupt: proving key B2 query \(element {at}\)"):
        prove(bad, w)
    assert prove(chain_key, w)  # the good key still proves (its resident points are its own)
