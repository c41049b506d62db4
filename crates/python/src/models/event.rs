//! `exa_webhooks.WebhookEvent`, and the functions that verify, parse and sign deliveries.

use crate::convert::{self, to_datetime};
use crate::errors::{self, check, invalid, signature_error};
use crate::json_text;
use crate::models::common;
use exa_webhooks_core::error::Error;
use exa_webhooks_core::models::WebhookEvent;
use exa_webhooks_core::signature;
use exa_webhooks_core::timefmt;
use exa_webhooks_core::validation::FieldError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyMapping, PyString, PyTuple, PyType};
use serde_json::Value;
use std::borrow::Cow;

/// An event as Exa delivers it, frozen.
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
    ///
    /// Fields this version does not know are kept (``to_dict()`` gives them back).
    ///
    /// Args:
    ///     data: the decoded JSON object.
    ///
    /// Returns:
    ///     The WebhookEvent.
    ///
    /// Raises:
    ///     ValidationError: ``data`` is not such an object (every problem listed).
    #[classmethod]
    fn from_dict(_cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        common::parse_dict(data, WebhookEvent::from_value).map(Self::from)
    }

    /// The delivered JSON shape, including fields this version does not know.
    ///
    /// Returns:
    ///     A new dict of JSON values (camelCase keys, RFC 3339 times).
    ///
    /// Raises nothing.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::from_json(py, &self.inner.to_json())
    }

    /// The event's id, e.g. ``event_...``: the idempotency key.
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }

    /// The object name: ``"event"``.
    #[getter]
    fn object(&self) -> &str {
        &self.inner.object
    }

    /// The event type, e.g. ``webset.idle`` (unknown types are kept as given).
    #[getter]
    fn r#type(&self) -> &str {
        &self.inner.event_type
    }

    /// The resource the event is about (a Webset, an item...), as decoded JSON: a new dict
    /// on each read, decoded from the delivered text then (keep it in a variable to read it
    /// more than once).
    #[getter]
    fn data<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_text::to_python(py, self.inner.data.text())
    }

    /// When the event was created (timezone-aware).
    #[getter]
    fn created_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_datetime(py, &self.inner.created_at)
    }

    #[classattr]
    fn __match_args__(py: Python<'_>) -> PyResult<Py<PyTuple>> {
        common::match_args(py, WebhookEvent::FIELDS)
    }

    #[classattr]
    fn _json_keys(py: Python<'_>) -> PyResult<Py<PyDict>> {
        common::json_keys(py, WebhookEvent::FIELDS).map(Bound::unbind)
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        common::repr(slf.as_any(), WebhookEvent::FIELDS, &[])
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

/// The raw body: `bytes` (or another bytes-like object), or `str` taken as UTF-8.
fn payload<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<Cow<'a, [u8]>> {
    let py = obj.py();
    if let Ok(bytes) = obj.cast::<PyBytes>() {
        return Ok(Cow::Borrowed(bytes.as_bytes()));
    }
    if let Ok(text) = obj.cast::<PyString>() {
        return match text.to_str() {
            Ok(text) => Ok(Cow::Borrowed(text.as_bytes())),
            Err(_) => invalid(
                py,
                "payload",
                "is a str with no UTF-8 form (it has a lone surrogate): pass the raw body as bytes",
            ),
        };
    }
    if let Ok(array) = obj.cast::<PyByteArray>() {
        return Ok(Cow::Owned(array.to_vec()));
    }
    if obj.get_type().name().is_ok_and(|n| n == "memoryview") {
        let bytes = obj.call_method0("tobytes");
        return match bytes.as_ref().map(|b| b.cast::<PyBytes>()) {
            Ok(Ok(bytes)) => Ok(Cow::Owned(bytes.as_bytes().to_vec())),
            _ => invalid(
                py,
                "payload",
                "is a memoryview that cannot be read (released?)",
            ),
        };
    }
    invalid(
        py,
        "payload",
        format!(
            "must be the raw body as bytes or str, got {}",
            convert::type_name(obj)
        ),
    )
}

