//! Python values in and out: arguments checked for type with every problem collected, and
//! JSON values turned into Python objects.

use crate::timefmt;
use crate::validation::{self, FieldError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString};
use serde_json::{Map, Value};

pub fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map_or_else(|_| "object".to_owned(), |n| n.to_string())
}

/// A required `str` argument.
pub fn string(field: &str, obj: &Bound<'_, PyAny>, errors: &mut Vec<FieldError>) -> Option<String> {
    string_at(|| field.to_owned(), obj, errors)
}

/// A `str` inside a container; its name (`events[2]`) is only built for an error.
fn string_at(
    field: impl FnOnce() -> String,
    obj: &Bound<'_, PyAny>,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let message = match obj.cast::<PyString>() {
        Ok(s) => match s.to_str() {
            Ok(s) => return Some(s.to_owned()),
            Err(_) => "must be valid Unicode (no lone surrogates)".to_owned(),
        },
        Err(_) => format!("must be a str, got {}", type_name(obj)),
    };
    errors.push(FieldError::new(field(), message));
    None
}

/// A list of event types: `EventType` members or plain strings. A bare string is refused
/// rather than read as a list of one-letter events. Items of the wrong type are reported and
/// left as `None`, so the others can still be checked by their index.
pub fn events(obj: &Bound<'_, PyAny>, errors: &mut Vec<FieldError>) -> Option<Vec<Option<String>>> {
    if obj.is_instance_of::<PyString>() {
        let hint = obj
            .extract::<String>()
            .map(|s| format!(": wrap it in a list, e.g. [{s:?}]"))
            .unwrap_or_default();
        errors.push(FieldError::new(
            "events",
            format!("must be a list of event types, not a single str{hint}"),
        ));
        return None;
    }
    let not_a_list = || {
        FieldError::new(
            "events",
            format!("must be a list of event types, got {}", type_name(obj)),
        )
    };
    if obj.is_instance_of::<PyBytes>() || obj.is_instance_of::<PyDict>() || obj.is_none() {
        errors.push(not_a_list());
        return None;
    }
    let Ok(iter) = obj.try_iter() else {
        errors.push(not_a_list());
        return None;
    };
    let mut out = Vec::new();
    for (i, item) in iter.enumerate() {
        let Ok(item) = item else {
            errors.push(FieldError::new("events", "could not be iterated"));
            return None;
        };
        out.push(string_at(|| format!("events[{i}]"), &item, errors));
    }
    Some(out)
}

/// An optional mapping of str to str (metadata, headers), order kept.
pub fn string_map(
    field: &str,
    obj: Option<&Bound<'_, PyAny>>,
    errors: &mut Vec<FieldError>,
) -> Option<Option<Vec<(String, String)>>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Some(None);
    };
    // A dict is read in place; other mappings through their items().
    let items = match obj.cast::<PyDict>() {
        Ok(dict) => Ok(dict.iter().collect::<Vec<_>>()),
        Err(_) => obj
            .cast::<PyMapping>()
            .map_err(PyErr::from)
            .and_then(|m| m.items())
            .and_then(|items| items.iter().map(|item| item.extract()).collect()),
    };
    let Ok(items) = items else {
        errors.push(FieldError::new(
            field,
            format!("must be a dict of str to str, got {}", type_name(obj)),
        ));
        return None;
    };
    let mut out = Vec::with_capacity(items.len());
    let before = errors.len();
    for (key, value) in items {
        if !key.is_instance_of::<PyString>() {
            let shown = key
                .repr()
                .map_or_else(|_| "?".to_owned(), |r| r.to_string());
            let message = format!("keys must be str, got {} {shown}", type_name(&key));
            errors.push(FieldError::new(field, message));
            continue;
        }
        let Some(key) = string(field, &key, errors) else {
            continue;
        };
        let item = || format!("{field}[{}]", crate::validation::quote(&key));
        if let Some(value) = string_at(item, &value, errors) {
            out.push((key, value));
        }
    }
    (errors.len() == before).then_some(Some(out))
}

