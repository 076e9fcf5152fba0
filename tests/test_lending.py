"""The flagship: private credit-score lending on real local chains, Anvil and Hardhat 3 (hardfork pinned).

German Credit models trained here, compiled with an attested input and the claim
p(good) >= threshold bound to (borrower, the pool's domain, nonce); the contracts in contracts/ with
OpenZeppelin from npm. Every attack must fail to borrow and leave every balance, debt and nonce
unchanged; a soundness test forges a witness for a below-threshold applicant.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, assert_rejects, run
from zkml_chain.chain.chains import CHAINS, local_chain
from zkml_chain.chain.evm import Evm
from zkml_chain.errors import ProofInputError, WitnessError
from zkml_chain.field import R
from zkml_chain.files import read_json
from zkml_chain.groth16 import Proof, prove, verify
from zkml_chain.lending.features import CATEGORIES, FEATURE_NAMES, encode, load
from zkml_chain.lending.per_chain import lending_gas
from zkml_chain.lending.signals import POOL_SIGNALS, SOLIDITY_FILE, PoolSignals
from zkml_chain.lending.stack import (
    CLAIM,
    CONTRACTS,
    VISIBILITY,
    Prover,
    Stack,
    deploy_stack,
    input_commitment,
    pool_domain,
)
from zkml_chain.lending.train import circuit_scores, split
from zkml_chain.onnx.artifact import CIRCUIT_JSON, SignalLayout
from zkml_chain.onnx.assemble import build
from zkml_chain.poseidon import commit

pytestmark = [pytest.mark.chain]
ZKML = ROOT / ".venv" / "bin" / "zkml-chain"
POLICY = 0.6
LOAN = 100 * 10**18
LIQUIDITY = 1_000_000 * 10**18


# --- features and models --------------------------------------------------------------------


def test_encoding_is_integers_one_indicator_per_attribute() -> None:
    ds = load()
    assert ds.features.shape == (1000, len(FEATURE_NAMES)) == (1000, 55)
    assert ds.features.dtype == np.int64
    assert np.all(ds.features[:, 7:].sum(axis=1) == len(CATEGORIES))
    assert not any("sex" in n or "foreign" in n for n in FEATURE_NAMES)
    bad = dict(ds.rows[0], purpose="yacht")
    with pytest.raises(ProofInputError, match="purpose"):
        encode(bad)


@pytest.fixture(scope="module")
def models(lending_models: Path) -> Path:
    return lending_models


def test_trained_models_score_in_german_credits_usual_range(models: Path) -> None:
    import json

    report = json.loads((models / "report.json").read_text())
    for name in ("lr", "mlp", "gbdt", "rf"):
        assert report["models"][name]["float"]["auc"] > 0.78  # German Credit's usual range: 0.75-0.82
    # boosted trees: the strongest model here, as in credit scoring generally
    assert report["models"]["gbdt"]["float"]["auc"] > max(report["models"][n]["float"]["auc"] for n in ("lr", "mlp"))


def test_train_credit_command_reports_float_and_circuit_scores(tmp_path: Path) -> None:
    import json

    r = run([ZKML, "train-credit", "--out", tmp_path, "--scale", "10"])
    assert r.returncode == 0, r.stderr
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["features"] == list(FEATURE_NAMES) and metrics["test"] == 300
    for name in ("lr", "mlp", "gbdt", "rf"):
        m = metrics["models"][name]
        assert m["circuit"]["scale_bits"] == 10 and abs(m["circuit"]["auc"] - m["float"]["auc"]) < 0.01
        assert (tmp_path / f"{name}.onnx").read_bytes()[:2] != b""
    assert "circuit AUC" in r.stdout


def test_quantized_models_score_like_the_float_ones(models: Path) -> None:
    ds = load()
    _, test = split(ds)
    for name in ("lr", "mlp"):
        s8, err8 = circuit_scores(models / f"{name}.onnx", ds, test, 8)
        s12, err12 = circuit_scores(models / f"{name}.onnx", ds, test, 12)
        assert err12 < 0.002 and err12 < err8  # a finer scale tracks onnxruntime more closely
        assert s12.auc > 0.78 and abs(s12.accuracy - s8.accuracy) < 0.02


def test_tree_models_decide_every_held_out_applicant_as_onnxruntime(models: Path) -> None:
    """The pool's decision (p(good) >= 0.5 here, >= the policy on chain) from the circuit's integer
    model equals onnxruntime's for all 300 held-out applicants, for both tree models at scale 12."""
    from zkml_chain.lending.train import circuit_p_good

    ds = load()
    _, test = split(ds)
    for name in ("gbdt", "rf"):
        ours = circuit_p_good(models / f"{name}.onnx", ds.features[test], 12)
        theirs = _scores(models / f"{name}.onnx", ds.features[test])
        for cut in (0.5, POLICY):
            assert np.array_equal(ours >= cut, theirs >= cut), (name, cut)
        assert np.abs(ours - theirs).max() < 0.005, name  # 100 trees, each leaf rounded to 2^-13


