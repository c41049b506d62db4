//! `exa_webhooks.WebhookAttempt`: a frozen view of `models::WebhookAttempt`.

use crate::convert::{self, to_datetime};
use crate::models::common;
use exa_webhooks_core::models::WebhookAttempt;
use pyo3::prelude::*;
use pyo3::types::IntoPyDict;
use pyo3::types::{PyDict, PyTuple, PyType};

/// One delivery try of an event to a webhook, frozen.
#[pyclass(frozen, module = "exa_webhooks", name = "WebhookAttempt")]
pub struct PyWebhookAttempt {
    pub inner: WebhookAttempt,
}

impl From<WebhookAttempt> for PyWebhookAttempt {
    fn from(inner: WebhookAttempt) -> Self {
        Self { inner }
    }
}

#[pymethods]
impl PyWebhookAttempt {
    /// A `WebhookAttempt` from the API's JSON shape.
    ///
    /// Fields this version does not know are kept (``to_dict()`` gives them back).
    ///
    /// Args:
    ///     data: the decoded JSON object.
    ///
    /// Returns:
    ///     The WebhookAttempt.
    ///
    /// Raises:
    ///     ValidationError: ``data`` is not such an object (every problem listed).
    #[classmethod]
    fn from_dict(_cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        common::parse_dict(data, WebhookAttempt::from_value).map(Self::from)
    }

    /// The API's JSON shape, including fields this version does not know.
    ///
    /// Returns:
    ///     A new dict of JSON values (camelCase keys, RFC 3339 times).
    ///
    /// Raises nothing.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::from_json(py, &self.inner.to_json())
    }

    /// The attempt's id.
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }

    /// The object name: ``"webhook_attempt"``.
    #[getter]
    fn object(&self) -> &str {
        &self.inner.object
    }

    /// The id of the event delivered (``get_event`` fetches it).
    #[getter]
    fn event_id(&self) -> &str {
        &self.inner.event_id
    }

    /// The type of the event delivered.
    #[getter]
    fn event_type(&self) -> &str {
        &self.inner.event_type
    }

    /// The webhook it was delivered for.
    #[getter]
    fn webhook_id(&self) -> &str {
        &self.inner.webhook_id
    }

    /// Where it was delivered.
    #[getter]
    fn url(&self) -> &str {
        &self.inner.url
    }

    /// Whether the receiver answered 2xx.
    #[getter]
    fn successful(&self) -> bool {
        self.inner.successful
    }

    /// The receiver's answer's headers.
    #[getter]
    fn response_headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.inner.response_headers.iter().into_py_dict(py)
    }

    /// The receiver's answer's body, or None.
    #[getter]
    fn response_body(&self) -> Option<&str> {
        self.inner.response_body.as_deref()
    }

    /// The receiver's answer's HTTP status.
    #[getter]
    fn response_status_code(&self) -> i64 {
        self.inner.response_status_code
    }

    /// Which try this was, from 1.
    #[getter]
    fn attempt(&self) -> i64 {
        self.inner.attempt
    }

    /// When it was tried (timezone-aware).
    #[getter]
    fn attempted_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_datetime(py, &self.inner.attempted_at)
    }

    #[classattr]
    fn __match_args__(py: Python<'_>) -> PyResult<Py<PyTuple>> {
        common::match_args(py, WebhookAttempt::FIELDS)
    }

    #[classattr]
    fn _json_keys(py: Python<'_>) -> PyResult<Py<PyDict>> {
        common::json_keys(py, WebhookAttempt::FIELDS).map(Bound::unbind)
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        common::repr(slf.as_any(), WebhookAttempt::FIELDS, &[])
    }

    fn __eq__(&self, other: PyRef<'_, Self>) -> bool {
        self.inner.same_value(&other.inner)
    }

    fn __hash__(&self) -> u64 {
        common::hash_of(&self.inner.id)
    }

    fn _repr_pretty_(slf: &Bound<'_, Self>, p: &Bound<'_, PyAny>, cycle: bool) -> PyResult<()> {
        common::repr_pretty(slf.as_any(), p, cycle)
    }

    fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
        common::repr_html(slf.as_any())
    }

    #[pyo3(signature = (**changes))]
    fn __replace__<'py>(
        slf: &Bound<'py, Self>,
        changes: Option<&Bound<'py, pyo3::types::PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        common::replace(slf.as_any(), changes)
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyAny>,))> {
        common::reduce(slf.as_any())
    }
}
