"""The iden3 binary container shared by circom's .r1cs/.wtns and snarkjs's .zkey.

Layout: 4-byte magic, u32 version, u32 section count, then per section u32 type, u64 size and
the payload. All integers are little-endian.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import FileFormatError
from .files import write_bytes


@dataclass(frozen=True)
class Section:
    """One section's payload and where it starts in the file (for error messages)."""

    type: int
    offset: int
    data: memoryview


@dataclass(frozen=True)
class BinFile:
    path: Path | None
    magic: bytes
    version: int
    sections: dict[int, Section]

    def section(self, type_: int, name: str) -> Section:
        try:
            return self.sections[type_]
        except KeyError:
            raise FileFormatError(self.path, f"missing section {type_} ({name})") from None

    def error(self, detail: str, offset: int | None = None) -> FileFormatError:
        return FileFormatError(self.path, detail, offset)


def parse_binfile(data: bytes, magic: bytes, max_version: int, path: Path | None = None) -> BinFile:
    """Parse the container, checking the magic, the version and every section's bounds."""
    what = magic.decode()
    if len(data) < 12:
        raise FileFormatError(path, f"too short to be a .{what} file ({len(data)} bytes)")
    if data[:4] != magic:
        raise FileFormatError(path, f"not a .{what} file: magic is {bytes(data[:4])!r}, expected {magic!r}", 0)
    version, n_sections = struct.unpack_from("<II", data, 4)
    if not 1 <= version <= max_version:
        raise FileFormatError(path, f"unsupported .{what} version {version} (supported: 1..{max_version})", 4)
    mv = memoryview(data)
    pos = 12
    sections: dict[int, Section] = {}
    for i in range(n_sections):
        if pos + 12 > len(data):
            raise FileFormatError(path, f"truncated: header of section {i + 1}/{n_sections} is missing", pos)
        stype, size = struct.unpack_from("<IQ", data, pos)
        pos += 12
        if pos + size > len(data):
            raise FileFormatError(
                path, f"truncated: section {stype} declares {size} bytes but only {len(data) - pos} remain", pos
            )
        if stype in sections:
            raise FileFormatError(path, f"section {stype} appears twice", pos)
        sections[stype] = Section(stype, pos, mv[pos : pos + size])
        pos += size
    if pos != len(data):
        raise FileFormatError(path, f"{len(data) - pos} trailing bytes after the last section", pos)
    return BinFile(path, magic, version, sections)


def read_binfile(path: Path, magic: bytes, max_version: int) -> BinFile:
    path = Path(path)
    return parse_binfile(path.read_bytes(), magic, max_version, path)


def build_binfile(magic: bytes, version: int, sections: Sequence[tuple[int, bytes]]) -> bytes:
    parts = [magic, struct.pack("<II", version, len(sections))]
    for stype, payload in sections:
        parts.append(struct.pack("<IQ", stype, len(payload)))
        parts.append(payload)
    return b"".join(parts)


def write_binfile(path: Path, magic: bytes, version: int, sections: Sequence[tuple[int, bytes]]) -> None:
    write_bytes(path, build_binfile(magic, version, sections))


class Reader:
    """Sequential little-endian reader over a section, with bounds-checked reads."""

    def __init__(self, f: BinFile, section: Section) -> None:
        self.f = f
        self.s = section
        self.pos = 0

    def need(self, n: int, what: str) -> None:
        if self.pos + n > len(self.s.data):
            raise self.f.error(f"section {self.s.type} is too short to hold {what}", self.s.offset + self.pos)

    def u32(self, what: str) -> int:
        self.need(4, what)
        (v,) = struct.unpack_from("<I", self.s.data, self.pos)
        self.pos += 4
        return v

    def u64(self, what: str) -> int:
        self.need(8, what)
        (v,) = struct.unpack_from("<Q", self.s.data, self.pos)
        self.pos += 8
        return v

    def raw(self, n: int, what: str) -> memoryview:
        self.need(n, what)
        v = self.s.data[self.pos : self.pos + n]
        self.pos += n
        return v

    def integer(self, n: int, what: str) -> int:
        return int.from_bytes(self.raw(n, what), "little")

    def end(self) -> None:
        if self.pos != len(self.s.data):
            raise self.f.error(
                f"section {self.s.type} has {len(self.s.data) - self.pos} unexpected trailing bytes",
                self.s.offset + self.pos,
            )
