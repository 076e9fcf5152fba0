"""The witness program: how every wire of a circuit gets its value, recorded while the circuit
is built and run natively (zkml_chain/witgen.py, native/src/witgen.rs) to compute a witness
without the Python builder.

Building a circuit computes its witness as a side effect (builder.py); that costs the Python
interpreter, numpy and big-integer arithmetic on every proof. A :class:`Recorder` attached to a
:class:`~zkml_chain.circuit.builder.Circuit` writes down, for every block of new wires, the
*recipe* that produced it: an input (filled at run time by name), a linear combination or a
product of two (``mul``), or one of a few hint kinds (bits, floor division, a one-hot segment,
a select, ...), each reading linear combinations of earlier wires. Wires that do not depend on
any input (a model's parameters and their commitment) are stored as constants. The program is
only a faster way to the same numbers: the proof is checked against the key, and tests compare
the native witness with the builder's on every gadget and model.

Format (little-endian): b"ZKWP\\x01\\0\\0\\0", u32 wires, u32 ops, u32[wires] witness order
(position -> creation id), u32 taps; then ops, each u32 kind, u32 first wire, u32 count, and a
kind-specific body (see ``native/src/witgen.rs``, which owns the reader); then taps (named
linear combinations read back after the run: the model's outputs). A linear combination is
u32 nnz, u32[count + 1] indptr, u32[nnz] wires, u8 coefficient encoding (0: i64, 1: 32-byte
field elements), the coefficients.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..field import R

if TYPE_CHECKING:
    from .builder import Circuit, Tensor

MAGIC = b"ZKWP\x01\x00\x00\x00"
HALF = R // 2
I64 = 1 << 63

# op kinds (witgen.rs mirrors these numbers)
CONST, INPUT, LIN, MUL, BITS, DIVQ, DIVREM, SEGMENT, DIVVARQ, DIVVARREM, SELECT, ARGMAX1H, INVERSE, BIN1H, TREELEAF = \
    range(15)


# --- recipes: what a hint's values are, given to Circuit.hint by the gadget that makes it ----------

@dataclass(frozen=True)
class Fixed:
    """Values fixed when the circuit is compiled (a model's parameters): stored as constants."""


@dataclass(frozen=True)
class Bits:
    """The n little-endian bits of each (non-negative) element of ``src``. ``signed``: report a
    value out of range as ``src`` − 2^(n-1) outside the signed n-bit range (range_check_signed)."""

    src: Tensor
    n: int
    what: str
    signed: bool = False


@dataclass(frozen=True)
class DivFloor:
    """floor(signed(src) / d) (``rem``: the remainder, in [0, d)) for a constant d >= 1."""

    src: Tensor
    d: int
    rem: bool = False


@dataclass(frozen=True)
class Segment:
    """One-hot (k per element) of the last of the sorted ``lows`` at or below signed(src)."""

    src: Tensor
    lows: tuple[int, ...]


@dataclass(frozen=True)
class DivVar:
    """floor((signed(num) << shift) / signed(den)) elementwise (``rem``: the remainder)."""

    num: Tensor
    den: Tensor
    shift: int
    rem: bool = False


@dataclass(frozen=True)
class Select:
    """cond == 1 ? a : b elementwise."""

    cond: Tensor
    a: Tensor
    b: Tensor


@dataclass(frozen=True)
class ArgmaxOneHot:
    """One-hot of the first maximum of a vector of signed values."""

    src: Tensor


@dataclass(frozen=True)
class Inverse:
    """1/gap where ``before`` is nonzero, else 0 (elementwise)."""

    gap: Tensor
    before: Tensor


@dataclass(frozen=True)
class BinOneHot:
    """One-hot (m + 1) of the number of the m cuts below the scalar x (signed)."""

    x: Tensor
    cuts: Tensor


@dataclass(frozen=True)
class TreeLeaf:
    """One-hot over a tree's leaves (``leaves``: their weight rows) of the leaf reached from
    node 0: an internal node ``(slot, true_bins, yes, no)`` goes to ``yes`` when the bin chosen
    in ``onehots[slot]`` (one-hot wires) is one of ``true_bins``; a leaf is its weight row."""

    onehots: tuple[Tensor, ...]
    tree: tuple[Any, ...]
    leaves: tuple[int, ...]


Recipe = Fixed | Bits | DivFloor | Segment | DivVar | Select | ArgmaxOneHot | Inverse | BinOneHot | TreeLeaf


@dataclass(frozen=True)
class Input:
    """Wires filled at run time from the input named ``name`` (private or public)."""

    name: str


@dataclass(frozen=True)
class Product:
    a: Tensor
    b: Tensor


@dataclass(frozen=True)
class Copy:
    src: Tensor


Source = Recipe | Input | Product | Copy | None


# --- encoding -----------------------------------------------------------------------------------

def _u32(*v: int) -> bytes:
    return struct.pack(f"<{len(v)}I", *v)


def _int(v: int) -> bytes:
    """A signed constant (|v| < r/2), as its field element."""
    return (int(v) % R).to_bytes(32, "little")


def _name(s: str) -> bytes:
    b = s.encode()
    return _u32(len(b)) + b


def _fields(values: Any) -> bytes:
    return b"".join(int(v).to_bytes(32, "little") for v in np.asarray(values, dtype=object).ravel().tolist())


def _lc(t: Tensor) -> bytes:
    """A tensor's linear combinations: indptr, wires, coefficients (as i64 when they all fit)."""
    indptr = np.asarray(t.indptr, dtype=np.int64)
    wires = np.asarray(t.wires, dtype=np.int64)
    coeffs = [int(c) for c in np.asarray(t.coeffs, dtype=object).tolist()]
    small = [c - R if c > HALF else c for c in coeffs]
    head = _u32(len(wires)) + (indptr - indptr[0]).astype("<u4").tobytes() + wires.astype("<u4").tobytes()
    if all(-I64 <= c < I64 for c in small):
        return head + b"\x00" + np.array(small, dtype="<i8").tobytes()
    return head + b"\x01" + _fields(coeffs)


class _Unsupported(Exception):
    """A recipe the native program cannot express (the circuit then has no program)."""


@dataclass
class Recorder:
    """Collects a circuit's witness program while it is built (``Circuit(recorder=...)``)."""

    chunks: list[bytes] = field(default_factory=list)
    n_ops: int = 0
    dynamic: list[np.ndarray] = field(default_factory=lambda: [np.zeros(1, dtype=bool)])  # wire 0: the constant 1
    taps: list[bytes] = field(default_factory=list)
    unsupported: str | None = None  # why no program can be written, once something could not be recorded
    inputs: dict[str, bytes] = field(default_factory=dict)  # the values the build was given (to check a run)

    def _is_dynamic(self, *ts: Tensor) -> bool:
        dyn = np.concatenate(self.dynamic)
        return any(bool(dyn[np.asarray(t.wires, dtype=np.int64)].any()) for t in ts if len(t.wires))

    def wires(self, first: int, values: np.ndarray, source: Source) -> None:
        """Wires ``first .. first + values.size`` were created by ``source``."""
        n = int(values.size)
        if isinstance(source, Input):
            self.inputs[source.name] = _fields(values)
        try:
            kind, count, body, dyn = self._encode(source, n)
        except _Unsupported as e:
            self.unsupported = self.unsupported or str(e)
            kind, count, body, dyn = CONST, n, b"", False
        if not dyn:
            kind, count, body = CONST, n, _fields(values)
        self.dynamic.append(np.full(n, dyn))
        self.chunks.append(_u32(kind, first, count) + body)
        self.n_ops += 1

    def _encode(self, s: Source, n: int) -> tuple[int, int, bytes, bool]:  # noqa: PLR0911 - one branch per kind
        d = self._is_dynamic
        if s is None:
            raise _Unsupported("a hint without a recipe")
        if isinstance(s, Fixed):
            return CONST, n, b"", False
        if isinstance(s, Input):
            return INPUT, n, _name(s.name), True
        if isinstance(s, Copy):
            return LIN, n, _lc(s.src), d(s.src)
        if isinstance(s, Product):
            return MUL, n, _lc(s.a) + _lc(s.b), d(s.a, s.b)
        if isinstance(s, Bits):
            return BITS, s.src.size, _u32(s.n, int(s.signed)) + _name(s.what) + _lc(s.src), d(s.src)
        if isinstance(s, DivFloor):
            return DIVREM if s.rem else DIVQ, n, _int(s.d) + _lc(s.src), d(s.src)
        if isinstance(s, Segment):
            body = _u32(len(s.lows)) + b"".join(_int(v) for v in s.lows) + _lc(s.src)
            return SEGMENT, s.src.size, body, d(s.src)
        if isinstance(s, DivVar):
            return DIVVARREM if s.rem else DIVVARQ, n, _u32(s.shift) + _lc(s.num) + _lc(s.den), d(s.num, s.den)
        if isinstance(s, Select):
            return SELECT, n, _lc(s.cond) + _lc(s.a) + _lc(s.b), d(s.cond, s.a, s.b)
        if isinstance(s, ArgmaxOneHot):
            return ARGMAX1H, n, _lc(s.src), d(s.src)
        if isinstance(s, Inverse):
            return INVERSE, n, _lc(s.gap) + _lc(s.before), d(s.gap, s.before)
        if isinstance(s, BinOneHot):
            return BIN1H, n, _u32(s.cuts.size) + _lc(s.x) + _lc(s.cuts), d(s.x, s.cuts)
        if isinstance(s, TreeLeaf):
            return TREELEAF, n, _tree(s), d(*s.onehots)
        raise _Unsupported(f"no native recipe for {type(s).__name__}")

    def tap(self, name: str, t: Tensor) -> None:
        """Read ``t``'s values back after the run, as ``name`` (a model output)."""
        self.taps.append(_name(name) + _u32(t.size) + _lc(t))

    def program(self, c: Circuit, order: np.ndarray) -> bytes | None:
        """The program for circuit ``c`` (wires in ``order``), or None when part of it could not
        be recorded (see :attr:`unsupported`)."""
        if self.unsupported is not None:
            return None
        head = MAGIC + _u32(c.n_wires, self.n_ops) + np.asarray(order, dtype="<u4").tobytes()
        return head + b"".join(self.chunks) + _u32(len(self.taps)) + b"".join(self.taps)


def _tree(s: TreeLeaf) -> bytes:
    out = [_u32(len(s.onehots))]
    for e in s.onehots:
        if not e.is_plain:
            raise _Unsupported("a tree's bins on linear combinations")
        w = np.asarray(e.wires, dtype=np.int64)
        if e.size and not np.array_equal(w, np.arange(w[0], w[0] + e.size)):
            raise _Unsupported("a tree's bins on scattered wires")
        out.append(_u32(int(w[0]) if e.size else 0, e.size))
    out.append(_u32(len(s.tree)))
    for node in s.tree:
        if isinstance(node, int):
            out.append(_u32(0, node))
        else:
            slot, true_bins, yes, no = node
            out.append(_u32(1, slot, yes, no, len(true_bins), *[int(b) for b in true_bins]))
    out.append(_u32(*s.leaves))
    return b"".join(out)
