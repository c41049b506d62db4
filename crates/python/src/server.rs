//! `exa_webhooks._native.NativeServer` and `RecordedRequest`: the test server for Python.

use crate::convert;
use crate::errors::check;
use crate::models::event::PyWebhookEvent;
use crate::models::webhook::PyWebhook;
use crate::runtime;
use exa_webhooks_core::validation::{self, FieldError};
use exa_webhooks_server::{
    Action, DeliverySettings, EmitOptions, Fault, Limits, RecordedRequest, Server, MAX_ATTEMPTS,
};
use pyo3::exceptions::{PyOSError, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::IntoPyDict;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt};
use serde_json::Value;
use std::ops::RangeInclusive;
use std::time::Duration;

const MAX_CONNECTIONS: i64 = 65_536;
const MAX_WEBHOOKS: i64 = 10_000_000;
const MAX_FAULT_TIMES: i64 = 1_000_000;

#[pyclass(frozen, module = "exa_webhooks._native")]
pub struct NativeServer {
    server: Server,
    url: String,
}

/// An `int` argument (not a `bool`) within `range`.
fn int_arg(
    field: &str,
    obj: &Bound<'_, PyAny>,
    range: RangeInclusive<i64>,
    errors: &mut Vec<FieldError>,
) -> Option<i64> {
    let value = if obj.is_instance_of::<PyBool>() {
        None
    } else {
        obj.cast::<PyInt>()
            .ok()
            .and_then(|i| i.extract::<i64>().ok())
    };
    match value.filter(|v| range.contains(v)) {
        Some(v) => Some(v),
        None => {
            let shown = shown(obj);
            let message = format!(
                "must be an int from {} to {}, got {shown}",
                range.start(),
                range.end()
            );
            errors.push(FieldError::new(field, message));
            None
        }
    }
}

/// A number of seconds (int or float, not a `bool`), finite, above 0 (or from 0), up to `max`.
fn seconds_arg(
    field: &str,
    obj: &Bound<'_, PyAny>,
    zero_ok: bool,
    max: f64,
    errors: &mut Vec<FieldError>,
) -> Option<Duration> {
    let value = if obj.is_instance_of::<PyBool>() {
        None
    } else if obj.is_instance_of::<PyInt>() || obj.is_instance_of::<PyFloat>() {
        obj.extract::<f64>().ok()
    } else {
        None
    };
    let low_ok = |v: f64| if zero_ok { v >= 0.0 } else { v > 0.0 };
    match value.filter(|v| v.is_finite() && low_ok(*v) && *v <= max) {
        Some(v) => Some(Duration::from_secs_f64(v)),
        None => {
            let low = if zero_ok {
                "from 0"
            } else {
                "greater than 0 and"
            };
            let message = format!(
                "must be a number of seconds {low} up to {max}, got {}",
                shown(obj)
            );
            errors.push(FieldError::new(field, message));
            None
        }
    }
}

fn bool_arg(field: &str, obj: &Bound<'_, PyAny>, errors: &mut Vec<FieldError>) -> bool {
    match obj.cast::<PyBool>() {
        Ok(b) => b.is_true(),
        Err(_) => {
            let message = format!("must be True or False, got {}", shown(obj));
            errors.push(FieldError::new(field, message));
            false
        }
    }
}

/// `None`, or a `str` that `valid` accepts (else its message).
fn optional_string(
    field: &str,
    obj: &Bound<'_, PyAny>,
    valid: impl Fn(&str) -> Result<(), &'static str>,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    if obj.is_none() {
        return None;
    }
    let value = convert::string(field, obj, errors)?;
    match valid(&value) {
        Ok(()) => Some(value),
        Err(message) => {
            errors.push(FieldError::new(field, message));
            None
        }
    }
}

/// A short, safe picture of a bad argument for its error message.
fn shown(obj: &Bound<'_, PyAny>) -> String {
    let repr = obj
        .repr()
        .map_or_else(|_| "?".to_owned(), |r| r.to_string());
    if repr.chars().count() > 40 {
        convert::type_name(obj)
    } else {
        repr
    }
}

fn check_host(host: &str) -> Result<(), &'static str> {
    if host.is_empty() {
        Err("must not be empty")
    } else if host.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Err("must not contain spaces or control characters")
    } else {
        Ok(())
    }
}

fn check_method(method: &str) -> Result<(), &'static str> {
    let token = !method.is_empty() && method.bytes().all(|b| b.is_ascii_alphabetic());
    if token {
        Ok(())
    } else {
        Err("must be an HTTP method such as \"GET\" or \"POST\"")
    }
}

