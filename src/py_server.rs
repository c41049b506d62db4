//! `exa_webhooks._native.NativeServer` and `RecordedRequest`: the test server for Python.

use crate::py_convert;
use crate::py_errors::check;
use crate::py_event::PyWebhookEvent;
use crate::py_webhook::PyWebhook;
use crate::server::{Action, Fault, RecordedRequest, Server};
use crate::validation::{self, FieldError};
use pyo3::exceptions::{PyOSError, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::IntoPyDict;
use pyo3::types::{PyBytes, PyDict};
use serde_json::Value;
use std::time::Duration;

#[pyclass(frozen, module = "exa_webhooks._native")]
pub struct NativeServer {
    server: Server,
    url: String,
}

#[pymethods]
impl NativeServer {
    #[new]
    #[pyo3(signature = (api_key, host, port))]
    fn new(py: Python<'_>, api_key: String, host: String, port: u16) -> PyResult<Self> {
        // The client's own rules: a key no `Client` would send is refused here too.
        let mut errors = Vec::new();
        validation::validate_api_key(&api_key, &mut errors);
        check(errors)?;
        let server = py
            .detach(move || Server::start(api_key, &host, port))
            .map_err(|e| PyOSError::new_err(format!("cannot start the Exa test server: {e}")))?;
        Ok(Self {
            url: server.url(),
            server,
        })
    }

    #[getter]
    fn url(&self) -> &str {
        &self.url
    }

    #[getter]
    fn api_key(&self) -> &str {
        self.server.state().api_key()
    }

    #[getter]
    fn port(&self) -> u16 {
        self.server.addr().port()
    }

    #[getter]
    fn running(&self) -> bool {
        self.server.is_running()
    }

    /// Every stored webhook, in creation order, secrets included.
    fn webhooks(&self) -> Vec<PyWebhook> {
        let webhooks = self.server.state().webhooks();
        webhooks.all().cloned().map(PyWebhook::from).collect()
    }

    fn requests(&self) -> Vec<PyRecordedRequest> {
        self.server
            .state()
            .requests()
            .into_iter()
            .map(|inner| PyRecordedRequest { inner })
            .collect()
    }

    /// Every stored event, oldest first.
    fn events(&self) -> Vec<PyWebhookEvent> {
        let events = self.server.state().events();
        events.all().cloned().map(PyWebhookEvent::from).collect()
    }

    /// Stores an event and delivers it to every subscribed active webhook; see
    /// `ExaServer.emit`.
    #[pyo3(signature = (event_type, data, timeout, created_at=None))]
    fn emit(
        &self,
        py: Python<'_>,
        event_type: &Bound<'_, PyAny>,
        data: Option<&Bound<'_, PyAny>>,
        timeout: f64,
        created_at: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyWebhookEvent> {
        let mut errors = Vec::new();
        let event_type = py_convert::string("event_type", event_type, &mut errors);
        if let Some(t) = &event_type {
            validation::validate_event_type("event_type", t, &mut errors);
        }
        let data = match data.filter(|d| !d.is_none()) {
            None => None,
            Some(d) if d.is_instance_of::<PyDict>() => {
                match py_convert::to_json(d, "data", &mut errors) {
                    Value::Object(map) => Some(map),
                    _ => None,
                }
            }
            Some(d) => {
                let message = format!("must be a dict, got {}", py_convert::type_name(d));
                errors.push(FieldError::new("data", message));
                None
            }
        };
        validation::validate_timeout(timeout, &mut errors);
        let created_at = created_at
            .filter(|c| !c.is_none())
            .and_then(|c| crate::py_events::bound("created_at", c, &mut errors));
        check(errors)?;
        let event_type = event_type.unwrap_or_default();
        let timeout = Duration::from_secs_f64(timeout);
        // A signal handler's exception (KeyboardInterrupt), raised once emit has stopped.
        let signal: std::sync::Mutex<Option<PyErr>> = std::sync::Mutex::new(None);
        let interrupted = || match Python::attach(|py| py.check_signals()) {
            Ok(()) => false,
            Err(e) => {
                *signal.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                true
            }
        };
        // Deliveries may reach a receiver in this very process: let it run meanwhile.
        let emitted = py.detach(|| {
            self.server
                .emit(&event_type, data, created_at, timeout, &interrupted)
        });
        if let Some(error) = signal.into_inner().unwrap_or_else(|p| p.into_inner()) {
            return Err(error);
        }
        match emitted {
            Ok(event) => Ok(event.into()),
            Err(message) => Err(PyRuntimeError::new_err(message)),
        }
    }

    /// Scripts the next matching requests to fail; see `ExaServer.add_fault`.
    #[pyo3(signature = (status, body, headers, reset, truncate, hang, delay, after_processing, times, method, path))]
    #[allow(clippy::too_many_arguments)]
    fn add_fault(
        &self,
        status: Option<u16>,
        body: Option<&Bound<'_, PyAny>>,
        headers: Option<&Bound<'_, PyAny>>,
        reset: bool,
        truncate: bool,
        hang: bool,
        delay: f64,
        after_processing: bool,
        times: u32,
        method: Option<String>,
        path: Option<String>,
    ) -> PyResult<()> {
        let mut errors = Vec::new();
        let chosen = [status.is_some(), reset, truncate, hang];
        if chosen.iter().filter(|c| **c).count() > 1 {
            errors.push(FieldError::new(
                "fault",
                "choose at most one of status, reset, truncate, hang",
            ));
        }
        if status.is_some_and(|s| !(100..=599).contains(&s)) {
            errors.push(FieldError::new(
                "status",
                "must be an HTTP status from 100 to 599",
            ));
        }
        if !(delay.is_finite() && (0.0..=3600.0).contains(&delay)) {
            errors.push(FieldError::new("delay", "must be 0 to 3600 seconds"));
        }
        if times == 0 {
            errors.push(FieldError::new("times", "must be at least 1"));
        }
        let body = match body.filter(|b| !b.is_none()) {
            None => None,
            Some(b) if b.is_instance_of::<pyo3::types::PyString>() => b.extract::<String>().ok(),
            Some(b) => Some(py_convert::to_json(b, "body", &mut errors).to_string()),
        };
        let headers = py_convert::string_map("headers", headers, &mut errors)
            .flatten()
            .unwrap_or_default();
        check(errors)?;
        let action = match (status, reset, truncate, hang) {
            (Some(status), ..) => Action::Respond {
                status,
                body,
                headers,
            },
            (_, true, ..) => Action::Reset,
            (_, _, true, _) => Action::Truncate,
            (_, _, _, true) => Action::Hang,
            _ => Action::Normal,
        };
        self.server.state().faults().add(Fault {
            action,
            delay: Duration::from_secs_f64(delay),
            after_processing,
            times,
            method,
            path,
        });
        Ok(())
    }

    fn clear_faults(&self) {
        self.server.state().faults().clear();
    }

    #[getter]
    fn pending_faults(&self) -> u32 {
        self.server.state().faults().pending()
    }

    fn stop(&self, py: Python<'_>) {
        // The runtime's threads never take the interpreter lock, but shutting it down waits
        // for them: release the lock meanwhile.
        py.detach(|| self.server.stop());
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
        self.inner.headers.iter().into_py_dict(py)
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
