//! GLV on BN254: the endomorphism (x, y) -> (β·x, y) acts on both groups as multiplication by a
//! cube root of unity λ mod r, and every scalar k is k1 + λ·k2 with |k1|, |k2| < 2^128.
//!
//! **MSMs** ([`digits`], [`msm`]): each scalar becomes its two halves over the bases P and φ(P),
//! so an MSM has twice the terms of half the width: as many bucket additions, half the windows,
//! hence half the bucket reductions (a third of a zkML witness's MSM time, where the full-width
//! values are few beside the buckets). φ(P) is formed when a window reads it (one Fq
//! multiplication in G1, two in G2). Small scalars (|k| < 2^128, most of a zkML witness) are not
//! split. G1's λ is used in both groups (on G2 it is β², not arkworks' β), so the proof's four
//! witness MSMs share one set of digits.
//!
//! **One point times one scalar**, for the ceremony's kernels (key application, the group FFTs that
//! give Lagrange points, per-wire combinations) ([`mul`]): GLV with width-4 wNAF digits.
//!
//! arkworks' `glv_mul_projective` walks both ~128-bit halves bit by bit and adds on every nonzero
//! bit pair (~96 full additions per multiplication). With signed odd digits (wNAF, w = 4: at most
//! one nonzero digit in any 4 consecutive) and a table of 1, 3, 5, 7 times each half's base, the
//! same 128 doublings need ~2 x 128 / 5 = ~51 additions, for 8 more to build the tables: about
//! 1.4x faster per multiplication. Cross-checked against plain double-and-add in the tests.

use std::sync::OnceLock;

use ark_bn254::{g1, g2, Fq, Fr};
use ark_ec::scalar_mul::glv::GLVConfig;
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ff::{AdditiveGroup, BigInt, BigInteger, Field, PrimeField, Zero};
use num_bigint::BigUint;

use crate::inversion::BatchInverse;
use crate::pippenger::{self, window_bits_for, Digits};

/// The curves whose (x, y) -> (β^j·x, y) acts as multiplication by G1's λ: the one endomorphism
/// the scalar split ([`split`]) assumes. Only for points of the prime-order subgroup (all of G1;
/// in G2 the points a key's B query holds, which the proof's own verification covers).
pub(crate) trait Endomorphism: SWCurveConfig<ScalarField = Fr> {
    fn endo(p: Affine<Self>) -> Affine<Self>;
}

fn beta() -> Fq {
    g1::Config::ENDO_COEFFS[0]
}

impl Endomorphism for g1::Config {
    #[inline]
    fn endo(mut p: Affine<Self>) -> Affine<Self> {
        p.x *= beta(); // the point at infinity keeps x = 0 and its flag
        p
    }
}

impl Endomorphism for g2::Config {
    #[inline]
    fn endo(mut p: Affine<Self>) -> Affine<Self> {
        // β·x acts on G2 as λ² (arkworks' G2 λ); β²·x as λ. β² = -1 - β, a base-field scalar, so
        // two Fq multiplications instead of an Fq2 one.
        let b2 = -beta() - Fq::ONE; // ONE, not from(1): no Montgomery conversion per point
        p.x.c0 *= b2;
        p.x.c1 *= b2;
        p
    }
}

/// 256-bit two's-complement integers, little-endian limbs: where the split's products live (the
/// halves are small, so arithmetic mod 2^256 is exact for them).
type U256 = [u64; 4];

fn wrapping_add(a: U256, b: U256) -> U256 {
    let mut out = [0u64; 4];
    let mut carry = 0u128;
    for i in 0..4 {
        let t = a[i] as u128 + b[i] as u128 + carry;
        out[i] = t as u64;
        carry = t >> 64;
    }
    out
}

fn wrapping_neg(a: U256) -> U256 {
    wrapping_add(a.map(|x| !x), [1, 0, 0, 0])
}

