"""The circuit builder: tensors of linear combinations, constraints, and the witness as you go.

A :class:`Circuit` allocates wires and records rank-1 constraints ``<A,w>·<B,w> = <C,w>``;
every wire gets its value when it is created, so building the circuit *is* computing the
witness. A :class:`Tensor` is a numpy-shaped array of linear combinations of wires (each
element ``Σ coeff·wire``, values known). Linear algebra on tensors is free: it only rewrites
linear combinations. Multiplying two tensors (``a * b``) adds one wire and one constraint per
element; so do :meth:`Circuit.assert_equal` and :meth:`Circuit.output`.

Field elements are Python ints in [0, r). Signed quantities (ML values) use the usual
embedding: -v is r - v; :func:`signed` reads them back.

    c = Circuit()
    x = c.private_input([3, 4], name="x")
    y = c.private_input([5, 6], name="y")
    c.output((x * y).sum(), name="xy")        # proves x·y = 39 without revealing x, y
    r1cs, witness = c.build()
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import WitnessError
from ..field import R
from ..r1cs import R1CS, SparseMatrix, Witness
from .program import Copy, Input, Product, Recipe, Recorder, Source

log = logging.getLogger(__name__)

HALF = R // 2
ArrayLike = int | Sequence[Any] | np.ndarray


def signed(values: Any) -> Any:
    """Field values -> signed ints in (-r/2, r/2] (elementwise on arrays)."""
    v = np.asarray(values, dtype=object)
    out = np.where(v > HALF, v - R, v)
    return out if out.shape else int(out)


def field_array(values: ArrayLike) -> np.ndarray:
    """Any ints (negative allowed, numpy ints included) -> object array of ints in [0, r)."""
    arr = np.asarray(values)
    if arr.dtype.kind in "iu":
        arr = arr.astype(object)
    elif arr.dtype != object:
        raise TypeError(f"expected integers, got an array of {arr.dtype}")
    flat = [int(v) % R for v in arr.ravel()]
    out = np.empty(len(flat), dtype=object)
    out[:] = flat
    return out.reshape(arr.shape)


def pack(values: np.ndarray) -> bytes:
    """Object array of ints in [0, r) -> packed 32-byte little-endian words."""
    to_bytes = int.to_bytes
    return b"".join([to_bytes(v, 32, "little") for v in np.asarray(values, dtype=object).ravel().tolist()])


def _merge_terms(keys: np.ndarray, wires: np.ndarray, coeffs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sort terms by (key, wire), sum the coefficients of equal pairs mod r, drop zero sums."""
    order = np.lexsort((wires, keys))
    keys, wires, coeffs = keys[order], wires[order], coeffs[order]
    start = np.flatnonzero(np.r_[True, (keys[1:] != keys[:-1]) | (wires[1:] != wires[:-1])])
    summed = np.add.reduceat(coeffs, start) % R
    keep = summed != 0
    return keys[start][keep], wires[start][keep], summed[keep]