# --- the chain ---------------------------------------------------------------------------------


@dataclass
class World:
    evm: Evm
    stack: Stack
    prover: Prover
    other: Prover  # the LR model: compiled and set up, never registered for the pool
    owner: str
    attester: str
    alice: str  # a good applicant
    bob: str  # another good applicant
    carol: str  # a bad applicant
    good: np.ndarray
    good2: np.ndarray
    bad: np.ndarray

    def chain_id(self) -> int:
        return int(self.evm.w3.eth.chain_id)

    def domain(self) -> int:
        return self.stack.domain()

    def now(self) -> int:
        return int(self.evm.w3.eth.get_block("latest")["timestamp"])

    def attest(self, who: str, features: np.ndarray, salt: int, ttl: int = 86_400) -> None:
        self.stack.attest(self.attester, who, input_commitment(features, salt), self.now() + ttl)

    def state(self) -> tuple:
        s = self.stack
        people = (self.alice, self.bob, self.carol)
        return (s.balance(s.pool.address), *(s.balance(p) for p in people),
                *(tuple(s.pool.functions.accounts(p).call()) for p in people))


@pytest.fixture(scope="module", params=list(CHAINS))
def world(request: pytest.FixtureRequest, models: Path, lending_circuits: dict[str, Path]) -> Iterator[World]:
    """The deployed stack and three applicants; every test using it runs on Anvil and on Hardhat."""
    prover, other = Prover(lending_circuits["mlp"]), Prover(lending_circuits["lr"])
    ds = load()
    p_good = _scores(models / "mlp.onnx", ds.features)
    good_rows = np.flatnonzero(p_good > POLICY + 0.1)
    bad_row = int(np.flatnonzero(p_good < POLICY - 0.2)[0])
    with local_chain(request.param) as node:
        evm = Evm(node.url)
        owner, attester, alice, bob, carol = evm.w3.eth.accounts[:5]
        stack = deploy_stack(evm, prover, min_score=POLICY, max_debt=10 * LOAN, liquidity=LIQUIDITY,
                             attester=attester, model_name="german-credit-mlp", model_version="1.0.0",
                             allow_development_key=True)
        yield World(evm, stack, prover, other, owner, attester, alice, bob, carol, ds.features[good_rows[0]],
                    ds.features[good_rows[1]], ds.features[bad_row])


def _scores(model: Path, features: np.ndarray) -> np.ndarray:
    import onnxruntime as ort

    sess = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    return sess.run(["probabilities"], {"features": features.astype(np.float32)})[0][:, 1]


def assert_no_borrow(w: World, who: str, proof: Proof, public: list[int], error: str) -> None:
    """The borrow reverts with ``error`` (eth_call), a mined attempt fails, and nothing moves."""
    before = w.state()
    assert w.stack.borrow_error(who, LOAN, proof, public) == error
    sent = w.stack.borrow(who, LOAN, proof, public, gas=1_000_000)
    assert sent.status == 0
    assert w.state() == before


