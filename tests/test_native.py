"""The native kernels against independent references (plain Python ints and py_ecc)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from py_ecc import optimized_bn128 as ob

from zkml_chain import _native
from zkml_chain.curve import G1_GENERATOR, G2_GENERATOR, G1Point, G2Point, g1_msm, g2_msm, pairing_product_is_one
from zkml_chain.field import Q, R, from_bytes, to_bytes

fr = st.integers(min_value=0, max_value=R - 1)


def to_pyecc_g1(p: G1Point):
    return (ob.FQ(p.x), ob.FQ(p.y), ob.FQ(1))


def to_pyecc_g2(p: G2Point):
    return (ob.FQ2([p.x[0], p.x[1]]), ob.FQ2([p.y[0], p.y[1]]), ob.FQ2([1, 0]))


def from_pyecc_g1(p) -> G1Point:
    x, y = ob.normalize(p)
    return G1Point(int(x), int(y))


def from_pyecc_g2(p) -> G2Point:
    x, y = ob.normalize(p)
    return G2Point((int(x.coeffs[0]), int(x.coeffs[1])), (int(y.coeffs[0]), int(y.coeffs[1])))


def test_generators_match_py_ecc():
    assert from_pyecc_g1(ob.G1) == G1_GENERATOR
    assert from_pyecc_g2(ob.G2) == G2_GENERATOR


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(fr, fr), min_size=1, max_size=20))
def test_batched_field_ops_match_python(pairs):
    a = to_bytes([x for x, _ in pairs])
    b = to_bytes([y for _, y in pairs])
    assert from_bytes(_native.fr_mul(a, b)) == [x * y % R for x, y in pairs]
    assert from_bytes(_native.fr_add(a, b)) == [(x + y) % R for x, y in pairs]
    assert from_bytes(_native.fr_sub(a, b)) == [(x - y) % R for x, y in pairs]
    nonzero = [x for x, _ in pairs if x]
    if nonzero:
        assert from_bytes(_native.fr_inv(to_bytes(nonzero))) == [pow(x, -1, R) for x in nonzero]


def test_noncanonical_inputs_are_rejected_with_position():
    data = to_bytes([1, 2]) + R.to_bytes(32, "little")
    assert _native.fr_first_noncanonical(data) == 2
    with pytest.raises(ValueError, match="element 2"):
        _native.fr_mul(data, to_bytes([1]))
    with pytest.raises(ValueError, match="element 0 is zero"):
        _native.fr_inv(to_bytes([0]))


def naive_dft(coeffs: list[int], omega: int, shift: int = 1) -> list[int]:
    n = len(coeffs)
    return [sum(c * pow(shift * pow(omega, i, R), j, R) for j, c in enumerate(coeffs)) % R for i in range(n)]


@pytest.mark.parametrize("n", [1, 2, 8, 32])
def test_ntt_matches_naive_dft_and_inverts(n):
    rng = random.Random(n)
    coeffs = [rng.randrange(R) for _ in range(n)]
    omega = int.from_bytes(_native.fr_root_of_unity(n), "little")
    assert pow(omega, n, R) == 1 and (n == 1 or pow(omega, n // 2, R) != 1)
    evals = from_bytes(_native.ntt(to_bytes(coeffs)))
    assert evals == naive_dft(coeffs, omega)
    shift = int.from_bytes(_native.fr_root_of_unity(2 * n), "little")
    coset = from_bytes(_native.ntt(to_bytes(coeffs), coset=to_bytes([shift])))
    assert coset == naive_dft(coeffs, omega, shift)
    assert from_bytes(_native.ntt(to_bytes(evals), inverse=True)) == coeffs


def test_root_of_unity_is_circoms():
    # snarkjs/ffjavascript: w[28] = 5^((r-1)/2^28); smaller orders are its powers.
    w28 = pow(5, (R - 1) >> 28, R)
    assert int.from_bytes(_native.fr_root_of_unity(1 << 28), "little") == w28
    assert int.from_bytes(_native.fr_root_of_unity(1 << 10), "little") == pow(w28, 1 << 18, R)


def test_lagrange_coefficients_interpolate():
    n, tau = 8, 123456789
    lag = from_bytes(_native.lagrange_coefficients(n, to_bytes([tau])))
    omega = int.from_bytes(_native.fr_root_of_unity(n), "little")
    # sum_i L_i(tau) * p(w^i) == p(tau) for p(X) = 3 + 5X + 7X^5
    p = lambda x: (3 + 5 * x + 7 * pow(x, 5, R)) % R  # noqa: E731
    assert sum(lag[i] * p(pow(omega, i, R)) for i in range(n)) % R == p(tau)


def test_sparse_matvec():
    rows = (0).to_bytes(4, "little") + (2).to_bytes(4, "little") + (0).to_bytes(4, "little")
    cols = (1).to_bytes(4, "little") + (0).to_bytes(4, "little") + (2).to_bytes(4, "little")
    out = _native.sparse_matvec(3, rows, cols, to_bytes([2, 3, R - 1]), to_bytes([10, 20, 30]))
    assert from_bytes(out) == [(2 * 20 - 30) % R, 0, 30]
    with pytest.raises(ValueError, match="row 2 out of range"):
        _native.sparse_matvec(2, rows, cols, to_bytes([2, 3, 4]), to_bytes([10, 20, 30]))


@settings(max_examples=5, deadline=None)
@given(st.lists(fr, min_size=1, max_size=6))
def test_msm_matches_py_ecc(scalars):
    pts1 = [ob.multiply(ob.G1, i + 2) for i in range(len(scalars))]
    pts2 = [ob.multiply(ob.G2, i + 3) for i in range(len(scalars))]
    exp1 = ob.Z1
    exp2 = ob.Z2
    for s, p1, p2 in zip(scalars, pts1, pts2):
        exp1 = ob.add(exp1, ob.multiply(p1, s))
        exp2 = ob.add(exp2, ob.multiply(p2, s))
    packed1 = b"".join(from_pyecc_g1(p).to_bytes() for p in pts1)
    packed2 = b"".join(from_pyecc_g2(p).to_bytes() for p in pts2)
    got1 = g1_msm(packed1, to_bytes(scalars))
    got2 = g2_msm(packed2, to_bytes(scalars))
    assert got1 == (G1Point(0, 0) if ob.is_inf(exp1) else from_pyecc_g1(exp1))
    assert got2 == (G2Point((0, 0), (0, 0)) if ob.is_inf(exp2) else from_pyecc_g2(exp2))


def test_fixed_base_batch_mul():
    ks = [0, 1, 2, R - 1, 987654321]
    got = _native.g1_batch_mul(G1_GENERATOR.to_bytes(), to_bytes(ks))
    for i, k in enumerate(ks):
        exp = ob.multiply(ob.G1, k)
        p = G1Point.from_bytes(got[64 * i : 64 * i + 64])
        assert p == (G1Point(0, 0) if ob.is_inf(exp) else from_pyecc_g1(exp))


def test_pairing_product_bilinearity():
    a, b = 1234567, 7654321
    p, q = G1_GENERATOR * a, G2_GENERATOR * b
    # e(aG, bH) * e(-abG, H) == 1
    assert pairing_product_is_one([(p, q), (-(G1_GENERATOR * (a * b)), G2_GENERATOR)])
    assert not pairing_product_is_one([(p, q), (-(G1_GENERATOR * (a * b + 1)), G2_GENERATOR)])


def fq2_sqrt(a):
    """Square root in Fq2 (q = 3 mod 4), Algorithm 9 of Adj and Rodriguez-Henriquez."""
    a1 = a ** ((Q - 3) // 4)
    alpha = a1 * a1 * a
    a0 = alpha ** Q * alpha
    if a0 == ob.FQ2([Q - 1, 0]):
        return None
    x0 = a1 * a
    if alpha == ob.FQ2([Q - 1, 0]):
        return ob.FQ2([0, 1]) * x0
    return ((ob.FQ2([1, 0]) + alpha) ** ((Q - 1) // 2)) * x0


def twist_point_outside_subgroup() -> G2Point:
    for x0 in range(1, 100):
        x = ob.FQ2([x0, 1])
        y = fq2_sqrt(x**3 + ob.b2)
        if y is not None and y * y == x**3 + ob.b2:
            p = G2Point((x0, 1), (int(y.coeffs[0]), int(y.coeffs[1])))
            if not ob.is_inf(ob.multiply((x, y, ob.FQ2([1, 0])), R)):
                return p
    raise AssertionError("no point found")


def test_point_validation():
    good1 = G1_GENERATOR * 5
    assert good1.is_valid()
    assert not G1Point(1, 3).is_valid()  # off the curve
    assert not G1Point(good1.x + Q, good1.y).is_valid()  # coordinate >= q
    good2 = G2_GENERATOR * 5
    assert good2.is_valid()
    assert not G2Point(good2.x, (good2.y[0], good2.y[1] + 1)).is_valid()  # off the twist
    outside = twist_point_outside_subgroup()
    assert not outside.is_valid()  # on the twist, wrong subgroup
    with pytest.raises(ValueError, match="G2"):
        _native.pairing_product_is_one(G1_GENERATOR.to_bytes(), outside.to_bytes())


def test_montgomery_roundtrip():
    vals = [0, 1, 2, Q - 1, 1234567890123456789]
    mont = from_bytes(_native.fq_to_montgomery(to_bytes(vals, modulus=Q)))
    assert mont == [v * pow(2, 256, Q) % Q for v in vals]
    assert from_bytes(_native.fq_from_montgomery(to_bytes(mont, modulus=Q))) == vals


# --- the runtime every kernel goes through: panics, the GIL, the thread pool ----------------------


@pytest.mark.parametrize("in_pool", [False, True])
def test_a_panicking_kernel_raises_runtime_error_not_a_base_exception(in_pool: bool) -> None:
    """pyo3 raises a Rust panic as PanicException, a BaseException that `except Exception` (the
    CLI's last line of defence) does not catch; the kernels turn it into RuntimeError, also when
    the panic happens on a pool thread."""
    with pytest.raises(RuntimeError, match="native kernel _test_panic panicked: deliberate panic"):
        _native._test_panic(in_pool)


def test_the_thread_count_is_set_from_python_and_results_do_not_change() -> None:
    before = _native.num_threads()
    points = b"".join((G1_GENERATOR * (i + 3)).to_bytes() for i in range(200))
    scalars = to_bytes([random.Random(4).randrange(R) for _ in range(200)])
    reference = _native.g1_msm(points, scalars)
    try:
        _native.set_num_threads(1)
        assert _native.num_threads() == 1
        assert _native.g1_msm(points, scalars) == reference
        _native.set_num_threads(3)
        assert _native.num_threads() == 3
        assert _native.g1_msm(points, scalars) == reference
    finally:
        _native.set_num_threads(before)
    assert _native.num_threads() == before


def test_kernels_release_the_gil() -> None:
    """While a long MSM runs in one Python thread, another keeps running Python code."""
    import threading
    import time

    n = 1 << 17
    points = (G1_GENERATOR * 5).to_bytes() * n
    scalars = to_bytes([R - 1 - i for i in range(n)])
    done = threading.Event()
    ticks = 0

    def work() -> None:
        for _ in range(3):
            _native.g1_msm(points, scalars)
        done.set()

    t = threading.Thread(target=work)
    start = time.perf_counter()
    t.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    t.join()
    elapsed = time.perf_counter() - start
    # with the GIL held: ~0 ticks; released, most of elapsed / 1 ms (the bound allows a loaded machine)
    assert elapsed > 0.05 and ticks > elapsed / 0.001 / 20, (ticks, elapsed)


def test_resident_bases_validate_once_and_match_the_one_shot_msm() -> None:
    rng = random.Random(9)
    g1 = b"".join((G1_GENERATOR * rng.randrange(1, R)).to_bytes() for _ in range(50))
    g2 = b"".join((G2_GENERATOR * rng.randrange(1, R)).to_bytes() for _ in range(20))
    s = to_bytes([rng.randrange(R) for _ in range(50)])
    a, b = _native.G1Bases(g1, "A"), _native.G2Bases(g2, "B2")
    assert len(a) == 50 and len(b) == 20
    assert a.msm(s) == _native.g1_msm(g1, s)
    assert a.msm(s[: 10 * 32]) == _native.g1_msm(g1[: 10 * 64], s[: 10 * 32])  # a prefix of the points
    assert b.msm(s[: 20 * 32]) == _native.g2_msm(g2, s[: 20 * 32])
    # the batch-affine kernel (default) and arkworks' reference agree (the Rust tests cover the edge cases)
    assert a.msm(s, kernel="arkworks") == a.msm(s) and b.msm(s[:640], kernel="arkworks") == b.msm(s[:640])
    with pytest.raises(ValueError, match='unknown MSM kernel "fast"'):
        a.msm(s, kernel="fast")
    with pytest.raises(ValueError, match="51 scalars for 50 points"):
        a.msm(s + s[:32])
    off = bytearray(g1)
    off[7 * 64] ^= 1
    with pytest.raises(ValueError, match="A: element 7 is not a valid G1 point"):
        _native.G1Bases(bytes(off), "A")
