//! A snarkjs Groth16 `.zkey` memory-mapped and proved with in place: the query points (sections
//! 5-9) and the QAP coefficients (section 4) are read straight from the mapping, never copied,
//! converted or decoded into a second array. One proving key costs its file's pages (shared with
//! the page cache, and with every other process proving with it) instead of two or three copies.
//!
//! The file's numbers are already in arkworks' own representation: points are Montgomery-form
//! coordinates (x·2^256 mod q), and a coefficient is stored as coef·R² mod r, which arkworks reads
//! as the Montgomery form of coef·R; multiplied by a canonical witness value w read as a
//! Montgomery form (the value w·R⁻¹), it gives coef·w with one multiplication (rapidsnark's trick).
//! Opening checks what memory safety and the arithmetic's meaning rest on: sizes against the
//! header, coefficients inside the domain, the wires and below r. The points are checked only when
//! a proof fails ([`Zkey::first_bad_point`], then G2 subgroup membership in Python): the
//! prover verifies every proof it makes, so a bad point can never reach a user, and a proof that
//! verifies leaks nothing whatever the key held (its A and B are blinded by fresh r and s). The
//! on-curve scan was most of the opening's time (0.13 s at 2^18, ~0.5 s at 2^20).

use std::fs::File;

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, FftField, PrimeField, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use memmap2::{Mmap, MmapOptions};
use rayon::prelude::*;

use crate::binfile::{u32_at, Sections};
use crate::encoding::{decode_scalars, limbs, KResult, FE, G1_BYTES, G2_BYTES};
use crate::glv;
use crate::pippenger::{self, Digits};
use crate::schedule::in_order;

const COEF_BYTES: usize = 12 + FE; // matrix, constraint, signal (u32 each), value

/// A coordinate as stored (Montgomery form), or None when it is not below q.
fn fq_mont(b: &[u8]) -> Option<Fq> {
    let l = limbs(b);
    (l < Fq::MODULUS).then(|| Fq::new_unchecked(l))
}

pub(crate) fn g1_mont(b: &[u8]) -> G1Affine {
    let (x, y) = (Fq::new_unchecked(limbs(&b[..32])), Fq::new_unchecked(limbs(&b[32..64])));
    if x.is_zero() && y.is_zero() {
        G1Affine::identity()
    } else {
        G1Affine::new_unchecked(x, y)
    }
}

pub(crate) fn g2_mont(b: &[u8]) -> G2Affine {
    let f = |o: usize| Fq::new_unchecked(limbs(&b[o..o + 32]));
    let (x, y) = (Fq2::new(f(0), f(32)), Fq2::new(f(64), f(96)));
    if x.is_zero() && y.is_zero() {
        G2Affine::identity()
    } else {
        G2Affine::new_unchecked(x, y)
    }
}

pub(crate) fn g1_ok(b: &[u8]) -> bool {
    b.chunks_exact(FE).all(|c| fq_mont(c).is_some()) && {
        let p = g1_mont(b);
        p.is_zero() || p.is_on_curve()
    }
}

pub(crate) fn g2_ok(b: &[u8]) -> bool {
    b.chunks_exact(FE).all(|c| fq_mont(c).is_some()) && {
        let p = g2_mont(b);
        p.is_zero() || p.is_on_curve()
    }
}

/// The query sections, in the order `Zkey.queries` keeps them: (id, name, point size).
pub(crate) const QUERIES: [(u32, &str, usize); 5] = [(5, "A", G1_BYTES), (6, "B1", G1_BYTES), (7, "B2", G2_BYTES), (8, "C", G1_BYTES), (9, "H", G1_BYTES)];

/// A proving key's file, mapped, its structure checked, and proved with in place (the Python class
/// `MappedZkey` wraps it, zkey_py.rs; the `zkml-prove` binary uses it directly).
pub(crate) struct Zkey {
    map: Mmap,
    sections: Sections,
    /// (offset, length) of section 4's entries (after its count), and of sections 5..9 in QUERIES order.
    coefficients: (usize, usize),
    queries: [(usize, usize); 5],
    n_vars: usize,
    n_public: usize,
    domain_size: usize,
}

