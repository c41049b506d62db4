//! `exa_webhooks.Webhook`: a frozen, dataclass-like view of `models::Webhook`.

use crate::convert::{self, timestamp_arg, to_datetime};
use crate::errors::check;
use crate::models::common;
use exa_webhooks_core::models::{instant, Webhook};

use pyo3::prelude::*;
use pyo3::types::IntoPyDict;
use pyo3::types::{PyDict, PyTuple, PyType};
use serde_json::{Map, Value};

/// A webhook, frozen. ``secret`` is set only in the answer to a create; repr masks it.
#[pyclass(frozen, module = "exa_webhooks", name = "Webhook")]
pub struct PyWebhook {
    pub inner: Webhook,
}

impl From<Webhook> for PyWebhook {
    fn from(inner: Webhook) -> Self {
        Self { inner }
    }
}

#[pymethods]
impl PyWebhook {
    #[new]
    #[pyo3(signature = (*, id, status, events, url, created_at, updated_at, secret=None, metadata=None, object="webhook"))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        id: &Bound<'_, PyAny>,
        status: &Bound<'_, PyAny>,
        events: &Bound<'_, PyAny>,
        url: &Bound<'_, PyAny>,
        created_at: &Bound<'_, PyAny>,
        updated_at: &Bound<'_, PyAny>,
        secret: Option<&Bound<'_, PyAny>>,
        metadata: Option<&Bound<'_, PyAny>>,
        object: &str,
    ) -> PyResult<Self> {
        let mut errors = Vec::new();
        let mut map = Map::new();
        let mut put = |key: &str, value: Option<Value>| {
            map.insert(key.to_owned(), value.unwrap_or(Value::Null));
        };
        put(
            "id",
            convert::string("id", id, &mut errors).map(Value::from),
        );
        put("object", Some(object.into()));
        put(
            "status",
            convert::string("status", status, &mut errors).map(Value::from),
        );
        let events = convert::events(events, &mut errors).unwrap_or_default();
        put(
            "events",
            Some(events.into_iter().flatten().collect::<Vec<_>>().into()),
        );
        put(
            "url",
            convert::string("url", url, &mut errors).map(Value::from),
        );
        let secret = secret.filter(|s| !s.is_none());
        put(
            "secret",
            secret
                .and_then(|s| convert::string("secret", s, &mut errors))
                .map(Value::from),
        );
        let metadata = convert::string_map("metadata", metadata, &mut errors)
            .flatten()
            .unwrap_or_default();
        put(
            "metadata",
            Some(Value::Object(
                metadata
                    .into_iter()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect(),
            )),
        );
        put(
            "createdAt",
            Some(timestamp_arg("created_at", created_at, &mut errors)),
        );
        put(
            "updatedAt",
            Some(timestamp_arg("updated_at", updated_at, &mut errors)),
        );
        let py = id.py();
        check(py, errors)?;
        common::parse_value(py, Value::Object(map), Webhook::from_value).map(Self::from)
    }

    /// A `Webhook` from the API's JSON shape (camelCase keys, RFC 3339 strings).
    ///
    /// Fields this version does not know are kept (``to_dict()`` gives them back).
    ///
    /// Args:
    ///     data: the decoded JSON object.
    ///
    /// Returns:
    ///     The Webhook.
    ///
    /// Raises:
    ///     ValidationError: ``data`` is not such an object (every problem listed).
    #[classmethod]
    fn from_dict(_cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        common::parse_dict(data, Webhook::from_value).map(Self::from)
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

    /// The webhook's id, e.g. ``webhook_...``.
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }

    /// The object name: ``"webhook"``.
    #[getter]
    fn object(&self) -> &str {
        &self.inner.object
    }

    /// ``"active"`` or ``"inactive"``.
    #[getter]
    fn status(&self) -> &str {
        &self.inner.status
    }

    /// The event types it is subscribed to (unknown ones are kept as given).
    #[getter]
    fn events<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, &self.inner.events)
    }

    /// Where Exa delivers the events.
    #[getter]
    fn url(&self) -> &str {
        &self.inner.url
    }

    /// The signing secret: only in the answer to a create, else None. repr masks it.
    #[getter]
    fn secret(&self) -> Option<&str> {
        self.inner.secret.as_deref()
    }

    /// Your string keys and values.
    #[getter]
    fn metadata<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.inner.metadata.iter().into_py_dict(py)
    }

    /// When it was created (timezone-aware).
    #[getter]
    fn created_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_datetime(py, &self.inner.created_at)
    }

    /// When it was last changed (timezone-aware).
    #[getter]
    fn updated_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_datetime(py, &self.inner.updated_at)
    }

    #[classattr]
    fn __match_args__(py: Python<'_>) -> PyResult<Py<PyTuple>> {
        common::match_args(py, Webhook::FIELDS)
    }

    #[classattr]
    fn _json_keys(py: Python<'_>) -> PyResult<Py<PyDict>> {
        common::json_keys(py, Webhook::FIELDS).map(Bound::unbind)
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        common::repr(slf.as_any(), Webhook::FIELDS, &["secret"])
    }

    fn __eq__(&self, other: PyRef<'_, Self>) -> bool {
        self.inner.same_value(&other.inner)
    }

    fn __hash__(&self) -> u64 {
        // Equal webhooks have equal ids and update instants; that is enough for a hash.
        common::hash_of((&self.inner.id, instant(&self.inner.updated_at)))
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
