"""Writing artifacts safely: all or nothing.

Every artifact is written to a temporary file in the destination folder and renamed into place,
so an interrupted or failing command never leaves a half-written file behind.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


@contextmanager
def atomic_writer(path: Path, mode: str = "wb") -> Iterator[IO[Any]]:
    """Open a temporary sibling of ``path``; on success rename it over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bytes(path: Path, data: bytes) -> None:
    with atomic_writer(path, "wb") as f:
        f.write(data)


def json_bytes(obj: Any) -> bytes:
    """The project's JSON file form (indent 1, trailing newline), for write_all's batches."""
    return (json.dumps(obj, indent=1) + "\n").encode()


def write_json(path: Path, obj: Any) -> None:
    write_bytes(path, json_bytes(obj))


def write_all(files: Mapping[Path, bytes]) -> None:
    """Write several files so that either all of them appear or none does: every file is staged
    beside its target and the targets are checked before the first is replaced (a folder in a
    file's place would otherwise fail the second rename after the first had landed)."""
    staged: list[tuple[str, Path]] = []
    for path in map(Path, files):
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "a folder is in the way of a file to write", str(path))
    try:
        for path, data in files.items():
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            staged.append((tmp, path))
            with os.fdopen(fd, "wb") as f:
                f.write(data)
        for tmp, path in staged:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise


def read_json(path: Path, what: str) -> Any:
    """Load JSON, turning syntax errors into :class:`FileFormatError`."""
    from .errors import FileFormatError

    try:
        text = Path(path).read_text()
    except UnicodeDecodeError:
        raise FileFormatError(path, f"{what} is not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise FileFormatError(path, f"{what} is not valid JSON ({e.msg}, line {e.lineno})") from None


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of bytes already read (a small file that is parsed too: read once)."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks (keys can be gigabytes)."""
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
