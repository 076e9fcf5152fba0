//! The curve groups G1 and G2: multi-scalar multiplication, fixed-base batch multiplication,
//! sums, negation and validation.

use ark_bn254::{G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, ScalarMul, VariableBaseMSM};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::encoding::{
    decode_fr, decode_g1, decode_g2, decode_g2_on_curve, decode_scalars, encode_g1, encode_g2, first_failing, g1_at, g2_at, same_len, valid_g1,
    valid_g2, G1_BYTES, G2_BYTES,
};
use crate::glv;
use crate::pippenger;
use crate::runtime::{run, run_bytes};

/// The MSM algorithm: ours (batch-affine, the default) or arkworks' `msm_bigint` (the reference,
/// kept for benchmarks and cross-checks).
fn msm_kernel(kernel: &str) -> Result<bool, String> {
    match kernel {
        "batch-affine" => Ok(true),
        "arkworks" => Ok(false),
        other => Err(format!("unknown MSM kernel {other:?} (batch-affine or arkworks)")),
    }
}

/// Multi-scalar multiplication sum_i scalars[i] * points[i] in G1 (batch-affine Pippenger, rayon).
#[pyfunction]
fn g1_msm<'py>(py: Python<'py>, points: &[u8], scalars: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    run_bytes(py, "g1_msm", || {
        let bases = decode_g1(points, "points", false)?;
        let s = decode_scalars(scalars, "scalars")?;
        same_len(bases.len(), s.len(), "points/scalars")?;
        let p = glv::msm(&bases, &s).into_affine(); // G1 is the whole curve: every point is in the group
        Ok(encode_g1(&[p]))
    })
}

/// Multi-scalar multiplication in G2.
#[pyfunction]
fn g2_msm<'py>(py: Python<'py>, points: &[u8], scalars: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    run_bytes(py, "g2_msm", || {
        let bases = decode_g2(points, "points", false)?;
        let s = decode_scalars(scalars, "scalars")?;
        same_len(bases.len(), s.len(), "points/scalars")?;
        let p = pippenger::msm(&bases, &s).into_affine(); // not GLV: these points are not checked to be in the subgroup
        Ok(encode_g2(&[p]))
    })
}

/// [s_0 * base, s_1 * base, ...] in G1 with a precomputed window table (trusted setup).
#[pyfunction]
fn g1_batch_mul<'py>(py: Python<'py>, base: &[u8], scalars: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    run_bytes(py, "g1_batch_mul", || {
        let b = decode_g1(base, "base", true)?;
        same_len(b.len(), 1, "base")?;
        let s = decode_fr(scalars, "scalars")?;
        Ok(encode_g1(&G1Projective::from(b[0]).batch_mul(&s)))
    })
}

/// [s_0 * base, s_1 * base, ...] in G2.
#[pyfunction]
fn g2_batch_mul<'py>(py: Python<'py>, base: &[u8], scalars: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    run_bytes(py, "g2_batch_mul", || {
        let b = decode_g2(base, "base", true)?;
        same_len(b.len(), 1, "base")?;
        let s = decode_fr(scalars, "scalars")?;
        Ok(encode_g2(&G2Projective::from(b[0]).batch_mul(&s)))
    })
}

/// Sum of the given G1 points.
#[pyfunction]
fn g1_sum<'py>(py: Python<'py>, points: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    run_bytes(py, "g1_sum", || {
        let v = decode_g1(points, "points", true)?;
        let s: G1Projective = v.iter().map(|p| p.into_group()).sum();
        Ok(encode_g1(&[s.into_affine()]))
    })
}

/// Sum of the given G2 points.
#[pyfunction]
fn g2_sum<'py>(py: Python<'py>, points: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    run_bytes(py, "g2_sum", || {
        let v = decode_g2(points, "points", true)?;
        let s: G2Projective = v.iter().map(|p| p.into_group()).sum();
        Ok(encode_g2(&[s.into_affine()]))
    })
}

/// Negation of each G1 point.
#[pyfunction]
fn g1_neg<'py>(py: Python<'py>, points: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    run_bytes(py, "g1_neg", || {
        let v = decode_g1(points, "points", true)?;
        let n: Vec<G1Affine> = v.iter().map(|p| -*p).collect();
        Ok(encode_g1(&n))
    })
}

/// Index of the first invalid G1 point (coordinate >= q or off the curve), or -1.
#[pyfunction]
fn g1_first_invalid(py: Python<'_>, points: &[u8]) -> PyResult<i64> {
    run(py, "g1_first_invalid", || {
        first_failing(points, G1_BYTES, "points", |c| g1_at(c).is_some_and(|p| valid_g1(&p)))
    })
}

