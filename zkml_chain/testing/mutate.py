"""File fuzzing: mutated artifacts through every command that reads them.

A seed corpus of valid files (a small circuit's ``.r1cs``, ``.wtns``, ``.zkey``, its proof and
keys; a compiled ONNX folder with its ``circuit.json`` and ``INPUT.json``; the ONNX model) is
mutated (and a small prepared .ptau) — bit flips, truncation, the iden3 container's fields and 32-byte words set to
boundary values (0, 1, r − 1, r, q, 2^256 − 1), JSON values replaced by other types, huge,
negative or out-of-field numbers, keys deleted, ONNX protobuf fields changed — and each mutant
goes through the CLI command that reads it, in process. Every run must:

- exit 0, 2, or for ``verify`` 1; never an exception (a traceback) or the internal-error exit 3;
- on failure, leave no file behind (not even a temporary one);
- never turn an invalid proof valid: ``verify`` exits 0 only for a mutant that parses to the
  same proof, signals and key as the seed; a ``prove`` that succeeds on a mutated key or
  witness wrote a proof that verifies for the public signals it wrote.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..field import Q, R

#: Values a mutation puts where a number was: boundaries of u32/u64, the field moduli, signs.
NUMBERS = (0, 1, -1, 2, 255, 2**31 - 1, 2**31, 2**32 - 1, 2**32, 2**53 + 1, 2**63 - 1, 2**63, 2**64 - 1, 2**64,
           R - 1, R, R + 1, Q - 1, Q, 2**254, 2**256 - 1, -R, 10**400)
WORDS = (0, 1, 2, R - 1, R, Q - 1, Q, 2**255, 2**256 - 1)


# --- mutators: bytes -> (bytes, what was done) ----------------------------------------------------------


def _bytes_generic(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    b = bytearray(data)
    kind = rng.choice(("flip", "byte", "truncate", "append", "delete", "duplicate"))
    if not b:
        return bytes([rng.randrange(256)]), "append"
    i = rng.randrange(len(b))
    if kind == "flip":
        b[i] ^= 1 << rng.randrange(8)
    elif kind == "byte":
        b[i] = rng.choice((0, 0xFF, 0x7F, 0x80, rng.randrange(256)))
    elif kind == "truncate":
        del b[i:]
    elif kind == "append":
        b += bytes(rng.randrange(256) for _ in range(rng.choice((1, 4, 12, 32))))
    elif kind == "delete":
        del b[i : i + rng.choice((1, 4, 8, 32))]
    else:
        j = rng.randrange(len(b))
        b[j:j] = b[i : i + rng.choice((4, 12, 32, 64))]
    return bytes(b), kind


def _sections(data: bytes) -> list[tuple[int, int, int]]:
    """(header offset, payload offset, size) of each iden3 section, as far as the file parses."""
    out: list[tuple[int, int, int]] = []
    pos = 12
    if len(data) < 12:
        return out
    (n,) = struct.unpack_from("<I", data, 8)
    for _ in range(min(n, 64)):
        if pos + 12 > len(data):
            break
        _, size = struct.unpack_from("<IQ", data, pos)
        out.append((pos, pos + 12, size))
        pos += 12 + size
        if pos > len(data):
            break
    return out


def mutate_binary(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """The iden3 container (.r1cs, .wtns, .zkey, .ptau), structure-aware half of the time."""
    secs = _sections(data)
    kind = rng.choice(("generic", "header", "section header", "word", "word", "drop section", "swap sections"))
    b = bytearray(data)
    if kind == "generic" or not secs:
        return _bytes_generic(data, rng)
    if kind == "header":
        off, width = rng.choice(((4, 4), (8, 4)))  # version, section count
        b[off : off + width] = (rng.choice(NUMBERS) % 2 ** (8 * width)).to_bytes(width, "little")
        return bytes(b), "header field"
    head, payload, size = rng.choice(secs)
    if kind == "section header":
        if rng.random() < 0.5:
            b[head : head + 4] = (rng.choice(NUMBERS) % 2**32).to_bytes(4, "little")
            return bytes(b), "section type"
        b[head + 4 : head + 12] = (rng.choice(NUMBERS) % 2**64).to_bytes(8, "little")
        return bytes(b), "section size"
    if kind == "word" and size >= 32:
        off = payload + 4 * rng.randrange((size - 32) // 4 + 1)  # any 4-aligned word: sizes, ids, coordinates
        b[off : off + 32] = rng.choice(WORDS).to_bytes(32, "little")
        return bytes(b), "field word"
    if kind == "drop section":
        n = struct.unpack_from("<I", b, 8)[0]
        del b[head : payload + size]
        b[8:12] = struct.pack("<I", max(n - 1, 0))
        return bytes(b), "drop section"
    if len(secs) >= 2:
        (h1, p1, s1), (h2, p2, s2) = sorted(rng.sample(secs, 2))
        first, second = bytes(b[h1 : p1 + s1]), bytes(b[h2 : p2 + s2])
        return bytes(b[:h1]) + second + bytes(b[p1 + s1 : h2]) + first + bytes(b[p2 + s2 :]), "swap sections"
    return _bytes_generic(data, rng)


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj[:50]):
            out += _paths(v, prefix + (i,))
    return out


def _other_value(old: Any, rng: random.Random) -> Any:
    choices: list[Any] = [None, True, "", "x", [], {}, 0.5, float("nan"), float("inf"), -1e308]
    n = rng.choice(NUMBERS)
    choices += [n, str(n), hex(n) if n >= 0 else str(n)]
    if isinstance(old, str) and old.lstrip("-").isdigit():
        v = int(old)
        choices += [str(v + R), str(v + Q), str(-v), str(v + 1), str(v - 1), "0x" + format(abs(v), "x"), " " + old]
    if isinstance(old, (int, float)) and not isinstance(old, bool):
        choices += [old + 1, -old, old * 2**40, str(old)]
    if isinstance(old, list):
        choices += [old[:-1], old + old[-1:], old[::-1], [old]]
    return rng.choice(choices)


def mutate_json(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """A JSON artifact: a value replaced, a key deleted or added, or raw text damage."""
    try:
        obj = json.loads(data)
    except ValueError:
        return _bytes_generic(data, rng)
    if rng.random() < 0.15:
        return _bytes_generic(data, rng)
    path = rng.choice(_paths(obj))
    if not path:
        return json.dumps(_other_value(obj, rng)).encode(), "replace document"
    parent = obj
    for k in path[:-1]:
        parent = parent[k]
    key = path[-1]
    kind = rng.choice(("replace", "replace", "replace", "delete", "add"))
    if kind == "delete":
        del parent[key]
    elif kind == "add" and isinstance(parent, dict):
        parent[rng.choice(("extra", "format", "protocol", "curve", "nPublic", "salt"))] = _other_value(None, rng)
    elif kind == "add":
        parent.insert(key, parent[key])
    else:
        parent[key] = _other_value(parent[key], rng)
    return json.dumps(obj).encode(), f"{kind} {'/'.join(map(str, path))}"


def mutate_onnx(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """An ONNX model: protobuf bytes damaged, or a field of the parsed model changed."""
    import onnx
    from onnx import numpy_helper

    if rng.random() < 0.3:
        return _bytes_generic(data, rng)
    m = onnx.ModelProto()
    try:
        m.ParseFromString(data)
    except Exception:  # noqa: BLE001 - not a model any more: damage the bytes
        return _bytes_generic(data, rng)
    g = m.graph
    kind = rng.choice(("op", "attribute", "initializer", "dims", "input", "output", "node input", "opset", "drop node"))
    if kind == "op" and g.node:
        rng.choice(g.node).op_type = rng.choice(("Softmax", "Gemm", "Relu", "MatMul", "Conv", "LSTM", "", "Add"))
    elif kind == "attribute" and any(n.attribute for n in g.node):
        a = rng.choice([a for n in g.node for a in n.attribute])
        if a.ints:
            a.ints[rng.randrange(len(a.ints))] = rng.choice((0, -1, 2**31 - 1, 7))
        elif a.type == onnx.AttributeProto.FLOAT:
            a.f = rng.choice((float("nan"), float("inf"), -1e38, 0.0))
        else:
            a.i = rng.choice((0, -1, 2, 2**40))
    elif kind == "initializer" and g.initializer:
        t = rng.choice(g.initializer)
        arr = numpy_helper.to_array(t).astype(np.float32).copy()
        if arr.size:
            arr.flat[rng.randrange(arr.size)] = rng.choice((np.nan, np.inf, -np.inf, 3e38, 1e-45, -0.0))
        if rng.random() < 0.3:
            arr = arr.ravel()[: max(arr.size - 1, 0)]
        t.CopyFrom(numpy_helper.from_array(arr, t.name))
    elif kind == "dims" and g.input:
        dims = rng.choice(g.input).type.tensor_type.shape.dim
        if dims:
            d = dims[rng.randrange(len(dims))]
            d.dim_value = rng.choice((0, 1, 2, 2**31 - 1, 1000))
    elif kind == "input" and g.input:
        del g.input[rng.randrange(len(g.input))]
    elif kind == "output" and g.output:
        rng.choice(g.output).name = rng.choice(("nowhere", "x", ""))
    elif kind == "node input" and g.node:
        n = rng.choice(g.node)
        if n.input:
            n.input[rng.randrange(len(n.input))] = rng.choice(("missing", "", n.output[0] if n.output else "y"))
    elif kind == "opset" and m.opset_import:
        m.opset_import[0].version = rng.choice((1, 6, 30, 9999))
    elif kind == "drop node" and g.node:
        del g.node[rng.randrange(len(g.node))]
    else:
        return _bytes_generic(data, rng)
    return m.SerializeToString(), f"onnx {kind}"


# --- the seed corpus ------------------------------------------------------------------------------------


@dataclass
class Corpus:
    """Valid files to mutate, made fresh: a squaring chain with keys and a proof, and a
    compiled two-layer ONNX model with its keys and an input."""

    root: Path
    keys: Path  # circuit.r1cs, circuit.zkey, verification_key.json
    wtns: Path
    proof: Path
    public: Path
    model: Path
    calibration: Path
    compiled: Path  # a `compile` + `setup` folder
    input: Path
    ptau: Path  # a prepared powers-of-tau file with one contribution


def _tiny_model(path: Path) -> None:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(1)
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])
    inits = [numpy_helper.from_array(rng.normal(0, 1, (4, 3)).astype(np.float32), "W1"),
             numpy_helper.from_array(rng.normal(0, 0.1, 3).astype(np.float32), "B1"),
             numpy_helper.from_array(rng.normal(0, 1, (3, 2)).astype(np.float32), "W2")]
    nodes = [helper.make_node("Gemm", ["x", "W1", "B1"], ["h"], name="fc1"),
             helper.make_node("Relu", ["h"], ["r"], name="relu"),
             helper.make_node("MatMul", ["r", "W2"], ["m"], name="fc2"),
             helper.make_node("Sigmoid", ["m"], ["y"], name="sig")]
    model = helper.make_model(helper.make_graph(nodes, "tiny", [x], [y], inits),
                              opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    path.write_bytes(model.SerializeToString())


def build_corpus(root: Path) -> Corpus:
    from ..cli import main
    from ..samples import squaring_chain

    root.mkdir(parents=True, exist_ok=True)
    r1cs, witness = squaring_chain(8, x0=5, nonce=77)
    r1cs.save(root / "chain.r1cs")
    witness.save(root / "chain.wtns")
    keys = root / "keys"
    _cli(main, ["setup", str(root / "chain.r1cs"), "--out", str(keys)])
    _cli(main, ["prove", str(keys), "--wtns", str(root / "chain.wtns"), "--proof", str(root / "proof.json"),
                "--public", str(root / "public.json")])
    model, calib, compiled = root / "tiny.onnx", root / "calibration.json", root / "compiled"
    _tiny_model(model)
    rng = np.random.default_rng(2)
    calib.write_text(json.dumps({"x": rng.normal(0, 1, (16, 1, 4)).tolist()}))
    _cli(main, ["compile", str(model), "--out", str(compiled), "--calibration", str(calib),
                "--input-visibility", "hashed"])
    _cli(main, ["setup", str(compiled)])
    inp = root / "input.json"
    inp.write_text(json.dumps({"x": [rng.normal(0, 0.5, 4).tolist()], "salt": "12345"}))
    ptau = root / "small.ptau"
    _cli(main, ["ptau", "new", "4", str(root / "p0.ptau")])
    _cli(main, ["ptau", "contribute", str(root / "p0.ptau"), str(root / "p1.ptau"), "--entropy", "fuzz"])
    _cli(main, ["ptau", "prepare", str(root / "p1.ptau"), str(ptau)])
    return Corpus(root, keys, root / "chain.wtns", root / "proof.json", root / "public.json", model, calib,
                  compiled, inp, ptau)


def _cli(main: Any, args: list[str]) -> None:
    from click.testing import CliRunner

    r = CliRunner(mix_stderr=False).invoke(main, args)
    if r.exit_code != 0:
        raise RuntimeError(f"building the fuzz corpus: zkml-chain {' '.join(args)} failed: {r.stderr}{r.exception}")


# --- targets: a format, its seed, its mutator, the command that reads it ----------------------------


@dataclass
class Run:
    """One command on one mutant: what came back."""

    exit_code: int
    stderr: str
    exception: BaseException | None


@dataclass(frozen=True)
class Target:
    format: str
    command: str  # for reports
    seed: Callable[[Corpus], Path]
    mutate: Callable[[bytes, random.Random], tuple[bytes, str]]
    # (corpus, mutant path, scratch dir) -> (argv, the outputs it would create)
    argv: Callable[[Corpus, Path, Path], tuple[list[str], list[Path]]]
    # extra semantic check after a run: returns a problem or None
    check: Callable[[Corpus, Path, Path, Run], str | None] | None = None


def _same_as_seed(load: Callable[[Path], Any], seed: Path, mutant: Path) -> bool | None:
    """True/False: the mutant parses to the seed's value or not; None: it does not parse."""
    from ..errors import ZkmlChainError

    try:
        return load(mutant) == load(seed)
    except (ZkmlChainError, OSError):
        return None


