"""What a batch proves and where each proof goes.

Inputs are numbered from 0: line n of INPUTS.jsonl (one `prove --input` object per line), or the
n-th .wtns file of a folder in name order. Item n's proof is the folder ``OUT/NNNNNN`` (n
zero-padded to six digits) holding proof.json, public.json and (for a compiled model)
output.json. The folder is written under a temporary name and renamed into place, so it exists
only complete: an item is done exactly when its folder exists, which is what makes a rerun skip
it (resume) and a retried task unable to leave a duplicate or a half-written proof.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ZkmlChainError

#: Folder names have six digits; more inputs than this would not sort or parse back.
MAX_ITEMS = 1_000_000
PROOF, PUBLIC, OUTPUT = "proof.json", "public.json", "output.json"
SUMMARY = "summary.json"
_TMP_PREFIX = ".tmp-"


@dataclass(frozen=True)
class Item:
    """One input: its number, where it came from (for messages), and either its payload (the
    parsed JSON object, or a .wtns file's bytes) or why it cannot be read."""

    index: int
    source: str
    payload: Any = None
    error: str | None = None


def read_jsonl(path: Path) -> list[Item]:
    """Every line of ``path`` as an item; a line that is not a JSON object is an item that fails
    with that reason (it does not stop the batch)."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ZkmlChainError(f"{path}: cannot read the inputs ({e.strerror or e})") from None
    lines = data.splitlines()
    _check_count(path, len(lines))
    items = []
    for n, raw in enumerate(lines):
        where = f"{path.name} line {n}"
        try:
            obj = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            msg = "an empty line" if not raw.strip() else f"not JSON ({getattr(e, 'msg', e)})"
            items.append(Item(n, where, error=f"{where}: {msg}"))
            continue
        if not isinstance(obj, dict):
            items.append(Item(n, where, error=f"{where}: expected a JSON object, got {type(obj).__name__}"))
            continue
        items.append(Item(n, where, obj))
    return items


def read_wtns_dir(folder: Path) -> list[Item]:
    """The .wtns files of ``folder`` in name order (circom witnesses), one item each."""
    if not folder.is_dir():
        raise ZkmlChainError(f"{folder}: not a folder of .wtns files")
    files = sorted(p for p in folder.iterdir() if p.suffix == ".wtns" and p.is_file())
    if not files:
        raise ZkmlChainError(f"{folder}: no .wtns files")
    _check_count(folder, len(files))
    return [Item(n, p.name, p.read_bytes()) for n, p in enumerate(files)]


def _check_count(where: Path, n: int) -> None:
    if n == 0:
        raise ZkmlChainError(f"{where}: no inputs")
    if n > MAX_ITEMS:
        raise ZkmlChainError(f"{where}: {n:,} inputs; a batch takes at most {MAX_ITEMS:,} (split it)")


def item_dir(out: Path, index: int) -> Path:
    return out / f"{index:06d}"


def is_done(out: Path, index: int) -> bool:
    return item_dir(out, index).is_dir()


def prepare_out(out: Path) -> None:
    """Create ``out`` and remove what an interrupted run left half-written (temporary folders
    are never a result; a finished item was renamed into place)."""
    if out.exists() and not out.is_dir():
        raise ZkmlChainError(f"{out}: exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    for p in out.glob(f"{_TMP_PREFIX}*"):
        shutil.rmtree(p, ignore_errors=True)


def write_item(out: Path, index: int, files: Mapping[str, bytes]) -> bool:
    """Write item ``index``'s files all at once; False (and nothing written) when it already has
    a result — the first complete proof wins and there are never two."""
    final = item_dir(out, index)
    if final.exists():
        return False
    tmp = out / f"{_TMP_PREFIX}{index:06d}-{secrets.token_hex(4)}"
    tmp.mkdir()
    try:
        for name, data in files.items():
            with (tmp / name).open("wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        try:
            os.rename(tmp, final)  # atomic; fails if another writer got there first
        except OSError:
            if final.is_dir():
                return False
            raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return True
