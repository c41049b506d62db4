//! `exa_webhooks.WebhookEvent`, and the functions that verify, parse and sign deliveries.

use crate::models::WebhookEvent;
use crate::py_convert::{self, to_datetime};
use crate::py_errors::{check, invalid, signature_error};
use crate::py_model;
use crate::signature;
use crate::timefmt;
use crate::validation::FieldError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyMapping, PyString, PyTuple, PyType};
use serde_json::Value;
use std::borrow::Cow;

#[pyclass(frozen, module = "exa_webhooks", name = "WebhookEvent")]
pub struct PyWebhookEvent {
    pub inner: WebhookEvent,
}

impl From<WebhookEvent> for PyWebhookEvent {
    fn from(inner: WebhookEvent) -> Self {
        Self { inner }
    }
}

#[pymethods]
impl PyWebhookEvent {
    /// A `WebhookEvent` from the delivered JSON shape, already decoded.
    #[classmethod]
    fn from_dict(_cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        py_model::parse_dict(data, WebhookEvent::from_json).map(Self::from)
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_convert::from_json(py, &self.inner.to_json())
    }

    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }

    #[getter]
    fn object(&self) -> &str {
        &self.inner.object
    }

    #[getter]
    fn r#type(&self) -> &str {
        &self.inner.event_type
    }

    /// The resource the event is about (a Webset, an item, a monitor run...), as a new dict.
    #[getter]
    fn data<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py_convert::from_json_map(py, &self.inner.data).map(Bound::into_any)
    }

    #[getter]
    fn created_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_datetime(py, &self.inner.created_at)
    }

    #[classattr]
    fn __match_args__(py: Python<'_>) -> PyResult<Py<PyTuple>> {
        Ok(PyTuple::new(py, ["id", "object", "type", "data", "created_at"])?.unbind())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let r = |obj: Bound<'_, PyAny>| obj.repr().map(|s| s.to_string());
        let s = |text: &str| r(PyString::new(py, text).into_any());
        Ok(format!(
            "WebhookEvent(id={}, object={}, type={}, data={}, created_at={})",
            s(&self.inner.id)?,
            s(&self.inner.object)?,
            s(&self.inner.event_type)?,
            r(self.data(py)?)?,
            r(self.created_at(py)?)?,
        ))
    }

    fn __eq__(&self, other: PyRef<'_, Self>) -> bool {
        self.inner == other.inner
    }

    fn __hash__(&self) -> u64 {
        py_model::hash_of(&[&self.inner.id])
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyAny>,))> {
        py_model::reduce(slf.as_any())
    }
}

/// The raw body: `bytes` (or another bytes-like object), or `str` taken as UTF-8.
fn payload<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<Cow<'a, [u8]>> {
    if let Ok(bytes) = obj.cast::<PyBytes>() {
        return Ok(Cow::Borrowed(bytes.as_bytes()));
    }
    if let Ok(text) = obj.cast::<PyString>() {
        return Ok(Cow::Borrowed(text.to_str()?.as_bytes()));
    }
    if let Ok(array) = obj.cast::<PyByteArray>() {
        return Ok(Cow::Owned(array.to_vec()));
    }
    if obj.get_type().name()? == "memoryview" {
        let bytes = obj.call_method0("tobytes")?;
        return Ok(Cow::Owned(bytes.cast::<PyBytes>()?.as_bytes().to_vec()));
    }
    invalid(
        "payload",
        format!(
            "must be the raw body as bytes or str, got {}",
            py_convert::type_name(obj)
        ),
    )
}

/// A str as is (borrowed: no copy per verification), bytes as ISO-8859-1 text.
fn text_of<'a>(obj: &'a Bound<'_, PyAny>) -> Option<Cow<'a, str>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return s.to_str().ok().map(Cow::Borrowed);
    }
    // Raw ASGI headers are bytes, ISO-8859-1 by the HTTP spec.
    obj.cast::<PyBytes>()
        .ok()
        .map(|b| Cow::Owned(b.as_bytes().iter().map(|&c| char::from(c)).collect()))
}

