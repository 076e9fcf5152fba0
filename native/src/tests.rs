//! Unit tests of the pure-Rust parts, each against arkworks' own arithmetic as the reference.

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{BigInteger, BigInteger256, Field, PrimeField, UniformRand, Zero};
use ark_std::test_rng;

use crate::encoding::*;

fn fr_bytes(v: &[Fr]) -> Vec<u8> {
    encode_fr(v)
}

#[test]
fn field_elements_round_trip_and_non_canonical_values_are_named() {
    let mut rng = test_rng();
    let v: Vec<Fr> = (0..100).map(|_| Fr::rand(&mut rng)).collect();
    assert_eq!(decode_fr(&fr_bytes(&v), "v").unwrap(), v);
    let mut bad = fr_bytes(&v);
    bad[7 * FE..8 * FE].copy_from_slice(&Fr::MODULUS.to_bytes_le()); // r itself: not below r
    let err = decode_fr(&bad, "v").unwrap_err();
    assert!(err.contains("element 7"), "{err}");
    assert!(decode_fr(&bad[..FE + 1], "v").unwrap_err().contains("not a multiple of 32"));
}

#[test]
fn points_round_trip_infinity_is_zeros_and_off_curve_points_are_refused() {
    let mut rng = test_rng();
    let g1: Vec<G1Affine> = (0..20).map(|_| G1Projective::rand(&mut rng).into_affine()).collect();
    let mut with_zero = g1.clone();
    with_zero.push(G1Affine::identity());
    let bytes = encode_g1(&with_zero);
    assert!(bytes[20 * G1_BYTES..].iter().all(|b| *b == 0));
    assert_eq!(decode_g1(&bytes, "p", true).unwrap(), with_zero);
    let mut off = bytes.clone();
    off[3 * G1_BYTES] ^= 1; // x changes, y does not: off the curve
    assert!(decode_g1(&off, "p", true).unwrap_err().contains("element 3"));
    assert!(decode_g1(&off, "p", false).is_ok()); // unchecked decoding is for trusted arrays only

    let g2: Vec<G2Affine> = (0..5).map(|_| G2Projective::rand(&mut rng).into_affine()).collect();
    assert_eq!(decode_g2(&encode_g2(&g2), "q", true).unwrap(), g2);
}

#[test]
fn a_g2_point_outside_the_subgroup_is_on_the_curve_but_refused_by_the_full_check() {
    // A curve point of the twist with a cofactor component: hash-free, by trying x = 1, 2, ...
    use ark_bn254::Fq2;
    use ark_ec::short_weierstrass::SWCurveConfig;
    use ark_ff::Field;
    let b = ark_bn254::g2::Config::COEFF_B;
    let mut x = Fq2::from(1u64);
    let p = loop {
        if let Some(y) = (x * x * x + b).sqrt() {
            let p = G2Affine::new_unchecked(x, y);
            if p.is_on_curve() && !p.is_in_correct_subgroup_assuming_on_curve() {
                break p;
            }
        }
        x += Fq2::from(1u64);
    };
    let bytes = encode_g2(&[p]);
    assert!(decode_g2_on_curve(&bytes, "q").is_ok());
    assert!(decode_g2(&bytes, "q", true).unwrap_err().contains("outside the subgroup"));
}

#[test]
fn msm_over_decoded_bases_equals_the_naive_sum() {
    let mut rng = test_rng();
    let n = 300;
    let bases: Vec<G1Affine> = (0..n).map(|_| G1Projective::rand(&mut rng).into_affine()).collect();
    let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    let decoded = decode_g1(&encode_g1(&bases), "b", true).unwrap();
    let s = decode_scalars(&fr_bytes(&scalars), "s").unwrap();
    let fast = G1Projective::msm_bigint(&decoded, &s);
    let naive: G1Projective = bases.iter().zip(&scalars).map(|(b, k)| *b * k).sum();
    assert_eq!(fast, naive);
}

