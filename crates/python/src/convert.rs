//! Python values in and out: arguments checked for type with every problem collected, and
//! JSON values turned into Python objects.

use exa_webhooks_core::timefmt;
use exa_webhooks_core::validation::{self, FieldError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple};
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
        let item = || format!("{field}[{}]", exa_webhooks_core::validation::quote(&key));
        if let Some(value) = string_at(item, &value, errors) {
            out.push((key, value));
        }
    }
    (errors.len() == before).then_some(Some(out))
}

/// How deeply containers may nest: serde_json parses no deeper (so whatever is accepted here
/// can be read back, and pickles round-trip), and the recursion stays far from the stack's end.
pub const MAX_DEPTH: usize = 127;

/// A Python object that must be JSON: dicts with str keys, lists, tuples, str, int (of any
/// size, kept exact), float, bool, None. A cycle or nesting deeper than `MAX_DEPTH` is an
/// error, as in `json.dumps`.
pub fn to_json(obj: &Bound<'_, PyAny>, path: &str, errors: &mut Vec<FieldError>) -> Value {
    ToJson {
        root: path,
        path: Vec::new(),
        ancestors: Vec::new(),
        errors,
    }
    .value(obj)
}

/// One step from a container to an item, kept as it is until an error needs the path.
enum Step<'py> {
    Key(Bound<'py, PyAny>),
    Index(usize),
}

struct ToJson<'a, 'py> {
    root: &'a str,
    path: Vec<Step<'py>>,
    /// The containers being converted, to catch a cycle where it closes.
    ancestors: Vec<*mut pyo3::ffi::PyObject>,
    errors: &'a mut Vec<FieldError>,
}