/// The product of two signed 128-bit magnitudes, mod 2^256.
fn signed_product((neg_a, a): (bool, u128), (neg_b, b): (bool, u128)) -> U256 {
    let (a0, a1, b0, b1) = (a as u64 as u128, a >> 64, b as u64 as u128, b >> 64);
    let (lo, mid1, mid2, hi) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
    let p = wrapping_add(
        wrapping_add([lo as u64, (lo >> 64) as u64, hi as u64, (hi >> 64) as u64], [0, mid1 as u64, (mid1 >> 64) as u64, 0]),
        [0, mid2 as u64, (mid2 >> 64) as u64, 0],
    );
    if neg_a != neg_b {
        wrapping_neg(p)
    } else {
        p
    }
}

/// G1's decomposition basis (arkworks' `SCALAR_DECOMP_COEFFS`: n11, n12, n21, n22, signed) and,
/// for the two rounded quotients β_i = round(k·m_i / r) with m_1 = n22, m_2 = -n12, the
/// multipliers g_i = round(|m_i|·2^256 / r): k·g_i / 2^256 is then within 1 of β_i, which
/// keeps each half below 2^128 (the basis vectors are ~2^127 and ~2^63).
struct SplitConstants {
    n: [(bool, u128); 4],
    g: [(bool, [u64; 3]); 2],
}

fn constants() -> &'static SplitConstants {
    static C: OnceLock<SplitConstants> = OnceLock::new();
    C.get_or_init(|| {
        let n = g1::Config::SCALAR_DECOMP_COEFFS.map(|(positive, m)| {
            let limbs = m.0;
            assert!(limbs[2] == 0 && limbs[3] == 0, "a GLV basis coefficient wider than 128 bits");
            (!positive, limbs[0] as u128 | (limbs[1] as u128) << 64)
        });
        let r = BigUint::from(Fr::MODULUS);
        let g = |(neg, m): (bool, u128)| {
            let q: BigUint = ((BigUint::from(m) << 257u32) + &r) / (&r << 1u32); // round(m·2^256 / r)
            let d = q.to_u64_digits();
            assert!(d.len() <= 3, "a GLV multiplier wider than 192 bits");
            (neg, [0, 1, 2].map(|i| d.get(i).copied().unwrap_or(0)))
        };
        SplitConstants { n, g: [g(n[3]), g((!n[1].0, n[1].1))] }
    })
}

/// round(k·|m| / r) from the multiplier g = round(|m|·2^256 / r): the top of k·g + 2^255.
fn quotient(k: &U256, g: &[u64; 3]) -> u128 {
    let mut t = [0u64; 8];
    for (i, &ki) in k.iter().enumerate() {
        let mut carry = 0u128;
        for (j, &gj) in g.iter().enumerate() {
            let v = t[i + j] as u128 + ki as u128 * gj as u128 + carry;
            t[i + j] = v as u64;
            carry = v >> 64;
        }
        let mut at = i + g.len();
        while carry != 0 {
            let v = t[at] as u128 + carry;
            t[at] = v as u64;
            carry = v >> 64;
            at += 1;
        }
    }
    let mut carry = (1u128 << 63) + t[3] as u128; // + 2^255: round to nearest
    for limb in t.iter_mut().skip(4) {
        carry = (carry >> 64) + *limb as u128;
        *limb = carry as u64;
    }
    debug_assert!(t[6] == 0 && t[7] == 0, "a GLV quotient wider than 128 bits");
    t[4] as u128 | (t[5] as u128) << 64
}

/// A signed value of magnitude below 2^128 (two's complement mod 2^256) as its field integer:
/// -m as r - m.
fn to_field(v: U256) -> BigInt<4> {
    let negative = v[3] >> 63 == 1;
    let m = if negative { wrapping_neg(v) } else { v };
    debug_assert!(m[2] == 0 && m[3] == 0, "a GLV half of 128 bits or more");
    let m = BigInt::new(m);
    if negative && !m.is_zero() {
        let mut out = Fr::MODULUS;
        out.sub_with_borrow(&m);
        out
    } else {
        m
    }
}

