"""The lending pool with Ape, step by step or as the whole story.

    ape run lending demo [--out build/lending] [--model mlp|lr]      # everything, on Ape's Anvil

Against a node that keeps its state between commands (e.g. `node_modules/.bin/anvil --hardfork
prague` on port 8545, which ape-foundry connects to instead of starting its own):

    ape run lending deploy  --circuit build/lending/mlp_circuit --out deployment.json [--min-score 0.6]
    ape run lending register --deployment deployment.json --circuit build/lending/lr_circuit --name credit-lr
    ape run lending attest  --deployment deployment.json --borrower 2 --record 17 --out alice.json
    ape run lending borrow  --deployment deployment.json --application alice.json --amount 500
    ape run lending repay   --deployment deployment.json --borrower 2 --amount 500

The bureau flow (claims proved in bulk, posted in batches, borrowed against without a proof):

    ape run lending deploy-scores --deployment deployment.json --out scores.json
    ape run lending claims      --deployment deployment.json --scores scores.json --out claims.jsonl alice.json ...
    zkml-chain prove-batch build/lending/mlp_circuit --inputs claims.jsonl --out proofs
    ape run lending post-claims --deployment deployment.json --scores scores.json --proofs proofs --batch 16
    ape run lending borrow-claim --deployment deployment.json --borrower 2 --amount 500

The circuit folder comes from `zkml-chain demo` (or compile_lending_circuit + `zkml-chain
setup`). Each command signs with `--account ALIAS` (an Ape keystore account, any network); on a
local network it defaults to the role's test account (0 owns the contracts, 1 is the bureau, a
borrower signs as the address in its application). `demo` plays every party and runs locally only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import numpy as np
from ape import accounts, networks
from ape.api import AccountAPI
from ape.cli import ConnectedProviderCommand
from rich.console import Console
from web3 import Web3

from zkml_chain.chain.ape_glue import hardfork, signer, use_project_toolchain
from zkml_chain.chain.evm import Evm, Reverted
from zkml_chain.errors import ZkmlChainError
from zkml_chain.files import read_json
from zkml_chain.lending.bureau import (
    Client,
    attach_scores,
    claim_inputs,
    deploy_scores,
    load_claims,
    post_claims,
    save_scores,
    write_jsonl,
)
from zkml_chain.lending.demo import TOKEN, Printer, Story, prepare, report, run_story
from zkml_chain.lending.features import load
from zkml_chain.lending.stack import Prover, attach, deploy_stack, issue_application, save_deployment

use_project_toolchain()  # npm anvil and solc for Ape's plugins, in this process only

OWNER, BUREAU = 0, 1
deployment_option = click.option("--deployment", required=True, help="The file `deploy` wrote.",
                                 type=click.Path(dir_okay=False, exists=True, path_type=Path))
circuit_option = click.option("--circuit", required=True, help="A set-up lending circuit folder of the model.",
                              type=click.Path(file_okay=False, exists=True, path_type=Path))
borrower_option = click.option("--borrower", required=True, help="An 0x-address, or a test account index.")
account_option = click.option("--account", "alias", default=None,
                              help="Ape account alias that signs (default on a local network: the role's test account).")
allow_development_key_option = click.option(
    "--allow-development-key", is_flag=True,
    help="Deploy a verifier even for a development key or one without a phase-2 contribution (forgeable: "
         "local test chains only).")


def _uri() -> str:
    return str(getattr(networks.provider, "uri", None) or getattr(networks.provider, "http_uri", None))


def _local_only(what: str) -> None:
    if not networks.provider.network.is_local:
        raise click.ClickException(f"on a live network, {what}")


def _test_account(index: int) -> AccountAPI:
    _local_only("choose the signing account with --account ALIAS")
    if not 0 <= index < len(accounts.test_accounts):
        raise click.BadParameter(f"test accounts are 0..{len(accounts.test_accounts) - 1}, got {index}")
    return accounts.test_accounts[index]


def _party(alias: str | None, default: int) -> Evm:
    """A connection that signs as the Ape account ``alias`` (or a test account on local networks)."""
    account = accounts.load(alias) if alias else _test_account(default)
    return Evm(_uri(), sender=account.address, signer=signer(account))


def _address(value: str) -> str:
    """An address, or (local networks) a test account's index."""
    if value.startswith("0x"):
        return Web3.to_checksum_address(value)
    if not value.isdigit():
        raise click.BadParameter(f"expected an 0x-address or a test account index, got {value!r}")
    return str(_test_account(int(value)).address)


