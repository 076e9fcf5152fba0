//! Number-theoretic transforms and Lagrange coefficients over Fr's power-of-two subgroups.

use ark_bn254::Fr;
use ark_ff::Zero;
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::encoding::{decode_fr, encode_fr, one_fr, KResult};
use crate::runtime::run_bytes;

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
    run_bytes(py, "ntt", || {
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
    })
}

/// The n Lagrange basis polynomials of the size-n subgroup, evaluated at tau.
#[pyfunction]
fn lagrange_coefficients<'py>(py: Python<'py>, n: usize, tau: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    run_bytes(py, "lagrange_coefficients", || {
        let t = one_fr(tau, "tau")?;
        let d = domain(n)?;
        Ok(encode_fr(&d.evaluate_all_lagrange_coefficients(t)))
    })
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(ntt, m)?)?;
    m.add_function(wrap_pyfunction!(lagrange_coefficients, m)?)?;
    Ok(())
}
