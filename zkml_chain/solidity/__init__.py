"""Solidity: render verifiers from templates/ (render.py), compile with npm solc (solc.py, compile.py)."""

from .compile import Artifact, compile_sources
from .render import RenderedVerifier, render_verifier

__all__ = ["Artifact", "RenderedVerifier", "compile_sources", "render_verifier"]
