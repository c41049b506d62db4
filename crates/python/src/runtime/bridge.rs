//! Handing results of Rust futures to asyncio, without ever taking the interpreter lock on a
//! tokio thread.
//!
//! pyo3-async-runtimes resolves each future from a blocking-pool thread that takes the lock
//! and calls `call_soon_threadsafe`: per call, thread hops, lock contention with the event
//! loop and a self-pipe write. Here a finished call only pushes its outcome onto a queue and,
//! if the queue was idle, writes one byte to a socket the loop watches (`add_reader`); the
//! loop then resolves every finished future in one batch, on its own thread.

use crate::errors::to_pyerr;
use crate::runtime;
use crate::runtime::logging::{self, Levels};
use exa_webhooks_core::error::Error;
use exa_webhooks_core::transport::{AttemptLog, LogFn};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::PyWeakrefReference;
use pyo3::IntoPyObjectExt;
use std::future::Future;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

type Outcome = Box<dyn FnOnce(Python<'_>) -> PyResult<Py<PyAny>> + Send>;

enum Item {
    /// A call finished: resolve its future (and first take back the callback that would abort
    /// it on cancelling, which would otherwise run once more through the loop for nothing).
    Done {
        future: Py<PyAny>,
        abort: Py<AbortOnCancel>,
        outcome: Outcome,
    },
    /// A try of a call in flight, for the logger: logged on the loop's thread, in order.
    Log(Levels, AttemptLog),
}

struct Shared {
    queue: Mutex<Vec<Item>>,
    /// A wake byte is on its way: later completions need not send another.
    armed: AtomicBool,
    wake: UnixStream,
    watch: UnixStream,
}

impl Shared {
    /// Called on a tokio thread: no interpreter lock, no Python.
    fn push(&self, item: Item) {
        self.queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(item);
        if !self.armed.swap(true, Ordering::AcqRel) {
            // Non-blocking: if the socket buffer is full, a wake is pending anyway.
            let _ = (&self.wake).write(&[1]);
        }
    }
}

/// One per event loop (see `exa_webhooks._async`): the loop watches `fileno()` and calls
/// `drain()` when it is readable.
#[pyclass(frozen, module = "exa_webhooks._native")]
pub struct Completer {
    shared: Arc<Shared>,
    /// Its loop, weakly (the loop holds the completer through `add_reader`): looking it up
    /// here is cheaper than `asyncio.get_running_loop()`, which makes a system call.
    event_loop: Py<PyWeakrefReference>,
}

/// Aborts the request when its asyncio future is cancelled.
#[pyclass(frozen, module = "exa_webhooks._native")]
struct AbortOnCancel {
    handle: std::sync::OnceLock<tokio::task::AbortHandle>,
}

#[pymethods]
impl AbortOnCancel {
    fn __call__(&self, future: &Bound<'_, PyAny>) -> PyResult<()> {
        if future
            .call_method0(intern!(future.py(), "cancelled"))?
            .is_truthy()?
        {
            if let Some(handle) = self.handle.get() {
                handle.abort();
            }
        }
        Ok(())
    }
}

#[pymethods]
impl Completer {
    #[new]
    fn new(event_loop: &Bound<'_, PyAny>) -> PyResult<Self> {
        let (wake, watch) = UnixStream::pair()?;
        wake.set_nonblocking(true)?;
        watch.set_nonblocking(true)?;
        Ok(Self {
            shared: Arc::new(Shared {
                queue: Mutex::new(Vec::new()),
                armed: AtomicBool::new(false),
                wake,
                watch,
            }),
            event_loop: PyWeakrefReference::new(event_loop)?.unbind(),
        })
    }

    fn fileno(&self) -> i32 {
        self.shared.watch.as_raw_fd()
    }

    /// Resolves every finished call's future; runs on the loop's thread.
    fn drain(&self, py: Python<'_>) -> PyResult<()> {
        // Resolving runs Python code (exceptions' `__init__`, done callbacks); once the
        // interpreter is exiting, nobody waits for the results.
        let Some(_inside) = runtime::inside(py) else {
            return Ok(());
        };
        // One read: a wake byte is sent per idle-to-busy turn of the queue, so there are
        // rarely more than one or two; any left keep the socket readable and come back here.
        let _ = (&self.shared.watch).read(&mut [0u8; 256]);
        // Disarm before taking the queue, so a completion racing with us sends a new wake.
        self.shared.armed.store(false, Ordering::Release);
        let done =
            std::mem::take(&mut *self.shared.queue.lock().unwrap_or_else(|p| p.into_inner()));
        for item in done {
            let (future, abort, outcome) = match item {
                Item::Done {
                    future,
                    abort,
                    outcome,
                } => (future, abort, outcome),
                Item::Log(levels, entry) => {
                    logging::emit(py, levels, &entry);
                    continue;
                }
            };
            let future = future.bind(py);
            let _ = future.call_method1(intern!(py, "remove_done_callback"), (abort,));
            // A future cancelled meanwhile refuses the result (InvalidStateError): nobody
            // waits for it. One that cannot be resolved must not keep the others waiting.
            let _ = match outcome(py) {
                Ok(value) => future.call_method1(intern!(py, "set_result"), (value,)),
                Err(error) => {
                    future.call_method1(intern!(py, "set_exception"), (error.into_value(py),))
                }
            };
        }
        Ok(())
    }
}

impl Completer {
    /// A log function for calls resolved by this completer: records join its queue, so they
    /// are logged on the loop's thread, never on the tokio thread that made the try.
    pub fn log_fn(&self, levels: Levels) -> LogFn {
        let shared = Arc::clone(&self.shared);
        Arc::new(move |entry: &AttemptLog| shared.push(Item::Log(levels, entry.clone())))
    }

    /// Runs `fut` on the shared runtime and returns the asyncio future it will resolve.
    pub fn spawn<'py, T, F>(&self, py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
    where
        F: Future<Output = Result<T, Error>> + Send + 'static,
        T: for<'a> IntoPyObject<'a> + Send + 'static,
    {
        let handle = runtime::handle()?;
        let Some(event_loop) = self.event_loop.bind(py).upgrade() else {
            return Err(pyo3::exceptions::PyRuntimeError::new_err(
                "the event loop of this call is gone",
            ));
        };
        let future = event_loop.call_method0(intern!(py, "create_future"))?;
        let shared = Arc::clone(&self.shared);
        let target = future.clone().unbind();
        // Reserved before spawning: the task hands it back with its outcome.
        let abort = Py::new(
            py,
            AbortOnCancel {
                handle: std::sync::OnceLock::new(),
            },
        )?;
        let abort_back = abort.clone_ref(py);
        // Boxed once: the future is large, and spawning moves it several times.
        let fut = Box::pin(fut);
        let task = handle.spawn(async move {
            let outcome: Outcome = match fut.await {
                Ok(value) => Box::new(move |py| value.into_py_any(py)),
                Err(error) => Box::new(move |py| Err(to_pyerr(py, error))),
            };
            shared.push(Item::Done {
                future: target,
                abort: abort_back,
                outcome,
            });
        });
        let _ = abort.get().handle.set(task.abort_handle());
        future.call_method1(intern!(py, "add_done_callback"), (abort,))?;
        Ok(future)
    }
}
