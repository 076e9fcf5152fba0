"""The long fuzz run (`make fuzz`): mutated files, random models and dishonest witnesses at length.

    .venv/bin/python benchmarks/fuzz.py                          # the documented run (hours)
    .venv/bin/python benchmarks/fuzz.py --count 200 --models 50 --gadgets 100   # a quick look
    .venv/bin/python benchmarks/fuzz.py --only gadgets --seed 7

Writes benchmarks/results/fuzz.{json,md}; every finding's input is saved under
.cache/fuzz-findings/ to reproduce it. Exit 1 when anything was found. The test suite runs the
same fuzzers, bounded (tests/test_fuzz_*.py).
"""

from __future__ import annotations

import json
import platform
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
FINDINGS = ROOT / ".cache" / "fuzz-findings"
console = Console(stderr=True)


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TimeRemainingColumn(), console=console)


def run_files(count: int, seed: int, work: Path) -> dict:
    from zkml_chain.testing.mutate import TARGETS, build_corpus, fuzz_files

    corpus = build_corpus(work / "corpus")
    t0 = time.perf_counter()
    with _progress() as p:
        task = p.add_task("mutated files", total=count * len(TARGETS))
        report = fuzz_files(count, corpus, work / "scratch", seed=seed, progress=lambda n: p.update(task, completed=n))
    for i, f in enumerate(report.findings):
        out = FINDINGS / "files" / f"{i:04d}-{f.format.replace('.', '')}{Path(f.format).suffix or '.bin'}"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(f.mutant)
    return {"seconds": round(time.perf_counter() - t0, 1), "runs": report.runs,
            "exit_codes": {k: {str(c): n for c, n in v.items()} for k, v in report.exits.items()},
            "findings": [{"format": f.format, "command": f.command, "mutation": f.how, "problem": f.problem,
                          "stderr": f.stderr[-400:]} for f in report.findings]}


def run_models(count: int, seed: int, work: Path) -> dict:
    from zkml_chain.testing.models import fuzz_models

    t0 = time.perf_counter()
    with _progress() as p:
        task = p.add_task("random models", total=count)
        report = fuzz_models(count, work, seed=seed, progress=lambda n: p.update(task, completed=n))
    for i, f in enumerate(report.findings):
        out = FINDINGS / "models" / f"{i:04d}.onnx"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(f.model)
    return {"seconds": round(time.perf_counter() - t0, 1), "models": count, "compiled": report.compiled,
            "refused": report.refused, "held_out_inputs_checked": report.checked_inputs,
            "worst_relative_error_by_scale": {str(k): v for k, v in sorted(report.worst_relative_error.items())},
            "findings": [{"ops": f.ops, "scale": f.scale, "problem": f.problem[:1500]} for f in report.findings]}


def run_gadgets(cases: int, tries: int, seed: int) -> dict:
    from zkml_chain.testing.gadgets import fuzz_gadgets

    t0 = time.perf_counter()
    with _progress() as p:
        task = p.add_task("gadget forgeries", total=cases)
        report = fuzz_gadgets(cases, tries, seed=seed, progress=lambda n: p.update(task, completed=n))
    return {"seconds": round(time.perf_counter() - t0, 1), "cases": report.cases, "attempts": report.attempts,
            "findings": [{"gadget": g, "strategy": f.how, "changed": {str(k): [str(a), str(b)] for k, (a, b) in
                                                                      f.changed.items()}}
                         for g, f in report.forgeries]}


