"""A circuit's full assignment of wires, in circom's ``.wtns`` format: what the prover reads.

Its own module (not inside r1cs.py) so that proving does not import the R1CS machinery and numpy.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .binfile import BinFile, Reader, build_binfile, parse_binfile
from .field import N8, R, check_canonical, element, from_bytes, to_bytes
from .files import write_bytes


@dataclass(frozen=True)
class Witness:
    """A full assignment of the wires, packed canonical Fr elements; ``values[0]`` is 1."""

    values: bytes

    def __len__(self) -> int:
        return len(self.values) // N8

    @classmethod
    def from_ints(cls, values: Sequence[int]) -> Witness:
        return cls(to_bytes(values, "witness value"))

    def to_ints(self) -> list[int]:
        return from_bytes(self.values)

    def __getitem__(self, i: int) -> int:
        return element(self.values, i)

    def public_signals(self, n_public: int) -> list[int]:
        """Wires 1..n_public: the public outputs then the public inputs."""
        return from_bytes(self.values[N8 : (n_public + 1) * N8])

    def with_value(self, index: int, value: int) -> Witness:
        """A copy with one wire changed (used by soundness tests to forge witnesses)."""
        v = bytearray(self.values)
        v[index * N8 : (index + 1) * N8] = (value % R).to_bytes(N8, "little")
        return Witness(bytes(v))

    # --- .wtns -------------------------------------------------------------------------------

    def to_wtns(self) -> bytes:
        header = struct.pack("<I", N8) + R.to_bytes(N8, "little") + struct.pack("<I", len(self))
        return build_binfile(b"wtns", 2, [(1, header), (2, self.values)])

    def save(self, path: Path) -> None:
        """Write circom's ``.wtns`` (version 2)."""
        write_bytes(path, self.to_wtns())

    @classmethod
    def from_wtns(cls, data: bytes, path: Path | None = None) -> Witness:
        f = parse_binfile(data, b"wtns", 2, path)
        h = Reader(f, f.section(1, "header"))
        check_prime(f, h)
        n = h.u32("the witness length")
        h.end()
        values = f.section(2, "witness values")
        if len(values.data) != n * N8:
            raise f.error(f"the header announces {n} values but the values section holds {len(values.data)} bytes "
                          f"({len(values.data) / N8:g} values)", values.offset)
        data_values = bytes(values.data)
        try:
            check_canonical(data_values, "witness value")
        except Exception as e:
            raise f.error(str(e), values.offset) from None
        return cls(data_values)

    @classmethod
    def load(cls, path: Path) -> Witness:
        path = Path(path)
        return cls.from_wtns(path.read_bytes(), path)


def check_prime(f: BinFile, h: Reader) -> None:
    n8 = h.u32("the field size")
    if n8 != N8:
        raise f.error(f"field elements of {n8} bytes are not supported (BN254 uses {N8})", h.s.offset)
    prime = h.integer(n8, "the prime")
    if prime != R:
        raise f.error(f"the prime is {prime}, not the BN254 scalar field order r: only BN254 is supported",
                      h.s.offset + 4)
