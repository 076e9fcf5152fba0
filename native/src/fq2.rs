//! Fq2 multiplication and squaring for G2's batch-affine additions (pippenger.rs), and the norm
//! their batch inversion takes (inversion.rs): 512-bit products, reduced once per coefficient.
//!
//! arkworks multiplies in Fq2 = Fq[u]/(u² + 1) as two sums of products (c0 = a0·b0 − a1·b1,
//! c1 = a0·b1 + a1·b0), each a full Montgomery multiplication of its own. Here the three
//! products a0·b0, a1·b1 and (a0 + a1)·(b0 + b1) are kept whole (512 bits, no reduction), combined
//! as integers, and each coefficient reduced once: three schoolbook products and two reductions.
//! Measured in a dependent chain: 62–67 ns against arkworks' 81–98 ns (gnark-crypto's assembly
//! takes 47); on independent products, as the batch additions use it, 36 ns against 52 (another
//! hour). The limb additions and the final comparison are arkworks' `BigInt`'s.
//!
//! The bounds that make one reduction enough (q < 2^254): a0 + a1 < 2q fits four limbs;
//! c1 = (a0 + a1)(b0 + b1) − a0·b0 − a1·b1 = a0·b1 + a1·b0 < 2q², and c0 = a0·b0 + q² − a1·b1 lies
//! in (0, 2q²); Montgomery reduction takes any input below q·2^256 > 4q² to [0, 2q).
//!
//! Squaring (arkworks: two Montgomery multiplications and its reduced additions around them):
//! c0 = (a0 + a1)(a0 + q − a1), a product of two values below 2q (< 4q²), and c1 = (a0 + a0)·a1
//! (< 2q²), each reduced once. The norm a0² + a1² (< 2q²) is one reduction, not two.

use ark_bn254::{Fq, Fq2, FqConfig};
use ark_ff::{BigInt, BigInteger, MontConfig};

const Q: BigInt<4> = <FqConfig as MontConfig<4>>::MODULUS;
/// −q⁻¹ mod 2^64.
const INV: u64 = <FqConfig as MontConfig<4>>::INV;
const Q_SQUARED: BigInt<8> = BigInt(mul_wide(&Q.0, &Q.0));

/// a·b over Fq2 (Montgomery forms in, Montgomery form out, canonical), equal to `a * b`.
#[inline]
pub(crate) fn mul(a: &Fq2, b: &Fq2) -> Fq2 {
    let (a0, a1, b0, b1) = (a.c0.0, a.c1.0, b.c0.0, b.c1.0);
    let t0 = BigInt(mul_wide(&a0.0, &b0.0));
    let t1 = BigInt(mul_wide(&a1.0, &b1.0));
    let (mut sum_a, mut sum_b) = (a0, b0);
    sum_a.add_with_carry(&a1);
    sum_b.add_with_carry(&b1);
    let mut c1 = BigInt(mul_wide(&sum_a.0, &sum_b.0));
    c1.sub_with_borrow(&t0);
    c1.sub_with_borrow(&t1);
    let mut c0 = t0;
    c0.add_with_carry(&Q_SQUARED);
    c0.sub_with_borrow(&t1);
    Fq2::new(reduce(c0), reduce(c1))
}

/// a² over Fq2, equal to `a.square()`.
#[inline]
pub(crate) fn square(a: &Fq2) -> Fq2 {
    let (a0, a1) = (a.c0.0, a.c1.0);
    let (mut sum, mut diff, mut twice) = (a0, a0, a0);
    sum.add_with_carry(&a1);
    diff.add_with_carry(&Q);
    diff.sub_with_borrow(&a1);
    twice.add_with_carry(&a0);
    Fq2::new(reduce(BigInt(mul_wide(&sum.0, &diff.0))), reduce(BigInt(mul_wide(&twice.0, &a1.0))))
}

/// The norm a·conj(a) = a0² + a1² (in Fq: u² = −1).
#[inline]
pub(crate) fn norm(a: &Fq2) -> Fq {
    let mut t = BigInt(mul_wide(&a.c0.0 .0, &a.c0.0 .0));
    t.add_with_carry(&BigInt(mul_wide(&a.c1.0 .0, &a.c1.0 .0)));
    reduce(t)
}