def markdown(result: dict) -> str:
    lines = [f"# Fuzzing, {result['date']} (`{result['command']}`)", ""]
    if "files" in result:
        f = result["files"]
        lines += ["## Mutated files", "", "| format: command | mutants | exit 0 | exit 1 | exit 2 | findings |",
                  "|---|---:|---:|---:|---:|---:|"]
        for name, n in f["runs"].items():
            codes = f["exit_codes"][name]
            found = sum(1 for x in f["findings"] if f"{x['format']}: {x['command']}" == name)
            lines.append(f"| {name} | {n:,} | {codes.get('0', 0):,} | {codes.get('1', 0):,} | {codes.get('2', 0):,} "
                         f"| {found} |")
        lines += ["", f"{sum(f['runs'].values()):,} runs in {f['seconds']:,} s; {len(f['findings'])} findings.", ""]
    if "models" in result:
        m = result["models"]
        lines += ["## Random models", "",
                  f"{m['models']:,} random ONNX graphs: {m['compiled']:,} compiled, "
                  f"{sum(m['refused'].values()):,} refused with a clear error, {m['held_out_inputs_checked']:,} held-out "
                  f"inputs proved-equal to the numpy model bit for bit; {len(m['findings'])} findings "
                  f"({m['seconds']:,} s).", "", "| scale (bits) | worst error / (1 + max abs output) |", "|---:|---:|"]
        lines += [f"| {k} | {v:.2e} |" for k, v in m["worst_relative_error_by_scale"].items()]
        if m["refused"]:
            lines += ["", "Refusals: " + "; ".join(f"{k} ({v})" for k, v in sorted(m["refused"].items(),
                                                                                  key=lambda kv: -kv[1])[:8])]
        lines.append("")
    if "gadgets" in result:
        g = result["gadgets"]
        lines += ["## Dishonest witnesses per gadget", "", "| gadget | random circuits | dishonest witnesses | accepted |",
                  "|---|---:|---:|---:|"]
        for name in sorted(g["cases"]):
            found = sum(1 for x in g["findings"] if x["gadget"] == name)
            lines.append(f"| {name} | {g['cases'][name]:,} | {g['attempts'][name]:,} | {found} |")
        lines += ["", f"{sum(g['attempts'].values()):,} dishonest witnesses in {g['seconds']:,} s.", ""]
    return "\n".join(lines)


@click.command()
@click.option("--count", default=10_000, show_default=True, help="Mutants per file format and command.")
@click.option("--models", default=2_000, show_default=True, help="Random ONNX models.")
@click.option("--gadgets", default=2_000, show_default=True, help="Random gadget circuits.")
@click.option("--tries", default=200, show_default=True, help="Dishonest witnesses per gadget circuit.")
@click.option("--seed", default=1, show_default=True)
@click.option("--only", type=click.Choice(["files", "models", "gadgets"]), multiple=True,
              help="Run only these fuzzers (repeatable).")
@click.option("--out", default=str(RESULTS / "fuzz"), show_default=True, help="Results stem (.json and .md).")
def main(count: int, models: int, gadgets: int, tries: int, seed: int, only: tuple[str, ...], out: str) -> None:
    """Fuzz files, models and gadgets; write the counts and any findings."""
    kinds = set(only or ("files", "models", "gadgets"))
    result: dict = {"date": date.today().isoformat(), "machine": f"{platform.machine()}, {platform.system()}",
                    "command": "benchmarks/fuzz.py " + " ".join(sys.argv[1:]), "seed": seed}
    with tempfile.TemporaryDirectory(prefix="zkml-fuzz-") as tmp:
        work = Path(tmp)
        if "files" in kinds:
            result["files"] = run_files(count, seed, work / "files")
        if "models" in kinds:
            result["models"] = run_models(models, seed, work / "models")
        if "gadgets" in kinds:
            result["gadgets"] = run_gadgets(gadgets, tries, seed)
    stem = Path(out)
    stem.parent.mkdir(parents=True, exist_ok=True)
    stem.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n")
    text = markdown(result)
    stem.with_suffix(".md").write_text(text + "\n")
    click.echo(text)
    found = sum(len(result[k]["findings"]) for k in ("files", "models", "gadgets") if k in result)
    if found:
        console.print(f"[bold red]{found} findings[/] (inputs in {FINDINGS})")
        sys.exit(1)


if __name__ == "__main__":
    main()
