//! One point times one scalar, for the ceremony's kernels (key application, the group FFTs that
//! give Lagrange points, per-wire combinations): GLV with width-4 wNAF digits.
//!
//! arkworks' `glv_mul_projective` walks both ~128-bit halves bit by bit and adds on every nonzero
//! bit pair (~96 full additions per multiplication). With signed odd digits (wNAF, w = 4: at most
//! one nonzero digit in any 4 consecutive) and a table of 1, 3, 5, 7 times each half's base, the
//! same 128 doublings need ~2 x 128 / 5 = ~51 additions, for 8 more to build the tables: about
//! 1.4x faster per multiplication. Cross-checked against plain double-and-add in the tests.

use ark_ec::scalar_mul::glv::GLVConfig;
use ark_ec::short_weierstrass::Projective;
use ark_ff::{AdditiveGroup, BigInteger, PrimeField, Zero};

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
