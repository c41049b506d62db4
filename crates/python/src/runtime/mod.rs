//! The tokio runtimes behind the calls: one shared multi-threaded runtime for async calls,
//! and a `LocalRuntime` per sync lane, driven by the calling thread.
//!
//! Both are built lazily and rebuilt after a `fork()`: a runtime inherited through it has no
//! worker threads, and any request on it would hang for ever.

#[cfg(unix)]
pub mod bridge;
pub mod logging;

use exa_webhooks_core::fork;
use pyo3::prelude::*;
use pyo3_async_runtimes::{generic, TaskLocals};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;
use tokio::runtime::{Builder, Handle, Runtime};

struct Current {
    generation: u64,
    // Leaked on purpose: dropping a runtime blocks on its threads, and after fork they are gone.
    runtime: &'static Runtime,
}

static CURRENT: Mutex<Option<Current>> = Mutex::new(None);

/// The runtime of this process, built on first use.
pub fn handle() -> PyResult<Handle> {
    let generation = fork::generation();
    let mut current = CURRENT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(c) = current.as_ref().filter(|c| c.generation == generation) {
        return Ok(c.runtime.handle().clone());
    }
    let runtime = Builder::new_multi_thread()
        .enable_all()
        .thread_name("exa-webhooks")
        .build()
        .map_err(|e| {
            pyo3::exceptions::PyRuntimeError::new_err(format!("cannot start the I/O runtime: {e}"))
        })?;
    let runtime: &'static Runtime = Box::leak(Box::new(runtime));
    *current = Some(Current {
        generation,
        runtime,
    });
    Ok(runtime.handle().clone())
}

/// A single-threaded runtime, driven by whichever thread blocks on it. Several threads may
/// block on it at once: one drives the I/O of all, the others wait for their own future.
pub struct LocalRuntime {
    generation: u64,
    runtime: Option<Runtime>,
}

impl LocalRuntime {
    pub fn new() -> PyResult<Self> {
        let runtime = Builder::new_current_thread()
            .enable_all()
            .thread_name("exa-webhooks-sync")
            .build()
            .map_err(|e| {
                pyo3::exceptions::PyRuntimeError::new_err(format!(
                    "cannot start the I/O runtime: {e}"
                ))
            })?;
        Ok(Self {
            generation: fork::generation(),
            runtime: Some(runtime),
        })
    }
}

impl Drop for LocalRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            if self.generation == fork::generation() {
                // Never wait here: this may run with the interpreter lock held.
                runtime.shutdown_background();
            } else {
                // Inherited through fork: its threads are gone, so leave it be.
                std::mem::forget(runtime);
            }
        }
    }
}

/// How often a blocked sync call looks for Ctrl-C.
const SIGNAL_CHECK_EVERY: Duration = Duration::from_millis(100);

