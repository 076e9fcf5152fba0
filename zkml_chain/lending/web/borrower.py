"""What the web app's local prover does for a borrower: check the application file the bureau
handed over against its commitment and the chain, then prove, reporting each stage.

The record and salt arrive in the request body, are used here and dropped: nothing in this module
logs, stores or forwards them, and no error message quotes them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from web3 import Web3

from ...errors import ProofInputError, ZkmlChainError
from ..stack import Prover, Stack, input_commitment
from ..train import INPUT_NAME


class RequestProblem(ZkmlChainError):
    """A request the prover refuses, with the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Application:
    """The bureau's file, as `ape run lending attest` and `serve --demo` write it."""

    borrower: str
    features: tuple[int, ...]
    salt: int
    commitment: int


def _uint(value: Any, what: str, bits: int = 256) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        raise RequestProblem(422, f"the application's {what} must be a decimal integer")
    v = int(value)
    if v >= 1 << bits:
        raise RequestProblem(422, f"the application's {what} is too large")
    return v


def parse_application(obj: Any, n_features: int) -> Application:
    """The application object, shape-checked; 422 naming the first problem (never its values)."""
    if not isinstance(obj, dict):
        raise RequestProblem(422, "the application must be a JSON object (the file the bureau handed over)")
    missing = [k for k in ("borrower", "features", "salt", "commitment") if k not in obj]
    if missing:
        raise RequestProblem(422, f"the application has no {', '.join(missing)}: is it the bureau's file?")
    borrower = obj["borrower"]
    if not isinstance(borrower, str) or not Web3.is_address(borrower):
        raise RequestProblem(422, "the application's borrower is not an Ethereum address")
    features = obj["features"]
    if not isinstance(features, list) or len(features) != n_features:
        raise RequestProblem(422, f"the application's features must be a list of {n_features} integers")
    if not all(isinstance(f, int) and not isinstance(f, bool) and -(1 << 31) <= f < 1 << 31 for f in features):
        raise RequestProblem(422, "the application's features must be integers (the attested record)")
    return Application(Web3.to_checksum_address(borrower), tuple(features), _uint(obj["salt"], "salt"),
                       _uint(obj["commitment"], "commitment"))


@dataclass
class LocalProver:
    """One circuit's prover and the deployed pool it proves for. One proof at a time: the native
    kernels already use every core."""

    prover: Prover
    stack: Stack
    _lock: threading.Lock

    @classmethod
    def create(cls, prover: Prover, stack: Stack) -> LocalProver:
        return cls(prover, stack, threading.Lock())

    @property
    def n_features(self) -> int:
        return int(np.prod(self.prover.model.graph.inputs[INPUT_NAME]))

    def check(self, app: Application, wallet: str) -> None:
        """Refuse before proving: a file for another address, a file whose record or salt was
        altered, or one the chain no longer backs (revoked, expired, replaced)."""
        if not Web3.is_address(wallet):
            raise RequestProblem(422, "the wallet address is not an Ethereum address")
        if Web3.to_checksum_address(wallet) != app.borrower:
            raise RequestProblem(403, f"this application was issued to {app.borrower}; the connected wallet is "
                                 f"{Web3.to_checksum_address(wallet)}")
        if input_commitment(np.asarray(app.features), app.salt) != app.commitment:
            raise RequestProblem(422, "the application file was altered: its record and salt do not match its "
                                 "commitment (ask the bureau for the original file)")
        reg = self.stack.attestations.functions
        held = reg.attestationOf(app.borrower).call()
        commitment, attester, expires = int(held[0]), str(held[1]), int(held[2])
        if reg.isRevoked(app.commitment).call():
            raise RequestProblem(409, "the bureau revoked this attestation: no loan can be proved from it")
        if int(attester, 16) == 0:
            raise RequestProblem(409, f"no attestation for {app.borrower} on chain")
        if commitment != app.commitment:
            raise RequestProblem(409, "the bureau has attested a different record for this address since: this "
                                 "file is outdated")
        now = int(self.stack.evm.w3.eth.get_block("latest")["timestamp"])
        if expires <= now:
            raise RequestProblem(409, f"the attestation expired {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(expires))}")
        if not reg.isAttester(attester).call():
            raise RequestProblem(409, f"the attester {attester} is no longer authorised by the registry")

    def prove(self, app: Application, wallet: str) -> Iterator[dict[str, Any]]:
        """Stages as they happen, then the proof: {"stage", "message", "elapsed"} lines, and a last
        {"proof", "public", "nonce", "seconds"} or {"error", "status"}."""
        t0 = time.perf_counter()

        def stage(name: str, message: str) -> dict[str, Any]:
            return {"stage": name, "message": message, "elapsed": round(time.perf_counter() - t0, 3)}

        yield stage("check", "checking the application against its commitment and the chain")
        try:
            self.check(app, wallet)
            pool = self.stack.pool.functions
            nonce = int(pool.nonceOf(app.borrower).call())
            threshold = int(pool.minThreshold().call()) / 2**self.prover.scale
            domain = self.stack.domain()
            with self._lock:
                yield stage("witness", f"computing the witness: the model on the record, p(good) >= {threshold:g}")
                obj = Prover.input(list(app.features), app.salt, threshold, app.borrower, domain, nonce)
                inference = self.prover.model.witness(obj, "the application")
                yield stage("prove", "proving (Groth16 on BN254)")
                proved = self.prover.model.prove_inference(inference)
        except RequestProblem as e:
            yield {"error": str(e), "status": e.status}
            return
        except ProofInputError as e:
            yield {"error": str(e), "status": 422}  # the borrower's own score, on their own machine
            return
        yield {"proof": [str(v) for v in proved.proof.evm_words()], "public": [str(v) for v in proved.public],
               "nonce": nonce, "seconds": round(time.perf_counter() - t0, 3)}