impl Zkey {
    pub(crate) fn open(path: &str) -> KResult<Self> {
        let file = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
        // SAFETY: the mapping is read-only; a file truncated or rewritten underneath while it is
        // mapped is the one hazard (as for rapidsnark), and keys are not edited in place: every
        // writer here replaces the file atomically (a new inode). Populated: the proof reads every
        // page, and one populating call costs less than a fault per page in the MSMs (16 ms for
        // 124 MB at 2^18; a key larger than memory only pays an extra read-ahead pass).
        let map = unsafe { MmapOptions::new().populate().map(&file) }.map_err(|e| format!("cannot map: {e}"))?;
        let b: &[u8] = &map;
        let s = Sections::parse(b, "zkey", 1)?;
        let header = s.get(b, 2, "Groth16 header")?;
        if header.len() < 84 {
            return Err("section 2 (header) is too short".into());
        }
        let (n_vars, n_public, domain_size) = (u32_at(header, 72), u32_at(header, 76), u32_at(header, 80));
        if domain_size == 0 || !domain_size.is_power_of_two() || n_public + 1 > n_vars {
            return Err(format!("header: nVars {n_vars}, nPublic {n_public}, domainSize {domain_size} are inconsistent"));
        }
        let base = b.as_ptr() as usize;
        let offset = |sec: &[u8]| sec.as_ptr() as usize - base;
        let mut queries = [(0usize, 0usize); 5];
        for (k, (id, name, size)) in QUERIES.iter().enumerate() {
            let sec = s.get(b, *id, name)?;
            let count = match *id {
                8 => n_vars - n_public - 1,
                9 => domain_size,
                _ => n_vars,
            };
            if sec.len() != count * size {
                return Err(format!("section {id} ({name}) holds {} bytes, expected {count} points of {size} bytes", sec.len()));
            }
            queries[k] = (offset(sec), sec.len());
        }
        let sec = s.get(b, 4, "coefficients")?;
        if sec.len() < 4 || sec.len() != 4 + u32_at(sec, 0) * COEF_BYTES {
            return Err(format!("section 4 (coefficients) holds {} bytes, which does not match its count", sec.len()));
        }
        let terms = &sec[4..];
        let bad = terms.par_chunks_exact(COEF_BYTES).position_first(|t| {
            u32_at(t, 0) > 1 || u32_at(t, 4) >= domain_size || u32_at(t, 8) >= n_vars || limbs(&t[12..]) >= Fr::MODULUS
        });
        if let Some(i) = bad {
            return Err(format!("section 4: coefficient {i} lies outside the domain, the wires or matrices A/B, or is not below r"));
        }
        Ok(Self { coefficients: (offset(terms), terms.len()), queries, n_vars, n_public, domain_size, sections: s, map })
    }

    pub(crate) fn query(&self, k: usize) -> &[u8] {
        let (o, l) = self.queries[k];
        &self.map[o..o + l]
    }

    /// The first point of the queries that is not a curve point (a coordinate not below q, or off
    /// its curve), named by section and index.
    pub(crate) fn first_bad_point(&self) -> Option<String> {
        QUERIES.iter().enumerate().find_map(|(k, (id, name, size))| {
            let ok = if *size == G1_BYTES { g1_ok } else { g2_ok };
            let i = self.query(k).par_chunks_exact(*size).position_first(|c| !ok(c))?;
            Some(format!("section {id} ({name}): point {i} is not a valid curve point"))
        })
    }

    /// M·w over the domain for matrix 0 (A) or 1 (B), straight from section 4.
    fn mat_vec(&self, matrix: usize, w: &[Fr]) -> Vec<Fr> {
        let (o, l) = self.coefficients;
        let mut out = vec![Fr::zero(); self.domain_size];
        for t in self.map[o..o + l].chunks_exact(COEF_BYTES) {
            if u32_at(t, 0) == matrix {
                // coef·R² read as Montgomery (= coef·R) times w read as Montgomery (= w·R⁻¹)
                out[u32_at(t, 4)] += Fr::new_unchecked(limbs(&t[12..])) * w[u32_at(t, 8)];
            }
        }
        out
    }
}

impl Zkey {
    /// (a·b − c) on the odd coset: the H query's scalars.
    pub(crate) fn h_values(&self, witness: &[u8]) -> KResult<Vec<Fr>> {
        // Memory at 2^20 (a vector is 32 MB): the witness is converted in its own allocation
        // (in-place collect), dropped after the mat-vecs, and h is written over a.
        let w: Vec<Fr> = self.witness(witness)?.into_iter().map(Fr::new_unchecked).collect(); // w·R⁻¹, see mat_vec
        let n = self.domain_size;
        let d = Radix2EvaluationDomain::<Fr>::new(n).ok_or("domain too large")?;
        let g = Fr::get_root_of_unity(2 * n as u64).ok_or("domain too large")?;
        let coset = d.get_coset(g).ok_or("coset")?;
        let (mut a, mut b) = rayon::join(|| self.mat_vec(0, &w), || self.mat_vec(1, &w));
        drop(w);
        let mut c: Vec<Fr> = a.par_iter().zip(&b).map(|(x, y)| *x * y).collect();
        rayon::join(
            || odd_coset(&mut a, &d, &coset),
            || rayon::join(|| odd_coset(&mut b, &d, &coset), || odd_coset(&mut c, &d, &coset)),
        );
        a.par_iter_mut().zip(&b).zip(&c).for_each(|((x, y), z)| *x = *x * y - z);
        Ok(a)
    }

