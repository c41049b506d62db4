//! `MemoryDedupe`'s table: the Python class subclasses this one and keeps the public methods.

use exa_webhooks_core::dedupe::{seconds, Claimed, MemoryTable};
use pyo3::prelude::*;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

/// A week: `DEFAULT_TTL` of `receiver/_dedupe.py`, until `_configure` says otherwise.
const DEFAULT_TTL: f64 = 7.0 * 24.0 * 3600.0;
const DEFAULT_MAX_ENTRIES: usize = 100_000;

/// The event ids this process has claimed or processed (`MemoryDedupe`'s storage).
///
/// The lock is only ever held by Rust code that calls no Python while holding it, with the
/// interpreter lock held: so no thread waits on it holding the interpreter lock, and no
/// thread holds it across `fork()` (which runs with the interpreter lock).
#[pyclass(subclass, frozen, module = "exa_webhooks.receiver")]
pub struct _MemoryTable {
    table: Mutex<MemoryTable>,
}

impl _MemoryTable {
    pub fn lock(&self) -> MutexGuard<'_, MemoryTable> {
        // No code that holds it can panic midway (no panics outside tests), so a poisoned
        // table is still whole.
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[pymethods]
impl _MemoryTable {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(_args: &Bound<'_, PyAny>, _kwargs: Option<&Bound<'_, PyAny>>) -> Self {
        Self {
            table: Mutex::new(MemoryTable::new(seconds(DEFAULT_TTL), DEFAULT_MAX_ENTRIES)),
        }
    }

    /// Empties the table and sets its bounds (arguments checked by the caller).
    fn _configure(&self, ttl: f64, max_entries: usize) {
        *self.lock() = MemoryTable::new(seconds(ttl), max_entries);
    }

    /// `("claimed", token, 0.0)`, `("processing", None, seconds left)` or `("done", None, 0.0)`.
    fn _claim(&self, event_id: &str, lease: f64) -> (&'static str, Option<u64>, f64) {
        let claimed = self.lock().claim(event_id, seconds(lease), Instant::now());
        match claimed {
            Claimed::Yours(token) => ("claimed", Some(token), 0.0),
            Claimed::Held(left) => ("processing", None, left.as_secs_f64()),
            Claimed::Done => ("done", None, 0.0),
        }
    }

    fn _commit(&self, event_id: &str) {
        self.lock().commit(event_id, Instant::now());
    }

    fn _release(&self, event_id: &str, token: u64) {
        self.lock().release(event_id, token);
    }

    fn __len__(&self) -> usize {
        self.lock().len()
    }
}
