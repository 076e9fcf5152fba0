"""The Solidity compiler, offline: npm's solc (solcjs, WASM) behind a solc-compatible shim.

Native solc binaries cannot be downloaded on offline machines, so py-solc-x's installer and
Ape's Solidity plugin (which uses py-solc-x) fail. :func:`install_shim` (run by `make install`
through :mod:`zkml_chain.toolchain`) writes ``.venv/solcx/solc-v<version>``: a node script that
answers ``--version`` like solc and compiles standard JSON with ``node_modules/solc``. py-solc-x
finds it through ``SOLCX_BINARY_PATH``, which the toolchain's .pth hook sets for the venv.
Nothing goes to the user's home directory, so two clones never share a shim.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import ToolchainError
from ..files import atomic_writer
from ..paths import NODE_MODULES

log = logging.getLogger(__name__)

SOLCJS = NODE_MODULES / "solc" / "solc.js"
ENV_VAR = "SOLCX_BINARY_PATH"

SHIM = """#!{node}
// solc for py-solc-x and Ape, written by `python -m zkml_chain.toolchain install`.
// Native solc binaries cannot be downloaded offline, so this answers like solc and compiles
// with npm's solc (solcjs, WASM) through its standard-JSON interface, the one py-solc-x and
// Ape use. Imports resolve against --base-path, each --include-path and the working directory.
const fs = require("fs");
const path = require("path");
const solc = require({solcjs});
const args = process.argv.slice(2);
if (args.includes("--version") || args.includes("-v")) {{
  console.log("solc, the solidity compiler commandline interface\\nVersion: {long_version}");
  process.exit(0);
}}
if (!args.includes("--standard-json")) {{
  console.error("this solc shim only supports --version and --standard-json (it forwards to npm solc)");
  process.exit(2);
}}
const roots = [];
args.forEach((a, i) => {{
  if ((a === "--base-path" || a === "--include-path") && args[i + 1]) roots.push(args[i + 1]);
}});
roots.push(process.cwd());
function findImports(p) {{
  for (const root of roots) {{
    const f = path.resolve(root, p);
    if (fs.existsSync(f)) return {{ contents: fs.readFileSync(f, "utf8") }};
  }}
  return {{ error: "File not found: " + p }};
}}
const chunks = [];
process.stdin.on("data", (c) => chunks.push(c));
process.stdin.on("end", () => {{
  process.stdout.write(solc.compile(Buffer.concat(chunks).toString("utf8"), {{ import: findImports }}));
}});
"""


@dataclass(frozen=True)
class Solc:
    """A solc executable (the shim) and the version it reports."""

    path: Path
    version: str  # e.g. "0.8.37"


def solcjs_version(solcjs: Path = SOLCJS) -> str:
    """The long version of npm's solc, e.g. ``0.8.37+commit.f401782d.Emscripten.clang``."""
    if not solcjs.is_file():
        raise ToolchainError(f"npm solc not found at {solcjs}: run `make install` (npm install)")
    node = _node()
    out = subprocess.run([node, str(solcjs), "--version"], capture_output=True, text=True)
    if out.returncode != 0 or not re.match(r"\d+\.\d+\.\d+\+commit\.", out.stdout.strip()):
        raise ToolchainError(f"npm solc at {solcjs} did not report a version: {out.stderr.strip() or out.stdout}")
    return out.stdout.strip()


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        raise ToolchainError("node (Node.js) is not on PATH; it runs npm's solc")
    return node


def shim_folder() -> Path:
    """Where the shim lives: $SOLCX_BINARY_PATH if set, else the running venv's solcx/."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    return Path(sys.prefix) / "solcx"


def install_shim(venv: Path, solcjs: Path = SOLCJS) -> Solc:
    """Write ``<venv>/solcx/solc-v<version>`` forwarding to npm's solc at ``solcjs``."""
    long_version = solcjs_version(solcjs)
    version = long_version.split("+", 1)[0]
    folder = venv / "solcx"
    folder.mkdir(parents=True, exist_ok=True)
    shim = folder / f"solc-v{version}"
    with atomic_writer(shim, "w") as f:
        f.write(SHIM.format(long_version=long_version.replace("Emscripten.clang", "Linux.g++"),
                            node=_node(), solcjs=json.dumps(str(solcjs.resolve().parent))))
    shim.chmod(0o755)
    log.info("solc %s shim at %s (forwards to %s)", version, shim, solcjs)
    return Solc(shim, version)


def find() -> Solc:
    """The installed shim; a clear error naming the fix when it is missing."""
    folder = shim_folder()
    shims = sorted(folder.glob("solc-v*")) if folder.is_dir() else []
    if not shims:
        raise ToolchainError(f"no solc in {folder}: run `make install` (it writes the npm-solc shim)")
    return Solc(shims[-1], shims[-1].name.removeprefix("solc-v"))


def standard_json(solc: Solc, request: dict) -> dict:
    """Run one standard-JSON compilation; raise ToolchainError listing solc's errors. Imports
    resolve against node_modules (OpenZeppelin from npm) and the working directory."""
    out = subprocess.run([str(solc.path), "--standard-json", "--base-path", ".", "--include-path", str(NODE_MODULES)],
                         input=json.dumps(request), capture_output=True, text=True)
    if out.returncode != 0:
        raise ToolchainError(f"solc failed ({out.returncode}): {out.stderr.strip()[:500]}")
    try:
        result = json.loads(out.stdout)
    except json.JSONDecodeError as e:
        raise ToolchainError(f"solc printed something that is not JSON: {out.stdout[:200]!r}") from e
    errors = [e for e in result.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise ToolchainError("solc: " + "\n".join(e.get("formattedMessage", e.get("message", "?")) for e in errors))
    return result
