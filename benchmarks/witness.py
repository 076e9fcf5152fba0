"""Witness time of a compiled model, with the native Poseidon kernel and with the Python
schedule it replaced (the reference), in one run; checks both give the same witness.

    .venv/bin/python benchmarks/witness.py [--circuit build/lending/mlp_circuit] [--repeats 7]

The default circuit is the lending MLP that `zkml-chain demo` (`make demo`) compiles.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import click
import numpy as np

from zkml_chain import poseidon
from zkml_chain.circuit import hash as circuit_hash
from zkml_chain.circuit.builder import Circuit, Tensor
from zkml_chain.lending.features import load
from zkml_chain.lending.stack import INPUT_NAME, Prover

ROOT = Path(__file__).resolve().parent.parent


def python_poseidon_values(c: Circuit, inputs: Tensor, o: poseidon.OptimizedParams) -> Tensor:
    """The witness-only hash as it was before the kernel: Python integers, three hints per layer."""
    lead = inputs.shape[:-1]
    x = np.asarray(inputs.values, dtype=object).reshape(-1, o.t - 1)

    def record(*layers: np.ndarray) -> None:
        for w in layers:
            c.hint(w.reshape(lead + w.shape[1:]))
        c.skip_constraints(3 * layers[0].size)

    s = poseidon.permute_optimized_reference(np.concatenate([np.zeros((len(x), 1), dtype=object), x], axis=1), o,
                                             record)
    return c.constant(s[:, 0].reshape(lead))


@click.command()
@click.option("--circuit", type=click.Path(file_okay=False, path_type=Path),
              default=ROOT / "build" / "lending" / "mlp_circuit", show_default=True)
@click.option("--repeats", default=7, show_default=True)
def main(circuit: Path, repeats: int) -> None:
    if not (circuit / "circuit.json").is_file():
        sys.exit(f"error: {circuit} is not a compiled lending circuit; run `make demo` first or pass --circuit")
    prover = Prover(circuit)
    application = {INPUT_NAME: load().features[0].tolist(), "salt": "5", "threshold": 0.0,
                   "borrower": "0x" + "11" * 20, "domain": 7, "nonce": 0}

    def timed() -> tuple[float, bytes]:
        t = time.perf_counter()
        inference = prover.model.witness(application, "application")
        return time.perf_counter() - t, inference.witness.values

    def median(label: str, values: Callable[..., Tensor]) -> tuple[float, bytes]:
        circuit_hash._poseidon_values = values  # type: ignore[assignment]
        witness = timed()[1]
        seconds = statistics.median(timed()[0] for _ in range(repeats))
        print(f"{label:<28} {seconds * 1000:7.1f} ms (median of {repeats})")
        return seconds, witness

    native_values = circuit_hash._poseidon_values
    native, w_native = median("native Poseidon kernel", native_values)
    reference, w_reference = median("Python Poseidon (reference)", python_poseidon_values)
    circuit_hash._poseidon_values = native_values
    if w_native != w_reference:
        sys.exit("error: the two witnesses differ")
    print(f"same witness; the kernel makes the witness {reference / native:.2f}x faster")


if __name__ == "__main__":
    main()
