"""Circuits in Python: the builder (builder.py) and sound gadgets for ML (gadgets/)."""

from .builder import Circuit, Tensor, signed

__all__ = ["Circuit", "Tensor", "signed"]
