//! What the frozen model classes (`Webhook`, `WebhookAttempt`, `WebhookEvent`) share: parsing
//! from the API's JSON shape, pickling through it, hashing.

use crate::convert;
use crate::errors::{self, check};
use exa_webhooks_core::error::Error;
use exa_webhooks_core::validation::FieldError;
use pyo3::prelude::*;
use serde_json::Value;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

/// Parses a Python dict in the API's JSON shape; every problem becomes a `ValidationError`.
pub fn parse_dict<T>(
    data: &Bound<'_, PyAny>,
    parse: impl FnOnce(&Value) -> Result<T, Vec<FieldError>>,
) -> PyResult<T> {
    let mut errors = Vec::new();
    let value = convert::to_json(data, "data", &mut errors);
    check(data.py(), errors)?;
    parse_value(data.py(), &value, parse)
}

/// Parses a JSON value in the API's shape; every problem becomes a `ValidationError`.
pub fn parse_value<T>(
    py: Python<'_>,
    value: &Value,
    parse: impl FnOnce(&Value) -> Result<T, Vec<FieldError>>,
) -> PyResult<T> {
    parse(value).map_err(|problems| errors::to_pyerr(py, Error::Validation(problems)))
}

/// `(type(obj).from_dict, (obj.to_dict(),))`: pickles and copies keep every field, unknown
/// ones included.
pub fn reduce<'py>(obj: &Bound<'py, PyAny>) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyAny>,))> {
    let from_dict = obj.get_type().getattr("from_dict")?;
    Ok((from_dict, (obj.call_method0("to_dict")?,)))
}

/// A hash of the fields that identify an object: equal objects have equal hashes.
pub fn hash_of(parts: impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    parts.hash(&mut hasher);
    hasher.finish()
}