fn check_path(path: &str) -> Result<(), &'static str> {
    if path.starts_with('/') && !path.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Ok(())
    } else {
        Err("must be a path starting with \"/\", such as \"/websets/v0/webhooks\"")
    }
}

#[pymethods]
impl NativeServer {
    #[new]
    #[pyo3(signature = (api_key, host, port, max_connections, header_timeout, idle_timeout, max_webhooks, delivery_attempts, deliver_to_any_host))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        api_key: &Bound<'_, PyAny>,
        host: &Bound<'_, PyAny>,
        port: &Bound<'_, PyAny>,
        max_connections: &Bound<'_, PyAny>,
        header_timeout: &Bound<'_, PyAny>,
        idle_timeout: &Bound<'_, PyAny>,
        max_webhooks: &Bound<'_, PyAny>,
        delivery_attempts: &Bound<'_, PyAny>,
        deliver_to_any_host: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let mut errors = Vec::new();
        // The client's own rules: a key no `Client` would send is refused here too.
        let api_key = convert::string("api_key", api_key, &mut errors);
        if let Some(key) = &api_key {
            validation::validate_api_key(key, &mut errors);
        }
        let host = convert::string("host", host, &mut errors);
        if let Some(message) = host.as_deref().and_then(|h| check_host(h).err()) {
            errors.push(FieldError::new("host", message));
        }
        let port = int_arg("port", port, 0..=65_535, &mut errors);
        let max_connections = int_arg(
            "max_connections",
            max_connections,
            1..=MAX_CONNECTIONS,
            &mut errors,
        );
        let header_timeout =
            seconds_arg("header_timeout", header_timeout, false, 3600.0, &mut errors);
        let idle_timeout = seconds_arg("idle_timeout", idle_timeout, false, 86_400.0, &mut errors);
        let max_webhooks = int_arg("max_webhooks", max_webhooks, 1..=MAX_WEBHOOKS, &mut errors);
        let attempts = int_arg(
            "delivery_attempts",
            delivery_attempts,
            1..=i64::from(MAX_ATTEMPTS),
            &mut errors,
        );
        let any_host = bool_arg("deliver_to_any_host", deliver_to_any_host, &mut errors);
        check(py, errors)?;
        // With no errors reported, every one is set.
        let (Some(api_key), Some(host), Some(port), Some(max_connections)) =
            (api_key, host, port, max_connections)
        else {
            return Err(PyRuntimeError::new_err("incomplete server configuration"));
        };
        let (Some(header_timeout), Some(idle_timeout), Some(max_webhooks)) =
            (header_timeout, idle_timeout, max_webhooks)
        else {
            return Err(PyRuntimeError::new_err("incomplete server configuration"));
        };
        let limits = Limits {
            max_connections: usize::try_from(max_connections).unwrap_or(1),
            header_timeout,
            idle_timeout,
            max_webhooks: usize::try_from(max_webhooks).unwrap_or(1),
        };
        let delivery = DeliverySettings {
            attempts: attempts.and_then(|a| u32::try_from(a).ok()).unwrap_or(1),
            any_host,
        };
        let port = u16::try_from(port).unwrap_or(0);
        let main = runtime::on_main_thread(py);
        let server = runtime::detach(py, main, move || {
            Server::start(api_key, &host, port, limits, delivery)
        })
        .map_err(|e| PyOSError::new_err(format!("cannot start the Exa test server: {e}")))?;
        Ok(Self {
            url: server.url(),
            server,
        })
    }

    /// The address it is bound to, e.g. `0.0.0.0` (`url` says where to reach it).
    #[getter]
    fn host(&self) -> String {
        self.server.addr().ip().to_string()
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
    #[pyo3(signature = (event_type, data, timeout, created_at=None, duplicate=None))]
    fn emit(
        &self,
        py: Python<'_>,
        event_type: &Bound<'_, PyAny>,
        data: Option<&Bound<'_, PyAny>>,
        timeout: &Bound<'_, PyAny>,
        created_at: Option<&Bound<'_, PyAny>>,
        duplicate: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyWebhookEvent> {
        let mut errors = Vec::new();
        let event_type = convert::string("event_type", event_type, &mut errors);
        if let Some(t) = &event_type {
            validation::validate_event_type("event_type", t, &mut errors);
        }
        let data = match data.filter(|d| !d.is_none()) {
            None => None,
            Some(d) if d.is_instance_of::<PyDict>() => {
                match convert::to_json(d, "data", &mut errors) {
                    Value::Object(map) => Some(map),
                    _ => None,
                }
            }
            Some(d) => {
                let message = format!("must be a dict, got {}", convert::type_name(d));
                errors.push(FieldError::new("data", message));
                None
            }
        };
        let timeout = seconds_arg("timeout", timeout, false, 86_400.0, &mut errors);
        let created_at = created_at
            .filter(|c| !c.is_none())
            .and_then(|c| crate::client::events::bound("created_at", c, &mut errors));
        let duplicate = duplicate.is_some_and(|d| bool_arg("duplicate", d, &mut errors));
        check(py, errors)?;
        let event_type = event_type.unwrap_or_default();
        let options = EmitOptions {
            timeout: timeout.unwrap_or(Duration::from_secs(10)),
            duplicate,
        };
        // A signal handler's exception (KeyboardInterrupt), raised once emit has stopped.
        let signal: std::sync::Mutex<Option<PyErr>> = std::sync::Mutex::new(None);
        // Signals are handled on the main thread only: other threads never take the lock here.
        let main = runtime::on_main_thread(py);
        let interrupted = || {
            if !main {
                return false;
            }
            match runtime::attach(|py| py.check_signals()) {
                Some(Ok(())) => false,
                Some(Err(e)) => {
                    *signal.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                    true
                }
                // The interpreter is exiting: stop delivering.
                None => true,
            }
        };
        // Deliveries may reach a receiver in this very process: let it run meanwhile. The lock
        // is taken back through the exit gate.
        let emitted = runtime::detach(py, main, || {
            self.server
                .emit(&event_type, data, created_at, options, &interrupted)
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
        status: &Bound<'_, PyAny>,
        body: Option<&Bound<'_, PyAny>>,
        headers: Option<&Bound<'_, PyAny>>,
        reset: &Bound<'_, PyAny>,
        truncate: &Bound<'_, PyAny>,
        hang: &Bound<'_, PyAny>,
        delay: &Bound<'_, PyAny>,
        after_processing: &Bound<'_, PyAny>,
        times: &Bound<'_, PyAny>,
        method: &Bound<'_, PyAny>,
        path: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let py = status.py();
        let mut errors = Vec::new();
        let status = if status.is_none() {
            None
        } else {
            int_arg("status", status, 100..=599, &mut errors).and_then(|s| u16::try_from(s).ok())
        };
        let reset = bool_arg("reset", reset, &mut errors);
        let truncate = bool_arg("truncate", truncate, &mut errors);
        let hang = bool_arg("hang", hang, &mut errors);
        let after_processing = bool_arg("after_processing", after_processing, &mut errors);
        let chosen = [status.is_some(), reset, truncate, hang];
        if chosen.iter().filter(|c| **c).count() > 1 {
            errors.push(FieldError::new(
                "fault",
                "choose at most one of status, reset, truncate, hang",
            ));
        }
        let delay = seconds_arg("delay", delay, true, 3600.0, &mut errors).unwrap_or_default();
        let times = int_arg("times", times, 1..=MAX_FAULT_TIMES, &mut errors)
            .and_then(|t| u32::try_from(t).ok())
            .unwrap_or(1);
        let method = optional_string("method", method, check_method, &mut errors);
        let path = optional_string("path", path, check_path, &mut errors);
        let body = match body.filter(|b| !b.is_none()) {
            None => None,
            Some(b) if b.is_instance_of::<pyo3::types::PyString>() => {
                convert::string("body", b, &mut errors)
            }
            Some(b) => Some(convert::to_json(b, "body", &mut errors).to_string()),
        };
        let headers = convert::string_map("headers", headers, &mut errors)
            .flatten()
            .unwrap_or_default();
        check(py, errors)?;
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
            delay,
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
        runtime::detach(py, runtime::on_main_thread(py), || self.server.stop());
    }
}

/// One HTTP request as the test server received it.
#[pyclass(frozen, module = "exa_webhooks.testing", name = "RecordedRequest")]
pub struct PyRecordedRequest {
    inner: RecordedRequest,
}

#[pymethods]
impl PyRecordedRequest {
    /// The HTTP method, e.g. ``POST``.
    #[getter]
    fn method(&self) -> &str {
        &self.inner.method
    }

    /// The path, without the query.
    #[getter]
    fn path(&self) -> &str {
        &self.inner.path
    }

    /// The query string, or None.
    #[getter]
    fn query(&self) -> Option<&str> {
        self.inner.query.as_deref()
    }

    /// Header names are lowercase; a repeated header keeps its last value.
    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.inner.headers.iter().into_py_dict(py)
    }

    /// The body, as received.
    #[getter]
    fn body<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.body)
    }

    /// The body parsed as JSON.
    ///
    /// Returns:
    ///     The decoded value.
    ///
    /// Raises:
    ///     ValueError: the body is not JSON (``json.JSONDecodeError``).
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
