"""The lending circuit's public signals, by name: the one layout Python and Solidity share.

The pool checks six named signals. Their positions come from the compiled circuit's layout
(circuit.json, :class:`~zkml_chain.onnx.artifact.SignalLayout`), never from statement order or a
hand-written index: Python looks them up by name, and the contract reads them through constants
rendered from the same layout into ``contracts/LendingSignals.sol``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ZkmlChainError
from ..onnx.artifact import SignalLayout
from ..solidity.render import template_environment
from .train import INPUT_NAME

#: Context values bound to each proof: who borrows, at which pool (chain id and address), which loan.
CONTEXT = ("borrower", "domain", "nonce")
#: Every public signal the pool checks, with the Solidity constant it reads it through.
POOL_SIGNALS = {
    "model_commitment": "SIGNAL_MODEL_COMMITMENT",
    f"{INPUT_NAME}.commitment": "SIGNAL_INPUT_COMMITMENT",
    "threshold": "SIGNAL_THRESHOLD",
    "borrower": "SIGNAL_BORROWER",
    "domain": "SIGNAL_DOMAIN",
    "nonce": "SIGNAL_NONCE",
}
SOLIDITY_FILE = "LendingSignals.sol"
_MEANING = {
    "model_commitment": "the model commitment: must be the pool's model, still active in the registry",
    f"{INPUT_NAME}.commitment": "the input commitment: must be the borrower's current, unexpired attestation",
    "threshold": "the threshold: p(good) * 2^scale, at least the pool's minThreshold",
    "borrower": "the borrower: must be msg.sender",
    "domain": "the domain: keccak256(chain id, pool address) mod r, this pool's domain()",
    "nonce": "the nonce: the borrower's next one at this pool",
}


@dataclass(frozen=True)
class PoolSignals:
    """Positions of the pool's signals in public.json, from a compiled lending circuit."""

    layout: SignalLayout

    def __post_init__(self) -> None:
        names = set(self.layout.names)
        if names != set(POOL_SIGNALS) or any(s.count != 1 for s in self.layout.signals):
            raise ZkmlChainError(f"not a lending circuit: public signals {list(self.layout.names)}, expected one "
                                 f"each of {list(POOL_SIGNALS)}; compile it with "
                                 "zkml_chain.lending.stack.compile_lending_circuit")

    def index(self, name: str) -> int:
        return self.layout.index(name)

    def wire(self, name: str) -> int:
        return self.layout.wire(name)

    def solidity(self) -> str:
        """contracts/LendingSignals.sol for this layout."""
        signals = [{"constant": POOL_SIGNALS[n], "index": i, "meaning": _MEANING[n]}
                   for i, n in sorted((self.index(n), n) for n in POOL_SIGNALS)]
        template = template_environment().get_template("lending_signals.sol.j2")
        return template.render(n_signals=self.layout.n_public, signals=signals)
