//! Multi-scalar multiplication sum_i s_i * P_i on any short Weierstrass curve (BN254's G1 and
//! G2): Pippenger with signed digits and batch-affine bucket accumulation.
//!
//! Why not arkworks' `msm_bigint`: it adds every point into an extended-Jacobian (XYZZ) bucket,
//! 8M + 2S per addition. Here a window's additions are collected in batches whose buckets are all
//! distinct, and each batch shares one field inversion (Montgomery's trick), so an addition in
//! affine coordinates costs 5M + 1S plus 1/B of an inversion. Signed digits halve the buckets (and
//! the bucket reduction). Known as "batch-affine" Pippenger (gnark, arkmsm, sppark).
//!
//! Edge cases are exact, not probabilistic: a bucket's first point is stored without an addition;
//! adding P to a bucket holding P doubles it, adding -P empties it (both outside the batch, rare);
//! a point that meets its bucket already in the open batch waits in a queue for the next batch, and
//! when the queue is full (scalars concentrated on a few digits, such as bits) it is added into an
//! XYZZ overflow bucket instead, so skewed scalars cost what arkworks costs and never more.

use ark_ec::short_weierstrass::{Affine, Bucket, Projective, SWCurveConfig};
use ark_ec::AffineRepr;
use ark_ff::{AdditiveGroup, BigInteger, Field, PrimeField, Zero};
use rayon::prelude::*;

use crate::inversion::{BatchInverse, Scratch};

type BigInt<P> = <<P as ark_ec::CurveConfig>::ScalarField as PrimeField>::BigInt;

/// Window width c (bits) for n nonzero terms of `scalar_bits` bits: [`window_bits_for`] with every
/// term full width (the tests' view of the cost model).
#[cfg(test)]
pub(crate) fn window_bits(n: usize, scalar_bits: usize) -> usize {
    let mut lengths = vec![0usize; scalar_bits + 1];
    lengths[scalar_bits] = n;
    window_bits_for(&lengths, scalar_bits)
}

/// Window width c (bits) for terms whose magnitudes have `lengths[b]` of bit length b (b = 0, the
/// zeros, cost nothing): minimises the field multiplications, summed over the windows a term can
/// reach (a term of b bits has digits in windows 0 ..= b / c; in window b / c only a carry, half
/// the time, when c divides b): per term, a batch-affine addition (~6M) plus its share of the
/// batch's inversion (~250M here); per window with any term, the reduction (per bucket, two
/// batch-affine additions and their chains' share, ~15M, or below [`MIN_BATCHED_REDUCTION`]
/// buckets a mixed and a full XYZZ addition, ~25M). A zkML witness is mostly bits and small values
/// with a minority of full-width ones, so its high windows hold far fewer terms than its first,
/// and a uniform count would pick windows too wide. Small inputs get wider windows than the
/// bucket count alone suggests, so that batches are large enough to spread their inversion.
/// c <= 14: a window's buckets then fit in L2 (8,192 × 64 B in G1); 15- and 16-bit windows,
/// which the count favours from 2^18 GLV terms on, measured 10–25% slower there than 14.
pub(crate) fn window_bits_for(lengths: &[usize], scalar_bits: usize) -> usize {
    // at_least[b]: the terms of b bits or more (b >= 1)
    let mut at_least = vec![0usize; lengths.len() + 2];
    for b in (1..lengths.len()).rev() {
        at_least[b] = at_least[b + 1] + lengths[b];
    }
    let at = |b: usize| b.clamp(1, lengths.len());
    let terms = |w: usize, c: usize| {
        if w == 0 {
            return at_least[1] as f64;
        }
        at_least[at(w * c + 1)] as f64 + lengths.get(w * c).copied().unwrap_or(0) as f64 / 2.0
    };
    let cost = |c: usize| {
        let per_add = 6.0 + 250.0 / batch_size(c) as f64;
        let per_bucket = if 1usize << (c - 1) >= MIN_BATCHED_REDUCTION { 15.0 } else { 25.0 };
        (0..windows(c, scalar_bits))
            .map(|w| terms(w, c))
            .filter(|&n| n > 0.0)
            .map(|n| n * per_add + (1u64 << (c - 1)) as f64 * per_bucket)
            .sum::<f64>()
    };
    (2..=MAX_WIDTH).min_by(|a, b| cost(*a).total_cmp(&cost(*b))).expect("non-empty range")
}

/// The widest window [`window_bits_for`] picks.
const MAX_WIDTH: usize = 14;

/// How many of `scalars` have each bit length (0 ..= 256) once those above r/2 are read as
/// negative (the magnitude signed digits work on): [`window_bits_for`]'s input.
pub(crate) fn signed_lengths<B: BigInteger>(scalars: &[B], modulus: &B) -> Vec<usize> {
    let half_r = half_order(modulus);
    scalars
        .par_iter()
        .fold(
            || vec![0usize; 257],
            |mut acc, s| {
                acc[magnitude(s, modulus, &half_r).num_bits() as usize] += 1;
                acc
            },
        )
        .reduce(|| vec![0usize; 257], |a, b| a.iter().zip(&b).map(|(x, y)| x + y).collect())
}