def _signing_as(alias: str | None, address: str) -> Evm:
    """Sign as ``address``: with --account (checked), or its test account on a local network."""
    if alias:
        evm = _party(alias, 0)
        if evm.sender != Web3.to_checksum_address(address):
            raise click.ClickException(f"--account {alias} is {evm.sender}, not {address}")
        return evm
    _local_only(f"sign as {address} with --account ALIAS")
    match = [i for i, a in enumerate(accounts.test_accounts) if a.address == Web3.to_checksum_address(address)]
    if not match:
        raise click.ClickException(f"{address} is not a test account here: sign with --account ALIAS")
    return _party(None, match[0])


def _run(fn: Any) -> Any:
    try:
        return fn()
    except ZkmlChainError as e:
        raise click.ClickException(str(e)) from e


@click.group(short_help="Private credit-score lending: demo, deploy, register, attest, borrow, repay, bureau claims")
def cli() -> None:
    pass


@cli.command(cls=ConnectedProviderCommand, short_help="The whole story, each step with its gas")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("build/lending"),
              show_default=True)
@click.option("--model", type=click.Choice(["mlp", "lr"]), default="mlp", show_default=True)
@click.option("--min-score", default=0.6, show_default=True, type=click.FloatRange(0.0, 1.0, max_open=True))
@click.option("--ceremony-cache", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder caching the ceremony's phase-1 file and initial key [default: OUT/ceremony].")
def demo(out: Path, model: str, min_score: float, ceremony_cache: Path | None) -> None:
    _local_only("the demo plays every party with the node's unlocked test accounts: use a local network")
    evm = Evm(_uri())
    console = Console(soft_wrap=True)
    story = Story(out, model, min_score=min_score, ceremony_cache=ceremony_cache)

    def go() -> bool:
        p = Printer(console)
        prover, ds, rows = prepare(story, p)
        ok, _ = run_story(evm, prover, ds, rows, story, p, f"{networks.provider.name} at {evm.w3.provider.endpoint_uri}")
        report(story, console, f"ape {networks.provider.network.choice}:{networks.provider.name}", hardfork(), p.steps, ok)
        return ok

    if not _run(go):
        raise click.ClickException("some step misbehaved (see above)")


@cli.command(cls=ConnectedProviderCommand, short_help="Deploy verifier, token, registries and pool")
@circuit_option
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Deployment file to write.")
@click.option("--min-score", default=0.6, show_default=True, type=click.FloatRange(0.0, 1.0, max_open=True))
@click.option("--max-debt", default=5_000, show_default=True, type=click.IntRange(1), help="Per borrower, in tokens.")
@click.option("--liquidity", default=1_000_000, show_default=True, type=click.IntRange(1), help="Tokens minted to the pool.")
@click.option("--attester", default=str(BUREAU), show_default=True,
              help="The bureau: an 0x-address or a test account index.")
@account_option
@allow_development_key_option
def deploy(circuit: Path, out: Path, min_score: float, max_debt: int, liquidity: int, attester: str,
           alias: str | None, allow_development_key: bool) -> None:
    def go() -> None:
        evm = _party(alias, OWNER)
        prover = Prover(circuit)
        stack = deploy_stack(evm, prover, min_score=min_score, max_debt=max_debt * TOKEN, liquidity=liquidity * TOKEN,
                             attester=_address(attester), model_name=circuit.name, model_version="1.0.0",
                             allow_development_key=allow_development_key)
        save_deployment(stack, out, circuit)
        for step, gas in stack.gas.items():
            click.echo(f"{step:<34} {gas:>10,} gas")
        click.echo(f"pool {stack.pool.address}, model {prover.model_commitment:#x} registered; "
                   f"deployment -> {out} [hardfork {hardfork()}]")

    _run(go)


@cli.command(cls=ConnectedProviderCommand, short_help="Register another model (deploys its verifier)")
@deployment_option
@circuit_option
@click.option("--name", required=True, help="The model's name in the registry.")
@click.option("--version", "version", default="1.0.0", show_default=True)
@account_option
@allow_development_key_option
def register(deployment: Path, circuit: Path, name: str, version: str, alias: str | None,
             allow_development_key: bool) -> None:
    def go() -> None:
        stack, _ = attach(_party(alias, OWNER), deployment)
        prover = Prover(circuit)
        verifier, deploy_gas, gas = stack.register_model(prover, name, version, allow_development_key)
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
@account_option
def attest(deployment: Path, borrower: str, record: int, days: int, out: Path, alias: str | None) -> None:
    def go() -> None:
        evm = _party(alias, BUREAU)
        stack, _ = attach(evm, deployment)
        who = _address(borrower)
        sent, commitment = issue_application(stack, evm.sender, who, load().features[record], days, out, record)
        click.echo(f"attested {who}: commitment {commitment:#x}, valid {days} days ({sent.gas_used:,} gas); "
                   f"record and salt -> {out}")

    _run(go)


@cli.command(cls=ConnectedProviderCommand, short_help="Prove the score clears the policy, then borrow")
@deployment_option
@click.option("--application", required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="The file `attest` wrote for the borrower.")
@click.option("--amount", required=True, type=click.IntRange(1), help="Tokens.")
@account_option
def borrow(deployment: Path, application: Path, amount: int, alias: str | None) -> None:
    def go() -> None:
        app = read_json(application, "application")
        evm = _signing_as(alias, str(app["borrower"]))
        stack, circuit = attach(evm, deployment)
        prover = Prover(circuit)
        who = evm.sender
        nonce = int(stack.pool.functions.nonceOf(who).call())
        threshold = int(stack.pool.functions.minThreshold().call()) / 2**prover.scale
        proof, public = prover.prove(app["features"], int(app["salt"]), threshold, who, stack.domain(), nonce)
        error = stack.borrow_error(who, amount * TOKEN, proof, public)
        if error:
            raise click.ClickException(f"the pool refuses: {error}")
        sent = stack.borrow(who, amount * TOKEN, proof, public)
        debt = stack.pool.functions.debtOf(who).call() // TOKEN
        click.echo(f"{who} borrowed {amount} dUSD with nonce {nonce} ({sent.gas_used:,} gas); "
                   f"balance {stack.balance(who) // TOKEN:,} dUSD, debt {debt:,}")

    _run(go)


@cli.command(cls=ConnectedProviderCommand, short_help="Repay (approve + repay)")
@deployment_option
@borrower_option
@click.option("--amount", required=True, type=click.IntRange(1), help="Tokens.")
@account_option
def repay(deployment: Path, borrower: str, amount: int, alias: str | None) -> None:
    def go() -> None:
        evm = _signing_as(alias, _address(borrower))
        stack, _ = attach(evm, deployment)
        who = evm.sender
        debt = int(stack.pool.functions.debtOf(who).call())
        if amount * TOKEN > debt:
            raise click.ClickException(f"{who} owes {debt / TOKEN:,} dUSD, less than {amount}")
        approve, sent = stack.repay(who, amount * TOKEN)
        debt = stack.pool.functions.debtOf(who).call() // TOKEN
        click.echo(f"{who} repaid {amount} dUSD ({approve.gas_used:,} + {sent.gas_used:,} gas); "
                   f"debt {debt:,}, pool {stack.balance(stack.pool.address) // TOKEN:,} dUSD")

    _run(go)


scores_option = click.option("--scores", required=True, help="The file `deploy-scores` wrote.",
                             type=click.Path(dir_okay=False, exists=True, path_type=Path))


@cli.command("deploy-scores", cls=ConnectedProviderCommand,
             short_help="Deploy ScoreRegistry and the batch verifier; the pool accepts posted claims")
@deployment_option
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Registry file to write.")
@click.option("--claim-days", default=7, show_default=True, type=click.IntRange(1), help="How long a posted claim counts.")
@account_option
@allow_development_key_option
def deploy_scores_cmd(deployment: Path, out: Path, claim_days: int, alias: str | None,
                      allow_development_key: bool) -> None:
    def go() -> None:
        evm = _party(alias, OWNER)
        stack, circuit = attach(evm, deployment)
        scores = deploy_scores(stack, Prover(circuit), claim_epochs=claim_days,
                               allow_development_key=allow_development_key)
        save_scores(scores, out)
        for step, gas in scores.gas.items():
            click.echo(f"{step:<36} {gas:>10,} gas")
        click.echo(f"ScoreRegistry {scores.registry.address}; registry file -> {out}")

    _run(go)


@cli.command(cls=ConnectedProviderCommand, short_help="The bureau's prove-batch inputs: each client's best tier")
@deployment_option
@scores_option
@click.argument("applications", nargs=-1, required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="INPUTS.jsonl to write.")
def claims(deployment: Path, scores: Path, applications: tuple[Path, ...], out: Path) -> None:
    """One claim per APPLICATIONS file (`attest` wrote them), for this epoch and registry."""
    def go() -> None:
        evm = Evm(_uri())
        _, circuit = attach(evm, deployment)
        registry = attach_scores(evm, scores)
        apps = [read_json(a, "application") for a in applications]
        clients = [Client(Web3.to_checksum_address(a["borrower"]), np.asarray(a["features"]), int(a["salt"]))
                   for a in apps]
        objs = claim_inputs(Prover(circuit), clients, registry.domain(), registry.epoch())
        write_jsonl(out, [o for o in objs if o is not None])
        for a, o in zip(applications, objs, strict=True):
            click.echo(f"{a}: " + (f"claims p(good) >= {o['threshold']}" if o else "below every tier: no claim"))
        click.echo(f"{sum(o is not None for o in objs)} claims -> {out}")

    _run(go)


@cli.command("post-claims", cls=ConnectedProviderCommand, short_help="Post a prove-batch folder in batches of N")
@deployment_option
@scores_option
@click.option("--proofs", required=True, type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="The PROOFS_DIR of `zkml-chain prove-batch`.")
@click.option("--batch", "batch_size", default=16, show_default=True, type=click.IntRange(1, 256))
@account_option
def post_claims_cmd(deployment: Path, scores: Path, proofs: Path, batch_size: int, alias: str | None) -> None:
    """Every proof is checked here first; one that does not verify is left out (on chain it
    would fail its whole batch)."""
    def go() -> None:
        evm = _party(alias, BUREAU)
        stack, circuit = attach(evm, deployment)
        registry = attach_scores(evm, scores)
        good, rejected = load_claims(proofs, Prover(circuit).verifying_key)
        for item, reason in rejected:
            click.echo(f"left out {item}: {reason}", err=True)
        if not good:
            raise click.ClickException(f"{proofs}: no claim to post")
        posted = post_claims(evm, registry, stack.models, good, batch_size)
        for p in posted:
            click.echo(f"posted {p.claims} claims: {p.gas:,} gas ({p.gas_per_claim:,.0f} per claim)")
        total = sum(p.gas for p in posted)
        click.echo(f"{len(good)} claims in {len(posted)} transactions, {total / len(good):,.0f} gas per claim")

    _run(go)


@cli.command("borrow-claim", cls=ConnectedProviderCommand, short_help="Borrow against a posted claim (no proof)")
@deployment_option
@borrower_option
@click.option("--amount", required=True, type=click.IntRange(1), help="Tokens.")
@account_option
def borrow_claim(deployment: Path, borrower: str, amount: int, alias: str | None) -> None:
    def go() -> None:
        evm = _signing_as(alias, _address(borrower))
        stack, _ = attach(evm, deployment)
        fn = stack.pool.functions.borrowWithClaim(amount * TOKEN)
        dry = evm.call(fn)
        if isinstance(dry, Reverted):
            raise click.ClickException(f"the pool refuses: {dry.error}")
        sent = evm.send(fn)
        click.echo(f"{evm.sender} borrowed {amount} dUSD against its posted claim ({sent.gas_used:,} gas); "
                   f"debt {stack.pool.functions.debtOf(evm.sender).call() // TOKEN:,}")

    _run(go)
