//! The MSM's batch-affine additions eight at a time with AVX-512 IFMA (x86-64 CPUs since Intel
//! Ice Lake and AMD Zen 4), where the CPU has it: in G1 and G2 (Fq2 as two lanes of Fq), the same
//! additions as [`Slot::add_with_inverse`] and the same Montgomery's trick as `inversion.rs`, with
//! every Fq multiplication done in eight lanes at once.
//!
//! Why: a G1 addition is six Fq multiplications (three for its share of the batch inversion, the
//! slope, its square and the new y), and arkworks' ADX assembly takes ~16 ns for one. IFMA
//! (`vpmadd52luq` / `vpmadd52huq`) multiplies eight pairs of 52-bit limbs per instruction, so an
//! element held as five 52-bit limbs, one lane of five vectors, costs a fraction of that when
//! eight independent multiplications run side by side — which a batch of additions into distinct
//! buckets is (the prefix products of the inversion run as eight interleaved chains, one per
//! lane, and the eight lane totals are inverted together in Fq).
//!
//! The multiplication is gnark-crypto's (`mulVec` in its `field/asm/element_4w`): five rounds of
//! radix-2^52 Montgomery (CIOS) give a·b·2^−260 below 2q for any inputs below 2^256; times 16 that
//! is a·b·2^−256 — arkworks' Montgomery form, so no conversion in or out — below 32q, brought to
//! [0, q) by a Barrett estimate k of the quotient (from the top limb) and one conditional
//! subtraction. k never exceeds the true quotient and falls short of it by at most one (see
//! `barrett_estimate_is_never_too_large` for the bound on this modulus). Borrows are propagated
//! with arithmetic shifts by 52 (exact for any borrow), not gnark's sign bit.
//!
//! Values in the lanes are canonical (below q) between operations, so a subtraction is one
//! borrow pass and an addition of q where negative.

use ark_bn254::{Fq, Fq2, FqConfig};
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ff::{batch_inversion, AdditiveGroup, BigInt, Field, MontConfig};

use crate::pippenger::Slot;

const M52: u64 = (1 << 52) - 1;
const Q: [u64; 4] = <FqConfig as MontConfig<4>>::MODULUS.0;

/// Four 64-bit limbs as five 52-bit ones (the top one 48 bits).
const fn radix52(a: [u64; 4]) -> [u64; 5] {
    [
        a[0] & M52,
        (a[0] >> 52 | a[1] << 12) & M52,
        (a[1] >> 40 | a[2] << 24) & M52,
        (a[2] >> 28 | a[3] << 36) & M52,
        a[3] >> 16,
    ]
}

const Q52: [u64; 5] = radix52(Q);
/// −q⁻¹ mod 2^52.
const QINV52: u64 = <FqConfig as MontConfig<4>>::INV & M52;
/// ⌊2^58 / ⌊q / 2^208⌋⌋: the Barrett constant for the quotient of a value below 32q by q.
const MU: u64 = (1 << 58) / (Q[3] >> 16);

/// Set `ZKML_CHAIN_IFMA=0` to keep the scalar additions on a CPU that has IFMA (a comparison,
/// or a suspected fault in this kernel); read once per process.
pub(crate) const ENV_VAR: &str = "ZKML_CHAIN_IFMA";

/// Tests set this to run the scalar path on an IFMA machine (both paths give the same sums, so
/// tests running meanwhile stay correct whichever they take).
#[cfg(test)]
pub(crate) static SCALAR_ONLY: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether the kernel runs: the CPU has AVX-512F and IFMA (std checks once) and [`ENV_VAR`] is
/// not 0.
pub(crate) fn available() -> bool {
    #[cfg(test)]
    if SCALAR_ONLY.load(std::sync::atomic::Ordering::Relaxed) {
        return false;
    }
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os(ENV_VAR).is_none_or(|v| v != "0") && detected())
}

fn detected() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512ifma") && std::arch::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The coordinate fields with a lane kernel: Fq (G1) and Fq2 (G2).
pub(crate) trait InLanes: Sized {
    /// # Safety
    /// The CPU has AVX-512F and IFMA; every (b, _) of `batch` has b < buckets.len(), each b once.
    unsafe fn kernel<P: SWCurveConfig<BaseField = Self>>(buckets: &mut [Slot<Self>], batch: &[(u32, Affine<P>)], prefixes: &mut Vec<[u64; 40]>);
}

