//! Rust errors as the Python exceptions of `exa_webhooks.errors`.
//!
//! The classes are defined in Python (multiple inheritance such as
//! `APITimeoutError(APIConnectionError, TimeoutError)` is not possible for abi3 classes made in
//! Rust) and fetched once, all together.

use exa_webhooks_core::cause::{Cause, Kind};
use exa_webhooks_core::error::{ApiError, Error};
use exa_webhooks_core::validation::{describe, FieldError};
use pyo3::exceptions::PyOSError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyType};

/// The classes of `exa_webhooks.errors`, fetched together once: a misspelt or missing class
/// fails on the first error raised, as a Python error, not as a lookup by name at each raise.
struct Classes {
    exa: Py<PyType>,
    validation: Py<PyType>,
    signature: Py<PyType>,
    connection: Py<PyType>,
    timeout: Py<PyType>,
    api: Py<PyType>,
    bad_request: Py<PyType>,
    authentication: Py<PyType>,
    permission_denied: Py<PyType>,
    not_found: Py<PyType>,
    conflict: Py<PyType>,
    unprocessable: Py<PyType>,
    rate_limit: Py<PyType>,
    internal_server: Py<PyType>,
}

static CLASSES: PyOnceLock<Classes> = PyOnceLock::new();

fn classes(py: Python<'_>) -> PyResult<&Classes> {
    CLASSES.get_or_try_init(py, || {
        let module = py.import("exa_webhooks.errors")?;
        let get = |name: &str| -> PyResult<Py<PyType>> {
            Ok(module.getattr(name)?.cast_into::<PyType>()?.unbind())
        };
        Ok(Classes {
            exa: get("ExaError")?,
            validation: get("ValidationError")?,
            signature: get("SignatureVerificationError")?,
            connection: get("APIConnectionError")?,
            timeout: get("APITimeoutError")?,
            api: get("APIError")?,
            bad_request: get("BadRequestError")?,
            authentication: get("AuthenticationError")?,
            permission_denied: get("PermissionDeniedError")?,
            not_found: get("NotFoundError")?,
            conflict: get("ConflictError")?,
            unprocessable: get("UnprocessableEntityError")?,
            rate_limit: get("RateLimitError")?,
            internal_server: get("InternalServerError")?,
        })
    })
}

/// Whether `error` is a `SignatureVerificationError` or a `ValidationError`: what a receiver
/// answers 400.
pub fn is_refusal(py: Python<'_>, error: &PyErr) -> bool {
    classes(py).is_ok_and(|c| {
        error.is_instance(py, c.signature.bind(py)) || error.is_instance(py, c.validation.bind(py))
    })
}

/// The exception class for an HTTP status, by Exa's documented meanings.
fn api_class(classes: &Classes, status: u16) -> &Py<PyType> {
    match status {
        400 => &classes.bad_request,
        401 => &classes.authentication,
        403 => &classes.permission_denied,
        404 => &classes.not_found,
        409 => &classes.conflict,
        422 => &classes.unprocessable,
        429 => &classes.rate_limit,
        500.. => &classes.internal_server,
        _ => &classes.api,
    }
}

fn build(py: Python<'_>, error: Error) -> PyResult<Bound<'_, PyAny>> {
    match error {
        Error::Validation(errors) => validation_error(py, &errors),
        Error::Api(e) => api_error(py, e),
        Error::Connection {
            message,
            timed_out,
            attempts,
            cause,
        } => {
            let kwargs = PyDict::new(py);
            kwargs.set_item("attempts", attempts)?;
            let classes = classes(py)?;
            let class = if timed_out {
                &classes.timeout
            } else {
                &classes.connection
            };
            let exception = class.bind(py).call((message,), Some(&kwargs))?;
            if let Some(cause) = cause {
                exception.setattr(intern!(py, "__cause__"), cause_exception(py, &cause)?)?;
            }
            Ok(exception)
        }
    }
}

/// What the network library said, as the standard exception Python's own networking raises
/// for the same failure, so `__cause__` can be caught and read like theirs.
fn cause_exception<'py>(py: Python<'py>, cause: &Cause) -> PyResult<Bound<'py, PyAny>> {
    let (module, name) = match cause.kind {
        Kind::Refused => ("builtins", "ConnectionRefusedError"),
        Kind::Reset => ("builtins", "ConnectionResetError"),
        Kind::Closed | Kind::Other => ("builtins", "ConnectionError"),
        Kind::Timeout => ("builtins", "TimeoutError"),
        Kind::Dns => ("socket", "gaierror"),
        Kind::Certificate(_) => ("ssl", "SSLCertVerificationError"),
        Kind::NotTls | Kind::Tls => ("ssl", "SSLError"),
        Kind::NotHttp => ("http.client", "BadStatusLine"),
    };
    let chain = cause.chain.as_str();
    match py.import(module).and_then(|m| m.getattr(name)) {
        // ssl's errors show their text only with an error number first, as ssl raises them:
        // 1 is SSL_ERROR_SSL.
        Ok(class) if module == "ssl" => class.call1((1, chain)),
        Ok(class) => class.call1((chain,)),
        // An interpreter built without ssl: the plain base class says the same.
        Err(_) => py.get_type::<PyOSError>().into_any().call1((chain,)),
    }
}

