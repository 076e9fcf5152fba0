//! Kernels for the trusted-setup ceremonies (powers of tau and phase 2), compatible with snarkjs.
//!
//! Three things here must match snarkjs 0.7.6 (and its libraries) bit for bit, because its files
//! and transcripts are hashed and re-derived by whoever verifies them:
//! - BLAKE2b with the state layout of `@noble/hashes` (snarkjs stores a hasher's internal state,
//!   the "partial hash", in every powers-of-tau contribution);
//! - ChaCha20 and the way `ffjavascript` samples field elements and curve points from it (keys
//!   derived from a beacon, and the G2 points hashed from a transcript);
//! - the byte forms `ffjavascript` hashes: uncompressed and compressed points, big-endian.
//!
//! Everything else is arkworks' arithmetic: applying a key to a section of powers (point i times
//! first·inc^i), the group FFT that turns powers of tau into Lagrange-basis points (arkworks'
//! radix-2 FFT over points) and the per-wire combinations, each point multiplication through
//! `glv::mul` (GLV with wNAF digits, ~1.4x arkworks' bit-by-bit GLV).

use ark_bn254::{g1::Config as G1Config, g2::Config as G2Config, Fq, Fq2, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::short_weierstrass::SWCurveConfig;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInt, Field, LegendreSymbol, One, PrimeField, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rayon::prelude::*;

use crate::glv::{self, Glv};
use crate::{decode_g1, run, run_bytes, decode_g2, encode_g1, encode_g2, one_fr, KResult, FE, G1_BYTES, G2_BYTES};

// ---------------------------------------------------------------------------------------------
// BLAKE2b-512 with @noble/hashes' buffering, so that its internal state can be exported and
// resumed exactly as snarkjs's toPartialHash / fromPartialHash do.
// ---------------------------------------------------------------------------------------------

const IV: [u64; 8] = [
    0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
    0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
];
const SIGMA: [[usize; 16]; 12] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
    [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
    [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
    [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
    [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
];
const BLOCK: usize = 128;
/// Bytes of a serialized state: the 128-byte buffer, h as 16 u32 halves, then length − pos
/// (u64) and pos (u64), zero-padded (snarkjs's 216-byte "partialHash").
pub const PARTIAL_BYTES: usize = 216;

#[pyclass(module = "zkml_chain._native")]
#[derive(Clone)]
pub struct Blake2b {
    h: [u64; 8],
    buffer: [u8; BLOCK],
    pos: usize,
    length: u64,
}

impl Blake2b {
    fn fresh() -> Self {
        let mut h = IV;
        h[0] ^= 0x0101_0000 ^ 64; // no key, 64-byte digest
        Blake2b { h, buffer: [0; BLOCK], pos: 0, length: 0 }
    }

    fn compress(&mut self, block: &[u8], last: bool) {
        let mut m = [0u64; 16];
        for (i, w) in m.iter_mut().enumerate() {
            *w = u64::from_le_bytes(block[i * 8..i * 8 + 8].try_into().unwrap());
        }
        let mut v = [0u64; 16];
        v[..8].copy_from_slice(&self.h);
        v[8..].copy_from_slice(&IV);
        v[12] ^= self.length; // the counter: bytes through the end of this block (< 2^64 here)
        if last {
            v[14] = !v[14];
        }
        fn g(v: &mut [u64; 16], a: usize, b: usize, c: usize, d: usize, x: u64, y: u64) {
            v[a] = v[a].wrapping_add(v[b]).wrapping_add(x);
            v[d] = (v[d] ^ v[a]).rotate_right(32);
            v[c] = v[c].wrapping_add(v[d]);
            v[b] = (v[b] ^ v[c]).rotate_right(24);
            v[a] = v[a].wrapping_add(v[b]).wrapping_add(y);
            v[d] = (v[d] ^ v[a]).rotate_right(16);
            v[c] = v[c].wrapping_add(v[d]);
            v[b] = (v[b] ^ v[c]).rotate_right(63);
        }
        for s in SIGMA.iter() {
            g(&mut v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
            g(&mut v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
            g(&mut v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
            g(&mut v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
            g(&mut v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
            g(&mut v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
            g(&mut v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
            g(&mut v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
        }
        for i in 0..8 {
            self.h[i] ^= v[i] ^ v[i + 8];
        }
    }

    /// @noble/hashes' update: a full buffer is compressed only when more input follows (the
    /// last block must be compressed with the final flag), and whole blocks of the input that are
    /// not its last are compressed in place without touching the buffer.
    fn absorb(&mut self, data: &[u8]) {
        let len = data.len();
        let mut p = 0;
        while p < len {
            if self.pos == BLOCK {
                let block = self.buffer;
                self.compress(&block, false);
                self.pos = 0;
            }
            let take = (BLOCK - self.pos).min(len - p);
            if take == BLOCK && p + take < len {
                while p + BLOCK < len {
                    self.length += BLOCK as u64;
                    self.compress(&data[p..p + BLOCK], false);
                    p += BLOCK;
                }
                continue;
            }
            self.buffer[self.pos..self.pos + take].copy_from_slice(&data[p..p + take]);
            self.pos += take;
            self.length += take as u64;
            p += take;
        }
    }

    fn finish(mut self) -> [u8; 64] {
        self.buffer[self.pos..].fill(0);
        let block = self.buffer;
        self.compress(&block, true);
        let mut out = [0u8; 64];
        for (i, w) in self.h.iter().enumerate() {
            out[i * 8..i * 8 + 8].copy_from_slice(&w.to_le_bytes());
        }
        out
    }
}

#[pymethods]
impl Blake2b {
    #[new]
    fn py_new() -> Self {
        Self::fresh()
    }

    /// Resume from snarkjs's 216-byte partial hash.
    #[staticmethod]
    fn from_partial(partial: &[u8]) -> PyResult<Self> {
        if partial.len() != PARTIAL_BYTES {
            return Err(PyValueError::new_err(format!("a partial hash is {PARTIAL_BYTES} bytes, got {}", partial.len())));
        }
        let mut b = Self::fresh();
        b.buffer.copy_from_slice(&partial[..BLOCK]);
        let word = |i: usize| u32::from_le_bytes(partial[BLOCK + 4 * i..BLOCK + 4 * i + 4].try_into().unwrap()) as u64;
        for i in 0..8 {
            b.h[i] = word(2 * i) | (word(2 * i + 1) << 32);
        }
        let compressed = word(16) | (word(17) << 32);
        let pos = word(18) | (word(19) << 32);
        if pos > BLOCK as u64 {
            return Err(PyValueError::new_err(format!("partial hash: buffer position {pos} > {BLOCK}")));
        }
        b.pos = pos as usize;
        b.length = compressed + pos;
        Ok(b)
    }

    fn update(&mut self, py: Python<'_>, data: &[u8]) {
        if data.len() > 1 << 16 {
            py.allow_threads(|| self.absorb(data));
        } else {
            self.absorb(data);
        }
    }

    /// The state as snarkjs's toPartialHash writes it.
    fn partial<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let mut out = [0u8; PARTIAL_BYTES];
        out[..BLOCK].copy_from_slice(&self.buffer);
        let mut put = |i: usize, w: u32| out[BLOCK + 4 * i..BLOCK + 4 * i + 4].copy_from_slice(&w.to_le_bytes());
        for i in 0..8 {
            put(2 * i, self.h[i] as u32);
            put(2 * i + 1, (self.h[i] >> 32) as u32);
        }
        let compressed = self.length - self.pos as u64;
        put(16, compressed as u32);
        put(17, (compressed >> 32) as u32);
        put(18, self.pos as u32);
        PyBytes::new(py, &out)
    }

    /// The 64-byte digest of everything absorbed (the hasher itself stays usable).
    fn digest<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.clone().finish())
    }

    fn copy(&self) -> Self {
        self.clone()
    }
}

// ---------------------------------------------------------------------------------------------
// ChaCha20 and ffjavascript's sampling of field elements and curve points
// ---------------------------------------------------------------------------------------------

/// ffjavascript's ChaCha: the ChaCha20 block function keyed by eight u32 words, nonce zero,
/// a 128-bit block counter in words 12..15; words are returned in order.
#[pyclass(module = "zkml_chain._native")]
pub struct FfjsRng {
    state: [u32; 16],
    buff: [u32; 16],
    idx: usize,
}

impl FfjsRng {
    fn seeded(seed: [u32; 8]) -> Self {
        let mut state = [0u32; 16];
        state[..4].copy_from_slice(&[0x61707865, 0x3320646E, 0x79622D32, 0x6B206574]);
        state[4..12].copy_from_slice(&seed);
        FfjsRng { state, buff: [0; 16], idx: 16 }
    }

    fn refill(&mut self) {
        fn qr(s: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
            s[a] = s[a].wrapping_add(s[b]);
            s[d] = (s[d] ^ s[a]).rotate_left(16);
            s[c] = s[c].wrapping_add(s[d]);
            s[b] = (s[b] ^ s[c]).rotate_left(12);
            s[a] = s[a].wrapping_add(s[b]);
            s[d] = (s[d] ^ s[a]).rotate_left(8);
            s[c] = s[c].wrapping_add(s[d]);
            s[b] = (s[b] ^ s[c]).rotate_left(7);
        }
        let mut x = self.state;
        for _ in 0..10 {
            qr(&mut x, 0, 4, 8, 12);
            qr(&mut x, 1, 5, 9, 13);
            qr(&mut x, 2, 6, 10, 14);
            qr(&mut x, 3, 7, 11, 15);
            qr(&mut x, 0, 5, 10, 15);
            qr(&mut x, 1, 6, 11, 12);
            qr(&mut x, 2, 7, 8, 13);
            qr(&mut x, 3, 4, 9, 14);
        }
        for ((out, mixed), initial) in self.buff.iter_mut().zip(x.iter()).zip(self.state.iter()) {
            *out = mixed.wrapping_add(*initial);
        }
        self.idx = 0;
        for w in 12..16 {
            self.state[w] = self.state[w].wrapping_add(1);
            if self.state[w] != 0 {
                break;
            }
        }
    }

    fn next(&mut self) -> u32 {
        if self.idx == 16 {
            self.refill();
        }
        self.idx += 1;
        self.buff[self.idx - 1]
    }

    /// F.fromRng: four u64 (high u32 first) little-endian, masked to the modulus' bit length
    /// (254 for both Fq and Fr), rejected until below the modulus — and then taken as a
    /// *Montgomery* representation, because that is how ffjavascript stores field elements (the
    /// value is v·2^-256). arkworks' `new_unchecked` takes exactly that representation.
    fn raw_below(&mut self, modulus: &BigInt<4>) -> BigInt<4> {
        loop {
            let mut l = [0u64; 4];
            for limb in l.iter_mut() {
                let hi = self.next() as u64;
                let lo = self.next() as u64;
                *limb = (hi << 32) | lo;
            }
            l[3] &= (1u64 << 62) - 1;
            let v = BigInt::new(l);
            if v < *modulus {
                return v;
            }
        }
    }

    fn fq(&mut self) -> Fq {
        Fq::new_unchecked(self.raw_below(&Fq::MODULUS))
    }

    fn fr_value(&mut self) -> Fr {
        Fr::new_unchecked(self.raw_below(&Fr::MODULUS))
    }

    fn g1_point(&mut self) -> G1Affine {
        loop {
            let x = self.fq();
            let greatest = self.next() & 1 == 1;
            let x3b = x.square() * x + ark_bn254::g1::Config::COEFF_B;
            if x3b.legendre() == LegendreSymbol::QuadraticNonResidue {
                continue;
            }
            let mut y = x3b.sqrt().unwrap();
            if greatest ^ fq_is_negative(&y) {
                y = -y;
            }
            return G1Affine::new_unchecked(x, y);
        }
    }

    fn g2_point(&mut self) -> G2Affine {
        loop {
            let c0 = self.fq();
            let c1 = self.fq();
            let x = Fq2::new(c0, c1);
            let greatest = self.next() & 1 == 1;
            let x3b = x.square() * x + G2Config::COEFF_B;
            if x3b.legendre() == LegendreSymbol::QuadraticNonResidue {
                continue;
            }
            let mut y = x3b.sqrt().unwrap();
            if greatest ^ fq2_is_negative(&y) {
                y = -y;
            }
            // Into the prime-order subgroup the way ffjavascript does: times the cofactor
            // (plain double-and-add: the point is not in the subgroup yet, so no GLV).
            let p = G2Affine::new_unchecked(x, y);
            return p.mul_bigint(G2_COFACTOR).into_affine();
        }
    }
}

/// BN254's G2 cofactor, as ffjavascript's bn128 `cofactorG2`.
const G2_COFACTOR: [u64; 4] = [0x345f2299c0f9fa8d, 0x06ceecda572a2489, 0xb85045b68181585e, 0x30644e72e131a029];

fn fq_is_negative(x: &Fq) -> bool {
    x.into_bigint() > Fq::MODULUS_MINUS_ONE_DIV_TWO
}

fn fq2_is_negative(x: &Fq2) -> bool {
    if x.c1.is_zero() {
        fq_is_negative(&x.c0)
    } else {
        fq_is_negative(&x.c1)
    }
}

#[pymethods]
impl FfjsRng {
    #[new]
    fn py_new(seed: [u32; 8]) -> Self {
        Self::seeded(seed)
    }

    fn next_u32(&mut self) -> u32 {
        self.next()
    }

    /// Fr.fromRng, canonical little-endian.
    fn fr<'py>(&mut self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let v = self.fr_value();
        let mut out = [0u8; FE];
        crate::put_limbs(&mut out, &v.into_bigint());
        PyBytes::new(py, &out)
    }

    /// G1.fromRng, canonical affine.
    fn g1<'py>(&mut self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &encode_g1(&[self.g1_point()]))
    }

    /// G2.fromRng (times the cofactor), canonical affine.
    fn g2<'py>(&mut self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &encode_g2(&[self.g2_point()]))
    }
}

// ---------------------------------------------------------------------------------------------
// The byte forms ffjavascript hashes (big-endian; G2 coordinates imaginary part first)
// ---------------------------------------------------------------------------------------------

fn be(out: &mut [u8], canonical_le: &[u8]) {
    for (o, b) in out.iter_mut().zip(canonical_le.iter().rev()) {
        *o = *b;
    }
}

/// Uncompressed points (x || y, each big-endian; G2's x as c1 || c0), infinity as zeros, from
/// canonical points. ``g2`` selects the group.
#[pyfunction]
fn ffjs_uncompressed<'py>(py: Python<'py>, points: &[u8], g2: bool) -> PyResult<Bound<'py, PyBytes>> {
    let size = if g2 { G2_BYTES } else { G1_BYTES };
    run_bytes(py, "ffjs_uncompressed", || {
        crate::count(points, size, "points")?;
        let mut out = vec![0u8; points.len()];
        out.par_chunks_exact_mut(size).zip(points.par_chunks_exact(size)).for_each(|(o, p)| {
            let half = size / 2;
            be(&mut o[..half], &p[..half]);
            be(&mut o[half..], &p[half..]);
        });
        Ok(out)
    })
}

/// Compressed points (x big-endian, 0x80 in the first byte when y is "negative", 0x40 for the
/// point at infinity), from canonical points.
#[pyfunction]
fn ffjs_compressed<'py>(py: Python<'py>, points: &[u8], g2: bool) -> PyResult<Bound<'py, PyBytes>> {
    run_bytes(py, "ffjs_compressed", || -> KResult<Vec<u8>> {
        if g2 {
            let v = decode_g2(points, "points", false)?;
            let mut out = vec![0u8; v.len() * G2_BYTES / 2];
            out.par_chunks_exact_mut(G2_BYTES / 2).zip(v.par_iter()).zip(points.par_chunks_exact(G2_BYTES)).for_each(
                |((o, p), raw)| {
                    if p.is_zero() {
                        o[0] = 0x40;
                        return;
                    }
                    be(o, &raw[..G2_BYTES / 2]);
                    if fq2_is_negative(&p.y) {
                        o[0] |= 0x80;
                    }
                },
            );
            Ok(out)
        } else {
            let v = decode_g1(points, "points", false)?;
            let mut out = vec![0u8; v.len() * G1_BYTES / 2];
            out.par_chunks_exact_mut(G1_BYTES / 2).zip(v.par_iter()).zip(points.par_chunks_exact(G1_BYTES)).for_each(
                |((o, p), raw)| {
                    if p.is_zero() {
                        o[0] = 0x40;
                        return;
                    }
                    be(o, &raw[..G1_BYTES / 2]);
                    if fq_is_negative(&p.y) {
                        o[0] |= 0x80;
                    }
                },
            );
            Ok(out)
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Applying a contribution to a section of powers, and Lagrange-basis points by a group FFT
// ---------------------------------------------------------------------------------------------

/// Scalars first·inc^i for i < n, in parallel chunks.
fn geometric(first: Fr, inc: Fr, n: usize) -> Vec<Fr> {
    const CHUNK: usize = 1 << 12;
    let mut out = vec![Fr::zero(); n];
    out.par_chunks_mut(CHUNK).enumerate().for_each(|(c, slot)| {
        let mut t = first * inc.pow([(c * CHUNK) as u64]);
        for s in slot.iter_mut() {
            *s = t;
            t *= inc;
        }
    });
    out
}

/// Point i times first·inc^i (a powers-of-tau contribution to one section). Points must be
/// valid (in the subgroup): the multiplication uses the GLV endomorphism. The G2 kernels here
/// check that points are on the curve; their callers check the subgroup for the whole array at
/// once (`curve.validate_g2_array`), which costs a fraction of a check per point.
#[pyfunction]
fn g1_apply_key<'py>(py: Python<'py>, points: &[u8], first: &[u8], inc: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    run_bytes(py, "g1_apply_key", || {
        let p = decode_g1(points, "points", true)?;
        let s = geometric(one_fr(first, "first")?, one_fr(inc, "inc")?, p.len());
        let out: Vec<G1Projective> = p.par_iter().zip(s.par_iter()).map(|(a, k)| glv::mul(a.into_group(), *k)).collect();
        Ok(encode_g1(&G1Projective::normalize_batch(&out)))
    })
}

#[pyfunction]
fn g2_apply_key<'py>(py: Python<'py>, points: &[u8], first: &[u8], inc: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    run_bytes(py, "g2_apply_key", || {
        let p = crate::decode_g2_on_curve(points, "points")?;
        let s = geometric(one_fr(first, "first")?, one_fr(inc, "inc")?, p.len());
        let out: Vec<G2Projective> = p
            .par_iter()
            .zip(s.par_iter())
            .map(|(a, k)| glv::mul(a.into_group(), *k))
            .collect();
        Ok(encode_g2(&G2Projective::normalize_batch(&out)))
    })
}

fn lagrange_domain(n: usize) -> KResult<Radix2EvaluationDomain<Fr>> {
    if n == 0 || !n.is_power_of_two() {
        return Err(format!("{n} points: the Lagrange transform needs a power of two"));
    }
    Radix2EvaluationDomain::<Fr>::new(n).ok_or_else(|| format!("{n} points: beyond the 2^28 subgroup of Fr"))
}

/// Lagrange-basis points L_i(tau)·G from the powers tau^j·G (an inverse FFT on the group, as
/// snarkjs's lagrangeEvaluations for sizes up to 2^28), natural order.
#[pyfunction]
fn g1_lagrange<'py>(py: Python<'py>, powers: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    run_bytes(py, "g1_lagrange", || {
        let p = decode_g1(powers, "powers", true)?;
        let d = lagrange_domain(p.len())?;
        let mut v: Vec<Glv<G1Config>> = p.iter().map(|a| Glv(a.into_group())).collect();
        d.ifft_in_place(&mut v);
        let proj: Vec<G1Projective> = v.into_iter().map(|g| g.0).collect();
        Ok(encode_g1(&G1Projective::normalize_batch(&proj)))
    })
}

/// The odd half of the size-2d Lagrange points, L_{2i+1}(τ)·G for i < d (a phase-2 key's H
/// points), from the 2d powers τ^j·G, with one size-d group FFT instead of a size-2d one:
/// splitting j = j' + d·t in L_{2i+1}(τ) = (1/2d) Σ_j ω_2d^-(2i+1)j τ^j, and ω_2d^d = −1, gives
/// (1/d) Σ_j' ω_d^-ij' Q_j' with Q_j' = −½·ω_2d^-j'·(τ^(j'+d) − τ^j')·G: an inverse FFT of Q.
pub(crate) fn odd_lagrange_g1(p: &[G1Affine]) -> KResult<Vec<G1Projective>> {
    let full = lagrange_domain(p.len())?;
    let d = p.len() / 2;
    if d == 0 {
        return Err("the odd Lagrange points need at least 2 powers".into());
    }
    let half = lagrange_domain(d)?;
    let s = geometric(-Fr::from(2u64).inverse().unwrap(), full.group_gen_inv, d);
    let mut v: Vec<Glv<G1Config>> =
        (0..d).into_par_iter().map(|j| Glv(glv::mul(p[j + d].into_group() - p[j], s[j]))).collect();
    half.ifft_in_place(&mut v);
    Ok(v.into_iter().map(|g| g.0).collect())
}

#[pyfunction]
fn g1_odd_lagrange<'py>(py: Python<'py>, powers: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    run_bytes(py, "g1_odd_lagrange", || {
        let p = decode_g1(powers, "powers", true)?;
        Ok(encode_g1(&G1Projective::normalize_batch(&odd_lagrange_g1(&p)?)))
    })
}

#[pyfunction]
fn g2_lagrange<'py>(py: Python<'py>, powers: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    run_bytes(py, "g2_lagrange", || {
        let p = crate::decode_g2_on_curve(powers, "powers")?;
        let d = lagrange_domain(p.len())?;
        let mut v: Vec<Glv<G2Config>> = p.iter().map(|a| Glv(a.into_group())).collect();
        d.ifft_in_place(&mut v);
        let proj: Vec<G2Projective> = v.into_iter().map(|g| g.0).collect();
        Ok(encode_g2(&G2Projective::normalize_batch(&proj)))
    })
}

// ---------------------------------------------------------------------------------------------
// Phase 2: a circuit's key points as sparse combinations of Lagrange-basis points
// ---------------------------------------------------------------------------------------------

/// Entries (row, col, coefficient) grouped by column: (start offsets, order of entries).
fn by_column(cols: &[u32], n_out: usize) -> KResult<(Vec<usize>, Vec<usize>)> {
    let mut start = vec![0usize; n_out + 1];
    for &c in cols {
        let c = c as usize;
        if c >= n_out {
            return Err(format!("column {c} is not below {n_out}"));
        }
        start[c + 1] += 1;
    }
    for i in 0..n_out {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut order = vec![0usize; cols.len()];
    for (k, &c) in cols.iter().enumerate() {
        order[fill[c as usize]] = k;
        fill[c as usize] += 1;
    }
    Ok((start, order))
}

fn decode_u32(b: &[u8], what: &str) -> KResult<Vec<u32>> {
    crate::count(b, 4, what)?;
    Ok(b.chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().unwrap())).collect())
}