/// (r - 1) / 2 for an odd modulus r: the largest scalar read as non-negative.
pub(crate) fn half_order<B: BigInteger>(modulus: &B) -> B {
    let mut h = *modulus;
    h.div2();
    h
}

/// |s| when scalars above `half_r` = (r - 1)/2 are read as negative: s, or r - s.
pub(crate) fn magnitude<B: BigInteger>(s: &B, modulus: &B, half_r: &B) -> B {
    if s > half_r {
        let mut t = *modulus;
        t.sub_with_borrow(s);
        t
    } else {
        *s
    }
}

/// Windows needed for signed digits in [-2^(c-1), 2^(c-1) - 1]: one more than the unsigned count,
/// and another when the top window is c - 1 bits wide (its digit plus a carry could reach 2^(c-1)).
fn windows(c: usize, scalar_bits: usize) -> usize {
    scalar_bits / c + 1 + usize::from(scalar_bits % c == c - 1)
}

/// Signed base-2^c digits of every scalar, window-major (`digits[w * n + i]`), so each window's
/// pass reads one contiguous run. Written in place by blocks of scalars in parallel (no
/// scalar-major copy to transpose: at 2^20 that copy alone was 34 MB).
///
/// A scalar above (r - 1)/2 is written as -(r - s): the digits of r - s, negated. A small negative
/// number (r - k, common in zkML witnesses: signed values mod r) then has digits in its lowest
/// windows only, so it costs a few bucket additions instead of one in every window.
///
/// Each input expands to `K` scalars, written at indices `K * i .. K * i + K` (GLV's two halves of
/// one scalar, glv.rs, sit side by side, so a run skipping the first inputs stays contiguous).
fn signed_digits<B: BigInteger, const K: usize>(inputs: usize, expand: impl Fn(usize) -> [B; K] + Sync, modulus: &B, c: usize, w_count: usize) -> Vec<i16> {
    /// The digits array, written by several threads at disjoint indices (scalar i owns w * n + i).
    struct Shared(*mut i16);
    // SAFETY: every index is written by exactly one task (the one holding its scalar's block), and
    // the array outlives the parallel loop, which joins before it is read.
    unsafe impl Sync for Shared {}
    let n = inputs * K;
    let (half, full) = (1i64 << (c - 1), 1i64 << c);
    let half_r = half_order(modulus);
    let mut digits = vec![0i16; n * w_count];
    let out = Shared(digits.as_mut_ptr());
    const BLOCK: usize = 4096; // inputs per task: whole cache lines of each window's run
    (0..inputs.div_ceil(BLOCK)).into_par_iter().for_each(|b| {
        let out = &out;
        for (i, s) in (b * BLOCK..inputs.min((b + 1) * BLOCK)).flat_map(|j| expand(j).into_iter().enumerate().map(move |(k, s)| (j * K + k, s))) {
            let negate = s > half_r;
            let v = magnitude(&s, modulus, &half_r);
            let mut carry = 0i64;
            for w in 0..w_count {
                let raw = bits_at(v.as_ref(), w * c, c) as i64 + carry;
                // A negated scalar's digits are taken in [-(half - 1), half], so that negated they
                // are in [-half, half - 1] like the others (and fit an i16 at c = 16).
                carry = i64::from(if negate { raw > half } else { raw >= half });
                let d = raw - carry * full;
                // SAFETY: w * n + i < n * w_count, and only this task writes index w * n + i.
                unsafe { *out.0.add(w * n + i) = (if negate { -d } else { d }) as i16 };
            }
            debug_assert_eq!(carry, 0, "too few windows for the scalar size");
        }
    });
    digits
}

/// The c-bit field of `limbs` (little-endian u64s) starting at bit `start`; zero past the end.
fn bits_at(limbs: &[u64], start: usize, c: usize) -> u64 {
    let (limb, shift) = (start / 64, start % 64);
    if limb >= limbs.len() {
        return 0;
    }
    let mut v = limbs[limb] >> shift;
    if shift + c > 64 && limb + 1 < limbs.len() {
        v |= limbs[limb + 1] << (64 - shift);
    }
    v & ((1u64 << c) - 1)
}

/// Below this many additions a batch's one inversion (~100 field multiplications here) costs
/// more than the XYZZ additions (~10 each) it would save: [`Window::drain`] spills instead.
const MIN_DRAIN_BATCH: usize = 32;

