"""Search for forged witnesses: a dishonest prover with a constraint solver.

Given a circuit, an honest witness and the wires that hold the result, :func:`search_forgery`
plays the attacker many times: it changes the result (and sometimes a few hints) to other values
— small steps, random field elements, negations, and "wrap" values v ± ⌊m·r/2^j⌋ that exploit a
sum of range-checked parts spanning more than the field — then re-derives every other wire it
can from the constraints, as a witness generator would:

- a constraint with one unknown wire in a linear position (``A·B = C`` with the unknown only in
  C, or only in A with B known and non-zero, or only in B) is solved for it;
- a linear constraint whose unknowns are all proven booleans with coefficients ±2^i is solved by
  binary decomposition (the to_bits pattern), when the value fits.

Wires it cannot derive keep their honest values. If the result then satisfies every constraint
while ``accept`` says it is wrong, that is a forgery. Finding none proves nothing in general, but
every gadget in this project is checked this way (tests/test_fuzz.py, benchmarks/fuzz.py) and
deliberately broken gadgets are found (the fuzzer's own tests).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..field import R
from ..r1cs import R1CS, SparseMatrix, Witness

Row = dict[int, int]  # wire -> coefficient


def _rows(m: SparseMatrix, n: int) -> list[Row]:
    out: list[Row] = [{} for _ in range(n)]
    coeffs = np.frombuffer(m.coeffs, dtype=np.uint8).reshape(-1, 32)
    for row, col, k in zip(m.rows.tolist(), m.cols.tolist(), coeffs):
        out[row][col] = (out[row].get(col, 0) + int.from_bytes(k.tobytes(), "little")) % R
    return out


@dataclass
class Solver:
    """An R1CS as Python rows, for propagating values through small circuits.

    Propagation works like unit propagation in a SAT solver: it keeps, per constraint and per
    side (A, B, C), how many wires are still unknown (and how many of those are not proven
    booleans), and acts on a constraint only once its unknowns sit on one side and are either a
    single wire or all booleans."""

    r1cs: R1CS
    a: list[Row] = field(init=False)
    b: list[Row] = field(init=False)
    c: list[Row] = field(init=False)
    booleans: set[int] = field(init=False)
    _slot_wires: np.ndarray = field(init=False)  # per (constraint, side) entry: its wire
    _slot_of: np.ndarray = field(init=False)  # ... and its slot = 3·constraint + side
    _by_wire: list[list[int]] = field(init=False)  # wire -> slots it appears in
    #: Exponents e with ±2^e among the coefficients: the shifts the circuit uses, which is where
    #: "wrap" forgeries (v ± ⌊m·r/2^e⌋) would come from.
    shifts: list[int] = field(init=False)

    def __post_init__(self) -> None:
        n = self.r1cs.n_constraints
        self.a, self.b, self.c = (_rows(m, n) for m in (self.r1cs.a, self.r1cs.b, self.r1cs.c))
        self.booleans = {next(iter(a)) for a, b, c in zip(self.a, self.b, self.c)
                         if len(a) == 1 and a == b == c and next(iter(a.values())) == 1}
        wires, slots = [], []
        for i, rows in enumerate(zip(self.a, self.b, self.c)):
            for side, row in enumerate(rows):
                for w in row:
                    if w:
                        wires.append(w)
                        slots.append(3 * i + side)
        self._slot_wires = np.asarray(wires, dtype=np.int64)
        self._slot_of = np.asarray(slots, dtype=np.int64)
        self._by_wire = [[] for _ in range(self.r1cs.n_wires)]
        exps = set()
        for row in (*self.a, *self.b, *self.c):
            for k in row.values():
                for kk in (k, R - k):
                    if kk & (kk - 1) == 0:
                        exps.add(kk.bit_length() - 1)
        self.shifts = sorted(exps)
        for w, slot in zip(wires, slots):
            self._by_wire[w].append(slot)

    @staticmethod
    def _known(row: Row, v: list[int], unknown: set[int]) -> int:
        return sum(k * v[w] for w, k in row.items() if w not in unknown) % R

    def _solve_one(self, i: int, v: list[int], unknown: set[int]) -> list[int]:
        """Determine the unknown wires of constraint i (all on one side); returns those set."""
        a, b, c = self.a[i], self.b[i], self.c[i]
        ua, ub, uc = ([w for w in m if w in unknown] for m in (a, b, c))
        if uc:
            lin = {w: c[w] for w in uc}
            target = (self._known(a, v, unknown) * self._known(b, v, unknown) - self._known(c, v, unknown)) % R
        elif ua:
            kb = self._known(b, v, unknown)
            if not kb:
                return []
            lin = {w: a[w] for w in ua}
            target = (self._known(c, v, unknown) * pow(kb, -1, R) - self._known(a, v, unknown)) % R
        elif ub:
            ka = self._known(a, v, unknown)
            if not ka:
                return []
            lin = {w: b[w] for w in ub}
            target = (self._known(c, v, unknown) * pow(ka, -1, R) - self._known(b, v, unknown)) % R
        else:
            return []
        if len(lin) == 1:
            (w, k), = lin.items()
            v[w] = target * pow(k, -1, R) % R
            unknown.discard(w)
            return [w]
        return self._solve_bits(lin, target, v, unknown)

    def _solve_bits(self, lin: Row, target: int, v: list[int], unknown: set[int]) -> list[int]:
        """Σ k_w·b_w = target over proven booleans with k_w = ±2^e_w (distinct e_w): decompose."""
        pos: dict[int, int] = {}  # wire -> exponent e_w of its coefficient 2^e_w (or of -2^e_w in neg)
        neg: dict[int, int] = {}
        for w, k in lin.items():
            for side, kk in ((pos, k), (neg, (-k) % R)):
                if kk & (kk - 1) == 0 and kk.bit_length() <= 253:
                    side[w] = kk.bit_length() - 1
                    break
            else:
                return []
        if pos and neg:
            return []  # mixed signs: not a plain decomposition
        if neg:
            pos, target = neg, (-target) % R
        if len(set(pos.values())) != len(pos) or target >= 1 << (max(pos.values()) + 1):
            return []  # repeated weights, or no decomposition (the check then fails)
        for w, e in pos.items():
            v[w] = (target >> e) & 1
            unknown.discard(w)
        return list(pos)

    def propagate(self, v: list[int], unknown: set[int]) -> None:
        """Determine as many ``unknown`` wires of ``v`` as the constraints allow (in place)."""
        mask = np.zeros(self.r1cs.n_wires, dtype=bool)
        mask[list(unknown)] = True
        is_bool = np.zeros(self.r1cs.n_wires, dtype=bool)
        is_bool[list(self.booleans)] = True
        slots = 3 * self.r1cs.n_constraints
        open_ = mask[self._slot_wires]
        count_ = np.bincount(self._slot_of, weights=open_, minlength=slots).astype(np.int64)
        one_side = (count_.reshape(-1, 3) > 0).sum(axis=1) == 1
        count: list[int] = count_.tolist()
        hard: list[int] = np.bincount(self._slot_of, weights=open_ & ~is_bool[self._slot_wires],
                                      minlength=slots).astype(np.int64).tolist()

        def ready(i: int) -> bool:
            ca, cb, cc = count[3 * i], count[3 * i + 1], count[3 * i + 2]
            if (ca > 0) + (cb > 0) + (cc > 0) != 1:
                return False
            s = 3 * i + (0 if ca else 1 if cb else 2)
            return count[s] == 1 or hard[s] == 0

        queue = [int(i) for i in np.flatnonzero(one_side) if ready(int(i))]
        queued = set(queue)
        booleans = self.booleans
        while queue:
            i = queue.pop()
            queued.discard(i)
            for w in self._solve_one(i, v, unknown):
                for slot in self._by_wire[w]:
                    count[slot] -= 1
                    if w not in booleans:
                        hard[slot] -= 1
                    j = slot // 3
                    if j not in queued and ready(j):
                        queued.add(j)
                        queue.append(j)


@dataclass(frozen=True)
class Forgery:
    """A witness that satisfies every constraint with a wrong result."""

    witness: Witness
    changed: dict[int, tuple[int, int]]  # result wire -> (honest, forged)
    how: str


def perturb(value: int, rng: random.Random, shifts: Sequence[int] = ()) -> tuple[int, str]:
    """Another field element, by one of the strategies an attacker would try (``shifts``: the
    exponents the circuit multiplies by, preferred for wrap values)."""
    kind = rng.choice(("step", "step", "random", "negate", "wrap", "wrap", "bit", "signed"))
    if kind == "step":
        d = rng.choice((1, -1, 2, -2)) * (1 << rng.choice((0, 0, 1, 4, 8, 16, 32, 63, 64, 128, 200)))
        return (value + d) % R, kind
    if kind == "random":
        return rng.randrange(R), kind
    if kind == "negate":
        return (-value) % R, kind
    if kind == "wrap":  # v ± ⌊m·r/2^j⌋: the shape of a forged quotient when q·2^j + rem can exceed r
        j = rng.choice(shifts) if shifts and rng.random() < 0.75 else rng.randrange(0, 253)
        m = rng.randrange(1, 5)
        return (value + rng.choice((1, -1)) * ((m * R) >> j)) % R, kind
    if kind == "bit":
        return (value ^ 1) % R, kind
    return (rng.randrange(-(1 << 20), 1 << 20)) % R, kind


def search_forgery(r1cs: R1CS, witness: Witness, results: Sequence[int], fixed: Sequence[int],
                   accept: Callable[[list[int]], bool] | None = None, tries: int = 200,
                   rng: random.Random | None = None, solver: Solver | None = None) -> Forgery | None:
    """Try ``tries`` dishonest witnesses; return the first forgery found, or None.

    ``results``: the wires holding the gadget's result (the attacker changes one of them);
    ``fixed``: wires the attacker may not change (the gadget's inputs; wire 0 always);
    ``accept(values)``: whether an assignment's result is correct for its inputs (default: the
    result wires equal the honest ones)."""
    rng = rng or random.Random(0)
    solver = solver or Solver(r1cs)
    honest = witness.to_ints()
    frozen = set(fixed) | {0}
    free = [w for w in range(1, r1cs.n_wires) if w not in frozen]
    if accept is None:
        want = {w: honest[w] for w in results}

        def accept(values: list[int]) -> bool:
            return all(values[w] == x for w, x in want.items())

    for _ in range(tries):
        v = list(honest)
        target = rng.choice(list(results))
        v[target], how = perturb(v[target], rng, solver.shifts)
        chosen = {target}
        for w in rng.sample(free, min(len(free), rng.choice((0, 0, 1, 2, 3)))):
            if w not in chosen:
                v[w], _ = perturb(v[w], rng, solver.shifts)
                chosen.add(w)
        unknown = set(free) - chosen
        solver.propagate(v, unknown)
        if accept(v):
            continue
        forged = Witness.from_ints(v)
        if r1cs.is_satisfied(forged):
            return Forgery(forged, {w: (honest[w], v[w]) for w in results if v[w] != honest[w]}, how)
    return None