/// Columns with more entries than this go to arkworks' MSM (one call at a time: it builds its
/// own thread pool per call, which must not happen thousands of times inside a parallel loop);
/// smaller ones are summed scalar multiplications (the coefficients are often tiny).
const MSM_FROM: usize = 64;

/// out[j] = Σ_{k: cols[k] = j} coeffs[k]·points[rows[k]], for j < n_out (empty sums are the
/// point at infinity): snarkjs's composeAndWritePoints.
fn combine<P, A>(points: &[A], rows: &[u32], cols: &[u32], coeffs: &[Fr], n_out: usize,
                 single: impl Fn(&A, &Fr) -> P + Sync) -> KResult<Vec<P>>
where
    P: ark_ec::VariableBaseMSM<MulBase = A, ScalarField = Fr> + Send,
    A: AffineRepr + Send + Sync,
{
    if rows.len() != cols.len() || rows.len() != coeffs.len() {
        return Err("rows, cols and coeffs differ in length".into());
    }
    if let Some(&r) = rows.iter().find(|&&r| r as usize >= points.len()) {
        return Err(format!("row {r} is beyond the {} points", points.len()));
    }
    let (start, order) = by_column(cols, n_out)?;
    let entries = |j: usize| &order[start[j]..start[j + 1]];
    let mut out: Vec<P> = (0..n_out)
        .into_par_iter()
        .map(|j| {
            let ks = entries(j);
            if ks.len() > MSM_FROM {
                return P::zero(); // below
            }
            ks.iter().fold(P::zero(), |acc, &k| {
                let c = &coeffs[k];
                let p = &points[rows[k] as usize];
                if c.is_one() { acc + *p } else if (-*c).is_one() { acc - *p } else { acc + single(p, c) }
            })
        })
        .collect();
    for j in (0..n_out).filter(|&j| entries(j).len() > MSM_FROM) {
        let ks = entries(j);
        let bases: Vec<A> = ks.iter().map(|&k| points[rows[k] as usize]).collect();
        let scalars: Vec<Fr> = ks.iter().map(|&k| coeffs[k]).collect();
        out[j] = P::msm(&bases, &scalars).unwrap();
    }
    Ok(out)
}

