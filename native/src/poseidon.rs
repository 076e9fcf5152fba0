//! The Poseidon permutation, optimized schedule, on a batch of states, recording every S-box
//! layer: the witness of the in-circuit hash (x², x⁴, x⁵ of each S-box) without Python's
//! big-integer arithmetic. The schedule and its constants come from Python
//! (`zkml_chain.poseidon.optimized_params`), which stays the reference: a test compares the two.

use ark_bn254::Fr;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::encoding::{decode_fr, encode_fr, KResult};
use crate::runtime::run;

const FULL_ROUNDS: usize = 8;

/// One width's optimized schedule (see `OptimizedParams` in poseidon.py), row-major.
pub(crate) struct Schedule {
    pub(crate) t: usize,
    pub(crate) partial_rounds: usize,
    pub(crate) constants: Vec<Fr>,  // (8 + partial_rounds) x t
    pub(crate) mds: Vec<Fr>,        // t x t: state <- mds · state
    pub(crate) pre_sparse: Vec<Fr>, // t x t: state <- state · pre_sparse (a row vector)
    pub(crate) m00: Fr,
    pub(crate) w_hat: Vec<Fr>, // partial_rounds x (t - 1)
    pub(crate) v: Vec<Fr>,     // partial_rounds x (t - 1)
}

impl Schedule {
    fn check(&self) -> KResult<()> {
        let (t, rp) = (self.t, self.partial_rounds);
        let ok = t >= 2
            && self.constants.len() == (FULL_ROUNDS + rp) * t
            && self.mds.len() == t * t
            && self.pre_sparse.len() == t * t
            && self.w_hat.len() == rp * (t - 1)
            && self.v.len() == rp * (t - 1);
        ok.then_some(()).ok_or_else(|| format!("inconsistent Poseidon schedule for width {t}"))
    }
}

/// x⁵, pushing x², x⁴, x⁵ to the three layer buffers.
fn sbox(x: Fr, x2s: &mut Vec<Fr>, x4s: &mut Vec<Fr>, x5s: &mut Vec<Fr>) -> Fr {
    let x2 = x * x;
    let x4 = x2 * x2;
    let x5 = x4 * x;
    x2s.push(x2);
    x4s.push(x4);
    x5s.push(x5);
    x5
}

/// Permute `states` (n states of width t, row-major) in place. The recorded layers, in the
/// order the circuit creates its wires: per S-box layer x² of every state, then x⁴, then x⁵
/// (n·t values in full rounds, n in partial ones).
pub(crate) fn permute(states: &mut [Fr], s: &Schedule) -> Vec<Fr> {
    let (t, rp, half) = (s.t, s.partial_rounds, FULL_ROUNDS / 2);
    let n = states.len() / t;
    let mut layers = Vec::with_capacity(3 * n * (FULL_ROUNDS * t + rp));
    let mut tmp = vec![Fr::from(0u64); t];
    let mut full = |states: &mut [Fr], r: usize, layers: &mut Vec<Fr>| {
        let (mut x2s, mut x4s, mut x5s) = (Vec::with_capacity(n * t), Vec::with_capacity(n * t), Vec::with_capacity(n * t));
        for st in states.chunks_exact_mut(t) {
            for (j, x) in st.iter_mut().enumerate() {
                *x = sbox(*x + s.constants[r * t + j], &mut x2s, &mut x4s, &mut x5s);
            }
            for (j, out) in tmp.iter_mut().enumerate() {
                *out = (0..t).map(|k| s.mds[j * t + k] * st[k]).sum();
            }
            st.copy_from_slice(&tmp);
        }
        layers.extend(x2s);
        layers.extend(x4s);
        layers.extend(x5s);
    };
    for r in 0..half {
        full(states, r, &mut layers);
    }
    let mut row = vec![Fr::from(0u64); t];
    for st in states.chunks_exact_mut(t) {
        for (j, x) in st.iter().enumerate() {
            row[j] = *x + s.constants[half * t + j];
        }
        for (j, out) in st.iter_mut().enumerate() {
            *out = (0..t).map(|k| row[k] * s.pre_sparse[k * t + j]).sum();
        }
    }
    for r in 0..rp {
        let (mut x2s, mut x4s, mut x5s) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
        let (w, v) = (&s.w_hat[r * (t - 1)..(r + 1) * (t - 1)], &s.v[r * (t - 1)..(r + 1) * (t - 1)]);
        for st in states.chunks_exact_mut(t) {
            let mut s0 = sbox(st[0], &mut x2s, &mut x4s, &mut x5s);
            if r < rp - 1 {
                s0 += s.constants[(half + r + 1) * t];
            }
            let first = s0 * s.m00 + st[1..].iter().zip(w).map(|(a, b)| *a * b).sum::<Fr>();
            for (x, vk) in st[1..].iter_mut().zip(v) {
                *x += s0 * vk;
            }
            st[0] = first;
        }
        layers.extend(x2s);
        layers.extend(x4s);
        layers.extend(x5s);
    }
    for r in half + rp..FULL_ROUNDS + rp {
        full(states, r, &mut layers);
    }
    layers
}

/// Poseidon on a batch: `states` (n·t field elements), the schedule's arrays as field
/// elements; returns (the permuted states, every S-box layer in circuit order).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn poseidon_permute<'py>(
    py: Python<'py>,
    states: &[u8],
    t: usize,
    partial_rounds: usize,
    constants: &[u8],
    mds: &[u8],
    pre_sparse: &[u8],
    m00: &[u8],
    w_hat: &[u8],
    v: &[u8],
) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
    let (out, layers) = run(py, "poseidon_permute", || {
        let schedule = Schedule {
            t,
            partial_rounds,
            constants: decode_fr(constants, "constants")?,
            mds: decode_fr(mds, "mds")?,
            pre_sparse: decode_fr(pre_sparse, "pre_sparse")?,
            m00: *decode_fr(m00, "m00")?.first().ok_or("m00: one field element expected")?,
            w_hat: decode_fr(w_hat, "w_hat")?,
            v: decode_fr(v, "v")?,
        };
        schedule.check()?;
        let mut s = decode_fr(states, "states")?;
        if !s.len().is_multiple_of(t) {
            return Err(format!("states: {} field elements is not a multiple of the width {t}", s.len()));
        }
        let layers = permute(&mut s, &schedule);
        Ok((encode_fr(&s), encode_fr(&layers)))
    })?;
    Ok((PyBytes::new(py, &out), PyBytes::new(py, &layers)))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(poseidon_permute, m)?)?;
    Ok(())
}