/// The header value: given as is, or looked up case-insensitively in any mapping of headers
/// (a dict, Flask's or Starlette's headers). `None` when it is absent.
fn header_value<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<Option<Cow<'a, str>>> {
    if obj.is_none() {
        return Ok(None);
    }
    if obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyBytes>() {
        return Ok(text_of(obj));
    }
    let items = match obj.cast::<PyMapping>() {
        Ok(mapping) => Some(mapping.items()?.into_any()),
        Err(_) if obj.hasattr("items")? => Some(obj.call_method0("items")?),
        Err(_) => None,
    };
    let Some(items) = items else {
        return invalid(
            "signature",
            format!(
                "must be the Exa-Signature header value or a mapping of headers, got {}",
                py_convert::type_name(obj)
            ),
        );
    };
    for item in items.try_iter()? {
        let (key, value) = item?.extract::<(Bound<'_, PyAny>, Bound<'_, PyAny>)>()?;
        if text_of(&key).is_some_and(|k| k.eq_ignore_ascii_case("exa-signature")) {
            return Ok(text_of(&value).map(|v| Cow::Owned(v.into_owned())));
        }
    }
    Ok(None)
}

/// One secret or a sequence of them (during rotation); each as its UTF-8 bytes.
fn secrets<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<Vec<Cow<'a, [u8]>>> {
    /// The bytes of one secret, or why it is not one.
    fn one<'b>(item: &'b Bound<'_, PyAny>) -> Result<&'b [u8], String> {
        let bytes = match (item.cast::<PyString>(), item.cast::<PyBytes>()) {
            (Ok(text), _) => text.to_str().ok().map(str::as_bytes),
            (_, Ok(raw)) => Some(raw.as_bytes()),
            _ => None,
        };
        match bytes {
            Some(bytes) if !bytes.is_empty() => Ok(bytes),
            Some(_) => Err("must not be empty".into()),
            None => Err(format!(
                "must be a str, got {}",
                py_convert::type_name(item)
            )),
        }
    }
    let mut errors = Vec::new();
    let mut out = Vec::new();
    if obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyBytes>() {
        match one(obj) {
            Ok(bytes) => out.push(Cow::Borrowed(bytes)),
            Err(message) => errors.push(FieldError::new("secret", message)),
        }
    } else if let Ok(iter) = obj.try_iter() {
        for (i, item) in iter.enumerate() {
            match one(&item?) {
                Ok(bytes) => out.push(Cow::Owned(bytes.to_vec())),
                Err(message) => errors.push(FieldError::new(format!("secret[{i}]"), message)),
            }
        }
        if out.is_empty() && errors.is_empty() {
            errors.push(FieldError::new(
                "secret",
                "must contain at least one secret",
            ));
        }
    } else {
        errors.push(FieldError::new(
            "secret",
            format!(
                "must be a str or a list of str, got {}",
                py_convert::type_name(obj)
            ),
        ));
    }
    check(errors)?;
    Ok(out)
}

/// Seconds since the epoch: `now` as a number or a `datetime`, else the clock.
fn unix_now(now: Option<&Bound<'_, PyAny>>) -> PyResult<i64> {
    let Some(now) = now.filter(|n| !n.is_none()) else {
        return Ok(timefmt::now_secs());
    };
    let seconds = if now.hasattr("timestamp")? {
        now.call_method0("timestamp")?.extract::<f64>()
    } else {
        now.extract::<f64>()
    };
    match seconds {
        Ok(s) if s.is_finite() && !now.is_instance_of::<PyBool>() => Ok(s.floor() as i64),
        _ => invalid("now", "must be Unix seconds or a datetime"),
    }
}

/// How far, in seconds, the signed timestamp may be from now; `None` (from Python's `None`)
/// skips the check.
pub struct Tolerance(Option<i64>);

/// Exa's documented replay window.
const DEFAULT_TOLERANCE: Tolerance = Tolerance(Some(300));

impl<'a, 'py> FromPyObject<'a, 'py> for Tolerance {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if obj.is_none() {
            return Ok(Self(None));
        }
        match obj.extract::<f64>() {
            Ok(t) if t.is_finite() && t >= 0.0 && !obj.is_instance_of::<PyBool>() => {
                Ok(Self(Some(t.floor() as i64)))
            }
            _ => invalid(
                "tolerance",
                "must be a number of seconds (0 or more), or None to skip the check",
            ),
        }
    }
}

