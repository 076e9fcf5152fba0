//! The witness program's interpreter: every wire's value from the program's inputs, in the
//! order the circuit created them (zkml_chain/circuit/program.py records the program and owns
//! the format's description; this file owns the reader). Pure Rust, no Python.
//!
//! Signed readings (values above (r - 1)/2 are negative, as the builder's `signed`) use
//! num-bigint, so every width the gadgets allow (up to 252 bits) is exact. Errors are strings
//! with a prefix: `witness: ` (the inputs break a gadget's range, as the Python builder would
//! report it) and `malformed witness program: ` (a corrupt file); the caller falls back to the
//! Python builder for both, which reports the problem in its own words.

use std::collections::HashMap;

use ark_bn254::Fr;
use ark_ff::{BigInteger, Field, One, PrimeField, Zero};
use num_bigint::{BigInt, BigUint, Sign};
use num_integer::Integer;

use crate::encoding::{limbs, KResult};

const MAGIC: &[u8; 8] = b"ZKWP\x01\x00\x00\x00";
/// The bits of BN254's scalar field: no bits op or shift is wider.
const FIELD_BITS: usize = 254;

/// The run's result: the witness in circom order and the taps (named values read back).
pub(crate) struct Run {
    pub(crate) witness: Vec<Fr>,
    pub(crate) taps: Vec<(String, Vec<Fr>)>,
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

fn malformed(what: &str) -> String {
    format!("malformed witness program: {what}")
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> KResult<&'a [u8]> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.b.len()).ok_or_else(|| malformed("truncated"))?;
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }
    /// A capacity for `n` items each read from at least one byte: never more than the bytes left
    /// (a corrupt count fails on its reads, not on a huge allocation).
    fn capacity(&self, n: usize) -> usize {
        n.min(self.b.len() - self.at)
    }
    fn u32(&mut self) -> KResult<u32> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }
    fn usize(&mut self) -> KResult<usize> {
        self.u32().map(|v| v as usize)
    }
    fn u32s(&mut self, n: usize) -> KResult<Vec<u32>> {
        let raw = self.take(n.checked_mul(4).ok_or_else(|| malformed("a length overflows"))?)?;
        Ok(raw.chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().unwrap())).collect())
    }
    /// A constant integer, stored as its field element (signed reading).
    fn int(&mut self) -> KResult<BigInt> {
        self.field().map(|f| signed(&f))
    }
    fn name(&mut self) -> KResult<String> {
        let n = self.usize()?;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| malformed("a name is not UTF-8"))
    }
    fn field(&mut self) -> KResult<Fr> {
        Fr::from_bigint(limbs(self.take(32)?)).ok_or_else(|| malformed("a constant is not below r"))
    }
    /// `count` linear combinations (see program.py's `_lc`), their wires checked against `below`.
    fn lc(&mut self, count: usize, below: usize) -> KResult<Lc> {
        let nnz = self.usize()?;
        let indptr = self.u32s(count + 1)?;
        let wires = self.u32s(nnz)?;
        let coeffs = match self.take(1)?[0] {
            0 => self
                .take(nnz.checked_mul(8).ok_or_else(|| malformed("a length overflows"))?)?
                .chunks_exact(8)
                .map(|c| Fr::from(i64::from_le_bytes(c.try_into().unwrap())))
                .collect(),
            1 => (0..nnz).map(|_| self.field()).collect::<KResult<Vec<_>>>()?,
            _ => return Err(malformed("unknown coefficient encoding")),
        };
        let ok = indptr.windows(2).all(|w| w[0] <= w[1])
            && indptr.first() == Some(&0)
            && indptr.last().map(|&e| e as usize) == Some(nnz)
            && wires.iter().all(|&w| (w as usize) < below);
        if !ok {
            return Err(malformed("a linear combination reads a wire not yet computed"));
        }
        Ok(Lc { indptr, wires, coeffs })
    }
}

struct Lc {
    indptr: Vec<u32>,
    wires: Vec<u32>,
    coeffs: Vec<Fr>,
}

impl Lc {
    fn eval(&self, w: &[Fr]) -> Vec<Fr> {
        self.indptr
            .windows(2)
            .map(|r| {
                let (s, e) = (r[0] as usize, r[1] as usize);
                self.wires[s..e].iter().zip(&self.coeffs[s..e]).map(|(&i, c)| w[i as usize] * c).sum()
            })
            .collect()
    }
}

/// The signed reading of a field element: above (r - 1)/2 is negative.
pub(crate) fn signed(x: &Fr) -> BigInt {
    let v = x.into_bigint();
    if v > Fr::MODULUS_MINUS_ONE_DIV_TWO {
        -BigInt::from(BigUint::from((-*x).into_bigint()))
    } else {
        BigInt::from(BigUint::from(v))
    }
}

pub(crate) fn from_signed(v: &BigInt) -> Fr {
    let f = Fr::from(v.magnitude().clone());
    if v.sign() == Sign::Minus {
        -f
    } else {
        f
    }
}

