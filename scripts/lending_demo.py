"""The lending story on the network Ape connects to (by default a local Anvil that ape-foundry
starts and stops, hardfork from ape-config.yaml):

    ape run lending_demo [--out build/lending] [--model mlp|lr] [--min-score 0.6]

Deploys the stack (verifier, DemoStablecoin, ModelRegistry, AttestationRegistry,
CreditLendingPool), registers the model, lets a bureau attest two held-out applicants, proves and
borrows (and fails to), replays, repays, and prints each step with its gas. Local networks only:
the story's parties are the node's unlocked test accounts.
"""

from __future__ import annotations

from pathlib import Path

import click
from ape import networks
from ape.cli import ConnectedProviderCommand
from rich.console import Console

from zkml_chain.chain.ape_glue import hardfork
from zkml_chain.chain.evm import Evm
from zkml_chain.errors import ZkmlChainError
from zkml_chain.lending.demo import Printer, Story, prepare, report, run_story


@click.command(cls=ConnectedProviderCommand, short_help="Private credit-score lending, end to end")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("build/lending"),
              show_default=True)
@click.option("--model", type=click.Choice(["mlp", "lr"]), default="mlp", show_default=True)
@click.option("--min-score", default=0.6, show_default=True, type=click.FloatRange(0.0, 1.0, max_open=True))
def cli(out: Path, model: str, min_score: float) -> None:
    if not networks.provider.network.is_local:
        raise click.ClickException("lending_demo plays every party with the node's unlocked test accounts: "
                                   "run it on a local network")
    console = Console(soft_wrap=True)
    story = Story(out, model, min_score=min_score)
    try:
        p = Printer(console)
        prover, ds, rows = prepare(story, p)
        uri = getattr(networks.provider, "uri", None) or getattr(networks.provider, "http_uri", None)
        ok = run_story(Evm(str(uri)), prover, ds, rows, story, p, f"{networks.provider.name} at {uri}")
        report(story, console, hardfork())
    except ZkmlChainError as e:
        raise click.ClickException(str(e)) from e
    if not ok:
        raise click.ClickException("some step misbehaved (see above)")
