//! The key of the shared clients behind the module-level functions: a keyed hash of the
//! configuration, so the API key never sits in a Python dict or a frame's locals.

use aws_lc_rs::{hmac, rand};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyString};

/// Random for each process: the hash reveals nothing about the key, and cannot be
/// precomputed.
static KEY: PyOnceLock<Option<hmac::Key>> = PyOnceLock::new();

/// The setting given, else the environment variable, as the client itself resolves them;
/// `Err` when the argument is not a str (the client then reports it).
fn resolved(arg: Option<&Bound<'_, PyAny>>, env: &str) -> Result<Option<String>, ()> {
    match arg.filter(|a| !a.is_none()) {
        Some(arg) => {
            let text = arg.cast::<PyString>().map_err(|_| ())?;
            text.to_str().map(|s| Some(s.to_owned())).map_err(|_| ())
        }
        None => Ok(std::env::var(env).ok().filter(|v| !v.trim().is_empty())),
    }
}

/// An opaque id of the API key and base URL a client built with these arguments would use
/// (the environment included), or None when they are not even strings.
#[pyfunction]
#[pyo3(signature = (api_key, base_url))]
pub fn shared_client_key<'py>(
    py: Python<'py>,
    api_key: Option<&Bound<'py, PyAny>>,
    base_url: Option<&Bound<'py, PyAny>>,
) -> Option<Bound<'py, PyBytes>> {
    let key = KEY
        .get_or_init(py, || {
            hmac::Key::generate(hmac::HMAC_SHA256, &rand::SystemRandom::new()).ok()
        })
        .as_ref()?;
    let parts = [
        resolved(api_key, "EXA_API_KEY").ok()?,
        resolved(base_url, "EXA_BASE_URL").ok()?,
    ];
    let mut context = hmac::Context::with_key(key);
    for part in &parts {
        // Tagged and length-prefixed: no two configurations feed the same bytes.
        match part {
            None => context.update(&[0]),
            Some(text) => {
                context.update(&[1]);
                context.update(&(text.len() as u64).to_le_bytes());
                context.update(text.as_bytes());
            }
        }
    }
    Some(PyBytes::new(py, context.sign().as_ref()))
}