def _verify_check(kind: str) -> Callable[[Corpus, Path, Path, Run], str | None]:
    def check(corpus: Corpus, mutant: Path, scratch: Path, run: Run) -> str | None:
        from ..groth16 import Proof, VerifyingKey, load_public

        def vk_points(path: Path) -> tuple[Any, ...]:  # what verification uses (not the dev-key note)
            vk = VerifyingKey.load(path)
            return vk.alpha1, vk.beta2, vk.gamma2, vk.delta2, vk.ic

        load, seed = {"proof": (Proof.load, corpus.proof), "public": (load_public, corpus.public),
                      "vk": (vk_points, corpus.keys / "verification_key.json")}[kind]
        same = _same_as_seed(load, seed, mutant)
        if same is None and run.exit_code != 2:
            return f"the library refuses the mutant but verify exited {run.exit_code}"
        if run.exit_code == 0 and same is False:
            return "a changed value verified: an invalid proof accepted"
        return None

    return check


def _proof_valid_under(vk_path: Callable[[Corpus], Path]) -> Callable[[Corpus, Path, Path, Run], str | None]:
    """The check that a proof `prove` wrote from a mutant verifies under the real key at
    ``vk_path(corpus)`` (a mutant may prove, but never something else)."""

    def check(corpus: Corpus, mutant: Path, scratch: Path, run: Run) -> str | None:
        if run.exit_code != 0:
            return None
        from ..groth16 import Proof, VerifyingKey, load_public, verify

        vk = VerifyingKey.load(vk_path(corpus))
        if not verify(vk, Proof.load(scratch / "p.json"), load_public(scratch / "pub.json")):
            return "prove succeeded on a mutant but its proof does not verify under the real key"
        return None

    return check


