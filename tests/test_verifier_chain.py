"""Rendered verifiers on real local chains (Anvil and Hardhat 3, hardfork pinned): gas bounds,
safety, batch verification.

Every test runs on both chains. Every gas figure is a mined transaction's gasUsed on the pinned
hardfork, compared with snarkjs's own verifier for the same key and proof, deployed to the same
node in the same run; and gasUsed must be the same on Anvil and Hardhat, to the unit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from web3.contract import Contract

from conftest import soliditycalldata
from zkml_chain.chain.chains import CHAINS, local_chain
from zkml_chain.chain.evm import Evm, Reverted
from zkml_chain.chain.gas import single_verification_budget, verification_floor
from zkml_chain.chain.gas_report import SingleRow
from zkml_chain.chain.node import LocalNode
from zkml_chain.chain.per_chain import VerifierSuite, verifier_gas
from zkml_chain.curve import G1_GENERATOR, G1Point, G2Point
from zkml_chain.field import Q, R
from zkml_chain.groth16 import ProvingKey
from zkml_chain.groth16.proof import Proof
from zkml_chain.hardfork import HARDFORK
from zkml_chain.solidity import compile_sources, render_verifier

pytestmark = [pytest.mark.chain, pytest.mark.interop]

SIZES = (1, 2, 8, 32)
BATCH_N, BATCH_ELL = 16, 8


@dataclass
class Deployed:
    """One circuit with ℓ public inputs: key, proofs, and three verifiers on chain."""

    ell: int
    pk: ProvingKey
    single: Contract
    batch: Contract
    snarkjs: Contract
    statements: list[tuple[Proof, list[int]]] = field(default_factory=list)

    def args(self, proof: Proof, public: list[int]) -> tuple[Any, ...]:
        return (*proof.verify_proof_args(), public)


@pytest.fixture(scope="module", params=list(CHAINS))
def node(request: pytest.FixtureRequest) -> Iterator[LocalNode]:
    """Each test runs once on Anvil and once on Hardhat."""
    with local_chain(request.param) as started:
        yield started


@pytest.fixture(scope="module")
def evm(node: LocalNode) -> Evm:
    return Evm(node.url)


@pytest.fixture(scope="module")
def suite() -> VerifierSuite:
    """Keys, proofs and compiled verifiers (ours and snarkjs's) for every ℓ: the same on every chain."""
    return VerifierSuite.build(SIZES, BATCH_ELL, BATCH_N)


@pytest.fixture(scope="module")
def deployed(evm: Evm, suite: VerifierSuite) -> dict[int, Deployed]:
    """For each ℓ: a key, our verifier and batch verifier, and snarkjs's verifier of the same key."""
    cases, artifacts = suite.cases, suite.artifacts
    out = {}
    for ell, case in cases.items():
        single, _ = evm.deploy(artifacts[f"Verifier{ell}"])
        batch, _ = evm.deploy(artifacts[f"BatchVerifier{ell}"])
        theirs, _ = evm.deploy(artifacts[f"Snarkjs{ell}"])
        out[ell] = Deployed(ell, case.pk, single, batch, theirs, list(case.statements))
    return out


def test_rendered_verifiers_compile_without_warnings(deployed: dict[int, Deployed]) -> None:
    sources = {"V.sol": render_verifier(deployed[2].pk.verifying_key, allow_development_key=True).source,
               "B.sol": render_verifier(deployed[2].pk.verifying_key, batch=True, allow_development_key=True).source}
    artifacts = compile_sources(sources)
    assert set(artifacts) == {"Groth16Verifier", "Groth16BatchVerifier"}
    for a in artifacts.values():
        assert a.warnings == (), a.warnings
        assert len(a.deployed_bytecode) > 2


@pytest.fixture(scope="module")
def single_gas(evm: Evm, deployed: dict[int, Deployed]) -> dict[int, SingleRow]:
    """One verification per ℓ sent as a transaction, ours and snarkjs's, same key and proof."""
    rows = {}
    for ell, d in deployed.items():
        proof, public = d.statements[0]
        fn = d.single.functions.verifyProof(*d.args(proof, public))
        assert evm.call(fn) is True
        ours = evm.send(fn)  # gas limit from eth_estimateGas
        assert ours.status == 1
        theirs_fn = d.snarkjs.functions.verifyProof(*d.args(proof, public))
        assert evm.call(theirs_fn) is True
        theirs = evm.send(theirs_fn, gas=2_000_000)  # its estimate is too low (the trap), see below
        assert theirs.status == 1
        assert theirs.calldata == ours.calldata  # same selector, same ABI: a drop-in
        rows[ell] = SingleRow(ell, ours.gas_used, theirs.gas_used, verification_floor(ell, ours.calldata),
                           single_verification_budget(ell, ours.calldata))
        print(f"\n[{HARDFORK}] ℓ={ell}: ours {ours.gas_used:,} gas (floor {rows[ell].floor:,}, "
              f"budget {rows[ell].budget:,}), snarkjs {theirs.gas_used:,}")
    return rows


@pytest.mark.parametrize("ell", SIZES)
def test_single_verification_cheaper_than_snarkjs(single_gas: dict[int, SingleRow], ell: int) -> None:
    row = single_gas[ell]
    assert row.floor <= row.ours < row.snarkjs


# Each public input needs an ecMul and an ecAdd call: 200 gas of warm STATICCALLs, ~32 gas of
# call arguments, 18 to write IC_i, 12 to load and store s_i, 15 to range-check it: ~281 gas over
# the 6,150 of the floor, against 250 in the budget. The fixed 1,500 absorbs the difference up
# to ℓ ≈ 27; at ℓ = 32 we are ~230 gas (0.05%) over. See the README's gas section.
@pytest.mark.parametrize("ell", [1, 2, 8, pytest.param(32, marks=pytest.mark.xfail(
    strict=True, reason="~281 gas per public input over the floor vs 250 budgeted: ~230 gas over at ℓ=32"))])
def test_single_verification_within_floor_budget(single_gas: dict[int, SingleRow], ell: int) -> None:
    row = single_gas[ell]
    assert row.ours <= row.budget, f"{row.ours - row.budget} gas over floor + 1,500 + 250·ℓ"


@pytest.mark.parametrize("ell", (2, 32))
def test_estimate_gas_is_a_limit_that_verifies(node: LocalNode, evm: Evm, deployed: dict[int, Deployed], ell: int) -> None:
    d = deployed[ell]
    proof, public = d.statements[1]
    fn = d.single.functions.verifyProof(*d.args(proof, public))
    estimate = evm.estimate(fn)
    assert evm.call(fn, gas=estimate) is True
    sent = evm.send(fn, gas=estimate)
    assert sent.status == 1 and sent.gas_used <= estimate
    # One gas unit less than a verification needs must revert, never answer "false".
    starved = evm.call(fn, gas=sent.gas_used - 5_000)
    assert isinstance(starved, Reverted)
    # snarkjs's verifier, for contrast: Anvil's estimate makes its pairing precompile run dry and
    # return false for a valid proof. Hardhat's estimator leaves more headroom (a few hundred gas),
    # so there the same call happens to pass: the trap is the node's luck, not the contract's.
    theirs = d.snarkjs.functions.verifyProof(*d.args(proof, public))
    if node.title == "Anvil":
        assert evm.call(theirs, gas=evm.estimate(theirs)) is False
    assert evm.call(theirs, gas=evm.send(theirs, gas=2_000_000).gas_used - 5_000) is False


def _g1(p: G1Point) -> list[int]:
    return [p.x, p.y]


@pytest.fixture(scope="module")
def two(deployed: dict[int, Deployed]) -> Deployed:
    return deployed[2]


def _verify(evm: Evm, d: Deployed, a: list[int], b: list[list[int]], c: list[int], public: list[int]) -> Any:
    return evm.call(d.single.functions.verifyProof(a, b, c, public))


def test_valid_proof_and_snarkjs_generatecall(evm: Evm, two: Deployed, snarkjs: Path, tmp_path: Path) -> None:
    proof, public = two.statements[0]
    assert _verify(evm, two, *proof.verify_proof_args(), public) is True
    # snarkjs's own calldata for the same proof is accepted unchanged (B order of generatecall).
    proof.save(tmp_path / "proof.json")
    (tmp_path / "public.json").write_text(json.dumps([str(v) for v in public]))
    args = soliditycalldata(snarkjs, tmp_path / "public.json", tmp_path / "proof.json")
    assert _verify(evm, two, *args) is True


def test_public_input_not_in_field_reverts(evm: Evm, two: Deployed) -> None:
    proof, public = two.statements[0]
    for i in range(2):
        shifted = list(public)
        shifted[i] += R  # same value mod r: must not be accepted as a second encoding
        res = _verify(evm, two, *proof.verify_proof_args(), shifted)
        assert isinstance(res, Reverted) and res.error == "PublicInputNotInField"
        assert int(res.data[10:], 16) == i
    res = _verify(evm, two, *proof.verify_proof_args(), [2**256 - 1, public[1]])
    assert isinstance(res, Reverted) and res.error == "PublicInputNotInField"


def test_malformed_points_revert(evm: Evm, two: Deployed) -> None:
    from test_native import twist_point_outside_subgroup

    proof, public = two.statements[0]
    a, b, c = proof.verify_proof_args()
    outside = twist_point_outside_subgroup().evm_words()
    off_twist = G2Point(proof.b.x, (proof.b.y[0], (proof.b.y[1] + 1) % Q)).evm_words()
    cases = {
        "A.x >= q": ([a[0] + Q, a[1]], b, c),
        "A off the curve": ([a[0], (a[1] + 1) % Q], b, c),
        "C.y >= q": (a, b, [c[0], c[1] + Q]),
        "C off the curve": (a, b, [c[0], (c[1] + 1) % Q]),
        "B coordinate >= q": (a, [[b[0][0] + Q, b[0][1]], b[1]], c),
        "B off the twist": (a, [off_twist[0:2], off_twist[2:4]], c),
        "B outside the subgroup": (a, [outside[0:2], outside[2:4]], c),
    }
    for what, (pa, pb, pc) in cases.items():
        res = _verify(evm, two, pa, pb, pc, public)
        assert isinstance(res, Reverted) and res.error == "MalformedProof", what


def test_wrong_statement_or_tampered_proof_is_false(evm: Evm, two: Deployed, deployed: dict[int, Deployed]) -> None:
    (proof, public), (other, other_public) = two.statements[0], two.statements[1]
    a, b, c = proof.verify_proof_args()
    assert _verify(evm, two, a, b, c, other_public) is False  # a proof for other inputs
    assert _verify(evm, two, a, b, c, [public[0], (public[1] + 1) % R]) is False
    assert _verify(evm, two, *other.verify_proof_args(), public) is False
    tampered_c = proof.c + G1_GENERATOR  # a valid point, the wrong one
    assert _verify(evm, two, a, b, _g1(tampered_c), public) is False
    assert _verify(evm, two, _g1(proof.a + G1_GENERATOR), b, c, public) is False
    # B in snarkjs's JSON order (real part first) instead of generatecall's: never accepted.
    swapped = [[b[0][1], b[0][0]], [b[1][1], b[1][0]]]
    res = _verify(evm, two, a, swapped, c, public)
    assert res is False or (isinstance(res, Reverted) and res.error == "MalformedProof")
    # A proof made under another key (the ℓ=2 circuit's key is not ℓ=1's) is refused.
    assert _verify(evm, two, *deployed[1].statements[0][0].verify_proof_args(), public) is False


# ---------------------------------------------------------------------------------------------
# Batch verification
# ---------------------------------------------------------------------------------------------


def _batch(evm: Evm, d: Deployed, proofs: list[list[int]], signals: list[list[int]]) -> Any:
    return evm.call(d.batch.functions.verifyBatch(proofs, signals))


def _words(d: Deployed, n: int) -> tuple[list[list[int]], list[list[int]]]:
    return [p.evm_words() for p, _ in d.statements[:n]], [list(s) for _, s in d.statements[:n]]


def test_batch_gas_per_proof(evm: Evm, deployed: dict[int, Deployed]) -> None:
    d = deployed[BATCH_ELL]
    proofs, signals = _words(d, BATCH_N)
    fn = d.batch.functions.verifyBatch(proofs, signals)
    assert evm.call(fn) is True
    sent = evm.send(fn)  # eth_estimateGas's limit
    assert sent.status == 1
    one = d.single.functions.verifyProof(*d.args(*d.statements[0]))
    single = evm.send(one).gas_used
    print(f"\n[{HARDFORK}] batch N={BATCH_N}, ℓ={BATCH_ELL}: {sent.gas_used:,} gas, "
          f"{sent.gas_used / BATCH_N:,.0f} per proof (single: {single:,})")
    assert sent.gas_used / BATCH_N <= 70_000
    assert sent.gas_used < BATCH_N * single


@pytest.mark.parametrize("n", (1, 3))
def test_batch_accepts_valid_proofs(evm: Evm, deployed: dict[int, Deployed], n: int) -> None:
    for ell in (1, 8):
        assert _batch(evm, deployed[ell], *_words(deployed[ell], n)) is True


def test_batch_rejects_one_bad_proof_or_input(evm: Evm, deployed: dict[int, Deployed]) -> None:
    d = deployed[8]
    proofs, signals = _words(d, 4)
    for i in range(4):
        bad = [list(p) for p in proofs]
        c = G1Point(bad[i][6], bad[i][7]) + G1_GENERATOR
        bad[i][6:8] = [c.x, c.y]
        assert _batch(evm, d, bad, signals) is False, f"tampered proof {i}"
        wrong = [list(s) for s in signals]
        wrong[i][3] = (wrong[i][3] + 1) % R
        assert _batch(evm, d, proofs, wrong) is False, f"wrong input in statement {i}"
    # Each proof is valid, but paired with another proof's inputs.
    assert _batch(evm, d, proofs, [signals[1], signals[0], *signals[2:]]) is False
    assert _batch(evm, d, [proofs[1], proofs[0], *proofs[2:]], signals) is False
    # The same valid proof twice with its inputs is fine; with a neighbour's inputs it is not.
    assert _batch(evm, d, [proofs[0], proofs[0]], [signals[0], signals[0]]) is True
    assert _batch(evm, d, [proofs[0], proofs[0]], [signals[0], signals[1]]) is False


def test_batch_malformed_input_reverts(evm: Evm, deployed: dict[int, Deployed]) -> None:
    d = deployed[2]
    proofs, signals = _words(d, 3)
    res = _batch(evm, d, [], [])
    assert isinstance(res, Reverted) and res.error == "EmptyBatch"
    res = _batch(evm, d, proofs, signals[:2])
    assert isinstance(res, Reverted) and res.error == "LengthMismatch"
    shifted = [list(s) for s in signals]
    shifted[2][1] += R
    res = _batch(evm, d, proofs, shifted)
    assert isinstance(res, Reverted) and res.error == "PublicInputNotInField"
    assert re.fullmatch(r"0x[0-9a-f]{8}0{63}20{63}1", res.data), res.data  # (proof 2, input 1)
    for k, what in ((1, "A off the curve"), (7, "C off the curve"), (0, "A.x >= q")):
        bad = [list(p) for p in proofs]
        bad[1][k] = bad[1][k] + Q if what.endswith(">= q") else (bad[1][k] + 1) % Q
        res = _batch(evm, d, bad, signals)
        assert isinstance(res, Reverted) and res.error == "MalformedProof", what


def test_gas_used_is_the_same_on_anvil_and_hardhat(suite: VerifierSuite) -> None:
    """Gas is the EVM's, not the node's: every figure in the README holds on both chains."""
    anvil, hardhat = verifier_gas("anvil", suite), verifier_gas("hardhat", suite)
    print(f"\n[{HARDFORK}] " + "; ".join(f"{k}: {v:,}" for k, v in anvil.items()))
    assert anvil == hardhat, {k: (anvil[k], hardhat[k]) for k in anvil if anvil[k] != hardhat.get(k)}
    assert len(anvil) == 2 * len(SIZES) + 2 and all(v > 21_000 for v in anvil.values())