/// A bucket: an affine point's two coordinates, (0, 0) when empty, aligned to a cache line. The
/// buckets are read and written at random, and arkworks' `Affine` carries an infinity flag (72
/// bytes in G1), so most buckets straddled two lines; here a G1 bucket is one line (G2: two).
/// (0, 0) is on no curve y² = x³ + ax + b with b ≠ 0 ([`Window::new`] checks b).
#[derive(Clone, Copy)]
#[repr(C, align(64))]
pub(crate) struct Slot<F> {
    pub(crate) x: F,
    pub(crate) y: F,
}

impl<F: Field> Slot<F> {
    const EMPTY: Self = Self { x: F::ZERO, y: F::ZERO };

    fn is_empty(&self) -> bool {
        self.x.is_zero() && self.y.is_zero()
    }

    fn point<P: SWCurveConfig<BaseField = F>>(&self) -> Affine<P> {
        if self.is_empty() {
            Affine::identity()
        } else {
            Affine::new_unchecked(self.x, self.y)
        }
    }

    fn of<P: SWCurveConfig<BaseField = F>>(p: Affine<P>) -> Self {
        if p.is_zero() {
            Self::EMPTY
        } else {
            Self { x: p.x, y: p.y }
        }
    }

    /// self += q where that needs no division: self or q empty, or equal x (a doubling or a
    /// cancellation, where the affine formula would divide by zero). False, self unchanged, when
    /// it does: the caller batches it, with 1 / (q.x − self.x), for [`Slot::add_with_inverse`].
    fn add_undivided<P: SWCurveConfig<BaseField = F>>(&mut self, q: &Self) -> bool {
        if q.is_empty() {
            return true;
        }
        if self.is_empty() {
            *self = *q;
        } else if self.x == q.x {
            *self = if self.y == q.y { Self::of(q.point::<P>().into_group().double().into()) } else { Self::EMPTY };
        } else {
            return false;
        }
        true
    }

    /// self += (x, y) given inv = 1 / (x − self.x): the batch-affine addition (5M + 1S).
    #[inline(always)]
    fn add_with_inverse(&mut self, x: F, y: F, inv: &F)
    where
        F: BatchInverse,
    {
        let lambda = F::multiply(&(y - self.y), inv);
        let x3 = F::squared(&lambda) - self.x - x;
        let y3 = F::multiply(&lambda, &(self.x - x3)) - self.y;
        *self = Self { x: x3, y: y3 };
    }
}

/// One window's buckets and the open batch of affine additions into them.
struct Window<P: SWCurveConfig> {
    buckets: Vec<Slot<P::BaseField>>,
    /// XYZZ buckets for additions the full queue cannot hold; empty until the first one (at c = 16
    /// a G2 window's would be 8 MB to zero and walk).
    overflow: Vec<Bucket<P>>,
    /// `open[b]`: bucket b has an addition in the open batch.
    open: Vec<bool>,
    batch: Vec<(u32, Affine<P>)>,
    queue: Vec<(u32, Affine<P>)>,
    batch_size: usize,
    /// The differences x_P - x_bucket of the open batch, then their inverses.
    diffs: Vec<P::BaseField>,
    scratch: Scratch,
}

