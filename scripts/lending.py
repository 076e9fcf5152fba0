"""The lending pool with Ape, step by step or as the whole story.

    ape run lending demo [--out build/lending] [--model mlp|lr]      # everything, on Ape's Anvil

Against a node that keeps its state between commands (e.g. `node_modules/.bin/anvil --hardfork
prague` on port 8545, which ape-foundry connects to instead of starting its own):

    ape run lending deploy  --circuit build/lending/mlp_circuit --out deployment.json [--min-score 0.6]
    ape run lending register --deployment deployment.json --circuit build/lending/lr_circuit --name credit-lr
    ape run lending attest  --deployment deployment.json --borrower 2 --record 17 --out alice.json
    ape run lending borrow  --deployment deployment.json --application alice.json --amount 500
    ape run lending repay   --deployment deployment.json --borrower 2 --amount 500

The circuit folder comes from `zkml-chain demo` (or compile_lending_circuit + `zkml-chain
setup`). Parties are the node's unlocked test accounts by index (0 owns the contracts, 1 is the
bureau), so these commands run on local networks only.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import click
from ape import networks
from ape.cli import ConnectedProviderCommand
from rich.console import Console

from zkml_chain.chain.ape_glue import hardfork
from zkml_chain.chain.evm import Evm
from zkml_chain.errors import ZkmlChainError
from zkml_chain.files import read_json, write_json
from zkml_chain.lending.demo import TOKEN, Printer, Story, prepare, report, run_story
from zkml_chain.lending.features import load
from zkml_chain.lending.stack import Prover, attach, deploy_stack, input_commitment, save_deployment

OWNER, BUREAU = 0, 1
deployment_option = click.option("--deployment", required=True, help="The file `deploy` wrote.",
                                 type=click.Path(dir_okay=False, exists=True, path_type=Path))
borrower_option = click.option("--borrower", required=True, type=int, help="Test account index of the borrower.")


def _evm() -> Evm:
    if not networks.provider.network.is_local:
        raise click.ClickException("these commands play their parties with the node's unlocked test accounts: "
                                   "use a local network")
    uri = getattr(networks.provider, "uri", None) or getattr(networks.provider, "http_uri", None)
    return Evm(str(uri))


def _account(evm: Evm, index: int) -> str:
    accounts = evm.w3.eth.accounts
    if not 0 <= index < len(accounts):
        raise click.BadParameter(f"the node has test accounts 0..{len(accounts) - 1}", param_hint="account")
    return str(accounts[index])


def _run(fn: Any) -> Any:
    try:
        return fn()
    except ZkmlChainError as e:
        raise click.ClickException(str(e)) from e


@click.group(short_help="Private credit-score lending: demo, deploy, register, attest, borrow, repay")
def cli() -> None:
    pass


@cli.command(cls=ConnectedProviderCommand, short_help="The whole story, each step with its gas")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("build/lending"),
              show_default=True)
@click.option("--model", type=click.Choice(["mlp", "lr"]), default="mlp", show_default=True)
@click.option("--min-score", default=0.6, show_default=True, type=click.FloatRange(0.0, 1.0, max_open=True))
def demo(out: Path, model: str, min_score: float) -> None:
    evm = _evm()
    console = Console(soft_wrap=True)
    story = Story(out, model, min_score=min_score)

    def go() -> bool:
        p = Printer(console)
        prover, ds, rows = prepare(story, p)
        ok = run_story(evm, prover, ds, rows, story, p, f"{networks.provider.name} at {evm.w3.provider.endpoint_uri}")
        report(story, console, hardfork())
        return ok

    if not _run(go):
        raise click.ClickException("some step misbehaved (see above)")


@cli.command(cls=ConnectedProviderCommand, short_help="Deploy verifier, token, registries and pool")
@click.option("--circuit", required=True, type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="A set-up lending circuit folder.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Deployment file to write.")
@click.option("--min-score", default=0.6, show_default=True, type=click.FloatRange(0.0, 1.0, max_open=True))
@click.option("--max-debt", default=5_000, show_default=True, type=click.IntRange(1), help="Per borrower, in tokens.")
@click.option("--liquidity", default=1_000_000, show_default=True, type=click.IntRange(1), help="Tokens minted to the pool.")
def deploy(circuit: Path, out: Path, min_score: float, max_debt: int, liquidity: int) -> None:
    evm = _evm()

    def go() -> None:
        prover = Prover(circuit)
        stack = deploy_stack(evm.with_sender(_account(evm, OWNER)), prover, min_score=min_score,
                             max_debt=max_debt * TOKEN, liquidity=liquidity * TOKEN,
                             attester=_account(evm, BUREAU), model_name=circuit.name, model_version="1.0.0")
        save_deployment(stack, out, circuit)
        for step, gas in stack.gas.items():
            click.echo(f"{step:<34} {gas:>10,} gas")
        click.echo(f"pool {stack.pool.address}, model {prover.model_commitment:#x} registered; "
                   f"deployment -> {out} [hardfork {hardfork()}]")

    _run(go)


@cli.command(cls=ConnectedProviderCommand, short_help="Register another model (deploys its verifier)")
@deployment_option
@click.option("--circuit", required=True, type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="A set-up lending circuit folder of the model.")
@click.option("--name", required=True, help="The model's name in the registry.")
@click.option("--version", "version", default="1.0.0", show_default=True)
def register(deployment: Path, circuit: Path, name: str, version: str) -> None:
    evm = _evm()

    def go() -> None:
        stack, _ = attach(evm.with_sender(_account(evm, OWNER)), deployment)
        prover = Prover(circuit)
        verifier, deploy_gas, gas = stack.register_model(prover, name, version)
        click.echo(f"model {prover.model_commitment:#x} ({name} {version}) registered with verifier {verifier} "
                   f"({deploy_gas:,} + {gas:,} gas)")

    _run(go)


@cli.command(cls=ConnectedProviderCommand, short_help="The bureau attests a borrower's record")
@deployment_option
@borrower_option
@click.option("--record", required=True, type=click.IntRange(0, 999), help="Row of the German Credit data set.")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1), help="Validity.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The borrower's copy: record, salt (never on chain) and commitment.")
def attest(deployment: Path, borrower: int, record: int, days: int, out: Path) -> None:
    evm = _evm()

    def go() -> None:
        stack, _ = attach(evm, deployment)
        who = _account(evm, borrower)
        features, salt = load().features[record], secrets.randbelow(2**128)
        commitment = input_commitment(features, salt)
        expires = int(evm.w3.eth.get_block("latest")["timestamp"]) + days * 86_400
        sent = stack.attest(_account(evm, BUREAU), who, commitment, expires)
        write_json(out, {"borrower": who, "record": record, "features": features.tolist(), "salt": str(salt),
                         "commitment": str(commitment), "expires_at": expires})
        click.echo(f"attested {who}: commitment {commitment:#x}, valid {days} days ({sent.gas_used:,} gas); "
                   f"record and salt -> {out}")

    _run(go)


@cli.command(cls=ConnectedProviderCommand, short_help="Prove the score clears the policy, then borrow")
@deployment_option
@click.option("--application", required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="The file `attest` wrote for the borrower.")
@click.option("--amount", required=True, type=click.IntRange(1), help="Tokens.")
def borrow(deployment: Path, application: Path, amount: int) -> None:
    evm = _evm()

    def go() -> None:
        stack, circuit = attach(evm, deployment)
        app = read_json(application, "application")
        prover = Prover(circuit)
        who = str(app["borrower"])
        nonce = int(stack.pool.functions.nonceOf(who).call())
        threshold = int(stack.pool.functions.minThreshold().call()) / 2**prover.scale
        proof, public = prover.prove(app["features"], int(app["salt"]), threshold, who, int(evm.w3.eth.chain_id), nonce)
        error = stack.borrow_error(who, amount * TOKEN, proof, public)
        if error:
            raise click.ClickException(f"the pool refuses: {error}")
        sent = stack.borrow(who, amount * TOKEN, proof, public)
        click.echo(f"{who} borrowed {amount} dUSD with nonce {nonce} ({sent.gas_used:,} gas); "
                   f"balance {stack.balance(who) // TOKEN:,} dUSD, debt {stack.pool.functions.debtOf(who).call() // TOKEN:,}")

    _run(go)


@cli.command(cls=ConnectedProviderCommand, short_help="Repay (approve + repay)")
@deployment_option
@borrower_option
@click.option("--amount", required=True, type=click.IntRange(1), help="Tokens.")
def repay(deployment: Path, borrower: int, amount: int) -> None:
    evm = _evm()

    def go() -> None:
        stack, _ = attach(evm, deployment)
        who = _account(evm, borrower)
        debt = int(stack.pool.functions.debtOf(who).call())
        if amount * TOKEN > debt:
            raise click.ClickException(f"{who} owes {debt / TOKEN:,} dUSD, less than {amount}")
        approve, sent = stack.repay(who, amount * TOKEN)
        click.echo(f"{who} repaid {amount} dUSD ({approve.gas_used:,} + {sent.gas_used:,} gas); "
                   f"debt {stack.pool.functions.debtOf(who).call() // TOKEN:,}, pool {stack.balance(stack.pool.address) // TOKEN:,} dUSD")

    _run(go)
