//! Pairings: the product check every verification makes, and e(g1, g2) for verifying keys.

use ark_bn254::Bn254;
use ark_ec::pairing::Pairing;
use ark_ff::{One, PrimeField};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::encoding::{decode_g1, decode_g2, put_limbs, same_len, KResult, FE};
use crate::runtime::{run, run_bytes};

/// True when prod_i e(g1[i], g2[i]) == 1 (one multi-Miller loop, one final exponentiation).
/// Every point is validated (on curve, in subgroup) first.
#[pyfunction]
fn pairing_product_is_one(py: Python<'_>, g1: &[u8], g2: &[u8]) -> PyResult<bool> {
    run(py, "pairing_product_is_one", || -> KResult<bool> {
        let a = decode_g1(g1, "g1", true)?;
        let b = decode_g2(g2, "g2", true)?;
        same_len(a.len(), b.len(), "g1/g2")?;
        Ok(Bn254::multi_pairing(a, b).0.is_one())
    })
}

/// e(g1, g2) as 12 canonical Fq elements, in the tower order snarkjs uses for
/// `vk_alphabeta_12`: [[c0.c0.c0, c0.c0.c1], [c0.c1.c0, ...], ...].
#[pyfunction]
fn pairing<'py>(py: Python<'py>, g1: &[u8], g2: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    run_bytes(py, "pairing", || {
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
    })
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(pairing_product_is_one, m)?)?;
    m.add_function(wrap_pyfunction!(pairing, m)?)?;
    Ok(())
}
