"""Rank-1 constraint systems and witnesses, in circom's wire layout and binary formats.

A constraint says ``<A_i, w> * <B_i, w> = <C_i, w>`` over Fr. Wires are numbered as circom does:
wire 0 is the constant 1, then the public outputs, the public inputs, and everything private.

File formats (iden3, little-endian): ``.r1cs`` version 1 (header, constraints, wire-to-label map)
and ``.wtns`` version 2 (header, values). Both are read and written byte-compatibly with circom
and snarkjs, so a circom user can hand their files to zkml-chain and back.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import _native
from .binfile import BinFile, Reader, build_binfile, parse_binfile
from .errors import ConstraintError, FileFormatError, UnsatisfiedConstraint, WitnessError
from .field import N8, R, check_canonical, element
from .files import write_bytes
from .witness import Witness, check_prime

_TERM = 4 + N8  # wire id (u32) + coefficient


@dataclass(frozen=True)
class SparseMatrix:
    """A matrix over Fr in coordinate format: entry k is ``coeffs[k]`` at ``(rows[k], cols[k])``.

    ``rows`` are constraint indices and ``cols`` wire indices (uint32); ``coeffs`` is a packed
    array of canonical Fr elements (32 bytes each).
    """

    rows: np.ndarray
    cols: np.ndarray
    coeffs: bytes

    def __post_init__(self) -> None:
        if not (len(self.rows) == len(self.cols) == len(self.coeffs) // N8):
            raise ValueError("SparseMatrix: rows, cols and coeffs differ in length")

    def __len__(self) -> int:
        return len(self.rows)

    @classmethod
    def empty(cls) -> SparseMatrix:
        return cls(np.zeros(0, np.uint32), np.zeros(0, np.uint32), b"")

    def mul_vec(self, n_rows: int, vector: bytes) -> bytes:
        """M · vector, as n_rows packed elements."""
        return _native.sparse_matvec(n_rows, _u32(self.rows), _u32(self.cols), self.coeffs, vector)

    def transpose_mul_vec(self, n_cols: int, vector: bytes) -> bytes:
        """Mᵀ · vector, as n_cols packed elements."""
        return _native.sparse_matvec(n_cols, _u32(self.cols), _u32(self.rows), self.coeffs, vector)


def _u32(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a, dtype="<u4").tobytes()


@dataclass(frozen=True)
class R1CS:
    """A rank-1 constraint system in circom's layout (see the module docstring)."""

    n_wires: int
    n_pub_out: int
    n_pub_in: int
    n_prv_in: int
    n_constraints: int
    a: SparseMatrix
    b: SparseMatrix
    c: SparseMatrix
    n_labels: int = 0
    wire_labels: np.ndarray | None = None
    #: Optional signal names by wire (from circom's ``.sym`` file), used in error messages.
    names: dict[int, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for m, name in ((self.a, "A"), (self.b, "B"), (self.c, "C")):
            if len(m) and (int(m.rows.max()) >= self.n_constraints or int(m.cols.max()) >= self.n_wires):
                raise ValueError(f"R1CS: matrix {name} has an entry outside {self.n_constraints}x{self.n_wires}")
        if 1 + self.n_public + self.n_prv_in > self.n_wires:
            raise ValueError("R1CS: more inputs than wires")

    @property
    def n_public(self) -> int:
        """Public signals (outputs then inputs), not counting the constant wire 0."""
        return self.n_pub_out + self.n_pub_in

    # --- satisfaction ------------------------------------------------------------------------

    def _check_length(self, witness: Witness) -> None:
        if len(witness) != self.n_wires:
            raise WitnessError(f"witness has {len(witness)} values but the circuit has {self.n_wires} wires")
        if witness[0] != 1:
            raise WitnessError(f"witness wire 0 must be the constant 1, got {witness[0]}")

    def unsatisfied(self, witness: Witness) -> np.ndarray:
        """Indices of the constraints the witness violates (empty when it satisfies them all)."""
        self._check_length(witness)
        m = self.n_constraints
        az = self.a.mul_vec(m, witness.values)
        bz = self.b.mul_vec(m, witness.values)
        cz = self.c.mul_vec(m, witness.values)
        ab = _native.fr_mul(az, bz) if m else b""
        lhs = np.frombuffer(ab, dtype=np.uint8).reshape(m, N8)
        rhs = np.frombuffer(cz, dtype=np.uint8).reshape(m, N8)
        return np.flatnonzero((lhs != rhs).any(axis=1))

    def is_satisfied(self, witness: Witness) -> bool:
        return len(self.unsatisfied(witness)) == 0

    def check(self, witness: Witness) -> None:
        """Raise :class:`ConstraintError` naming the first violated constraint."""
        bad = self.unsatisfied(witness)
        if len(bad):
            i = int(bad[0])
            raise ConstraintError(UnsatisfiedConstraint(i, self.describe(i)), len(bad))

    def describe(self, i: int) -> str:
        """A readable form of constraint i, e.g. ``(main.x) * (main.x) = (main.y + 21888...616)``."""

        def lc(m: SparseMatrix) -> str:
            sel = np.flatnonzero(m.rows == i)
            if not len(sel):
                return "0"
            terms = []
            for k in sel[:6]:
                wire = int(m.cols[k])
                coef = element(m.coeffs, int(k))
                name = "1" if wire == 0 else self.names.get(wire, f"w{wire}")
                if coef > R // 2:
                    coef -= R  # show small negative coefficients as such
                terms.append(name if coef == 1 else f"{coef}*{name}")
            more = f" + ... ({len(sel) - 6} more terms)" if len(sel) > 6 else ""
            return " + ".join(terms) + more

        return f"({lc(self.a)}) * ({lc(self.b)}) != ({lc(self.c)})"

    # --- .r1cs ---------------------------------------------------------------------------------

    def to_r1cs(self) -> bytes:
        header = struct.pack("<I", N8) + R.to_bytes(N8, "little") + struct.pack(
            "<IIIIQI",
            self.n_wires,
            self.n_pub_out,
            self.n_pub_in,
            self.n_prv_in,
            self.n_labels or self.n_wires,
            self.n_constraints,
        )
        labels = self.wire_labels if self.wire_labels is not None else np.arange(self.n_wires, dtype="<u8")
        return build_binfile(
            b"r1cs", 1, [(1, header), (2, self._constraints_section()), (3, np.asarray(labels, "<u8").tobytes())]
        )

    def _constraints_section(self) -> bytes:
        """Vectorised writer: per constraint, for A, B, C: u32 count then (u32 wire, coeff) terms."""
        m = self.n_constraints
        mats = (self.a, self.b, self.c)
        counts = np.stack([np.bincount(x.rows, minlength=m) for x in mats], axis=1).astype(np.int64)  # (m, 3)
        sizes = (4 + _TERM * counts).ravel()
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).reshape(m, 3)
        buf = np.zeros(int(sizes.sum()), dtype=np.uint8)
        four = np.arange(4)
        for k, mat in enumerate(mats):
            buf[starts[:, k, None] + four] = counts[:, k].astype("<u4").view(np.uint8).reshape(m, 4)
            if not len(mat):
                continue
            order = np.argsort(mat.rows, kind="stable")
            rows = mat.rows[order].astype(np.int64)
            first = np.concatenate([[0], np.cumsum(counts[:, k])[:-1]])
            slot = np.arange(len(rows)) - first[rows]
            off = starts[rows, k] + 4 + _TERM * slot
            buf[off[:, None] + four] = mat.cols[order].astype("<u4").view(np.uint8).reshape(-1, 4)
            coeffs = np.frombuffer(mat.coeffs, dtype=np.uint8).reshape(-1, N8)[order]
            buf[off[:, None] + 4 + np.arange(N8)] = coeffs
        return buf.tobytes()

    def save(self, path: Path) -> None:
        """Write circom's ``.r1cs`` (version 1)."""
        write_bytes(path, self.to_r1cs())

    @classmethod
    def from_r1cs(cls, data: bytes, path: Path | None = None) -> R1CS:
        f = parse_binfile(data, b"r1cs", 1, path)
        h = Reader(f, f.section(1, "header"))
        check_prime(f, h)
        n_wires = h.u32("nWires")
        n_pub_out = h.u32("nPubOut")
        n_pub_in = h.u32("nPubIn")
        n_prv_in = h.u32("nPrvIn")
        n_labels = h.u64("nLabels")
        m = h.u32("nConstraints")
        h.end()
        if 1 + n_pub_out + n_pub_in + n_prv_in > n_wires:
            raise f.error(f"header declares more inputs ({n_pub_out}+{n_pub_in}+{n_prv_in}) than wires ({n_wires})")
        a, b, c = _parse_constraints(f, f.section(2, "constraints"), m, n_wires)
        labels = None
        if 3 in f.sections:
            s = f.sections[3]
            if len(s.data) != 8 * n_wires:
                raise f.error(f"wire-to-label section holds {len(s.data)} bytes, expected {8 * n_wires}", s.offset)
            labels = np.frombuffer(s.data, dtype="<u8").copy()
        return cls(n_wires, n_pub_out, n_pub_in, n_prv_in, m, a, b, c, n_labels, labels)

    @classmethod
    def load(cls, path: Path) -> R1CS:
        """Read a ``.r1cs`` file; signal names come from a sibling ``.sym`` file when present."""
        path = Path(path)
        r = cls.from_r1cs(path.read_bytes(), path)
        sym = path.with_suffix(".sym")
        if sym.is_file():
            r.names.update(_read_sym(sym))
        return r