#[test]
fn poseidon_schedule_of_width_two_matches_a_hand_computed_round() {
    // With every constant zero, an identity MDS and P, m00 = 1 and zero w_hat/v, the schedule is
    // x -> x^5 per S-box: the state and the recorded x², x⁴, x⁵ must follow exactly.
    use crate::poseidon::{permute, Schedule};
    let (t, rp) = (2, 3);
    let one = Fr::from(1u64);
    let zero = Fr::from(0u64);
    let id = vec![one, zero, zero, one];
    let s = Schedule {
        t,
        partial_rounds: rp,
        constants: vec![zero; (8 + rp) * t],
        mds: id.clone(),
        pre_sparse: id,
        m00: one,
        w_hat: vec![zero; rp * (t - 1)],
        v: vec![zero; rp * (t - 1)],
    };
    let mut state = vec![Fr::from(3u64), Fr::from(5u64)];
    let layers = permute(&mut state, &s);
    // the first element goes through 8 + 3 S-boxes, the second through the 8 full ones only
    let pow = |x: u64, e: u64| Fr::from(x).pow([e]);
    assert_eq!(state, vec![pow(3, 5u64.pow(11)), pow(5, 5u64.pow(8))]);
    assert_eq!(layers.len(), 3 * (8 * t + rp));
    assert_eq!(&layers[..6], &[pow(3, 2), pow(5, 2), pow(3, 4), pow(5, 4), pow(3, 5), pow(5, 5)]);
}

mod pippenger_kernel {
    //! The batch-affine kernel against arkworks' `msm_bigint`, on random and edge-case inputs.
    use super::*;
    use crate::pippenger::{msm, window_bits};
    use ark_std::rand::Rng;
    use ark_ec::short_weierstrass::{Affine, Projective};
    use ark_ff::Zero;

    /// Both kernels, plain and GLV-split (glv.rs), against arkworks.
    fn check<P: crate::glv::Endomorphism>(bases: &[Affine<P>], scalars: &[P::ScalarField])
    where
        Projective<P>: VariableBaseMSM<MulBase = Affine<P>, ScalarField = P::ScalarField>,
        P::BaseField: crate::inversion::BatchInverse,
    {
        let big: Vec<_> = scalars.iter().map(|s| s.into_bigint()).collect();
        let reference = <Projective<P> as VariableBaseMSM>::msm_bigint(bases, &big);
        assert_eq!(msm::<P>(bases, &big), reference, "n = {}", bases.len());
        assert_eq!(crate::glv::msm::<P>(bases, &big), reference, "GLV, n = {}", bases.len());
    }

    fn random_g1(n: usize, rng: &mut impl ark_std::rand::Rng) -> Vec<G1Affine> {
        G1Projective::normalize_batch(&(0..n).map(|_| G1Projective::rand(rng)).collect::<Vec<_>>())
    }

    fn random_g2(n: usize, rng: &mut impl ark_std::rand::Rng) -> Vec<G2Affine> {
        G2Projective::normalize_batch(&(0..n).map(|_| G2Projective::rand(rng)).collect::<Vec<_>>())
    }

    fn random_fr(n: usize, rng: &mut impl ark_std::rand::Rng) -> Vec<Fr> {
        (0..n).map(|_| Fr::rand(rng)).collect()
    }

    #[test]
    fn random_inputs_of_many_sizes_including_one_and_non_powers_of_two() {
        let mut rng = test_rng();
        for n in [1, 2, 3, 7, 64, 100, 257, 1000, 5000] {
            check(&random_g1(n, &mut rng), &random_fr(n, &mut rng));
        }
        for n in [1, 5, 300] {
            check(&random_g2(n, &mut rng), &random_fr(n, &mut rng));
        }
    }

    #[test]
    fn zero_one_and_minus_one_scalars_and_points_at_infinity() {
        let mut rng = test_rng();
        let n = 2000;
        let mut bases = random_g1(n, &mut rng);
        let minus_one = -Fr::from(1u64); // r - 1: every signed digit is at its extreme
        let scalars: Vec<Fr> = (0..n)
            .map(|i| match i % 5 {
                0 => Fr::zero(),
                1 => Fr::from(1u64),
                2 => minus_one,
                3 => Fr::from(i as u64), // small: only the low windows
                _ => Fr::rand(&mut rng),
            })
            .collect();
        for i in (0..n).step_by(7) {
            bases[i] = G1Affine::identity();
        }
        check(&bases, &scalars);
        check(&bases, &vec![Fr::zero(); n]);
        check(&bases, &vec![minus_one; n]);
        check(&bases[..1], &[minus_one]);
        let mut g2 = random_g2(40, &mut rng);
        g2[3] = G2Affine::identity();
        check(&g2, &(0..40).map(|i| if i % 2 == 0 { minus_one } else { Fr::from(1u64) }).collect::<Vec<_>>());
    }

