"""The `zkml-chain` command's entry point: `prove` through the `zkml-prove` binary, everything
else (and every `prove` the binary declines) through the click CLI (:mod:`.cli`).

The binary (native/prover, installed beside the interpreter by ``make install``) is the prover
the extension runs, compiled without Python: a proof through it costs the binary's time plus this
module's start-up (the interpreter and `subprocess`, ~20 ms), where the CLI's imports alone are
~50 ms and its library path adds ~10–100 ms more (the witness and key in Python). The binary proves
only what verifies and writes nothing otherwise; whenever it declines — a bad witness or input, a
folder it cannot read, a key it refuses, a command line this module does not recognise as a plain
`prove` — the CLI runs the command from the start and says what is wrong in the circuit's or the
model's terms (the broken constraint, the bad point), or proves what the binary does not handle
(a folder without a witness program). The outcome is the CLI's in every case; only the time differs.

Imports stay minimal here (no click, no package modules): they are what a fast `prove` pays.
"""

from __future__ import annotations

import os
import sys

#: Set to 0 to run `prove` through the CLI's library path only.
ENV_VAR = "ZKML_CHAIN_NATIVE_PROVE"
BINARY = "zkml-prove"
_VALUED = ("--wtns", "--input", "--output", "--proof", "--public")


def binary() -> str | None:
    """The `zkml-prove` installed with this interpreter's zkml-chain (never one elsewhere on the
    PATH, which could be another version), or None when there is none or it is turned off."""
    if os.environ.get(ENV_VAR, "1") == "0":
        return None
    path = os.path.join(os.path.dirname(sys.executable), BINARY)
    return path if os.path.isfile(path) and os.access(path, os.X_OK) else None


def native_command(argv: list[str], exe: str) -> list[str] | None:
    """The binary's command line for ``zkml-chain ARGV`` when ARGV is a plain `prove` — an optional
    ``--threads N`` first, then ``prove KEYDIR`` with exactly one of --wtns and --input, --proof and
    --public, --output only with --input, each option once — else None (the CLI takes it)."""
    threads = None
    i = 0
    while i < len(argv) and argv[i] != "prove":
        a = argv[i]
        if a == "--threads" and i + 1 < len(argv):
            threads, i = argv[i + 1], i + 2
        elif a.startswith("--threads="):
            threads, i = a.split("=", 1)[1], i + 1
        else:
            return None  # -v (the library's step logs), --help, --version, another command
    if i == len(argv) or threads is not None and not (threads.isascii() and threads.isdigit()):
        return None
    opts: dict[str, str] = {}
    keydir = None
    rest = iter(argv[i + 1:])
    for a in rest:
        name, eq, inline = a.partition("=")
        if name in _VALUED and name not in opts:
            value = inline if eq else next(rest, None)
            if value is None:
                return None
            opts[name] = value
        elif a.startswith("-") or keydir is not None:
            return None  # --msm, --help, an option twice, a second positional, "--"
        else:
            keydir = a
    if keydir is None or "--proof" not in opts or "--public" not in opts:
        return None
    if ("--wtns" in opts) == ("--input" in opts) or "--output" in opts and "--wtns" in opts:
        return None
    cmd = [exe]
    if threads is not None and int(threads) > 0:
        cmd += ["--threads", threads]
    if "--wtns" in opts:
        return [*cmd, os.path.join(keydir, "circuit.zkey"), opts["--wtns"], opts["--proof"], opts["--public"]]
    cmd += ["--model", keydir, "--input", opts["--input"], "--proof", opts["--proof"], "--public", opts["--public"]]
    return [*cmd, "--output", opts["--output"]] if "--output" in opts else cmd


def prove_natively(argv: list[str]) -> bool:
    """Run a plain `prove` through the binary; True when it wrote the proof (its output passed on),
    False when the CLI must run the command (nothing was written, nothing printed)."""
    exe = binary()
    cmd = native_command(argv, exe) if exe is not None else None
    if cmd is None:
        return False
    import subprocess

    env = dict(os.environ)
    if env.get("ZKML_CHAIN_THREADS", "").strip() in ("0", ""):  # the CLI's "one per core", the binary's default
        env.pop("ZKML_CHAIN_THREADS", None)
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    except OSError:  # not executable after all (another platform's build, say)
        return False
    if r.returncode != 0:
        return False
    sys.stderr.write(r.stderr)
    sys.stdout.write(r.stdout)
    return True


def main() -> None:
    """`zkml-chain`: a plain `prove` through the binary, else the CLI."""
    argv = sys.argv[1:]
    try:
        proved = prove_natively(argv)
    except KeyboardInterrupt:  # Ctrl-C while the binary proves (it stops too): as the CLI says it
        sys.stderr.write("Aborted!\n")
        sys.exit(1)
    if proved:
        sys.exit(0)
    from .cli import main as cli_main

    cli_main()
