"""Circuits in Python: the builder (builder.py) and sound gadgets for ML, one module per family:
bits.py (ranges), compare.py (comparisons, ReLU, max, argmax), fixedpoint.py (rescale, division,
sigmoid), linalg.py (matmul, conv, pooling), hash.py (Poseidon, commitments)."""

from .builder import Circuit, Tensor, signed

__all__ = ["Circuit", "Tensor", "signed"]
