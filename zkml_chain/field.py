"""BN254 constants and the encodings of field elements used across zkml-chain.

Arrays of field elements travel as ``bytes``: 32 bytes per element, little-endian, canonical
(not Montgomery) — the layout of circom's ``.wtns`` values and of the native kernels. Single
values are plain Python ``int``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from . import _native
from .errors import FieldRangeError

if TYPE_CHECKING:  # numpy is imported where it is used: proving needs none of it
    import numpy as np

#: Order of the BN254 scalar field Fr (the circuit field; public inputs live here).
R = 21888242871839275222246405745257275088548364400416034343698204186575808495617
#: Order of the BN254 base field Fq (curve coordinates live here).
Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583
#: Bytes per field element (Fr and Fq both fit in 256 bits).
N8 = 32

#: Montgomery radix of Fr as used by snarkjs (2^256 mod r) and its square.
R_MONT = pow(2, 256, R)
R2_MONT = R_MONT * R_MONT % R


def random_scalars(n: int, bits: int) -> bytes:
    """n uniformly random ``bits``-bit scalars (bits a multiple of 8, below 254), packed as
    little-endian N8-byte words, from the OS's randomness in one draw."""
    import numpy as np

    out = np.zeros((n, N8), dtype=np.uint8)
    out[:, : bits // 8] = np.frombuffer(secrets.token_bytes(n * bits // 8), np.uint8).reshape(n, -1)
    return out.tobytes()


def to_bytes(values: Iterable[int], what: str = "value", modulus: int = R) -> bytes:
    """Encode integers in [0, modulus) as concatenated 32-byte little-endian words."""
    out = bytearray()
    for i, v in enumerate(values):
        if not 0 <= v < modulus:
            raise FieldRangeError(what, i, "r" if modulus == R else "q")
        out += v.to_bytes(N8, "little")
    return bytes(out)


def from_bytes(data: bytes | memoryview) -> list[int]:
    """Decode concatenated 32-byte little-endian words into integers."""
    mv = memoryview(data)
    return [int.from_bytes(mv[i : i + N8], "little") for i in range(0, len(mv), N8)]


def element(data: bytes | memoryview, index: int) -> int:
    """The integer at ``index`` of a packed array."""
    return int.from_bytes(bytes(data[index * N8 : (index + 1) * N8]), "little")


def check_canonical(data: bytes, what: str) -> None:
    """Raise :class:`FieldRangeError` naming the first element that is >= r."""
    bad = _native.fr_first_noncanonical(data)
    if bad >= 0:
        raise FieldRangeError(what, bad)


def as_words(data: bytes | memoryview) -> np.ndarray:
    """View packed elements as an (n, 4) array of little-endian uint64 limbs (no copy)."""
    import numpy as np

    return np.frombuffer(data, dtype="<u8").reshape(-1, 4)


def zeros(n: int) -> bytes:
    """n zero elements."""
    return bytes(N8 * n)


def reduce(values: Sequence[int]) -> list[int]:
    """Reduce arbitrary integers (negative allowed) into [0, r)."""
    return [v % R for v in values]
