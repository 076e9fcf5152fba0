"""``zkml-chain ptau ...`` and ``zkml-chain zkey ...``: trusted-setup ceremonies (thin, over
:mod:`zkml_chain.ceremony`). The verbs and arguments mirror snarkjs's.

Exit codes: 0 done / valid, 1 invalid (``verify``: the message names the first bad contribution
or section), 2 malformed input — one line, no traceback, no partial output file.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from .cli import _friendly, err


@contextmanager
def progress_bar() -> Iterator:
    """A rich progress bar on stderr; yields the (what, done, total) callback the library takes."""
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err.console, transient=True, disable=not err.is_terminal) as p:
        tasks: dict[str, TaskID] = {}

        def update(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = p.add_task(what, total=total)
            p.update(tasks[what], completed=done, total=total)

        yield update


def _load_ptau(path: Path, points: bool = True):  # noqa: ANN202
    from .ceremony.ptau import Ptau

    with err.status(f"reading {path.name}"):
        return Ptau.load(path, points)


@click.group()
def ptau() -> None:
    """Phase 1 of a trusted setup: powers of tau, in snarkjs's .ptau format (Hermez and PPoT
    files work unchanged)."""


@ptau.command("new")
@click.argument("power", type=click.IntRange(1, 28))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@_friendly
def ptau_new(power: int, out: Path) -> None:
    """Start a ceremony for circuits of up to 2^POWER constraints: OUT has no contribution yet."""
    from .ceremony import phase1
    from .ceremony.snarkjs import first_challenge, format_hash

    phase1.new(power).save(out)
    click.echo(format_hash(first_challenge(power), "First contribution hash:"))
    click.echo(f"ptau new: power {power} -> {out}")


def _contributed(kind: str, ptau_in: Path, out: Path, response: bytes, t0: float, n: int) -> None:
    from .ceremony.snarkjs import format_hash

    click.echo(format_hash(response, "Contribution response hash:"))
    click.echo(f"ptau {kind}: contribution #{n} of {ptau_in} -> {out} ({time.perf_counter() - t0:.2f}s)")


@ptau.command("contribute")
@click.argument("ptau_in", metavar="IN", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--name", default=None, help="Your name in the transcript.")
@click.option("--entropy", default=None,
              help="Extra random text mixed with the OS's randomness [default: the OS's alone].")
@_friendly
def ptau_contribute(ptau_in: Path, out: Path, name: str | None, entropy: str | None) -> None:
    """Add your contribution to IN, writing OUT; prints the response hash to publish. Your
    secrets exist only in memory while this runs."""
    from .ceremony import phase1

    t0 = time.perf_counter()
    p = _load_ptau(ptau_in)
    with progress_bar() as bar:
        new, response = phase1.contribute(p, name, entropy, bar)
    new.save(out)
    _contributed("contribute", ptau_in, out, response, t0, len(new.contributions))


@ptau.command("beacon")
@click.argument("ptau_in", metavar="IN", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("beacon_hex", metavar="BEACON_HEX")
@click.argument("num_iterations_exp", metavar="NUM_ITERATIONS_EXP", type=int)
@click.option("--name", default=None, help="The beacon's name in the transcript.")
@_friendly
def ptau_beacon(ptau_in: Path, out: Path, beacon_hex: str, num_iterations_exp: int, name: str | None) -> None:
    """Close phase 1 with a public random beacon (e.g. a future block hash): its secrets are
    2^NUM_ITERATIONS_EXP SHA-256 iterations of BEACON_HEX, which anyone can recompute."""
    from .ceremony import phase1

    t0 = time.perf_counter()
    phase1.parse_beacon(beacon_hex, num_iterations_exp)  # refuse a bad beacon before reading a big file
    p = _load_ptau(ptau_in)
    with progress_bar() as bar:
        new, response = phase1.beacon(p, beacon_hex, num_iterations_exp, name, bar)
    new.save(out)
    _contributed("beacon", ptau_in, out, response, t0, len(new.contributions))


@ptau.command("prepare")
@click.argument("ptau_in", metavar="IN", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@_friendly
def ptau_prepare(ptau_in: Path, out: Path) -> None:
    """Add the Lagrange-basis points phase 2 needs (snarkjs `powersoftau prepare phase2`)."""
    from .ceremony import phase1

    t0 = time.perf_counter()
    p = _load_ptau(ptau_in)
    with progress_bar() as bar:
        new = phase1.prepare(p, bar)
    new.save(out)
    click.echo(f"ptau prepare: power {p.power}, Lagrange points for every domain up to 2^{p.power} -> {out} "
               f"({time.perf_counter() - t0:.2f}s)")


@ptau.command("verify")
@click.argument("ptau_path", metavar="PTAU", type=click.Path(dir_okay=False, path_type=Path))
@_friendly
def ptau_verify(ptau_path: Path) -> None:
    """Verify the whole transcript of PTAU and its points; print every contribution. Exit 0
    valid, 1 invalid (naming the first bad contribution or section), 2 malformed."""
    import hashlib

    from .ceremony import phase1
    from .ceremony.snarkjs import format_hash

    t0 = time.perf_counter()
    p = _load_ptau(ptau_path)
    h = hashlib.blake2b(digest_size=64)  # what publishers list next to their files (`b2sum`)
    with ptau_path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 24), b""):
            h.update(block)
    file_hash = h.hexdigest()
    click.echo(f"file BLAKE2b-512: {file_hash}")
    with progress_bar() as bar:
        v = phase1.verify(p, bar)
    for c in v.contributions:
        kind = f"beacon {c.beacon_hash.hex()} 2^{c.num_iterations_exp}" if c.beacon and c.beacon_hash else "contribution"
        click.echo(f"#{c.index} {c.name or '(no name)'} [{kind}]")
        click.echo(format_hash(c.response_hash, "  response hash:"))
    if v.next_challenge is not None:
        click.echo(format_hash(v.next_challenge, "next challenge hash:"))
    if not v.ok:
        err.print(f"[bold red]invalid:[/] {escape(str(v.problem))}", highlight=False)
        sys.exit(1)
    extra = "" if v.prepared else "; not prepared for phase 2 (run `zkml-chain ptau prepare`)"
    click.echo(f"valid: power {v.power}, {len(v.contributions)} contributions{extra} "
               f"({time.perf_counter() - t0:.2f}s)")


def _load_zkey(path: Path):  # noqa: ANN202
    from .groth16.keys import ProvingKey

    with err.status(f"reading {path.name}"):
        return ProvingKey.load(path)


@click.group()
def zkey() -> None:
    """Phase 2 of a trusted setup: contributions to a circuit's key, in snarkjs's .zkey format
    (start one with `zkml-chain setup CIRCUIT --ptau PTAU`)."""


def _zkey_contributed(kind: str, zkey_in: Path, out: Path, pk, contribution: bytes, t0: float) -> None:  # noqa: ANN001
    from .ceremony.phase2 import mpc_params
    from .ceremony.snarkjs import format_hash

    mpc = mpc_params(pk)
    click.echo(format_hash(mpc.cs_hash, "Circuit hash:"))
    click.echo(format_hash(contribution, "Contribution hash:"))
    click.echo(f"zkey {kind}: contribution #{len(mpc.contributions)} to {zkey_in} -> {out} "
               f"({time.perf_counter() - t0:.2f}s)")
    if pk.development:
        err.print("[bold yellow]warning:[/] this key's phase 1 is not from a powers-of-tau file: it stays a "
                  "development key.", highlight=False)


@zkey.command("contribute")
@click.argument("zkey_in", metavar="IN", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--name", default=None, help="Your name in the transcript.")
@click.option("--entropy", default=None, help="Extra random text mixed with the OS's randomness.")
@_friendly
def zkey_contribute(zkey_in: Path, out: Path, name: str | None, entropy: str | None) -> None:
    """Add your phase-2 contribution to IN, writing OUT; prints the contribution hash to publish."""
    from .ceremony import phase2
    from .files import write_bytes

    t0 = time.perf_counter()
    pk = _load_zkey(zkey_in)
    with progress_bar() as bar:
        new, h = phase2.contribute(pk, name, entropy, bar)
    write_bytes(out, new.to_zkey())
    _zkey_contributed("contribute", zkey_in, out, new, h, t0)


@zkey.command("beacon")
@click.argument("zkey_in", metavar="IN", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("beacon_hex", metavar="BEACON_HEX")
@click.argument("num_iterations_exp", metavar="NUM_ITERATIONS_EXP", type=int)
@click.option("--name", default=None, help="The beacon's name in the transcript.")
@_friendly
def zkey_beacon(zkey_in: Path, out: Path, beacon_hex: str, num_iterations_exp: int, name: str | None) -> None:
    """Close phase 2 with a public random beacon (2^NUM_ITERATIONS_EXP SHA-256 iterations of
    BEACON_HEX, re-derivable by anyone)."""
    from .ceremony import phase1, phase2
    from .files import write_bytes

    t0 = time.perf_counter()
    phase1.parse_beacon(beacon_hex, num_iterations_exp)
    pk = _load_zkey(zkey_in)
    with progress_bar() as bar:
        new, h = phase2.beacon(pk, beacon_hex, num_iterations_exp, name, bar)
    write_bytes(out, new.to_zkey())
    _zkey_contributed("beacon", zkey_in, out, new, h, t0)


@zkey.command("verify")
@click.argument("r1cs_path", metavar="CIRCUIT.r1cs", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("ptau_path", metavar="PTAU", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("zkey_path", metavar="ZKEY", type=click.Path(dir_okay=False, path_type=Path))
@_friendly
def zkey_verify(r1cs_path: Path, ptau_path: Path, zkey_path: Path) -> None:
    """Verify that ZKEY is CIRCUIT's key from PTAU followed by valid contributions; print the
    circuit hash and each contribution's name and hash. Exit 0 valid, 1 invalid, 2 malformed."""
    from .ceremony import phase2
    from .ceremony.ptau import Ptau
    from .r1cs import R1CS

    t0 = time.perf_counter()
    r1cs = R1CS.load(r1cs_path)
    pk = _load_zkey(zkey_path)
    with err.status(f"reading {ptau_path.name}"):
        ptau = Ptau.load(ptau_path)
    with progress_bar() as bar:
        v = phase2.verify(r1cs, ptau, pk, bar)
    for line in phase2.describe(v):
        click.echo(line)
    if not v.ok:
        err.print(f"[bold red]invalid:[/] {escape(str(v.problem))}", highlight=False)
        sys.exit(1)
    note = "" if v.contributions else " — but no phase-2 contribution yet: not deployable"
    click.echo(f"valid: {len(v.contributions)} phase-2 contributions on a {ptau.power}-power ceremony{note} "
               f"({time.perf_counter() - t0:.2f}s)")


@zkey.command("export-vk")
@click.argument("zkey_path", metavar="ZKEY", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("out", metavar="VERIFICATION_KEY.json", type=click.Path(dir_okay=False, path_type=Path))
@_friendly
def zkey_export_vk(zkey_path: Path, out: Path) -> None:
    """The verifying key of ZKEY as snarkjs's verification_key.json (development keys keep their mark)."""
    from .files import write_json

    pk = _load_zkey(zkey_path)
    write_json(out, pk.verifying_key.to_snarkjs())
    click.echo(f"zkey export-vk: {pk.n_public} public signals -> {out}")
