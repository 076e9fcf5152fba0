"""A model's inputs from JSON: shapes checked, floats finite, attested integers exact."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ProofInputError
from ..poseidon import attested_values
from .graph import Graph


def _as_input(graph: Graph, name: str, value: Any, batch: bool, integers: bool = False) -> np.ndarray:
    shape = graph.inputs[name]
    try:
        arr = np.asarray(value, dtype=object if integers else np.float64)
    except (TypeError, ValueError, OverflowError) as e:
        raise ProofInputError(f"input {name!r}: expected (nested lists of) numbers ({e})") from None
    if integers:  # exact: a JSON integer above 2^53 must not pass through float64
        arr = attested_integers(name, arr)
    elif not np.all(np.isfinite(arr)):
        raise ProofInputError(f"input {name!r}: contains NaN or infinity")
    per_sample = int(np.prod(shape))
    if batch:
        if arr.size % per_sample:
            raise ProofInputError(f"input {name!r}: {arr.shape} is not a list of samples shaped {shape[1:]}")
        return arr.reshape((-1,) + shape)
    if arr.size != per_sample:
        raise ProofInputError(f"input {name!r}: expected shape {shape} ({per_sample} numbers), got {arr.shape}")
    return arr.reshape(shape)


def read_inputs(graph: Graph, obj: Any, batch: bool, what: str, integers: bool = False) -> dict[str, np.ndarray]:
    """The model's inputs from a JSON object; ``integers``: exact signed 64-bit integers (attested)."""
    if not isinstance(obj, dict):
        raise ProofInputError(f"{what}: expected a JSON object {{\"<input name>\": ...}}")
    missing = [n for n in graph.inputs if n not in obj]
    if missing:
        raise ProofInputError(f"{what}: missing input {missing[0]!r} (the model's inputs: {', '.join(graph.inputs)})")
    return {n: _as_input(graph, n, obj[n], batch, integers) for n in graph.inputs}


def attested_integers(name: str, x: np.ndarray) -> np.ndarray:
    """An attested input as exact integers (object array), in the attester's domain
    (poseidon.attested_values: signed 64-bit)."""
    arr = np.asarray(x, dtype=object)
    out = np.empty(arr.size, dtype=object)
    out[:] = attested_values(arr.ravel().tolist(), f"input {name!r}: element")
    return out.reshape(arr.shape)