_proof_written_is_valid = _proof_valid_under(lambda c: c.keys / "verification_key.json")


def _keys_with(corpus: Corpus, scratch: Path, name: str, mutant: Path) -> Path:
    d = scratch / "keys"
    shutil.copytree(corpus.keys, d)
    shutil.copyfile(mutant, d / name)
    return d


def _compiled_with(corpus: Corpus, scratch: Path, name: str, mutant: Path) -> Path:
    d = scratch / "compiled"
    shutil.copytree(corpus.compiled, d)
    shutil.copyfile(mutant, d / name)
    return d


def _compiled_with_graph(corpus: Corpus, scratch: Path, mutant: Path) -> Path:
    """The compiled folder with a mutated graph.npz whose SHA-256 circuit.json records and no
    witness program, so the archive's reader (not only the digest check) meets the mutant."""
    d = _compiled_with(corpus, scratch, "graph.npz", mutant)
    info = json.loads((d / "circuit.json").read_text())
    info["graph_sha256"] = hashlib.sha256(mutant.read_bytes()).hexdigest()
    # without its witness program (as compiled before there was one), prove builds the circuit from graph.npz
    del info["witness_program_sha256"]
    (d / "witness.bin").unlink()
    (d / "circuit.json").write_text(json.dumps(info))
    return d


