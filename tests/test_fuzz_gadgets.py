"""Gadget fuzzing: dishonest witnesses against every gadget (bounded here; `make fuzz` at length).

The forgery search must be able to fail: deliberately broken gadgets (the audit's unconstrained
select, its rescale at n = 300, a rescale whose remainder is not range-checked, an argmax that
does not rule out earlier ties) are each caught. Then the real gadgets, on random inputs, give
zero accepted forgeries.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from zkml_chain.circuit import Circuit, Tensor, signed
from zkml_chain.circuit.bits import to_bits
from zkml_chain.circuit.compare import max_reduce
from zkml_chain.testing.forge import search_forgery
from zkml_chain.testing.gadgets import FAMILIES, CaseBuilder, fuzz_gadgets


def _select_unchecked(c: Circuit, cond: Tensor, a: Tensor, b: Tensor) -> Tensor:
    """select before the audit: the condition trusted to be 0/1."""
    out = c.hint(np.where(np.asarray(cond.values) == 1, a.values, b.values))
    c.constrain(cond, a - b, out - b)
    return out


def _rescale_unbounded(c: Circuit, x: Tensor, s: int, n: int) -> Tensor:
    """rescale before the audit: each part capped at 252 bits, their sum not (n = 300 allowed)."""
    v = np.asarray(signed(x.values), dtype=object)
    q, rem = c.hint(v >> s), c.hint(v - ((v >> s) << s))
    to_bits(c, rem, s)
    to_bits(c, q + (1 << (n - s - 1)), n - s)
    c.assert_equal(q * (1 << s) + rem, x)
    return q


def _rescale_no_remainder_check(c: Circuit, x: Tensor, s: int, n: int) -> Tensor:
    v = np.asarray(signed(x.values), dtype=object)
    q, rem = c.hint(v >> s), c.hint(v - ((v >> s) << s))
    to_bits(c, q + (1 << (n - s - 1)), n - s)
    c.assert_equal(q * (1 << s) + rem, x)
    return q


def _argmax_any_maximum(c: Circuit, x: Tensor, n: int) -> Tensor:
    """argmax that only checks the chosen element is a maximum (a later tie passes)."""
    m = x.shape[0]
    top = max_reduce(c, x, n)
    vals = [int(v) for v in signed(x.values)]
    e = c.hint(np.eye(m, dtype=np.int64)[vals.index(max(vals))])
    c.constrain(e, e, e)
    c.assert_equal(e.sum(), 1)
    c.constrain(e, top.broadcast_to((m,)) - x, None)
    return e @ np.arange(m, dtype=np.int64)


def _mutant(name: str, seed: int):  # noqa: ANN202
    rng = random.Random(seed)
    b = CaseBuilder()
    if name == "select":
        a, bb = b.input([rng.randint(-999, 999) for _ in range(2)]), b.input([rng.randint(-999, 999) for _ in range(2)])
        cond = b.c.hint([1, 0])
        out = b.c.output(_select_unchecked(b.c, cond, a, bb), "r")

        def accept(v, wires):  # noqa: ANN001, ANN202
            return all(o in (p, q) for o, p, q in zip(*([v[i] for i in wires(t)] for t in (out, a, bb))))

        return b.case("select", out, accept, free=(cond,))
    if name == "rescale n=300":
        return b.case(name, _rescale_unbounded(b.c, b.input([rng.randint(-(10**6), 10**6)]), 100, 300))
    if name == "rescale without remainder check":
        return b.case(name, _rescale_no_remainder_check(b.c, b.input([rng.randint(-(10**6), 10**6)]), 4, 24))
    x = b.input([5, rng.randint(-9, 4), 5, rng.randint(-9, 4)])
    return b.case(name, _argmax_any_maximum(b.c, x, 8))


@pytest.mark.parametrize("name", ["select", "rescale n=300", "rescale without remainder check", "argmax ties"])
def test_the_search_finds_forgeries_in_broken_gadgets(name: str) -> None:
    found = 0
    for seed in range(3):
        case = _mutant(name, seed)
        forgery = search_forgery(case.r1cs, case.witness, case.results, case.fixed, case.accept, tries=400,
                                 rng=random.Random(seed))
        if forgery is not None:
            assert case.r1cs.is_satisfied(forgery.witness)
            found += 1
    assert found >= 2, f"the forgery search missed the broken {name} ({found} of 3)"


def test_every_gadget_family_has_no_forgery() -> None:
    """Bounded: each family several times on random inputs (widths up to 250), 60 tries each."""
    report = fuzz_gadgets(cases=4 * len(FAMILIES), tries=60, seed=2026)
    assert not report.forgeries, [(g, f.how, f.changed) for g, f in report.forgeries]
    assert len(report.cases) >= 15  # the families reach (almost) every gadget
