//! The Python binding of exa-webhooks: the only crate that names PyO3. The logic lives in
//! `exa_webhooks_core` (plain Rust) and `exa_webhooks_server` (the test server); this crate
//! turns their types into Python objects and exceptions. This file only says what is exported.

pub mod client;
pub mod convert;
pub mod errors;
pub mod json_text;
pub mod models;
pub mod receiver;
pub mod runtime;
pub mod server;

use pyo3::prelude::*;

#[pymodule]
mod _native {
    #[pymodule_export]
    use crate::client::cache_key::shared_client_key;
    #[pymodule_export]
    use crate::client::native::{NativeAsyncClient, NativeClient};
    #[pymodule_export]
    use crate::models::attempt::PyWebhookAttempt;
    #[pymodule_export]
    use crate::models::event::{
        construct_event, parse_event, sign_payload, verify_signature, PyWebhookEvent,
    };
    #[pymodule_export]
    use crate::models::event_types::{default_event_data, unknown_event_type};
    #[pymodule_export]
    use crate::models::webhook::PyWebhook;
    #[pymodule_export]
    use crate::receiver::{
        memory::_MemoryTable, reception::_Reception, response::PyReceiverResponse,
    };
    #[cfg(unix)]
    #[pymodule_export]
    use crate::runtime::bridge::Completer;
    #[pymodule_export]
    use crate::server::{NativeServer, PyRecordedRequest};

    use pyo3::prelude::*;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        // The fork hook goes in before any runtime or pool can exist.
        exa_webhooks_core::fork::generation();
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        m.add(
            "EVENT_TYPES",
            pyo3::types::PyTuple::new(m.py(), exa_webhooks_core::events::EVENT_TYPES)?,
        )?;
        m.add(
            "DEFAULT_BASE_URL",
            exa_webhooks_core::transport::DEFAULT_BASE_URL,
        )?;
        let drain = wrap_pyfunction!(crate::runtime::drain, m)?;
        m.py()
            .import("atexit")?
            .call_method1("register", (drain,))?;
        Ok(())
    }
}