fn signed_all(xs: &[Fr]) -> Vec<BigInt> {
    xs.iter().map(signed).collect()
}

/// (floor(a / b), a - b·floor(a / b)), Python's `//` and `%`.
fn div_floor(a: &BigInt, b: &BigInt) -> KResult<(BigInt, BigInt)> {
    if b.is_zero() {
        return Err("witness: a division by zero".into());
    }
    Ok(a.div_mod_floor(b))
}

fn one_hot(out: &mut [Fr], k: usize) {
    for (i, o) in out.iter_mut().enumerate() {
        *o = if i == k { Fr::one() } else { Fr::zero() };
    }
}

/// Python's bit count of a non-negative integer: the error message's `2^n` check.
fn bits_of(v: &ark_ff::BigInt<4>, n: usize) -> Option<Vec<bool>> {
    if n < 256 && (n..256).any(|i| v.get_bit(i)) {
        return None;
    }
    Some((0..n).map(|i| i < 256 && v.get_bit(i)).collect())
}

/// A field element as Python's `signed` shows it.
fn show_signed(x: &Fr) -> String {
    signed(x).to_string()
}

/// Run `program` with `inputs` (name -> values).
pub(crate) fn run(program: &[u8], inputs: &HashMap<String, Vec<Fr>>) -> KResult<Run> {
    let mut r = Reader { b: program, at: 0 };
    if r.take(8)? != MAGIC {
        return Err(malformed("not a zkml-chain witness program (version 1)"));
    }
    let n_wires = r.usize()?;
    let n_ops = r.usize()?;
    let order = r.u32s(n_wires)?;
    if order.iter().any(|&o| o as usize >= n_wires) {
        return Err(malformed("the witness order names a wire past the end"));
    }
    let mut w = vec![Fr::zero(); n_wires];
    if n_wires == 0 {
        return Err(malformed("no wires"));
    }
    w[0] = Fr::one();
    let mut next = 1usize;
    for _ in 0..n_ops {
        let (kind, first, count) = (r.u32()?, r.usize()?, r.usize()?);
        if first != next {
            return Err(malformed("an op does not start at the next wire"));
        }
        let outputs = step(&mut r, kind, first, count, &w, inputs)?;
        let end = first.checked_add(outputs.len()).filter(|&e| e <= n_wires).ok_or_else(|| malformed("too many wires"))?;
        w[first..end].copy_from_slice(&outputs);
        next = end;
    }
    if next != n_wires {
        return Err(malformed("the ops do not cover every wire"));
    }
    let n_taps = r.usize()?;
    let mut taps = Vec::with_capacity(r.capacity(n_taps));
    for _ in 0..n_taps {
        let name = r.name()?;
        let count = r.usize()?;
        taps.push((name, r.lc(count, n_wires)?.eval(&w)));
    }
    if r.at != program.len() {
        return Err(malformed("trailing bytes"));
    }
    Ok(Run { witness: order.iter().map(|&o| w[o as usize]).collect(), taps })
}

