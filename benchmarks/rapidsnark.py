"""Build iden3's rapidsnark `prover` (C++ and assembly) as a peer for benchmarks/prove.py.

    .venv/bin/python benchmarks/rapidsnark.py [--source-base URL] [--work build/rapidsnark]

Clones iden3/rapidsnark and the two submodules its `prover` target compiles (iden3/ffiasm for the
curve code, nlohmann/json), at the commits rapidsnark pins, and builds with CMake against Debian's
GMP and libsodium (installed with apt when missing and running as root; rapidsnark's own
build_gmp.sh downloads GMP from gmplib.org, which this script avoids). The prover ends up at
WORK/package/bin/prover. --source-base is where the repositories are cloned from:
https://github.com by default, or a folder of mirrors with a {owner} and {name} pattern, e.g.
/work/.mirror/{owner}+{name}/repo. When something needed is missing (no network, no compiler)
the script says so and exits 0 with nothing built: the benchmark then runs without rapidsnark.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
REPO = "iden3/rapidsnark"
SUBMODULES = {"depends/ffiasm": "iden3/ffiasm", "depends/json": "nlohmann/json"}
DEBIAN = {"cmake": "cmake", "nasm": "nasm", "g++": "g++", "make": "make"}
DEBIAN_LIBS = ["libgmp-dev", "libsodium-dev"]


class Skip(Exception):
    """The build cannot happen here; say why and build nothing."""


def prover_path(work: Path) -> Path:
    return work / "package" / "bin" / "prover"


def sh(cmd: list[str], cwd: Path | None = None) -> str:
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise Skip(f"`{' '.join(cmd)}` failed: {(done.stderr or done.stdout).strip()[-600:]}")
    return done.stdout


def url(base: str, repo: str) -> str:
    owner, name = repo.split("/")
    return base.format(owner=owner, name=name) if "{" in base else f"{base.rstrip('/')}/{repo}"


def installed(pkg: str) -> bool:
    return subprocess.run(["dpkg", "-s", pkg], capture_output=True).returncode == 0 if shutil.which("dpkg") else False


def ensure_debian_packages() -> None:
    missing = [pkg for tool, pkg in DEBIAN.items() if shutil.which(tool) is None]
    missing += [pkg for pkg in DEBIAN_LIBS if not installed(pkg)]
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise Skip(f"needs the Debian packages {' '.join(missing)} (apt-get install them as root)")
    click.echo(f"installing {' '.join(missing)} with apt-get")
    sh(["apt-get", "update", "-qq"])
    sh(["apt-get", "install", "-y", "-qq", *missing])


def checkout(base: str, work: Path) -> Path:
    src = work / "src"
    if (src / ".zkml-chain-ready").exists():
        return src
    shutil.rmtree(src, ignore_errors=True)
    sh(["git", "clone", "--quiet", url(base, REPO), str(src)])
    for path, repo in SUBMODULES.items():
        pinned = sh(["git", "rev-parse", f"HEAD:{path}"], cwd=src).strip()
        dest = src / path
        shutil.rmtree(dest, ignore_errors=True)
        sh(["git", "clone", "--quiet", url(base, repo), str(dest)])
        if subprocess.run(["git", "cat-file", "-e", f"{pinned}^{{commit}}"], cwd=dest, capture_output=True).returncode == 0:
            sh(["git", "checkout", "--quiet", pinned], cwd=dest)
        else:  # a mirror without the pinned commit: its newest, said out loud
            click.echo(f"note: {repo} has no commit {pinned[:10]} (the one rapidsnark pins); building with its HEAD")
    (src / ".zkml-chain-ready").write_text("")
    return src


def build(src: Path, work: Path) -> Path:
    out = work / "cmake"
    shutil.rmtree(out, ignore_errors=True)  # no stale CMake cache from an earlier attempt
    out.mkdir(parents=True)
    sh(["cmake", str(src), "-DCMAKE_BUILD_TYPE=Release", f"-DCMAKE_INSTALL_PREFIX={work / 'package'}"], cwd=out)
    sh(["make", f"-j{os.cpu_count() or 2}", "prover"], cwd=out)
    exe = prover_path(work)
    exe.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(out / "src" / "prover", exe)
    return exe


@click.command()
@click.option("--source-base", default="https://github.com", show_default=True,
              help="Where to clone from: a URL prefix, or a pattern with {owner} and {name}.")
@click.option("--work", type=click.Path(path_type=Path), default=ROOT / "build" / "rapidsnark", show_default=True)
def main(source_base: str, work: Path) -> None:
    exe = prover_path(work)
    if exe.exists():
        click.echo(f"rapidsnark prover: {exe} (already built)")
        return
    try:
        ensure_debian_packages()
        exe = build(checkout(source_base, work.resolve()), work.resolve())
    except Skip as e:
        click.echo(f"skipped: rapidsnark not built: {e}", err=True)
        sys.exit(0)
    click.echo(f"rapidsnark prover: {exe}")


if __name__ == "__main__":
    main()
