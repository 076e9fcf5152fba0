"""The ``zkml-chain`` command line: a thin layer over the library.

Exit codes: 0 success (``verify``: the proof is valid), 1 ``verify``: the proof is invalid,
2 bad input (malformed files, values out of range, a witness that breaks a constraint) — always
one line on stderr, never a traceback.
"""

from __future__ import annotations

import logging
import shutil
import sys
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.logging import RichHandler

from .errors import ZkmlChainError

F = TypeVar("F", bound=Callable[..., Any])
err = Console(stderr=True, soft_wrap=True)

ZKEY_NAME = "circuit.zkey"
VK_NAME = "verification_key.json"
R1CS_NAME = "circuit.r1cs"


def _friendly(fn: F) -> F:
    """Turn expected failures into one line on stderr and exit code 2."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ZkmlChainError as e:
            err.print(f"[bold red]error:[/] {e}", highlight=False)
            sys.exit(2)
        except OSError as e:
            where = f": {e.filename}" if e.filename else ""
            err.print(f"[bold red]error:[/] {e.strerror or e}{where}", highlight=False)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


@click.group()
@click.version_option(package_name="zkml-chain")
@click.option("-v", "--verbose", is_flag=True, help="Log each step with its timing.")
def main(verbose: bool) -> None:
    """Prove ML inference with Groth16 on BN254 and verify it on Ethereum."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(console=err, show_path=False)],
    )