def _prove_args(keydir: Path, scratch: Path, wtns: Path) -> tuple[list[str], list[Path]]:
    return (["prove", str(keydir), "--wtns", str(wtns), "--proof", str(scratch / "p.json"), "--public",
             str(scratch / "pub.json")], [scratch / "p.json", scratch / "pub.json"])


def _prove_input_args(folder: Path, scratch: Path, inp: Path) -> tuple[list[str], list[Path]]:
    outs = [scratch / "p.json", scratch / "pub.json", scratch / "o.json"]
    return (["prove", str(folder), "--input", str(inp), "--proof", str(outs[0]), "--public", str(outs[1]),
             "--output", str(outs[2])], outs)


TARGETS: tuple[Target, ...] = (
    Target(".r1cs", "setup", lambda c: c.keys / "circuit.r1cs", mutate_binary,
           lambda c, m, s: (["setup", str(m), "--out", str(s / "out")], [s / "out"])),
    Target(".wtns", "prove --wtns", lambda c: c.wtns, mutate_binary,
           lambda c, m, s: _prove_args(c.keys, s, m), _proof_written_is_valid),
    Target(".zkey", "prove", lambda c: c.keys / "circuit.zkey", mutate_binary,
           lambda c, m, s: _prove_args(_keys_with(c, s, "circuit.zkey", m), s, c.wtns), _proof_written_is_valid),
    Target("proof.json", "verify", lambda c: c.proof, mutate_json,
           lambda c, m, s: (["verify", str(c.keys / "verification_key.json"), str(m), str(c.public)], []),
           _verify_check("proof")),
    Target("public.json", "verify", lambda c: c.public, mutate_json,
           lambda c, m, s: (["verify", str(c.keys / "verification_key.json"), str(c.proof), str(m)], []),
           _verify_check("public")),
    Target("verification_key.json", "verify", lambda c: c.keys / "verification_key.json", mutate_json,
           lambda c, m, s: (["verify", str(m), str(c.proof), str(c.public)], []), _verify_check("vk")),
    Target("verification_key.json", "verifier --no-compile", lambda c: c.keys / "verification_key.json", mutate_json,
           lambda c, m, s: (["verifier", str(m), "--out", str(s / "V.sol"), "--no-compile", "--allow-development-key"],
                            [s / "V.sol", s / "Verifier.json"])),
    Target("circuit.json", "prove --input", lambda c: c.compiled / "circuit.json", mutate_json,
           lambda c, m, s: _prove_input_args(_compiled_with(c, s, "circuit.json", m), s, c.input)),
    Target("graph.npz", "prove --input", lambda c: c.compiled / "graph.npz", _bytes_generic,
           lambda c, m, s: _prove_input_args(_compiled_with_graph(c, s, m), s, c.input),
           _proof_valid_under(lambda c: c.compiled / "verification_key.json")),
    Target("circuit.json", "setup DIR", lambda c: c.compiled / "circuit.json", mutate_json,
           lambda c, m, s: (["setup", str(_compiled_with(c, s, "circuit.json", m))], [])),
    Target("INPUT.json", "prove --input", lambda c: c.input, mutate_json,
           lambda c, m, s: _prove_input_args(c.compiled, s, m)),
    Target(".zkey", "zkey contribute", lambda c: c.keys / "circuit.zkey", mutate_binary,
           lambda c, m, s: (["zkey", "contribute", str(m), str(s / "out.zkey"), "--entropy", "x"], [s / "out.zkey"])),
    Target(".ptau", "ptau verify", lambda c: c.ptau, mutate_binary,
           lambda c, m, s: (["ptau", "verify", str(m)], [])),
    Target(".ptau", "setup --ptau", lambda c: c.ptau, mutate_binary,
           lambda c, m, s: (["setup", str(c.keys / "circuit.r1cs"), "--ptau", str(m), "--out", str(s / "k")],
                            [s / "k"])),
    Target("model.onnx", "compile", lambda c: c.model, mutate_onnx,
           lambda c, m, s: (["compile", str(m), "--out", str(s / "out"), "--calibration", str(c.calibration)],
                            [s / "out"])),
)