impl InLanes for Fq {
    unsafe fn kernel<P: SWCurveConfig<BaseField = Self>>(buckets: &mut [Slot<Self>], batch: &[(u32, Affine<P>)], prefixes: &mut Vec<[u64; 40]>) {
        #[cfg(target_arch = "x86_64")]
        simd::add_batch(buckets, batch, prefixes);
        #[cfg(not(target_arch = "x86_64"))]
        unreachable!("no lanes on this architecture ({}, {}, {})", buckets.len(), batch.len(), prefixes.len());
    }
}

impl InLanes for Fq2 {
    unsafe fn kernel<P: SWCurveConfig<BaseField = Self>>(buckets: &mut [Slot<Self>], batch: &[(u32, Affine<P>)], prefixes: &mut Vec<[u64; 40]>) {
        #[cfg(target_arch = "x86_64")]
        simd::add_batch2(buckets, batch, prefixes);
        #[cfg(not(target_arch = "x86_64"))]
        unreachable!("no lanes on this architecture ({}, {}, {})", buckets.len(), batch.len(), prefixes.len());
    }
}

/// bucket[b] += p for every (b, p) of `batch` — distinct buckets, none empty, x_p ≠ x_bucket:
/// what `Window::apply_batch` collects — in G1 or G2 when the CPU has IFMA; false, nothing done,
/// otherwise.
pub(crate) fn add_batch<F: InLanes, P: SWCurveConfig<BaseField = F>>(
    buckets: &mut [Slot<F>],
    batch: &[(u32, Affine<P>)],
    prefixes: &mut Vec<[u64; 40]>,
) -> bool {
    if !available() {
        return false;
    }
    assert!(batch.iter().all(|(b, _)| (*b as usize) < buckets.len()));
    // SAFETY: the CPU has AVX-512F and IFMA (available); every bucket index is in range
    // (asserted) and distinct (the batch's invariant), so each lane writes its own bucket.
    unsafe { F::kernel(buckets, batch, prefixes) };
    true
}

#[cfg(target_arch = "x86_64")]
#[allow(clippy::needless_range_loop)] // limb j of several arrays at once reads best by index
pub(crate) mod simd {
    use super::*;
    use std::arch::x86_64::*;

    /// Eight Fq elements, lane j of limb i holding bits 52i.. of element j.
    #[derive(Clone, Copy)]
    pub(crate) struct V([__m512i; 5]);

    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn splat(x: u64) -> __m512i {
        _mm512_set1_epi64(x as i64)
    }

    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn pair(a: *const u64, b: *const u64) -> __m512i {
        _mm512_inserti64x4::<1>(_mm512_castsi256_si512(_mm256_loadu_si256(a.cast())), _mm256_loadu_si256(b.cast()))
    }

