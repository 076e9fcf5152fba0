//! Array kernels for zkml-chain over arkworks BN254.
//!
//! This layer is deliberately thin and boring: every function takes whole arrays as byte
//! strings and returns byte strings, so data crosses the Python/Rust boundary once per call,
//! never element by element. The protocol logic (Groth16 equations, QAP reduction, file
//! formats) lives in Python; all field and curve arithmetic here is arkworks'.
//!
//! Encodings (all little-endian, canonical — never Montgomery form unless a name says so):
//! - a field element (Fr or Fq): 32 bytes, four 64-bit limbs, value below the modulus;
//! - a G1 point (affine): 64 bytes `x || y`, the point at infinity as 64 zero bytes;
//! - a G2 point (affine): 128 bytes `x.c0 || x.c1 || y.c0 || y.c1` (snarkjs JSON order, real
//!   part first; the EVM's imaginary-first order is produced in Python), infinity as zeros;
//! - an index array: little-endian u32.
//!
//! Errors are raised as `ValueError` with the position of the offending element; the Python
//! layer turns them into typed `ZkmlChainError` subclasses.

use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{pairing::Pairing, AffineRepr, CurveGroup, ScalarMul, VariableBaseMSM};
use ark_ff::{batch_inversion, BigInt, FftField, One, PrimeField, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rayon::prelude::*;

mod ceremony;

pub(crate) const FE: usize = 32;
pub(crate) const G1_BYTES: usize = 64;
pub(crate) const G2_BYTES: usize = 128;

pub(crate) type KResult<T> = Result<T, String>;

// ---------------------------------------------------------------------------------------------
// Encoding helpers
// ---------------------------------------------------------------------------------------------

fn limbs(b: &[u8]) -> BigInt<4> {
    let mut l = [0u64; 4];
    for (i, limb) in l.iter_mut().enumerate() {
        *limb = u64::from_le_bytes(b[i * 8..i * 8 + 8].try_into().unwrap());
    }
    BigInt::new(l)
}

pub(crate) fn put_limbs(out: &mut [u8], b: &BigInt<4>) {
    for i in 0..4 {
        out[i * 8..i * 8 + 8].copy_from_slice(&b.0[i].to_le_bytes());
    }
}

pub(crate) fn count(b: &[u8], size: usize, what: &str) -> KResult<usize> {
    if b.len() % size != 0 {
        return Err(format!(
            "{what}: byte length {} is not a multiple of {size}",
            b.len()
        ));
    }
    Ok(b.len() / size)
}

fn first_err<T: Send>(items: Vec<Result<T, usize>>, what: &str, msg: &str) -> KResult<Vec<T>> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Ok(v) => out.push(v),
            Err(i) => return Err(format!("{what}: element {i} {msg}")),
        }
    }
    Ok(out)
}

pub(crate) fn decode_fr(b: &[u8], what: &str) -> KResult<Vec<Fr>> {
    count(b, FE, what)?;
    let items: Vec<Result<Fr, usize>> = b
        .par_chunks_exact(FE)
        .enumerate()
        .map(|(i, c)| Fr::from_bigint(limbs(c)).ok_or(i))
        .collect();
    first_err(items, what, "is not below the scalar field modulus r")
}

fn decode_scalars(b: &[u8], what: &str) -> KResult<Vec<BigInt<4>>> {
    count(b, FE, what)?;
    let items: Vec<Result<BigInt<4>, usize>> = b
        .par_chunks_exact(FE)
        .enumerate()
        .map(|(i, c)| {
            let v = limbs(c);
            if v < Fr::MODULUS {
                Ok(v)
            } else {
                Err(i)
            }
        })
        .collect();
    first_err(items, what, "is not below the scalar field modulus r")
}

fn encode_fr(v: &[Fr]) -> Vec<u8> {
    let mut out = vec![0u8; v.len() * FE];
    out.par_chunks_exact_mut(FE)
        .zip(v.par_iter())
        .for_each(|(o, x)| put_limbs(o, &x.into_bigint()));
    out
}

fn fq_at(b: &[u8]) -> Option<Fq> {
    Fq::from_bigint(limbs(b))
}

fn g1_at(b: &[u8]) -> Option<G1Affine> {
    let x = fq_at(&b[0..FE])?;
    let y = fq_at(&b[FE..2 * FE])?;
    if x.is_zero() && y.is_zero() {
        return Some(G1Affine::identity());
    }
    Some(G1Affine::new_unchecked(x, y))
}

