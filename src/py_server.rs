//! `exa_webhooks._native.NativeServer` and `RecordedRequest`: the test server for Python.

use crate::py_webhook::PyWebhook;
use crate::server::{RecordedRequest, Server};
use pyo3::exceptions::{PyOSError, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use std::sync::Mutex;

#[pyclass(frozen, module = "exa_webhooks._native")]
pub struct NativeServer {
    server: Mutex<Server>,
    url: String,
    api_key: String,
}

impl NativeServer {
    fn server(&self) -> std::sync::MutexGuard<'_, Server> {
        self.server.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[pymethods]
impl NativeServer {
    #[new]
    #[pyo3(signature = (api_key, host, port))]
    fn new(py: Python<'_>, api_key: String, host: String, port: u16) -> PyResult<Self> {
        if api_key.is_empty() {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "api_key must not be empty",
            ));
        }
        let key = api_key.clone();
        let server = py
            .detach(move || Server::start(key, &host, port))
            .map_err(|e| PyOSError::new_err(format!("cannot start the Exa test server: {e}")))?;
        Ok(Self {
            url: server.url(),
            server: Mutex::new(server),
            api_key,
        })
    }

    #[getter]
    fn url(&self) -> &str {
        &self.url
    }

    #[getter]
    fn api_key(&self) -> &str {
        &self.api_key
    }

    #[getter]
    fn port(&self) -> u16 {
        self.server().addr().port()
    }

    #[getter]
    fn running(&self) -> bool {
        self.server().is_running()
    }

    /// Every stored webhook, in creation order, secrets included.
    fn webhooks(&self) -> Vec<PyWebhook> {
        let server = self.server();
        let webhooks = server.state().webhooks();
        webhooks.all().cloned().map(PyWebhook::from).collect()
    }

    fn requests(&self) -> Vec<PyRecordedRequest> {
        self.server()
            .state()
            .requests()
            .into_iter()
            .map(|inner| PyRecordedRequest { inner })
            .collect()
    }

    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        // The runtime's threads never take the interpreter lock, but shutting it down waits
        // for them: release the lock meanwhile.
        py.detach(|| self.server().stop());
        if self.server().is_running() {
            return Err(PyRuntimeError::new_err("the Exa test server did not stop"));
        }
        Ok(())
    }
}

/// One HTTP request as the test server received it.
#[pyclass(frozen, module = "exa_webhooks.testing", name = "RecordedRequest")]
pub struct PyRecordedRequest {
    inner: RecordedRequest,
}

#[pymethods]
impl PyRecordedRequest {
    #[getter]
    fn method(&self) -> &str {
        &self.inner.method
    }

    #[getter]
    fn path(&self) -> &str {
        &self.inner.path
    }

    #[getter]
    fn query(&self) -> Option<&str> {
        self.inner.query.as_deref()
    }

    /// Header names are lowercase; a repeated header keeps its last value.
    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (k, v) in &self.inner.headers {
            dict.set_item(k, v)?;
        }
        Ok(dict)
    }

    #[getter]
    fn body<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.body)
    }

    /// The body parsed as JSON.
    fn json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py.import("json")?.call_method1("loads", (self.body(py),))
    }

    fn __repr__(&self) -> String {
        let target = match &self.inner.query {
            Some(q) => format!("{}?{q}", self.inner.path),
            None => self.inner.path.clone(),
        };
        format!(
            "RecordedRequest({} {target}, {} bytes)",
            self.inner.method,
            self.inner.body.len()
        )
    }
}