    #[test]
    fn repeated_bases_meet_their_own_bucket_double_and_cancel() {
        // One point everywhere: buckets see P + P (doubling) and P + (-P) (cancellation), the
        // cases the affine addition formula cannot divide through.
        let mut rng = test_rng();
        let p = random_g1(1, &mut rng)[0];
        let n = 3000;
        let bases = vec![p; n];
        check(&bases, &random_fr(n, &mut rng));
        let same: Vec<Fr> = (0..n).map(|i| Fr::from((i % 3) as u64 + 1)).collect();
        check(&bases, &same);
        let mut plus_minus = random_fr(n / 2, &mut rng);
        plus_minus.extend(plus_minus.clone().iter().map(|s| -*s)); // sums to zero
        check(&bases, &plus_minus);
        let q = random_g2(1, &mut rng)[0];
        check(&vec![q; 200], &random_fr(200, &mut rng));
    }

    #[test]
    fn skewed_scalars_overflow_the_queue_and_stay_exact() {
        // Bits: every nonzero digit is 1, all in one bucket, so the queue fills and the rest of
        // the points go to the overflow bucket.
        let mut rng = test_rng();
        let n = 20_000;
        let bases = random_g1(n, &mut rng);
        let bits: Vec<Fr> = (0..n).map(|_| Fr::from(u64::from(rng.gen::<bool>()))).collect();
        check(&bases, &bits);
        let bytes: Vec<Fr> = (0..n).map(|_| Fr::from(rng.gen::<u8>() as u64)).collect();
        check(&bases, &bytes);
    }

    #[test]
    fn a_zkml_shaped_witness_spills_its_skewed_buckets_and_stays_exact() {
        // Two thirds 0/1, the rest full width, small or small negative (r - k): window 0's queue is
        // bucket 1's points when the window drains, and they are spilled to the overflow buckets.
        let mut rng = test_rng();
        fn mixed(n: usize, rng: &mut impl Rng) -> Vec<Fr> {
            (0..n)
                .map(|_| match rng.gen_range(0..12) {
                    0..=7 => Fr::from(u64::from(rng.gen::<bool>())),
                    8 | 9 => Fr::rand(rng),
                    10 => Fr::from(rng.gen::<u16>() as u64),
                    _ => -Fr::from(rng.gen::<u16>() as u64),
                })
                .collect()
        }
        for n in [1, 33, 1000, 30_000] {
            check(&random_g1(n, &mut rng), &mixed(n, &mut rng));
        }
        check(&random_g2(3000, &mut rng), &mixed(3000, &mut rng));
        // a window's queue that is one bucket's points plus a few others: spilled with a batch open
        let mut few = vec![Fr::from(1u64); 5000];
        few.extend((0..20).map(|k| Fr::from(2u64 + k)));
        check(&random_g1(few.len(), &mut rng), &few);
    }

    #[test]
    fn scalars_above_half_the_order_are_negated_exactly_at_every_width() {
        // s > (r - 1)/2 is written as -(r - s): the boundary itself, small negatives (r - k, the
        // zkML case), r - 2^j at window edges, and random values on either side; at every window
        // width, including 16, where a negated digit reaches 2^15 before negation.
        use crate::pippenger::{msm_with, Digits};
        let mut rng = test_rng();
        let half = Fr::from(2u64).inverse().unwrap(); // (r + 1) / 2
        let mut scalars = vec![half, half - Fr::from(1u64), half + Fr::from(1u64), -half, -Fr::from(2u64)];
        scalars.extend((0..60u64).map(|k| -Fr::from(k * 977 + 3)));
        scalars.extend((0..254u64).map(|j| -Fr::from(2u64).pow([j])));
        scalars.extend((0..254u64).map(|j| -(Fr::from(2u64).pow([j]) - Fr::from(1u64))));
        scalars.extend(random_fr(300, &mut rng).into_iter().map(|x| if x.into_bigint() > half.into_bigint() { x } else { -x }));
        let n = scalars.len();
        let bases = random_g1(n, &mut rng);
        check(&bases, &scalars);
        let big: Vec<_> = scalars.iter().map(|x| x.into_bigint()).collect();
        let reference = <G1Projective as VariableBaseMSM>::msm_bigint(&bases, &big);
        for c in 2..=16 {
            let d = Digits::with_width::<ark_bn254::g1::Config>(&big, c);
            assert_eq!(msm_with(|i| bases[i], d, 64), reference, "c = {c}");
        }
        let g2 = random_g2(80, &mut rng);
        check(&g2, &scalars[..80]);
    }

