"""Every gadget as a forgery target: random inputs, the honest circuit, and what a right result is.

Each case builds one gadget call on random inputs (private inputs the attacker may not change),
makes its result public, and says which assignments are correct. :func:`fuzz_gadgets` runs
:func:`~zkml_chain.testing.forge.search_forgery` on many of them.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..circuit import Circuit, Tensor
from ..circuit.bits import range_check, range_check_signed, signed_bits, to_bits
from ..circuit.compare import argmax, clamp, ge, max_reduce, maximum, minimum, relu, select
from ..circuit.fixedpoint import div_floor, rescale, sigmoid
from ..circuit.hash import commit, commit_params, poseidon
from ..circuit.linalg import avg_pool2d, conv2d, global_avg_pool, matmul, max_pool2d
from ..circuit.program import Recorder
from ..field import R
from ..onnx.claim import Claim, Threshold
from ..onnx.claim_circuit import prove_claim
from ..onnx.lower import Q
from ..poseidon import TensorLayout, signed_width
from ..r1cs import R1CS, Witness
from .forge import Forgery, Solver, search_forgery


@dataclass
class Case:
    """One gadget call: its circuit, honest witness, result wires, fixed (input) wires, and
    ``accept(values)`` = whether an assignment's result is right."""

    gadget: str
    r1cs: R1CS | None  # None when built witness-only (to compare the two modes)
    witness: Witness
    results: list[int]
    fixed: list[int]
    accept: Callable[[list[int]], bool] | None = None
    n_constraints: int = 0  # what the circuit counted (the same in both modes)
    program: bytes | None = None  # the witness program, when built with ``record``
    program_inputs: dict[str, bytes] | None = None  # the values the build gave its inputs


def _s(v: int) -> int:
    return v - R if v > R // 2 else v


def _ints(rng: random.Random, n: int, k: int) -> list[int]:
    """k signed n-bit values, with the range's ends and zero over-represented."""
    lo, hi = -(1 << (n - 1)), (1 << (n - 1)) - 1
    return [rng.choice((lo, hi, 0, -1, 1, rng.randint(lo, hi), rng.randint(lo, hi))) for _ in range(k)]


def _width(rng: random.Random, low: int = 2, high: int = 24) -> int:
    """Mostly small widths; now and then the largest allowed, where wrapping would start."""
    return rng.choice((rng.randint(low, high), rng.randint(low, high), rng.randint(low, high), 250))


class CaseBuilder:
    """A circuit whose private inputs are fixed for the attacker; ``case`` outputs a result."""

    def __init__(self, witness_only: bool = False, record: bool = False) -> None:
        self.c = Circuit(witness_only=witness_only, recorder=Recorder() if record else None)
        self.inputs: list[Tensor] = []

    def input(self, values: object) -> Tensor:
        t = self.c.private_input(np.asarray(values, dtype=object))
        self.inputs.append(t)
        return t

    def case(self, gadget: str, result: Tensor,
             accept: Callable[[list[int], Callable[[Tensor], list[int]]], bool] | None = None,
             free: tuple[Tensor, ...] = ()) -> Case:
        out = self.c.output(result, "result")
        r1cs, w = (None, self.c.witness()) if self.c.witness_only else self.c.build()
        idx = self.c.wire_index

        def wires(t: Tensor) -> list[int]:
            return [int(i) for i in np.ravel(idx(t))]

        fixed = [i for t in self.inputs if t not in free for i in wires(t)]
        results = wires(out)
        rec = self.c.recorder
        return Case(gadget, r1cs, w, results + [i for t in free for i in wires(t)], fixed,
                    None if accept is None else (lambda v: accept(v, wires)), self.c.n_constraints,
                    None if rec is None else self.c.program(), None if rec is None else rec.inputs)


def _to_bits(rng: random.Random, witness_only: bool = False, record: bool = False) -> Case:
    n = _width(rng, 1, 20)
    b = CaseBuilder(witness_only, record)
    x = b.input([rng.randrange(1 << n) for _ in range(3)])
    return b.case("to_bits", to_bits(b.c, x, n).flatten())


def _range_check(rng: random.Random, witness_only: bool = False, record: bool = False) -> Case:
    """The attacker moves the checked value itself: it must stay in range."""
    n, signed_ = _width(rng, 2, 20), rng.random() < 0.5
    b = CaseBuilder(witness_only, record)
    if signed_:
        x = b.input(_ints(rng, n, 3))
        range_check_signed(b.c, x, n)
    else:
        x = b.input([rng.randrange(1 << n) for _ in range(3)])
        range_check(b.c, x, n)
    lo, hi = (-(1 << (n - 1)), 1 << (n - 1)) if signed_ else (0, 1 << n)
    return b.case("range_check_signed" if signed_ else "range_check", x,
                  lambda v, wires: all(lo <= (_s(v[i]) if signed_ else v[i]) < hi for i in wires(x)), free=(x,))