@dataclass
class Finding:
    format: str
    command: str
    how: str
    problem: str
    stderr: str
    mutant: bytes = field(repr=False)


@dataclass
class FileReport:
    runs: dict[str, int]  # "format: command" -> mutants run
    exits: dict[str, dict[int, int]]  # ... -> exit code -> count
    findings: list[Finding]


def _run(main: Any, argv: list[str]) -> Run:
    from click.testing import CliRunner

    r = CliRunner(mix_stderr=False).invoke(main, ["-v", *argv], catch_exceptions=True)  # -v: tracebacks of bugs
    exc = r.exception if r.exception is not None and not isinstance(r.exception, SystemExit) else None
    return Run(r.exit_code, r.stderr, exc)


def _problem(target: Target, run: Run, new_files: list[Path]) -> str | None:
    allowed = {0, 1, 2} if target.command.endswith("verify") else {0, 2}
    if run.exception is not None:
        return f"uncaught {type(run.exception).__name__}: {run.exception}"
    if run.exit_code == 3 or "Traceback" in run.stderr or "internal error" in run.stderr:
        return "a traceback or an internal error reached the user"
    if run.exit_code not in allowed:
        return f"exit code {run.exit_code}"
    if run.exit_code == 2 and "error:" not in run.stderr.lower():
        return "exit 2 without an error line"
    if run.exit_code != 0 and new_files:
        return f"failed but left files behind: {', '.join(p.name for p in new_files[:3])}"
    return None