impl<P: SWCurveConfig> Window<P>
where
    P::BaseField: BatchInverse,
{
    fn new(buckets: usize, batch_size: usize) -> Self {
        assert!(!P::COEFF_B.is_zero(), "an empty bucket is (0, 0), a point of this curve");
        Self {
            buckets: vec![Slot::EMPTY; buckets],
            overflow: Vec::new(), // sized on first use: random digits never need it
            open: vec![false; buckets],
            batch: Vec::with_capacity(batch_size),
            queue: Vec::with_capacity(batch_size),
            batch_size,
            diffs: Vec::with_capacity(batch_size),
            scratch: Scratch::default(),
        }
    }

    /// Add `p` into bucket `b`, applying the batch when it fills.
    fn add(&mut self, b: u32, p: Affine<P>) {
        if self.push(b, p) {
            self.apply_and_refill();
        }
    }

    /// Add `p` into bucket `b`: now when it needs no division, else into the open batch; a bucket
    /// already in the batch sends `p` to the queue (or, with the queue full, to overflow). True
    /// when the batch is full.
    fn push(&mut self, b: u32, p: Affine<P>) -> bool {
        let bi = b as usize;
        if self.open[bi] {
            if self.queue.len() < self.batch_size {
                self.queue.push((b, p));
            } else {
                if self.overflow.is_empty() {
                    self.overflow = vec![Bucket::<P>::ZERO; self.buckets.len()];
                }
                self.overflow[bi] += &p;
            }
            return false;
        }
        if !self.buckets[bi].add_undivided::<P>(&Slot::of(p)) {
            self.open[bi] = true;
            self.batch.push((b, p));
        }
        self.batch.len() >= self.batch_size
    }

    /// Apply the open batch, then refill it from the queue (again while it fills).
    fn apply_and_refill(&mut self) {
        loop {
            self.apply_batch();
            let queued = std::mem::take(&mut self.queue);
            let mut full = false;
            let mut rest = queued.into_iter();
            for (b, p) in rest.by_ref() {
                if self.push(b, p) {
                    full = true;
                    break;
                }
            }
            self.queue.extend(rest);
            if !full {
                return;
            }
        }
    }

    /// bucket += p for every (bucket, p) of the batch, with one shared inversion.
    fn apply_batch(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        // nonzero differences: equal x never enters a batch
        add_pending(&mut self.buckets, &self.batch, &mut self.diffs, &mut self.scratch);
        for (b, _) in &self.batch {
            self.open[*b as usize] = false;
        }
        self.batch.clear();
    }

    /// Apply everything still pending: each round applies the batch and refills it from the
    /// queue. A refill that finds fewer than [`MIN_DRAIN_BATCH`] distinct buckets means the queue
    /// is points for a few buckets (a skewed window: a zkML witness's many 0/1 values all land in
    /// bucket 1 of window 0), which would otherwise take a round, and an inversion, per point; they
    /// go to the XYZZ overflow buckets instead.
    fn drain(&mut self) {
        while !self.batch.is_empty() || !self.queue.is_empty() {
            self.apply_and_refill();
            if self.batch.len() < MIN_DRAIN_BATCH && !self.queue.is_empty() {
                self.spill_queue();
            }
        }
    }

    fn spill_queue(&mut self) {
        if self.overflow.is_empty() {
            self.overflow = vec![Bucket::<P>::ZERO; self.buckets.len()];
        }
        for (b, p) in self.queue.drain(..) {
            self.overflow[b as usize] += &p;
        }
    }

    /// sum_b (b + 1) * bucket_b: by [`reduce_batched`] when the buckets are many (and none
    /// overflowed), else by one running sum in XYZZ.
    fn reduce(&mut self) -> Projective<P> {
        if self.buckets.len() >= MIN_BATCHED_REDUCTION && self.overflow.is_empty() {
            return reduce_batched(&self.buckets, &mut self.scratch);
        }
        reduce_xyzz(&self.buckets, &self.overflow)
    }
}

/// sum_b (b + 1) * (bucket_b + overflow_b) by one running sum from the top bucket down, in XYZZ
/// (`overflow` empty, or one per bucket).
fn reduce_xyzz<P: SWCurveConfig>(buckets: &[Slot<P::BaseField>], overflow: &[Bucket<P>]) -> Projective<P> {
    let mut running = Bucket::<P>::ZERO;
    let mut sum = Bucket::<P>::ZERO;
    for (b, p) in buckets.iter().enumerate().rev() {
        if !p.is_empty() {
            running += &p.point::<P>();
        }
        if let Some(o) = overflow.get(b).filter(|o| !o.is_zero()) {
            running += o;
        }
        sum += &running;
    }
    sum.into()
}

/// Below this many buckets, one XYZZ running sum costs less than the chains' bookkeeping.
const MIN_BATCHED_REDUCTION: usize = 512;

/// sum_b (b + 1) * bucket_b by k running sums side by side, in affine coordinates with one shared
/// inversion per step (as the accumulation, [`Window::apply_batch`]): per bucket two affine
/// additions (~6M each) instead of a mixed and a full XYZZ addition (~10M and ~14M). The reduction
/// was ~10% of an MSM at 2^16–2^18 (its 2^(c-1) buckets per window beside n additions).
///
/// Chain t holds buckets [t·l, (t + 1)·l) and walks them top down: run_t += B_j, then acc_t +=
/// run_t, so acc_t = Σ (j - t·l + 1)·B_j and run_t = Σ B_j over the chain; the total is
/// Σ_t acc_t plus l·Σ_t t·run_t, the last sum one XYZZ running sum over the k chains. k ≈ 4√m
/// balances the inversions (2m/k of them) against that combination (~3k XYZZ additions).
/// Measured against the XYZZ running sum (`reduction_timings`): 1.3x faster in G1 at 4,096–32,768
/// buckets, 1.8–2x in G2; the same at 512.
fn reduce_batched<P: SWCurveConfig>(buckets: &[Slot<P::BaseField>], scratch: &mut Scratch) -> Projective<P>
where
    P::BaseField: BatchInverse,
{
    let m = buckets.len();
    let k = ((4.0 * (m as f64).sqrt()) as usize).clamp(1, m);
    let l = m.div_ceil(k);
    let (mut run, mut acc) = (vec![Slot::EMPTY; k], vec![Slot::EMPTY; k]);
    let (mut pending, mut diffs) = (Vec::with_capacity(k), Vec::with_capacity(k));
    for step in (0..l).rev() {
        add_each::<P>(&mut run, |t| buckets.get(t * l + step).copied().unwrap_or(Slot::EMPTY), &mut pending, &mut diffs, scratch);
        add_each::<P>(&mut acc, |t| run[t], &mut pending, &mut diffs, scratch);
    }
    let (mut running, mut weighted) = (Bucket::<P>::ZERO, Bucket::<P>::ZERO);
    for r in run[1..].iter().rev() {
        if !r.is_empty() {
            running += &r.point::<P>();
        }
        weighted += &running;
    }
    let mut total: Projective<P> = Projective::<P>::from(weighted) * P::ScalarField::from(l as u64);
    for a in &acc {
        total += a.point::<P>();
    }
    total
}