pub(crate) fn g2_at(b: &[u8]) -> Option<G2Affine> {
    let x = Fq2::new(fq_at(&b[0..FE])?, fq_at(&b[FE..2 * FE])?);
    let y = Fq2::new(fq_at(&b[2 * FE..3 * FE])?, fq_at(&b[3 * FE..4 * FE])?);
    if x.is_zero() && y.is_zero() {
        return Some(G2Affine::identity());
    }
    Some(G2Affine::new_unchecked(x, y))
}

/// Decode G1 points; coordinates must be below q. `check` also demands on-curve points.
pub(crate) fn decode_g1(b: &[u8], what: &str, check: bool) -> KResult<Vec<G1Affine>> {
    count(b, G1_BYTES, what)?;
    let items: Vec<Result<G1Affine, usize>> = b
        .par_chunks_exact(G1_BYTES)
        .enumerate()
        .map(|(i, c)| match g1_at(c) {
            Some(p) if !check || valid_g1(&p) => Ok(p),
            _ => Err(i),
        })
        .collect();
    first_err(items, what, "is not a valid G1 point (coordinate >= q or not on the curve)")
}

pub(crate) fn decode_g2(b: &[u8], what: &str, check: bool) -> KResult<Vec<G2Affine>> {
    count(b, G2_BYTES, what)?;
    let items: Vec<Result<G2Affine, usize>> = b
        .par_chunks_exact(G2_BYTES)
        .enumerate()
        .map(|(i, c)| match g2_at(c) {
            Some(p) if !check || valid_g2(&p) => Ok(p),
            _ => Err(i),
        })
        .collect();
    first_err(
        items,
        what,
        "is not a valid G2 point (coordinate >= q, not on the curve, or outside the subgroup)",
    )
}

/// G2 points with coordinates below q and on the curve, without the per-point subgroup check
/// (a scalar multiplication each, most of a kernel's time on large sections): for kernels whose
/// callers check membership of the whole array at once (`curve.validate_g2_array`, batched).
pub(crate) fn decode_g2_on_curve(b: &[u8], what: &str) -> KResult<Vec<G2Affine>> {
    count(b, G2_BYTES, what)?;
    let items: Vec<Result<G2Affine, usize>> = b
        .par_chunks_exact(G2_BYTES)
        .enumerate()
        .map(|(i, c)| match g2_at(c) {
            Some(p) if p.is_zero() || p.is_on_curve() => Ok(p),
            _ => Err(i),
        })
        .collect();
    first_err(items, what, "is not a G2 curve point (coordinate >= q or not on the curve)")
}

fn valid_g1(p: &G1Affine) -> bool {
    p.is_zero() || (p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve())
}

fn valid_g2(p: &G2Affine) -> bool {
    p.is_zero() || (p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve())
}

fn put_g1(out: &mut [u8], p: &G1Affine) {
    if p.is_zero() {
        out.fill(0);
    } else {
        put_limbs(&mut out[0..FE], &p.x.into_bigint());
        put_limbs(&mut out[FE..2 * FE], &p.y.into_bigint());
    }
}

fn put_g2(out: &mut [u8], p: &G2Affine) {
    if p.is_zero() {
        out.fill(0);
    } else {
        put_limbs(&mut out[0..FE], &p.x.c0.into_bigint());
        put_limbs(&mut out[FE..2 * FE], &p.x.c1.into_bigint());
        put_limbs(&mut out[2 * FE..3 * FE], &p.y.c0.into_bigint());
        put_limbs(&mut out[3 * FE..4 * FE], &p.y.c1.into_bigint());
    }
}

pub(crate) fn encode_g1(v: &[G1Affine]) -> Vec<u8> {
    let mut out = vec![0u8; v.len() * G1_BYTES];
    out.par_chunks_exact_mut(G1_BYTES)
        .zip(v.par_iter())
        .for_each(|(o, p)| put_g1(o, p));
    out
}

pub(crate) fn encode_g2(v: &[G2Affine]) -> Vec<u8> {
    let mut out = vec![0u8; v.len() * G2_BYTES];
    out.par_chunks_exact_mut(G2_BYTES)
        .zip(v.par_iter())
        .for_each(|(o, p)| put_g2(o, p));
    out
}