def test_public_signals_and_commitments(world: World) -> None:
    info = read_json(world.prover.folder / CIRCUIT_JSON, "circuit.json")
    assert sorted(e["name"] for e in info["public_signals"]) == sorted(POOL_SIGNALS)
    proof, public = world.prover.prove(world.good, 42, POLICY, world.alice, world.domain(), 0)
    at = {name: public[world.prover.signals.index(name)] for name in POOL_SIGNALS}  # by name, never by position
    assert at["model_commitment"] == int(info["model_commitment"]) == world.stack.pool.functions.modelCommitment().call()
    assert at["features.commitment"] == commit([int(v) for v in world.good], 42)  # the attester's, out of circuit
    assert at["threshold"] == round(POLICY * 2**12) and at["borrower"] == int(world.alice, 16)
    assert at["domain"] == world.domain() == pool_domain(world.chain_id(), world.stack.pool.address)
    assert at["nonce"] == 0
    assert verify(world.prover.verifying_key, proof, public)
    # only the decision is public: no signal carries the score, the features or the weights
    assert len(public) == len(POOL_SIGNALS)


def test_the_pool_reads_each_signal_where_the_compiled_circuit_puts_it(world: World) -> None:
    """contracts/LendingSignals.sol (what Ape compiles and the package ships) is the file rendered
    from the compiled lending circuit's layout; a layout in another order renders other positions."""
    signals = world.prover.signals
    assert (CONTRACTS / SOLIDITY_FILE).read_text() == signals.solidity()
    for name, constant in POOL_SIGNALS.items():
        assert f"uint256 constant {constant} = {signals.index(name)};" in signals.solidity()
    reversed_layout = SignalLayout.from_json([{**e, "index": i} for i, e in
                                              enumerate(reversed(signals.layout.to_json()))])
    moved = PoolSignals(reversed_layout).solidity()
    assert "uint256 constant SIGNAL_NONCE = 0;" in moved and "uint256 constant SIGNAL_MODEL_COMMITMENT = 5;" in moved


def test_below_threshold_applicant_cannot_prove(world: World) -> None:
    with pytest.raises(ProofInputError, match="below the threshold"):
        world.prover.prove(world.bad, 7, POLICY, world.carol, world.domain(), 0)


def test_forged_witness_for_a_below_threshold_applicant_is_rejected(world: World) -> None:
    """Build the bad applicant's honest witness at threshold 0, then claim the policy threshold:
    the constraints reject it, and the proof made from it fails on chain."""
    model = world.prover.model
    publics = {"threshold": 0.0, "borrower": int(world.carol, 16), "domain": world.domain(), "nonce": 0}
    built = build(model.graph, model.plan, VISIBILITY, {"features": world.bad.reshape(model.graph.inputs["features"])},
                  99, claim=CLAIM, publics=publics)
    assert built.r1cs is not None
    forged = built.witness.with_value(world.prover.signals.wire("threshold"), world.prover.threshold_signal(POLICY))
    assert_rejects(built.r1cs, forged)
    world.attest(world.carol, world.bad, 99)
    with pytest.raises(WitnessError):
        prove(world.prover.pk, forged)  # the library refuses to hand on a proof that does not verify
    proof, public = prove(world.prover.pk, forged, check=False)
    assert public[world.prover.signals.index("threshold")] == world.prover.threshold_signal(POLICY)
    assert_no_borrow(world, world.carol, proof, public, "InvalidProof")


