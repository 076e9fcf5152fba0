"""The lending contracts on a chain (any JSON-RPC node, over web3): deploy, register the model,
attest a borrower, prove, borrow, repay.

The circuit is an ONNX credit model compiled with an attested input and a threshold claim bound
to (borrower, domain, nonce) — the domain being the pool's (chain id, address), as in EIP-712;
its public signals are found by name (:mod:`.signals`), in Python and in CreditLendingPool.sol.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from eth_abi import encode
from eth_utils import keccak
from web3.contract import Contract

from ..chain.evm import Evm, Reverted, Sent
from ..errors import ToolchainError, ZkmlChainError
from ..field import R
from ..files import read_json, write_json
from ..groth16 import Proof
from ..groth16.keys import VerifyingKey
from ..groth16.mapped import MappedProvingKey
from ..onnx.claim import Claim, Threshold
from ..onnx.compile import compile_model
from ..onnx.compiled import CompiledModel
from ..onnx.lower import quantize
from ..onnx.visibility import InputVisibility, OutputVisibility, ParamVisibility, Visibility
from ..poseidon import commit_integers
from ..solidity import compile_sources, render_verifier
from ..solidity.compile import Artifact
from .signals import CONTEXT, SOLIDITY_FILE, PoolSignals
from .train import INPUT_NAME

log = logging.getLogger(__name__)

#: The pool's contracts, shipped inside the package (the checkout's contracts/ links here).
CONTRACTS = Path(str(resources.files("zkml_chain") / "contracts"))
#: Attested integer features, hashed weights, private outputs; the proof claims p(good) (column 1
#: of skl2onnx's probabilities) >= threshold, bound to (borrower, domain, nonce).
VISIBILITY = Visibility(InputVisibility.ATTESTED, ParamVisibility.HASHED, OutputVisibility.PRIVATE)
CLAIM = Claim(Threshold("probabilities", 1), CONTEXT)
VERIFIER = "LendingVerifier"


def compile_lending_circuit(model: Path, out: Path, calibration: Path, scale: int = 12) -> dict[str, Any]:
    """Compile a credit model into the pool's circuit (:data:`VISIBILITY`, :data:`CLAIM`)."""
    return compile_model(model, out, scale, calibration, VISIBILITY, claim=CLAIM)


def pool_domain(chain_id: int, pool: str) -> int:
    """The pool's domain signal, as CreditLendingPool.domain() computes it:
    keccak256(abi.encode(chain id, pool address)) mod r. A proof carries it, so it is spent only
    at the pool (and on the chain) it was made for."""
    return int.from_bytes(keccak(encode(["uint256", "address"], [chain_id, pool])), "big") % R


def input_commitment(features: np.ndarray, salt: int) -> int:
    """What the attester posts: Poseidon commitment to the integer record with the salt
    (:func:`zkml_chain.poseidon.commit_integers`)."""
    return commit_integers(np.asarray(features).ravel().tolist(), salt)


@dataclass
class Prover:
    """Proves applications for one compiled and set-up circuit folder."""

    folder: Path
    model: CompiledModel = field(init=False)
    signals: PoolSignals = field(init=False)
    pk: MappedProvingKey = field(init=False)
    scale: int = field(init=False)
    model_commitment: int = field(init=False)

    def __post_init__(self) -> None:
        self.model = CompiledModel.load(self.folder)
        try:
            self.signals = PoolSignals(self.model.layout)
        except ZkmlChainError as e:
            raise ZkmlChainError(f"{self.folder}: {e}") from None
        scale = self.model.layout["threshold"].scale_bits
        if scale is None or self.model.model_commitment is None:
            raise ZkmlChainError(f"{self.folder}: not a lending circuit (no threshold scale or model commitment)")
        self.scale, self.model_commitment = scale, self.model.model_commitment
        self.pk = self.model.proving_key

    def threshold_signal(self, score: float) -> int:
        """The public threshold signal for ``score``: the same fixed-point rounding as `prove`."""
        return int(quantize(np.asarray(score), self.scale))

    def prove(self, features: np.ndarray, salt: int, threshold: float, borrower: str, domain: int,
              nonce: int) -> tuple[Proof, list[int]]:
        """A proof that p(good) of the attested ``features`` is >= ``threshold``, for ``borrower``
        at the pool whose :func:`pool_domain` is ``domain``; raises ProofInputError when it is not
        (no such proof exists)."""
        proved = self.model.prove(self.input(features, salt, threshold, borrower, domain, nonce), "application")
        return proved.proof, proved.public

    @staticmethod
    def input(features: np.ndarray | list[int], salt: int, threshold: float, borrower: str, domain: int,
              nonce: int) -> dict[str, Any]:
        """The circuit's INPUT.json content for an application and the pool's current values."""
        return {INPUT_NAME: np.asarray(features).tolist(), "salt": str(salt), "threshold": threshold,
                "borrower": borrower, "domain": domain, "nonce": nonce}

    @property
    def verifying_key(self) -> VerifyingKey:
        return self.pk.verifying_key


