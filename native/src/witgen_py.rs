//! `run_witness_program`: the witness program (witgen.rs) for Python.

use std::collections::HashMap;

use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::encoding::{decode_fr, encode_fr};
use crate::runtime::run;

/// Run a witness program (zkml_chain.circuit.program) on named inputs (packed field elements):
/// the witness (packed, circom order) and the taps as (name, packed values) pairs. Errors are
/// ValueErrors whose message starts with `witness: `, `unsupported: ` or `malformed witness program: `.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn run_witness_program<'py>(
    py: Python<'py>,
    program: &[u8],
    inputs: Vec<(String, Vec<u8>)>,
) -> PyResult<(Bound<'py, PyBytes>, Vec<(String, Bound<'py, PyBytes>)>)> {
    let (witness, taps) = run(py, "run_witness_program", || {
        let mut named = HashMap::with_capacity(inputs.len());
        for (name, packed) in &inputs {
            named.insert(name.clone(), decode_fr(packed, &format!("witness: input {name:?}"))?);
        }
        let out = crate::witgen::run(program, &named)?;
        Ok((encode_fr(&out.witness), out.taps.into_iter().map(|(n, v)| (n, encode_fr(&v))).collect::<Vec<_>>()))
    })?;
    Ok((PyBytes::new(py, &witness), taps.into_iter().map(|(n, v)| (n, PyBytes::new(py, &v))).collect()))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(run_witness_program, m)?)?;
    Ok(())
}
