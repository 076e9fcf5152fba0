//! `MappedZkey`, the Python face of [`Zkey`] (zkey.rs): a `.zkey` mapped and proved with in place.

use ark_ec::CurveGroup;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::encoding::{count, decode_scalars, encode_fr, encode_g1, encode_g2, FE, G1_BYTES, G2_BYTES};
use crate::glv;
use crate::pippenger;
use crate::runtime::{run, run_bytes};
use crate::zkey::{g1_mont, g2_mont, Zkey, QUERIES};

/// A proving key's file, mapped, its structure checked, and proved with in place.
#[pyclass(frozen, module = "zkml_chain._native")]
pub(crate) struct MappedZkey(Zkey);

#[pymethods]
impl MappedZkey {
    #[new]
    fn new(py: Python<'_>, path: &str) -> PyResult<Self> {
        run(py, "MappedZkey", || Zkey::open(path)).map(Self)
    }

    /// (offset, payload) of section `id`, copied (for the small ones: header, IC, contributions,
    /// metadata), or None when the file has no such section.
    fn section<'py>(&self, py: Python<'py>, id: u32) -> Option<(usize, Bound<'py, PyBytes>)> {
        self.0.section(id).map(|(pos, data)| (pos, PyBytes::new(py, data)))
    }

    /// Every query point a curve point (see [`Zkey::first_bad_point`]); ValueError naming the
    /// first that is not. For a proof that failed: opening does not scan the points.
    fn check_points(&self, py: Python<'_>) -> PyResult<()> {
        run(py, "MappedZkey.check_points", || self.0.first_bad_point().map_or(Ok(()), Err))
    }

    #[getter]
    fn n_vars(&self) -> usize {
        self.0.n_vars()
    }

    #[getter]
    fn n_public(&self) -> usize {
        self.0.n_public()
    }

    #[getter]
    fn domain_size(&self) -> usize {
        self.0.domain_size()
    }

    /// (a·b − c) on the odd coset, for the witness `w` (packed canonical wires): the H scalars.
    fn h_evaluations<'py>(&self, py: Python<'py>, witness: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
        run_bytes(py, "MappedZkey.h_evaluations", || Ok(encode_fr(&self.0.h_values(witness)?)))
    }

    /// The five MSMs of a proof in one call: (Σ w·A, Σ w·B1, Σ w·B2, Σ w_private·C, Σ h·H) as
    /// packed points, h computed here from the witness. See [`Zkey::proof_sums`].
    fn prove_msms<'py>(&self, py: Python<'py>, witness: &[u8]) -> PyResult<[Bound<'py, PyBytes>; 5]> {
        let s = run(py, "MappedZkey.prove_msms", || self.0.proof_sums(witness))?;
        let g1 = |p: ark_bn254::G1Projective| PyBytes::new(py, &encode_g1(&[p.into_affine()]));
        Ok([g1(s.a), g1(s.b1), PyBytes::new(py, &encode_g2(&[s.b2.into_affine()])), g1(s.c), g1(s.h)])
    }

    /// sum_i scalars[skip + i] * query[i] for query "a", "b1", "b2", "c" or "h" (fewer scalars
    /// than points use the first points), with the batch-affine kernel, bases read in place.
    /// `skip` lets the C query take the whole witness without the caller copying its tail.
    #[pyo3(signature = (query, scalars, skip=0))]
    fn msm<'py>(&self, py: Python<'py>, query: &str, scalars: &[u8], skip: usize) -> PyResult<Bound<'py, PyBytes>> {
        run_bytes(py, "MappedZkey.msm", || {
            let k = ["a", "b1", "b2", "c", "h"].iter().position(|q| *q == query).ok_or_else(|| format!("unknown query {query:?}"))?;
            let scalars = scalars.get(skip * FE..).ok_or_else(|| format!("skip {skip} is past the scalars"))?;
            let points = self.0.query(k);
            let size = QUERIES[k].2;
            let count = count(scalars, FE, "scalars")?;
            if count > points.len() / size {
                return Err(format!("{count} scalars for {} points", points.len() / size));
            }
            // The decoded scalars are freed once their digits exist: only the digits stay for the
            // window passes (memory at 2^20).
            let d = glv::digits(&decode_scalars(scalars, "scalars")?);
            Ok(if size == G1_BYTES {
                encode_g1(&[pippenger::msm_by(glv::paired(|i| g1_mont(&points[i * G1_BYTES..])), d).into()])
            } else {
                encode_g2(&[pippenger::msm_by(glv::paired(|i| g2_mont(&points[i * G2_BYTES..])), d).into()])
            })
        })
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<MappedZkey>()?;
    Ok(())
}
