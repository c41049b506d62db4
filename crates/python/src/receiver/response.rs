//! `ReceiverResponse`: what `WebhookReceiver.handle` answers.

use crate::models::event::PyWebhookEvent;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString};
use std::borrow::Cow;

/// `__getnewargs_ex__`'s answer: `(status, body, event)` and the keyword arguments.
type NewArgs<'a, 'py> = ((u16, &'a str, Option<Py<PyAny>>), Bound<'py, PyDict>);

/// What to answer Exa: ``status``, ``body`` (short text saying what happened), ``headers``
/// (``content-type``, and ``retry-after`` on a 503), the ``event`` (None if the delivery was
/// refused) and ``duplicate`` (True if the event had already been processed).
#[pyclass(frozen, module = "exa_webhooks.receiver", name = "ReceiverResponse")]
pub struct PyReceiverResponse {
    status: u16,
    body: Cow<'static, str>,
    /// A `WebhookEvent` (whatever `process` was given: a test may pass a stand-in).
    event: Option<Py<PyAny>>,
    duplicate: bool,
    /// Whole seconds, at least 1.
    retry_after: Option<u64>,
    /// Made on first use, then the same dict (changes to it stay).
    headers: PyOnceLock<Py<PyDict>>,
}

impl PyReceiverResponse {
    fn with(
        status: u16,
        body: Cow<'static, str>,
        event: Option<Py<PyAny>>,
        duplicate: bool,
        retry_after: Option<f64>,
    ) -> Self {
        // `max(math.ceil(retry_after), 1)`, saturating (a NaN is 1).
        let retry_after = retry_after.map(|s| s.ceil().max(1.0) as u64);
        Self {
            status,
            body,
            event,
            duplicate,
            retry_after,
            headers: PyOnceLock::new(),
        }
    }

    pub fn processed(event: Py<PyWebhookEvent>) -> Self {
        let event = Some(event.into_any());
        Self::with(200, Cow::Borrowed("processed"), event, false, None)
    }
}

#[pymethods]
impl PyReceiverResponse {
    #[new]
    #[pyo3(signature = (status, body, event = None, *, duplicate = false, retry_after = None))]
    fn new(
        status: u16,
        body: String,
        event: Option<Py<PyAny>>,
        duplicate: bool,
        retry_after: Option<f64>,
    ) -> Self {
        Self::with(status, Cow::Owned(body), event, duplicate, retry_after)
    }

    /// For pickle and `copy`: the arguments that make this answer again.
    fn __getnewargs_ex__<'py>(&self, py: Python<'py>) -> PyResult<NewArgs<'_, 'py>> {
        let options = PyDict::new(py);
        options.set_item("duplicate", self.duplicate)?;
        options.set_item("retry_after", self.retry_after)?;
        let event = self.event.as_ref().map(|e| e.clone_ref(py));
        Ok(((self.status, &self.body, event), options))
    }

    /// The HTTP status to answer with.
    #[getter]
    fn status(&self) -> u16 {
        self.status
    }

    /// Short text saying what happened.
    #[getter]
    fn body(&self) -> &str {
        &self.body
    }

    /// The event, or None if the delivery was refused.
    #[getter]
    fn event(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.event.as_ref().map(|e| e.clone_ref(py))
    }

    /// True if the event had already been processed.
    #[getter]
    fn duplicate(&self) -> bool {
        self.duplicate
    }

    /// ``content-type``, and ``retry-after`` on a 503.
    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let headers = self.headers.get_or_try_init(py, || {
            let headers = PyDict::new(py);
            headers.set_item("content-type", "text/plain; charset=utf-8")?;
            if let Some(seconds) = self.retry_after {
                headers.set_item("retry-after", seconds.to_string())?;
            }
            Ok::<_, PyErr>(headers.unbind())
        })?;
        Ok(headers.bind(py).clone())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let quoted = |text: &str| PyString::new(py, text).repr().map(|r| r.to_string());
        let event = match &self.event {
            Some(event) => match event.bind(py).cast::<PyWebhookEvent>() {
                Ok(event) => quoted(&event.get().inner.id)?,
                Err(_) => event.bind(py).getattr("id")?.repr()?.to_string(),
            },
            None => "None".into(),
        };
        let body = quoted(&self.body)?;
        Ok(format!(
            "ReceiverResponse(status={}, body={body}, event={event}, duplicate={})",
            self.status,
            if self.duplicate { "True" } else { "False" }
        ))
    }
}