/// One op: the values of its new wires (they start at `first`; every read is below it).
fn step(r: &mut Reader, kind: u32, first: usize, count: usize, w: &[Fr], inputs: &HashMap<String, Vec<Fr>>) -> KResult<Vec<Fr>> {
    let lc = |r: &mut Reader, n: usize| r.lc(n, first);
    Ok(match kind {
        0 => (0..count).map(|_| r.field()).collect::<KResult<_>>()?,
        1 => {
            let name = r.name()?;
            let v = inputs.get(&name).ok_or_else(|| format!("witness: no value for the input {name:?}"))?;
            if v.len() != count {
                return Err(format!("witness: the input {name:?} has {} values, the circuit takes {count}", v.len()));
            }
            v.clone()
        }
        2 => lc(r, count)?.eval(w),
        3 => {
            let (a, b) = (lc(r, count)?.eval(w), lc(r, count)?.eval(w));
            a.iter().zip(&b).map(|(x, y)| *x * y).collect()
        }
        4 => {
            let (n, signed_range, what) = (r.usize()?, r.u32()? != 0, r.name()?);
            if !(1..=FIELD_BITS).contains(&n) {
                return Err(malformed("a bits op wider than a field element"));
            }
            let src = lc(r, count)?.eval(w);
            let mut out = Vec::with_capacity(count * n); // count is bounded by the lc just read
            for (i, x) in src.iter().enumerate() {
                match bits_of(&x.into_bigint(), n) {
                    Some(bits) => out.extend(bits.into_iter().map(|b| if b { Fr::one() } else { Fr::zero() })),
                    None if signed_range => {
                        let v = show_signed(&(*x - Fr::from(2u64).pow([n as u64 - 1])));
                        return Err(format!(
                            "witness: {what}: element {i} = {v} is outside the signed {n}-bit range [-2^{}, 2^{})",
                            n - 1,
                            n - 1
                        ));
                    }
                    None => {
                        return Err(format!("witness: {what}: element {i} = {} is not in [0, 2^{n})", show_signed(x)))
                    }
                }
            }
            out
        }
        5 | 6 => {
            let d = r.int()?;
            let src = signed_all(&lc(r, count)?.eval(w));
            src.iter()
                .map(|v| {
                    let (q, rem) = div_floor(v, &d)?;
                    Ok(from_signed(if kind == 5 { &q } else { &rem }))
                })
                .collect::<KResult<_>>()?
        }
        7 => {
            let k = r.usize()?;
            let lows = (0..k).map(|_| r.int()).collect::<KResult<Vec<_>>>()?;
            let src = signed_all(&lc(r, count)?.eval(w));
            let mut out = vec![Fr::zero(); count * k];
            for (v, o) in src.iter().zip(out.chunks_exact_mut(k.max(1))) {
                let below = lows.iter().filter(|&l| l <= v).count();
                one_hot(o, if below == 0 { k - 1 } else { below - 1 }); // numpy's index -1: the last
            }
            out
        }
        8 | 9 => {
            let shift = r.u32()?;
            if shift as usize > FIELD_BITS {
                return Err(malformed("a division's shift wider than a field element"));
            }
            let num = signed_all(&lc(r, count)?.eval(w));
            let den = signed_all(&lc(r, count)?.eval(w));
            num.iter()
                .zip(&den)
                .map(|(a, b)| {
                    let (q, rem) = div_floor(&(a << shift), b)?;
                    Ok(from_signed(if kind == 8 { &q } else { &rem }))
                })
                .collect::<KResult<_>>()?
        }
        10 => {
            let (c, a, b) = (lc(r, count)?.eval(w), lc(r, count)?.eval(w), lc(r, count)?.eval(w));
            c.iter().zip(a.iter().zip(&b)).map(|(c, (a, b))| if c.is_one() { *a } else { *b }).collect()
        }
        11 => {
            let v = signed_all(&lc(r, count)?.eval(w));
            let top = v.iter().max().ok_or_else(|| malformed("an argmax of nothing"))?;
            let mut out = vec![Fr::zero(); count];
            one_hot(&mut out, v.iter().position(|x| x == top).unwrap());
            out
        }
        12 => {
            let (gap, before) = (lc(r, count)?.eval(w), lc(r, count)?.eval(w));
            gap.iter()
                .zip(&before)
                .map(|(g, b)| {
                    if b.is_zero() {
                        Ok(Fr::zero())
                    } else {
                        g.inverse().ok_or_else(|| "witness: argmax: a zero gap".to_string())
                    }
                })
                .collect::<KResult<_>>()?
        }
        13 => {
            let m = r.usize()?;
            let x = signed(&lc(r, 1)?.eval(w)[0]);
            let cuts = signed_all(&lc(r, m)?.eval(w));
            if count != m + 1 {
                return Err(malformed("a bin's one-hot is not one longer than its cuts"));
            }
            let mut out = vec![Fr::zero(); count];
            one_hot(&mut out, cuts.iter().filter(|&c| *c < x).count());
            out
        }
        14 => tree_leaf(r, count, first, w)?,
        _ => return Err(malformed("unknown op")),
    })
}

/// The one-hot over a tree's leaves of the leaf its chosen bins reach (program.TreeLeaf).
fn tree_leaf(r: &mut Reader, count: usize, first: usize, w: &[Fr]) -> KResult<Vec<Fr>> {
    let n_slots = r.usize()?;
    let mut chosen = Vec::with_capacity(r.capacity(n_slots));
    for _ in 0..n_slots {
        let (start, len) = (r.usize()?, r.usize()?);
        if start.checked_add(len).is_none_or(|e| e > first) {
            return Err(malformed("a tree reads bins not yet computed"));
        }
        chosen.push(w[start..start + len].iter().position(|x| x.is_one()).unwrap_or(0) as u32);
    }
    enum Node {
        Leaf(u32),
        Split { slot: usize, bins: Vec<u32>, yes: usize, no: usize },
    }
    let n_nodes = r.usize()?;
    let mut nodes = Vec::with_capacity(r.capacity(n_nodes));
    for _ in 0..n_nodes {
        nodes.push(match r.u32()? {
            0 => Node::Leaf(r.u32()?),
            1 => {
                let (slot, yes, no, n) = (r.usize()?, r.usize()?, r.usize()?, r.usize()?);
                Node::Split { slot, bins: r.u32s(n)?, yes, no }
            }
            _ => return Err(malformed("unknown tree node")),
        });
    }
    let leaves = r.u32s(count)?;
    let mut at = 0usize;
    for _ in 0..=n_nodes {
        match nodes.get(at).ok_or_else(|| malformed("a tree node past the end"))? {
            Node::Leaf(row) => return Ok(leaves.iter().map(|l| if l == row { Fr::one() } else { Fr::zero() }).collect()),
            Node::Split { slot, bins, yes, no } => {
                let bin = *chosen.get(*slot).ok_or_else(|| malformed("a split on a slot past the end"))?;
                at = if bins.contains(&bin) { *yes } else { *no };
            }
        }
    }
    Err(malformed("a tree with a cycle"))
}
