//! `exa_webhooks._native.NativeClient`: configuration, one connection pool, and the calls.
//! `Client` and `AsyncClient` in Python are thin typed wrappers around it.

use crate::models::CreateWebhook;
use crate::py_convert;
use crate::py_errors::check;
use crate::py_webhook::PyWebhook;
use crate::runtime;
use crate::transport::{Config, Transport};
use crate::validation::{self, FieldError};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const DEFAULT_BASE_URL: &str = "https://api.exa.ai";
pub const DEFAULT_TIMEOUT: f64 = 60.0;

enum Pool {
    /// Nothing built yet, or a forked child's turn to build its own.
    Idle,
    /// Built by process `pid`: a forked child must not share the parent's connections.
    Open {
        pid: u32,
        transport: Arc<Transport>,
    },
    Closed,
}

#[pyclass(frozen, module = "exa_webhooks._native")]
pub struct NativeClient {
    config: Config,
    pool: Mutex<Pool>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Every problem with the client's configuration, reported at once, keys never shown.
fn resolve_config(
    api_key: Option<&Bound<'_, PyAny>>,
    base_url: Option<&Bound<'_, PyAny>>,
    timeout: Option<&Bound<'_, PyAny>>,
) -> PyResult<Config> {
    let mut errors = Vec::new();
    let api_key = match api_key.filter(|k| !k.is_none()) {
        Some(k) => py_convert::string("api_key", k, &mut errors),
        None => env("EXA_API_KEY"),
    };
    match &api_key {
        Some(key) => validation::validate_api_key(key, &mut errors),
        None if errors.is_empty() => errors.push(FieldError::new(
            "api_key",
            "no API key: pass api_key=... or set the EXA_API_KEY environment variable",
        )),
        None => {}
    }
    let base_url = match base_url.filter(|b| !b.is_none()) {
        Some(b) => py_convert::string("base_url", b, &mut errors),
        None => Some(env("EXA_BASE_URL").unwrap_or_else(|| DEFAULT_BASE_URL.to_owned())),
    };
    let base_url = base_url.and_then(|b| validation::validate_base_url(&b, &mut errors));
    let timeout = match timeout.filter(|t| !t.is_none()) {
        None => Some(DEFAULT_TIMEOUT),
        Some(t) if t.is_instance_of::<pyo3::types::PyBool>() => None,
        Some(t) => t.extract::<f64>().ok(),
    };
    match timeout {
        Some(t) => validation::validate_timeout(t, &mut errors),
        None => errors.push(FieldError::new("timeout", "must be a number of seconds")),
    }
    check(errors)?;
    // With no errors reported, all three are set.
    let incomplete = || PyValueError::new_err("incomplete client configuration");
    Ok(Config {
        api_key: api_key.ok_or_else(incomplete)?,
        base_url: base_url.ok_or_else(incomplete)?,
        timeout: Duration::from_secs_f64(timeout.ok_or_else(incomplete)?),
    })
}

/// The validated body of a create request.
fn create_body(
    events: &Bound<'_, PyAny>,
    url: &Bound<'_, PyAny>,
    metadata: Option<&Bound<'_, PyAny>>,
) -> PyResult<CreateWebhook> {
    let mut errors = Vec::new();
    let events = py_convert::events(events, &mut errors);
    if let Some(events) = &events {
        validation::validate_partial_events(events, &mut errors);
    }
    let url = py_convert::string("url", url, &mut errors);
    if let Some(url) = &url {
        validation::validate_url("url", url, &mut errors);
    }
    let metadata = py_convert::metadata(metadata, &mut errors);
    if let Some(Some(metadata)) = &metadata {
        validation::validate_metadata(metadata, &mut errors);
    }
    check(errors)?;
    Ok(CreateWebhook {
        events: events.into_iter().flatten().flatten().collect(),
        url: url.unwrap_or_default(),
        metadata: metadata.flatten(),
    })
}

impl NativeClient {
    fn transport(&self) -> PyResult<Arc<Transport>> {
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        let pid = std::process::id();
        match &*pool {
            Pool::Closed => return Err(closed_error()),
            Pool::Open {
                pid: owner,
                transport,
            } if *owner == pid => return Ok(Arc::clone(transport)),
            Pool::Open { .. } | Pool::Idle => {}
        }
        let transport = Arc::new(Transport::new(&self.config)?);
        *pool = Pool::Open {
            pid,
            transport: Arc::clone(&transport),
        };
        Ok(transport)
    }
}

fn closed_error() -> PyErr {
    Python::attach(|py| {
        let error = py
            .import("exa_webhooks.errors")
            .and_then(|m| m.getattr("ExaError"))
            .and_then(|cls| cls.call1(("this client is closed; create a new one",)));
        match error {
            Ok(e) => PyErr::from_value(e),
            Err(e) => e,
        }
    })
}

#[pymethods]
impl NativeClient {
    #[new]
    #[pyo3(signature = (api_key=None, base_url=None, timeout=None))]
    fn new(
        api_key: Option<&Bound<'_, PyAny>>,
        base_url: Option<&Bound<'_, PyAny>>,
        timeout: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        Ok(Self {
            config: resolve_config(api_key, base_url, timeout)?,
            pool: Mutex::new(Pool::Idle),
        })
    }

    #[getter]
    fn base_url(&self) -> &str {
        &self.config.base_url
    }

    #[getter]
    fn timeout(&self) -> f64 {
        self.config.timeout.as_secs_f64()
    }

    #[getter]
    fn closed(&self) -> bool {
        matches!(
            *self.pool.lock().unwrap_or_else(|p| p.into_inner()),
            Pool::Closed
        )
    }

    /// Drops the connection pool; later calls raise.
    fn close(&self) {
        let previous = std::mem::replace(
            &mut *self.pool.lock().unwrap_or_else(|p| p.into_inner()),
            Pool::Closed,
        );
        drop(previous);
    }

    #[pyo3(signature = (events, url, metadata=None))]
    fn create_webhook(
        &self,
        py: Python<'_>,
        events: &Bound<'_, PyAny>,
        url: &Bound<'_, PyAny>,
        metadata: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyWebhook> {
        let body = create_body(events, url, metadata)?;
        let transport = self.transport()?;
        runtime::block_on(py, async move {
            Ok(transport.create_webhook(&body).await?.into())
        })
    }

    #[pyo3(signature = (events, url, metadata=None))]
    fn create_webhook_async<'py>(
        &self,
        py: Python<'py>,
        events: &Bound<'py, PyAny>,
        url: &Bound<'py, PyAny>,
        metadata: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let body = create_body(events, url, metadata)?;
        let transport = self.transport()?;
        runtime::future_into_py(py, async move {
            Ok(PyWebhook::from(transport.create_webhook(&body).await?))
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "NativeClient(base_url={:?}, timeout={})",
            self.config.base_url,
            self.config.timeout.as_secs_f64()
        )
    }
}