pub(crate) fn one_fr(b: &[u8], what: &str) -> KResult<Fr> {
    if b.len() != FE {
        return Err(format!("{what}: expected {FE} bytes, got {}", b.len()));
    }
    Fr::from_bigint(limbs(b)).ok_or_else(|| format!("{what}: not below the scalar field modulus r"))
}

pub(crate) fn same_len(a: usize, b: usize, what: &str) -> KResult<()> {
    if a != b {
        return Err(format!("{what}: lengths differ ({a} vs {b})"));
    }
    Ok(())
}

pub(crate) fn bytes_out<'py>(py: Python<'py>, r: KResult<Vec<u8>>) -> PyResult<Bound<'py, PyBytes>> {
    r.map(|v| PyBytes::new(py, &v)).map_err(PyValueError::new_err)
}

// ---------------------------------------------------------------------------------------------
// Scalar field Fr: batched element-wise operations, NTT, Lagrange coefficients
// ---------------------------------------------------------------------------------------------

/// Index of the first element >= r, or -1 when all are canonical.
#[pyfunction]
fn fr_first_noncanonical(values: &[u8]) -> PyResult<i64> {
    count(values, FE, "values").map_err(PyValueError::new_err)?;
    Ok(values
        .par_chunks_exact(FE)
        .position_first(|c| limbs(c) >= Fr::MODULUS)
        .map(|i| i as i64)
        .unwrap_or(-1))
}

fn binary_op(a: &[u8], b: &[u8], op: fn(&Fr, &Fr) -> Fr) -> KResult<Vec<u8>> {
    let x = decode_fr(a, "a")?;
    let y = decode_fr(b, "b")?;
    let out: Vec<Fr> = if y.len() == 1 {
        let c = y[0];
        x.par_iter().map(|v| op(v, &c)).collect()
    } else {
        same_len(x.len(), y.len(), "fr op")?;
        x.par_iter().zip(y.par_iter()).map(|(u, v)| op(u, v)).collect()
    };
    Ok(encode_fr(&out))
}

/// Element-wise a * b mod r (b may hold a single element, broadcast to all of a).
#[pyfunction]
fn fr_mul<'py>(py: Python<'py>, a: &[u8], b: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let r = py.allow_threads(|| binary_op(a, b, |u, v| *u * v));
    bytes_out(py, r)
}

/// Element-wise a + b mod r (b may be a single element).
#[pyfunction]
fn fr_add<'py>(py: Python<'py>, a: &[u8], b: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let r = py.allow_threads(|| binary_op(a, b, |u, v| *u + v));
    bytes_out(py, r)
}

/// Element-wise a - b mod r (b may be a single element).
#[pyfunction]
fn fr_sub<'py>(py: Python<'py>, a: &[u8], b: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let r = py.allow_threads(|| binary_op(a, b, |u, v| *u - v));
    bytes_out(py, r)
}

/// Element-wise inverse (Montgomery's batch trick); zero has no inverse and is an error.
#[pyfunction]
fn fr_inv<'py>(py: Python<'py>, a: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let r = py.allow_threads(|| {
        let mut x = decode_fr(a, "a")?;
        if let Some(i) = x.iter().position(|v| v.is_zero()) {
            return Err(format!("a: element {i} is zero and has no inverse"));
        }
        batch_inversion(&mut x);
        Ok(encode_fr(&x))
    });
    bytes_out(py, r)
}

/// A primitive n-th root of unity of Fr (n a power of two up to 2^28), as used by circom/snarkjs
/// (powers of the 2^28-th root 5^((r-1)/2^28)).
#[pyfunction]
fn fr_root_of_unity<'py>(py: Python<'py>, n: u64) -> PyResult<Bound<'py, PyBytes>> {
    let r = Fr::get_root_of_unity(n)
        .ok_or_else(|| format!("no root of unity of order {n} in Fr (need a power of two <= 2^28)"))
        .map(|w| encode_fr(&[w]));
    bytes_out(py, r)
}

fn domain(n: usize) -> KResult<Radix2EvaluationDomain<Fr>> {
    if n == 0 || !n.is_power_of_two() {
        return Err(format!("NTT size {n} is not a power of two"));
    }
    Radix2EvaluationDomain::<Fr>::new(n).ok_or_else(|| format!("NTT size {n} exceeds 2^28"))
}