/// `k` (canonical, below r) as [k1, k2] with k ≡ k1 + λ·k2 (mod r), G1's λ, each half a field
/// integer of magnitude below 2^128 (a negative half as r − |half|). Fixed-width arithmetic:
/// arkworks' `scalar_decomposition` allocates big integers (~1 µs a scalar, tens of ms a proof).
pub(crate) fn split(k: &BigInt<4>) -> [BigInt<4>; 2] {
    let c = constants();
    let [n11, n12, n21, n22] = c.n;
    let beta = c.g.map(|(neg, g)| (neg, quotient(&k.0, &g)));
    // k1 = k − (β1·n11 + β2·n21), k2 = −(β1·n12 + β2·n22): exact, whatever the rounding, since
    // (n11, n12) and (n21, n22) are in the lattice {(a, b): a + λ·b ≡ 0}.
    let b1 = wrapping_add(signed_product(beta[0], n11), signed_product(beta[1], n21));
    let b2 = wrapping_add(signed_product(beta[0], n12), signed_product(beta[1], n22));
    [to_field(wrapping_add(k.0, wrapping_neg(b1))), to_field(wrapping_neg(b2))]
}

/// Below 2^128 as a signed value (k or r − k): such a scalar needs no split.
fn small(k: &BigInt<4>) -> bool {
    let m = pippenger::magnitude(k, &Fr::MODULUS, &pippenger::half_order(&Fr::MODULUS));
    (m.0[2] | m.0[3]) == 0
}

/// The halves a scalar contributes: [k, 0] for a small one, else [`split`].
fn halves(k: &BigInt<4>) -> [BigInt<4>; 2] {
    if small(k) {
        [*k, BigInt::zero()]
    } else {
        split(k)
    }
}

/// Window digits of `scalars` split by GLV: input i's halves at indices 2i (base P_i) and 2i + 1
/// (base φ(P_i)); read the bases through [`paired`].
pub(crate) fn digits(scalars: &[BigInt<4>]) -> Digits {
    // A split scalar counts as two halves of 126 bits (what random scalars' halves are: 42% of
    // them, the rest shorter, 127 bits in 0.02%); a small one by its own length.
    let mut lengths = pippenger::signed_lengths(scalars, &Fr::MODULUS);
    let split: usize = lengths.drain(HALF_BITS + 1..).sum();
    lengths[HALF_BITS - 2] += 2 * split;
    let c = window_bits_for(&lengths, HALF_BITS);
    Digits::expanded::<g1::Config, 2>(scalars.len(), |i| halves(&scalars[i]), HALF_BITS, c)
}

/// Bits of a half's magnitude.
const HALF_BITS: usize = 128;

/// The bases [`digits`] indexes: P_{j/2} at even j, φ(P_{j/2}) at odd j.
pub(crate) fn paired<P: Endomorphism>(base: impl Fn(usize) -> Affine<P> + Sync) -> impl Fn(usize) -> Affine<P> + Sync {
    move |j| {
        let p = base(j >> 1);
        if j & 1 == 1 {
            P::endo(p)
        } else {
            p
        }
    }
}

/// sum_i scalars[i] * bases[i] by GLV and the batch-affine kernel (the bases in the prime-order
/// subgroup; extra bases or scalars past the shorter are ignored).
pub(crate) fn msm<P: Endomorphism>(bases: &[Affine<P>], scalars: &[BigInt<4>]) -> Projective<P>
where
    P::BaseField: BatchInverse,
{
    let n = bases.len().min(scalars.len());
    pippenger::msm_by(paired(|i| bases[i]), digits(&scalars[..n]))
}

const W: usize = 4;
const TABLE: usize = 1 << (W - 2); // odd multiples 1, 3, ..., 2^(W-1) - 1

/// 1, 3, 5, 7 times `b`, left projective: normalising the table (an inversion per multiplication)
/// to make the additions mixed measured slower for G1 and no faster for G2.
fn odd_multiples<P: GLVConfig>(b: Projective<P>) -> [Projective<P>; TABLE] {
    let mut t = [b; TABLE];
    let twice = b + b;
    for i in 1..TABLE {
        t[i] = t[i - 1] + twice;
    }
    t
}

