"""Gas of on-chain Groth16 verification: ours vs snarkjs's verifier, single and batch.

    ape run gas_benchmark [--ells 1,2,8,32] [--batch-sizes 1,2,4,8,16,32] [--batch-ell 8]

For each ℓ: one development key, our verifier, our batch verifier and snarkjs's verifier of the
same key, all deployed to the same node (a local Anvil with the hardfork of ape-config.yaml by
default; a Hardhat 3 node with --network ethereum:local:hardhat). Every figure is a mined
transaction's gasUsed. Writes benchmarks/results/gas.json, gas.md and gas.png, and prints the table.
"""

from __future__ import annotations

from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand
from rich.console import Console

from zkml_chain.chain.ape_glue import container, hardfork, node_name, sender, use_project_toolchain
from zkml_chain.chain.gas import single_verification_budget, verification_floor
from zkml_chain.chain.gas_report import BatchRow, SingleRow, write_report
from zkml_chain.chain.suite import build_case
from zkml_chain.solidity import compile_sources

use_project_toolchain()  # npm anvil and solc for Ape's plugins, in this process only

ROOT = Path(__file__).resolve().parent.parent
console = Console(soft_wrap=True)


def _ints(text: str) -> list[int]:
    try:
        values = sorted({int(v) for v in text.split(",") if v.strip()})
    except ValueError as e:
        raise click.BadParameter(f"expected comma-separated integers, got {text!r}") from e
    if not values or values[0] < 1:
        raise click.BadParameter(f"expected positive integers, got {text!r}")
    return values


@click.command(cls=ConnectedProviderCommand, short_help="Verification gas: ours vs snarkjs, single and batch")
@click.option("--ells", default="1,2,8,32", show_default=True, help="Public-input counts for single verification.")
@click.option("--batch-sizes", default="1,2,4,8,16,32", show_default=True, help="Proofs per batch.")
@click.option("--batch-ell", default=8, show_default=True, type=click.IntRange(1, 64), help="ℓ for the batches.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=ROOT / "benchmarks" / "results",
              show_default=True)
@click.option("--account", "alias", default=None, help="Ape account alias (default: first test account, local only).")
def cli(ells: str, batch_sizes: str, batch_ell: int, out: Path, alias: str | None) -> None:
    ell_list, sizes = _ints(ells), _ints(batch_sizes)
    account = sender(alias)
    fork = hardfork()
    all_ells = sorted(set(ell_list) | {batch_ell})
    with console.status("keys, proofs and verifiers"):
        cases = {ell: build_case(ell, max(sizes) if ell == batch_ell else 1, seed=7) for ell in all_ells}
        sources: dict[str, str] = {}
        for case in cases.values():
            sources.update(case.sources())
        artifacts = compile_sources(sources)

    singles: list[SingleRow] = []
    batches: list[BatchRow] = []
    for ell in all_ells:
        case = cases[ell]
        proof, public = case.statements[0]
        args = (*proof.verify_proof_args(), public)
        with console.status(f"ℓ = {ell}: deploying and verifying"):
            ours = container(artifacts[f"Verifier{ell}"]).deploy(sender=account)
            theirs = container(artifacts[f"Snarkjs{ell}"]).deploy(sender=account)
            if ell in ell_list:
                assert ours.verifyProof(*args) and theirs.verifyProof(*args), "a valid proof was rejected"
                r_ours = ours.verifyProof.transact(*args, sender=account)
                # snarkjs's verifier under-estimates its gas (it returns false when a precompile
                # runs dry), so give it an explicit limit.
                r_theirs = theirs.verifyProof.transact(*args, sender=account, gas_limit=2_000_000)
                data = bytes(r_ours.transaction.data)
                singles.append(SingleRow(ell, r_ours.gas_used, r_theirs.gas_used, verification_floor(ell, data),
                                         single_verification_budget(ell, data)))
            if ell == batch_ell:
                batch = container(artifacts[f"BatchVerifier{ell}"]).deploy(sender=account)
                for n in sizes:
                    proofs = [p.evm_words() for p, _ in case.statements[:n]]
                    signals = [s for _, s in case.statements[:n]]
                    assert batch.verifyBatch(proofs, signals), "a valid batch was rejected"
                    r = batch.verifyBatch.transact(proofs, signals, sender=account)
                    batches.append(BatchRow(ell, n, r.gas_used, round(r.gas_used / n)))

    write_report(singles, batches, fork, out, batch_ell, console, node_name())