/// targets[t] += addend(t) for every t, the additions that need a division sharing one inversion;
/// the identity, doubling and cancellation are handled as they come ([`Slot::add_undivided`]).
fn add_each<P: SWCurveConfig>(
    targets: &mut [Slot<P::BaseField>],
    addend: impl Fn(usize) -> Slot<P::BaseField>,
    pending: &mut Vec<(u32, Affine<P>)>,
    diffs: &mut Vec<P::BaseField>,
    scratch: &mut Scratch,
) where
    P::BaseField: BatchInverse,
{
    pending.clear();
    for (t, p) in targets.iter_mut().enumerate() {
        let q = addend(t);
        if !p.add_undivided::<P>(&q) {
            pending.push((t as u32, Affine::new_unchecked(q.x, q.y)));
        }
    }
    add_pending(targets, pending, diffs, scratch);
}

/// targets[t] += q for every (t, q) of `pending` (distinct targets, none empty, x_q ≠ x_target),
/// sharing one inversion: in lanes where the CPU can ([`BatchInverse::add_batch`]).
fn add_pending<P: SWCurveConfig>(
    targets: &mut [Slot<P::BaseField>],
    pending: &[(u32, Affine<P>)],
    diffs: &mut Vec<P::BaseField>,
    scratch: &mut Scratch,
) where
    P::BaseField: BatchInverse,
{
    if pending.is_empty() || P::BaseField::add_batch(targets, pending, scratch) {
        return;
    }
    diffs.clear();
    diffs.extend(pending.iter().map(|(t, q)| q.x - targets[*t as usize].x));
    P::BaseField::invert_all(diffs, scratch);
    for ((t, q), inv) in pending.iter().zip(diffs.iter()) {
        targets[*t as usize].add_with_inverse(q.x, q.y, inv);
    }
}

/// A window whose digits reach few buckets for its points (the top window of GLV halves: a
/// 126-bit half's last 13-bit window has 512 buckets, its carry-only window one): its points,
/// a chunk at a time, sorted by bucket and summed pairwise, level by level, every level's
/// additions one batch (cut in [`TREE_BATCH`]s) whatever the bucket count; each chunk's sums then
/// go into the window's buckets in one more batch. Collected into few buckets instead, batches
/// would hold at most a quarter as many additions as buckets — an inversion per few additions —
/// or send the rest to the XYZZ overflow (measured: that window cost ~3x a full one). Chunks
/// bound the memory (4,096 points, or 8 per bucket: at most 4 MB in G2): at 2^20 a whole
/// window's points would be 128 MB in G1.
fn window_sum_few<P: SWCurveConfig>(base: impl Fn(usize) -> Affine<P>, run: &[i16], buckets: usize) -> Projective<P>
where
    P::BaseField: BatchInverse,
{
    let mut sums = vec![Slot::EMPTY; buckets];
    let (mut pending, mut diffs, mut scratch) = (Vec::<(u32, Affine<P>)>::with_capacity(TREE_BATCH), Vec::<P::BaseField>::new(), Scratch::default());
    let (mut start, mut len, mut next, mut pts) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    // a chunk several times the bucket count, so that merging its sums costs little beside it
    let chunk = (8 * buckets).max(4096);
    for (k, digits) in run.chunks(chunk).enumerate() {
        start.clear();
        start.resize(buckets + 1, 0usize);
        for d in digits.iter().filter(|d| **d != 0) {
            start[d.unsigned_abs() as usize] += 1;
        }
        len.clone_from(&start);
        let mut total = 0;
        for s in start.iter_mut() {
            (*s, total) = (total, total + *s);
        }
        pts.clear();
        pts.resize(total, Slot::EMPTY);
        next.clone_from(&start);
        for (i, d) in digits.iter().enumerate().filter(|(_, d)| **d != 0) {
            let p = base(k * chunk + i); // the point at infinity stays an empty slot
            let b = d.unsigned_abs() as usize;
            pts[next[b]] = Slot::of(if *d > 0 { p } else { -p });
            next[b] += 1;
        }
        while len.iter().any(|&l| l > 1) {
            for (b, &s) in start.iter().enumerate() {
                for i in 0..len[b] / 2 {
                    let (t, a) = (s + 2 * i, s + 2 * i + 1);
                    let q = pts[a];
                    if !pts[t].add_undivided::<P>(&q) {
                        pending.push((t as u32, Affine::new_unchecked(q.x, q.y)));
                        if pending.len() == TREE_BATCH {
                            add_pending(&mut pts, &pending, &mut diffs, &mut scratch);
                            pending.clear();
                        }
                    }
                }
            }
            add_pending(&mut pts, &pending, &mut diffs, &mut scratch);
            pending.clear();
            for (b, &s) in start.iter().enumerate() {
                for i in 0..len[b].div_ceil(2) {
                    pts[s + i] = pts[s + 2 * i];
                }
                len[b] = len[b].div_ceil(2);
            }
        }
        for b in 1..=buckets {
            if len[b] == 1 {
                let q = pts[start[b]];
                if !sums[b - 1].add_undivided::<P>(&q) {
                    pending.push(((b - 1) as u32, Affine::new_unchecked(q.x, q.y)));
                }
            }
        }
        add_pending(&mut sums, &pending, &mut diffs, &mut scratch);
        pending.clear();
    }
    if sums.len() >= MIN_BATCHED_REDUCTION {
        reduce_batched(&sums, &mut scratch)
    } else {
        reduce_xyzz(&sums, &[])
    }
}