    /// The witness's wires as canonical integers, checked against the key's wire count.
    pub(crate) fn witness(&self, witness: &[u8]) -> KResult<Vec<BigInt<4>>> {
        let w = decode_scalars(witness, "witness")?;
        if w.len() != self.n_vars {
            return Err(format!("witness has {} values, the key expects {}", w.len(), self.n_vars));
        }
        Ok(w)
    }

    /// Σ w·A, Σ w·B1, Σ w·B2, Σ w_private·C and Σ h·H for a witness (packed canonical wires).
    ///
    /// Why one call: A, B1, B2 and C take the same scalars (C from the first private wire on), so
    /// their digits are computed once; and the windows of all five MSMs go through one parallel
    /// loop, so no core waits at the end of one MSM for the next (at 2^16 the separate calls kept
    /// the two cores 176% busy). h comes first, on its own: its vectors are the proof's memory
    /// peak at 2^20, and the digits are not alive beside them.
    pub(crate) fn proof_sums(&self, witness: &[u8]) -> KResult<ProofSums> {
        let h: Vec<BigInt<4>> = self.h_values(witness)?.into_par_iter().map(|x| x.into_bigint()).collect();
        let hd = glv::digits(&h);
        drop(h);
        let wd = glv::digits(&self.witness(witness)?);
        let private = self.n_public + 1;
        let pts = |k: usize| self.query(k);
        let (a, b1, b2, c, hq) = (pts(0), pts(1), pts(2), pts(3), pts(4));
        // The G1 MSMs as (bases, digits, first scalar). Tasks are windows, the G2 ones first: a G2
        // window costs ~3 G1 windows, and longest-first leaves at most one short task in the tail.
        let jobs: [(&[u8], &Digits, usize); 4] = [(a, &wd, 0), (b1, &wd, 0), (c, &wd, private), (hq, &hd, 0)];
        let g2_tasks = wd.windows();
        let g1_tasks: Vec<(usize, usize)> = (0..4).flat_map(|j| (0..jobs[j].1.windows()).map(move |w| (j, w))).collect();
        let sums = in_order(g2_tasks + g1_tasks.len(), |t| {
            if t < g2_tasks {
                let batch = pippenger::batch_size(wd.width());
                Sum::G2(pippenger::window_sum(glv::paired(|i| g2_mont(&b2[i * G2_BYTES..])), wd.run(t, 0), batch))
            } else {
                let (j, w) = g1_tasks[t - g2_tasks];
                let (q, d, skip) = jobs[j];
                Sum::G1(pippenger::window_sum(glv::paired(|i| g1_mont(&q[i * G1_BYTES..])), d.run(w, skip), pippenger::batch_size(d.width())))
            }
        });
        let g2_sums: Vec<G2Projective> = sums[..g2_tasks].iter().map(|s| if let Sum::G2(p) = s { *p } else { unreachable!() }).collect();
        let g1_sums: Vec<G1Projective> = sums[g2_tasks..].iter().map(|s| if let Sum::G1(p) = s { *p } else { unreachable!() }).collect();
        let mut g1 = [G1Projective::zero(); 4];
        let mut at = 0;
        for (k, (_, d, _)) in jobs.iter().enumerate() {
            g1[k] = pippenger::combine(&g1_sums[at..at + d.windows()], d.width());
            at += d.windows();
        }
        let [a, b1, c, h] = g1;
        Ok(ProofSums { a, b1, b2: pippenger::combine(&g2_sums, wd.width()), c, h })
    }

    /// Section `id`'s (offset, payload), or None when the file has no such section.
    pub(crate) fn section(&self, id: u32) -> Option<(usize, &[u8])> {
        let (_, pos, size) = self.sections.0.iter().find(|(j, _, _)| *j == id)?;
        Some((*pos, &self.map[*pos..*pos + *size]))
    }

    pub(crate) fn n_vars(&self) -> usize {
        self.n_vars
    }

    pub(crate) fn n_public(&self) -> usize {
        self.n_public
    }

    pub(crate) fn domain_size(&self) -> usize {
        self.domain_size
    }
}

/// The five MSMs of a proof.
pub(crate) struct ProofSums {
    pub(crate) a: G1Projective,
    pub(crate) b1: G1Projective,
    pub(crate) b2: G2Projective,
    pub(crate) c: G1Projective,
    pub(crate) h: G1Projective,
}

/// One window's sum, from either group (the windows of the five MSMs share one task list).
enum Sum {
    G1(G1Projective),
    G2(G2Projective),
}

/// p(ω_N^i) for i < N to p(ω_2N^(2i+1)): inverse NTT, then NTT on the odd coset (as qap.py).
fn odd_coset(v: &mut Vec<Fr>, d: &Radix2EvaluationDomain<Fr>, coset: &Radix2EvaluationDomain<Fr>) {
    d.ifft_in_place(v);
    coset.fft_in_place(v);
}