def _parse_constraints(f: BinFile, s, m: int, n_wires: int) -> tuple[SparseMatrix, SparseMatrix, SparseMatrix]:
    data = s.data
    size = len(data)
    starts: list[list[int]] = [[], [], []]
    counts: list[list[int]] = [[], [], []]
    pos = 0
    unpack = struct.Struct("<I").unpack_from
    # Only the term counts are read in Python; the terms are gathered with numpy below.
    for ci in range(m):
        for k in range(3):
            if pos + 4 > size:
                raise f.error(f"constraints section ends inside constraint {ci}", s.offset + pos)
            (n,) = unpack(data, pos)
            starts[k].append(pos + 4)
            counts[k].append(n)
            pos += 4 + n * _TERM
    if pos != size:
        what = "ends inside" if pos > size else "has trailing bytes after"
        raise f.error(f"constraints section {what} the last constraint ({m} declared)", s.offset + min(pos, size))
    raw = np.frombuffer(data, dtype=np.uint8)
    mats = []
    for k in range(3):
        cnt = np.asarray(counts[k], dtype=np.int64)
        total = int(cnt.sum())
        rows = np.repeat(np.arange(m, dtype=np.uint32), cnt)
        base = np.repeat(np.asarray(starts[k], dtype=np.int64), cnt)
        first = np.repeat(np.concatenate([[0], np.cumsum(cnt)[:-1]]), cnt)
        off = base + _TERM * (np.arange(total) - first)
        cols = raw[off[:, None] + np.arange(4)].copy().view("<u4").ravel() if total else np.zeros(0, np.uint32)
        coeffs = raw[off[:, None] + 4 + np.arange(N8)].tobytes() if total else b""
        if total and int(cols.max()) >= n_wires:
            bad = int(np.argmax(cols >= n_wires))
            raise f.error(f"constraint {int(rows[bad])} refers to wire {int(cols[bad])} but there are {n_wires} wires",
                          s.offset + int(off[bad]))
        try:
            check_canonical(coeffs, "coefficient")
        except Exception as e:
            raise f.error(str(e), s.offset) from None
        mats.append(SparseMatrix(rows, cols.astype(np.uint32), coeffs))
    return mats[0], mats[1], mats[2]


def _read_sym(path: Path) -> dict[int, str]:
    """circom ``.sym``: lines ``labelIdx,wireIdx,componentIdx,name`` (wireIdx -1 if optimised out)."""
    names: dict[int, str] = {}
    try:
        for line in path.read_text().splitlines():
            parts = line.split(",", 3)
            if len(parts) == 4 and parts[1].lstrip("-").isdigit():
                wire = int(parts[1])
                if wire >= 0:
                    names.setdefault(wire, parts[3])
    except (OSError, UnicodeDecodeError) as e:
        raise FileFormatError(path, f"unreadable .sym file ({e})") from None
    return names
