"""Where zkml-chain keeps what it can recompute but would rather not on every run (solc's
results, Poseidon's optimized constants): ``$ZKML_CHAIN_CACHE/KIND``, else
``$XDG_CACHE_HOME/zkml-chain/KIND``, else ``~/.cache/zkml-chain/KIND``. ``ZKML_CHAIN_CACHE=off``
turns every cache off. Nothing in a cache is trusted blindly: each user checks its entries and
recomputes on a mismatch, and a cache that cannot be read or written is skipped."""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "ZKML_CHAIN_CACHE"


def cache_folder(kind: str) -> Path | None:
    """The cache folder for ``kind``, or None when ``$ZKML_CHAIN_CACHE`` is ``off``."""
    configured = os.environ.get(ENV_VAR)
    if configured == "off":
        return None
    if configured:
        return Path(configured) / kind
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "zkml-chain" / kind
