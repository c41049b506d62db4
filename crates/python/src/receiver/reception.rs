//! The common delivery in one call: verified and parsed (as `construct_event`), claimed in
//! the in-memory table, its handlers run, committed, answered. A receiver's `handle` is
//! `deliver` (the Python method calls it too, for a subclass that overrides `handle`);
//! whatever `take` cannot finish goes to the receiver's Python methods.

use crate::errors;
use crate::models::event::{construct_with, owned_secrets, Tolerance};
use crate::receiver::memory::_MemoryTable;
use crate::receiver::response::PyReceiverResponse;
use exa_webhooks_core::dedupe::{seconds, Claimed};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use pyo3::{PyTraverseError, PyVisit};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// A lock only Rust code that runs no Python holds (no panics outside tests: never poisoned
/// midway, so a poisoned one is still whole).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

type Handlers = HashMap<String, Py<PyTuple>, foldhash::fast::RandomState>;

/// A `WebhookReceiver`'s settings, as the hot path needs them.
#[pyclass(frozen, module = "exa_webhooks.receiver")]
pub struct _Reception {
    /// Read once, when the receiver is made (never shown: this class has no repr of them).
    secrets: Vec<Vec<u8>>,
    tolerance: Tolerance,
    lease: Duration,
    /// Set only when the receiver's store is a plain `MemoryDedupe` (a subclass may
    /// override its methods, and other stores are Python's to drive).
    table: Option<Py<_MemoryTable>>,
    /// Event type -> the handlers it runs, for the types whose handlers are all plain
    /// functions (others, and types with no handler, are Python's).
    handlers: Mutex<Handlers>,
    /// The `WebhookReceiver` that `deliver` hands back to (a cycle the collector sees).
    receiver: Mutex<Option<Py<PyAny>>>,
}

#[pymethods]
impl _Reception {
    #[new]
    fn new(
        secret: &Bound<'_, PyAny>,
        tolerance: Tolerance,
        lease: f64,
        table: Option<Py<_MemoryTable>>,
        receiver: Py<PyAny>,
    ) -> PyResult<Self> {
        Ok(Self {
            secrets: owned_secrets(secret)?,
            tolerance,
            lease: seconds(lease),
            table,
            handlers: Mutex::new(Handlers::default()),
            receiver: Mutex::new(Some(receiver)),
        })
    }

    // Handlers often close over their receiver, which holds this: the collector must see
    // through it, or every such receiver would leak.
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if let Some(table) = &self.table {
            visit.call(table)?;
        }
        if let Ok(receiver) = self.receiver.try_lock() {
            if let Some(receiver) = &*receiver {
                visit.call(receiver)?;
            }
        }
        // Only taken without Python code running, so never held while the collector runs.
        if let Ok(handlers) = self.handlers.try_lock() {
            for found in handlers.values() {
                visit.call(found)?;
            }
        }
        Ok(())
    }

    fn __clear__(&self) {
        let handlers = std::mem::take(&mut *lock(&self.handlers));
        let receiver = lock(&self.receiver).take();
        drop((handlers, receiver)); // after the locks: dropping them may run Python
    }

    /// Verifies the raw body against the ``Exa-Signature`` header, then ``process``-es it.
    ///
    /// (``WebhookReceiver.handle`` itself, without a Python frame around it: a receiver's
    /// ``handle`` is this, unless a subclass overrides ``handle``.)
    ///
    /// Args:
    ///     body: the raw request body, exactly as received.
    ///     headers: the request's headers, or the ``Exa-Signature`` value alone.
    ///
    /// Returns:
    ///     The answer to give Exa: 400 for a bad signature or body, 200 once processed (or a
    ///     duplicate, or no handler), 500 when a handler raised (Exa delivers again), 503 while
    ///     another delivery holds the event or the dedupe store fails.
    ///
    /// Raises nothing: a handler's exception is logged and answered 500. ``KeyboardInterrupt``
    /// and ``SystemExit`` propagate (the claim is released first).
    fn deliver<'py>(
        &self,
        body: &Bound<'py, PyAny>,
        headers: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = body.py();
        let receiver = lock(&self.receiver).as_ref().map(|r| r.clone_ref(py));
        let Some(receiver) = receiver else {
            return Err(pyo3::exceptions::PyRuntimeError::new_err(
                "this WebhookReceiver was cleared by the garbage collector",
            ));
        };
        let receiver = receiver.into_bound(py);
        let outcome = match self.take(body, headers) {
            Ok(outcome) => outcome,
            Err(error) if errors::is_refusal(py, &error) => {
                return receiver.call_method1(intern!(py, "_refused"), (error.into_value(py),))
            }
            Err(error) => return Err(error),
        };
        if outcome.is_instance_of::<PyReceiverResponse>() {
            return Ok(outcome);
        }
        match outcome.cast_into::<PyTuple>() {
            Ok(next) => receiver.call_method1(intern!(py, "_go_on"), next),
            Err(event) => receiver.call_method1(intern!(py, "process"), (event.into_inner(),)),
        }
    }

    /// Replaces the table of handlers (event type -> tuple of plain functions).
    fn set_handlers(&self, handlers: &Bound<'_, PyDict>) -> PyResult<()> {
        let mut table = Handlers::default();
        for (event_type, found) in handlers.iter() {
            table.insert(
                event_type.extract()?,
                found.cast_into::<PyTuple>()?.unbind(),
            );
        }
        let mut guard = lock(&self.handlers);
        let old = std::mem::replace(&mut *guard, table);
        // The old table's references go after the lock does: dropping them may run Python.
        drop(guard);
        drop(old);
        Ok(())
    }
}