fn verify(
    body: &[u8],
    signature_obj: &Bound<'_, PyAny>,
    secret: &Bound<'_, PyAny>,
    Tolerance(tolerance): Tolerance,
    now: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let header = header_value(signature_obj)?;
    let secrets = secrets(secret)?;
    let now = unix_now(now)?;
    let Some(header) = header else {
        return Err(signature_error(&signature::VerifyError::Missing));
    };
    signature::verify(body, &header, &secrets, tolerance, now)
        .map(|_| ())
        .map_err(|e| signature_error(&e))
}

/// Raises ``SignatureVerificationError`` unless ``signature`` signs ``payload``.
///
/// - ``payload``: the raw request body, exactly as received (bytes; a str is taken as UTF-8).
/// - ``signature``: the ``Exa-Signature`` header value, or the request's headers (any mapping;
///   the header is found case-insensitively).
/// - ``secret``: the webhook's secret, or several (during rotation): any may match any ``v1``.
/// - ``tolerance``: seconds the signed timestamp may differ from now, either way; ``None``
///   skips the check (replay protection is then yours). ``now`` overrides the clock.
#[pyfunction]
#[pyo3(
    signature = (payload, signature, secret, *, tolerance = DEFAULT_TOLERANCE, now = None),
    text_signature = "(payload, signature, secret, *, tolerance=300, now=None)"
)]
pub fn verify_signature(
    payload: &Bound<'_, PyAny>,
    signature: &Bound<'_, PyAny>,
    secret: &Bound<'_, PyAny>,
    tolerance: Tolerance,
    now: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    verify(&self::payload(payload)?, signature, secret, tolerance, now)
}

/// Parses an event body without verifying it (for events obtained some other way).
///
/// Unknown event types parse fine; a body that is not an event raises ``ValidationError``.
#[pyfunction]
pub fn parse_event(payload: &Bound<'_, PyAny>) -> PyResult<PyWebhookEvent> {
    parse_body(&self::payload(payload)?)
}

fn parse_body(body: &[u8]) -> PyResult<PyWebhookEvent> {
    match serde_json::from_slice::<Value>(body) {
        Ok(value) => py_model::parse_value(&value, WebhookEvent::from_json).map(Into::into),
        Err(e) => invalid("payload", format!("is not a JSON event ({e})")),
    }
}

/// Verifies a delivery like ``verify_signature``, then parses it into a ``WebhookEvent``.
#[pyfunction]
#[pyo3(
    signature = (payload, signature, secret, *, tolerance = DEFAULT_TOLERANCE, now = None),
    text_signature = "(payload, signature, secret, *, tolerance=300, now=None)"
)]
pub fn construct_event(
    payload: &Bound<'_, PyAny>,
    signature: &Bound<'_, PyAny>,
    secret: &Bound<'_, PyAny>,
    tolerance: Tolerance,
    now: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyWebhookEvent> {
    // The body is read out of Python once, for both steps.
    let body = self::payload(payload)?;
    verify(&body, signature, secret, tolerance, now)?;
    parse_body(&body)
}

/// An ``Exa-Signature`` header value for ``payload``, as Exa would send it (for tests),
/// signed at ``timestamp`` (Unix seconds; default: now).
#[pyfunction]
#[pyo3(signature = (payload, secret, *, timestamp = None))]
pub fn sign_payload(
    payload: &Bound<'_, PyAny>,
    secret: &Bound<'_, PyAny>,
    timestamp: Option<&Bound<'_, PyAny>>,
) -> PyResult<String> {
    let body = self::payload(payload)?;
    let secrets = secrets(secret)?;
    let timestamp = match timestamp.filter(|t| !t.is_none()) {
        None => unix_now(None)?,
        Some(t) if t.is_instance_of::<PyBool>() => {
            return invalid("timestamp", "must be Unix seconds (an int), not a bool")
        }
        Some(t) => match t.extract::<i64>() {
            Ok(t) if (0..=9_999_999_999).contains(&t) => t,
            _ => return invalid("timestamp", "must be Unix seconds (an int from 0)"),
        },
    };
    match secrets.as_slice() {
        [secret] => Ok(signature::sign(&body, secret, timestamp)),
        _ => invalid("secret", "must be one secret to sign with"),
    }
}