def _listing(d: Path) -> set[Path]:
    return {p for p in d.rglob("*")} if d.exists() else set()


def try_mutant(target: Target, corpus: Corpus, data: bytes, scratch: Path) -> tuple[Run, str | None]:
    """Run ``target``'s command on ``data`` in place of its seed file: what came back and the
    problem with it (None when the command behaved)."""
    from ..cli import main

    work = scratch / "run"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    mutant = work / ("mutant" + target.seed(corpus).suffix)
    mutant.write_bytes(data)
    argv, _ = target.argv(corpus, mutant, work)
    before = _listing(work)
    run = _run(main, argv)
    created = sorted(_listing(work) - before)
    problem = _problem(target, run, created)
    if problem is None and target.check is not None:
        problem = target.check(corpus, mutant, work, run)
    return run, problem


def fuzz_files(count: int, corpus: Corpus, scratch: Path, seed: int = 0, targets: tuple[Target, ...] = TARGETS,
               progress: Callable[[int], None] | None = None) -> FileReport:
    """``count`` mutants per target through its command; a report of what came back."""
    report = FileReport({}, {}, [])
    done = 0
    for t_index, target in enumerate(targets):
        name = f"{target.format}: {target.command}"
        original = target.seed(corpus).read_bytes()
        rng = random.Random(seed * 7919 + t_index)
        for _ in range(count):
            data, how = target.mutate(original, rng)
            if rng.random() < 0.2:  # stack a second mutation now and then
                data, how2 = target.mutate(data, rng)
                how = f"{how} + {how2}"
            run, problem = try_mutant(target, corpus, data, scratch)
            report.runs[name] = report.runs.get(name, 0) + 1
            codes = report.exits.setdefault(name, {})
            codes[run.exit_code] = codes.get(run.exit_code, 0) + 1
            if problem is not None:
                report.findings.append(Finding(target.format, target.command, how, problem, run.stderr[-4000:], data))
            done += 1
            if progress is not None:
                progress(done)
    shutil.rmtree(scratch / "run", ignore_errors=True)
    return report
