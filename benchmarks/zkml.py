"""zkML benchmark: zkml-chain vs EZKL on the same ONNX files, in one run.

    .venv/bin/python benchmarks/zkml.py [--no-ezkl] [--repeats 3]

Models:
- credit MLP 20 → 16 → 8 → 1 (scikit-learn MLPClassifier on zkml_chain/lending/data/german_credit.csv, each of the
  20 attributes encoded as one standardized number: numeric as is, categorical by category
  index; exported by skl2onnx);
- digits CNN (tests/models/digits_cnn.onnx, a torch.onnx.export; see tests/models/make_models.py);
- the lending pool's gradient-boosted trees (100 trees, depth <= 4) and random forest (100 trees,
  depth <= 6) on the 55 attested German Credit integers (zkml_chain.lending.train's pipelines,
  exported by skl2onnx as TreeEnsembleClassifier). EZKL refuses that op ("[graph] [tract]
  Translating proto model to model"), so it gets the same fitted model through its documented
  route: hummingbird-ml to PyTorch tensors, exported to ONNX (installed with torch into
  .cache/hb-venv by this script). Its outputs are compared with onnxruntime on the original file.

Both frameworks get the same visibility (input private, parameters hashed, output public),
the same calibration data and the same ONNX file. Reported: constraints (ours) / rows
(EZKL's 2^logrows), setup / witness / prove seconds (ours: `zkml-chain prove` whole command,
witness included; EZKL: gen_witness and prove in-process), proof bytes, verification gas (ours,
on Anvil), and agreement with onnxruntime on held-out samples. EZKL (PyPI `ezkl`, with a local
development SRS from `gen_srs`) is installed into .cache/ezkl-venv by this script, never into
the project. Results: benchmarks/results/zkml.{json,md}.
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import click
import numpy as np
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
ZKML = ROOT / ".venv" / "bin" / "zkml-chain"
EZKL_VENV = ROOT / ".cache" / "ezkl-venv"
EZKL_VERSION = "23.0.5"
HB_VENV = ROOT / ".cache" / "hb-venv"
#: hummingbird-ml's last release wants onnx <= 1.16.1 but runs with ours; torch from PyPI brings
#: its CUDA wheels (torch's import needs them even on a CPU). scikit-learn as ours, so the fitted
#: pipeline unpickles there.
HB_PACKAGES = ["torch==2.15.0", "scikit-learn==1.9.1", "numpy<2", "hummingbird-ml==0.4.12", "onnx==1.23.2",
               "onnxconverter-common==1.16.0", "cloudpickle", "dill", "psutil"]
console = Console()

HB_RUNNER = r'''
import pickle, sys, warnings
import numpy as np, torch
from hummingbird.ml import convert
warnings.simplefilter("ignore")
pipe, x, out = pickle.load(open(sys.argv[1], "rb")), np.load(sys.argv[2]), sys.argv[3]
# GEMM: every node's comparison at once and a matrix product per tree, the tensor program EZKL's
# tree examples prove (hummingbird's default at these depths, tree traversal, uses Gather on
# computed indices)
hb = convert(pipe, "torch", x[:1], extra_config={"tree_implementation": "gemm"})
torch.onnx.export(hb.model, torch.from_numpy(x[:1]), out, input_names=["features"],
                  output_names=["label", "probabilities"], dynamo=False, opset_version=17)
'''

EZKL_RUNNER = r'''
import asyncio, inspect, json, sys, time
import ezkl

def call(fn, *a, **k):
    async def go():  # some functions need a running event loop even to start
        r = fn(*a, **k)
        return await r if inspect.isawaitable(r) else r
    return asyncio.run(go())

model, work, cal, inputs = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
config = json.loads(sys.argv[6])
out = {}
args = ezkl.PyRunArgs()
args.input_visibility, args.output_visibility = "private", "public"
args.param_visibility = config.get("param_visibility", "hashed")
args.variables = [("batch_size", 1), ("batch", 1)]  # ONNX files with a symbolic batch dimension
for key in ("input_scale", "param_scale", "decomp_base", "decomp_legs"):
    if key in config:
        setattr(args, key, config[key])
settings, compiled = f"{work}/settings.json", f"{work}/model.compiled"
t = time.perf_counter()
call(ezkl.gen_settings, model, settings, py_run_args=args)
if config.get("settings_only"):  # the circuit's size, when proving it is out of reach here
    s = json.load(open(settings))
    print(json.dumps({"settings_only": True, "num_rows": s["num_rows"], "logrows": s["run_args"]["logrows"]}))
    sys.exit(0)
if config.get("calibration_rows"):  # calibration runs the circuit once per row: seconds each on big circuits
    rows = json.load(open(cal))["input_data"][0]
    n_features = len(inputs[0])
    json.dump({"input_data": [rows[: n_features * config["calibration_rows"]]]}, open(cal, "w"))
if "scales" in config:  # keep the given scales; calibration only sizes the lookups and logrows
    call(ezkl.calibrate_settings, cal, model, settings, "resources", scales=config["scales"])
else:
    call(ezkl.calibrate_settings, cal, model, settings, "resources")
call(ezkl.compile_circuit, model, compiled, settings)
s = json.load(open(settings))
logrows = s["run_args"]["logrows"]
srs = f"{work}/kzg{logrows}.srs"
call(ezkl.gen_srs, srs, logrows)
call(ezkl.setup, compiled, f"{work}/vk.key", f"{work}/pk.key", srs)
out["setup_s"] = time.perf_counter() - t
out["logrows"] = logrows
out["scales"] = [s["run_args"].get("input_scale"), s["run_args"].get("param_scale")]
out["decomp"] = [s["run_args"].get("decomp_base"), s["run_args"].get("decomp_legs")]
witness_s, prove_s, outputs = [], [], []
for i, x in enumerate(inputs):
    data = f"{work}/in{i}.json"
    json.dump({"input_data": [x]}, open(data, "w"))
    t = time.perf_counter()
    call(ezkl.gen_witness, data, compiled, f"{work}/w{i}.json", f"{work}/vk.key", srs)
    witness_s.append(time.perf_counter() - t)
    w = json.load(open(f"{work}/w{i}.json"))
    outputs.append([[float(v) for v in o] for o in w["pretty_elements"]["rescaled_outputs"]])
    if i < int(sys.argv[5]):
        t = time.perf_counter()
        call(ezkl.prove, f"{work}/w{i}.json", compiled, f"{work}/pk.key", f"{work}/proof{i}.json", srs)
        prove_s.append(time.perf_counter() - t)
        assert call(ezkl.verify, f"{work}/proof{i}.json", settings, f"{work}/vk.key", srs)
# EZKL's Solidity verifier (halo2-solidity-verifier) and the calldata for proof 0: gas is measured
# by the benchmark on Anvil, as for ours
try:  # it writes Verifier.sol, then fails offline fetching solc (svm): we compile it with ours
    call(ezkl.create_evm_verifier, f"{work}/vk.key", settings, f"{work}/Verifier.sol", f"{work}/verifier_abi.json",
         srs, False)
except Exception as e:
    print(f"create_evm_verifier: {e}", file=sys.stderr)
try:
    call(ezkl.encode_evm_calldata, f"{work}/proof0.json", f"{work}/calldata.bin")
except Exception as e:  # the timings stand without the gas figure
    print(f"encode_evm_calldata: {e}", file=sys.stderr)
p = json.load(open(f"{work}/proof0.json"))
proof_hex = p.get("proof") or p.get("hex_proof") or ""
out.update(witness_s=witness_s, prove_s=prove_s, outputs=outputs,
           proof_bytes=len(bytes(proof_hex)) if isinstance(proof_hex, list) else len(proof_hex.removeprefix("0x")) // 2)
print(json.dumps(out))
'''


def ensure_ezkl() -> Path | None:
    py = EZKL_VENV / "bin" / "python"
    if not py.exists():
        console.print(f"installing ezkl {EZKL_VERSION} into {EZKL_VENV} (benchmark only) ...")
        subprocess.run([sys.executable, "-m", "venv", str(EZKL_VENV)], check=True)
        r = subprocess.run([str(EZKL_VENV / "bin" / "pip"), "install", "-q", f"ezkl=={EZKL_VERSION}", "onnx"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            console.print(f"[yellow]ezkl could not be installed, skipping it:[/] {r.stderr.strip()[-300:]}")
            return None
    return py


def ensure_hummingbird() -> Path | None:
    py = HB_VENV / "bin" / "python"
    if not py.exists():
        console.print(f"installing hummingbird-ml and torch into {HB_VENV} (EZKL's route for trees; benchmark only) ...")
        subprocess.run([sys.executable, "-m", "venv", str(HB_VENV)], check=True)
        r = subprocess.run([str(HB_VENV / "bin" / "pip"), "install", "-q", *HB_PACKAGES], capture_output=True, text=True)
        if r.returncode != 0 or subprocess.run([str(py), "-c", "import hummingbird.ml, torch"]).returncode != 0:
            console.print(f"[yellow]hummingbird could not be installed, EZKL skips the trees:[/] {r.stderr.strip()[-300:]}")
            return None
    return py


def tree_model(name: str, work: Path, hb: Path | None) -> tuple[Path, np.ndarray, np.ndarray, Path | None]:
    """The lending pool's ``name`` ("gbdt" or "rf"): (skl2onnx file, calibration rows, held-out
    rows, the hummingbird tensor version of the same fitted model for EZKL, or None)."""
    import pickle

    from zkml_chain.lending.features import load
    from zkml_chain.lending.train import fit, onnx_bytes, pipelines, split

    ds = load()
    tr, te = split(ds)
    pipe = fit(pipelines()[name], ds, tr)
    path = work / f"credit_{name}.onnx"
    path.write_bytes(onnx_bytes(pipe))
    x_tr, x_te = ds.features[tr].astype(np.float32), ds.features[te].astype(np.float32)
    tensor = None
    if hb is not None:
        (work / f"credit_{name}.pkl").write_bytes(pickle.dumps(pipe))
        np.save(work / f"credit_{name}_x.npy", x_tr)
        tensor = work / f"credit_{name}_hummingbird.onnx"
        r = subprocess.run([str(hb), "-c", HB_RUNNER, str(work / f"credit_{name}.pkl"), str(work / f"credit_{name}_x.npy"),
                            str(tensor)], capture_output=True, text=True)
        if r.returncode != 0:
            console.print(f"[yellow]hummingbird could not convert {name}:[/] {r.stderr.strip()[-300:]}")
            tensor = None
    return path, x_tr, x_te, tensor


def credit_model(work: Path) -> tuple[Path, np.ndarray, np.ndarray]:
    """MLP 20 → 16 → 8 → 1 on German Credit; returns (onnx, calibration X, held-out X)."""
    import pandas as pd
    from skl2onnx import to_onnx
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    df = pd.read_csv(ROOT / "zkml_chain" / "lending" / "data" / "german_credit.csv")
    y = (df.pop("creditability") == "good").astype(int).to_numpy()
    cols = []
    for c in df.columns:
        col = df[c]
        cols.append(col.astype(float).to_numpy() if col.dtype.kind in "if" else
                    col.astype("category").cat.codes.astype(float).to_numpy())
    x = np.stack(cols, axis=1)
    x = ((x - x.mean(0)) / x.std(0)).astype(np.float32)
    x_tr, x_te, y_tr, _ = train_test_split(x, y, test_size=0.3, random_state=0)
    model = MLPClassifier((16, 8), max_iter=2000, random_state=0).fit(x_tr, y_tr)
    path = work / "credit_mlp.onnx"
    path.write_bytes(to_onnx(model, x_tr[:1], options={"zipmap": False}).SerializeToString())
    return path, x_tr, x_te


def digits_model() -> tuple[Path, np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    images = (load_digits().images / 16.0).astype(np.float32)[:, None]
    cal = np.array(json.loads((ROOT / "tests" / "models" / "digits_cnn_calibration.json").read_text())["image"],
                   dtype=np.float32)
    return ROOT / "tests" / "models" / "digits_cnn.onnx", cal, images[-200:]


def timed(cmd: list[str | Path]) -> float:
    t = time.perf_counter()
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{cmd[1]} failed: {r.stderr}")
    return time.perf_counter() - t


def ours(name: str, model: Path, cal: np.ndarray, held: np.ndarray, work: Path, repeats: int, scale: int) -> dict:
    import onnxruntime as ort

    from zkml_chain.onnx.graph import load
    from zkml_chain.onnx.quantize import dequantize, run_numpy

    d = work / name
    input_name = next(iter(load(model).inputs))
    (work / f"{name}_cal.json").write_text(json.dumps({input_name: cal.tolist()}))
    compile_s = timed([ZKML, "compile", model, "--out", d, "--calibration", work / f"{name}_cal.json", "--scale", scale])
    info = json.loads((d / "circuit.json").read_text())
    setup_s = timed([ZKML, "setup", d])
    (work / f"{name}_in.json").write_text(json.dumps({input_name: held[0].tolist()}))
    prove = [timed([ZKML, "prove", d, "--input", work / f"{name}_in.json", "--proof", work / f"{name}_p.json",
                    "--public", work / f"{name}_pub.json"]) for _ in range(repeats)]
    # agreement with onnxruntime on held-out samples, computed with the exact integer model
    graph = load(model)
    q, _ = run_numpy(graph, {input_name: held.reshape((len(held),) + graph.inputs[input_name])}, scale)
    sess = ort.InferenceSession(str(model))
    refs = [sess.run(None, {input_name: held[i : i + 1]}) for i in range(len(held))]
    out_name = "probabilities" if "probabilities" in q else next(iter(q))
    k = [o.name for o in sess.get_outputs()].index(out_name)
    theirs = np.stack([r[k].ravel() for r in refs])
    mine = dequantize(q[out_name]).reshape(len(held), -1)
    gas = verification_gas(d, work / f"{name}_p.json", work / f"{name}_pub.json")
    return {"constraints": info["constraints"], "scale_bits": scale, "compile_s": compile_s, "setup_s": setup_s,
            "prove_s": statistics.median(prove), "proof_bytes": 256, "verify_gas": gas,
            "top1_agreement": float(np.mean(mine.argmax(1) == theirs.argmax(1))),
            "max_abs_error": float(np.abs(mine - theirs).max()), "held_out": len(held), "output": out_name}


def verification_gas(d: Path, proof: Path, public: Path) -> int:
    from zkml_chain.chain.anvil import Anvil
    from zkml_chain.chain.evm import Evm
    from zkml_chain.groth16 import Proof, VerifyingKey, load_public
    from zkml_chain.solidity import compile_sources, render_verifier

    rendered = render_verifier(VerifyingKey.load(d / "verification_key.json"), allow_development_key=True)
    art = compile_sources({"V.sol": rendered.source})[rendered.contract_name]
    with Anvil() as node:
        evm = Evm(node.url)
        c, _ = evm.deploy(art)
        p = Proof.load(proof)
        sent = evm.send(c.functions.verifyProof(*p.verify_proof_args(), load_public(public)))
        assert sent.status == 1
        return sent.gas_used


def ezkl_verification_gas(d: Path) -> int | None:
    """Gas of EZKL's own Solidity verifier (rendered by ``create_evm_verifier``, compiled with our
    solc) checking proof 0 on Anvil; None when the contract cannot be compiled or deployed here."""
    from zkml_chain.chain.anvil import Anvil
    from zkml_chain.chain.evm import Evm
    from zkml_chain.errors import ZkmlChainError
    from zkml_chain.solidity import compile_sources

    sol, calldata = d / "Verifier.sol", d / "calldata.bin"
    if not (sol.is_file() and calldata.is_file()):
        return None
    try:
        # as EZKL's own tooling compiles it: optimizer on, no via-IR (its assembly overflows the
        # stack under via-IR)
        arts = compile_sources({"Verifier.sol": sol.read_text()}, via_ir=False)
    except ZkmlChainError as e:
        console.print(f"[yellow]EZKL's verifier did not compile:[/] {str(e)[:300]}")
        return None
    art = max(arts.values(), key=lambda a: len(a.bytecode))
    # halo2 verifiers can exceed the 24 KB contract limit (EIP-170): Anvil lifts it for the measurement
    with Anvil(extra_args=("--disable-code-size-limit",)) as node:
        evm = Evm(node.url)
        contract, _ = evm.deploy(art)
        w3 = evm.w3
        tx = {"from": w3.eth.accounts[0], "to": contract.address, "data": "0x" + calldata.read_bytes().hex()}
        receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction(tx))
        if receipt.status != 1:
            console.print("[yellow]EZKL's verifier rejected its own proof on chain[/]")
            return None
        return int(receipt.gasUsed)


#: EZKL configurations, each run on every model: its own calibration for resources (it picks the
#: scales and logrows), and the tuning that proved fastest here at comparable accuracy (scale 8,
#: lookups decomposed into 4 legs of base 128, so far fewer rows).
EZKL_CONFIGS: dict[str, tuple[str, dict]] = {
    "calibrated": ("ezkl (calibrated for resources)", {}),
    "tuned": ("ezkl (tuned: scale 8, decomp 128x4)",
              {"input_scale": 8, "param_scale": 8, "decomp_base": 128, "decomp_legs": 4, "scales": [8]}),
    # The trees through hummingbird have ~110k weights (dense node and leaf matrices): hashing them
    # (as ours are, into the public model commitment) takes EZKL's Poseidon module 4.2M rows for the
    # GBDT and 19.4M for the forest, in one column (setup at 2^20 panics: NotEnoughRowsAvailable).
    # So the tree runs use fixed parameters, EZKL's cheapest way to bind the weights (they go
    # into its verifying key: one verifier per model), and report the hashed size without proving.
    "tuned-fixed": ("ezkl (tuned: scale 8, decomp 128x4, fixed params)",
                    {"input_scale": 8, "param_scale": 8, "decomp_base": 128, "decomp_legs": 4, "scales": [8],
                     "param_visibility": "fixed", "calibration_rows": 50}),
    "calibrated-fixed": ("ezkl (calibrated for resources, fixed params)",
                         {"param_visibility": "fixed", "calibration_rows": 50}),
    "hashed-size": ("ezkl (hashed params as ours, size only)",
                    {"input_scale": 8, "param_scale": 8, "decomp_base": 128, "decomp_legs": 4, "settings_only": True}),
}


def ezkl(name: str, model: Path, cal: np.ndarray, held: np.ndarray, work: Path, py: Path, proofs: int,
         config: dict, reference: Path | None = None) -> dict:
    """EZKL on ``model``; its outputs are compared with onnxruntime on ``reference`` (the original
    file, when EZKL gets a converted one), else on ``model``."""
    import onnxruntime as ort

    tag = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:8]
    d = work / f"ezkl_{name}_{tag}"
    d.mkdir(parents=True, exist_ok=True)
    (d / "cal.json").write_text(json.dumps({"input_data": [cal.reshape(len(cal), -1).ravel().tolist()]}))
    samples = held[:20]
    r = subprocess.run([str(py), "-c", EZKL_RUNNER, str(model), str(d), str(d / "cal.json"),
                        json.dumps([s.ravel().tolist() for s in samples]), str(proofs), json.dumps(config)],
                       capture_output=True, text=True, cwd=d, env={**os.environ, "RUST_LOG": "error"})
    if r.returncode != 0:
        return {"error": r.stderr.strip()[-400:]}
    res = json.loads(r.stdout.strip().splitlines()[-1])
    if res.get("settings_only"):
        return {"error": f"not run: {res['num_rows']:,} rows (2^{int(np.ceil(np.log2(res['num_rows'])))})",
                "num_rows": res["num_rows"]}
    sess = ort.InferenceSession(str(model))
    names = [o.name for o in sess.get_outputs()]
    k = names.index("probabilities") if "probabilities" in names else 0
    ref = ort.InferenceSession(str(reference or model))
    ref_names = [o.name for o in ref.get_outputs()]
    k_ref = ref_names.index("probabilities") if "probabilities" in ref_names else 0
    in_name = ref.get_inputs()[0].name
    theirs = np.stack([ref.run(None, {in_name: s[None]})[k_ref].ravel() for s in samples])
    outs = np.array([o[k] for o in res["outputs"]], dtype=np.float64).reshape(len(samples), -1)
    return {"rows": 2 ** res["logrows"], "scales": res.get("scales", []), "decomp": res.get("decomp"),
            "setup_s": res["setup_s"],
            "witness_s": statistics.median(res["witness_s"]),
            "prove_s": statistics.median(res["prove_s"]), "proof_bytes": res["proof_bytes"],
            "verify_gas": ezkl_verification_gas(d),
            "top1_agreement": float(np.mean(outs.argmax(1) == theirs.argmax(1))),
            "max_abs_error": float(np.abs(outs - theirs).max()), "held_out": len(samples)}


#: "Comparable accuracy": every held-out decision as onnxruntime's, and outputs within this of it.
COMPARABLE_ERROR = 0.01


def fastest_ezkl_ratios(rows: dict[str, dict[str, dict]]) -> dict[str, dict]:
    """Per model: EZKL's fastest-proving configuration at comparable accuracy, and its setup and
    prove times over ours."""
    ratios = {}
    for name, by in rows.items():
        ours_row = by["zkml-chain"]
        comparable = {fw: r for fw, r in by.items() if fw.startswith("ezkl") and "error" not in r
                      and r["top1_agreement"] == 1.0 and r["max_abs_error"] <= COMPARABLE_ERROR}
        if comparable:
            fw, best = min(comparable.items(), key=lambda kv: kv[1]["prove_s"])
            ratios[name] = {"config": fw, "prove_ratio": best["prove_s"] / ours_row["prove_s"],
                            "setup_ratio": best["setup_s"] / ours_row["setup_s"],
                            "gas_ratio": best["verify_gas"] / ours_row["verify_gas"] if best.get("verify_gas") else None}
    return ratios


@click.command()
@click.option("--ezkl/--no-ezkl", "with_ezkl", default=True, show_default=True)
@click.option("--repeats", default=3, show_default=True, help="Our proofs per model (median reported).")
@click.option("--ezkl-proofs", default=1, show_default=True, help="EZKL proofs per model (each takes minutes).")
@click.option("--models", default="credit,digits,gbdt,rf", show_default=True, help="Which models to run.")
@click.option("--ezkl-configs", default="calibrated,tuned", show_default=True,
              help="Which EZKL configurations to run (see EZKL_CONFIGS).")
@click.option("--scale", default=16, show_default=True,
              help="Our fixed-point scale (bits); EZKL calibrates its own (reported), 11 on the credit MLP.")
@click.option("--work", type=click.Path(path_type=Path), default=ROOT / "build" / "zkml-bench", show_default=True)
@click.option("--results", default="zkml", show_default=True, help="benchmarks/results/NAME.{json,md}.")
def main(with_ezkl: bool, repeats: int, ezkl_proofs: int, models: str, ezkl_configs: str, scale: int,
         work: Path, results: str) -> None:
    config_keys = [c.strip() for c in ezkl_configs.split(",")]
    if unknown := [k for k in config_keys if k not in EZKL_CONFIGS]:
        raise click.BadParameter(f"{', '.join(unknown)}: choose from {', '.join(EZKL_CONFIGS)}", param_hint="--ezkl-configs")
    sys.path.insert(0, str(ROOT))
    work.mkdir(parents=True, exist_ok=True)
    py = ensure_ezkl() if with_ezkl else None
    wanted = {m.strip() for m in models.split(",")}
    cases = []
    if "credit" in wanted:
        cases.append(("credit MLP 20-16-8-1", credit_model(work)))
    if "digits" in wanted:
        cases.append(("digits CNN", digits_model()))
    hb = ensure_hummingbird() if py is not None and wanted & {"gbdt", "rf"} else None
    tensors: dict[str, Path | None] = {}
    for key, title in (("gbdt", "credit GBDT 100 trees depth 4"), ("rf", "credit random forest 100 trees depth 6")):
        if key in wanted:
            model, cal, held, tensors[title] = tree_model(key, work, hb)
            cases.append((title, (model, cal, held)))
    rows = {}
    for name, (model, cal, held) in cases:
        console.print(f"[bold]{name}[/]: zkml-chain ...")
        tag = name.split()[1] if name.startswith("credit ") else name.split()[0]
        rows[name] = {"zkml-chain": ours(tag, model, cal, held, work, repeats, scale)}
        if py is not None:
            for key in config_keys:
                label, config = EZKL_CONFIGS[key]
                converted = tensors.get(name)
                if name in tensors and converted is None:
                    rows[name][label] = {"error": "EZKL refuses TreeEnsembleClassifier and hummingbird was unavailable"}
                    continue
                if converted is not None:
                    label += ", via hummingbird"
                console.print(f"[bold]{name}[/]: {label} ...")
                rows[name][label] = ezkl(tag, converted or model, cal, held, work, py, ezkl_proofs, config,
                                         reference=model if converted else None)
        console.print(rows[name])
    table = Table(title="zkML: the same ONNX file through zkml-chain and EZKL (2 cores)")
    for col in ("model", "framework", "scale", "size", "setup s", "prove s", "proof bytes", "verify gas",
                "top-1 agreement", "max |error|"):
        table.add_column(col, justify="right")
    md = ["| model | framework | scale (bits) | circuit size | setup s | prove s | proof bytes | verify gas "
          "| top-1 agreement | max abs error |",
          "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, by in rows.items():
        for fw, r in by.items():
            if "error" in r:
                cells = [name, fw, "", "error: " + r["error"][:60], "", "", "", "", "", ""]
            else:
                size = f"{r['constraints']:,} constraints" if "constraints" in r else f"2^{int(np.log2(r['rows']))} rows"
                scale = str(r["scale_bits"]) if "scale_bits" in r else "/".join(map(str, r.get("scales", [])))
                cells = [name, fw, scale, size, f"{r['setup_s']:.2f}", f"{r['prove_s']:.2f}", f"{r['proof_bytes']:,}",
                         f"{r['verify_gas']:,}" if r.get("verify_gas") else "-", f"{100 * r['top1_agreement']:.1f}%",
                         f"{r['max_abs_error']:.4f}"]
            table.add_row(*cells)
            md.append("| " + " | ".join(cells) + " |")
    console.print(table)
    ratios = fastest_ezkl_ratios(rows)
    if ratios:
        md += ["", f"Against EZKL's fastest configuration whose decisions all agree with onnxruntime and whose "
               f"max |error| is at most {COMPARABLE_ERROR} (setup and prove, EZKL's seconds / ours):", "",
               "| model | EZKL's fastest comparable configuration | prove: EZKL / ours | setup: EZKL / ours "
               "| verify gas: EZKL / ours |",
               "|---|---|---:|---:|---:|"]
        for name, r in ratios.items():
            gas = f"{r['gas_ratio']:.2f}x" if r.get("gas_ratio") else "-"
            md.append(f"| {name} | {r['config']} | {r['prove_ratio']:.1f}x | {r['setup_ratio']:.1f}x | {gas} |")
            console.print(f"{name}: EZKL's fastest comparable ({r['config']}) proves in {r['prove_ratio']:.1f}x our "
                          f"time, sets up in {r['setup_ratio']:.1f}x")
    out = ROOT / "benchmarks" / "results"
    (out / f"{results}.json").write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "rows": rows, "ratios": ratios},
                                                    indent=1) + "\n")
    (out / f"{results}.md").write_text("\n".join(md) + "\n")
    console.print(f"saved {out / f'{results}.json'} and {out / f'{results}.md'}")


if __name__ == "__main__":
    main()