@main.command()
@click.argument("circuit", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for circuit.zkey, verification_key.json and a copy of the circuit.")
@_friendly
def setup(circuit: Path, out: Path) -> None:
    """Development trusted setup for CIRCUIT (.r1cs): proving and verifying keys in OUT.

    The key is made by one party and marked as a development key; use a phase-2 ceremony
    (snarkjs zkey contribute) before it secures anything of value.
    """
    from .files import write_all
    from .groth16 import setup as run_setup
    from .r1cs import R1CS

    t0 = time.perf_counter()
    r1cs = R1CS.load(circuit)
    with err.status(f"setup: {r1cs.n_constraints:,} constraints, {r1cs.n_wires:,} wires"):
        pk = run_setup(r1cs)
        zkey = pk.to_zkey()
    import json

    vk_json = (json.dumps(pk.verifying_key.to_snarkjs(), indent=1) + "\n").encode()
    write_all({out / ZKEY_NAME: zkey, out / VK_NAME: vk_json, out / R1CS_NAME: circuit.read_bytes()})
    sym = circuit.with_suffix(".sym")
    if sym.is_file():
        shutil.copyfile(sym, out / "circuit.sym")
    err.print("[bold yellow]warning:[/] development key (single-party setup): whoever ran it could forge "
              "proofs; do not secure value with it.", highlight=False)
    click.echo(f"setup: {r1cs.n_constraints} constraints, domain {pk.domain_size}, "
               f"{pk.n_public} public signals -> {out / ZKEY_NAME}, {out / VK_NAME} "
               f"({time.perf_counter() - t0:.2f}s)")


@main.command()
@click.argument("keydir", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--wtns", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Witness (circom .wtns).")
@click.option("--proof", "proof_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write proof.json (snarkjs format).")
@click.option("--public", "public_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write public.json (snarkjs format).")
@_friendly
def prove(keydir: Path, wtns: Path, proof_path: Path, public_path: Path) -> None:
    """Prove with the key in KEYDIR (from `setup`, or any snarkjs Groth16 .zkey named circuit.zkey).

    The proof is checked before it is written; if the witness breaks a constraint and KEYDIR
    holds the circuit (circuit.r1cs), the first failing constraint is named.
    """
    import json

    from .files import write_all
    from .groth16 import prove as run_prove
    from .groth16.keys import ProvingKey
    from .r1cs import R1CS, Witness

    from .errors import WitnessError
    from .groth16 import verify as run_verify

    t0 = time.perf_counter()
    witness = Witness.load(wtns)
    pk = ProvingKey.load(keydir / ZKEY_NAME)
    proof, public = run_prove(pk, witness)
    # Checking the proof costs one pairing product (milliseconds); only when it fails is the
    # circuit parsed to name the broken constraint. Nothing is written for a bad witness.
    if not run_verify(pk.verifying_key, proof, public):
        circuit = keydir / R1CS_NAME
        if circuit.is_file():
            R1CS.load(circuit).check(witness)
        raise WitnessError("the proof does not verify: the witness does not satisfy the circuit "
                           "(or the key is corrupt)")
    write_all({
        proof_path: (json.dumps(proof.to_snarkjs(), indent=1) + "\n").encode(),
        public_path: (json.dumps([str(v) for v in public], indent=1) + "\n").encode(),
    })
    if pk.development:
        err.print("[yellow]note:[/] proved with a development key", highlight=False)
    click.echo(f"prove: {pk.n_vars} wires, {pk.n_public} public signals -> {proof_path}, {public_path} "
               f"({time.perf_counter() - t0:.2f}s)")


@main.command()
@click.argument("vk_path", metavar="VERIFICATION_KEY", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("proof_path", metavar="PROOF", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("public_path", metavar="PUBLIC", type=click.Path(dir_okay=False, path_type=Path))
@_friendly
def verify(vk_path: Path, proof_path: Path, public_path: Path) -> None:
    """Check PROOF for the PUBLIC signals under VERIFICATION_KEY (snarkjs JSON formats).

    Exit 0 valid, 1 invalid, 2 malformed input.
    """
    from .groth16 import Proof, VerifyingKey, load_public
    from .groth16 import verify as run_verify

    vk = VerifyingKey.load(vk_path)
    proof = Proof.load(proof_path)
    public = load_public(public_path)
    if run_verify(vk, proof, public):
        click.echo("valid: the proof verifies for these public signals")
        return
    click.echo("invalid: the proof does not verify for these public signals")
    sys.exit(1)


@main.command()
@click.argument("vk_path", metavar="VERIFICATION_KEY", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the Solidity source (e.g. Verifier.sol).")
@click.option("--contract-name", default=None,
              help="Contract name [default: Groth16Verifier, or Groth16BatchVerifier with --batch].")
@click.option("--batch", is_flag=True, help="Render verifyBatch (N proofs in N + 3 pairings) instead of verifyProof.")
@click.option("--compile/--no-compile", "do_compile", default=True, show_default=True,
              help="Compile with the pinned npm solc and write the ABI and bytecode next to OUT (.json).")
@click.option("--allow-unsafe-key", is_flag=True,
              help="Render even a key without a phase-2 contribution (delta = gamma or the G2 generator).")
@_friendly
def verifier(vk_path: Path, out: Path, contract_name: str | None, batch: bool, do_compile: bool,
             allow_unsafe_key: bool) -> None:
    """Solidity verifier for VERIFICATION_KEY (ours or snarkjs's verification_key.json).

    The contract is a drop-in for snarkjs's Groth16Verifier (`verifyProof`), or with --batch
    has `verifyBatch(uint256[8][] proofs, uint256[N][] pubSignals)`. It returns false for a
    proof that does not verify and reverts on malformed input.
    """
    import json

    from .files import write_all
    from .groth16 import VerifyingKey
    from .solidity import compile_sources, render_verifier

    vk = VerifyingKey.load(vk_path)
    rendered = render_verifier(vk, contract_name=contract_name, batch=batch, source=vk_path.name,
                               allow_unsafe_key=allow_unsafe_key)
    files = {out: rendered.source.encode()}
    if do_compile:
        with err.status("compiling with npm solc"):
            artifact = compile_sources({out.name: rendered.source})[rendered.contract_name]
        for w in artifact.warnings:
            err.print(f"[yellow]solc warning:[/] {w}", highlight=False)
        files[out.with_suffix(".json")] = (json.dumps(artifact.to_json(), indent=1) + "\n").encode()
    write_all(files)
    if vk.development:
        err.print("[bold yellow]warning:[/] development key: whoever ran its setup can forge proofs this "
                  "contract accepts.", highlight=False)
    kind = "batch verifier" if batch else "verifier"
    click.echo(f"{kind}: {rendered.contract_name}, {rendered.n_public} public inputs -> "
               + ", ".join(str(f) for f in files))


@main.command()
@click.option("--constraints", default=2**14, show_default=True, type=click.IntRange(1, 2**26),
              help="Size of the sample circuit (a chain of squarings).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("build/demo"),
              show_default=True, help="Folder for the artifacts.")
@_friendly
def demo(constraints: int, out: Path) -> None:
    """End to end on a sample circuit: build, setup, prove, verify; prints timings."""
    from .demo import run_demo

    run_demo(constraints, out, Console(soft_wrap=True))


if __name__ == "__main__":  # pragma: no cover
    main()