/// Additions per batch of [`window_sum_few`]'s levels.
const TREE_BATCH: usize = 1024;

/// sum_i scalars[i] * bases[i] (scalars as canonical big integers, each below the group order).
/// Extra bases or scalars past the shorter of the two are ignored.
pub(crate) fn msm<P: SWCurveConfig>(bases: &[Affine<P>], scalars: &[BigInt<P>]) -> Projective<P>
where
    P::BaseField: BatchInverse,
{
    let n = bases.len().min(scalars.len());
    msm_by(|i| bases[i], Digits::new::<P>(&scalars[..n]))
}

/// A batch of scalars as signed window digits: all an MSM needs of them, so the caller can free
/// the scalars before the (long) window passes.
pub(crate) struct Digits {
    /// Scalars behind the digits: `per_input` for each input scalar.
    n: usize,
    per_input: usize,
    c: usize,
    w_count: usize,
    digits: Vec<i16>,
}

impl Digits {
    pub(crate) fn new<P: SWCurveConfig>(scalars: &[BigInt<P>]) -> Self {
        let scalar_bits = P::ScalarField::MODULUS_BIT_SIZE as usize;
        let lengths = signed_lengths(scalars, &P::ScalarField::MODULUS);
        Self::with_width::<P>(scalars, window_bits_for(&lengths[..=scalar_bits], scalar_bits))
    }

    pub(crate) fn with_width<P: SWCurveConfig>(scalars: &[BigInt<P>], c: usize) -> Self {
        Self::expanded::<P, 1>(scalars.len(), |i| [scalars[i]], P::ScalarField::MODULUS_BIT_SIZE as usize, c)
    }

    /// Digits of `K` scalars per input (`expand(i)`, each of magnitude below 2^scalar_bits once
    /// values above r/2 are read as negative) at window width `c`: what GLV's halves need.
    pub(crate) fn expanded<P: SWCurveConfig, const K: usize>(
        inputs: usize,
        expand: impl Fn(usize) -> [BigInt<P>; K] + Sync,
        scalar_bits: usize,
        c: usize,
    ) -> Self {
        let w_count = windows(c, scalar_bits);
        let digits = signed_digits(inputs, expand, &P::ScalarField::MODULUS, c, w_count);
        Self { n: inputs * K, per_input: K, c, w_count, digits }
    }
}

/// sum_i d_i * base(i) for the scalars behind `digits`: the bases from any accessor, such as
/// points decoded in place from a memory-mapped proving key (zkey.rs).
pub(crate) fn msm_by<P: SWCurveConfig>(base: impl Fn(usize) -> Affine<P> + Sync, digits: Digits) -> Projective<P>
where
    P::BaseField: BatchInverse,
{
    let batch = batch_size(digits.c);
    msm_with(base, digits, batch)
}

/// Additions per batch for 2^(c-1) buckets: large enough to spread the inversion, small enough
/// that few points meet a bucket already in the batch.
pub(crate) fn batch_size(c: usize) -> usize {
    batch_for(1 << (c - 1))
}

/// [`batch_size`] for m buckets.
fn batch_for(m: usize) -> usize {
    (m / 4).clamp(4, 1024)
}

/// [`msm_by`] with a given batch size.
pub(crate) fn msm_with<P: SWCurveConfig>(base: impl Fn(usize) -> Affine<P> + Sync, d: Digits, batch: usize) -> Projective<P>
where
    P::BaseField: BatchInverse,
{
    if d.is_zero() {
        return Projective::zero();
    }
    let sums: Vec<Projective<P>> = (0..d.w_count).into_par_iter().map(|w| window_sum(&base, d.run(w, 0), batch)).collect();
    combine(&sums, d.c)
}