def _signed_bits(rng: random.Random, witness_only: bool = False, record: bool = False) -> Case:
    """A value held by its bits alone (a compiled model's parameters): the attacker owns the bits,
    and the value they make must stay in the signed range."""
    n = _width(rng, 2, 20)
    b = CaseBuilder(witness_only, record)
    value, _ = signed_bits(b.c, np.array(_ints(rng, n, 3), dtype=object), n)
    out = b.c.output(value, "value")
    return b.case("signed_bits", out,
                  lambda v, wires: all(-(1 << (n - 1)) <= _s(v[i]) < 1 << (n - 1) for i in wires(out)))


def _compare(rng: random.Random, witness_only: bool = False, record: bool = False) -> Case:
    n = _width(rng, 2, 24)
    kind = rng.choice(("ge", "relu", "maximum", "minimum", "clamp"))
    b = CaseBuilder(witness_only, record)
    xs, ys = _ints(rng, n, 3), _ints(rng, n, 3)
    x, y = b.input(xs), b.input(ys)
    if kind == "ge":
        return b.case(kind, ge(b.c, x, y, n))
    if kind == "relu":
        return b.case(kind, relu(b.c, x, n))
    if kind == "maximum":
        return b.case(kind, maximum(b.c, x, y, n))
    if kind == "minimum":
        return b.case(kind, minimum(b.c, x, y, n))
    lo, hi = sorted(_ints(rng, n, 2))
    return b.case(kind, clamp(b.c, x, lo, hi, n))


def _select(rng: random.Random, witness_only: bool = False, record: bool = False) -> Case:
    """The condition is the attacker's too (an input left free): the result must be a or b."""
    b = CaseBuilder(witness_only, record)
    a, bb = b.input(_ints(rng, 16, 3)), b.input(_ints(rng, 16, 3))
    cond = b.c.private_input([rng.randrange(2) for _ in range(3)], name="cond")
    out = select(b.c, cond, a, bb)
    chosen = b.c.output(out, "result")

    def accept(v: list[int], wires: Callable[[Tensor], list[int]]) -> bool:
        return all(o in (p, q) for o, p, q in zip(*([v[i] for i in wires(t)] for t in (chosen, a, bb))))

    return b.case("select", chosen, accept, free=(cond,))


def _reduce(rng: random.Random, witness_only: bool = False, record: bool = False) -> Case:
    n = _width(rng, 3, 20)
    b = CaseBuilder(witness_only, record)
    m = rng.randint(2, 6)
    vals = _ints(rng, n, m)
    if rng.random() < 0.5:
        vals[rng.randrange(m)] = max(vals)  # ties
    x = b.input(vals)
    if rng.random() < 0.5:
        return b.case("max_reduce", max_reduce(b.c, x, n))
    return b.case("argmax", argmax(b.c, x, n))


def _fixedpoint(rng: random.Random, witness_only: bool = False, record: bool = False) -> Case:
    kind = rng.choice(("rescale", "div_floor", "sigmoid"))
    b = CaseBuilder(witness_only, record)
    if kind == "rescale":
        n = _width(rng, 4, 30)
        s = rng.randint(1, n - 1)
        return b.case(kind, rescale(b.c, b.input(_ints(rng, n, 3)), s, n))
    if kind == "div_floor":
        n = rng.choice((rng.randint(4, 30), 200))
        d = rng.choice((3, 5, 7, 10, 100, 255, rng.randint(2, 1 << 20)))
        return b.case(kind, div_floor(b.c, b.input(_ints(rng, n, 3)), d, n))
    f = rng.choice((4, 6, 8))
    n = rng.randint(f + 4, f + 10)
    return b.case(kind, sigmoid(b.c, b.input(_ints(rng, n, 2)), f, n))


def _linalg(rng: random.Random, witness_only: bool = False, record: bool = False) -> Case:
    kind = rng.choice(("matmul", "conv2d", "avg_pool2d", "global_avg_pool", "max_pool2d"))
    b = CaseBuilder(witness_only, record)
    if kind == "matmul":
        x, w = b.input(np.array(_ints(rng, 10, 6)).reshape(2, 3)), b.input(np.array(_ints(rng, 10, 6)).reshape(3, 2))
        return b.case(kind, matmul(b.c, x, w))
    if kind == "conv2d":
        x = b.input(np.array(_ints(rng, 8, 2 * 9)).reshape(2, 3, 3))
        w = b.input(np.array(_ints(rng, 6, 2 * 2 * 4)).reshape(2, 2, 2, 2))
        return b.case(kind, conv2d(b.c, x, w, None, stride=1, padding=rng.randint(0, 1)))
    n = rng.randint(6, 14)
    x = b.input(np.array(_ints(rng, n, 16)).reshape(1, 4, 4))
    if kind == "avg_pool2d":
        return b.case(kind, avg_pool2d(b.c, x, 2, n))
    if kind == "global_avg_pool":
        return b.case(kind, global_avg_pool(b.c, x, n))
    return b.case(kind, max_pool2d(b.c, x, 2, n))


