"""A cache of solc's standard-JSON results: npm's solc (WASM) takes seconds per via-IR compilation,
and a deployment, a demo or an Ape command compiles the same sources again on every run.

An entry is keyed by the compiler version and the request (sources and settings). Files solc read
besides the request's own sources (OpenZeppelin from node_modules, a local import) are recorded
with their SHA-256 and re-hashed on every lookup, so an edited import is a miss, never a stale
artifact. The folder is ``$ZKML_CHAIN_CACHE/solc``, else ``$XDG_CACHE_HOME/zkml-chain/solc``, else
``~/.cache/zkml-chain/solc``; ``ZKML_CHAIN_CACHE=off`` turns the cache off. A cache that cannot be
read or written is skipped with a debug line: compiling never fails because of it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..cachedir import cache_folder
from ..files import write_bytes

log = logging.getLogger(__name__)

#: Bumped when the entry format changes, so old entries are ignored rather than misread.
FORMAT = 1


def folder() -> Path | None:
    """The solc cache folder, or None when ``$ZKML_CHAIN_CACHE`` is ``off``."""
    return cache_folder("solc")


def key(version: str, request: dict[str, Any]) -> str:
    blob = json.dumps({"format": FORMAT, "solc": version, "request": request}, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()


def _resolve(name: str, include_paths: Sequence[Path]) -> Path | None:
    for base in (Path.cwd(), *include_paths):
        if (base / name).is_file():
            return base / name
    return None


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load(cache_key: str, include_paths: Sequence[Path]) -> dict[str, Any] | None:
    """The cached result for ``cache_key``, if every file it read is unchanged."""
    where = folder()
    if where is None:
        return None
    path = where / f"{cache_key}.json"
    try:
        entry = json.loads(path.read_bytes())
        for name, digest in entry["imports"].items():
            found = _resolve(name, include_paths)
            if found is None or _digest(found) != digest:
                log.debug("solc cache: %s changed since %s was cached", name, path.name)
                return None
        result: dict[str, Any] = entry["result"]
        return result
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        log.debug("solc cache: ignoring %s (%s)", path, e)
        return None


def store(cache_key: str, request: dict[str, Any], result: dict[str, Any], include_paths: Sequence[Path]) -> None:
    """Save ``result`` with the digests of the files solc read beyond the request's sources."""
    where = folder()
    if where is None:
        return
    imports = {}
    for name in result.get("sources", {}):
        if name in request["sources"]:
            continue
        found = _resolve(name, include_paths)
        if found is None:  # solc read something we cannot find again: never trust a hit for it
            log.debug("solc cache: not caching, %s is not found", name)
            return
        imports[name] = _digest(found)
    try:
        write_bytes(where / f"{cache_key}.json", json.dumps({"imports": imports, "result": result}).encode())
    except OSError as e:
        log.debug("solc cache: cannot write %s (%s)", where, e)