impl Digits {
    /// Window w's digits of the scalars from input `skip` on (the C query takes the witness past
    /// its public head, so it shares the witness's digits instead of having its own).
    /// With several scalars per input, the run's index j is input j / K's (j % K)-th scalar.
    pub(crate) fn run(&self, w: usize, skip: usize) -> &[i16] {
        &self.digits[w * self.n + skip * self.per_input..(w + 1) * self.n]
    }

    pub(crate) fn windows(&self) -> usize {
        self.w_count
    }

    pub(crate) fn width(&self) -> usize {
        self.c
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.digits.iter().all(|x| *x == 0)
    }
}

/// One window of an MSM: sum_i d_i * base(i) over the window's digits `run` (|d_i| <= 2^(c-1)),
/// by batch-affine bucket accumulation and the running-sum reduction. Independent of the other
/// windows, so the windows of several MSMs can share one parallel loop.
pub(crate) fn window_sum<P: SWCurveConfig>(base: impl Fn(usize) -> Affine<P>, run: &[i16], batch: usize) -> Projective<P>
where
    P::BaseField: BatchInverse,
{
    // Buckets up to the largest digit: the top window's digits are small (a 254-bit scalar's last
    // window holds a few bits), and its reduction then walks only the buckets it can use.
    // Too few of them for the batch size (a batch holds one addition per bucket at most):
    // [`window_sum_few`].
    let buckets = run.iter().map(|d| d.unsigned_abs()).max().unwrap_or(0).max(1) as usize;
    if batch_for(buckets) < batch {
        return window_sum_few(base, run, buckets);
    }
    let mut window = Window::<P>::new(buckets, batch);
    for (i, d) in run.iter().enumerate() {
        if *d == 0 {
            continue;
        }
        let p = base(i);
        if p.is_zero() {
            continue;
        }
        let (b, q) = if *d > 0 { (*d as u32 - 1, p) } else { ((-(*d as i32)) as u32 - 1, -p) };
        window.add(b, q);
    }
    window.drain();
    window.reduce()
}

/// The MSM from its window sums (lowest window first): Horner's rule in 2^c.
pub(crate) fn combine<P: SWCurveConfig>(sums: &[Projective<P>], c: usize) -> Projective<P> {
    sums.iter().rev().fold(Projective::zero(), |mut acc, s| {
        for _ in 0..c {
            acc.double_in_place();
        }
        acc + s
    })
}

#[cfg(test)]
mod reduction {
    use super::*;
    use ark_bn254::{g1, g2, Fr};
    use ark_ec::CurveGroup;
    use ark_ff::UniformRand;
    use ark_std::test_rng;

    /// Σ (b + 1)·B_b, the plain way.
    fn expected<P: SWCurveConfig<ScalarField = Fr>>(buckets: &[Affine<P>]) -> Projective<P> {
        buckets.iter().enumerate().map(|(b, p)| *p * Fr::from(b as u64 + 1)).sum()
    }

    fn check<P: SWCurveConfig<ScalarField = Fr>>(buckets: &[Affine<P>])
    where
        P::BaseField: BatchInverse,
    {
        let slots: Vec<Slot<P::BaseField>> = buckets.iter().map(|p| Slot::of(*p)).collect();
        let got = reduce_batched::<P>(&slots, &mut Scratch::default());
        assert_eq!(got.into_affine(), expected(buckets).into_affine(), "{} buckets", buckets.len());
    }

    fn cases<P: SWCurveConfig<ScalarField = Fr>>()
    where
        P::BaseField: BatchInverse,
    {
        let rng = &mut test_rng();
        let g = Projective::<P>::rand(rng).into_affine();
        for m in [1, 2, 3, 17, 512, 1000, 4096] {
            // random points, some buckets empty
            let random: Vec<Affine<P>> =
                (0..m).map(|i| if i % 7 == 3 { Affine::identity() } else { Projective::<P>::rand(rng).into_affine() }).collect();
            check(&random);
            // one point everywhere: run doubles at its second step (g + g) and acc at its third
            // (3g + 3g), in every chain
            check(&vec![g; m]);
            // P, -P alternating: the running sums cancel to the identity at every other step
            check(&(0..m).map(|i| if i % 2 == 0 { g } else { -g }).collect::<Vec<_>>());
            // everything empty but the top and the bottom bucket
            let mut sparse = vec![Affine::<P>::identity(); m];
            sparse[0] = g;
            sparse[m - 1] = -g;
            check(&sparse);
            check(&vec![Affine::<P>::identity(); m]);
        }
    }

    #[test]
    fn batched_reduction_equals_the_weighted_sum_in_g1_and_g2_at_the_edges() {
        cases::<g1::Config>();
        cases::<g2::Config>();
    }
}