/// A Python object that must be JSON: dicts with str keys, lists, str, int, float, bool, None.
pub fn to_json(obj: &Bound<'_, PyAny>, path: &str, errors: &mut Vec<FieldError>) -> Value {
    if obj.is_none() {
        Value::Null
    } else if let Ok(b) = obj.cast::<PyBool>() {
        Value::Bool(b.is_true())
    } else if obj.is_instance_of::<PyInt>() {
        obj.extract::<i64>()
            .map(Value::from)
            .or_else(|_| obj.extract::<u64>().map(Value::from))
            .unwrap_or_else(|_| {
                errors.push(FieldError::new(path, "integer out of range"));
                Value::Null
            })
    } else if let Ok(f) = obj.cast::<PyFloat>() {
        serde_json::Number::from_f64(f.value()).map_or_else(
            || {
                errors.push(FieldError::new(path, "must be a finite number"));
                Value::Null
            },
            Value::Number,
        )
    } else if obj.is_instance_of::<PyString>() {
        string(path, obj, errors).map_or(Value::Null, Value::String)
    } else if let Ok(dict) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in dict.iter() {
            let Some(key) = string(path, &k, errors) else {
                continue;
            };
            let child = format!("{path}.{key}");
            map.insert(key, to_json(&v, &child, errors));
        }
        Value::Object(map)
    } else if obj.is_instance_of::<PyList>() || obj.is_instance_of::<pyo3::types::PyTuple>() {
        let items = obj.try_iter().into_iter().flatten().flatten();
        Value::Array(
            items
                .enumerate()
                .map(|(i, v)| to_json(&v, &format!("{path}[{i}]"), errors))
                .collect(),
        )
    } else {
        errors.push(FieldError::new(
            path,
            format!("must be JSON data, got {}", type_name(obj)),
        ));
        Value::Null
    }
}

/// A JSON value as plain Python objects.
pub fn from_json<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into_pyobject(py)?.into_any(),
            (_, Some(u)) => u.into_pyobject(py)?.into_any(),
            _ => n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any(),
        },
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(from_json(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => from_json_map(py, map)?.into_any(),
    })
}

/// A JSON object as a new dict, without first wrapping (and copying) it into a `Value`.
pub fn from_json_map<'py>(
    py: Python<'py>,
    map: &Map<String, Value>,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (k, v) in map {
        dict.set_item(k, from_json(py, v)?)?;
    }
    Ok(dict)
}

static DATETIME: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static TIMEDELTA: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static TIMEZONE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static UTC: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn datetime_attr<'py>(
    py: Python<'py>,
    cell: &'static PyOnceLock<Py<PyAny>>,
    path: &[&str],
) -> PyResult<Bound<'py, PyAny>> {
    cell.get_or_try_init(py, || {
        let mut obj = py.import("datetime")?.into_any();
        for name in path {
            obj = obj.getattr(*name)?;
        }
        Ok::<_, PyErr>(obj.unbind())
    })
    .map(|obj| obj.bind(py).clone())
}

/// An RFC 3339 string (already validated) as a timezone-aware `datetime`.
pub fn to_datetime<'py>(py: Python<'py>, rfc3339: &str) -> PyResult<Bound<'py, PyAny>> {
    let Some(dt) = timefmt::parse_rfc3339(rfc3339) else {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "not an RFC 3339 date-time: {rfc3339:?}"
        )));
    };
    let tz = if dt.offset_seconds == 0 {
        datetime_attr(py, &UTC, &["timezone", "utc"])?
    } else {
        let delta = datetime_attr(py, &TIMEDELTA, &["timedelta"])?.call1((0, dt.offset_seconds))?;
        datetime_attr(py, &TIMEZONE, &["timezone"])?.call1((delta,))?
    };
    datetime_attr(py, &DATETIME, &["datetime"])?.call1((
        dt.year,
        dt.month,
        dt.day,
        dt.hour,
        dt.minute,
        dt.second,
        dt.microsecond,
        tz,
    ))
}

/// A `datetime` (timezone-aware) or RFC 3339 `str` given by a user, as an RFC 3339 string.
pub fn timestamp_arg(field: &str, obj: &Bound<'_, PyAny>, errors: &mut Vec<FieldError>) -> Value {
    let datetime = datetime_attr(obj.py(), &DATETIME, &["datetime"]);
    if let Ok(true) = datetime.map(|d| obj.is_instance(&d).unwrap_or(false)) {
        let aware = obj
            .call_method0("utcoffset")
            .map(|o| !o.is_none())
            .unwrap_or(false);
        if !aware {
            errors.push(FieldError::new(field, "must be timezone-aware"));
            return Value::Null;
        }
        return obj
            .call_method0("isoformat")
            .and_then(|s| s.extract::<String>())
            .map_or(Value::Null, Value::String);
    }
    if obj.is_instance_of::<PyString>() {
        let text = string(field, obj, errors).unwrap_or_default();
        if timefmt::parse_rfc3339(&text).is_none() {
            let message = format!("is not an RFC 3339 date-time: {}", validation::quote(&text));
            errors.push(FieldError::new(field, message));
        }
        return Value::String(text);
    }
    errors.push(FieldError::new(
        field,
        format!(
            "must be a datetime or an RFC 3339 str, got {}",
            type_name(obj)
        ),
    ));
    Value::Null
}
