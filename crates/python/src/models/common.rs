//! What the frozen model classes (`Webhook`, `WebhookAttempt`, `WebhookEvent`) share: parsing
//! from the API's JSON shape, pickling through it, hashing.

use crate::convert;
use crate::errors::{self, check};
use exa_webhooks_core::error::Error;
use exa_webhooks_core::validation::FieldError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use serde_json::Value;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

/// Parses a Python dict in the API's JSON shape; every problem becomes a `ValidationError`.
pub fn parse_dict<T>(
    data: &Bound<'_, PyAny>,
    parse: impl FnOnce(Value) -> Result<T, Vec<FieldError>>,
) -> PyResult<T> {
    let mut errors = Vec::new();
    let value = convert::to_json(data, "data", &mut errors);
    check(data.py(), errors)?;
    parse_value(data.py(), value, parse)
}

/// Parses a JSON value in the API's shape; every problem becomes a `ValidationError`.
pub fn parse_value<T>(
    py: Python<'_>,
    value: Value,
    parse: impl FnOnce(Value) -> Result<T, Vec<FieldError>>,
) -> PyResult<T> {
    parse(value).map_err(|problems| errors::to_pyerr(py, Error::Validation(problems)))
}

/// `(type(obj).from_dict, (obj.to_dict(),))`: pickles and copies keep every field, unknown
/// ones included.
pub fn reduce<'py>(obj: &Bound<'py, PyAny>) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyAny>,))> {
    let from_dict = obj.get_type().getattr("from_dict")?;
    Ok((from_dict, (obj.call_method0("to_dict")?,)))
}

/// `__match_args__`: the attribute names of a model's fields (`FIELDS`), in order.
pub fn match_args(py: Python<'_>, fields: &[(&str, &str)]) -> PyResult<Py<PyTuple>> {
    Ok(PyTuple::new(py, fields.iter().map(|(name, _)| *name))?.unbind())
}

/// `{attribute name: JSON key}` of a model's fields, for `__replace__`.
pub fn json_keys<'py>(py: Python<'py>, fields: &[(&str, &str)]) -> PyResult<Bound<'py, PyDict>> {
    let keys = PyDict::new(py);
    for (name, key) in fields {
        keys.set_item(name, key)?;
    }
    Ok(keys)
}

/// `Name(field=repr(value), ...)` of every field, in order; a `masked` field (a secret)
/// shows as `'********'` when set: a repr ends up in logs, notebooks and bug reports.
pub fn repr(obj: &Bound<'_, PyAny>, fields: &[(&str, &str)], masked: &[&str]) -> PyResult<String> {
    let mut parts = Vec::with_capacity(fields.len());
    for (name, _) in fields {
        let value = obj.getattr(*name)?;
        let shown = if masked.contains(name) && !value.is_none() {
            "'********'".to_owned()
        } else {
            value.repr()?.to_string()
        };
        parts.push(format!("{name}={shown}"));
    }
    Ok(format!("{}({})", obj.get_type().name()?, parts.join(", ")))
}

/// A hash of the fields that identify an object: equal objects have equal hashes.
pub fn hash_of(parts: impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    parts.hash(&mut hasher);
    hasher.finish()
}

/// Notebook display and `__replace__` are written once, in Python, for the three models and
/// `Page` alike (`exa_webhooks._display`, `exa_webhooks._replace`), imported on first use.
fn helper<'py>(py: Python<'py>, module: &str, name: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import(module)?.getattr(name)
}

/// `_repr_pretty_`, for IPython.
pub fn repr_pretty(obj: &Bound<'_, PyAny>, p: &Bound<'_, PyAny>, cycle: bool) -> PyResult<()> {
    helper(obj.py(), "exa_webhooks._display", "pretty")?.call1((obj, p, cycle))?;
    Ok(())
}

/// `_repr_html_`, for Jupyter.
pub fn repr_html(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    helper(obj.py(), "exa_webhooks._display", "html")?
        .call1((obj,))?
        .extract()
}

/// `__replace__(**changes)`: `copy.replace` on Python 3.13 and later.
pub fn replace<'py>(
    obj: &Bound<'py, PyAny>,
    changes: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = obj.py();
    let changes = match changes {
        Some(changes) => changes.clone(),
        None => PyDict::new(py),
    };
    helper(py, "exa_webhooks._replace", "replace")?.call1((obj, changes))
}