#[cfg(test)]
mod few_buckets {
    use super::*;
    use ark_bn254::{g1, g2, Fr};
    use ark_ec::CurveGroup;
    use ark_ff::UniformRand;
    use ark_std::rand::Rng;
    use ark_std::test_rng;

    /// window_sum_few against Σ d_i·P_i: random digits into 1–600 buckets; one point repeated
    /// (every pair a doubling), P and −P alternating (cancellations), points at infinity, odd
    /// counts per bucket, zero digits.
    fn check<P: SWCurveConfig<ScalarField = Fr>>()
    where
        P::BaseField: BatchInverse,
    {
        let rng = &mut test_rng();
        let g = Projective::<P>::rand(rng).into_affine();
        let step = Projective::<P>::rand(rng);
        for m in [1usize, 2, 5, 64, 600] {
            for n in [1usize, 2, 3, 7, 100, 601] {
                // distinct points cheaply (a random point's cofactor clearing is slow in G2)
                let mut acc = Projective::<P>::from(g);
                let walk: Vec<Projective<P>> = (0..n).map(|i| if i % 11 == 5 { Projective::zero() } else { acc += step; acc }).collect();
                let random = Projective::normalize_batch(&walk);
                let digits: Vec<i16> = (0..n).map(|_| rng.gen_range(-(m as i16)..=m as i16)).collect();
                let same: Vec<i16> = (0..n).map(|i| 1 + (i % m) as i16).collect();
                let signs: Vec<i16> = (0..n).map(|i| if i % 2 == 0 { m as i16 } else { -(m as i16) }).collect();
                for (bases, run) in [(&random, &digits), (&vec![g; n], &same), (&vec![g; n], &signs), (&random, &signs)] {
                    let term = |(p, d): (&Affine<P>, &i16)| {
                        let t = *p * Fr::from(d.unsigned_abs() as u64); // small: no full-width multiplication
                        if *d < 0 { -t } else { t }
                    };
                    let expected: Projective<P> = bases.iter().zip(run.iter()).map(term).sum();
                    let buckets = run.iter().map(|d| d.unsigned_abs()).max().unwrap().max(1) as usize;
                    let got = window_sum_few(|i| bases[i], run, buckets);
                    assert_eq!(got.into_affine(), expected.into_affine(), "m = {m}, n = {n}");
                }
            }
        }
    }

    #[test]
    fn pairwise_window_sums_equal_the_plain_sum_in_g1_and_g2() {
        check::<g1::Config>();
        check::<g2::Config>();
    }

    #[test]
    fn a_window_longer_than_a_chunk_is_summed_chunk_by_chunk() {
        // 40,000 points, 3 buckets: ten chunks of 4,096, each merged into the buckets
        let rng = &mut test_rng();
        let step = Projective::<g1::Config>::rand(rng);
        let mut acc = step;
        let walk: Vec<Projective<g1::Config>> = (0..40_000).map(|_| { acc += step; acc }).collect();
        let bases = Projective::normalize_batch(&walk);
        let run: Vec<i16> = (0..bases.len()).map(|_| rng.gen_range(-3..=3)).collect();
        let expected: Projective<g1::Config> = bases.iter().zip(&run).map(|(p, d)| {
            let t = *p * Fr::from(d.unsigned_abs() as u64);
            if *d < 0 { -t } else { t }
        }).sum();
        assert_eq!(window_sum_few(|i| bases[i], &run, 3).into_affine(), expected.into_affine());
    }
}

#[cfg(test)]
mod reduction_timing {
    use super::*;
    use ark_bn254::{g1, g2};
    use ark_ec::CurveGroup;
    use ark_ff::UniformRand;
    use ark_std::test_rng;
    use std::time::Instant;

    fn time<P: SWCurveConfig>(m: usize)
    where
        P::BaseField: BatchInverse,
    {
        let rng = &mut test_rng();
        let mut w = Window::<P>::new(m, 64);
        let g = Projective::<P>::rand(rng);
        let pts: Vec<Affine<P>> = (0..m).map(|i| (g * P::ScalarField::from(i as u64 + 7)).into_affine()).collect();
        w.buckets = pts.iter().map(|p| Slot::of(*p)).collect();
        let t = Instant::now();
        let a = (0..5).map(|_| reduce_batched::<P>(&w.buckets, &mut Scratch::default())).next_back().unwrap();
        let batched = t.elapsed() / 5;
        let t = Instant::now();
        let b = (0..5).map(|_| reduce_xyzz::<P>(&w.buckets, &[])).next_back().unwrap();
        let xyzz = t.elapsed() / 5;
        assert_eq!(a, b);
        println!("m = {m}: batched {batched:?}, xyzz {xyzz:?}");
    }

    /// `cargo test --release --lib reduction_timings -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn reduction_timings() {
        for m in [512, 4096, 16384, 32768] {
            time::<g1::Config>(m);
            time::<g2::Config>(m);
        }
    }
}