fn wnaf<F: PrimeField>(k: F) -> Vec<i64> {
    k.into_bigint().find_wnaf(W).expect("W is in wNAF's range")
}

#[inline]
fn add_digit<P: GLVConfig>(acc: &mut Projective<P>, table: &[Projective<P>; TABLE], d: i64) {
    if d > 0 {
        *acc += table[(d as usize - 1) / 2];
    } else if d < 0 {
        *acc -= table[((-d) as usize - 1) / 2];
    }
}

/// `p · k` for `p` in the prime-order subgroup (where the endomorphism acts as multiplication by
/// λ; every point the ceremony multiplies is checked to be there or is a power of tau).
pub(crate) fn mul<P: GLVConfig>(p: Projective<P>, k: P::ScalarField) -> Projective<P> {
    if p.is_zero() || k.is_zero() {
        return Projective::zero();
    }
    let ((s1, k1), (s2, k2)) = P::scalar_decomposition(k);
    let b1 = if s1 { p } else { -p };
    let e = P::endomorphism(&p);
    let b2 = if s2 { e } else { -e };
    let (t1, t2) = (odd_multiples(b1), odd_multiples(b2));
    let (d1, d2) = (wnaf(k1), wnaf(k2));
    let mut acc = Projective::<P>::zero();
    for i in (0..d1.len().max(d2.len())).rev() {
        acc.double_in_place();
        add_digit(&mut acc, &t1, d1.get(i).copied().unwrap_or(0));
        add_digit(&mut acc, &t2, d2.get(i).copied().unwrap_or(0));
    }
    acc
}

/// A projective point whose scalar multiplication is [`mul`]: the element type of the group FFTs
/// (arkworks' `DomainCoeff` needs `MulAssign<Fr>`).
pub(crate) struct Glv<P: GLVConfig>(pub(crate) Projective<P>);

// Written out: derive would also require P (a marker type) to be Copy, Debug and Eq.
impl<P: GLVConfig> Clone for Glv<P> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P: GLVConfig> Copy for Glv<P> {}
impl<P: GLVConfig> core::fmt::Debug for Glv<P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Glv({})", self.0)
    }
}
impl<P: GLVConfig> PartialEq for Glv<P> {
    fn eq(&self, o: &Self) -> bool {
        self.0 == o.0
    }
}
impl<P: GLVConfig> Eq for Glv<P> {}

impl<P: GLVConfig> Default for Glv<P> {
    fn default() -> Self {
        Glv(Projective::zero())
    }
}
impl<P: GLVConfig> core::ops::Add for Glv<P> {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        Glv(self.0 + o.0)
    }
}
impl<P: GLVConfig> core::ops::Sub for Glv<P> {
    type Output = Self;
    fn sub(self, o: Self) -> Self {
        Glv(self.0 - o.0)
    }
}
impl<P: GLVConfig> core::ops::AddAssign for Glv<P> {
    fn add_assign(&mut self, o: Self) {
        self.0 += o.0;
    }
}
impl<P: GLVConfig> core::ops::SubAssign for Glv<P> {
    fn sub_assign(&mut self, o: Self) {
        self.0 -= o.0;
    }
}
impl<P: GLVConfig> core::ops::MulAssign<P::ScalarField> for Glv<P> {
    fn mul_assign(&mut self, k: P::ScalarField) {
        self.0 = mul(self.0, k);
    }
}
impl<P: GLVConfig> core::ops::Neg for Glv<P> {
    type Output = Self;
    fn neg(self) -> Self {
        Glv(-self.0)
    }
}
impl<P: GLVConfig> Zero for Glv<P> {
    fn zero() -> Self {
        Glv(Projective::zero())
    }
    fn is_zero(&self) -> bool {
        self.0.is_zero()
    }
}