/// Number-theoretic transform over the subgroup of size len(values) (a power of two).
/// Forward: coefficients -> evaluations at `coset * w^i`; inverse: the reverse.
#[pyfunction]
#[pyo3(signature = (values, inverse=false, coset=None))]
fn ntt<'py>(
    py: Python<'py>,
    values: &[u8],
    inverse: bool,
    coset: Option<&[u8]>,
) -> PyResult<Bound<'py, PyBytes>> {
    let r = py.allow_threads(|| {
        let mut v = decode_fr(values, "values")?;
        let mut d = domain(v.len())?;
        if let Some(c) = coset {
            let g = one_fr(c, "coset")?;
            if g.is_zero() {
                return Err("coset: the shift must be non-zero".into());
            }
            d = d.get_coset(g).ok_or("coset: arkworks refused the coset")?;
        }
        if inverse {
            d.ifft_in_place(&mut v);
        } else {
            d.fft_in_place(&mut v);
        }
        Ok(encode_fr(&v))
    });
    bytes_out(py, r)
}

/// The n Lagrange basis polynomials of the size-n subgroup, evaluated at tau.
#[pyfunction]
fn lagrange_coefficients<'py>(py: Python<'py>, n: usize, tau: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let r = py.allow_threads(|| {
        let t = one_fr(tau, "tau")?;
        let d = domain(n)?;
        Ok(encode_fr(&d.evaluate_all_lagrange_coefficients(t)))
    });
    bytes_out(py, r)
}

/// Sparse matrix (coordinate format) times vector: out[rows[k]] += coeffs[k] * vector[cols[k]].
#[pyfunction]
fn sparse_matvec<'py>(
    py: Python<'py>,
    n_rows: usize,
    rows: &[u8],
    cols: &[u8],
    coeffs: &[u8],
    vector: &[u8],
) -> PyResult<Bound<'py, PyBytes>> {
    let r = py.allow_threads(|| {
        let nnz = count(rows, 4, "rows")?;
        same_len(nnz, count(cols, 4, "cols")?, "rows/cols")?;
        let c = decode_fr(coeffs, "coeffs")?;
        same_len(nnz, c.len(), "rows/coeffs")?;
        let w = decode_fr(vector, "vector")?;
        let mut out = vec![Fr::zero(); n_rows];
        for k in 0..nnz {
            let row = u32::from_le_bytes(rows[4 * k..4 * k + 4].try_into().unwrap()) as usize;
            let col = u32::from_le_bytes(cols[4 * k..4 * k + 4].try_into().unwrap()) as usize;
            if row >= n_rows {
                return Err(format!("entry {k}: row {row} out of range ({n_rows} rows)"));
            }
            if col >= w.len() {
                return Err(format!("entry {k}: column {col} out of range ({} columns)", w.len()));
            }
            out[row] += c[k] * w[col];
        }
        Ok(encode_fr(&out))
    });
    bytes_out(py, r)
}

// ---------------------------------------------------------------------------------------------
// Montgomery-form conversions (snarkjs .zkey stores points and coefficients in Montgomery form)
// ---------------------------------------------------------------------------------------------

fn fq_mont_convert(b: &[u8], to_mont: bool, what: &str) -> KResult<Vec<u8>> {
    count(b, FE, what)?;
    let mut out = vec![0u8; b.len()];
    let bad = out
        .par_chunks_exact_mut(FE)
        .zip(b.par_chunks_exact(FE))
        .enumerate()
        .filter_map(|(i, (o, c))| {
            let v = limbs(c);
            if v >= Fq::MODULUS {
                return Some(i);
            }
            // arkworks keeps elements in Montgomery form: `.0` is x*R mod q, and
            // `new_unchecked` takes such a representation as it is.
            let r = if to_mont { Fq::from_bigint(v).unwrap().0 } else { Fq::new_unchecked(v).into_bigint() };
            put_limbs(o, &r);
            None
        })
        .min();
    match bad {
        Some(i) => Err(format!("{what}: element {i} is not below the field modulus q")),
        None => Ok(out),
    }
}

/// Canonical Fq elements -> Montgomery form (x*2^256 mod q), e.g. to write .zkey points.
#[pyfunction]
fn fq_to_montgomery<'py>(py: Python<'py>, values: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let r = py.allow_threads(|| fq_mont_convert(values, true, "values"));
    bytes_out(py, r)
}