#[pyfunction]
fn g1_combine<'py>(py: Python<'py>, points: &[u8], rows: &[u8], cols: &[u8], coeffs: &[u8], n_out: usize)
                   -> PyResult<Bound<'py, PyBytes>> {
    run_bytes(py, "g1_combine", || {
        let p = decode_g1(points, "points", true)?;
        let c = crate::decode_fr(coeffs, "coeffs")?;
        let out = combine::<G1Projective, G1Affine>(&p, &decode_u32(rows, "rows")?, &decode_u32(cols, "cols")?, &c,
                                                     n_out, |a, k| glv::mul(a.into_group(), *k))?;
        Ok(encode_g1(&G1Projective::normalize_batch(&out)))
    })
}

#[pyfunction]
fn g2_combine<'py>(py: Python<'py>, points: &[u8], rows: &[u8], cols: &[u8], coeffs: &[u8], n_out: usize)
                   -> PyResult<Bound<'py, PyBytes>> {
    run_bytes(py, "g2_combine", || {
        let p = crate::decode_g2_on_curve(points, "points")?;
        let c = crate::decode_fr(coeffs, "coeffs")?;
        let out = combine::<G2Projective, G2Affine>(&p, &decode_u32(rows, "rows")?, &decode_u32(cols, "cols")?, &c,
                                                     n_out, |a, k| glv::mul(a.into_group(), *k))?;
        Ok(encode_g2(&G2Projective::normalize_batch(&out)))
    })
}