def test_borrow_then_every_replay_and_tampering_fails_then_repay(world: World) -> None:
    w = world
    w.attest(w.alice, w.good, 1111)
    proof, public = w.prover.prove(w.good, 1111, POLICY, w.alice, w.domain(), 0)
    before = w.state()
    sent = w.stack.borrow(w.alice, LOAN, proof, public)
    assert sent.status == 1
    assert w.stack.balance(w.alice) == before[1] + LOAN and w.stack.balance(w.stack.pool.address) == before[0] - LOAN
    assert w.stack.pool.functions.accounts(w.alice).call() == [LOAN, 1]

    assert_no_borrow(w, w.alice, proof, public, "WrongNonce")  # replay
    w.attest(w.bob, w.good2, 3333)  # Bob is a legitimate, attested borrower himself
    assert_no_borrow(w, w.bob, proof, public, "WrongBorrower")  # front-running: he sends Alice's proof
    k = 0x1234567
    malleated = Proof(proof.a * k, proof.b * pow(k, -1, R), proof.c)  # re-randomised: still valid
    assert malleated != proof and verify(w.prover.verifying_key, malleated, public)
    assert_no_borrow(w, w.alice, malleated, public, "WrongNonce")

    fresh, fresh_public = w.prover.prove(w.good, 1111, POLICY, w.alice, w.domain(), 1)
    tampered = Proof(fresh.a, fresh.b, -fresh.c)  # a valid point, the wrong one
    assert_no_borrow(w, w.alice, tampered, fresh_public, "InvalidProof")
    wrapped = list(fresh_public)
    wrapped[w.prover.signals.index("threshold")] += R  # threshold + r: the same field element, not below the policy
    assert_no_borrow(w, w.alice, fresh, wrapped, "revert")  # the verifier's PublicInputNotInField
    assert w.stack.borrow_error(w.alice, LOAN, fresh, wrapped) == "revert"
    low, low_public = w.prover.prove(w.good, 1111, POLICY - 0.1, w.alice, w.domain(), 1)
    assert_no_borrow(w, w.alice, low, low_public, "ThresholdBelowPolicy")
    other_chain, oc_public = w.prover.prove(w.good, 1111, POLICY, w.alice,
                                            pool_domain(w.chain_id() + 1, w.stack.pool.address), 1)
    assert_no_borrow(w, w.alice, other_chain, oc_public, "WrongDomain")

    second = w.stack.borrow(w.alice, LOAN, fresh, fresh_public)  # the fresh nonce works
    assert second.status == 1 and w.stack.pool.functions.accounts(w.alice).call() == [2 * LOAN, 2]

    pool_before_loans = before[0]
    w.stack.repay(w.alice, 2 * LOAN)
    assert w.stack.balance(w.stack.pool.address) == pool_before_loans
    assert w.stack.pool.functions.accounts(w.alice).call() == [0, 2]


def test_attestation_must_be_current_unexpired_and_own(world: World) -> None:
    w = world
    w.attest(w.bob, w.good2, 5)
    stale, stale_public = w.prover.prove(w.good2, 5, POLICY, w.bob, w.domain(), 0)
    w.attest(w.bob, w.good2, 6)  # the bureau re-issues (new salt): the old commitment is stale
    assert_no_borrow(w, w.bob, stale, stale_public, "AttestationMismatch")

    # foreign: Bob proves from Alice's attested record (he learnt it and its salt)
    w.attest(w.alice, w.good, 2222)
    foreign, foreign_public = w.prover.prove(w.good, 2222, POLICY, w.bob, w.domain(), 0)
    assert_no_borrow(w, w.bob, foreign, foreign_public, "AttestationMismatch")

    # a model that is not this pool's: the LR circuit, set up and proved honestly
    other, other_public = w.other.prove(w.good2, 6, POLICY, w.bob, w.domain(), 0)
    assert other_public[w.other.signals.index("model_commitment")] != w.prover.model_commitment
    assert_no_borrow(w, w.bob, other, other_public, "WrongModel")

    # expired: an attestation valid for 60 s, a minute and a half later
    proof, public = w.prover.prove(w.good2, 7, POLICY, w.bob, w.domain(), 0)
    w.attest(w.bob, w.good2, 7, ttl=60)
    assert w.stack.borrow_error(w.bob, LOAN, proof, public) is None  # valid now
    w.evm.w3.provider.make_request("evm_increaseTime", [90])
    w.evm.w3.provider.make_request("evm_mine", [])
    assert_no_borrow(w, w.bob, proof, public, "NoValidAttestation")


