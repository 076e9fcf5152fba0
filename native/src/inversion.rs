//! Batch inversion for the MSM's batch-affine additions (pippenger.rs): every slope of a batch
//! needs 1 / (x_P - x_bucket), and one field inversion serves the whole batch (Montgomery's trick:
//! three multiplications per element).
//!
//! In Fq2 (G2's coordinates) those three multiplications are Fq2 multiplications (~3.9 Fq
//! multiplications' time each with arkworks here). Instead, each element's norm
//! N(a) = a·conj(a) = c0² + c1² (in Fq, as u² = −1) is inverted with the trick in Fq, and
//! 1/a = conj(a)·N(a)⁻¹: two squarings and five Fq multiplications per element instead of ~12.
//! N(a) is zero only for a = 0: −1 is not a square modulo BN254's q (q ≡ 3 mod 4).

use ark_bn254::{Fq, Fq2};
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ff::{Field, One};

use crate::pippenger::Slot;

/// Fields whose elements the batch-affine additions invert in batches.
pub(crate) trait BatchInverse: Field {
    /// Replace every element of `v` (all nonzero) by its inverse; `scratch` is reused between
    /// calls to avoid an allocation per batch.
    fn invert_all(v: &mut [Self], scratch: &mut Scratch);

    /// a·b as the additions' slopes and coordinates take it: arkworks' own multiplication, or in
    /// Fq2 a Karatsuba reduced once per coefficient (fq2.rs).
    #[inline(always)]
    fn multiply(a: &Self, b: &Self) -> Self {
        *a * b
    }

    /// a², likewise (in Fq2, fq2.rs's squaring).
    #[inline(always)]
    fn squared(a: &Self) -> Self {
        a.square()
    }

    /// bucket[b] += p for every (b, p) of a batch (distinct, nonempty buckets, x_p ≠ x_bucket)
    /// in one vectorised pass where this field has one and the CPU runs it (Fq and Fq2 with
    /// AVX-512 IFMA: ifma.rs); false, nothing done, otherwise.
    #[inline(always)]
    fn add_batch<P: SWCurveConfig<BaseField = Self>>(_: &mut [Slot<Self>], _: &[(u32, Affine<P>)], _: &mut Scratch) -> bool {
        false
    }
}

/// Buffers of the inversion, kept by the caller.
#[derive(Default)]
pub(crate) struct Scratch {
    prefix: Vec<Fq>,
    norms: Vec<Fq>,
    /// ifma.rs's prefix products, eight lanes of five limbs per group
    lanes: Vec<[u64; 40]>,
}

/// Montgomery's trick in Fq: prefix products, one inversion, then back through the prefixes.
fn invert_fq(v: &mut [Fq], prefix: &mut Vec<Fq>) {
    prefix.clear();
    let mut acc = Fq::one();
    for x in v.iter() {
        prefix.push(acc);
        acc *= x;
    }
    let mut inv = acc.inverse().expect("a product of nonzero elements");
    for (x, p) in v.iter_mut().zip(prefix.iter()).rev() {
        let x_inv = *p * inv;
        inv *= *x;
        *x = x_inv;
    }
}

impl BatchInverse for Fq {
    fn invert_all(v: &mut [Self], scratch: &mut Scratch) {
        invert_fq(v, &mut scratch.prefix);
    }

    #[inline(always)]
    fn add_batch<P: SWCurveConfig<BaseField = Self>>(buckets: &mut [Slot<Self>], batch: &[(u32, Affine<P>)], scratch: &mut Scratch) -> bool {
        crate::ifma::add_batch(buckets, batch, &mut scratch.lanes)
    }
}

impl BatchInverse for Fq2 {
    #[inline(always)]
    fn multiply(a: &Self, b: &Self) -> Self {
        crate::fq2::mul(a, b)
    }

    #[inline(always)]
    fn squared(a: &Self) -> Self {
        crate::fq2::square(a)
    }

    #[inline(always)]
    fn add_batch<P: SWCurveConfig<BaseField = Self>>(buckets: &mut [Slot<Self>], batch: &[(u32, Affine<P>)], scratch: &mut Scratch) -> bool {
        crate::ifma::add_batch(buckets, batch, &mut scratch.lanes)
    }

    fn invert_all(v: &mut [Self], scratch: &mut Scratch) {
        let Scratch { prefix, norms, .. } = scratch;
        norms.clear();
        norms.extend(v.iter().map(crate::fq2::norm));
        invert_fq(norms, prefix);
        for (a, n) in v.iter_mut().zip(norms.iter()) {
            *a = Fq2::new(a.c0 * n, -(a.c1 * n));
        }
    }
}