/// The body to verify, and whether it can be what was signed. A str with no UTF-8 form (a
/// lone surrogate) cannot: it is checked as its lossy form, and never matches.
fn body_to_verify<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<(Cow<'a, [u8]>, bool)> {
    match obj.cast::<PyString>() {
        Ok(text) if text.to_str().is_err() => {
            let lossy = text.to_string_lossy().into_owned().into_bytes();
            Ok((Cow::Owned(lossy), false))
        }
        _ => payload(obj).map(|body| (body, true)),
    }
}

/// What was found for the `Exa-Signature` header.
enum HeaderValue<'a> {
    Absent,
    Text(Cow<'a, str>),
    /// Present, but not text: why.
    NotText(String),
}

/// A header name or value: a str as is (borrowed: no copy per verification), bytes as
/// ISO-8859-1 text (raw ASGI headers are bytes, ISO-8859-1 by the HTTP spec).
fn text_of<'a>(obj: &'a Bound<'_, PyAny>) -> Result<Cow<'a, str>, String> {
    if let Ok(s) = obj.cast::<PyString>() {
        return s
            .to_str()
            .map(Cow::Borrowed)
            .map_err(|_| "it is not valid Unicode (a lone surrogate)".to_owned());
    }
    match obj.cast::<PyBytes>() {
        Ok(b) => Ok(Cow::Owned(
            b.as_bytes().iter().map(|&c| char::from(c)).collect(),
        )),
        Err(_) => Err(format!("it is {}, not text", convert::type_name(obj))),
    }
}

/// More headers than any HTTP server accepts: a mapping that yields more is refused rather
/// than read for ever.
const MAX_HEADERS: usize = 10_000;

/// The header value: given as is, or looked up case-insensitively in any mapping of headers
/// (a dict, Flask's or Starlette's headers, anything with `items()` yielding pairs).
fn header_value<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<HeaderValue<'a>> {
    let py = obj.py();
    if obj.is_none() {
        return Ok(HeaderValue::Absent);
    }
    if obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyBytes>() {
        return Ok(match text_of(obj) {
            Ok(text) => HeaderValue::Text(text),
            Err(why) => HeaderValue::NotText(why),
        });
    }
    let not_headers = |why: String| {
        invalid(
            py,
            "signature",
            format!("must be the Exa-Signature header value or a mapping of headers, {why}"),
        )
    };
    let failed = |what: &str, e: PyErr| {
        let kind = e
            .get_type(obj.py())
            .name()
            .map_or_else(|_| "an error".into(), |n| n.to_string());
        not_headers(format!("but its {what} raised {kind}"))
    };
    if let Ok(dict) = obj.cast_exact::<PyDict>() {
        // A plain dict is read in place: no `items()` view, no tuple per header.
        for (i, (key, value)) in dict.iter().enumerate() {
            if i == MAX_HEADERS {
                return not_headers(format!("but it has more than {MAX_HEADERS} headers"));
            }
            if let Some(found) = signature_header(&key, &value) {
                return Ok(found);
            }
        }
        return Ok(HeaderValue::Absent);
    }
    let has_items = obj.is_instance_of::<PyMapping>() || obj.hasattr("items").unwrap_or(false);
    if !has_items {
        return not_headers(format!("got {}", convert::type_name(obj)));
    }
    let items = match obj.call_method0("items").and_then(|items| items.try_iter()) {
        Ok(items) => items,
        Err(e) => return failed("items()", e),
    };
    for (i, item) in items.enumerate() {
        if i == MAX_HEADERS {
            return not_headers(format!("but it has more than {MAX_HEADERS} headers"));
        }
        let item = match item {
            Ok(item) => item,
            Err(e) => return failed("items() iteration", e),
        };
        let pair = item
            .cast::<PyTuple>()
            .ok()
            .filter(|t| t.len() == 2)
            .and_then(|t| Some((t.get_item(0).ok()?, t.get_item(1).ok()?)));
        let Some((key, value)) = pair else {
            let shape = match item.cast::<PyTuple>() {
                Ok(t) => format!("a tuple of {}", t.len()),
                Err(_) => convert::type_name(&item),
            };
            return not_headers(format!(
                "but its items() yielded {shape}, not a (name, value) pair"
            ));
        };
        if let Some(found) = signature_header(&key, &value) {
            return Ok(found);
        }
    }
    Ok(HeaderValue::Absent)
}