/// Montgomery-form Fq elements -> canonical, e.g. to read .zkey points.
#[pyfunction]
fn fq_from_montgomery<'py>(py: Python<'py>, values: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let r = py.allow_threads(|| fq_mont_convert(values, false, "values"));
    bytes_out(py, r)
}

// ---------------------------------------------------------------------------------------------
// Curve groups: MSM, fixed-base batch multiplication, single-point operations, validation
// ---------------------------------------------------------------------------------------------

/// Multi-scalar multiplication sum_i scalars[i] * points[i] in G1 (Pippenger, rayon).
#[pyfunction]
fn g1_msm<'py>(py: Python<'py>, points: &[u8], scalars: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let r = py.allow_threads(|| {
        let bases = decode_g1(points, "points", false)?;
        let s = decode_scalars(scalars, "scalars")?;
        same_len(bases.len(), s.len(), "points/scalars")?;
        let p = G1Projective::msm_bigint(&bases, &s).into_affine();
        Ok(encode_g1(&[p]))
    });
    bytes_out(py, r)
}

/// Multi-scalar multiplication in G2.
#[pyfunction]
fn g2_msm<'py>(py: Python<'py>, points: &[u8], scalars: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let r = py.allow_threads(|| {
        let bases = decode_g2(points, "points", false)?;
        let s = decode_scalars(scalars, "scalars")?;
        same_len(bases.len(), s.len(), "points/scalars")?;
        let p = G2Projective::msm_bigint(&bases, &s).into_affine();
        Ok(encode_g2(&[p]))
    });
    bytes_out(py, r)
}

/// [s_0 * base, s_1 * base, ...] in G1 with a precomputed window table (trusted setup).
#[pyfunction]
fn g1_batch_mul<'py>(py: Python<'py>, base: &[u8], scalars: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let r = py.allow_threads(|| {
        let b = decode_g1(base, "base", true)?;
        same_len(b.len(), 1, "base")?;
        let s = decode_fr(scalars, "scalars")?;
        Ok(encode_g1(&G1Projective::from(b[0]).batch_mul(&s)))
    });
    bytes_out(py, r)
}

/// [s_0 * base, s_1 * base, ...] in G2.
#[pyfunction]
fn g2_batch_mul<'py>(py: Python<'py>, base: &[u8], scalars: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let r = py.allow_threads(|| {
        let b = decode_g2(base, "base", true)?;
        same_len(b.len(), 1, "base")?;
        let s = decode_fr(scalars, "scalars")?;
        Ok(encode_g2(&G2Projective::from(b[0]).batch_mul(&s)))
    });
    bytes_out(py, r)
}

/// Sum of the given G1 points.
#[pyfunction]
fn g1_sum<'py>(py: Python<'py>, points: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let r = decode_g1(points, "points", true).map(|v| {
        let s: G1Projective = v.iter().map(|p| p.into_group()).sum();
        encode_g1(&[s.into_affine()])
    });
    bytes_out(py, r)
}

/// Sum of the given G2 points.
#[pyfunction]
fn g2_sum<'py>(py: Python<'py>, points: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let r = decode_g2(points, "points", true).map(|v| {
        let s: G2Projective = v.iter().map(|p| p.into_group()).sum();
        encode_g2(&[s.into_affine()])
    });
    bytes_out(py, r)
}

/// Negation of each G1 point.
#[pyfunction]
fn g1_neg<'py>(py: Python<'py>, points: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let r = decode_g1(points, "points", true).map(|v| {
        let n: Vec<G1Affine> = v.iter().map(|p| -*p).collect();
        encode_g1(&n)
    });
    bytes_out(py, r)
}

/// Index of the first invalid G1 point (coordinate >= q or off the curve), or -1.
#[pyfunction]
fn g1_first_invalid(points: &[u8]) -> PyResult<i64> {
    count(points, G1_BYTES, "points").map_err(PyValueError::new_err)?;
    Ok(points
        .par_chunks_exact(G1_BYTES)
        .position_first(|c| !g1_at(c).map(|p| valid_g1(&p)).unwrap_or(false))
        .map(|i| i as i64)
        .unwrap_or(-1))
}