@dataclass(frozen=True, eq=False)
class Tensor:
    """An array of linear combinations of wires, in CSR form, with their values.

    Element k (row-major) is ``Σ_{t in indptr[k]:indptr[k+1]} coeffs[t] · wire[wires[t]]`` and
    evaluates to ``values[k]``.
    """

    circuit: Circuit
    shape: tuple[int, ...]
    indptr: np.ndarray
    wires: np.ndarray
    coeffs: np.ndarray
    values: np.ndarray
    #: Every element is proven 0 or 1 by a constraint already in the circuit (or is a constant 0/1).
    #: Set only by gadgets that add such constraints; kept by structural ops (indexing, reshape,
    #: transpose, broadcast, concatenate of proven tensors), dropped by arithmetic. Gadgets that
    #: need a bit (select, commit_params) check it instead of trusting their caller.
    boolean: bool = False

    # --- shape -----------------------------------------------------------------------------

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __len__(self) -> int:
        return self.shape[0]

    def value(self) -> np.ndarray:
        """The values as signed ints, shaped like the tensor."""
        return signed(self.values).reshape(self.shape) if self.shape else signed(self.values[0])

    @property
    def is_plain(self) -> bool:
        """Each element is exactly one wire with coefficient 1."""
        return bool(np.all(np.diff(self.indptr) == 1) and np.all(self.coeffs == 1))

    def take(self, index: np.ndarray, shape: tuple[int, ...] | None = None) -> Tensor:
        """Elements at flat positions ``index`` (repeats allowed), as a tensor of ``shape``."""
        idx = np.asarray(index, dtype=np.int64).ravel()
        counts = self.indptr[idx + 1] - self.indptr[idx]
        indptr = np.zeros(len(idx) + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        pos = np.repeat(self.indptr[idx] - indptr[:-1], counts) + np.arange(indptr[-1], dtype=np.int64)
        return Tensor(self.circuit, tuple(shape) if shape is not None else (len(idx),), indptr,
                      self.wires[pos], self.coeffs[pos], self.values[idx], self.boolean)

    def proven_boolean(self) -> Tensor:
        """This tensor, marked as proven boolean: for gadgets that have just constrained it so."""
        return Tensor(self.circuit, self.shape, self.indptr, self.wires, self.coeffs, self.values, True)

    def _positions(self) -> np.ndarray:
        return np.arange(self.size, dtype=np.int64).reshape(self.shape)

    def __getitem__(self, key: Any) -> Tensor:
        sel = self._positions()[key]
        return self.take(sel, sel.shape)

    def reshape(self, *shape: int | tuple[int, ...]) -> Tensor:
        dims = shape[0] if len(shape) == 1 and isinstance(shape[0], tuple) else shape
        new = self._positions().reshape(dims)  # type: ignore[arg-type]
        return Tensor(self.circuit, new.shape, self.indptr, self.wires, self.coeffs, self.values, self.boolean)

    def flatten(self) -> Tensor:
        return self.reshape(self.size)

    def transpose(self, *axes: int) -> Tensor:
        sel = self._positions().transpose(*axes) if axes else self._positions().T
        return self.take(sel, sel.shape)

    @property
    def T(self) -> Tensor:  # noqa: N802 - numpy's name
        return self.transpose()

    def broadcast_to(self, shape: tuple[int, ...]) -> Tensor:
        if tuple(shape) == self.shape:
            return self
        sel = np.broadcast_to(self._positions(), shape)
        return self.take(sel, tuple(shape))

    # --- linear algebra (free) -------------------------------------------------------------

    def _elements_of_terms(self) -> np.ndarray:
        return np.repeat(np.arange(self.size, dtype=np.int64), np.diff(self.indptr))

    def __add__(self, other: Tensor | ArrayLike) -> Tensor:
        o = self.circuit.lift(other)
        shape = np.broadcast_shapes(self.shape, o.shape)
        a, b = self.broadcast_to(shape), o.broadcast_to(shape)
        elem = np.concatenate([a._elements_of_terms(), b._elements_of_terms()])
        order = np.argsort(elem, kind="stable")
        indptr = a.indptr + b.indptr
        values = (a.values + b.values) % R
        return Tensor(self.circuit, shape, indptr, np.concatenate([a.wires, b.wires])[order],
                      np.concatenate([a.coeffs, b.coeffs])[order], values)

    __radd__ = __add__

    def __neg__(self) -> Tensor:
        return Tensor(self.circuit, self.shape, self.indptr, self.wires, (-self.coeffs) % R, (-self.values) % R)

    def __sub__(self, other: Tensor | ArrayLike) -> Tensor:
        return self + (-self.circuit.lift(other))

    def __rsub__(self, other: ArrayLike) -> Tensor:
        return self.circuit.lift(other) - self

    def scale(self, k: ArrayLike) -> Tensor:
        """Elementwise product with constants (broadcast); free."""
        kk = field_array(k)
        shape = np.broadcast_shapes(self.shape, kk.shape)
        a = self.broadcast_to(shape)
        kf = np.broadcast_to(kk, shape).ravel()
        return Tensor(self.circuit, shape, a.indptr, a.wires, (a.coeffs * np.repeat(kf, np.diff(a.indptr))) % R,
                      (a.values * kf) % R)

    def __mul__(self, other: Tensor | ArrayLike) -> Tensor:
        """Constants: free scaling. Another tensor: one new wire and constraint per element."""
        if isinstance(other, Tensor):
            return self.circuit.mul(self, other)
        return self.scale(other)

    def __rmul__(self, other: ArrayLike) -> Tensor:
        return self.scale(other)

    def sum(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        """Sum over ``axis`` (all elements when None); free."""
        if axis is None:
            flat = self.flatten()
            return self.circuit._group(flat, np.arange(flat.size)[None, :], ())
        axis = axis % self.ndim
        moved = np.moveaxis(self._positions(), axis, -1)
        out = self.circuit._group(self, moved.reshape(-1, moved.shape[-1]), moved.shape[:-1])
        return out.reshape(self.shape[:axis] + (1,) + self.shape[axis + 1 :]) if keepdims else out

    def compact(self) -> Tensor:
        """The same tensor with each element's terms merged by wire and zero terms dropped."""
        elem = self._elements_of_terms()
        if len(elem) == 0:
            return self
        e, w, summed = _merge_terms(elem, self.wires, self.coeffs)
        indptr = np.zeros(self.size + 1, dtype=np.int64)
        np.cumsum(np.bincount(e, minlength=self.size), out=indptr[1:])
        return Tensor(self.circuit, self.shape, indptr, w, summed, self.values, self.boolean)

    def __matmul__(self, weights: ArrayLike) -> Tensor:
        """``self @ W`` for a constant matrix W over the last axis (or a vector); free."""
        return self.circuit.linear(self, weights)


@dataclass
class _Constraints:
    """COO triplets of one matrix (A, B or C), appended in chunks."""

    rows: list[np.ndarray] = field(default_factory=list)
    cols: list[np.ndarray] = field(default_factory=list)
    coeffs: list[np.ndarray] = field(default_factory=list)

    def add(self, base: int, t: Tensor | None) -> None:
        if t is None or len(t.wires) == 0:
            return
        self.rows.append(base + t._elements_of_terms())
        self.cols.append(t.wires)
        self.coeffs.append(t.coeffs)

    def matrix(self, perm: np.ndarray) -> SparseMatrix:
        """Merge duplicate (row, wire) terms, drop zeros, renumber wires by ``perm``."""
        if not self.rows:
            return SparseMatrix.empty()
        rows, cols, summed = _merge_terms(np.concatenate(self.rows), perm[np.concatenate(self.cols)],
                                          np.concatenate(self.coeffs))
        return SparseMatrix(rows.astype(np.uint32), cols.astype(np.uint32), pack(summed))


class Circuit:
    """Wires, constraints and the witness of one circuit under construction."""

    def __init__(self, witness_only: bool = False, recorder: Recorder | None = None) -> None:
        #: Only compute wire values (to prove a circuit whose R1CS is already known): constraints
        #: are counted but not recorded, and gadgets may take value-only shortcuts.
        self.witness_only = witness_only
        #: Records every wire's recipe: the witness program (program.py). Needs the full build.
        if recorder is not None and witness_only:
            raise ValueError("a witness program is recorded from the full build, not a witness-only one")
        self.recorder = recorder
        self._values: list[np.ndarray] = [np.array([1], dtype=object)]
        self._n_wires = 1
        self._kind: list[np.ndarray] = [np.array([0], dtype=np.int8)]  # 0 one, 1 output, 2 pub in, 3 prv in, 4 other
        self._names: dict[int, str] = {}
        self._layout: list[tuple[str, str, int, tuple[int, ...]]] = []  # (kind, name, first wire, shape)
        self._a, self._b, self._c = _Constraints(), _Constraints(), _Constraints()
        self._n_constraints = 0
        self.one = Tensor(self, (), np.array([0, 1], np.int64), np.array([0], np.int64), field_array([1]),
                          field_array([1]))

    @property
    def n_constraints(self) -> int:
        return self._n_constraints

    @property
    def n_wires(self) -> int:
        return self._n_wires

    # --- wires -----------------------------------------------------------------------------

    def _new_wires(self, values: np.ndarray, kind: int, name: str | None = None, source: Source = None) -> Tensor:
        vals = field_array(values)
        n = vals.size
        first = self._n_wires
        if self.recorder is not None:
            self.recorder.wires(first, vals, source)
        self._n_wires += n
        self._values.append(vals.ravel())
        self._kind.append(np.full(n, kind, dtype=np.int8))
        if name is not None:
            for i in range(n):
                self._names[first + i] = f"{name}[{i}]" if vals.shape else name
            if kind in (1, 2, 3):
                self._layout.append(({1: "output", 2: "public_input", 3: "private_input"}[kind], name, first,
                                     vals.shape))
        return Tensor(self, vals.shape, np.arange(n + 1, dtype=np.int64), np.arange(first, first + n, dtype=np.int64),
                      field_array(np.ones(n, dtype=np.int64)), vals.ravel())

    def private_input(self, values: ArrayLike, name: str | None = None) -> Tensor:
        """Private inputs (witness only)."""
        return self._new_wires(np.asarray(values), 3, name, Input(name or f"wire{self._n_wires}"))

    def public_input(self, values: ArrayLike, name: str | None = None) -> Tensor:
        """Public inputs: part of the public signals, bound by the proof (see groth16.qap)."""
        return self._new_wires(np.asarray(values), 2, name, Input(name or f"wire{self._n_wires}"))

    def hint(self, values: ArrayLike, name: str | None = None, recipe: Recipe | None = None) -> Tensor:
        """Private wires computed outside the constraints (bits, quotients). Unconstrained until
        a gadget constrains them: every hint must be pinned down, or the circuit is unsound.
        ``recipe`` says how the values follow from earlier wires (for the witness program); a
        hint without one leaves the circuit without a program."""
        return self._new_wires(np.asarray(values), 4, name, recipe)

    def constant(self, values: ArrayLike) -> Tensor:
        """Constants: multiples of wire 0 (no wires, no constraints)."""
        vals = field_array(values)
        n = vals.size
        return Tensor(self, vals.shape, np.arange(n + 1, dtype=np.int64), np.zeros(n, dtype=np.int64),
                      vals.ravel().copy(), vals.ravel().copy(), bool(np.all((vals == 0) | (vals == 1))))

    def lift(self, x: Tensor | ArrayLike) -> Tensor:
        if isinstance(x, Tensor):
            if x.circuit is not self:
                raise ValueError("tensor belongs to another circuit")
            return x
        return self.constant(x)

    def concatenate(self, tensors: Sequence[Tensor | ArrayLike], axis: int = 0) -> Tensor:
        """numpy.concatenate for tensors (constants allowed); free."""
        ts = [self.lift(t) for t in tensors]
        offsets = np.cumsum([0] + [t.size for t in ts])
        flat = Tensor(
            self, (int(offsets[-1]),),
            np.concatenate([[0]] + [t.indptr[1:] + sum(len(u.wires) for u in ts[:i]) for i, t in enumerate(ts)]),
            np.concatenate([t.wires for t in ts]), np.concatenate([t.coeffs for t in ts]),
            np.concatenate([t.values for t in ts]), all(t.boolean for t in ts),
        )
        positions = np.concatenate([t._positions() + off for t, off in zip(ts, offsets)], axis=axis)
        return flat.take(positions, positions.shape)

    # --- constraints -----------------------------------------------------------------------

    def constrain(self, a: Tensor, b: Tensor | None, c: Tensor | None) -> None:
        """Add ``a_k · b_k = c_k`` for every element k (b None means 1, c None means 0)."""
        n = a.size
        b = self.one.broadcast_to(a.shape) if b is None else b
        if b.size != n or (c is not None and c.size != n):
            raise ValueError(f"constraint operands differ in size: {a.shape}, {b.shape}, {None if c is None else c.shape}")
        base = self._n_constraints
        if not self.witness_only:
            self._a.add(base, a)
            self._b.add(base, b)
            self._c.add(base, c)
        self._n_constraints += n

    def skip_constraints(self, n: int) -> None:
        """Witness-only shortcuts: account for ``n`` constraints the full build records."""
        if not self.witness_only:
            raise ValueError("skip_constraints is for witness-only circuits")
        self._n_constraints += n

    def mul(self, a: Tensor | ArrayLike, b: Tensor | ArrayLike) -> Tensor:
        """Elementwise product of two tensors (broadcast): one wire and one constraint each."""
        a, b = self.lift(a), self.lift(b)
        shape = np.broadcast_shapes(a.shape, b.shape)
        a, b = a.broadcast_to(shape), b.broadcast_to(shape)
        out = self._new_wires((a.values * b.values) % R, 4, source=Product(a, b)).reshape(shape)
        self.constrain(a, b, out)
        return out

    def assert_equal(self, a: Tensor | ArrayLike, b: Tensor | ArrayLike) -> None:
        """``a == b`` elementwise: one constraint each. Raises at build time if the values differ."""
        d = self.lift(a) - self.lift(b)
        bad = np.flatnonzero(d.values != 0)
        if len(bad):
            raise WitnessError(f"assert_equal: element {int(bad[0])} differs ({signed(d.values[bad[0]])} apart)")
        self.constrain(d, None, None)

    def materialize(self, t: Tensor) -> Tensor:
        """The same values on fresh wires (one constraint each), unless already plain wires."""
        if t.is_plain and not np.any(t.wires == 0):
            return t
        out = self._new_wires(t.values, 4, source=Copy(t)).reshape(t.shape)
        self.constrain(t - out, None, None)
        return out

    def narrow(self, t: Tensor | ArrayLike, max_terms: int = 2) -> Tensor:
        """``t`` itself, or on fresh wires (one constraint each) when some element has more than
        ``max_terms`` terms. Gadgets that use an input in several constraints call this, so a
        wide linear combination (a matmul output) is written into the R1CS once, not per use."""
        t = self.lift(t)
        if t.size and int(np.diff(t.indptr).max()) > max_terms:
            return self.materialize(t)
        return t

    def output(self, t: Tensor, name: str = "out") -> Tensor:
        """Public output signals equal to ``t`` (one constraint each)."""
        out = self._new_wires(t.values.reshape(t.shape), 1, name, Copy(t))
        self.constrain(t - out, None, None)
        return out

    # --- free linear maps ------------------------------------------------------------------

    def _group(self, t: Tensor, groups: np.ndarray, shape: tuple[int, ...], weights: np.ndarray | None = None) -> Tensor:
        """Output element g = Σ_j weights[g, j] · t[groups[g, j]] (weights 1 when None)."""
        g = np.asarray(groups, dtype=np.int64)
        taken = t.take(g.ravel())
        counts = np.diff(taken.indptr)
        coeffs = taken.coeffs
        vals = taken.values
        if weights is not None:
            w = np.asarray(weights, dtype=object).ravel()
            coeffs = (coeffs * np.repeat(w, counts)) % R
            vals = (vals * w) % R
        m = g.shape[1] if g.ndim == 2 else 1
        indptr = taken.indptr[::m].copy() if m else np.zeros(len(g) + 1, np.int64)
        values = vals.reshape(-1, m).sum(axis=1) % R if m else np.zeros(len(g), dtype=object)
        if values.dtype != object:
            values = values.astype(object)
        return Tensor(self, shape, indptr, taken.wires, coeffs, values)

    def linear(self, t: Tensor, weights: ArrayLike) -> Tensor:
        """``t @ W`` over the last axis with a constant matrix W (in × out), or a vector; free."""
        w = field_array(weights)
        vector = w.ndim == 1
        w2 = w.reshape(-1, 1) if vector else w
        if t.ndim == 0 or t.shape[-1] != w2.shape[0]:
            raise ValueError(f"matmul: {t.shape} @ {w.shape}")
        n_in, n_out = w2.shape
        lead = t.shape[:-1]
        rows = int(np.prod(lead, dtype=np.int64))
        jj, kk = np.nonzero(w2 != 0)
        order = np.argsort(kk, kind="stable")
        jj, kk = jj[order], kk[order]
        per_out = np.bincount(kk, minlength=n_out)
        width = int(per_out.max()) if len(per_out) else 0
        # pad every output's list of inputs to `width` with a zero-weight reference to input 0
        slots = np.zeros((n_out, max(width, 1)), dtype=np.int64)
        wts = np.zeros((n_out, max(width, 1)), dtype=object)
        wts[:] = 0
        pos = np.arange(len(kk)) - np.repeat(np.r_[0, np.cumsum(per_out)[:-1]], per_out)
        slots[kk, pos] = jj
        wts[kk, pos] = w2[jj, kk]
        groups = (np.arange(rows, dtype=np.int64)[:, None, None] * n_in + slots[None]).reshape(rows * n_out, -1)
        weights_all = np.broadcast_to(wts[None], (rows, n_out, wts.shape[1])).reshape(rows * n_out, -1)
        out_shape = lead if vector else lead + (n_out,)
        return self._group(t, groups, out_shape, weights_all).compact()

    # --- the result ------------------------------------------------------------------------

    def public_layout(self) -> list[dict[str, Any]]:
        """Public signals in the order of public.json: outputs, then public inputs."""
        out, pos = [], 0
        for kind in ("output", "public_input"):
            for k, name, _, shape in self._layout:
                if k == kind:
                    n = int(np.prod(shape, dtype=np.int64))
                    out.append({"name": name, "kind": kind, "shape": list(shape), "index": pos, "count": n})
                    pos += n
        return out

    def _order(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(kinds, old wire ids in circom order, old id -> new id): one, outputs, public inputs,
        private inputs, the rest, each in creation order."""
        kind = np.concatenate(self._kind)
        order = np.argsort(kind, kind="stable")
        perm = np.empty_like(order)
        perm[order] = np.arange(len(order))
        return kind, order, perm

    def build(self) -> tuple[R1CS, Witness]:
        """The R1CS (circom wire order: 1, outputs, public inputs, private inputs, the rest) and
        its witness."""
        if self.witness_only:
            raise ValueError("build: this circuit records no constraints (witness_only); use witness()")
        kind, order, perm = self._order()
        counts = np.bincount(kind, minlength=5)
        r1cs = R1CS(
            n_wires=self._n_wires, n_pub_out=int(counts[1]), n_pub_in=int(counts[2]), n_prv_in=int(counts[3]),
            n_constraints=self._n_constraints, a=self._a.matrix(perm), b=self._b.matrix(perm), c=self._c.matrix(perm),
        )
        r1cs.names.update({int(perm[w]): n for w, n in self._names.items()})
        log.info("circuit: %d constraints, %d wires", self._n_constraints, self._n_wires)
        return r1cs, self.witness()

    def witness(self) -> Witness:
        """Only the witness, in the wire order of :meth:`build` (no matrices are assembled)."""
        _, order, _ = self._order()
        return Witness(pack(np.concatenate(self._values)[order]))

    def program(self) -> bytes | None:
        """The recorded witness program (see program.py), or None when a hint had no recipe."""
        if self.recorder is None:
            raise ValueError("program: this circuit was built without a recorder")
        return self.recorder.program(self, self._order()[1])

    def wire_index(self, t: Tensor) -> np.ndarray:
        """Built-witness positions of a tensor of plain wires (for tests that tamper with them)."""
        if not t.is_plain:
            raise ValueError("wire_index: the tensor is not a tensor of plain wires")
        return self._order()[2][t.wires].reshape(t.shape)
