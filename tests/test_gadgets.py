"""Gadgets: honest witnesses compute the right values (hypothesis), dishonest ones are rejected.

Soundness tests build the honest circuit, then change the claimed result together with the
hints an attacker controls, and show that some constraint fails. For small widths they search
every assignment of the bit hints (booleans are forced by b·b = b, so that search is complete).
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import assert_rejects, assert_solves
from zkml_chain.cachedir import ENV_VAR
from zkml_chain.circuit import Circuit, Tensor
from zkml_chain.circuit.bits import MAX_BITS, boolean, range_check, signed_bits, to_bits
from zkml_chain.circuit.builder import signed
from zkml_chain.circuit.compare import argmax, clamp, ge, max_reduce, maximum, relu
from zkml_chain.circuit.fixedpoint import (
    div_floor,
    fit_sigmoid_table,
    rescale,
    sigmoid,
    sigmoid_error_bound,
    sigmoid_table,
    sigmoid_values,
)
from zkml_chain.circuit.linalg import avg_pool2d, conv2d, dot, global_avg_pool, matmul, max_pool2d
from zkml_chain.circuit.softmax import (
    exp_error_bound,
    exp_table,
    exp_values,
    softmax,
    softmax_error_bound,
    softmax_values,
)
from zkml_chain.errors import WitnessError
from zkml_chain.field import R
from zkml_chain.r1cs import R1CS, Witness
from zkml_chain.testing.gadgets import FAMILIES

N = 16  # signed width used by most tests
ints16 = st.integers(-(2**15), 2**15 - 1)


def tamper(witness: Witness, changes: dict[int, int]) -> Witness:
    for wire, value in changes.items():
        witness = witness.with_value(int(wire), value % R)
    return witness


def wires(c: Circuit, t: Tensor) -> list[int]:
    return [int(w) for w in np.ravel(c.wire_index(t))]


def named(r1cs: R1CS, name: str) -> list[int]:
    """Wires whose name is ``name[i]``, in index order (gadgets name their hints)."""
    found = {int(n[len(name) + 1 : -1]): w for w, n in r1cs.names.items() if n.startswith(name + "[")}
    return [found[i] for i in sorted(found)]


def no_bits_satisfy(r1cs: R1CS, witness: Witness, fixed: dict[int, int], bit_wires: list[int]) -> bool:
    """True when no 0/1 assignment of ``bit_wires`` (with ``fixed`` wires set) satisfies all."""
    base = tamper(witness, fixed)
    for bits in itertools.product((0, 1), repeat=len(bit_wires)):
        if r1cs.is_satisfied(tamper(base, dict(zip(bit_wires, bits)))):
            return False
    return True


# --- honest computations ---------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(st.lists(ints16, min_size=1, max_size=12), st.lists(ints16, min_size=1, max_size=12))
def test_compare_relu_max_clamp_match_numpy(xs: list[int], ys: list[int]) -> None:
    n = min(len(xs), len(ys))
    x, y = np.array(xs[:n]), np.array(ys[:n])
    c = Circuit()
    a, b = c.private_input(x), c.private_input(y)
    assert list(ge(c, a, b, N).value()) == list((x >= y).astype(int))
    assert list(relu(c, a, N).value()) == list(np.maximum(x, 0))
    assert list(maximum(c, a, b, N).value()) == list(np.maximum(x, y))
    assert list(clamp(c, a, -100, 250, N).value()) == list(np.clip(x, -100, 250))
    assert int(max_reduce(c, a, N).value()) == x.max()
    assert int(argmax(c, a, N).value()) == int(np.argmax(x))
    assert_solves(*c.build())


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(-(2**20), 2**20 - 1), min_size=1, max_size=10), st.integers(1, 12),
       st.integers(1, 1000))
def test_rescale_and_div_floor_are_floor_division(xs: list[int], s: int, d: int) -> None:
    c = Circuit()
    x = c.private_input(xs)
    assert list(rescale(c, x, s, 22).value()) == [v >> s for v in xs]
    assert list(div_floor(c, x, d, 22).value()) == [v // d for v in xs]
    assert_solves(*c.build())


@pytest.mark.parametrize("f", [6, 8, 11])
def test_sigmoid_error_bound_holds_for_every_input(f: int) -> None:
    """Exhaustive over |x| < 2^(f+5) (past saturation), in integers; then the circuit on a sample."""
    xi = np.arange(-(2 ** (f + 5)), 2 ** (f + 5) + 1)
    y = sigmoid_values(xi, f)
    err = np.abs(y / 2**f - 1 / (1 + np.exp(-xi / 2**f)))
    assert err.max() <= sigmoid_error_bound(f) <= 1.2 * 2.0**-f
    assert err.max() > 0.5 * 2.0**-f  # the bound is not vacuous
    sample = np.concatenate([xi[np.abs(xi) < 2 ** (N - 1)][::97], [-(2 ** (N - 1)), 2 ** (N - 1) - 1, 0, -1, 1]])
    c = Circuit()
    out = sigmoid(c, c.private_input(sample), f, N)
    assert out.value().tolist() == sigmoid_values(sample, f).tolist()
    r1cs, w = c.build()
    assert r1cs.n_constraints == len(sample) * (3 * N + len(sigmoid_table(f).lows) + 2 * f + 23)
    assert_solves(r1cs, w)


def test_the_sigmoid_table_cache_gives_the_fitted_table_and_refits_a_damaged_entry(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """sigmoid_table reads its cache entry (fitting ~0.09 s at f = 16 is skipped) and it equals
    the fitted table; a damaged entry, or an intact one for another scale, is refitted."""
    import zkml_chain.circuit.fixedpoint as fixedpoint

    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    f = 9
    fitted = fit_sigmoid_table(f)
    sigmoid_table.cache_clear()
    assert sigmoid_table(f) == fitted
    entry = tmp_path / "tables" / f"sigmoid-v1-f{f}.json"
    good = entry.read_bytes()

    def no_fit(_: int) -> None:
        raise AssertionError("fitted although the cache holds the table")

    with monkeypatch.context() as m:
        m.setattr(fixedpoint, "fit_sigmoid_table", no_fit)
        sigmoid_table.cache_clear()
        assert sigmoid_table(f) == fitted
    entry.write_bytes(good[:-3])
    sigmoid_table.cache_clear()
    assert sigmoid_table(f) == fitted and entry.read_bytes() == good
    other = tmp_path / "tables" / f"sigmoid-v1-f{f + 1}.json"
    sigmoid_table.cache_clear()
    sigmoid_table(f + 1)
    entry.write_bytes(other.read_bytes())  # intact, but scale f + 1's table under f's name
    sigmoid_table.cache_clear()
    assert sigmoid_table(f) == fitted
    sigmoid_table.cache_clear()


def test_sigmoid_rejects_a_wrong_segment() -> None:
    """Claiming the neighbouring segment (another line, so another value) breaks the constraints."""
    f, x = 8, 300
    t = sigmoid_table(f)
    c = Circuit()
    out = c.output(sigmoid(c, c.private_input([x]), f, N), "y")
    r1cs, w = c.build()
    assert_solves(r1cs, w)
    seg = named(r1cs, "sigmoid.segment")
    j = int(np.searchsorted(t.lows, x, side="right")) - 1
    other = j + 1
    forged = (t.slopes[other] * x + t.offsets[other]) >> t.frac
    assert forged != int(out.values[0])
    (y,) = wires(c, out)
    assert_rejects(r1cs, tamper(w, {seg[j]: 0, seg[other]: 1, y: forged}))


@pytest.mark.parametrize("f", [6, 8, 12])
def test_exp_and_softmax_error_bounds_hold(f: int) -> None:
    """e^-a exhaustively over the table's range and past it; softmax on random vectors of 2-6
    values (ties, large gaps); the circuit equals the integer semantics."""
    a = np.arange(0, 2 ** (f + 5)).astype(object)
    err = np.abs(exp_values(a, f).astype(float) / 2**f - np.exp(-a.astype(float) / 2**f))
    assert err.max() <= exp_error_bound(f) <= 1.5 * 2.0**-f and err.max() > 0.25 * 2.0**-f
    rng = np.random.default_rng(f)
    for k in range(2, 7):
        x = np.round(rng.normal(0, 4, (300, k)) * 2**f).astype(np.int64)
        x[0] = x[0, 0]  # all equal
        p = softmax_values(x.astype(object), f).astype(float) / 2**f
        ref = np.exp(x / 2**f - (x / 2**f).max(axis=1, keepdims=True))
        assert np.abs(p - ref / ref.sum(axis=1, keepdims=True)).max() <= softmax_error_bound(f, k)
        c = Circuit()
        row = x[1 + k]
        out = softmax(c, c.private_input(row), f, N + 4)
        assert out.value().tolist() == softmax_values(row.astype(object), f).tolist()
        assert_solves(*c.build())


def test_softmax_quotient_and_exp_segment_cannot_be_forged() -> None:
    """A quotient one off (with the remainder that balances q·S + rem = u·2^f) is caught by the
    remainder's range; a neighbouring exp segment by the segment bounds."""
    f = 8
    c = Circuit()
    x = c.private_input([300, -100, 50])
    out = softmax(c, x, f, N)
    r1cs, w = c.build()
    assert_solves(r1cs, w)
    q, rem = named(r1cs, "softmax.q"), named(r1cs, "softmax.rem")
    rem_bits, below_bits = named(r1cs, "softmax.rem.bits"), named(r1cs, "softmax.rem_below.bits")
    u = exp_values(np.array([0, 400, 250], dtype=object), f)
    total = int(u.sum())
    width, q_bits = len(rem_bits) // 3, named(r1cs, "softmax.q.bits")
    qw = len(q_bits) // 3

    def decomposition(wires_: list[int], v: int) -> dict[int, int]:
        return {b: (v >> i) & 1 for i, b in enumerate(wires_)}

    for k in range(3):
        honest_q, honest_rem = int(w[q[k]]), int(w[rem[k]])
        assert honest_q * total + honest_rem == int(u[k]) << f and int(out.value()[k]) == honest_q
        mine_rem, mine_below = rem_bits[k * width : (k + 1) * width], below_bits[k * width : (k + 1) * width]
        # q + 1: rem − S < 0 has no bits (searched) while S − 1 − rem' gets its true bits
        mine_q = q_bits[k * qw : (k + 1) * qw]
        fixed = {q[k]: honest_q + 1, rem[k]: honest_rem - total} | decomposition(mine_below, 2 * total - 1 - honest_rem)
        assert no_bits_satisfy(r1cs, w, fixed | decomposition(mine_q, honest_q + 1), mine_rem)
        # q − 1: rem + S fits, but S − 1 − rem' < 0 has no bits (searched)
        fixed = {q[k]: honest_q - 1, rem[k]: honest_rem + total} | decomposition(mine_rem, honest_rem + total)
        assert no_bits_satisfy(r1cs, w, fixed | decomposition(mine_q, honest_q - 1), mine_below)
    seg = named(r1cs, "exp.segment")
    t = exp_table(f)
    k_seg = len(t.lows)
    j = int(np.searchsorted(t.lows, 400, side="right")) - 1  # the second element's exponent, d = 400
    assert int(w[seg[k_seg + j]]) == 1
    assert_rejects(r1cs, tamper(w, {seg[k_seg + j]: 0, seg[k_seg + j + 1]: 1}))


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**32))
def test_linear_algebra_and_pooling_match_numpy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    c = Circuit()
    img = rng.integers(-60, 60, (2, 5, 6))
    x = c.private_input(img)
    w = rng.integers(-4, 5, (3, 2, 3, 2))
    bias = rng.integers(-9, 9, 3)
    out = conv2d(c, x, w, bias, stride=1, padding=1)
    padded = np.pad(img, ((0, 0), (1, 1), (1, 1)))
    ref = np.array([[[(padded[:, i:i + 3, j:j + 2] * w[o]).sum() + bias[o] for j in range(out.shape[2])]
                     for i in range(out.shape[1])] for o in range(3)])
    assert np.array_equal(out.value().astype(np.int64), ref)
    wt = c.private_input(w)  # private weights: one constraint per multiplication
    assert np.array_equal(conv2d(c, x, wt, bias, padding=1).value().astype(np.int64), ref)
    sq = img[:, :4, :4]
    xs = x[:, :4, :4]
    assert np.array_equal(max_pool2d(c, xs, 2, N).value().astype(np.int64), sq.reshape(2, 2, 2, 2, 2).max(axis=(2, 4)))
    assert np.array_equal(avg_pool2d(c, xs, 2, N).value().astype(np.int64),
                          sq.reshape(2, 2, 2, 2, 2).sum(axis=(2, 4)) // 4)
    assert np.array_equal(global_avg_pool(c, x, N).value().astype(np.int64), img.reshape(2, -1).sum(1) // 30)
    a, b = rng.integers(-50, 50, (3, 4)), rng.integers(-50, 50, (4, 2))
    ta, tb = c.private_input(a), c.private_input(b)
    assert np.array_equal(matmul(c, ta, tb).value().astype(np.int64), a @ b)
    assert np.array_equal(matmul(c, ta, b).value().astype(np.int64), a @ b)
    assert int(dot(c, ta[0], tb[:, 0]).value()) == int(a[0] @ b[:, 0])
    assert_solves(*c.build())


def test_constraint_counts_are_as_documented() -> None:
    def count(fn) -> int:  # noqa: ANN001
        c = Circuit()
        fn(c, c.private_input(np.arange(10) - 5))
        return c.n_constraints

    assert count(lambda c, x: to_bits(c, x + 5, 8)) == 10 * 9
    assert count(lambda c, x: ge(c, x, 0, N)) == 10 * (N + 2)
    assert count(lambda c, x: relu(c, x, N)) == 10 * (N + 3)
    assert count(lambda c, x: rescale(c, x, 4, N)) == 10 * (N + 3)
    assert count(lambda c, x: clamp(c, x, -2, 2, N)) == 10 * (2 * N + 6)
    assert count(lambda c, x: max_reduce(c, x, N)) == 9 * (N + 3)
    assert count(lambda c, x: argmax(c, x, N)) == 9 * (N + 3) + 3 * 10 + 1
    assert count(lambda c, x: dot(c, x, x)) == 10
    assert count(lambda c, x: dot(c, x, np.arange(10))) == 0
    assert count(lambda c, x: signed_bits(c, np.arange(10) - 5, 8)) == 10 * 8  # no recomposition
    # A weight held by its bits enters a one-row product as it is; used by two rows it goes on a
    # wire once (one constraint), not into every product.
    def weights(c: Circuit, shape: tuple[int, int]) -> Tensor:
        return signed_bits(c, np.arange(shape[0] * shape[1]).reshape(shape), 8)[0]

    assert count(lambda c, x: matmul(c, x.reshape(1, 10), weights(c, (10, 2)))) == 10 * 2 * 8 + 20
    assert count(lambda c, x: matmul(c, x.reshape(2, 5), weights(c, (5, 2)))) == 10 * 8 + 10 + 20


def test_out_of_range_inputs_fail_at_build_time_with_a_clear_error() -> None:
    c = Circuit()
    with pytest.raises(WitnessError, match=r"not in \[0, 2\^8\)"):
        range_check(c, c.private_input([300]), 8)
    with pytest.raises(WitnessError, match=r"ge \(operands outside the signed 8-bit range\)"):
        ge(c, c.private_input([2**20]), 0, 8)
    with pytest.raises(ValueError, match="bit width"):
        to_bits(c, c.private_input([1]), MAX_BITS + 1)
    with pytest.raises(ValueError, match="could wrap"):
        div_floor(c, c.private_input([1]), 3 << 60, 200)


# --- soundness: dishonest witnesses ------------------------------------------------------------


def test_non_boolean_bit_is_rejected() -> None:
    c = Circuit()
    x = c.private_input([4])
    bits = to_bits(c, x, 3)
    r1cs, w = c.build()
    b0, b1, b2 = wires(c, bits)
    assert_solves(r1cs, w)
    # 2·1 + 1·2 + 0·4 = 4: the sum is right, but b0 = 2 is not a bit
    assert_rejects(r1cs, tamper(w, {b0: 2, b1: 1, b2: 0}))
    # and no boolean assignment represents 4 other than the honest one
    assert no_bits_satisfy(r1cs, w, {}, [b0, b1]) is False  # honest bits exist...
    assert no_bits_satisfy(r1cs, w, {b2: 0}, [b0, b1])  # ...and none without b2


def test_a_value_held_by_its_bits_is_the_signed_value_and_nothing_outside_the_range() -> None:
    n = 4
    c = Circuit()
    vals = [-8, -1, 0, 7]
    t, bits = signed_bits(c, np.array(vals), n, name="w")
    out = c.output(t, "w_out")
    r1cs, w = c.build()
    assert_solves(r1cs, w)
    assert [int(v) for v in np.ravel(signed(out.values))] == vals
    assert bits.shape == (4, n) and len(named(r1cs, "w.bits")) == 4 * n
    # Every boolean assignment of one element's bits makes a value in [-8, 8): the public output
    # can be moved only within the range, never to 8 or -9 (nor can a bit be 2).
    o = wires(c, out)[3]
    b = named(r1cs, "w.bits")[3 * n : 4 * n]
    assert no_bits_satisfy(r1cs, w, {o: -3}, b) is False  # another value in range has its bits...
    for forged in (8, -9, 100):  # ...one outside has none
        assert no_bits_satisfy(r1cs, w, {o: forged}, b)
    assert_rejects(r1cs, tamper(w, {b[0]: 2, o: 8}))
    scalar, scalar_bits = signed_bits(c := Circuit(), np.array(-3), n)  # a 0-d parameter (an ONNX scalar)
    assert scalar.shape == () and scalar_bits.shape == (n,) and int(signed(scalar.values)[0]) == -3
    with pytest.raises(WitnessError, match=r"parameter p: element 1 = 8 is outside the signed 4-bit range"):
        signed_bits(Circuit(), np.array([0, 8]), n, "parameter p")


def test_relu_of_minus_five_cannot_be_minus_five() -> None:
    n = 4
    c = Circuit()
    x = c.private_input([-5])
    y = relu(c, x, n)
    r1cs, w = c.build()
    assert int(y.value()[0]) == 0
    bits = named(r1cs, "ge.bits")
    assert len(bits) == n + 1
    assert no_bits_satisfy(r1cs, w, {wires(c, y)[0]: -5}, bits)
    assert not no_bits_satisfy(r1cs, w, {wires(c, y)[0]: 0}, bits)  # the honest output is reachable


def test_rescale_remainder_must_be_in_range() -> None:
    s, n = 3, 10
    c = Circuit()
    x = c.private_input([-37])
    q = rescale(c, x, s, n)
    r1cs, w = c.build()
    assert int(q.value()[0]) == -37 >> s  # -5, remainder 3
    (q_wire,), (rem_wire,) = named(r1cs, "rescale.q"), named(r1cs, "rescale.rem")
    rem_bits = named(r1cs, "rescale.rem.bits")
    # q one too small: remainder 3 + 8 = 2^s + 3 — no s-bit decomposition exists
    assert no_bits_satisfy(r1cs, w, {q_wire: -6, rem_wire: 11}, rem_bits)
    # q one too large: remainder 3 - 8 < 0 — wraps to a huge field element, no decomposition
    assert no_bits_satisfy(r1cs, w, {q_wire: -4, rem_wire: -5}, rem_bits)
    assert not no_bits_satisfy(r1cs, w, {}, rem_bits)


def test_comparison_cannot_be_fooled_by_wrapping_around_the_field() -> None:
    n = 4
    c = Circuit()
    a, b = c.private_input([3]), c.private_input([5])
    g = ge(c, a, b, n)
    r1cs, w = c.build()
    assert int(g.value()[0]) == 0
    bits = named(r1cs, "ge.bits")
    assert wires(c, g)[0] == bits[-1]
    # claim 3 >= 5
    assert no_bits_satisfy(r1cs, w, {bits[-1]: 1}, bits[:-1])
    # operands that wrap: a = 3 + r/2 (so a - b is "huge") — no bits work, whatever the claim
    assert no_bits_satisfy(r1cs, w, {wires(c, a)[0]: 3 + R // 2}, bits)
    # a = r - 1 (i.e. -1): honest answer 0 only
    assert no_bits_satisfy(r1cs, w, {wires(c, a)[0]: -1, bits[-1]: 1}, bits[:-1])


def test_argmax_cannot_name_a_non_maximum_or_a_later_tie() -> None:
    n = 8
    c = Circuit()
    x = c.private_input([4, 9, 2, 9])
    idx = argmax(c, x, n)
    r1cs, w = c.build()
    assert int(idx.value()) == 1  # first of the tied maxima, as numpy
    onehot, inverse = named(r1cs, "argmax.onehot"), named(r1cs, "argmax.inverse")
    for wrong in (0, 2, 3):  # 4 and 2 are not the max; 3 is a later tie
        for inv_guess in (0, 1, 12345, R - 1):
            attempt = tamper(w, {**{e: int(i == wrong) for i, e in enumerate(onehot)},
                                 **{v: inv_guess for v in inverse}})
            assert_rejects(r1cs, attempt)


def test_max_and_clamp_outputs_are_pinned() -> None:
    c = Circuit()
    x = c.private_input([7, -3])
    m = max_reduce(c, x, N)
    k = clamp(c, x, 0, 5, N)
    out_m, out_k = c.output(m, "m"), c.output(k, "k")
    r1cs, w = c.build()
    assert_solves(r1cs, w)
    assert_rejects(r1cs, tamper(w, {wires(c, out_m)[0]: -3}))
    assert_rejects(r1cs, tamper(w, {wires(c, out_k)[0]: 7}))


def test_boolean_gadget() -> None:
    c = Circuit()
    b = c.private_input([0, 1])
    boolean(c, b)
    r1cs, w = c.build()
    assert_solves(r1cs, w)
    assert_rejects(r1cs, tamper(w, {wires(c, b)[1]: 2}))


def test_witness_only_mode_builds_the_same_witness_as_the_full_build_for_every_gadget() -> None:
    """`prove` rebuilds a model's circuit witness-only (no constraints recorded; Poseidon computes
    values directly) and relies on it creating the same wires in the same order as the build the
    key was made from. Every gadget family, on 40 random draws each: the witnesses are equal byte
    for byte, and so are the wire and constraint counts."""
    for family, make in FAMILIES.items():
        for seed in range(40):
            full = make(random.Random(seed))
            fast = make(random.Random(seed), witness_only=True)
            assert full.r1cs is not None and fast.r1cs is None
            assert len(fast.witness) == full.r1cs.n_wires, (family, seed)
            assert fast.n_constraints == full.n_constraints == full.r1cs.n_constraints, (family, seed)
            assert fast.witness.values == full.witness.values, (family, full.gadget, seed)