def compile_contracts(verifier_source: str | None = None, signals: PoolSignals | None = None) -> dict[str, Artifact]:
    """contracts/*.sol (OpenZeppelin from node_modules), plus a rendered verifier if given. With
    ``signals``, the pool reads the public signals at that circuit's positions (LendingSignals.sol
    rendered from its layout, in place of the checked-in copy)."""
    sources = {f"contracts/{p.name}": p.read_text() for p in sorted(CONTRACTS.glob("*.sol"))}
    if signals is not None:
        sources[f"contracts/{SOLIDITY_FILE}"] = signals.solidity()
    if verifier_source is not None:
        sources[f"{VERIFIER}.sol"] = verifier_source
    return compile_sources(sources)


@dataclass
class Stack:
    """The deployed contracts and what each deployment or set-up call cost."""

    evm: Evm
    token: Contract
    models: Contract
    attestations: Contract
    verifier: Contract
    pool: Contract
    gas: dict[str, int]

    def domain(self) -> int:
        """The pool's domain signal, read from the chain (equal to :func:`pool_domain`)."""
        return int(self.pool.functions.domain().call())

    def balance(self, who: str) -> int:
        return int(self.token.functions.balanceOf(who).call())

    def attest(self, attester: str, borrower: str, commitment: int, expires_at: int) -> Sent:
        return _sent(self.evm.with_sender(attester), self.attestations.functions.attest(borrower, commitment, expires_at))

    def borrow(self, borrower: str, amount: int, proof: Proof, public: list[int], gas: int | None = None) -> Sent:
        fn = self.pool.functions.borrow(amount, proof.evm_words(), public)
        return self.evm.with_sender(borrower).send(fn, gas=gas)

    def borrow_error(self, borrower: str, amount: int, proof: Proof, public: list[int]) -> str | None:
        """The custom error a borrow would revert with (None if it would succeed)."""
        r = self.evm.with_sender(borrower).call(self.pool.functions.borrow(amount, proof.evm_words(), public))
        return r.error if isinstance(r, Reverted) else None

    def repay(self, borrower: str, amount: int) -> tuple[Sent, Sent]:
        """Approve the pool, then repay: (approve, repay)."""
        as_borrower = self.evm.with_sender(borrower)
        approve = _sent(as_borrower, self.token.functions.approve(self.pool.address, amount))
        return approve, _sent(as_borrower, self.pool.functions.repay(amount))

    def register_model(self, prover: Prover, name: str, version: str,
                       allow_development_key: bool = False) -> tuple[str, int, int]:
        """Deploy a verifier for another compiled model and register its commitment (from the
        registry's owner, ``evm.sender``): (verifier address, deployment gas, register gas). The
        pool keeps its own model; a marketplace looks any registered one up."""
        commitment = prover.model_commitment
        render_verifier(prover.verifying_key, contract_name=VERIFIER, allow_development_key=allow_development_key)
        # A dry run first (any contract with code stands in for the verifier), so that a refusal
        # (not the owner, already registered) costs no verifier deployment.
        dry = self.evm.call(self.models.functions.register(commitment, self.pool.address, name, version))
        if isinstance(dry, Reverted):
            raise ZkmlChainError(f"ModelRegistry refuses {commitment:#x}: {dry.error}")
        rendered = render_verifier(prover.verifying_key, contract_name=VERIFIER,
                                   allow_development_key=allow_development_key)
        verifier, deploy_gas = self.evm.deploy(compile_sources({f"{VERIFIER}.sol": rendered.source})[VERIFIER])
        sent = _sent(self.evm, self.models.functions.register(commitment, verifier.address, name, version))
        return verifier.address, deploy_gas, sent.gas_used

    def verify_as_transaction(self, proof: Proof, public: list[int]) -> Sent:
        """A bare verification of the proof, sent as a transaction: borrow()'s gas baseline."""
        return _sent(self.evm, self.verifier.functions.verifyProof(*proof.verify_proof_args(), public))


DEPLOYMENT_FORMAT = "zkml-chain lending deployment 1"
_CONTRACTS = ("token", "models", "attestations", "verifier", "pool")


def save_deployment(stack: Stack, path: Path, circuit: Path) -> None:
    """Addresses and ABIs of a deployed stack, the chain id and the circuit folder: what the
    other operator commands attach to."""
    write_json(path, {
        "format": DEPLOYMENT_FORMAT,
        "chain_id": int(stack.evm.w3.eth.chain_id),
        "circuit": str(circuit.resolve()),
        "contracts": {n: {"address": getattr(stack, n).address, "abi": getattr(stack, n).abi} for n in _CONTRACTS},
        "gas": stack.gas,
    })


