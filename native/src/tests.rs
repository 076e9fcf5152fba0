//! Unit tests of the pure-Rust parts, each against arkworks' own arithmetic as the reference.

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::{BigInteger, Field, PrimeField, UniformRand};
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