def test_borrow_gas_against_a_bare_verification(world: World) -> None:
    """borrow() costs at most 60,000 gas more than verifying the same proof in a transaction,
    for a borrower already known to the pool; the first loan of a fresh address pays for two
    new storage slots (its account, its token balance) on top, and is reported, not bounded."""
    w = world
    dave = w.evm.w3.eth.accounts[5]
    w.attest(dave, w.good2, 31)
    first, first_public = w.prover.prove(w.good2, 31, POLICY, dave, w.domain(), 0)
    bare = w.stack.verify_as_transaction(first, first_public).gas_used
    sent_first = w.stack.borrow(dave, LOAN, first, first_public)
    second, second_public = w.prover.prove(w.good2, 31, POLICY, dave, w.domain(), 1)
    bare2 = w.stack.verify_as_transaction(second, second_public).gas_used
    sent_second = w.stack.borrow(dave, LOAN, second, second_public)
    assert sent_first.status == sent_second.status == 1
    print(f"\nbare verification {bare:,} gas; borrow (first loan) {sent_first.gas_used:,} "
          f"(+{sent_first.gas_used - bare:,}); borrow (repeat) {sent_second.gas_used:,} (+{sent_second.gas_used - bare2:,})")
    assert sent_second.gas_used - bare2 <= 60_000
    # the first loan differs by exactly two zero-to-non-zero SSTOREs (20,000 instead of 2,900, EIP-2200)
    assert (sent_first.gas_used - bare) - (sent_second.gas_used - bare2) == 2 * (20_000 - 2_900)


def test_lending_gas_is_the_same_on_anvil_and_hardhat(models: Path, lending_circuits: dict[str, Path]) -> None:
    """Deploy, register, attest, borrow and repay cost the same gas, to the unit, on both chains."""
    prover, ds = Prover(lending_circuits["mlp"]), load()
    good = ds.features[int(np.flatnonzero(_scores(models / "mlp.onnx", ds.features) > POLICY + 0.1)[0])]
    anvil, proofs = lending_gas("anvil", prover, good, min_score=POLICY, loan=LOAN, liquidity=LIQUIDITY)
    hardhat, _ = lending_gas("hardhat", prover, good, min_score=POLICY, loan=LOAN, liquidity=LIQUIDITY, proofs=proofs)
    print("\n" + "; ".join(f"{k}: {v:,}" for k, v in anvil.items()))
    assert anvil == hardhat, {k: (anvil[k], hardhat[k]) for k in anvil if anvil[k] != hardhat.get(k)}
    assert anvil["CreditLendingPool.borrow (first loan)"] > anvil["CreditLendingPool.borrow (repeat)"]


def test_cli_compiles_and_proves_a_threshold_claim(models: Path, tmp_path: Path) -> None:
    """The same capability through the generic commands, with their refusals (exit 2, no files)."""
    import json

    d = tmp_path / "lr"
    common = [ZKML, "compile", models / "lr.onnx", "--out", d, "--scale", "10", "--calibration",
              models / "calibration.json", "--input-visibility", "attested", "--threshold", "probabilities:1"]
    r = run([*common, "--output-visibility", "public"])
    assert r.returncode == 2 and "outputs must stay private" in r.stderr and not d.exists()
    r = run([*common, "--context", "borrower", "--context", "nonce"])
    assert r.returncode == 0, r.stderr
    info = json.loads((d / "circuit.json").read_text())
    assert [e["name"] for e in info["public_signals"]] == [
        "model_commitment", "features.commitment", "threshold", "borrower", "nonce"]
    assert run([ZKML, "setup", d]).returncode == 0
    p_good = _scores(models / "lr.onnx", load().features)
    ds = load()
    good, bad = ds.features[int(np.argmax(p_good))], ds.features[int(np.argmin(p_good))]
    app = {"salt": "77", "threshold": 0.6, "borrower": "0x00000000000000000000000000000000000000aa", "nonce": 5}
    (tmp_path / "good.json").write_text(json.dumps({"features": good.tolist(), **app}))
    (tmp_path / "bad.json").write_text(json.dumps({"features": bad.tolist(), **app}))
    (tmp_path / "frac.json").write_text(json.dumps({"features": (good + 0.5).tolist(), **app}))
    r = run([ZKML, "prove", d, "--input", tmp_path / "good.json", "--proof", tmp_path / "p.json",
             "--public", tmp_path / "pub.json"])
    assert r.returncode == 0, r.stderr
    public = [int(v) for v in json.loads((tmp_path / "pub.json").read_text())]
    at = {e["name"]: public[e["index"]] for e in info["public_signals"]}
    assert at["features.commitment"] == commit([int(v) for v in good], 77)
    assert [at["threshold"], at["borrower"], at["nonce"]] == [round(0.6 * 2**10), 0xAA, 5]
    for name, message in (("bad", "below the threshold"), ("frac", "signed 64-bit integers")):
        r = run([ZKML, "prove", d, "--input", tmp_path / f"{name}.json", "--proof", tmp_path / f"{name}_p.json",
                 "--public", tmp_path / f"{name}_pub.json"])
        assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr
        assert not (tmp_path / f"{name}_p.json").exists()