/// Index of the first invalid G2 point (coordinate >= q, off the curve, or outside the
/// prime-order subgroup — G2 has a large cofactor), or -1.
#[pyfunction]
fn g2_first_invalid(py: Python<'_>, points: &[u8]) -> PyResult<i64> {
    run(py, "g2_first_invalid", || {
        first_failing(points, G2_BYTES, "points", |c| g2_at(c).is_some_and(|p| valid_g2(&p)))
    })
}

/// G1 points decoded and checked once (on the curve, which is G1 for BN254), kept on the Rust
/// side: a proving key's query arrays, used by every proof without decoding them again.
#[pyclass(frozen, module = "zkml_chain._native")]
pub(crate) struct G1Bases {
    points: Vec<G1Affine>,
}

#[pymethods]
impl G1Bases {
    #[new]
    fn new(py: Python<'_>, points: &[u8], what: &str) -> PyResult<Self> {
        let points = run(py, "G1Bases", || decode_g1(points, what, true))?;
        Ok(Self { points })
    }

    fn __len__(&self) -> usize {
        self.points.len()
    }

    /// sum_i scalars[i] * points[i]; fewer scalars than points use the first points.
    #[pyo3(signature = (scalars, kernel="batch-affine"))]
    fn msm<'py>(&self, py: Python<'py>, scalars: &[u8], kernel: &str) -> PyResult<Bound<'py, PyBytes>> {
        run_bytes(py, "G1Bases.msm", || {
            let ours = msm_kernel(kernel)?;
            let s = decode_scalars(scalars, "scalars")?;
            if s.len() > self.points.len() {
                return Err(format!("{} scalars for {} points", s.len(), self.points.len()));
            }
            let bases = &self.points[..s.len()];
            let p = if ours { glv::msm(bases, &s) } else { G1Projective::msm_bigint(bases, &s) };
            Ok(encode_g1(&[p.into_affine()]))
        })
    }
}

/// G2 points decoded and checked once (on the curve and in the prime-order subgroup), kept on
/// the Rust side (a proving key's B query).
#[pyclass(frozen, module = "zkml_chain._native")]
pub(crate) struct G2Bases {
    points: Vec<G2Affine>,
}

#[pymethods]
impl G2Bases {
    /// `check_subgroup=False` when the caller has checked membership already (batched, see
    /// `curve.validate_g2_array`): the per-point check is a scalar multiplication each.
    #[new]
    #[pyo3(signature = (points, what, check_subgroup=true))]
    fn new(py: Python<'_>, points: &[u8], what: &str, check_subgroup: bool) -> PyResult<Self> {
        let points = run(py, "G2Bases", || {
            if check_subgroup {
                decode_g2(points, what, true)
            } else {
                decode_g2_on_curve(points, what)
            }
        })?;
        Ok(Self { points })
    }

    fn __len__(&self) -> usize {
        self.points.len()
    }

    /// sum_i scalars[i] * points[i]; fewer scalars than points use the first points.
    #[pyo3(signature = (scalars, kernel="batch-affine"))]
    fn msm<'py>(&self, py: Python<'py>, scalars: &[u8], kernel: &str) -> PyResult<Bound<'py, PyBytes>> {
        run_bytes(py, "G2Bases.msm", || {
            let ours = msm_kernel(kernel)?;
            let s = decode_scalars(scalars, "scalars")?;
            if s.len() > self.points.len() {
                return Err(format!("{} scalars for {} points", s.len(), self.points.len()));
            }
            let bases = &self.points[..s.len()];
            let p = if ours { glv::msm(bases, &s) } else { G2Projective::msm_bigint(bases, &s) };
            Ok(encode_g2(&[p.into_affine()]))
        })
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(g1_msm, m)?)?;
    m.add_function(wrap_pyfunction!(g2_msm, m)?)?;
    m.add_function(wrap_pyfunction!(g1_batch_mul, m)?)?;
    m.add_function(wrap_pyfunction!(g2_batch_mul, m)?)?;
    m.add_function(wrap_pyfunction!(g1_sum, m)?)?;
    m.add_function(wrap_pyfunction!(g2_sum, m)?)?;
    m.add_function(wrap_pyfunction!(g1_neg, m)?)?;
    m.add_function(wrap_pyfunction!(g1_first_invalid, m)?)?;
    m.add_function(wrap_pyfunction!(g2_first_invalid, m)?)?;
    m.add_class::<G1Bases>()?;
    m.add_class::<G2Bases>()?;
    Ok(())
}