/// a_i − b_i for two arrays of G1 points.
#[pyfunction]
fn g1_sub<'py>(py: Python<'py>, a: &[u8], b: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    run_bytes(py, "g1_sub", || {
        let x = decode_g1(a, "a", false)?;
        let y = decode_g1(b, "b", false)?;
        crate::same_len(x.len(), y.len(), "a/b")?;
        let out: Vec<G1Projective> = x.par_iter().zip(y.par_iter()).map(|(p, q)| p.into_group() - q).collect();
        Ok(encode_g1(&G1Projective::normalize_batch(&out)))
    })
}

/// Index of the first G2 point off the curve (or with a coordinate >= q), or -1. Unlike
/// `g2_first_invalid` it does not test membership of the prime-order subgroup (the costly part).
#[pyfunction]
fn g2_first_off_curve(py: Python<'_>, points: &[u8]) -> PyResult<i64> {
    run(py, "g2_first_off_curve", || {
        crate::first_failing(points, G2_BYTES, "points", |c| crate::g2_at(c).is_some_and(|p| p.is_zero() || p.is_on_curve()))
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Blake2b>()?;
    m.add_class::<FfjsRng>()?;
    m.add_function(wrap_pyfunction!(ffjs_uncompressed, m)?)?;
    m.add_function(wrap_pyfunction!(ffjs_compressed, m)?)?;
    m.add_function(wrap_pyfunction!(g1_apply_key, m)?)?;
    m.add_function(wrap_pyfunction!(g2_apply_key, m)?)?;
    m.add_function(wrap_pyfunction!(g1_lagrange, m)?)?;
    m.add_function(wrap_pyfunction!(g1_odd_lagrange, m)?)?;
    m.add_function(wrap_pyfunction!(g2_lagrange, m)?)?;
    m.add_function(wrap_pyfunction!(g1_combine, m)?)?;
    m.add_function(wrap_pyfunction!(g2_combine, m)?)?;
    m.add_function(wrap_pyfunction!(g1_sub, m)?)?;
    m.add_function(wrap_pyfunction!(g2_first_off_curve, m)?)?;
    Ok(())
}