fn validation_error<'py>(py: Python<'py>, errors: &[FieldError]) -> PyResult<Bound<'py, PyAny>> {
    let list = PyList::empty(py);
    for e in errors {
        let item = PyDict::new(py);
        item.set_item("field", &e.field)?;
        item.set_item("message", &e.message)?;
        list.append(item)?;
    }
    let kwargs = PyDict::new(py);
    kwargs.set_item("errors", list)?;
    let class = classes(py)?.validation.bind(py);
    class.call((describe(errors),), Some(&kwargs))
}

fn api_error(py: Python<'_>, e: ApiError) -> PyResult<Bound<'_, PyAny>> {
    let classes = classes(py)?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("status_code", e.status_code)?;
    kwargs.set_item("tag", e.tag)?;
    kwargs.set_item("request_id", e.request_id)?;
    kwargs.set_item("body", e.body)?;
    kwargs.set_item("attempts", e.attempts)?;
    if e.status_code == 429 {
        kwargs.set_item("retry_after", e.retry_after)?;
    }
    let class = api_class(classes, e.status_code).bind(py);
    class.call((e.message,), Some(&kwargs))
}

pub fn to_pyerr(py: Python<'_>, error: Error) -> PyErr {
    // The exception classes' `__init__` is Python code: see `runtime::inside`.
    let _inside = crate::runtime::inside(py);
    match build(py, error) {
        Ok(exception) => PyErr::from_value(exception),
        Err(failed) => failed,
    }
}

/// For a thread that does not hold the interpreter lock (pyo3-async-runtimes' own threads):
/// takes it through the exit gate, so a thread arriving during finalization never re-attaches.
pub fn to_pyerr_detached(error: Error) -> PyErr {
    crate::runtime::attach(|py| to_pyerr(py, error)).unwrap_or_else(|| {
        // Built lazily, without the lock; nobody will see it, as the interpreter is exiting.
        pyo3::exceptions::PyRuntimeError::new_err("the interpreter is exiting")
    })
}

/// Shorthand for reporting collected validation problems.
pub fn check(py: Python<'_>, errors: Vec<FieldError>) -> PyResult<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(to_pyerr(py, Error::Validation(errors)))
    }
}

/// A plain `ExaError`, for failures that fit no narrower class.
pub fn exa_error(py: Python<'_>, message: &str) -> PyErr {
    match classes(py).and_then(|c| c.exa.bind(py).call1((message,))) {
        Ok(exception) => PyErr::from_value(exception),
        Err(failed) => failed,
    }
}

/// A `ValidationError` for one problem.
pub fn invalid<T>(py: Python<'_>, field: &str, message: impl Into<String>) -> PyResult<T> {
    Err(to_pyerr(
        py,
        Error::Validation(vec![FieldError::new(field, message)]),
    ))
}

/// `SignatureVerificationError`, with the reason code and a message free of secrets.
pub fn signature_error(py: Python<'_>, error: &exa_webhooks_core::signature::VerifyError) -> PyErr {
    let kwargs = PyDict::new(py);
    let built = kwargs
        .set_item("reason", error.reason())
        .and_then(|()| classes(py))
        .and_then(|c| c.signature.bind(py).call((error.message(),), Some(&kwargs)));
    match built {
        Ok(exception) => PyErr::from_value(exception),
        Err(failed) => failed,
    }
}