def attach(evm: Evm, path: Path) -> tuple[Stack, Path]:
    """The stack a deployment file describes, on ``evm``; and its circuit folder."""
    return attach_read(evm, read_json(path, "deployment file"), path)


def attach_read(evm: Evm, d: Any, path: Path) -> tuple[Stack, Path]:
    """:func:`attach` for the content ``d`` already read from the deployment file at ``path``."""
    try:
        if d["format"] != DEPLOYMENT_FORMAT:
            raise KeyError("format")
        contracts = {n: evm.w3.eth.contract(address=d["contracts"][n]["address"], abi=d["contracts"][n]["abi"])
                     for n in _CONTRACTS}
        chain_id, circuit = int(d["chain_id"]), Path(d["circuit"])
    except (KeyError, TypeError, ValueError) as e:
        raise ZkmlChainError(f"{path}: not a lending deployment file ({e})") from None
    if chain_id != int(evm.w3.eth.chain_id):
        raise ZkmlChainError(f"{path} was deployed on chain {chain_id}, this node is chain {evm.w3.eth.chain_id}")
    if not evm.w3.eth.get_code(contracts["pool"].address):
        raise ZkmlChainError(f"{path}: no contract at the pool's address {contracts['pool'].address} on this node "
                             "(was the chain restarted?)")
    return Stack(evm, gas={}, **contracts), circuit


def issue_application(stack: Stack, attester: str, borrower: str, features: np.ndarray, days: int, out: Path,
                      record: int | None = None) -> tuple[Sent, int]:
    """The bureau attests ``features`` for ``borrower`` (valid ``days``) under a fresh salt and
    writes the borrower's application file to ``out``: the record and salt (never on chain) and
    the commitment. ``record`` (a data-set row) is kept in the file when given. (Sent, commitment)."""
    salt = secrets.randbelow(2**128)
    commitment = input_commitment(features, salt)
    expires = int(stack.evm.w3.eth.get_block("latest")["timestamp"]) + days * 86_400
    sent = stack.attest(attester, borrower, commitment, expires)
    app: dict[str, Any] = {"borrower": borrower} | ({} if record is None else {"record": record})
    write_json(out, app | {"features": np.asarray(features).tolist(), "salt": str(salt),
                           "commitment": str(commitment), "expires_at": expires})
    return sent, commitment


def _sent(evm: Evm, fn: Any) -> Sent:
    sent = evm.send(fn)
    if sent.status != 1:
        raise ToolchainError(f"transaction {fn.fn_name} failed")
    return sent


def deploy_stack(evm: Evm, prover: Prover, *, min_score: float, max_debt: int, liquidity: int, attester: str,
                 model_name: str, model_version: str, allow_development_key: bool = False) -> Stack:
    """Deploy verifier, token, registries and pool from ``evm.sender`` (the owner); register the
    model, authorise ``attester`` and fund the pool with ``liquidity`` tokens. A development key, or
    one without a phase-2 contribution, is refused unless ``allow_development_key`` (local tests)."""
    artifacts = compile_contracts(render_verifier(prover.verifying_key, contract_name=VERIFIER,
                                                  allow_development_key=allow_development_key).source, prover.signals)
    owner = evm.sender
    gas: dict[str, int] = {}
    verifier, gas["deploy verifier"] = evm.deploy(artifacts[VERIFIER])
    token, gas["deploy token (DemoStablecoin)"] = evm.deploy(artifacts["DemoStablecoin"], owner)
    models, gas["deploy ModelRegistry"] = evm.deploy(artifacts["ModelRegistry"], owner)
    attestations, gas["deploy AttestationRegistry"] = evm.deploy(artifacts["AttestationRegistry"], owner)
    gas["ModelRegistry.register"] = _sent(evm, models.functions.register(
        prover.model_commitment, verifier.address, model_name, model_version)).gas_used
    gas["AttestationRegistry.setAttester"] = _sent(evm, attestations.functions.setAttester(attester, True)).gas_used
    pool, gas["deploy CreditLendingPool"] = evm.deploy(
        artifacts["CreditLendingPool"], owner, token.address, models.address, attestations.address,
        prover.model_commitment, prover.threshold_signal(min_score), max_debt)
    gas["fund pool (mint)"] = _sent(evm, token.functions.mint(pool.address, liquidity)).gas_used
    log.info("lending stack deployed: pool %s", pool.address)
    return Stack(evm, token, models, attestations, verifier, pool, gas)
