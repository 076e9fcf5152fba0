"""File and model fuzzing, bounded (`make fuzz` runs them at length; README has the counts).

Mutated .r1cs, .wtns, .zkey, proof.json, public.json, verification_key.json, circuit.json, graph.npz,
INPUT.json and ONNX files go through the commands that read them: exit 0/2 (verify: 0/1/2),
one error line, no traceback, no file left behind, no invalid proof accepted. Random valid ONNX
models compile or are refused clearly, and their witnesses equal the numpy model bit for bit.
The checks themselves must be able to fail: a command that crashes, or leaves a file behind,
is reported.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from zkml_chain.testing.models import fuzz_models
from zkml_chain.testing.mutate import TARGETS, Run, _problem, build_corpus, fuzz_files, try_mutant


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):  # noqa: ANN001, ANN201
    return build_corpus(tmp_path_factory.mktemp("fuzz") / "corpus")


def test_mutated_files_get_clear_errors(corpus, tmp_path: Path) -> None:
    report = fuzz_files(30, corpus, tmp_path, seed=2026)
    assert not report.findings, [(f.format, f.command, f.how, f.problem, f.stderr[-300:]) for f in report.findings]
    assert set(report.runs) == {f"{t.format}: {t.command}" for t in TARGETS}
    for name, codes in report.exits.items():
        assert codes.get(2, 0) > 0, f"{name}: no mutant was refused: the mutator does nothing?"


def test_the_file_checks_can_fail(corpus, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """A crash, an unexpected exit code and a leftover file are each reported; and a command
    that fails inside (here verify, made to raise) is found by the real run."""
    import zkml_chain.groth16

    target = next(t for t in TARGETS if t.command == "verify")
    assert "uncaught" in _problem(target, Run(1, "", KeyError("x")), [])
    assert "internal error" in _problem(target, Run(3, "internal error (a bug ...)", None), [])
    assert "exit code 7" in _problem(target, Run(7, "", None), [])
    assert "left files behind" in _problem(target, Run(2, "error: no", None), [tmp_path / "p.json"])

    def broken(*args: object) -> bool:
        raise RuntimeError("a bug")

    monkeypatch.setattr(zkml_chain.groth16, "verify", broken)
    unchanged = dataclasses.replace(target, mutate=lambda data, rng: (data, "none"))
    report = fuzz_files(2, corpus, tmp_path, targets=(unchanged,))
    assert any("internal error" in f.problem for f in report.findings)


def test_random_models_compile_to_circuits_equal_to_numpy(tmp_path: Path) -> None:
    report = fuzz_models(10, tmp_path, seed=2026)
    assert not report.findings, [(f.ops, f.scale, f.problem[:500]) for f in report.findings]
    assert report.compiled >= 5 and report.checked_inputs >= 10


def test_findings_of_the_long_run_stay_fixed(corpus, tmp_path: Path) -> None:
    """Mutants `make fuzz` found (2026-11-30): circuit.json without an input's calibrated width
    (KeyError) and an INPUT.json integer beyond float range (OverflowError) reached users as
    internal errors; both are clear errors now."""
    compiled = json.loads((corpus.compiled / "circuit.json").read_text())
    del compiled["quantization"]["widths"]["input:x"]
    inp = json.loads(corpus.input.read_text())
    inp["x"] = 10**400
    cases = [("circuit.json", json.dumps(compiled), "no calibrated width for input 'x'"),
             ("INPUT.json", json.dumps(inp), "input 'x': expected (nested lists of) numbers")]
    for fmt, data, needle in cases:
        target = next(t for t in TARGETS if t.format == fmt and t.command == "prove --input")
        run, problem = try_mutant(target, corpus, data.encode(), tmp_path)
        assert problem is None and run.exit_code == 2 and needle in run.stderr, (fmt, problem, run.stderr[-500:])