/// The header's value if `key` names `Exa-Signature` (in any case).
fn signature_header(
    key: &Bound<'_, PyAny>,
    value: &Bound<'_, PyAny>,
) -> Option<HeaderValue<'static>> {
    if !text_of(key).is_ok_and(|k| k.eq_ignore_ascii_case("exa-signature")) {
        return None;
    }
    Some(match text_of(value) {
        Ok(text) => HeaderValue::Text(Cow::Owned(text.into_owned())),
        Err(why) => HeaderValue::NotText(why),
    })
}

/// More secrets than any rotation needs: an iterable that yields more is refused.
const MAX_SECRETS: usize = 100;

/// One secret or a sequence of them (during rotation); each as its UTF-8 bytes.
fn secrets<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<Vec<Cow<'a, [u8]>>> {
    let py = obj.py();
    /// The bytes of one secret, or why it is not one.
    fn one<'b>(item: &'b Bound<'_, PyAny>) -> Result<&'b [u8], String> {
        let bytes = match (item.cast::<PyString>(), item.cast::<PyBytes>()) {
            (Ok(text), _) => text
                .to_str()
                .map(str::as_bytes)
                .map_err(|_| "must be valid Unicode (no lone surrogates)".to_owned())?,
            (_, Ok(raw)) => raw.as_bytes(),
            _ => return Err(format!("must be a str, got {}", convert::type_name(item))),
        };
        if bytes.is_empty() {
            return Err("must not be empty".into());
        }
        Ok(bytes)
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
            if i == MAX_SECRETS {
                errors.push(FieldError::new(
                    "secret",
                    format!("must be at most {MAX_SECRETS} secrets"),
                ));
                break;
            }
            let Ok(item) = item else {
                errors.push(FieldError::new("secret", "could not be iterated"));
                break;
            };
            match one(&item) {
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
                convert::type_name(obj)
            ),
        ));
    }
    check(py, errors)?;
    Ok(out)
}

/// Seconds since the epoch: `now` as a number or a `datetime`, else the clock.
fn unix_now(py: Python<'_>, now: Option<&Bound<'_, PyAny>>) -> PyResult<i64> {
    let Some(now) = now.filter(|n| !n.is_none()) else {
        return Ok(timefmt::now_secs());
    };
    let seconds = if now.hasattr("timestamp").unwrap_or(false) {
        now.call_method0("timestamp")
            .and_then(|s| s.extract::<f64>())
    } else {
        now.extract::<f64>()
    };
    // Bounded to the years datetime knows, 1970 to 9999: 1e300 made an age of 2^63 s.
    const LAST: f64 = 253_402_300_799.0;
    match seconds {
        Ok(s) if (0.0..=LAST).contains(&s) && !now.is_instance_of::<PyBool>() => {
            Ok(s.floor() as i64)
        }
        Ok(s) if s.is_finite() && !now.is_instance_of::<PyBool>() => invalid(
            py,
            "now",
            "must be Unix seconds between 1970 and 9999 (0 to 253402300799)",
        ),
        _ => invalid(py, "now", "must be Unix seconds or a datetime"),
    }
}

/// How far, in seconds, the signed timestamp may be from now; `None` (from Python's `None`)
/// skips the check.
#[derive(Clone, Copy)]
pub struct Tolerance(Option<i64>);

/// Exa's documented replay window.
const DEFAULT_TOLERANCE: Tolerance = Tolerance(Some(300));

