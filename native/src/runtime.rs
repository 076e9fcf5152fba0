//! How every kernel runs: without the GIL (other Python threads keep going), on zkml-chain's own
//! rayon pool (its size set from Python, so parallel workers do not oversubscribe the cores),
//! with panics caught and raised as `RuntimeError` (pyo3's `PanicException` is a BaseException
//! that escapes `except Exception`, so a bug would reach the user as a traceback).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, RwLock};

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rayon::{ThreadPool, ThreadPoolBuilder};

use crate::encoding::KResult;

static POOL: RwLock<Option<Arc<ThreadPool>>> = RwLock::new(None);

fn build(threads: usize) -> Result<Arc<ThreadPool>, String> {
    ThreadPoolBuilder::new()
        .num_threads(threads) // 0: rayon's default (RAYON_NUM_THREADS, else one per core)
        .thread_name(|i| format!("zkml-chain-{i}"))
        .build()
        .map(Arc::new)
        .map_err(|e| format!("cannot start {threads} kernel threads: {e}"))
}

fn pool() -> Result<Arc<ThreadPool>, String> {
    if let Some(p) = POOL.read().map_err(|_| "kernel pool lock poisoned")?.as_ref() {
        return Ok(p.clone());
    }
    let mut slot = POOL.write().map_err(|_| "kernel pool lock poisoned")?;
    if slot.is_none() {
        *slot = Some(build(0)?);
    }
    Ok(slot.as_ref().expect("just set").clone())
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".to_string()
    }
}

/// Run kernel `name`: GIL released, on the pool, a panic becomes `RuntimeError`, an input error
/// (`Err(message)`) becomes `ValueError`.
pub(crate) fn run<T: Send>(py: Python<'_>, name: &str, f: impl FnOnce() -> KResult<T> + Send) -> PyResult<T> {
    let pool = pool().map_err(PyRuntimeError::new_err)?;
    let outcome = py.allow_threads(|| catch_unwind(AssertUnwindSafe(|| pool.install(f))));
    match outcome {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(message)) => Err(PyValueError::new_err(message)),
        Err(payload) => Err(PyRuntimeError::new_err(format!(
            "native kernel {name} panicked: {} (a bug in zkml-chain)",
            panic_message(payload.as_ref())
        ))),
    }
}

/// [`run`] for kernels that return bytes.
pub(crate) fn run_bytes<'py>(
    py: Python<'py>,
    name: &str,
    f: impl FnOnce() -> KResult<Vec<u8>> + Send,
) -> PyResult<Bound<'py, PyBytes>> {
    run(py, name, f).map(|v| PyBytes::new(py, &v))
}

/// Number of threads the kernels use.
#[pyfunction]
fn num_threads() -> PyResult<usize> {
    Ok(pool().map_err(PyRuntimeError::new_err)?.current_num_threads())
}

/// Use `threads` kernel threads from now on (0: one per core). A process that runs several
/// provers side by side gives each a share of the cores.
#[pyfunction]
fn set_num_threads(threads: usize) -> PyResult<()> {
    let fresh = build(threads).map_err(PyValueError::new_err)?;
    *POOL.write().map_err(|_| PyRuntimeError::new_err("kernel pool lock poisoned"))? = Some(fresh);
    Ok(())
}

/// Panics on purpose, on a pool thread when `in_pool` (tests: a kernel bug reaches Python as one
/// `RuntimeError`, not a BaseException).
#[pyfunction]
fn _test_panic(py: Python<'_>, in_pool: bool) -> PyResult<()> {
    run(py, "_test_panic", || -> KResult<()> {
        if in_pool {
            use rayon::prelude::*;
            (0..64).into_par_iter().for_each(|i| {
                if i == 63 {
                    panic!("deliberate panic on a pool thread")
                }
            });
        }
        panic!("deliberate panic")
    })
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // Kernel panics are reported by `run` as one RuntimeError line; the default hook would also
    // print "thread panicked at ..." to stderr. ZKML_CHAIN_RUST_PANICS=1 keeps it (debugging).
    if std::env::var_os("ZKML_CHAIN_RUST_PANICS").is_none() {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // Kernels run on the pool (`install`), so their panics happen on its named threads.
            let ours = std::thread::current().name().is_some_and(|n| n.starts_with("zkml-chain-"));
            if !ours {
                previous(info);
            }
        }));
    }
    m.add_function(wrap_pyfunction!(num_threads, m)?)?;
    m.add_function(wrap_pyfunction!(set_num_threads, m)?)?;
    m.add_function(wrap_pyfunction!(_test_panic, m)?)?;
    Ok(())
}
