//! Task scheduling shared by the kernels (pure Rust: the `zkml-prove` binary uses it too).

use std::sync::atomic::{AtomicUsize, Ordering};

/// `f(0), f(1), ...` on every thread of the current pool, each thread taking the next index
/// when it is free; results in index order. Unlike a parallel iterator (which splits the range
/// in halves up front and steals halves), the tasks start in the given order, so a caller that
/// lists its longest tasks first gets the greedy longest-first schedule: no thread idles while
/// another finishes a long task it took late.
pub(crate) fn in_order<T: Send>(tasks: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, T)> = rayon::broadcast(|_| {
        let mut mine = Vec::new();
        loop {
            let t = next.fetch_add(1, Ordering::Relaxed);
            if t >= tasks {
                return mine;
            }
            mine.push((t, f(t)));
        }
    })
    .into_iter()
    .flatten()
    .collect();
    done.sort_unstable_by_key(|(t, _)| *t);
    done.into_iter().map(|(_, v)| v).collect()
}