    /// Eight elements' limbs (each pointer: four u64) into lanes; `store` writes them back in the
    /// same order. The 8x4 transpose is gnark-crypto's.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(crate) unsafe fn load(e: [*const u64; 8]) -> V {
        let (z10, z11, z12, z13) = (pair(e[0], e[1]), pair(e[2], e[3]), pair(e[4], e[5]), pair(e[6], e[7]));
        let z18 = _mm512_unpacklo_epi64(z10, z11);
        let z19 = _mm512_unpackhi_epi64(z10, z11);
        let z20 = _mm512_unpacklo_epi64(z12, z13);
        let z21 = _mm512_unpackhi_epi64(z12, z13);
        let a0 = _mm512_shuffle_i64x2::<0x88>(z18, z20);
        let a2 = _mm512_shuffle_i64x2::<0xDD>(z18, z20);
        let a1 = _mm512_shuffle_i64x2::<0x88>(z19, z21);
        let a3 = _mm512_shuffle_i64x2::<0xDD>(z19, z21);
        let m = splat(M52);
        V([
            _mm512_and_si512(a0, m),
            _mm512_and_si512(_mm512_or_si512(_mm512_srli_epi64::<52>(a0), _mm512_slli_epi64::<12>(a1)), m),
            _mm512_and_si512(_mm512_or_si512(_mm512_srli_epi64::<40>(a1), _mm512_slli_epi64::<24>(a2)), m),
            _mm512_and_si512(_mm512_or_si512(_mm512_srli_epi64::<28>(a2), _mm512_slli_epi64::<36>(a3)), m),
            _mm512_srli_epi64::<16>(a3),
        ])
    }

    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(crate) unsafe fn store(v: &V, e: [*mut u64; 8]) {
        let l = &v.0;
        let a0 = _mm512_or_si512(l[0], _mm512_slli_epi64::<52>(l[1]));
        let a1 = _mm512_or_si512(_mm512_srli_epi64::<12>(l[1]), _mm512_slli_epi64::<40>(l[2]));
        let a2 = _mm512_or_si512(_mm512_srli_epi64::<24>(l[2]), _mm512_slli_epi64::<28>(l[3]));
        let a3 = _mm512_or_si512(_mm512_srli_epi64::<36>(l[3]), _mm512_slli_epi64::<16>(l[4]));
        let z18 = _mm512_unpacklo_epi64(a0, a1);
        let z19 = _mm512_unpackhi_epi64(a0, a1);
        let z20 = _mm512_unpacklo_epi64(a2, a3);
        let z21 = _mm512_unpackhi_epi64(a2, a3);
        let z10 = _mm512_shuffle_i64x2::<0xD8>(_mm512_shuffle_i64x2::<0x44>(z18, z20), _mm512_shuffle_i64x2::<0x44>(z18, z20));
        let z11 = _mm512_shuffle_i64x2::<0xD8>(_mm512_shuffle_i64x2::<0x44>(z19, z21), _mm512_shuffle_i64x2::<0x44>(z19, z21));
        let z12 = _mm512_shuffle_i64x2::<0xD8>(_mm512_shuffle_i64x2::<0xEE>(z18, z20), _mm512_shuffle_i64x2::<0xEE>(z18, z20));
        let z13 = _mm512_shuffle_i64x2::<0xD8>(_mm512_shuffle_i64x2::<0xEE>(z19, z21), _mm512_shuffle_i64x2::<0xEE>(z19, z21));
        for (z, k) in [(z10, 0), (z11, 2), (z12, 4), (z13, 6)] {
            _mm256_storeu_si256(e[k].cast(), _mm512_castsi512_si256(z));
            _mm256_storeu_si256(e[k + 1].cast(), _mm512_extracti64x4_epi64::<1>(z));
        }
    }

    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn broadcast(c: [u64; 5]) -> V {
        V([splat(c[0]), splat(c[1]), splat(c[2]), splat(c[3]), splat(c[4])])
    }

    /// a·b·2^−256 mod q, canonical, for canonical a and b (any inputs below 2^256 would do).
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(crate) unsafe fn mul(a: &V, b: &V) -> V {
        let (a, b) = (&a.0, &b.0);
        let m52 = splat(M52);
        let qinv = splat(QINV52);
        let q = broadcast(Q52).0;
        let zero = _mm512_setzero_si512();
        let mut t = [zero; 6];
        for &bi in b {
            for j in 0..5 {
                t[j] = _mm512_madd52lo_epu64(t[j], bi, a[j]);
                t[j + 1] = _mm512_madd52hi_epu64(t[j + 1], bi, a[j]);
            }
            t[1] = _mm512_add_epi64(t[1], _mm512_srli_epi64::<52>(t[0]));
            t[0] = _mm512_and_si512(t[0], m52);
            let m = _mm512_madd52lo_epu64(zero, t[0], qinv);
            for j in 0..5 {
                t[j] = _mm512_madd52lo_epu64(t[j], m, q[j]);
                t[j + 1] = _mm512_madd52hi_epu64(t[j + 1], m, q[j]);
            }
            // t[0] is now a multiple of 2^52: shift the limbs down one
            t = [_mm512_add_epi64(t[1], _mm512_srli_epi64::<52>(t[0])), t[2], t[3], t[4], t[5], zero];
        }
        // times 16 (2^−260 -> 2^−256), normalised: a value below 32q
        let mut r = [zero; 5];
        let mut carry = zero;
        for j in 0..5 {
            let x = _mm512_add_epi64(_mm512_slli_epi64::<4>(t[j]), carry);
            carry = _mm512_srli_epi64::<52>(x);
            r[j] = _mm512_and_si512(x, m52);
        }
        // k = the quotient by q, estimated from the top limb (bits 208..260): never too large,
        // at most one short
        let k = _mm512_srli_epi64::<38>(_mm512_mul_epu32(_mm512_srli_epi64::<20>(r[4]), splat(MU)));
        let mut lo = [zero; 5];
        let mut hi = [zero; 5];
        for j in 0..5 {
            lo[j] = _mm512_madd52lo_epu64(zero, k, q[j]);
            hi[j] = _mm512_madd52hi_epu64(zero, k, q[j]);
        }
        let mut borrow = zero;
        for j in 0..5 {
            let mut x = _mm512_sub_epi64(_mm512_add_epi64(r[j], borrow), lo[j]);
            if j > 0 {
                x = _mm512_sub_epi64(x, hi[j - 1]);
            }
            borrow = _mm512_srai_epi64::<52>(x);
            r[j] = _mm512_and_si512(x, m52);
        }
        // r is in [0, 2q): subtract q where that stays non-negative
        conditional_subtract(r, &q)
    }

    /// r − q where r ≥ q, else r (r below 2q, normalised limbs).
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn conditional_subtract(r: [__m512i; 5], q: &[__m512i; 5]) -> V {
        let m52 = splat(M52);
        let mut s = [_mm512_setzero_si512(); 5];
        let mut borrow = _mm512_setzero_si512();
        for j in 0..5 {
            let x = _mm512_add_epi64(_mm512_sub_epi64(r[j], q[j]), borrow);
            borrow = _mm512_srai_epi64::<52>(x);
            s[j] = _mm512_and_si512(x, m52);
        }
        let below = _mm512_cmplt_epi64_mask(borrow, _mm512_setzero_si512());
        let mut out = r;
        for j in 0..5 {
            out[j] = _mm512_mask_blend_epi64(below, s[j], r[j]);
        }
        V(out)
    }

    /// a + b as integers (no reduction; below 2q for canonical inputs, which `mul` accepts).
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(crate) unsafe fn add_lazy(a: &V, b: &V) -> V {
        let m52 = splat(M52);
        let mut s = [_mm512_setzero_si512(); 5];
        let mut carry = _mm512_setzero_si512();
        for j in 0..5 {
            let x = _mm512_add_epi64(_mm512_add_epi64(a.0[j], b.0[j]), carry);
            carry = _mm512_srli_epi64::<52>(x);
            s[j] = _mm512_and_si512(x, m52);
        }
        V(s)
    }

    /// a + b mod q, canonical.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(crate) unsafe fn add(a: &V, b: &V) -> V {
        conditional_subtract(add_lazy(a, b).0, &broadcast(Q52).0)
    }

    /// Eight Fq2 elements.
    #[derive(Clone, Copy)]
    pub(crate) struct V2 {
        c0: V,
        c1: V,
    }

    /// a·b in Fq2 (u² = −1): Karatsuba, three multiplications.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(crate) unsafe fn mul2(a: &V2, b: &V2) -> V2 {
        let t0 = mul(&a.c0, &b.c0);
        let t1 = mul(&a.c1, &b.c1);
        let t2 = mul(&add_lazy(&a.c0, &a.c1), &add_lazy(&b.c0, &b.c1));
        V2 { c0: sub(&t0, &t1), c1: sub(&sub(&t2, &t0), &t1) }
    }

    /// a² in Fq2: (a0 + a1)(a0 − a1) and 2·a0·a1.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(crate) unsafe fn square2(a: &V2) -> V2 {
        V2 { c0: mul(&add_lazy(&a.c0, &a.c1), &sub(&a.c0, &a.c1)), c1: mul(&add_lazy(&a.c0, &a.c0), &a.c1) }
    }

    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(crate) unsafe fn sub2(a: &V2, b: &V2) -> V2 {
        V2 { c0: sub(&a.c0, &b.c0), c1: sub(&a.c1, &b.c1) }
    }

    /// Eight Fq2 elements from their coefficients' limbs (arkworks' `QuadExtField` has no
    /// `repr(C)`: each coefficient has its own pointer).
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(crate) unsafe fn load2([c0, c1]: [[*const u64; 8]; 2]) -> V2 {
        V2 { c0: load(c0), c1: load(c1) }
    }

    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(crate) unsafe fn store2(v: &V2, [c0, c1]: [[*mut u64; 8]; 2]) {
        store(&v.c0, c0);
        store(&v.c1, c1);
    }

    /// a − b mod q, canonical.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(crate) unsafe fn sub(a: &V, b: &V) -> V {
        let m52 = splat(M52);
        let zero = _mm512_setzero_si512();
        let mut d = [zero; 5];
        let mut borrow = zero;
        for j in 0..5 {
            let x = _mm512_add_epi64(_mm512_sub_epi64(a.0[j], b.0[j]), borrow);
            borrow = _mm512_srai_epi64::<52>(x);
            d[j] = _mm512_and_si512(x, m52);
        }
        // a − b + 2^260 where negative: add q and drop the 2^260
        let negative = _mm512_cmplt_epi64_mask(borrow, zero);
        let q = broadcast(Q52).0;
        let mut carry = zero;
        for j in 0..5 {
            let x = _mm512_add_epi64(_mm512_mask_add_epi64(d[j], negative, d[j], q[j]), carry);
            carry = _mm512_srli_epi64::<52>(x);
            d[j] = _mm512_and_si512(x, m52);
        }
        V(d)
    }

    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn save(v: &V, to: &mut [u64; 40]) {
        for j in 0..5 {
            _mm512_storeu_si512(to[8 * j..].as_mut_ptr().cast(), v.0[j]);
        }
    }

    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn restore(from: &[u64; 40]) -> V {
        let mut v = [_mm512_setzero_si512(); 5];
        for (j, l) in v.iter_mut().enumerate() {
            *l = _mm512_loadu_si512(from[8 * j..].as_ptr().cast());
        }
        V(v)
    }

    /// The eight lanes as Fq (canonical Montgomery forms).
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(crate) unsafe fn lanes(v: &V) -> [Fq; 8] {
        let mut out = [[0u64; 4]; 8];
        store(v, std::array::from_fn(|j| out[j].as_mut_ptr()));
        out.map(|l| Fq::new_unchecked(BigInt(l)))
    }

    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(crate) unsafe fn from_lanes(e: &[Fq; 8]) -> V {
        load(std::array::from_fn(|j| e[j].0 .0.as_ptr()))
    }

    /// See [`super::add_batch`].
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(crate) unsafe fn add_batch<P: SWCurveConfig<BaseField = Fq>>(
        buckets: &mut [Slot<Fq>],
        batch: &[(u32, Affine<P>)],
        prefixes: &mut Vec<[u64; 40]>,
    ) {
        // lanes past the batch's end add (1, 0) into (0, 0): a nonzero difference, results dropped
        let one = Fq::ONE;
        let zero = Fq::ZERO;
        let mut sink = [[0u64; 4]; 2];
        let groups = batch.len().div_ceil(8);
        let base = buckets.as_mut_ptr();
        // the four coordinates' limb pointers of lane j of group g
        let coordinates = |g: usize| {
            let mut p = [[std::ptr::null::<u64>(); 8]; 4];
            for j in 0..8 {
                let (bx, by, px, py) = match batch.get(8 * g + j) {
                    Some((b, pt)) => {
                        let slot = base.add(*b as usize);
                        ((*slot).x.0 .0.as_ptr(), (*slot).y.0 .0.as_ptr(), pt.x.0 .0.as_ptr(), pt.y.0 .0.as_ptr())
                    }
                    None => (zero.0 .0.as_ptr(), zero.0 .0.as_ptr(), one.0 .0.as_ptr(), zero.0 .0.as_ptr()),
                };
                (p[0][j], p[1][j], p[2][j], p[3][j]) = (bx, by, px, py);
            }
            p
        };
        prefixes.resize(groups, [0; 40]);
        let mut acc = broadcast(radix52(one.0 .0));
        for (g, prefix) in prefixes.iter_mut().enumerate() {
            let [bx, _, px, _] = coordinates(g);
            save(&acc, prefix);
            acc = mul(&acc, &sub(&load(px), &load(bx)));
        }
        let mut totals = lanes(&acc);
        batch_inversion(&mut totals);
        let mut inv = from_lanes(&totals);
        for g in (0..groups).rev() {
            let [bx_p, by_p, px_p, py_p] = coordinates(g);
            let (bx, by, px, py) = (load(bx_p), load(by_p), load(px_p), load(py_p));
            let d = sub(&px, &bx);
            let d_inv = mul(&restore(&prefixes[g]), &inv);
            inv = mul(&inv, &d);
            let lambda = mul(&sub(&py, &by), &d_inv);
            let x3 = sub(&sub(&mul(&lambda, &lambda), &bx), &px);
            let y3 = sub(&mul(&lambda, &sub(&bx, &x3)), &by);
            let mut out = [[sink[0].as_mut_ptr(); 8], [sink[1].as_mut_ptr(); 8]];
            for j in 0..8 {
                if let Some((b, _)) = batch.get(8 * g + j) {
                    let slot = base.add(*b as usize);
                    out[0][j] = (*slot).x.0 .0.as_mut_ptr();
                    out[1][j] = (*slot).y.0 .0.as_mut_ptr();
                }
            }
            store(&x3, out[0]);
            store(&y3, out[1]);
        }
    }

    /// G2's batch: as [`add_batch`], each slope's Fq2 inverse through its norm (inversion.rs):
    /// 1/a = conj(a) / (a0² + a1²), the norms inverted in Fq.
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(crate) unsafe fn add_batch2<P: SWCurveConfig<BaseField = Fq2>>(
        buckets: &mut [Slot<Fq2>],
        batch: &[(u32, Affine<P>)],
        prefixes: &mut Vec<[u64; 40]>,
    ) {
        let one = Fq2::ONE;
        let zero = Fq2::ZERO;
        let mut sink = [[0u64; 4]; 2];
        let groups = batch.len().div_ceil(8);
        let base = buckets.as_mut_ptr();
        // the coefficients' limb pointers of bx, by, px and py in lane j of group g
        let coordinates = |g: usize| {
            let mut p = [[[std::ptr::null::<u64>(); 8]; 2]; 4];
            for j in 0..8 {
                let (bx, by, px, py) = match batch.get(8 * g + j) {
                    Some((b, pt)) => {
                        let slot = &*base.add(*b as usize);
                        (&slot.x, &slot.y, &pt.x, &pt.y)
                    }
                    None => (&zero, &zero, &one, &zero),
                };
                for (k, c) in [bx, by, px, py].into_iter().enumerate() {
                    (p[k][0][j], p[k][1][j]) = (c.c0.0 .0.as_ptr(), c.c1.0 .0.as_ptr());
                }
            }
            p
        };
        prefixes.resize(groups, [0; 40]);
        let mut acc = broadcast(radix52(Fq::ONE.0 .0));
        for (g, prefix) in prefixes.iter_mut().enumerate() {
            let [bx, _, px, _] = coordinates(g);
            save(&acc, prefix);
            acc = mul(&acc, &norm(&sub2(&load2(px), &load2(bx))));
        }
        let mut totals = lanes(&acc);
        batch_inversion(&mut totals);
        let mut inv = from_lanes(&totals);
        let zero_v = broadcast([0; 5]);
        for g in (0..groups).rev() {
            let [bx_p, by_p, px_p, py_p] = coordinates(g);
            let (bx, by, px, py) = (load2(bx_p), load2(by_p), load2(px_p), load2(py_p));
            let d = sub2(&px, &bx);
            let n = norm(&d);
            let n_inv = mul(&restore(&prefixes[g]), &inv);
            inv = mul(&inv, &n);
            let d_inv = V2 { c0: mul(&d.c0, &n_inv), c1: sub(&zero_v, &mul(&d.c1, &n_inv)) };
            let lambda = mul2(&sub2(&py, &by), &d_inv);
            let x3 = sub2(&sub2(&square2(&lambda), &bx), &px);
            let y3 = sub2(&mul2(&lambda, &sub2(&bx, &x3)), &by);
            let mut out = [[[sink[0].as_mut_ptr(); 8], [sink[1].as_mut_ptr(); 8]]; 2];
            for j in 0..8 {
                if let Some((b, _)) = batch.get(8 * g + j) {
                    let slot = &mut *base.add(*b as usize);
                    (out[0][0][j], out[0][1][j]) = (slot.x.c0.0 .0.as_mut_ptr(), slot.x.c1.0 .0.as_mut_ptr());
                    (out[1][0][j], out[1][1][j]) = (slot.y.c0.0 .0.as_mut_ptr(), slot.y.c1.0 .0.as_mut_ptr());
                }
            }
            store2(&x3, out[0]);
            store2(&y3, out[1]);
        }
    }

    /// The norm a0² + a1² of eight Fq2 elements.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(crate) unsafe fn norm(d: &V2) -> V {
        add(&mul(&d.c0, &d.c0), &mul(&d.c1, &d.c1))
    }

}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::simd::*;
    use super::*;
    use ark_ec::short_weierstrass::Projective;
    use ark_ff::{BigInteger, One, PrimeField, UniformRand, Zero};
    use ark_std::test_rng;
    use num_bigint::BigUint;

    fn edges() -> Vec<Fq> {
        let m = -Fq::one();
        let mut v = vec![Fq::zero(), Fq::one(), m, m - Fq::one(), Fq::from(2u64).inverse().unwrap()];
        // Montgomery forms at the extremes: raw limbs 0, 1, q − 1, 2^255-ish
        for raw in [BigInt([0, 0, 0, 0]), BigInt([1, 0, 0, 0]), BigInt([Q[0] - 1, Q[1], Q[2], Q[3]]),
                    BigInt([u64::MAX, u64::MAX, u64::MAX, Q[3] - 1]), BigInt([0, 0, 0, 1 << 52])] {
            v.push(Fq::new_unchecked(raw));
        }
        v
    }

    #[test]
    fn barrett_estimate_is_never_too_large() {
        // k = ⌊⌊r / 2^228⌋·MU / 2^38⌋ with MU = ⌊2^58 / q_h⌋, q_h = ⌊q / 2^208⌋. Overestimate of
        // r/q through q_h ≤ q / 2^208: a factor below 1 + 2^208 / q < 1 + 2^−45. Underestimate
        // through MU's floor: a factor 1 − δ. k ≤ ⌊r/q⌋ holds for every r < 32q when δ exceeds
        // the overestimate; and k ≥ ⌊r/q⌋ − 1 when 32·δ plus the top limb's truncation is below 1.
        let q = BigUint::from_bytes_le(&Fq::MODULUS.to_bytes_le());
        let q_h: BigUint = &q >> 208u32;
        let two_58: BigUint = BigUint::from(1u8) << 58u32;
        assert_eq!(&two_58 / &q_h, BigUint::from(MU));
        let delta = 1.0 - (MU as f64) * (q_h.to_string().parse::<f64>().unwrap()) / 2f64.powi(58);
        assert!(delta > 2f64.powi(-40), "MU's floor leaves {delta}: too close to the overestimate");
        assert!(32.0 * delta + (MU as f64) / 2f64.powi(38) < 0.5, "{delta}");
    }

    #[test]
    fn lanes_round_trip_and_operations_equal_arkworks() {
        let rng = &mut test_rng();
        let mut values = edges();
        values.extend((0..4000).map(|_| Fq::rand(rng)));
        if !available() {
            eprintln!("no AVX-512 IFMA on this CPU: nothing to check");
            return;
        }
        let n = values.len();
        for round in 0..n {
            let a: [Fq; 8] = std::array::from_fn(|j| values[(round + j) % n]);
            let b: [Fq; 8] = std::array::from_fn(|j| values[(round * 7 + 3 * j + 1) % n]);
            // SAFETY: available() above
            unsafe {
                let (va, vb) = (from_lanes(&a), from_lanes(&b));
                assert_eq!(lanes(&va), a);
                let (m, s) = (lanes(&mul(&va, &vb)), lanes(&sub(&va, &vb)));
                let (sum, lazy) = (lanes(&add(&va, &vb)), lanes(&mul(&add_lazy(&va, &vb), &vb)));
                for j in 0..8 {
                    assert_eq!(sum[j], a[j] + b[j], "{} + {}", a[j], b[j]);
                    assert_eq!(lazy[j], (a[j] + b[j]) * b[j], "({} + {}) * {}", a[j], b[j], b[j]);
                    assert_eq!(m[j], a[j] * b[j], "{} * {}", a[j], b[j]);
                    assert_eq!(m[j].0, (a[j] * b[j]).0, "not canonical");
                    assert_eq!(s[j], a[j] - b[j], "{} - {}", a[j], b[j]);
                }
            }
        }
    }

    type AddBatch<P> = fn(&mut [Slot<<P as ark_ec::CurveConfig>::BaseField>], &[(u32, Affine<P>)], &mut Vec<[u64; 40]>) -> bool;

    fn batches_equal_arkworks_additions<P: SWCurveConfig>(add: AddBatch<P>) {
        use ark_ec::{AffineRepr, CurveGroup};
        use ark_std::rand::seq::SliceRandom;
        let rng = &mut test_rng();
        let mut prefixes = Vec::new();
        for n in (1..=20).chain([63, 64, 65, 200]) {
            let mut buckets: Vec<Slot<P::BaseField>> = (0..n + 7)
                .map(|_| {
                    let p: Affine<P> = Projective::<P>::rand(rng).into_affine();
                    Slot { x: p.x, y: p.y }
                })
                .collect();
            let mut indices: Vec<u32> = (0..buckets.len() as u32).collect();
            indices.shuffle(rng);
            let batch: Vec<(u32, Affine<P>)> = indices[..n].iter().map(|&b| (b, Projective::<P>::rand(rng).into_affine())).collect();
            let mut expected: Vec<Affine<P>> = buckets.iter().map(|s| Affine::new_unchecked(s.x, s.y)).collect();
            for (b, q) in &batch {
                expected[*b as usize] = (expected[*b as usize] + q).into_affine();
            }
            assert!(add(&mut buckets, &batch, &mut prefixes));
            for (s, e) in buckets.iter().zip(&expected) {
                assert_eq!((s.x, s.y), (e.x, e.y), "batch of {n}");
                assert!(!e.is_zero());
            }
        }
    }

    #[test]
    fn g1_and_g2_batches_equal_arkworks_additions() {
        if !available() {
            eprintln!("no AVX-512 IFMA on this CPU: nothing to check");
            return;
        }
        batches_equal_arkworks_additions::<ark_bn254::g1::Config>(super::add_batch);
        batches_equal_arkworks_additions::<ark_bn254::g2::Config>(super::add_batch);
    }

    /// Not a test: `cargo test --release --lib ifma_timings -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn ifma_timings() {
        use std::hint::black_box;
        use std::time::Instant;
        assert!(available());
        let rng = &mut test_rng();
        let v: Vec<Fq> = (0..4096).map(|_| Fq::rand(rng)).collect();
        let rounds = 2000;
        let t = Instant::now();
        let mut out = vec![Fq::zero(); v.len()];
        for _ in 0..rounds {
            for (i, o) in out.iter_mut().enumerate() {
                *o = black_box(v[i]) * v[(i + 1) & 4095];
            }
            black_box(&out);
        }
        println!("arkworks mul: {:.2} ns", t.elapsed().as_secs_f64() * 1e9 / (rounds * 4096) as f64);
        let vs: Vec<V> = v.chunks(8).map(|c| unsafe { from_lanes(c.try_into().unwrap()) }).collect();
        let mut outs = vs.clone();
        #[target_feature(enable = "avx512f,avx512ifma")]
        unsafe fn run(vs: &[V], outs: &mut [V], rounds: usize) {
            for _ in 0..rounds {
                for (i, o) in outs.iter_mut().enumerate() {
                    *o = mul(black_box(&vs[i]), &vs[(i + 1) & 511]);
                }
                black_box(&outs);
            }
        }
        let t = Instant::now();
        unsafe { run(&vs, &mut outs, rounds) };
        println!("ifma mul (per element): {:.2} ns", t.elapsed().as_secs_f64() * 1e9 / (rounds * 4096) as f64);
    }
}