/// Runs `fut` to completion on `local` with the interpreter lock released, raising
/// `KeyboardInterrupt` (or whatever a signal handler raises) within a tick of a signal. Never
/// touches asyncio, so it works where an event loop is already running (Jupyter). The output
/// comes back as is: turning it into Python objects or exceptions needs the lock, so it is the
/// caller's job once it has it back.
pub fn block_on<T, F>(py: Python<'_>, local: &LocalRuntime, fut: F) -> PyResult<T>
where
    F: Future<Output = T> + Send,
    T: Send,
{
    let Some(runtime) = local.runtime.as_ref() else {
        return Err(pyo3::exceptions::PyRuntimeError::new_err(
            "the I/O runtime is gone",
        ));
    };
    if Handle::try_current().is_ok() {
        return Err(pyo3::exceptions::PyRuntimeError::new_err(
            "a blocking call cannot run on a tokio runtime thread; use AsyncClient",
        ));
    }
    // Boxed once: the future is large, and is moved several times on the way in. It starts
    // only after the runtime has looked at its sockets (see `settle`).
    let mut fut = Box::pin(async move {
        settle().await;
        fut.await
    });
    let main = on_main_thread(py);
    if !main {
        // Signal handlers run on the main thread only: a check here would do nothing but
        // take the interpreter lock ten times a second.
        return Ok(detach(py, false, || runtime.block_on(fut)));
    }
    detach(py, true, || {
        runtime.block_on(async {
            let mut ticks = tokio::time::interval_at(
                tokio::time::Instant::now() + SIGNAL_CHECK_EVERY,
                SIGNAL_CHECK_EVERY,
            );
            loop {
                tokio::select! {
                    output = &mut fut => return Ok(output),
                    _ = ticks.tick() => attach(|py| py.check_signals()).unwrap_or(Ok(()))?,
                }
            }
        })
    })
}

// Interpreter exit with calls in flight. Python 3.10-3.13 end a daemon thread that takes the
// interpreter lock once finalization has begun with `pthread_exit`, which unwinds through
// whatever Rust frames are on its stack and aborts the process. So every place where a thread
// of ours takes the lock back, or runs Python code that may release it (a logging handler
// writing to a stream), goes through this gate; `drain`, run by `atexit` before finalization,
// closes it and waits for those already inside. A thread that finds it closed never takes
// the lock again: it sleeps until the process ends, as Python 3.14 itself does.

/// Closed by `drain`, at exit.
static EXITING: AtomicBool = AtomicBool::new(false);
/// Threads past the gate: taking the lock back, or running Python code that may drop it.
static ENTERED: AtomicUsize = AtomicUsize::new(0);

/// Held from passing the gate until the Python work is done (or the lock is held again).
pub struct Entered(());

impl Entered {
    /// `None` once the interpreter is exiting. Counting before looking (both `SeqCst`) means
    /// `drain` either sees this thread inside, or this thread sees the gate closed.
    pub fn enter() -> Option<Self> {
        ENTERED.fetch_add(1, Ordering::SeqCst);
        if EXITING.load(Ordering::SeqCst) {
            ENTERED.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(Self(()))
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        ENTERED.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Runs `f` with the interpreter lock released, and takes it back only through the gate. The
/// main thread (the one that finalizes) is never stopped; any other thread that comes back
/// once the interpreter is exiting sleeps for ever instead.
pub fn detach<T, F>(py: Python<'_>, main: bool, f: F) -> T
where
    F: FnOnce() -> T + Send,
    T: Send,
{
    let (output, _entered) = py.detach(|| {
        let output = f();
        let entered = Entered::enter();
        if entered.is_none() && !main {
            sleep_until_exit();
        }
        (output, entered)
    });
    output
}

/// Passes the gate on a thread that holds the interpreter lock, before running Python code
/// inside our frames (an exception's `__init__`, a future's callbacks): bytecode may hand the
/// lock to another thread at any instruction, and taking it back during finalization would
/// unwind through those frames. Once the interpreter is exiting, the main thread goes on
/// (`None`); any other releases the lock and sleeps for ever.
pub fn inside(py: Python<'_>) -> Option<Entered> {
    let entered = Entered::enter();
    if entered.is_none() && !exiting_on_this_thread() {
        py.detach(|| sleep_until_exit());
    }
    entered
}

/// The thread that closed the gate: the main thread, running `atexit`. Told apart without
/// Python code, which is what must not run once the gate is closed.
static CLOSED_BY: Mutex<Option<std::thread::ThreadId>> = Mutex::new(None);

fn exiting_on_this_thread() -> bool {
    let closed_by = CLOSED_BY.lock().unwrap_or_else(|p| p.into_inner());
    *closed_by == Some(std::thread::current().id())
}

/// Takes the interpreter lock from a thread that does not hold it, unless the interpreter is
/// exiting (then `None`, and `f` does not run).
pub fn attach<R>(f: impl FnOnce(Python<'_>) -> R) -> Option<R> {
    let _entered = Entered::enter()?;
    Some(Python::attach(f))
}

fn sleep_until_exit() -> ! {
    loop {
        std::thread::park();
    }
}

/// Lets the tasks of idle pooled connections see what happened to their sockets while no
/// thread drove this runtime (it runs only inside calls). A peer that closed a connection
/// meanwhile (a keep-alive timeout, a restart) is noticed here, so the pool drops it instead
/// of writing the next request into a dead socket. The first yield polls the I/O driver and
/// wakes those tasks; the second lets them run before the request picks a connection.
async fn settle() {
    tokio::task::yield_now().await;
    tokio::task::yield_now().await;
}

/// Whether this is Python's main thread, cached per thread (and per fork: the thread that
/// forked is the child's main thread).
pub fn on_main_thread(py: Python<'_>) -> bool {
    thread_local! {
        static MAIN: std::cell::Cell<Option<(u64, bool)>> = const { std::cell::Cell::new(None) };
    }
    let generation = fork::generation();
    if let Some((_, main)) = MAIN.get().filter(|(g, _)| *g == generation) {
        return main;
    }
    let main = py
        .import("threading")
        .and_then(|threading| {
            let main = threading.call_method0("main_thread")?.getattr("ident")?;
            main.eq(threading.call_method0("get_ident")?)
        })
        // If in doubt, check for signals: that costs a little, missing Ctrl-C costs more.
        .unwrap_or(true);
    MAIN.set(Some((generation, main)));
    main
}

/// Result deliveries to asyncio still running. One may release the interpreter lock in the
/// middle (`call_soon_threadsafe` writes to a socket); if the interpreter starts finalizing
/// then, the thread cannot take the lock back and the process aborts. `drain` runs at exit,
/// before finalization, and lets them finish.
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

struct InFlight;

impl InFlight {
    fn enter() -> Self {
        IN_FLIGHT.fetch_add(1, Ordering::AcqRel);
        Self
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Registered with `atexit`: closes the gate, then waits (lock released, at most a second)
/// for the threads inside it and for deliveries in flight.
#[pyfunction]
pub fn drain(py: Python<'_>) {
    *CLOSED_BY.lock().unwrap_or_else(|p| p.into_inner()) = Some(std::thread::current().id());
    EXITING.store(true, Ordering::SeqCst);
    py.detach(|| {
        let deadline = std::time::Instant::now() + Duration::from_secs(1);
        while (ENTERED.load(Ordering::SeqCst) > 0 || IN_FLIGHT.load(Ordering::Acquire) > 0)
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(1));
        }
    });
}

/// Lets pyo3-async-runtimes spawn on our fork-aware runtime instead of its own static one.
pub struct AsyncRuntime;

tokio::task_local! {
    static TASK_LOCALS: TaskLocals;
}

fn spawn_handle() -> Handle {
    // pyo3-async-runtimes spawns from our runtime's own threads: use it without a lock.
    Handle::try_current()
        .or_else(|_| handle())
        .unwrap_or_else(|_| {
            // `handle()` already succeeded for this process before any future was handed over
            // (see `future_into_py`), so this finds the cached runtime.
            CURRENT
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .as_ref()
                .map_or_else(Handle::current, |c| c.runtime.handle().clone())
        })
}

impl generic::Runtime for AsyncRuntime {
    type JoinError = tokio::task::JoinError;
    type JoinHandle = tokio::task::JoinHandle<()>;

    fn spawn<F>(fut: F) -> Self::JoinHandle
    where
        F: Future<Output = ()> + Send + 'static,
    {
        spawn_handle().spawn(fut)
    }

    fn spawn_blocking<F>(f: F) -> Self::JoinHandle
    where
        F: FnOnce() + Send + 'static,
    {
        // These closures hand results to asyncio with the interpreter lock; see `drain`.
        let guard = InFlight::enter();
        spawn_handle().spawn_blocking(move || {
            let _guard = guard;
            f();
        })
    }
}

impl generic::ContextExt for AsyncRuntime {
    fn scope<F, R>(locals: TaskLocals, fut: F) -> Pin<Box<dyn Future<Output = R> + Send>>
    where
        F: Future<Output = R> + Send + 'static,
    {
        Box::pin(TASK_LOCALS.scope(locals, fut))
    }

    fn get_task_locals() -> Option<TaskLocals> {
        TASK_LOCALS.try_with(TaskLocals::clone).ok()
    }
}

/// Turns a Rust future into an awaitable for the running asyncio loop; cancelling the
/// awaitable drops the future, which cancels the request.
pub fn future_into_py<'py, T, F>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    handle()?;
    generic::future_into_py::<AsyncRuntime, F, T>(py, fut)
}