def test_a_gradient_boosted_pool_lends_to_a_good_applicant_only(models: Path, tmp_path: Path) -> None:
    """`demo --model gbdt`'s story on Anvil with a development key: the boosted-tree model is
    registered, a good applicant proves and borrows, a bad one has no proof, a forged signal fails."""
    from zkml_chain.keydir import setup_folder
    from zkml_chain.lending.stack import compile_lending_circuit

    folder = tmp_path / "gbdt_circuit"
    info = compile_lending_circuit(models / "gbdt.onnx", folder, models / "calibration.json")
    setup_folder(folder)
    prover = Prover(folder)
    ds = load()
    p_good = _scores(models / "gbdt.onnx", ds.features)
    good = ds.features[int(np.flatnonzero(p_good > POLICY + 0.1)[0])]
    bad = ds.features[int(np.flatnonzero(p_good < POLICY - 0.2)[0])]
    with local_chain("anvil") as node:
        evm = Evm(node.url)
        owner, attester, alice, carol = evm.w3.eth.accounts[:4]
        stack = deploy_stack(evm, prover, min_score=POLICY, max_debt=10 * LOAN, liquidity=LIQUIDITY, attester=attester,
                             model_name="german-credit-gbdt", model_version="1.0.0", allow_development_key=True)
        expiry = int(evm.w3.eth.get_block("latest")["timestamp"]) + 86_400
        stack.attest(attester, alice, input_commitment(good, 7), expiry)
        stack.attest(attester, carol, input_commitment(bad, 8), expiry)
        proof, public = prover.prove(good, 7, POLICY, alice, stack.domain(), 0)
        sent = stack.borrow(alice, LOAN, proof, public)
        assert sent.status == 1 and stack.balance(alice) == LOAN
        with pytest.raises(ProofInputError, match="no proof of this claim exists"):
            prover.prove(bad, 8, POLICY, carol, stack.domain(), 0)
        forged, forged_public = prover.prove(good, 7, POLICY, carol, stack.domain(), 0)  # Alice's record, Carol's name
        assert stack.borrow_error(carol, LOAN, forged, forged_public) == "AttestationMismatch"
    print(f"\ngbdt pool: {info['constraints']:,} constraints; borrow {sent.gas_used:,} gas")


