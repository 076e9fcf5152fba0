//! The scalar field Fr (and Fq's Montgomery form): batched element-wise operations, roots of
//! unity, sparse matrix-vector products.

use ark_bn254::{Fq, Fr};
use ark_ff::{batch_inversion, FftField, PrimeField, Zero};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rayon::prelude::*;

use crate::encoding::{count, decode_fr, encode_fr, first_failing, limbs, put_limbs, same_len, KResult, FE};
use crate::runtime::{run, run_bytes};

/// Index of the first element >= r, or -1 when all are canonical.
#[pyfunction]
fn fr_first_noncanonical(py: Python<'_>, values: &[u8]) -> PyResult<i64> {
    run(py, "fr_first_noncanonical", || first_failing(values, FE, "values", |c| limbs(c) < Fr::MODULUS))
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
    run_bytes(py, "fr_mul", || binary_op(a, b, |u, v| *u * v))
}

/// Element-wise a + b mod r (b may be a single element).
#[pyfunction]
fn fr_add<'py>(py: Python<'py>, a: &[u8], b: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    run_bytes(py, "fr_add", || binary_op(a, b, |u, v| *u + v))
}

/// Element-wise a - b mod r (b may be a single element).
#[pyfunction]
fn fr_sub<'py>(py: Python<'py>, a: &[u8], b: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    run_bytes(py, "fr_sub", || binary_op(a, b, |u, v| *u - v))
}

/// Element-wise inverse (Montgomery's batch trick); zero has no inverse and is an error.
#[pyfunction]
fn fr_inv<'py>(py: Python<'py>, a: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    run_bytes(py, "fr_inv", || {
        let mut x = decode_fr(a, "a")?;
        if let Some(i) = x.iter().position(|v| v.is_zero()) {
            return Err(format!("a: element {i} is zero and has no inverse"));
        }
        batch_inversion(&mut x);
        Ok(encode_fr(&x))
    })
}

/// A primitive n-th root of unity of Fr (n a power of two up to 2^28), as used by circom/snarkjs
/// (powers of the 2^28-th root 5^((r-1)/2^28)).
#[pyfunction]
fn fr_root_of_unity<'py>(py: Python<'py>, n: u64) -> PyResult<Bound<'py, PyBytes>> {
    run_bytes(py, "fr_root_of_unity", || {
        Fr::get_root_of_unity(n)
            .ok_or_else(|| format!("no root of unity of order {n} in Fr (need a power of two <= 2^28)"))
            .map(|w| encode_fr(&[w]))
    })
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
    run_bytes(py, "sparse_matvec", || {
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
    })
}

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
    run_bytes(py, "fq_to_montgomery", || fq_mont_convert(values, true, "values"))
}

/// Montgomery-form Fq elements -> canonical, e.g. to read .zkey points.
#[pyfunction]
fn fq_from_montgomery<'py>(py: Python<'py>, values: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    run_bytes(py, "fq_from_montgomery", || fq_mont_convert(values, false, "values"))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(fr_first_noncanonical, m)?)?;
    m.add_function(wrap_pyfunction!(fr_mul, m)?)?;
    m.add_function(wrap_pyfunction!(fr_add, m)?)?;
    m.add_function(wrap_pyfunction!(fr_sub, m)?)?;
    m.add_function(wrap_pyfunction!(fr_inv, m)?)?;
    m.add_function(wrap_pyfunction!(fr_root_of_unity, m)?)?;
    m.add_function(wrap_pyfunction!(sparse_matvec, m)?)?;
    m.add_function(wrap_pyfunction!(fq_to_montgomery, m)?)?;
    m.add_function(wrap_pyfunction!(fq_from_montgomery, m)?)?;
    Ok(())
}