impl<'a, 'py> FromPyObject<'a, 'py> for Tolerance {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let py = obj.py();
        if obj.is_none() {
            return Ok(Self(None));
        }
        match obj.extract::<f64>() {
            Ok(t) if t.is_finite() && t >= 0.0 && !obj.is_instance_of::<PyBool>() => {
                Ok(Self(Some(t.floor() as i64)))
            }
            _ => invalid(
                py,
                "tolerance",
                "must be a number of seconds (0 or more), or None to skip the check",
            ),
        }
    }
}

/// `signable` is false for a body that cannot be what was signed: it never verifies, but
/// the header is still checked first, so the reason says what else is wrong.
fn verify(
    body: &[u8],
    signable: bool,
    signature_obj: &Bound<'_, PyAny>,
    secret: &Bound<'_, PyAny>,
    Tolerance(tolerance): Tolerance,
    now: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let py = signature_obj.py();
    let header = header_value(signature_obj)?;
    let secrets = secrets(secret)?;
    let now = unix_now(py, now)?;
    verify_with(py, body, signable, header, &secrets, tolerance, now)
}

fn verify_with(
    py: Python<'_>,
    body: &[u8],
    signable: bool,
    header: HeaderValue<'_>,
    secrets: &[impl AsRef<[u8]>],
    tolerance: Option<i64>,
    now: i64,
) -> PyResult<()> {
    let header = match header {
        HeaderValue::Absent => return Err(signature_error(py, &signature::VerifyError::Missing)),
        HeaderValue::NotText(why) => {
            return Err(signature_error(py, &signature::VerifyError::Malformed(why)))
        }
        HeaderValue::Text(header) => header,
    };
    match signature::verify(body, &header, secrets, tolerance, now) {
        Ok(_) if !signable => Err(signature_error(py, &signature::VerifyError::NoMatch)),
        Ok(_) => Ok(()),
        Err(e) => Err(signature_error(py, &e)),
    }
}

/// Raises ``SignatureVerificationError`` unless ``signature`` signs ``payload``.
///
/// Args:
///     payload: the raw request body, exactly as received (bytes; a str is taken as UTF-8).
///     signature: the ``Exa-Signature`` header value, or the request's headers (any mapping;
///         the header is found case-insensitively).
///     secret: the webhook's secret, or several (during rotation): any may match any ``v1``.
///     tolerance: seconds the signed timestamp may differ from now, either way; ``None`` skips
///         the check (replay protection is then yours).
///     now: the time to check against (Unix seconds or an aware ``datetime``) instead of the
///         clock.
///
/// Raises:
///     SignatureVerificationError: the header is missing or malformed, its timestamp is
///         outside ``tolerance``, or no signature matches (``reason`` says which). Answer 400.
///     ValidationError: an argument of the wrong type (a secret that is not a string, say).
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
    let (body, signable) = body_to_verify(payload)?;
    verify(&body, signable, signature, secret, tolerance, now)
}

/// Parses an event body without verifying it (for events obtained some other way).
///
/// Unknown event types parse fine.
///
/// Args:
///     payload: the JSON body (bytes, or str).
///
/// Returns:
///     The event.
///
/// Raises:
///     ValidationError: the body is not a JSON event.
#[pyfunction]
pub fn parse_event(payload: &Bound<'_, PyAny>) -> PyResult<PyWebhookEvent> {
    parse_body(payload.py(), &self::payload(payload)?)
}

fn parse_body(py: Python<'_>, body: &[u8]) -> PyResult<PyWebhookEvent> {
    if let Some(event) = WebhookEvent::decode(body) {
        return Ok(event.into());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(value) => WebhookEvent::from_value(value)
            .map(Into::into)
            .map_err(|problems| errors::to_pyerr(py, Error::Validation(problems))),
        Err(e) if e.to_string().starts_with("recursion limit exceeded") => invalid(
            py,
            "payload",
            format!("is nested more than {} levels deep", convert::MAX_DEPTH),
        ),
        Err(e) => invalid(py, "payload", format!("is not a JSON event ({e})")),
    }
}

