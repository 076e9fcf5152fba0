"""solc's result cache: a hit needs no compiler, an edited import or a damaged entry is a miss."""

from __future__ import annotations

from pathlib import Path

import pytest

from zkml_chain.cachedir import ENV_VAR
from zkml_chain.errors import ToolchainError
from zkml_chain.solidity import cache, compile_sources
from zkml_chain.solidity.solc import Solc, find

MAIN = 'pragma solidity ^0.8.0; import "Lib.sol"; contract M { function f() external pure returns (uint) { return L.v(); } }'


def lib(value: int) -> str:
    return f"pragma solidity ^0.8.0; library L {{ function v() internal pure returns (uint) {{ return {value}; }} }}"


def test_a_cached_compilation_needs_no_compiler_and_an_edited_import_is_compiled_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)  # Lib.sol resolves against the working directory
    (tmp_path / "Lib.sol").write_text(lib(7))
    real = find()
    first = compile_sources({"M.sol": MAIN}, solc=real)["M"]
    (entry,) = (tmp_path / "cache" / "solc").glob("*.json")
    # a compiler that cannot run: only the cache can answer
    broken = Solc(tmp_path / "no-solc-here", real.version)
    assert compile_sources({"M.sol": MAIN}, solc=broken)["M"] == first
    # the import changed: the entry is not used (the broken compiler is asked, and fails)
    (tmp_path / "Lib.sol").write_text(lib(8))
    with pytest.raises(ToolchainError):
        compile_sources({"M.sol": MAIN}, solc=broken)
    second = compile_sources({"M.sol": MAIN}, solc=real)["M"]
    assert second.deployed_bytecode != first.deployed_bytecode
    # another compiler version or other settings are other entries
    with pytest.raises(ToolchainError):
        compile_sources({"M.sol": MAIN}, solc=Solc(broken.package, "0.8.1"))
    with pytest.raises(ToolchainError):
        compile_sources({"M.sol": MAIN}, solc=broken, via_ir=False)
    # a damaged entry is ignored and rewritten
    for path in (tmp_path / "cache" / "solc").glob("*.json"):
        path.write_text("{not json")
    assert compile_sources({"M.sol": MAIN}, solc=real)["M"] == second
    assert compile_sources({"M.sol": MAIN}, solc=broken)["M"] == second
    assert entry.exists()


def test_errors_are_not_cached_and_off_turns_the_cache_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "cache"))
    with pytest.raises(ToolchainError, match="solc"):
        compile_sources({"Bad.sol": "pragma solidity ^0.8.0; contract X { function }"})
    assert not list((tmp_path / "cache").rglob("*.json"))
    monkeypatch.setenv(ENV_VAR, "off")
    assert cache.folder() is None
    compile_sources({"W.sol": "pragma solidity ^0.8.0; contract W {}"})
    assert not list((tmp_path / "cache").rglob("*.json"))
    monkeypatch.delenv(ENV_VAR)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.folder() == tmp_path / "xdg" / "zkml-chain" / "solc"