impl _Reception {
    /// Verifies and parses the delivery (raising as `construct_event` does), then:
    /// - a `ReceiverResponse` if it was processed here (claimed, every handler returned
    ///   None, committed);
    /// - the `WebhookEvent`, for Python's `process`, if this cannot take it further (no
    ///   table, no plain handlers for its type, or not claimed);
    /// - `(event, token, handlers, next, result, error)` once claimed, when a handler
    ///   returned something (`result`, maybe awaitable) or raised (`error`): Python goes on
    ///   from handler `next` and commits or releases the claim under `token`.
    fn take<'py>(
        &self,
        body: &Bound<'py, PyAny>,
        headers: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = body.py();
        let event = construct_with(body, headers, &self.secrets, self.tolerance)?;
        let Some(table) = &self.table else {
            return Ok(Bound::new(py, event)?.into_any());
        };
        let found = lock(&self.handlers)
            .get(&event.inner.event_type)
            .map(|found| found.clone_ref(py));
        let Some(found) = found else {
            return Ok(Bound::new(py, event)?.into_any());
        };
        let found = found.into_bound(py);
        let event = Bound::new(py, event)?;
        let id = &event.get().inner.id;
        let table = table.get();
        let claimed = table.lock().claim(id, self.lease, Instant::now());
        let Claimed::Yours(token) = claimed else {
            return Ok(event.into_any());
        };
        for (i, handler) in found.iter().enumerate() {
            let handed_back = |result: Bound<'py, PyAny>, error: Option<PyErr>| {
                let error = error.map(|e| e.into_value(py).into_any());
                let next = (event.clone(), token, found.clone(), i + 1, result, error);
                next.into_pyobject(py)
                    .map(Bound::into_any)
                    .inspect_err(|_| {
                        // Out of memory, say: nothing can go on from here, so a retry may.
                        table.lock().release(id, token);
                    })
            };
            match handler.call1((&event,)) {
                Ok(result) if result.is_none() => {}
                Ok(result) => return handed_back(result, None),
                Err(error) => return handed_back(py.None().into_bound(py), Some(error)),
            }
        }
        // The marker's ttl runs from the commit, as `MemoryDedupe.commit`'s does.
        table.lock().commit(id, Instant::now());
        let response = PyReceiverResponse::processed(event.unbind());
        Ok(Bound::new(py, response)?.into_any())
    }
}
