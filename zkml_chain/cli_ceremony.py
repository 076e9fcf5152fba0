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
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .cli import _friendly, err, main


@contextmanager
def progress_bar() -> Iterator:
    """A rich progress bar on stderr; yields the (what, done, total) callback the library takes."""
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as p:
        tasks: dict[str, int] = {}

        def update(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = p.add_task(what, total=total)
            p.update(tasks[what], completed=done, total=total)

        yield update


def _load_ptau(path: Path, points: bool = True):  # noqa: ANN202
    from .ceremony.ptau import Ptau

    with err.status(f"reading {path.name}"):
        return Ptau.load(path, points)


@main.group()
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
    from .ceremony import phase1
    from .ceremony.snarkjs import format_hash

    t0 = time.perf_counter()
    p = _load_ptau(ptau_path)
    with progress_bar() as bar:
        v = phase1.verify(p, bar)
    for c in v.contributions:
        kind = f"beacon {c.beacon_hash.hex()} 2^{c.num_iterations_exp}" if c.beacon and c.beacon_hash else "contribution"
        click.echo(f"#{c.index} {c.name or '(no name)'} [{kind}]")
        click.echo(format_hash(c.response_hash, "  response hash:"))
    if v.next_challenge is not None:
        click.echo(format_hash(v.next_challenge, "next challenge hash:"))
    if not v.ok:
        err.print(f"[bold red]invalid:[/] {v.problem}", highlight=False)
        sys.exit(1)
    extra = "" if v.prepared else "; not prepared for phase 2 (run `zkml-chain ptau prepare`)"
    click.echo(f"valid: power {v.power}, {len(v.contributions)} contributions{extra} "
               f"({time.perf_counter() - t0:.2f}s)")