/// a·b as a 512-bit integer (schoolbook; const, for q²).
#[inline(always)]
const fn mul_wide(a: &[u64; 4], b: &[u64; 4]) -> [u64; 8] {
    let mut r = [0u64; 8];
    let mut i = 0;
    while i < 4 {
        let mut carry = 0u64;
        let mut j = 0;
        while j < 4 {
            let t = r[i + j] as u128 + a[i] as u128 * b[j] as u128 + carry as u128;
            r[i + j] = t as u64;
            carry = (t >> 64) as u64;
            j += 1;
        }
        r[i + 4] = carry;
        i += 1;
    }
    r
}

/// t·2^−256 mod q for t < q·2^256, as a canonical Fq (its Montgomery form read back).
#[inline(always)]
fn reduce(BigInt(mut t): BigInt<8>) -> Fq {
    let mut high_carry = 0u64;
    for i in 0..4 {
        let k = t[i].wrapping_mul(INV);
        let mut carry = ((t[i] as u128 + k as u128 * Q.0[0] as u128) >> 64) as u64; // low word becomes 0
        for j in 1..4 {
            let s = t[i + j] as u128 + k as u128 * Q.0[j] as u128 + carry as u128;
            t[i + j] = s as u64;
            carry = (s >> 64) as u64;
        }
        let s = t[i + 4] as u128 + carry as u128 + high_carry as u128;
        t[i + 4] = s as u64;
        high_carry = (s >> 64) as u64;
    }
    let mut r = BigInt([t[4], t[5], t[6], t[7]]);
    if r >= Q {
        r.sub_with_borrow(&Q);
    }
    Fq::new_unchecked(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{Field, One, UniformRand, Zero};
    use ark_std::test_rng;

    #[test]
    fn lazy_karatsuba_equals_arkworks_on_random_and_extreme_values() {
        let rng = &mut test_rng();
        for _ in 0..20_000 {
            let (a, b) = (Fq2::rand(rng), Fq2::rand(rng));
            assert_eq!(mul(&a, &b), a * b);
        }
        let m = -Fq::one(); // q - 1
        let edges = [Fq::zero(), Fq::one(), m, m - Fq::one(), Fq::from(2u64).inverse().unwrap()];
        for &a0 in &edges {
            for &a1 in &edges {
                for &b0 in &edges {
                    for &b1 in &edges {
                        let (a, b) = (Fq2::new(a0, a1), Fq2::new(b0, b1));
                        assert_eq!(mul(&a, &b), a * b, "{a} * {b}");
                    }
                }
            }
        }
        let u = Fq2::new(Fq::zero(), Fq::one());
        assert_eq!(mul(&u, &u), -Fq2::one());
        assert_eq!(square(&u), -Fq2::one());
    }

    #[test]
    fn lazy_square_and_norm_equal_arkworks_on_random_and_extreme_values() {
        let rng = &mut test_rng();
        let m = -Fq::one();
        let edges = [Fq::zero(), Fq::one(), m, m - Fq::one(), Fq::from(2u64).inverse().unwrap()];
        let pairs = edges.iter().flat_map(|&a0| edges.iter().map(move |&a1| Fq2::new(a0, a1)));
        for a in pairs.chain((0..20_000).map(|_| Fq2::rand(rng))) {
            assert_eq!(square(&a), a.square(), "{a}²");
            assert_eq!(norm(&a), a.c0.square() + a.c1.square(), "N({a})");
        }
    }

    /// Not a test: `cargo test --release --lib fq2_timings -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn fq2_timings() {
        use std::hint::black_box;
        use std::time::Instant;
        let rng = &mut test_rng();
        let v: Vec<Fq2> = (0..4096).map(|_| Fq2::rand(rng)).collect();
        let mut out = vec![Fq2::zero(); v.len()];
        let rounds = 2000;
        let mut time = |name: &str, f: &dyn Fn(&Fq2, &Fq2) -> Fq2| {
            let t = Instant::now();
            for _ in 0..rounds {
                for (i, o) in out.iter_mut().enumerate() {
                    *o = f(black_box(&v[i]), &v[(i + 1) & 4095]);
                }
                black_box(&out);
            }
            println!("{name}: {:.1} ns", t.elapsed().as_secs_f64() * 1e9 / (rounds * v.len()) as f64);
        };
        for _ in 0..2 {
            time("arkworks mul", &|a, b| *a * b);
            time("ours mul", &|a, b| mul(a, b));
            time("arkworks square", &|a, _| a.square());
            time("ours square", &|a, _| square(a));
            time("arkworks norm", &|a, _| Fq2::new(a.c0.square() + a.c1.square(), Fq::zero()));
            time("ours norm", &|a, _| Fq2::new(norm(a), Fq::zero()));
        }
    }
}