    #[test]
    fn every_case_again_on_the_scalar_path() {
        // On a CPU with AVX-512 IFMA the additions above ran in lanes (ifma.rs); a CPU without
        // runs the scalar batch additions, which these runs keep covered.
        use std::sync::atomic::Ordering;
        struct Reset; // back to lanes even when a case fails
        impl Drop for Reset {
            fn drop(&mut self) {
                crate::ifma::SCALAR_ONLY.store(false, Ordering::Relaxed);
            }
        }
        crate::ifma::SCALAR_ONLY.store(true, Ordering::Relaxed);
        let _reset = Reset;
        random_inputs_of_many_sizes_including_one_and_non_powers_of_two();
        zero_one_and_minus_one_scalars_and_points_at_infinity();
        repeated_bases_meet_their_own_bucket_double_and_cancel();
        a_zkml_shaped_witness_spills_its_skewed_buckets_and_stays_exact();
    }

    #[test]
    fn window_width_grows_with_the_input_and_fits_an_i16_digit() {
        let widths: Vec<usize> = [1usize, 100, 1 << 12, 1 << 16, 1 << 20, 1 << 26].iter().map(|&n| window_bits(n, 254)).collect();
        assert!(widths.windows(2).all(|w| w[0] <= w[1]), "{widths:?}");
        assert!(widths.iter().all(|&c| (2..=16).contains(&c)), "{widths:?}");
    }
}

/// Timings of the batch-affine kernel against arkworks (not a test: `cargo test --release
/// msm_timings -- --ignored --nocapture`). The benchmarks in benchmarks/ time whole proofs.
#[test]
#[ignore]
fn msm_timings() {
    use crate::pippenger::msm;
    use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
    use std::time::Instant;
    fn bases<P: SWCurveConfig>(n: usize) -> Vec<Affine<P>> {
        let mut rng = test_rng();
        let step = Projective::<P>::rand(&mut rng);
        let mut p = Projective::<P>::rand(&mut rng);
        let v: Vec<Projective<P>> = (0..n).map(|_| { p += step; p }).collect();
        Projective::normalize_batch(&v)
    }
    fn time<P: SWCurveConfig>(name: &str, n: usize)
    where
        Projective<P>: VariableBaseMSM<MulBase = Affine<P>, ScalarField = P::ScalarField>,
        P::BaseField: crate::inversion::BatchInverse,
    {
        let mut rng = test_rng();
        let b = bases::<P>(n);
        let s: Vec<_> = (0..n).map(|_| P::ScalarField::rand(&mut rng).into_bigint()).collect();
        let t = Instant::now();
        let r1 = <Projective<P> as VariableBaseMSM>::msm_bigint(&b, &s);
        let ark = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let r2 = msm::<P>(&b, &s);
        let ours = t.elapsed().as_secs_f64();
        assert_eq!(r1, r2);
        println!("{name} n=2^{}: arkworks {ark:.3}s ours {ours:.3}s  {:.2}x", n.trailing_zeros(), ark / ours);
        if std::env::var("SWEEP").is_ok() {
            for c in 6..=17 {
                for batch in [16usize, 32, 64, 128, 256, 512, 1024] {
                    if batch > (1 << (c - 1)) / 2 || c > 16 {
                        continue;
                    }
                    let t = Instant::now();
                    let r = crate::pippenger::msm_with::<P>(|i| b[i], crate::pippenger::Digits::with_width::<P>(&s, c), batch);
                    let e = t.elapsed().as_secs_f64();
                    assert_eq!(r, r1);
                    println!("   c={c} batch={batch}: {e:.3}s {:.2}x", ark / e);
                }
            }
        }
    }
    for k in std::env::var("SIZES").map(|v| v.split(',').map(|x| x.parse().unwrap()).collect()).unwrap_or(vec![12, 16, 18, 20]) {
        time::<ark_bn254::g1::Config>("G1", 1 << k);
    }
    for k in [12, 16, 18] {
        time::<ark_bn254::g2::Config>("G2", 1 << k);
    }
}