/// Verifies a delivery like ``verify_signature``, then parses it into a ``WebhookEvent``.
///
/// Args:
///     payload: the raw request body, exactly as received (bytes; a str is taken as UTF-8).
///     signature: the ``Exa-Signature`` header value, or the request's headers (any mapping;
///         the header is found case-insensitively).
///     secret: the webhook's secret, or several (during rotation): any may match any ``v1``.
///     tolerance: seconds the signed timestamp may differ from now, either way; ``None`` skips
///         the check (replay protection is then yours).
///     now: the time to check against (Unix seconds or an aware ``datetime``) instead of the
///         clock.
///
/// Returns:
///     The event the delivery carries.
///
/// Raises:
///     SignatureVerificationError: the delivery is not signed with ``secret`` (as for
///         ``verify_signature``). Answer 400.
///     ValidationError: a signed body that is not an event, or an argument of the wrong type.
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
    construct(payload, signature, secret, tolerance, now)
}

/// `construct_event` for Rust callers (the receiver's own path).
pub(crate) fn construct(
    payload: &Bound<'_, PyAny>,
    signature: &Bound<'_, PyAny>,
    secret: &Bound<'_, PyAny>,
    tolerance: Tolerance,
    now: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyWebhookEvent> {
    // The body is read out of Python once, for both steps.
    let (body, signable) = body_to_verify(payload)?;
    verify(&body, signable, signature, secret, tolerance, now)?;
    parse_body(payload.py(), &body)
}

/// `construct` with the secrets already read (and checked) and the clock's time.
pub(crate) fn construct_with(
    payload: &Bound<'_, PyAny>,
    signature: &Bound<'_, PyAny>,
    secrets: &[Vec<u8>],
    Tolerance(tolerance): Tolerance,
) -> PyResult<PyWebhookEvent> {
    let py = payload.py();
    let (body, signable) = body_to_verify(payload)?;
    let header = header_value(signature)?;
    verify_with(
        py,
        &body,
        signable,
        header,
        secrets,
        tolerance,
        timefmt::now_secs(),
    )?;
    parse_body(py, &body)
}

/// The secrets of `secret` (one or several), checked as the verifying functions check them.
pub(crate) fn owned_secrets(secret: &Bound<'_, PyAny>) -> PyResult<Vec<Vec<u8>>> {
    Ok(secrets(secret)?.into_iter().map(Cow::into_owned).collect())
}

/// An ``Exa-Signature`` header value for ``payload``, as Exa would send it (for tests).
///
/// Args:
///     payload: the body to sign (bytes; a str is taken as UTF-8).
///     secret: the webhook's secret.
///     timestamp: when it was signed, in Unix seconds (default: now).
///
/// Returns:
///     ``t=<timestamp>,v1=<hex HMAC-SHA256>``.
///
/// Raises:
///     ValidationError: a ``timestamp`` that is not Unix seconds, or a ``secret`` that is not
///         one string.
#[pyfunction]
#[pyo3(signature = (payload, secret, *, timestamp = None))]
pub fn sign_payload(
    payload: &Bound<'_, PyAny>,
    secret: &Bound<'_, PyAny>,
    timestamp: Option<&Bound<'_, PyAny>>,
) -> PyResult<String> {
    let py = payload.py();
    let body = self::payload(payload)?;
    let secrets = secrets(secret)?;
    let timestamp = match timestamp.filter(|t| !t.is_none()) {
        None => unix_now(py, None)?,
        Some(t) if t.is_instance_of::<PyBool>() => {
            return invalid(py, "timestamp", "must be Unix seconds (an int), not a bool")
        }
        Some(t) => match t.extract::<i64>() {
            Ok(t) if (0..=9_999_999_999).contains(&t) => t,
            _ => return invalid(py, "timestamp", "must be Unix seconds (an int from 0)"),
        },
    };
    match secrets.as_slice() {
        [secret] => Ok(signature::sign(&body, secret, timestamp)),
        _ => invalid(py, "secret", "must be one secret to sign with"),
    }
}