impl<'py> ToJson<'_, 'py> {
    /// Where the walk is: `data.a[2]`; a deep one shortened to its first and last steps.
    fn path(&self) -> String {
        const SHOWN: usize = 6;
        let mut out = self.root.to_owned();
        let steps = self.path.iter().enumerate();
        let len = self.path.len();
        for (i, step) in steps {
            if len > 2 * SHOWN && (SHOWN..len - SHOWN).contains(&i) {
                if i == SHOWN {
                    out.push_str("...");
                }
                continue;
            }
            match step {
                Step::Key(key) => {
                    out.push('.');
                    out.push_str(
                        &key.cast::<PyString>()
                            .map_or_else(|_| "?".into(), |k| k.to_string_lossy().into_owned()),
                    );
                }
                Step::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }

    fn error(&mut self, message: impl Into<String>) -> Value {
        let field = self.path();
        self.errors.push(FieldError::new(field, message));
        Value::Null
    }

    fn value(&mut self, obj: &Bound<'py, PyAny>) -> Value {
        if obj.is_none() {
            Value::Null
        } else if let Ok(b) = obj.cast::<PyBool>() {
            Value::Bool(b.is_true())
        } else if obj.is_instance_of::<PyInt>() {
            self.int(obj)
        } else if let Ok(f) = obj.cast::<PyFloat>() {
            match serde_json::Number::from_f64(f.value()) {
                Some(n) => Value::Number(n),
                None => self.error("must be a finite number"),
            }
        } else if let Ok(s) = obj.cast::<PyString>() {
            match s.to_str() {
                Ok(s) => Value::String(s.to_owned()),
                Err(_) => self.error("must be valid Unicode (no lone surrogates)"),
            }
        } else if let Ok(dict) = obj.cast::<PyDict>() {
            self.nested(obj, |walk| {
                // A snapshot of the items: nothing can change the dict under the iteration.
                let mut map = Map::with_capacity(dict.len());
                for item in dict.items().iter() {
                    let Ok((key, value)) = item.extract::<(Bound<'py, PyAny>, Bound<'py, PyAny>)>()
                    else {
                        continue;
                    };
                    let Some(name) = key.cast::<PyString>().ok().and_then(|k| k.to_str().ok())
                    else {
                        let message = if key.is_instance_of::<PyString>() {
                            "keys must be valid Unicode (no lone surrogates)".to_owned()
                        } else {
                            format!("keys must be str, got {}", type_name(&key))
                        };
                        walk.error(message);
                        continue;
                    };
                    let name = name.to_owned();
                    walk.path.push(Step::Key(key));
                    let value = walk.value(&value);
                    walk.path.pop();
                    map.insert(name, value);
                }
                Value::Object(map)
            })
        } else if let Ok(list) = obj.cast::<PyList>() {
            self.nested(obj, |walk| walk.items(list.iter()))
        } else if let Ok(tuple) = obj.cast::<PyTuple>() {
            self.nested(obj, |walk| walk.items(tuple.iter()))
        } else {
            let message = format!("must be JSON data, got {}", type_name(obj));
            self.error(message)
        }
    }

    /// An int of any size, exact: beyond 64 bits through its decimal digits.
    fn int(&mut self, obj: &Bound<'py, PyAny>) -> Value {
        if let Ok(i) = obj.extract::<i64>() {
            return Value::from(i);
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Value::from(u);
        }
        // int's own repr, not the object's: a subclass's __repr__ or __str__ is not asked.
        let digits = obj
            .py()
            .get_type::<PyInt>()
            .call_method1("__repr__", (obj,))
            .and_then(|s| s.extract::<String>());
        match digits
            .ok()
            .and_then(|d| d.parse::<serde_json::Number>().ok())
        {
            Some(n) => Value::Number(n),
            None => self
                .error("integer has too many digits to convert (see sys.set_int_max_str_digits)"),
        }
    }

    fn items(&mut self, items: impl Iterator<Item = Bound<'py, PyAny>>) -> Value {
        let mut out = Vec::with_capacity(items.size_hint().0);
        for (i, item) in items.enumerate() {
            self.path.push(Step::Index(i));
            out.push(self.value(&item));
            self.path.pop();
        }
        Value::Array(out)
    }

    /// Converts a container with `convert`, unless it contains itself or nests too deeply.
    fn nested(
        &mut self,
        obj: &Bound<'py, PyAny>,
        convert: impl FnOnce(&mut Self) -> Value,
    ) -> Value {
        if self.ancestors.contains(&obj.as_ptr()) {
            return self.error("contains a circular reference (a container inside itself)");
        }
        if self.ancestors.len() >= MAX_DEPTH {
            return self.error(format!("is nested more than {MAX_DEPTH} levels deep"));
        }
        self.ancestors.push(obj.as_ptr());
        let value = convert(self);
        self.ancestors.pop();
        value
    }
}

/// A JSON value as plain Python objects: integers of any size stay exact ints, as in
/// `json.loads`. Values never nest deeper than `MAX_DEPTH` (serde_json's parsing limit and
/// `to_json`'s), so the recursion is bounded.
pub fn from_json<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => number(py, n)?,
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

fn number<'py>(py: Python<'py>, n: &serde_json::Number) -> PyResult<Bound<'py, PyAny>> {
    if let Some(i) = n.as_i64() {
        return Ok(i.into_pyobject(py)?.into_any());
    }
    if let Some(u) = n.as_u64() {
        return Ok(u.into_pyobject(py)?.into_any());
    }
    number_text(py, n.as_str())
}

/// A JSON number's text as `json.loads` reads it: an int of any size, or a float.
pub fn number_text<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    if exa_webhooks_core::models::is_integer_literal(text) {
        if let Ok(i) = text.parse::<i64>() {
            return Ok(i.into_pyobject(py)?.into_any());
        }
        return py.get_type::<PyInt>().call1((text,));
    }
    // Never infinite: parsing refused numbers beyond a float's range (`models::bad_number`).
    Ok(text
        .parse::<f64>()
        .unwrap_or(f64::NAN)
        .into_pyobject(py)?
        .into_any())
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
