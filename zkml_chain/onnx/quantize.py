"""Quantization plan: the fixed-point scale and, per gadget call, the signed bit width.

Calibration runs the integer model (numpy backend, exactly the circuit's arithmetic) on sample
inputs and records the largest magnitude each range-checked op sees; its width is that
magnitude's bit length + 1 (sign) + ``headroom`` bits, so inputs somewhat beyond the
calibration data still fit. A value that does not fit at prove time is a clear error, never a
silent wrap-around.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..circuit.bits import MAX_BITS
from ..errors import ZkmlChainError
from .backend import NumpyBackend
from .graph import Graph
from .lower import Lowering, Q, QuantizationError, quantize


@dataclass
class Plan:
    scale: int
    widths: dict[str, int] = field(default_factory=dict)
    headroom: int = 2

    def to_json(self) -> dict[str, Any]:
        return {"scale_bits": self.scale, "headroom_bits": self.headroom, "widths": self.widths}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Plan:
        """From circuit.json's "quantization"; ValueError/TypeError/KeyError name what is wrong."""
        def integer(v: Any, lo: int, hi: int, what: str) -> int:
            if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
                raise ValueError(f"{what} must be an integer in {lo}..{hi}, got {v!r:.40}")
            return v

        widths = d["widths"]
        if not isinstance(widths, dict):
            raise TypeError("quantization.widths must be an object")
        return cls(integer(d["scale_bits"], 1, 24, "scale_bits"),
                   {str(k): integer(v, 1, MAX_BITS, f"the width of {k}") for k, v in widths.items()},
                   integer(d["headroom_bits"], 0, 64, "headroom_bits"))


def run_numpy(graph: Graph, samples: dict[str, np.ndarray], scale: int,
              params: dict[str, np.ndarray] | None = None) -> tuple[dict[str, Q], NumpyBackend]:
    """The integer model on a batch: {input: (B, *onnx shape)} -> ({output: Q (B, ...)}, backend).
    ``params``, if given, receives the quantized parameters in graph order, as the circuit gets them."""
    batch = len(next(iter(samples.values())))
    backend = NumpyBackend(batch)

    def param(key: str, q: np.ndarray) -> np.ndarray:
        if params is not None:
            params[key] = q
        return q

    low = Lowering(graph, backend, scale, param)
    inputs = {}
    for name, v in samples.items():
        try:
            q = quantize(np.asarray(v, dtype=np.float64), scale)
        except QuantizationError as e:
            raise ZkmlChainError(f"input {name!r}: {e}") from None
        backend._see(input_key(name), q)
        inputs[name] = Q(q, scale)
    return low.run(inputs), backend


def input_key(name: str) -> str:
    """The plan's width key of a model input (range-checked in the circuit)."""
    return f"input:{name}"


def calibrate(graph: Graph, samples: dict[str, np.ndarray], scale: int, headroom: int = 2) -> Plan:
    _, backend = run_numpy(graph, samples, scale)
    return plan_from(backend, scale, headroom)


def plan_from(backend: NumpyBackend, scale: int, headroom: int = 2) -> Plan:
    """Widths from the magnitudes a numpy run recorded (see the module docstring)."""
    widths = {}
    for key, m in backend.magnitudes.items():
        n = max(m.bit_length() + 1 + headroom, 4)
        if n > MAX_BITS - 12:
            raise ZkmlChainError(f"{key}: values reach 2^{m.bit_length()} at scale {scale}, beyond the "
                                 f"{MAX_BITS - 12}-bit range checks; lower --scale")
        widths[key] = n
    return Plan(scale, widths, headroom)


def dequantize(q: Q) -> np.ndarray:
    return np.asarray(q.data, dtype=np.float64) / 2.0**q.scale