def test_registries_guard_their_state_and_retiring_a_model_stops_loans(world: World) -> None:
    """A fresh stack on the same node: registry access control and inputs, attestation
    revocation and de-authorised attesters, and a retired model."""
    from eth_utils import keccak

    w = world
    stack = deploy_stack(w.evm, w.prover, min_score=POLICY, max_debt=10 * LOAN, liquidity=LIQUIDITY,
                         attester=w.attester, model_name="m", model_version="2", allow_development_key=True)
    models, atts = stack.models.functions, stack.attestations.functions
    as_bob, as_attester = w.evm.with_sender(w.bob), w.evm.with_sender(w.attester)

    def error(evm: Evm, fn) -> str:
        r = evm.call(fn)
        return r.error if hasattr(r, "error") else "ok"

    c = w.prover.model_commitment
    assert error(as_bob, models.register(c + 1, stack.verifier.address, "x", "1")) == "OwnableUnauthorizedAccount"
    assert error(w.evm, models.register(c, stack.verifier.address, "x", "1")) == "ModelAlreadyRegistered"
    assert error(w.evm, models.register(R, stack.verifier.address, "x", "1")) == "CommitmentNotInField"
    assert error(w.evm, models.register(c + 1, w.bob, "x", "1")) == "VerifierHasNoCode"
    verifier, active, _, name, version = models.modelOf(c).call()
    assert (verifier, active, name, version) == (stack.verifier.address, True, "m", "2")

    now = w.now()
    commitment = input_commitment(w.good, 8)
    assert error(as_bob, atts.attest(w.alice, commitment, now + 100)) == "NotAttester"
    assert error(as_attester, atts.attest(w.alice, commitment, now - 1)) == "ExpiryNotInFuture"
    assert error(as_attester, atts.attest(w.alice, R, now + 100)) == "CommitmentNotInField"
    stack.attest(w.attester, w.alice, commitment, now + 10_000)
    assert atts.current(w.alice).call()[0] == commitment
    proof, public = w.prover.prove(w.good, 8, POLICY, w.alice, stack.domain(), 0)
    assert stack.borrow_error(w.alice, LOAN, proof, public) is None

    assert error(as_bob, atts.revoke(w.alice)) == "NotAttester"
    as_attester.send(atts.revoke(w.alice))
    assert stack.borrow_error(w.alice, LOAN, proof, public) == "NoValidAttestation"
    assert error(as_attester, atts.attest(w.alice, commitment, now + 10_000)) == "CommitmentRevoked"
    stack.attest(w.attester, w.alice, input_commitment(w.good, 9), now + 10_000)  # a fresh salt
    proof, public = w.prover.prove(w.good, 9, POLICY, w.alice, stack.domain(), 0)
    w.evm.send(atts.setAttester(w.attester, False))  # the bureau loses its licence
    assert list(atts.current(w.alice).call()) == [0, 0]
    assert stack.borrow_error(w.alice, LOAN, proof, public) == "NoValidAttestation"
    w.evm.send(atts.setAttester(w.attester, True))
    assert stack.borrow_error(w.alice, LOAN, proof, public) is None

    w.evm.send(models.retire(c))
    before = stack.balance(stack.pool.address)
    r = w.evm.with_sender(w.alice).call(stack.pool.functions.borrow(LOAN, proof.evm_words(), public))
    assert r.data.startswith("0x" + keccak(text="UnknownModel(uint256)")[:4].hex())  # the registry's error
    assert stack.borrow(w.alice, LOAN, proof, public, gas=1_000_000).status == 0
    assert stack.balance(stack.pool.address) == before


# --- audit findings (issue 11): attestations owned by their bureau, proofs bound to one pool -------


def test_a_bureau_cannot_overwrite_or_resurrect_another_bureaus_attestation(world: World) -> None:
    """Any authorised attester could overwrite another's attestation (the original bureau then got
    NotAttester when revoking), and a second bureau could re-post a revoked commitment, copied
    from the Attested event, with expiry 2^64 − 1: the borrower's old proof borrowed again."""
    w = world
    rival = w.evm.w3.eth.accounts[6]
    w.evm.send(w.stack.attestations.functions.setAttester(rival, True))
    erin = w.evm.w3.eth.accounts[7]
    atts = w.stack.attestations.functions
    as_rival, as_bureau = w.evm.with_sender(rival), w.evm.with_sender(w.attester)
    commitment = input_commitment(w.good, 4040)
    w.attest(erin, w.good, 4040)
    proof, public = w.prover.prove(w.good, 4040, POLICY, erin, w.domain(), 0)
    assert w.stack.borrow_error(erin, LOAN, proof, public) is None

    assert as_rival.call(atts.attest(erin, commitment + 1, w.now() + 1000)).error == "AttestedByAnother"
    assert as_rival.call(atts.revoke(erin)).error == "NotAttester"
    assert as_bureau.send(atts.revoke(erin)).status == 1  # the bureau that posted it can still revoke
    assert_no_borrow(w, erin, proof, public, "NoValidAttestation")

    for attester in (as_rival, as_bureau):  # revocation is final for that commitment, whoever re-posts it
        assert attester.call(atts.attest(erin, commitment, 2**64 - 1)).error == "CommitmentRevoked"
        assert attester.send(atts.attest(erin, commitment, 2**64 - 1), gas=200_000).status == 0
    assert_no_borrow(w, erin, proof, public, "NoValidAttestation")
    # a fresh record (new salt) from the rival is fine now that the bureau's attestation is gone
    assert as_rival.send(atts.attest(erin, input_commitment(w.good, 4041), w.now() + 1000)).status == 1


