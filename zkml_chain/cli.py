"""The ``zkml-chain`` command line: a thin layer over the library.

Exit codes: 0 success (``verify``: the proof is valid), 1 ``verify``: the proof is invalid,
2 bad input (malformed files, values out of range, a witness that breaks a constraint) — always
one line on stderr, never a traceback; 3 an internal error (a bug: one line, the traceback with -v).
"""

from __future__ import annotations

import logging
import shutil
import sys
import time
from collections.abc import Callable
from functools import cached_property, wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from .errors import ZkmlChainError
from .keydir import R1CS_NAME, VK_NAME, ZKEY_NAME, write_keys

if TYPE_CHECKING:
    from rich.console import Console

F = TypeVar("F", bound=Callable[..., Any])


class _StderrConsole:
    """rich's Console on stderr, made on first use: importing rich costs tens of milliseconds that
    a command printing nothing to stderr (a successful `prove`) should not pay."""

    @cached_property
    def console(self) -> Console:
        from rich.console import Console

        return Console(stderr=True, soft_wrap=True)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.console, name)


err = _StderrConsole()


def _stdout_console() -> Console:
    from rich.console import Console

    return Console(soft_wrap=True)


def escape(text: str) -> str:
    """rich markup escaping, imported when a message is printed."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)

#: Exit code of an unexpected exception: a bug in zkml-chain, not bad input (which exits 2).
EXIT_INTERNAL = 3


def _friendly(fn: F) -> F:
    """Turn expected failures into one line on stderr and exit code 2, and anything unexpected
    into one line and exit code 3 (the traceback only with ``-v``): no traceback reaches a user."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ZkmlChainError as e:
            err.print(f"[bold red]error:[/] {escape(str(e))}", highlight=False)
            sys.exit(2)
        except OSError as e:
            where = f": {e.filename}" if e.filename else ""
            err.print(f"[bold red]error:[/] {escape(str(e.strerror or e) + where)}", highlight=False)
            sys.exit(2)
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt):
            raise
        except Exception as e:  # noqa: BLE001 - the last line of defence, reported as a bug
            ctx = click.get_current_context(silent=True)
            if ctx is not None and ctx.find_root().params.get("verbose"):
                err.print_exception()
            err.print(f"[bold red]internal error[/] (a bug in zkml-chain, please report it; -v shows the "
                      f"traceback): {type(e).__name__}: {escape(str(e))}", highlight=False)
            sys.exit(EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


class _LazyGroup(click.Group):
    """Commands whose module is imported only when they run (or when help lists them), so that
    `prove` does not pay for the ceremony code's imports."""

    # command -> (module beside this one, its attribute)
    lazy = {"ptau": ("cli_ceremony", "ptau"), "zkey": ("cli_ceremony", "zkey"),
            "prove-batch": ("cli_batch", "prove_batch"), "serve": ("cli_serve", "serve")}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            from importlib import import_module

            module_name, attr = self.lazy[cmd_name]
            module = import_module(f"{__package__}.{module_name}")
            self.add_command(getattr(module, attr), cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=_LazyGroup)
@click.version_option(package_name="zkml-chain")
@click.option("-v", "--verbose", is_flag=True, help="Log each step with its timing.")
@click.option("--threads", type=click.IntRange(0), default=0, envvar="ZKML_CHAIN_THREADS", show_default=True,
              help="Threads for the native kernels (0: one per core); also $ZKML_CHAIN_THREADS.")
def main(verbose: bool, threads: int) -> None:
    """Prove ML inference with Groth16 on BN254 and verify it on Ethereum."""
    if verbose:  # rich's handler (timestamps, levels in colour) only when asked: it costs start-up time
        from rich.logging import RichHandler

        logging.basicConfig(level=logging.INFO, format="%(message)s",
                            handlers=[RichHandler(console=err.console, show_path=False)])
    else:
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    if threads:
        from . import _native

        _native.set_num_threads(threads)


@main.command()
@click.argument("circuit", type=click.Path(path_type=Path))
@click.option("--out", "out", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for circuit.zkey, verification_key.json and a copy of the circuit "
                   "[default: CIRCUIT itself when it is a folder made by `compile`].")
@click.option("--ptau", "ptau_path", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="A prepared powers-of-tau file (ours or snarkjs's, e.g. Hermez's or PPoT's): phase 2 of "
                   "a real ceremony starts here. Without it, a development key.")
@_friendly
def setup(circuit: Path, out: Path | None, ptau_path: Path | None) -> None:
    """Groth16 setup for CIRCUIT (.r1cs, or a folder from `compile`): proving and verifying keys
    in OUT.

    With --ptau: the initial key of a phase-2 ceremony, equal to snarkjs's `groth16 setup`; add
    contributions (`zkml-chain zkey contribute`, then `zkey beacon`) before deploying it.
    Without: a development key made by this machine alone — whoever ran it knows tau and could
    forge proofs, and no phase-2 contribution changes that; `verifier` refuses it.
    """
    from .errors import ProofInputError
    from .groth16 import setup as run_setup
    from .r1cs import R1CS

    t0 = time.perf_counter()
    if circuit.is_dir():
        from .onnx.artifact import CIRCUIT_JSON

        out = out or circuit
        folder, circuit = circuit, circuit / R1CS_NAME
        if not circuit.is_file():
            raise ProofInputError(f"{folder} has no {R1CS_NAME} (make it with `zkml-chain compile`)")
        if (folder / CIRCUIT_JSON).is_file():  # a compiled folder: its current format, its own model and circuit
            from .onnx.compiled import CompiledModel

            CompiledModel.load(folder)
    elif out is None:
        raise click.UsageError("--out is required when CIRCUIT is an .r1cs file")
    r1cs = R1CS.load(circuit)
    if ptau_path is not None:
        from .ceremony.phase2 import initial_key
        from .ceremony.ptau import Ptau
        from .ceremony.snarkjs import format_hash
        from .cli_ceremony import progress_bar

        with err.status(f"reading {ptau_path.name}"):
            ptau = Ptau.load(ptau_path)
        with progress_bar() as bar:
            pk = initial_key(r1cs, ptau, bar)
    else:
        with err.status(f"setup: {r1cs.n_constraints:,} constraints, {r1cs.n_wires:,} wires"):
            pk = run_setup(r1cs)
    same = circuit.resolve() == (out / R1CS_NAME).resolve()
    write_keys(pk, out, None if same else {out / R1CS_NAME: circuit.read_bytes()})
    sym = circuit.with_suffix(".sym")
    if sym.is_file() and sym.resolve() != (out / "circuit.sym").resolve():
        shutil.copyfile(sym, out / "circuit.sym")
    if ptau_path is None:
        err.print("[bold yellow]warning:[/] development key (single-party setup): whoever ran it knows tau and "
                  "could forge proofs, whatever phase-2 contributions follow; for a deployable key run "
                  "`setup --ptau` with a powers-of-tau file.", highlight=False)
    else:
        if pk.development:
            err.print("[bold yellow]warning:[/] the powers-of-tau file has no contribution: its tau is known, so "
                      "this key stays a development key.", highlight=False)
        click.echo(format_hash(pk.cs_hash, "Circuit hash:"))
        err.print("[yellow]note:[/] initial key (no phase-2 contribution yet): add contributions with "
                  "`zkml-chain zkey contribute` and close with `zkml-chain zkey beacon` before deploying.",
                  highlight=False)
    click.echo(f"setup: {r1cs.n_constraints} constraints, domain {pk.domain_size}, "
               f"{pk.n_public} public signals -> {out / ZKEY_NAME}, {out / VK_NAME} "
               f"({time.perf_counter() - t0:.2f}s)")


@main.command()
@click.argument("keydir", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--wtns", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Witness (circom .wtns).")
@click.option("--input", "input_path", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="For a folder made by `compile`: INPUT.json {\"<onnx input>\": nested numbers}.")
@click.option("--output", "output_path", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="With --input: where to write the model's outputs (dequantized and raw).")
@click.option("--proof", "proof_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write proof.json (snarkjs format).")
@click.option("--public", "public_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write public.json (snarkjs format).")
@click.option("--msm", "msm_kernel", default="batch-affine", hidden=True,
              type=click.Choice(["batch-affine", "arkworks"]),  # groth16.prove.MSM_KERNELS
              help="MSM kernel with --wtns, for benchmarks: ours, or arkworks' as the reference.")
@_friendly
def prove(keydir: Path, wtns: Path | None, input_path: Path | None, output_path: Path | None, proof_path: Path,
          public_path: Path, msm_kernel: str) -> None:
    """Prove with the key in KEYDIR (from `setup`, or any snarkjs Groth16 .zkey named circuit.zkey).

    The witness is a circom .wtns (--wtns) or, for a model compiled with `compile`, computed from
    --input; then --output receives the model's outputs. The proof is checked before it is
    written; if the witness breaks a constraint and KEYDIR holds the circuit (circuit.r1cs), the
    first failing constraint is named.
    """
    t0 = time.perf_counter()
    if (wtns is None) == (input_path is None):
        raise click.UsageError("give exactly one of --wtns and --input")
    if wtns is not None and output_path is not None:
        raise click.UsageError("--output goes with --input")
    from .files import json_bytes, read_json, write_all
    from .groth16 import prove as run_prove
    from .groth16.keys import ProvingKey
    from .groth16.mapped import MappedProvingKey
    from .witness import Witness

    # The library checks the proof (one pairing product); only when it fails is the circuit parsed
    # to name the broken constraint. Nothing is written for a bad witness.
    outputs = None
    pk: ProvingKey | MappedProvingKey
    if input_path is not None:
        from .onnx.folder import ModelFolder
        from .onnx.sample import prove_sample

        folder = ModelFolder.load(keydir)
        obj = read_json(input_path, "input")
        # The witness program first (no numpy, no circuit rebuild); the Python build for folders
        # without one and for inputs it refuses (it names the problem, or proves).
        proved = prove_sample(folder, obj, str(input_path))
        if proved is None:
            from .onnx.compiled import CompiledModel

            proved = CompiledModel.from_folder(folder).prove(obj, str(input_path))
        pk, proof, public, outputs = folder.proving_key, proved.proof, proved.public, proved.outputs
    else:
        witness = Witness.load(cast(Path, wtns))  # exactly one of --wtns and --input, checked above
        # The key is used in place from its file (mapped, no copy); the arkworks reference kernel
        # needs the points decoded in memory.
        pk = (MappedProvingKey if msm_kernel == "batch-affine" else ProvingKey).load(keydir / ZKEY_NAME)
        circuit = keydir / R1CS_NAME
        proof, public = run_prove(pk, witness, circuit=circuit if circuit.is_file() else None, msm_kernel=msm_kernel)
    files = {
        proof_path: json_bytes(proof.to_snarkjs()),
        public_path: json_bytes([str(v) for v in public]),
    }
    if outputs is not None and output_path is not None:
        files[output_path] = json_bytes(outputs)
    write_all(files)
    if pk.development:
        click.secho("note: proved with a development key", fg="yellow", err=True)
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


@main.command("compile")
@click.argument("model", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for model.onnx, circuit.json and circuit.r1cs.")
@click.option("--scale", default=8, show_default=True, type=int, help="Fixed-point scale: values are x·2^BITS.")
@click.option("--calibration", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help='JSON {"<onnx input>": [sample, ...]}: sets bit widths and gives the accuracy report.')
@click.option("--input-visibility", type=click.Choice(["private", "public", "hashed", "attested"]),
              default="private", show_default=True)
@click.option("--param-visibility", type=click.Choice(["private", "hashed", "fixed"]), default="hashed",
              show_default=True)
@click.option("--output-visibility", type=click.Choice(["public", "private", "hashed"]), default=None,
              help="[default: public; private with --threshold]")
@click.option("--threshold", default=None, metavar="OUTPUT:INDEX",
              help="Prove only OUTPUT[INDEX] >= a public threshold given at prove time (e.g. probabilities:1).")
@click.option("--context", multiple=True, metavar="NAME",
              help="A public value bound to each proof, given at prove time (repeatable; e.g. borrower, nonce).")
@_friendly
def compile_cmd(model: Path, out: Path, scale: int, calibration: Path | None, input_visibility: str,
                param_visibility: str, output_visibility: str | None, threshold: str | None,
                context: tuple[str, ...]) -> None:
    """Compile an ONNX MODEL into a circuit in OUT (then `setup OUT`, `prove OUT --input ...`).

    private = witness only; public = public signals; hashed = only a Poseidon commitment is
    public; attested = integer inputs, public as the commitment an attester publishes
    (poseidon.commit of the integers and INPUT.json's salt); fixed = weights baked into the
    circuit as constants. With --threshold the outputs stay private and INPUT.json gives
    "threshold" (in the output's units) and every --context NAME.
    """
    from .onnx.claim import Claim
    from .onnx.compile import compile_model
    from .onnx.visibility import InputVisibility, OutputVisibility, ParamVisibility, Visibility

    t0 = time.perf_counter()
    output_visibility = output_visibility or ("private" if threshold else "public")
    vis = Visibility(InputVisibility(input_visibility), ParamVisibility(param_visibility),
                     OutputVisibility(output_visibility))
    claim = Claim.parse(threshold, context)
    with err.status(f"compiling {model.name}"):
        info = compile_model(model, out, scale, calibration, vis, claim=claim)
    click.echo(f"compile: {len(info['ops'])} ops -> {info['constraints']:,} constraints, "
               f"{sum(e['count'] for e in info['public_signals'])} public signals -> {out}/circuit.json, "
               f"{out}/circuit.r1cs ({time.perf_counter() - t0:.2f}s)")
    acc = info.get("accuracy")
    if acc:
        for name, e in acc["outputs"].items():
            parts = [f"max |error| {e['max_abs_error']:.4g}"]
            if "agreement" in e:
                parts.append(f"agreement {100 * e['agreement']:.2f}%")
            if "top1_agreement" in e:
                parts.append(f"top-1 agreement {100 * e['top1_agreement']:.2f}%")
            click.echo(f"accuracy vs onnxruntime on {acc['samples']} samples, {name}: " + ", ".join(parts))


@main.command()
@click.argument("vk_path", metavar="VERIFICATION_KEY", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the Solidity source (e.g. Verifier.sol).")
@click.option("--contract-name", default=None,
              help="Contract name [default: Groth16Verifier, or Groth16BatchVerifier with --batch].")
@click.option("--batch", is_flag=True, help="Render verifyBatch (N proofs in N + 3 pairings) instead of verifyProof.")
@click.option("--compile/--no-compile", "do_compile", default=True, show_default=True,
              help="Compile with the pinned npm solc and write the ABI and bytecode next to OUT (.json).")
@click.option("--allow-development-key", is_flag=True,
              help="Render even a development key, or a key without a phase-2 contribution (delta = gamma or "
                   "the G2 generator), whose proofs can be forged: for local test chains only.")
@_friendly
def verifier(vk_path: Path, out: Path, contract_name: str | None, batch: bool, do_compile: bool,
             allow_development_key: bool) -> None:
    """Solidity verifier for VERIFICATION_KEY (ours or snarkjs's verification_key.json).

    The contract is a drop-in for snarkjs's Groth16Verifier (`verifyProof`), or with --batch
    has `verifyBatch(uint256[8][] proofs, uint256[N][] pubSignals)`. It returns false for a
    proof that does not verify and reverts on malformed input.
    """
    from .files import json_bytes, write_all
    from .groth16 import VerifyingKey
    from .solidity import compile_sources, render_verifier

    vk = VerifyingKey.load(vk_path)
    rendered = render_verifier(vk, contract_name=contract_name, batch=batch, source=vk_path.name,
                               allow_development_key=allow_development_key)
    files = {out: rendered.source.encode()}
    if do_compile:
        with err.status("compiling with npm solc"):
            artifact = compile_sources({out.name: rendered.source})[rendered.contract_name]
        for w in artifact.warnings:
            err.print(f"[yellow]solc warning:[/] {escape(w)}", highlight=False)
        files[out.with_suffix(".json")] = json_bytes(artifact.to_json())
    write_all(files)
    if rendered.development_key:
        err.print(f"[bold yellow]warning:[/] {vk.phase2_problem()}: proofs this contract accepts can be forged; "
                  "for a local test chain only.", highlight=False)
    kind = "batch verifier" if batch else "verifier"
    click.echo(f"{kind}: {rendered.contract_name}, {rendered.n_public} public inputs -> "
               + ", ".join(str(f) for f in files))


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("build/lending"),
              show_default=True, help="Folder for the models, the circuit, keys and the gas report.")
@click.option("--model", type=click.Choice(["mlp", "lr", "gbdt", "rf"]), default="mlp", show_default=True,
              help="The scoring model the pool registers (gbdt: gradient-boosted trees, rf: a random forest).")
@click.option("--scale", default=12, show_default=True, type=click.IntRange(6, 20), help="Fixed-point scale (bits).")
@click.option("--min-score", default=0.6, show_default=True, type=click.FloatRange(0.0, 1.0, max_open=True),
              help="The pool's policy: lowest p(good) it lends at.")
@click.option("--ceremony-cache", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder caching the ceremony's phase-1 file and initial key [default: OUT/ceremony].")
@click.option("--chain", type=click.Choice(["anvil", "hardhat"]), default="anvil", show_default=True,
              help="The local chain started for the run (Anvil, or Hardhat 3), hardfork pinned either way.")
@click.option("--bureau", "bureau", default=0, show_default=True, type=click.IntRange(0, 64), metavar="N",
              help="Add the bureau chapter: N clients' claims proved on a local Ray (prove-batch), posted in one "
                   "batch, borrowed against (needs the batch extra).")
@_friendly
def demo(out: Path, model: str, scale: int, min_score: float, ceremony_cache: Path | None, chain: str,
         bureau: int) -> None:
    """The flagship end to end on a local chain started here (Anvil, or Hardhat 3 with --chain
    hardhat): train credit models on German Credit, compile one into a circuit, run a small
    trusted-setup ceremony for it (phase 1 built once and cached), deploy registries and a lending
    pool on that key, attest two applicants, prove and borrow (and fail to), repay; with --bureau N,
    a bureau proves N clients' claims in bulk and posts them in one batch, and one borrows against
    its claim. Prints each step, its result and its gas."""
    from .lending.demo import Story, run_lending_demo

    story = Story(out, model, scale, min_score, ceremony_cache=ceremony_cache, bureau=bureau)
    if not run_lending_demo(story, _stdout_console(), chain):
        raise SystemExit(1)


@main.command("train-credit")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("build/lending"),
              show_default=True,
              help="Folder for lr.onnx, mlp.onnx, gbdt.onnx, rf.onnx, calibration.json, split.json, metrics.json.")
@click.option("--scale", default=12, show_default=True, type=click.IntRange(6, 20),
              help="Fixed-point scale of the quantized models whose scores are reported.")
@_friendly
def train_credit(out: Path, scale: int) -> None:
    """Train the German Credit models (logistic regression, MLP, gradient-boosted trees, random
    forest), export them to ONNX, and report held-out accuracy and ROC AUC of the float models
    and of their quantized circuits."""
    from rich.table import Table

    from .files import write_json
    from .lending.features import load
    from .lending.train import METRICS, circuit_scores, split, train

    t0 = time.perf_counter()
    with err.status("training on German Credit"):
        report = train(out)
    ds = load()
    _, test = split(ds)
    table = Table(title=f"held-out applicants ({report['test']}); circuit = quantized at 2^{scale}")
    for col in ("model", "float accuracy", "float AUC", "circuit accuracy", "circuit AUC", "max |Δp(good)|"):
        table.add_column(col, justify="right")
    for name, entry in report["models"].items():
        q, gap = circuit_scores(out / f"{name}.onnx", ds, test, scale)
        entry["circuit"] = {"scale_bits": scale, "accuracy": q.accuracy, "auc": q.auc, "max_abs_p_error": gap}
        f = entry["float"]
        table.add_row(name, f"{f['accuracy']:.3f}", f"{f['auc']:.3f}", f"{q.accuracy:.3f}", f"{q.auc:.3f}", f"{gap:.4f}")
    write_json(out / METRICS, report)
    _stdout_console().print(table)
    files = ", ".join(f"{out}/{name}.onnx" for name in report["models"])
    click.echo(f"train-credit: {files}, {out}/{METRICS} ({time.perf_counter() - t0:.2f}s)")


@main.command("sample-demo")
@click.option("--constraints", default=2**14, show_default=True, type=click.IntRange(1, 2**26),
              help="Size of the sample circuit (a chain of squarings).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("build/demo"),
              show_default=True, help="Folder for the artifacts.")
@click.option("--chain", type=click.Choice(["anvil", "hardhat"]), default="anvil", show_default=True,
              help="The local chain started for the run (Anvil, or Hardhat 3), hardfork pinned either way.")
@_friendly
def sample_demo(constraints: int, out: Path, chain: str) -> None:
    """The proof system alone on a sample circuit: build, setup, prove, verify off and on chain; timings."""
    from .demo import run_demo

    run_demo(constraints, out, _stdout_console(), chain)


@main.group("export")
def export_group() -> None:
    """Projects for other toolchains: a verifier with tests that run there."""


def _export_command(toolchain_name: str) -> Callable[[Callable[..., Any]], click.Command]:
    """The arguments every `export` shares: DIR, the key, the fixture proof, --batch, the key check."""

    def decorate(f: Callable[..., Any]) -> click.Command:
        for option in reversed([
            click.argument("out", metavar="DIR", type=click.Path(file_okay=False, path_type=Path)),
            click.argument("vk_path", metavar="VERIFICATION_KEY", type=click.Path(dir_okay=False, path_type=Path)),
            click.option("--proof", "proof_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
                         help="A proof.json the exported tests verify (snarkjs format)."),
            click.option("--public", "public_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
                         help="Its public.json."),
            click.option("--batch", is_flag=True, help="Export the batch verifier (verifyBatch) instead."),
            click.option("--allow-development-key", is_flag=True, help="Export even a development key or one "
                         "without a phase-2 contribution (forgeable: tests only)."),
        ]):
            f = option(f)
        return export_group.command(toolchain_name)(_friendly(f))

    return decorate


def _run_export(kind: str, out: Path, vk_path: Path, proof_path: Path, public_path: Path, batch: bool,
                allow_development_key: bool) -> None:
    from .export.foundry import export_foundry
    from .export.hardhat import export_hardhat
    from .groth16 import Proof, VerifyingKey, load_public

    export = {"foundry": export_foundry, "hardhat": export_hardhat}[kind]
    exported = export(out, VerifyingKey.load(vk_path), Proof.load(proof_path), load_public(public_path),
                      source=vk_path.name, batch=batch, allow_development_key=allow_development_key)
    click.echo(f"export {kind}: {exported.contract} -> " + ", ".join(str(f) for f in exported.files))


@_export_command("foundry")
def export_foundry_cmd(**options: Any) -> None:
    """A Foundry project in DIR: src/ (the verifier), test/ (the proof accepted, a wrong input
    false, an input >= r reverting), foundry.toml (zkml-chain's compiler settings, offline).
    Then: cd DIR && forge test --gas-report (and forge snapshot)."""
    _run_export("foundry", **options)


@_export_command("hardhat")
def export_hardhat_cmd(**options: Any) -> None:
    """A Hardhat 3 project in DIR: contracts/ (the verifier), helpers/zkml.js (snarkjs proof and
    public signals to verifyProof arguments, custom errors by name), test/ (node:test + ethers:
    the proof accepted, a wrong input false, an input >= r reverting; the proof in
    test/fixtures/), hardhat.config.js (zkml-chain's compiler settings, npm solc, offline). Then:
    cd DIR && npm install && npx hardhat test --gas-stats (Node >= 22.13)."""
    _run_export("hardhat", **options)


@main.group("toolchain")
def toolchain_group() -> None:
    """The JavaScript toolchain (npm solc, anvil, Hardhat, snarkjs): where it is, and the environment Ape needs."""


@toolchain_group.command("check")
@_friendly
def toolchain_check() -> None:
    """Say where each tool is found, or how to install it (exit 2 if any is missing)."""
    from . import toolchain

    missing = 0
    for tool in toolchain.TOOLS:
        try:
            click.echo(f"{tool.name:<24} {tool.package}@{tool.version}: {toolchain.find(tool)}")
        except ZkmlChainError as e:
            missing += 1
            err.print(f"[bold red]missing:[/] {escape(str(e))}", highlight=False)
    try:
        click.echo(f"{'node for Hardhat 3':<24} >= 22.13: {toolchain.hardhat_node()}")
    except ZkmlChainError as e:
        missing += 1
        err.print(f"[bold red]missing:[/] {escape(str(e))}", highlight=False)
    if missing:
        sys.exit(2)


@toolchain_group.command("env")
@_friendly
def toolchain_env() -> None:
    """Print shell exports that let Ape use this toolchain: eval "$(zkml-chain toolchain env)"."""
    import shlex

    from . import toolchain

    for name, value in toolchain.environment().items():
        click.echo(f"export {name}={shlex.quote(value)}")


if __name__ == "__main__":  # pragma: no cover
    main()
