//! exa-webhooks' Rust core. Modules without a `py_` prefix are plain Rust, covered by
//! `cargo test`; the `py_` ones are the PyO3 bindings. This file only says what is exported.

pub mod cause;
pub mod decode;
pub mod error;
pub mod events;
pub mod models;
pub mod py_attempt;
#[cfg(unix)]
pub mod py_bridge;
pub mod py_cache_key;
pub mod py_client;
pub mod py_convert;
pub mod py_errors;
pub mod py_event;
pub mod py_event_types;
pub mod py_events;
pub mod py_logging;
pub mod py_model;
pub mod py_server;
pub mod py_webhook;
pub mod redact;
pub mod retry;
pub mod runtime;
pub mod server;
pub mod signature;
pub mod timefmt;
pub mod transport;
pub mod validation;

use pyo3::prelude::*;

#[pymodule]
mod _native {
    #[pymodule_export]
    use crate::py_attempt::PyWebhookAttempt;
    #[cfg(unix)]
    #[pymodule_export]
    use crate::py_bridge::Completer;
    #[pymodule_export]
    use crate::py_cache_key::shared_client_key;
    #[pymodule_export]
    use crate::py_client::NativeClient;
    #[pymodule_export]
    use crate::py_event::{
        construct_event, parse_event, sign_payload, verify_signature, PyWebhookEvent,
    };
    #[pymodule_export]
    use crate::py_event_types::{default_event_data, unknown_event_type};
    #[pymodule_export]
    use crate::py_server::{NativeServer, PyRecordedRequest};
    #[pymodule_export]
    use crate::py_webhook::PyWebhook;

    use pyo3::prelude::*;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        // The fork hook goes in before any runtime or pool can exist.
        crate::runtime::fork_generation();
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        m.add(
            "EVENT_TYPES",
            pyo3::types::PyTuple::new(m.py(), crate::events::EVENT_TYPES)?,
        )?;
        m.add("DEFAULT_BASE_URL", crate::py_client::DEFAULT_BASE_URL)?;
        let drain = wrap_pyfunction!(crate::runtime::drain, m)?;
        m.py()
            .import("atexit")?
            .call_method1("register", (drain,))?;
        Ok(())
    }
}