def _hash(rng: random.Random, witness_only: bool = False, record: bool = False) -> Case:
    kind = rng.choice(("poseidon", "commit", "commit_params"))
    b = CaseBuilder(witness_only, record)
    if kind == "poseidon":
        return b.case(kind, poseidon(b.c, b.input([rng.randrange(R) for _ in range(rng.randint(1, 4))])))
    if kind == "commit":
        x = b.input([rng.randrange(R) for _ in range(rng.randint(1, 20))])
        return b.case(kind, commit(b.c, x, b.input(rng.randrange(R))))
    tensors = [np.array(_ints(rng, rng.randint(2, 12), rng.randint(1, 6))) for _ in range(rng.randint(1, 3))]
    bits, layout = [], []
    for t in tensors:  # held by their bits, as assemble.build holds a model's parameters
        w = signed_width(t.tolist())
        bits.append(signed_bits(b.c, t.astype(object), w)[1].flatten())
        b.inputs.append(bits[-1])  # the parameters: fixed, the attacker forges the hash's wires
        layout.append(TensorLayout(t.shape, w))
    return b.case(kind, commit_params(b.c, b.c.concatenate(bits), layout, b.c.constant(0)))


def _claim(rng: random.Random, witness_only: bool = False, record: bool = False) -> Case:
    """A threshold claim: the public threshold must not exceed the (private) score."""
    b = CaseBuilder(witness_only, record)
    score = rng.randint(0, 1 << 20)
    out = b.input([score])
    prove_claim(b.c, Claim(Threshold("y", 0)), {"y": Q(out, 8)}, {"threshold": rng.randint(0, score) / 2**8})
    r1cs, w = (None, b.c.witness()) if witness_only else b.c.build()
    threshold = 1  # the claim's only public signal (no outputs)
    fixed = [int(i) for i in np.ravel(b.c.wire_index(out))]
    rec = b.c.recorder
    return Case("threshold claim", r1cs, w, [threshold], fixed, lambda v: v[threshold] <= score, b.c.n_constraints,
                None if rec is None else b.c.program(), None if rec is None else rec.inputs)


#: Case generators by family; each draws a gadget and its inputs (the same for the same rng state,
#: built in full or, with ``witness_only``, as the witness alone).
FAMILIES: dict[str, Callable[..., Case]] = {
    "to_bits": _to_bits, "range_check": _range_check, "signed_bits": _signed_bits, "compare": _compare, "select": _select,
    "reduce": _reduce, "fixedpoint": _fixedpoint, "linalg": _linalg, "hash": _hash, "claim": _claim,
}


@dataclass
class GadgetReport:
    cases: dict[str, int]  # gadget -> circuits built
    attempts: dict[str, int]  # gadget -> dishonest witnesses tried
    forgeries: list[tuple[str, Forgery]]


def fuzz_gadgets(cases: int, tries: int, seed: int = 0,
                 families: dict[str, Callable[..., Case]] | None = None,
                 progress: Callable[[int], None] | None = None) -> GadgetReport:
    """``cases`` random gadget calls (cycling through the families), ``tries`` dishonest
    witnesses each."""
    fams = list((families or FAMILIES).values())
    report = GadgetReport({}, {}, [])
    for k in range(cases):
        rng = random.Random(seed * 1_000_003 + k)
        case = fams[k % len(fams)](rng)
        report.cases[case.gadget] = report.cases.get(case.gadget, 0) + 1
        report.attempts[case.gadget] = report.attempts.get(case.gadget, 0) + tries
        if case.r1cs is None:
            raise ValueError(f"{case.gadget}: built witness-only, nothing to attack")
        found = search_forgery(case.r1cs, case.witness, case.results, case.fixed, case.accept, tries, rng,
                               Solver(case.r1cs))
        if found is not None:
            report.forgeries.append((case.gadget, found))
        if progress is not None:
            progress(k + 1)
    return report


__all__ = ["Case", "CaseBuilder", "FAMILIES", "GadgetReport", "fuzz_gadgets"]
