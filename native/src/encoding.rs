//! Byte encodings shared by every kernel (see lib.rs): canonical little-endian field elements,
//! affine points, and the checks that decode them. No Python here.

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, PrimeField, Zero};
use rayon::prelude::*;

pub(crate) const FE: usize = 32;
pub(crate) const G1_BYTES: usize = 64;
pub(crate) const G2_BYTES: usize = 128;

pub(crate) type KResult<T> = Result<T, String>;

pub(crate) fn limbs(b: &[u8]) -> BigInt<4> {
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
    if !b.len().is_multiple_of(size) {
        return Err(format!(
            "{what}: byte length {} is not a multiple of {size}",
            b.len()
        ));
    }
    Ok(b.len() / size)
}

/// Index of the first `size`-byte element of `b` that fails `ok`, or -1 (Python's sentinel).
pub(crate) fn first_failing(b: &[u8], size: usize, what: &str, ok: impl Fn(&[u8]) -> bool + Sync) -> KResult<i64> {
    count(b, size, what)?;
    Ok(b.par_chunks_exact(size).position_first(|c| !ok(c)).map(|i| i as i64).unwrap_or(-1))
}

pub(crate) fn first_err<T: Send>(items: Vec<Result<T, usize>>, what: &str, msg: &str) -> KResult<Vec<T>> {
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

pub(crate) fn decode_scalars(b: &[u8], what: &str) -> KResult<Vec<BigInt<4>>> {
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

pub(crate) fn encode_fr(v: &[Fr]) -> Vec<u8> {
    let mut out = vec![0u8; v.len() * FE];
    out.par_chunks_exact_mut(FE)
        .zip(v.par_iter())
        .for_each(|(o, x)| put_limbs(o, &x.into_bigint()));
    out
}

pub(crate) fn fq_at(b: &[u8]) -> Option<Fq> {
    Fq::from_bigint(limbs(b))
}

pub(crate) fn g1_at(b: &[u8]) -> Option<G1Affine> {
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

pub(crate) fn valid_g1(p: &G1Affine) -> bool {
    p.is_zero() || (p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve())
}

pub(crate) fn valid_g2(p: &G2Affine) -> bool {
    p.is_zero() || (p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve())
}

pub(crate) fn put_g1(out: &mut [u8], p: &G1Affine) {
    if p.is_zero() {
        out.fill(0);
    } else {
        put_limbs(&mut out[0..FE], &p.x.into_bigint());
        put_limbs(&mut out[FE..2 * FE], &p.y.into_bigint());
    }
}

pub(crate) fn put_g2(out: &mut [u8], p: &G2Affine) {
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