def test_a_proof_borrows_only_from_the_pool_it_was_made_for(world: World) -> None:
    """Two pools sharing the registries: a nonce-0 proof made for one also borrowed from the other."""
    from zkml_chain.lending.stack import compile_contracts

    w = world
    second = deploy_stack(w.evm, w.prover, min_score=POLICY, max_debt=10 * LOAN, liquidity=LIQUIDITY,
                          attester=w.attester, model_name="m", model_version="3", allow_development_key=True)
    pool2, _ = w.evm.deploy(compile_contracts(signals=w.prover.signals)["CreditLendingPool"], w.owner, second.token.address,
                            second.models.address, second.attestations.address, w.prover.model_commitment,
                            w.prover.threshold_signal(POLICY), 10 * LOAN)
    w.evm.send(second.token.functions.mint(pool2.address, LIQUIDITY))
    other = Stack(w.evm, second.token, second.models, second.attestations, second.verifier, pool2, {})
    frank = w.evm.w3.eth.accounts[8]
    second.attest(w.attester, frank, input_commitment(w.good, 5050), w.now() + 10_000)
    proof, public = _pool_proof(w, second, frank, 5050)
    assert second.borrow(frank, LOAN, proof, public).status == 1
    before = (other.balance(pool2.address), other.balance(frank), tuple(pool2.functions.accounts(frank).call()))
    assert other.borrow_error(frank, LOAN, proof, public) == "WrongDomain"
    assert other.borrow(frank, LOAN, proof, public, gas=1_000_000).status == 0
    assert (other.balance(pool2.address), other.balance(frank), tuple(pool2.functions.accounts(frank).call())) == before


def _pool_proof(w: World, stack: Stack, borrower: str, salt: int) -> tuple[Proof, list[int]]:
    return w.prover.prove(w.good, salt, POLICY, borrower, stack.domain(), 0)


def test_lowering_the_debt_limit_below_a_debt_reverts_by_name_and_repay_still_works(world: World) -> None:
    """The owner lowers maxDebt below a borrower's debt: the next borrow computed maxDebt - debt
    with checked arithmetic and reverted with a panic (0x11) instead of a named error."""
    w = world
    stack = deploy_stack(w.evm, w.prover, min_score=POLICY, max_debt=10 * LOAN, liquidity=LIQUIDITY,
                         attester=w.attester, model_name="limit", model_version="1", allow_development_key=True)
    grace = w.evm.w3.eth.accounts[9]
    stack.attest(w.attester, grace, input_commitment(w.good, 6060), w.now() + 10_000)

    def proof_for(nonce: int) -> tuple[Proof, list[int]]:
        return w.prover.prove(w.good, 6060, POLICY, grace, stack.domain(), nonce)

    assert stack.borrow(grace, 2 * LOAN, *proof_for(0)).status == 1
    assert w.evm.send(stack.pool.functions.setPolicy(w.prover.threshold_signal(POLICY), LOAN)).status == 1
    proof, public = proof_for(1)
    assert stack.borrow_error(grace, LOAN, proof, public) == "DebtLimitExceeded"
    assert stack.borrow(grace, LOAN, proof, public, gas=1_000_000).status == 0
    stack.repay(grace, 2 * LOAN)  # repaying is never blocked by the lower limit
    assert stack.pool.functions.accounts(grace).call() == [0, 1]
    assert stack.borrow(grace, LOAN, proof, public).status == 1  # within the new limit again
