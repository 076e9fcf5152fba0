"""``zkml-chain serve --demo``: everything the pages need on a local chain started here.

The demo's preparation (train, compile, the cached ceremony: :func:`..demo.prepare`), then on a
fresh Anvil: the pool deployed, the bureau attesting Alice (clears the policy) and Carol (does not),
whose application files are written for the borrower page, and two earlier loans (Bob and Dave,
attested and proved here) so the lender page has figures from the start.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console

from ...chain.chains import local_chain
from ...chain.evm import Evm
from ...files import read_json
from ..demo import TOKEN, Printer, Story, pick_applicants, prepare
from ..stack import Prover, Stack, deploy_stack, issue_application, save_deployment
from ..train import circuit_p_good
from .app import DemoAccount, Site
from .borrower import LocalProver

#: Anvil's accounts 0-5, as in `zkml-chain demo`: owner, bureau, then the borrowers.
NAMES = ("Alice", "Carol", "Bob", "Dave")
SEEDED = {"Bob": 800, "Dave": 1_200}  # earlier loans, in dUSD


@contextmanager
def demo_site(out: Path, console: Console, ceremony_cache: Path | None = None, chain: str = "anvil") -> Iterator[Site]:
    """The demo stack on a local ``chain`` that lives as long as the context; the ceremony's cache
    in ``ceremony_cache`` [default: out/ceremony]."""
    story = Story(out=out, ceremony_cache=ceremony_cache or out / "ceremony")
    p = Printer(console)
    prover, ds, rows = prepare(story, p)
    with local_chain(chain) as node:
        evm = Evm(node.url)
        _owner, bureau, *borrowers = list(evm.w3.eth.accounts)[: 2 + len(NAMES)]
        accounts = {name: str(a) for name, a in zip(NAMES, borrowers, strict=True)}
        stack = deploy_stack(evm, prover, min_score=story.min_score, max_debt=5_000 * TOKEN,
                             liquidity=story.liquidity, attester=bureau, model_name=f"german-credit-{story.model}",
                             model_version="1.0.0")
        deployment = out / "deployment.json"
        save_deployment(stack, deployment, prover.folder)
        p.step("deploy", f"{node.describe()}: pool at {stack.pool.address}")

        good, bad = pick_applicants(prover, ds, rows, story)
        p_good = circuit_p_good(prover.folder / "model.onnx", ds.features[rows], story.scale)
        others = [int(r) for r, s in zip(rows, p_good, strict=True) if s >= story.min_score + 0.1 and r != good]
        records = {"Alice": good, "Carol": bad, "Bob": others[0], "Dave": others[1]}
        folder = out / "applications"
        files = {name: folder / f"{name.lower()}.json" for name in records}
        for name, row in records.items():
            issue_application(stack, bureau, accounts[name], ds.features[row], 30, files[name])
        p.step("attest", "the bureau attests Alice (clears the policy) and Carol (does not): their files -> "
               f"{folder}")
        _seed_loans(stack, prover, {n: files[n] for n in SEEDED}, accounts)
        p.step("earlier loans", ", ".join(f"{n} {amount:,} dUSD" for n, amount in SEEDED.items()))
        demo = tuple(DemoAccount(n, accounts[n], files[n] if n in ("Alice", "Carol") else None) for n in NAMES)
        yield Site(read_json(deployment, "deployment file"), node.url, LocalProver.create(prover, stack), demo)


def _seed_loans(stack: Stack, prover: Prover, files: dict[str, Path], accounts: dict[str, str]) -> None:
    threshold = int(stack.pool.functions.minThreshold().call()) / 2**prover.scale
    domain = stack.domain()
    for name, path in files.items():
        app = read_json(path, "application")
        proof, public = prover.prove(app["features"], int(app["salt"]), threshold, accounts[name], domain, 0)
        stack.borrow(accounts[name], SEEDED[name] * TOKEN, proof, public)
