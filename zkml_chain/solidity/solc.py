"""The Solidity compiler, offline: npm's solc (solcjs, WASM) behind a solc-compatible front.

Native solc binaries cannot be downloaded on offline machines, so zkml-chain compiles with npm's
solc, found by :mod:`zkml_chain.toolchain`, through ``solc_shim.cjs`` (shipped with the package):
it answers ``--version`` like solc and compiles standard JSON. py-solc-x and Ape's Solidity
plugin need a ``solc-v<version>`` executable in a folder instead; :func:`install_shim` (run by
``make install``) writes one that runs the same script.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .. import toolchain
from ..errors import ToolchainError
from ..files import atomic_writer
from . import cache

log = logging.getLogger(__name__)

SHIM_SCRIPT = "solc_shim.cjs"


@dataclass(frozen=True)
class Solc:
    """npm's solc package folder and its version (e.g. ``0.8.37``)."""

    package: Path
    version: str


@dataclass(frozen=True)
class Shim:
    """The ``solc-v<version>`` executable written for py-solc-x and Ape."""

    path: Path
    version: str


def _script() -> Path:
    return Path(str(resources.files(__package__) / SHIM_SCRIPT))


def find() -> Solc:
    """npm's solc, through the toolchain resolver; a clear error naming the fix when it is missing."""
    package = toolchain.find(toolchain.SOLC).parent
    try:
        version = json.loads((package / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ToolchainError(f"{package} is not an npm solc package ({e})") from None
    if not re.fullmatch(r"\d+\.\d+\.\d+", str(version)):
        raise ToolchainError(f"{package}: npm solc reports version {version!r}")
    return Solc(package, str(version))


def long_version(solc: Solc) -> str:
    """solc's long version, e.g. ``0.8.37+commit.f401782d.Linux.g++`` (what py-solc-x parses)."""
    out = _run(solc, ["--version"], "")
    match = re.search(r"Version: (\S+)", out)
    if match is None:
        raise ToolchainError(f"npm solc at {solc.package} did not report a version: {out[:200]!r}")
    return match.group(1)


def _run(solc: Solc, args: list[str], stdin: str) -> str:
    env = {**os.environ, "ZKML_SOLCJS": str(solc.package)}
    out = subprocess.run([str(toolchain.node()), str(_script()), *args], input=stdin, capture_output=True,
                         text=True, env=env)
    if out.returncode != 0:
        raise ToolchainError(f"solc failed ({out.returncode}): {out.stderr.strip()[:500]}")
    return out.stdout


def shim_folder() -> Path:
    """Where py-solc-x looks: ``$SOLCX_BINARY_PATH`` if set, else the folder ``make install``
    recorded, else ``<venv>/solcx``."""
    if os.environ.get(toolchain.SOLCX_ENV_VAR):
        return Path(os.environ[toolchain.SOLCX_ENV_VAR])
    configured = toolchain.configured().get("solc_shim")
    return Path(configured) if configured else Path(sys.prefix) / "solcx"


def install_shim(prefix: Path, soljson: Path) -> Shim:
    """Write ``<prefix>/solcx/solc-v<version>`` running npm's solc (``soljson``'s package)."""
    solc = Solc(soljson.resolve().parent, "")
    long = long_version(solc)
    version = long.split("+", 1)[0]
    folder = prefix / "solcx"
    folder.mkdir(parents=True, exist_ok=True)
    shim = folder / f"solc-v{version}"
    with atomic_writer(shim, "w") as f:
        f.write("#!/bin/sh\n# solc for py-solc-x and Ape, written by `python -m zkml_chain.toolchain install`.\n"
                f"ZKML_SOLCJS={shlex.quote(str(solc.package))} ZKML_SOLC_VERSION={shlex.quote(long)} "
                f"exec {shlex.quote(str(toolchain.node()))} {shlex.quote(str(_script()))} \"$@\"\n")
    shim.chmod(0o755)
    log.info("solc %s shim at %s (forwards to %s)", version, shim, solc.package)
    return Shim(shim, version)


def standard_json(solc: Solc, request: dict) -> dict:
    """Run one standard-JSON compilation; raise ToolchainError listing solc's errors. Imports
    resolve against the toolchain's node_modules (OpenZeppelin from npm) and the working directory."""
    args = ["--standard-json", "--base-path", "."]
    include: list[Path] = []
    try:
        include.append(toolchain.node_modules(toolchain.OPENZEPPELIN))
        args += ["--include-path", str(include[0])]
    except ToolchainError:
        pass  # only the lending contracts import OpenZeppelin; solc names the import if it is needed
    cache_key = cache.key(solc.version, request)
    cached = cache.load(cache_key, include)
    if cached is not None:
        log.debug("solc: cached result %s", cache_key[:16])
        return cached
    out = _run(solc, args, json.dumps(request))
    try:
        result = json.loads(out)
    except json.JSONDecodeError as e:
        raise ToolchainError(f"solc printed something that is not JSON: {out[:200]!r}") from e
    errors = [e for e in result.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise ToolchainError("solc: " + "\n".join(e.get("formattedMessage", e.get("message", "?")) for e in errors))
    cache.store(cache_key, request, result, include)
    return result
