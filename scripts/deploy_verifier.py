"""Render, compile and deploy a Groth16 verifier for a verifying key; print its address.

    ape run deploy_verifier build/demo/keys/verification_key.json [--batch] [--contract-name N]
    ape run deploy_verifier VK.json --network ethereum:sepolia:node --account ALIAS

On the default local network, ape-foundry starts Anvil (hardfork from ape-config.yaml) and
the first test account pays.
"""

from __future__ import annotations

from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand

from zkml_chain.chain.ape_glue import container, hardfork, sender, use_project_toolchain
from zkml_chain.errors import ZkmlChainError
from zkml_chain.groth16 import VerifyingKey
from zkml_chain.solidity import compile_sources, render_verifier

use_project_toolchain()  # npm anvil and solc for Ape's plugins, in this process only


@click.command(cls=ConnectedProviderCommand, short_help="Deploy a verifier for VERIFICATION_KEY")
@click.argument("vk_path", metavar="VERIFICATION_KEY", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--batch", is_flag=True, help="Deploy the batch verifier (verifyBatch) instead.")
@click.option("--contract-name", default=None, help="Contract name (default Groth16Verifier / Groth16BatchVerifier).")
@click.option("--account", "alias", default=None, help="Ape account alias (default: first test account, local only).")
@click.option("--allow-development-key", is_flag=True,
              help="Deploy even a development key or one without a phase-2 contribution (forgeable: test chains only).")
def cli(vk_path: Path, batch: bool, contract_name: str | None, alias: str | None, allow_development_key: bool) -> None:
    try:
        vk = VerifyingKey.load(vk_path)
        rendered = render_verifier(vk, contract_name=contract_name, batch=batch, source=vk_path.name,
                                   allow_development_key=allow_development_key)
        artifact = compile_sources({f"{rendered.contract_name}.sol": rendered.source})[rendered.contract_name]
        account = sender(alias)
    except ZkmlChainError as e:
        raise click.ClickException(str(e)) from e
    contract = container(artifact).deploy(sender=account)
    receipt = contract.creation_metadata.receipt if contract.creation_metadata else None
    gas = f", {receipt.gas_used:,} gas" if receipt is not None else ""
    if rendered.development_key:
        click.secho(f"warning: {vk.phase2_problem()}: proofs can be forged", fg="yellow", err=True)
    click.echo(f"{rendered.contract_name} ({rendered.n_public} public inputs) deployed at {contract.address}"
               f"{gas} [hardfork {hardfork()}]")
