//! The `exa_webhooks` logger: one DEBUG record per try, one INFO record per retry.
//!
//! Records are only ever emitted on a Python thread, through the exit gate of `runtime`: a
//! sync call logs from its own thread while it waits; an async call's records travel with its
//! results to the event loop's thread (see `runtime::bridge`). No tokio thread calls the logger.

use crate::runtime;
use exa_webhooks_core::transport::{AttemptLog, LogFn};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;
use std::sync::Arc;

const DEBUG: u8 = 10;
const INFO: u8 = 20;

/// Which records a call will emit; checked once per call.
#[derive(Clone, Copy, Debug)]
pub struct Levels {
    debug: bool,
}

/// The logger, its bound `isEnabledFor`, and whether that is the stock `Logger`'s.
struct Logger {
    logger: Py<PyAny>,
    is_enabled_for: Py<PyAny>,
    stock: bool,
}

fn logger(py: Python<'_>) -> Option<&Logger> {
    static LOGGER: PyOnceLock<Logger> = PyOnceLock::new();
    LOGGER
        .get_or_try_init(py, || {
            let logging = py.import("logging")?;
            let logger = logging.call_method1("getLogger", ("exa_webhooks",))?;
            let method = intern!(py, "isEnabledFor");
            let stock = logger
                .get_type()
                .getattr(method)?
                .is(&logging.getattr("Logger")?.getattr(method)?);
            Ok::<_, PyErr>(Logger {
                is_enabled_for: logger.getattr(method)?.unbind(),
                logger: logger.unbind(),
                stock,
            })
        })
        .ok()
}

/// What `exa_webhooks` logs at now; `None` (the common case) when neither DEBUG nor INFO.
pub fn levels(py: Python<'_>) -> Option<Levels> {
    let logger = logger(py)?;
    let enabled = |level: u8| {
        cached_enabled(py, logger, level).unwrap_or_else(|| {
            logger
                .is_enabled_for
                .bind(py)
                .call1((level,))
                .and_then(|b| b.is_truthy())
                .unwrap_or(false)
        })
    };
    if enabled(DEBUG) {
        Some(Levels { debug: true })
    } else if enabled(INFO) {
        Some(Levels { debug: false })
    } else {
        None
    }
}

/// The stock `Logger.isEnabledFor` answers from the logger's `_cache` dict once asked; reading
/// it here saves a Python call per request. `None`: ask `isEnabledFor` itself.
fn cached_enabled(py: Python<'_>, logger: &Logger, level: u8) -> Option<bool> {
    if !logger.stock {
        return None;
    }
    let logger = logger.logger.bind(py);
    if logger
        .getattr(intern!(py, "disabled"))
        .ok()?
        .is_truthy()
        .ok()?
    {
        return Some(false);
    }
    let cache = logger.getattr(intern!(py, "_cache")).ok()?;
    let cached = cache.cast::<PyDict>().ok()?.get_item(level).ok()??;
    cached.is_truthy().ok()
}

/// Emits the records of one try. The caller holds the interpreter lock on a Python thread;
/// a handler may release it (to write), so this passes the exit gate first.
pub fn emit(py: Python<'_>, levels: Levels, entry: &AttemptLog) {
    let Some(_entered) = runtime::Entered::enter() else {
        return;
    };
    let Some(logger) = logger(py) else {
        return;
    };
    let logger = logger.logger.bind(py);
    let ms = entry.elapsed.as_secs_f64() * 1000.0;
    if levels.debug {
        let status = entry
            .status
            .map_or_else(|| "-".to_owned(), |s| s.to_string());
        let request_id = entry.request_id.as_deref().unwrap_or("-");
        let _ = logger.call_method1(
            intern!(py, "debug"),
            (
                "%s %s -> %s (request id %s, attempt %d, %.1f ms): %s",
                entry.method.as_str(),
                &entry.path,
                status,
                request_id,
                entry.attempt,
                ms,
                &entry.outcome,
            ),
        );
    }
    if let Some(wait) = entry.retry_in {
        let failed = entry.status.map_or_else(
            || entry.outcome.clone(),
            |s| format!("{s}: {}", entry.outcome),
        );
        let _ = logger.call_method1(
            intern!(py, "info"),
            (
                "%s %s: try %d of %d failed after %.1f ms (%s); retrying in %.2f s",
                entry.method.as_str(),
                &entry.path,
                entry.attempt,
                entry.max_attempts,
                ms,
                failed,
                wait.as_secs_f64(),
            ),
        );
    }
}

/// A log function that emits from the thread it runs on, taking the interpreter lock through
/// the gate: for sync calls, which run on the calling Python thread.
pub fn on_this_thread(levels: Levels) -> LogFn {
    Arc::new(move |entry: &AttemptLog| {
        runtime::attach(|py| emit(py, levels, entry));
    })
}
