"""Where a model proof's time goes: the steps of `zkml-chain prove FOLDER --input INPUT`, each
run in a fresh process, folders alternating run by run (so a slow spell hits them all).

    .venv/bin/python benchmarks/zkml_steps.py OLD_FOLDER:INPUT.json NEW_FOLDER:INPUT.json [--repeats 6]

Steps: the imports `prove` needs (the CLI and the folder and witness-program code), loading and
checking the folder (`ModelFolder.load`), the witness (the folder's witness program, or for a
folder without one the Python build, its imports of numpy and the builder included), mapping the
key, and the native proof with its check. In the same rounds, the whole commands: `zkml-chain
prove FOLDER --input` and, for a folder with a witness program, `zkml-prove --model FOLDER
--input` (no Python at all). Medians of --repeats; results in benchmarks/results/NAME.{json,md}
(default zkml-steps). Compare two compilations of one model (say a folder compiled by an older
zkml-chain beside one compiled now) to see what the circuit changes and what it does not.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click
from rich.console import Console

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
ZKML = ROOT / ".venv" / "bin" / "zkml-chain"
ZKML_PROVE = ROOT / ".venv" / "bin" / "zkml-prove"
console = Console()

#: One proof, its steps timed inside a fresh interpreter; prints them as JSON.
STEPS = """
import json, sys, time
t0 = time.perf_counter()
import zkml_chain.cli
from zkml_chain.onnx.folder import ModelFolder
from zkml_chain.onnx.sample import program_witness
from zkml_chain.groth16.prove import prove
from pathlib import Path
t1 = time.perf_counter()
f = ModelFolder.load(Path(sys.argv[1])); t2 = time.perf_counter()
obj = json.loads(Path(sys.argv[2]).read_text())
sample = program_witness(f, obj, sys.argv[2])
if sample is None:  # no witness program: the Python build, numpy's import included
    from zkml_chain.onnx.compiled import CompiledModel
    witness = CompiledModel.from_folder(f).witness(obj, sys.argv[2]).witness
else:
    witness = sample.witness
t3 = time.perf_counter()
pk = f.proving_key; t4 = time.perf_counter()
prove(pk, witness, check=True, circuit=f.folder / "circuit.r1cs"); t5 = time.perf_counter()
print(json.dumps({"imports": t1 - t0, "load": t2 - t1, "witness": t3 - t2, "map key": t4 - t3,
                  "proof (checked)": t5 - t4, "constraints": f.n_constraints}))
"""


def one_run(folder: Path, inputs: Path) -> dict[str, float]:
    r = subprocess.run([str(PYTHON), "-c", STEPS, str(folder), str(inputs)], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{folder}: the proof failed:\n{r.stderr.strip().splitlines()[-1] if r.stderr else ''}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def whole_command(cmd: list[str | Path], folder: Path, inputs: Path, scratch: Path) -> float:
    """Wall seconds of one proving command (start-up to files written)."""
    outs = ["--proof", scratch / "p.json", "--public", scratch / "pub.json", "--output", scratch / "o.json"]
    t = time.perf_counter()
    r = subprocess.run([str(c) for c in [*cmd, folder, "--input", inputs, *outs]], capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if r.returncode != 0:
        raise SystemExit(f"{folder}: {cmd[0]} failed:\n{r.stderr.strip()}")
    return elapsed


COMMANDS = {"zkml-chain prove": [ZKML, "prove"], "zkml-prove --model": [ZKML_PROVE, "--model"]}


@click.command()
@click.argument("cases", nargs=-1, required=True)
@click.option("--repeats", default=6, show_default=True, help="Fresh-process runs per folder.")
@click.option("--results", default="zkml-steps", show_default=True,
              help="Name of the results files in benchmarks/results/ (NAME.json, NAME.md).")
def main(cases: tuple[str, ...], repeats: int, results: str) -> None:
    """CASES: FOLDER:INPUT.json pairs (a folder made by `compile` and `setup`, and its input)."""
    pairs = []
    for case in cases:
        folder, sep, inputs = case.partition(":")
        if not sep or not (Path(folder) / "circuit.json").is_file() or not Path(inputs).is_file():
            raise click.BadParameter(f"{case!r}: expected FOLDER:INPUT.json with a compiled folder and an input file")
        pairs.append((Path(folder), Path(inputs)))
    runs: dict[Path, list[dict[str, float]]] = {f: [] for f, _ in pairs}
    native = {f: "witness_program_sha256" in json.loads((f / "circuit.json").read_text()) and ZKML_PROVE.is_file()
              for f, _ in pairs}
    with console.status("proving") as status, tempfile.TemporaryDirectory() as tmp:
        for k in range(repeats):
            for folder, inputs in pairs:
                status.update(f"run {k + 1}/{repeats}: {folder}")
                run = one_run(folder, inputs)
                for name, cmd in COMMANDS.items():
                    if name == "zkml-chain prove" or native[folder]:
                        run[name] = whole_command(cmd, folder, inputs, Path(tmp))
                runs[folder].append(run)
    names = ["imports", "load", "witness", "map key", "proof (checked)"]
    rows = []
    for folder, rs in runs.items():
        med = {n: statistics.median(r[n] for r in rs) for n in [*names, *COMMANDS] if n in rs[0]}
        rows.append({"folder": str(folder), "constraints": int(rs[0]["constraints"]), **med,
                     "sum": sum(med[n] for n in names)})
    md = ["| folder | constraints | " + " | ".join(f"{n} s" for n in names) + " | sum s | "
          + " | ".join(f"`{c}` s" for c in COMMANDS) + " |",
          "|---|---:|" + "---:|" * (len(names) + 1 + len(COMMANDS))]
    md += [f"| {r['folder']} | {r['constraints']:,} | " + " | ".join(f"{r[n]:.3f}" for n in names)
           + f" | {r['sum']:.3f} | " + " | ".join(f"{r[c]:.3f}" if c in r else "–" for c in COMMANDS) + " |"
           for r in rows]
    console.print("\n".join(md))
    out = ROOT / "benchmarks" / "results"
    meta = {"command": "python benchmarks/zkml_steps.py " + " ".join(sys.argv[1:]), "date": time.strftime("%Y-%m-%d"),
            "repeats": repeats}
    (out / f"{results}.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")
    (out / f"{results}.md").write_text("\n".join(md) + "\n")
    console.print(f"saved {out / results}.json and .md")


if __name__ == "__main__":
    main()