#[test]
#[ignore]
fn field_timings() {
    use ark_bn254::Fq;
    use std::time::Instant;
    let mut rng = test_rng();
    let (mut a, b) = (Fq::rand(&mut rng), Fq::rand(&mut rng));
    let t = Instant::now();
    for _ in 0..10_000_000 {
        a *= b;
    }
    println!("Fq mul {:.1} ns ({a})", t.elapsed().as_secs_f64() * 1e2);
    let t = Instant::now();
    for _ in 0..10_000_000 {
        a.square_in_place();
    }
    println!("Fq square {:.1} ns ({a})", t.elapsed().as_secs_f64() * 1e2);
    let t = Instant::now();
    for _ in 0..100_000 {
        a = a.inverse().unwrap() + b;
    }
    println!("Fq inverse {:.1} ns ({a})", t.elapsed().as_secs_f64() * 1e4);
}

#[test]
fn glv_split_halves_recombine_and_stay_below_2_to_the_128() {
    // k = k1 + λ·k2 (mod r) with |k1|, |k2| < 2^128, at the edges (0, 1, r - 1, (r ± 1)/2,
    // λ, -λ, 2^j, multiples of the basis vectors' sizes) and on random scalars; and φ (the
    // endomorphism each group uses) really is λ on both groups.
    use crate::glv::{split, Endomorphism};
    use ark_ec::scalar_mul::glv::GLVConfig;
    let lambda = <ark_bn254::g1::Config as GLVConfig>::LAMBDA;
    let mut rng = test_rng();
    let half = Fr::from(2u64).inverse().unwrap();
    let mut ks = vec![Fr::zero(), Fr::from(1u64), -Fr::from(1u64), half, half - Fr::from(1u64), lambda, -lambda, lambda * lambda];
    ks.extend((0..254u64).map(|j| Fr::from(2u64).pow([j])));
    ks.extend((0..254u64).map(|j| -Fr::from(2u64).pow([j])));
    ks.extend((0..2000).map(|_| Fr::rand(&mut rng)));
    let limit = BigInteger256::from(1u64) << 128;
    for k in ks {
        let [a, b] = split(&k.into_bigint());
        let (fa, fb) = (Fr::from_bigint(a).expect("below r"), Fr::from_bigint(b).expect("below r"));
        assert_eq!(fa + lambda * fb, k, "k = {k}");
        for h in [fa, fb] {
            let m = std::cmp::min(h.into_bigint(), (-h).into_bigint());
            assert!(m < limit, "a half of 128 bits or more for k = {k}");
        }
    }
    let (p1, p2) = (G1Projective::rand(&mut rng).into_affine(), G2Projective::rand(&mut rng).into_affine());
    assert_eq!(ark_bn254::g1::Config::endo(p1), (p1 * lambda).into_affine());
    assert_eq!(ark_bn254::g2::Config::endo(p2), (p2 * lambda).into_affine());
    assert!(ark_bn254::g2::Config::endo(G2Affine::zero()).is_zero());
}

#[test]
fn glv_wnaf_multiplication_equals_double_and_add() {
    use crate::glv::{mul, Glv};
    use ark_bn254::{g1::Config as G1Config, g2::Config as G2Config};
    use ark_ec::scalar_mul::double_and_add;
    use ark_ec::short_weierstrass::{Projective, SWCurveConfig};
    use ark_ff::{One, Zero};

    fn check<P: SWCurveConfig + ark_ec::scalar_mul::glv::GLVConfig<ScalarField = Fr>>() {
        let mut rng = test_rng();
        let minus_one = -Fr::one();
        let mut scalars = vec![Fr::zero(), Fr::one(), Fr::from(2u64), Fr::from(7u64), Fr::from(u64::MAX), minus_one,
                               minus_one - Fr::one(), Fr::from(2u64).pow([128u64]), Fr::from(2u64).pow([127u64]) - Fr::one()];
        scalars.extend((0..200).map(|_| Fr::rand(&mut rng)));
        let points: Vec<Projective<P>> = (0..8).map(|_| Projective::<P>::rand(&mut rng)).chain([Projective::zero()]).collect();
        for p in &points {
            for k in &scalars {
                let expected: Projective<P> = double_and_add(p, k.into_bigint());
                assert_eq!(mul(*p, *k), expected, "p·{k}");
                let mut g = Glv(*p);
                g *= *k;
                assert_eq!(g.0, expected);
            }
        }
    }
    check::<G1Config>();
    check::<G2Config>();
}

