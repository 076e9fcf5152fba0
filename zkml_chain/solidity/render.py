"""Render Groth16 verifying keys into Solidity verifiers (templates/*.sol.j2, Jinja).

The contracts inline the key as constants, so one rendered verifier serves one circuit. Two
shapes: `verifyProof` (a drop-in for snarkjs's Groth16Verifier) and `verifyBatch` (N proofs of
the same circuit in N + 3 pairings). Both revert on malformed input and return false for a
well-formed proof that does not verify; see the templates for why.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import jinja2
from eth_hash.auto import keccak

from .. import __version__
from ..curve import G2Point
from ..errors import KeyMaterialError, ProofInputError
from ..field import Q, R
from ..groth16.keys import VerifyingKey

log = logging.getLogger(__name__)

SINGLE_TEMPLATE = "groth16_verifier.sol.j2"
BATCH_TEMPLATE = "groth16_batch_verifier.sol.j2"
_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*\Z")
#: EIP-170 caps deployed code at 24,576 bytes. Each public input unrolls one ecMul/ecAdd block with
#: its IC point inlined (PUSH32s: cheaper than loading them from storage or code), about 140 bytes
#: in the single verifier and 206 in the batch one. Measured with the pinned solc (0.8.37, via-IR,
#: 1,000,000 runs): 168 inputs -> 24,522 bytes, 169 -> 24,662 (single); 110 fit, 111 -> 24,625
#: (batch). tests/test_solidity.py compiles at each limit.
MAX_PUBLIC = {False: 168, True: 110}
EIP170_LIMIT = 24_576


@dataclass(frozen=True)
class RenderedVerifier:
    """Solidity source of one verifier and the name of its contract."""

    contract_name: str
    source: str
    batch: bool
    n_public: int
    development_key: bool


def _selector(signature: str) -> str:
    """The 4-byte selector of an error, left-aligned in a word (what `revert(0, 4)` sends)."""
    return "0x" + keccak(signature.encode())[:4].hex() + "00" * 28


def _neg(p: G2Point) -> G2Point:
    """-P on the twist: (x, -y), both Fq components of y negated."""
    return G2Point(p.x, ((Q - p.y[0]) % Q, (Q - p.y[1]) % Q))


def _hex(v: int) -> str:
    return f"0x{v:064x}"


def template_environment() -> jinja2.Environment:
    """Every Solidity/project template zkml-chain renders: zkml_chain/templates, shipped inside the
    package so an installed wheel renders too. Undefined variables are errors."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("zkml_chain", "templates"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render_verifier(
    vk: VerifyingKey,
    *,
    contract_name: str | None = None,
    batch: bool = False,
    source: str = "a verifying key",
    allow_development_key: bool = False,
) -> RenderedVerifier:
    """Render the single-proof (or, with ``batch``, the batch) verifier for ``vk``.

    Refused unless ``allow_development_key`` (for tests, benchmarks and demos on a local chain):
    a development key (phase 1 not from a powers-of-tau ceremony: its maker knows tau and can
    forge proofs, whatever phase-2 contributions followed), and a key without a phase-2
    contribution (delta equal to gamma or to the G2 generator: anyone can forge proofs). When
    allowed, the contract carries a warning.
    """
    name = contract_name or ("Groth16BatchVerifier" if batch else "Groth16Verifier")
    if not _IDENTIFIER.match(name):
        raise ProofInputError(f"contract name {name!r} is not a Solidity identifier")
    problem = vk.phase2_problem()
    if problem is not None and not allow_development_key:
        who = "whoever ran its setup" if vk.development else "anyone"
        raise KeyMaterialError(f"refusing to render a verifier: {problem}; {who} could forge proofs for it. "
                               "Run a ceremony (`zkml-chain setup --ptau`, `zkey contribute`, `zkey beacon`), or "
                               "pass --allow-development-key for a local test chain")
    if problem is not None:
        log.info("rendering a verifier for an unsafe key (%s): proofs can be forged", problem)
    if vk.n_public < 1:
        raise KeyMaterialError("the verifying key has no public inputs; a verifier needs at least one")
    limit = MAX_PUBLIC[batch]
    if vk.n_public > limit:
        kind = "batch verifier" if batch else "verifier"
        raise KeyMaterialError(
            f"a {kind} for {vk.n_public} public inputs would exceed Ethereum's contract size limit "
            f"(EIP-170, {EIP170_LIMIT:,} bytes): it fits at most {limit}. Make fewer signals public, e.g. "
            "hash the inputs or outputs into one commitment (--input-visibility / --output-visibility hashed)")
    context = {
        "version": __version__,
        "source": source,
        "contract_name": name,
        "development_key": problem is not None,
        "n_public": vk.n_public,
        "r": _hex(R),
        "q": _hex(Q),
        "alpha": [_hex(vk.alpha1.x), _hex(vk.alpha1.y)],
        "beta": [_hex(w) for w in vk.beta2.evm_words()],
        "gamma": [_hex(w) for w in vk.gamma2.evm_words()],
        "delta": [_hex(w) for w in vk.delta2.evm_words()],
        "beta_neg": [_hex(w) for w in _neg(vk.beta2).evm_words()],
        "gamma_neg": [_hex(w) for w in _neg(vk.gamma2).evm_words()],
        "delta_neg": [_hex(w) for w in _neg(vk.delta2).evm_words()],
        "ic": [(_hex(p.x), _hex(p.y)) for p in vk.ic],
        "selector_malformed": _selector("MalformedProof()"),
        "selector_empty": _selector("EmptyBatch()"),
        "selector_length": _selector("LengthMismatch(uint256,uint256)"),
        "selector_not_in_field": _selector(
            "PublicInputNotInField(uint256,uint256)" if batch else "PublicInputNotInField(uint256)"
        ),
    }
    template = template_environment().get_template(BATCH_TEMPLATE if batch else SINGLE_TEMPLATE)
    return RenderedVerifier(name, template.render(**context), batch, vk.n_public, problem is not None)
