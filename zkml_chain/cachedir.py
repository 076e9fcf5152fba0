"""Where zkml-chain keeps what it can recompute but would rather not on every run (solc's
results, Poseidon's optimized schedules, the sigmoid's fitted tables): ``$ZKML_CHAIN_CACHE/KIND``, else
``$XDG_CACHE_HOME/zkml-chain/KIND``, else ``~/.cache/zkml-chain/KIND``. ``ZKML_CHAIN_CACHE=off``
turns every cache off. Nothing in a cache is trusted blindly: each user checks its entries and
recomputes on a mismatch, and a cache that cannot be read or written is skipped."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from pathlib import Path

from .files import write_bytes

log = logging.getLogger(__name__)

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


def cached(kind: str, name: str, derive: Callable[[], bytes]) -> bytes:
    """``derive()``'s bytes, read from ``cache_folder(kind) / name`` when an intact entry is there
    (its SHA-256 precedes it), else derived and stored. A damaged entry is derived again and
    rewritten; a folder that cannot be read or written only costs the derivation."""
    folder = cache_folder(kind)
    path = None if folder is None else folder / name
    if path is not None:
        try:
            data = path.read_bytes()
            if hashlib.sha256(data[32:]).digest() == data[:32]:
                return data[32:]
            log.debug("cache: %s is damaged, deriving it again", path)
        except OSError as e:
            log.debug("cache: cannot read %s (%s)", path, e)
    payload = derive()
    if path is not None:
        try:
            write_bytes(path, hashlib.sha256(payload).digest() + payload)
        except OSError as e:
            log.debug("cache: cannot write %s (%s)", path, e)
    return payload