/// Index of the first invalid G2 point (coordinate >= q, off the curve, or outside the
/// prime-order subgroup — G2 has a large cofactor), or -1.
#[pyfunction]
fn g2_first_invalid(points: &[u8]) -> PyResult<i64> {
    count(points, G2_BYTES, "points").map_err(PyValueError::new_err)?;
    Ok(points
        .par_chunks_exact(G2_BYTES)
        .position_first(|c| !g2_at(c).map(|p| valid_g2(&p)).unwrap_or(false))
        .map(|i| i as i64)
        .unwrap_or(-1))
}

// ---------------------------------------------------------------------------------------------
// Pairings
// ---------------------------------------------------------------------------------------------

/// True when prod_i e(g1[i], g2[i]) == 1 (one multi-Miller loop, one final exponentiation).
/// Every point is validated (on curve, in subgroup) first.
#[pyfunction]
fn pairing_product_is_one(py: Python<'_>, g1: &[u8], g2: &[u8]) -> PyResult<bool> {
    py.allow_threads(|| -> KResult<bool> {
        let a = decode_g1(g1, "g1", true)?;
        let b = decode_g2(g2, "g2", true)?;
        same_len(a.len(), b.len(), "g1/g2")?;
        Ok(Bn254::multi_pairing(a, b).0.is_one())
    })
    .map_err(PyValueError::new_err)
}

/// e(g1, g2) as 12 canonical Fq elements, in the tower order snarkjs uses for
/// `vk_alphabeta_12`: [[c0.c0.c0, c0.c0.c1], [c0.c1.c0, ...], ...].
#[pyfunction]
fn pairing<'py>(py: Python<'py>, g1: &[u8], g2: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let r = (|| {
        let a = decode_g1(g1, "g1", true)?;
        let b = decode_g2(g2, "g2", true)?;
        same_len(a.len(), 1, "g1")?;
        same_len(b.len(), 1, "g2")?;
        let f = Bn254::pairing(a[0], b[0]).0;
        let mut out = vec![0u8; 12 * FE];
        let mut k = 0;
        for f6 in [f.c0, f.c1] {
            for f2 in [f6.c0, f6.c1, f6.c2] {
                for x in [f2.c0, f2.c1] {
                    put_limbs(&mut out[k * FE..(k + 1) * FE], &x.into_bigint());
                    k += 1;
                }
            }
        }
        Ok(out)
    })();
    bytes_out(py, r)
}

/// Number of worker threads the kernels use (rayon's pool; RAYON_NUM_THREADS overrides).
#[pyfunction]
fn num_threads() -> usize {
    rayon::current_num_threads()
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(fr_first_noncanonical, m)?)?;
    m.add_function(wrap_pyfunction!(fr_mul, m)?)?;
    m.add_function(wrap_pyfunction!(fr_add, m)?)?;
    m.add_function(wrap_pyfunction!(fr_sub, m)?)?;
    m.add_function(wrap_pyfunction!(fr_inv, m)?)?;
    m.add_function(wrap_pyfunction!(fr_root_of_unity, m)?)?;
    m.add_function(wrap_pyfunction!(ntt, m)?)?;
    m.add_function(wrap_pyfunction!(lagrange_coefficients, m)?)?;
    m.add_function(wrap_pyfunction!(sparse_matvec, m)?)?;
    m.add_function(wrap_pyfunction!(fq_to_montgomery, m)?)?;
    m.add_function(wrap_pyfunction!(fq_from_montgomery, m)?)?;
    m.add_function(wrap_pyfunction!(g1_msm, m)?)?;
    m.add_function(wrap_pyfunction!(g2_msm, m)?)?;
    m.add_function(wrap_pyfunction!(g1_batch_mul, m)?)?;
    m.add_function(wrap_pyfunction!(g2_batch_mul, m)?)?;
    m.add_function(wrap_pyfunction!(g1_sum, m)?)?;
    m.add_function(wrap_pyfunction!(g2_sum, m)?)?;
    m.add_function(wrap_pyfunction!(g1_neg, m)?)?;
    m.add_function(wrap_pyfunction!(g1_first_invalid, m)?)?;
    m.add_function(wrap_pyfunction!(g2_first_invalid, m)?)?;
    m.add_function(wrap_pyfunction!(pairing_product_is_one, m)?)?;
    m.add_function(wrap_pyfunction!(pairing, m)?)?;
    m.add_function(wrap_pyfunction!(num_threads, m)?)?;
    ceremony::register(m)?;
    Ok(())
}