#[test]
fn group_ifft_with_glv_points_equals_arkworks_on_plain_points() {
    use crate::glv::Glv;
    use ark_bn254::g1::Config as G1Config;
    use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};

    let mut rng = test_rng();
    for n in [1usize, 2, 8, 64] {
        let d = Radix2EvaluationDomain::<Fr>::new(n).unwrap();
        let pts: Vec<G1Projective> = (0..n).map(|_| G1Projective::rand(&mut rng)).collect();
        let mut plain = pts.clone();
        d.ifft_in_place(&mut plain);
        let mut glv: Vec<Glv<G1Config>> = pts.iter().map(|p| Glv(*p)).collect();
        d.ifft_in_place(&mut glv);
        assert!(plain.iter().zip(&glv).all(|(a, b)| *a == b.0), "n = {n}");
    }
}

#[test]
fn odd_lagrange_points_equal_the_odd_half_of_arkworks_size_2d_transform() {
    use ark_ec::AffineRepr;
    use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};

    let mut rng = test_rng();
    for n in [2usize, 4, 16, 128] {
        let mut pts: Vec<G1Affine> = (0..n).map(|_| G1Affine::rand(&mut rng)).collect();
        pts[n - 1] = G1Affine::identity(); // as for the top power a ptau file does not hold
        let mut full: Vec<G1Projective> = pts.iter().map(|p| p.into_group()).collect();
        Radix2EvaluationDomain::<Fr>::new(n).unwrap().ifft_in_place(&mut full);
        let odd = crate::ceremony::odd_lagrange_g1(&pts).unwrap();
        assert_eq!(odd.len(), n / 2);
        assert!(odd.iter().zip(full.iter().skip(1).step_by(2)).all(|(a, b)| a == b), "n = {n}");
    }
    assert!(crate::ceremony::odd_lagrange_g1(&[G1Affine::identity()]).is_err());
}

#[test]
fn batch_inversion_equals_arkworks_inverse_in_fq_and_fq2() {
    use crate::inversion::{BatchInverse, Scratch};
    use ark_bn254::{Fq, Fq2};
    use ark_ff::AdditiveGroup;
    let mut rng = test_rng();
    let mut scratch = Scratch::default();
    // edge elements: 1, -1, a coordinate zero (the norm is then one square), and random ones
    let mut fq: Vec<Fq> = vec![Fq::ONE, -Fq::ONE, Fq::from(2u64)];
    fq.extend((0..300).map(|_| Fq::rand(&mut rng)));
    let mut fq2: Vec<Fq2> = vec![Fq2::ONE, -Fq2::ONE, Fq2::new(Fq::ZERO, Fq::ONE), Fq2::new(Fq::rand(&mut rng), Fq::ZERO),
                                 Fq2::new(Fq::ZERO, Fq::rand(&mut rng)), Fq2::new(Fq::ONE, Fq::ONE)];
    fq2.extend((0..300).map(|_| Fq2::rand(&mut rng)));
    for len in [1, 2, 7, fq.len()] {
        let mut v = fq[..len].to_vec();
        Fq::invert_all(&mut v, &mut scratch);
        assert_eq!(v, fq[..len].iter().map(|x| x.inverse().unwrap()).collect::<Vec<_>>(), "Fq, {len} elements");
    }
    for len in [1, 2, 7, fq2.len()] {
        let mut v = fq2[..len].to_vec();
        Fq2::invert_all(&mut v, &mut scratch); // the same scratch again: reused buffers
        assert_eq!(v, fq2[..len].iter().map(|x| x.inverse().unwrap()).collect::<Vec<_>>(), "Fq2, {len} elements");
    }
}

#[test]
fn glv_halves_of_random_scalars_are_126_bits_or_fewer_as_the_width_model_assumes() {
    // glv::digits prices a split scalar as two 126-bit halves: most are, none reaches 128, and
    // 127 is rare (0.02% measured).
    use ark_ff::BigInteger;
    let mut rng = test_rng();
    let mut hist = [0usize; 129];
    for _ in 0..5000 {
        for h in crate::glv::split(&Fr::rand(&mut rng).into_bigint()) {
            let f = Fr::from_bigint(h).expect("below r");
            hist[std::cmp::min(f.into_bigint(), (-f).into_bigint()).num_bits() as usize] += 1;
        }
    }
    assert!(hist[126] > 3500, "{:?}", &hist[120..]);
    assert!(hist[127] < 20 && hist[128] == 0, "{:?}", &hist[120..]);
}
