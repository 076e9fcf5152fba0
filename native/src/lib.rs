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
//! layer turns them into typed `ZkmlChainError` subclasses. Every kernel runs through
//! `runtime::run`: without the GIL, on a thread pool whose size Python sets, and with panics
//! raised as `RuntimeError`.
//!
//! Modules: `encoding` (bytes <-> field elements and points), `field` (Fr/Fq batches, sparse
//! mat-vec), `ntt`, `msm` (G1/G2: MSM, batch multiplication, resident bases, validation),
//! `pairing`, `poseidon` (the hash's permutation with its S-box layers, for witnesses),
//! `ceremony` (trusted-setup kernels), `pippenger` (our MSM; `inversion`, `fq2` and `ifma`, the field arithmetic of its additions), `zkey` (a proving key memory-mapped
//! and proved with in place; pure Rust, shared with the `zkml-prove` binary in prover/) and `zkey_py`
//! (its Python class), `witgen` (the witness program's interpreter) and `witgen_py`, `schedule` (the longest-first task list), `runtime`.

use pyo3::prelude::*;

mod binfile;
mod ceremony;
mod encoding;
mod field;
mod fq2;
mod glv;
mod ifma;
mod inversion;
mod msm;
mod ntt;
mod pairing;
mod pippenger;
mod poseidon;
mod runtime;
mod schedule;
mod witgen;
mod witgen_py;
mod zkey;
mod zkey_py;

// ceremony.rs predates the split and names these helpers from the crate root.
pub(crate) use encoding::*;
pub(crate) use runtime::{run, run_bytes};

/// Built with ADX and BMI2 (the repository's .cargo/config.toml) but loaded on a CPU without
/// them: refuse with a message instead of dying on an illegal instruction in the first kernel.
fn check_cpu() -> PyResult<()> {
    #[cfg(all(target_arch = "x86_64", target_feature = "adx", target_feature = "bmi2"))]
    if !(std::arch::is_x86_feature_detected!("adx") && std::arch::is_x86_feature_detected!("bmi2")) {
        return Err(pyo3::exceptions::PyImportError::new_err(
            "zkml_chain's native extension was built for CPUs with ADX and BMI2 and this CPU lacks them; \
             rebuild it here with RUSTFLAGS=\"-C target-cpu=x86-64\" make install",
        ));
    }
    Ok(())
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    check_cpu()?;
    runtime::register(m)?;
    field::register(m)?;
    ntt::register(m)?;
    msm::register(m)?;
    pairing::register(m)?;
    poseidon::register(m)?;
    ceremony::register(m)?;
    zkey_py::register(m)?;
    witgen_py::register(m)?;
    Ok(())
}

#[cfg(test)]
mod tests;
