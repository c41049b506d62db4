//! JSON text straight to Python objects, with no `serde_json::Value` tree in between: how an
//! event's `data` (kept as text, see `exa_webhooks_core::raw`) becomes a dict when asked for.

use crate::convert::number_text;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyList, PyString};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;

/// Where serde_json's `arbitrary_precision` puts a number's text (`RawObject::checked` keeps
/// objects with this key out of the fast path, so only numbers use it here; the tests of
/// numbers in `data` fail at once if serde_json ever changed it).
const NUMBER_TOKEN: &str = exa_webhooks_core::raw::NUMBER_TOKEN;

/// `text` (well-formed JSON) as `json.loads` would give it: dicts in order, exact ints.
pub fn to_python<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    let failed = RefCell::new(None);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = ToPython {
        py,
        failed: &failed,
    }
    .deserialize(&mut deserializer);
    match (value, failed.into_inner()) {
        (Ok(value), _) => Ok(value),
        (Err(_), Some(error)) => Err(error),
        (Err(error), None) => Err(pyo3::exceptions::PyValueError::new_err(format!(
            "event data that is not JSON ({error})"
        ))),
    }
}

#[derive(Clone, Copy)]
struct ToPython<'a, 'py> {
    py: Python<'py>,
    /// The Python error that stopped the decoding (serde's errors carry only text).
    failed: &'a RefCell<Option<PyErr>>,
}

impl<'py> ToPython<'_, 'py> {
    fn check<T, E: de::Error>(self, result: PyResult<T>) -> Result<T, E> {
        result.map_err(|error| {
            *self.failed.borrow_mut() = Some(error);
            E::custom("a Python error")
        })
    }

    fn string<E: de::Error>(self, s: &str) -> Result<Bound<'py, PyAny>, E> {
        Ok(PyString::new(self.py, s).into_any())
    }
}

impl<'de, 'py> DeserializeSeed<'de> for ToPython<'_, 'py> {
    type Value = Bound<'py, PyAny>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, 'py> Visitor<'de> for ToPython<'_, 'py> {
    type Value = Bound<'py, PyAny>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.py.None().into_bound(self.py))
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Self::Value, E> {
        Ok(PyBool::new(self.py, b).to_owned().into_any())
    }

    // Numbers come as text (`arbitrary_precision`, in `visit_map`); these are for completeness.
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
        let Ok(n) = n.into_pyobject(self.py);
        Ok(n.into_any())
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
        let Ok(n) = n.into_pyobject(self.py);
        Ok(n.into_any())
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Self::Value, E> {
        let Ok(n) = n.into_pyobject(self.py);
        Ok(n.into_any())
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        self.string(s)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let list = PyList::empty(self.py);
        while let Some(item) = seq.next_element_seed(self)? {
            self.check(list.append(item))?;
        }
        Ok(list.into_any())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let Some(first) = map.next_key::<Text<'de>>()? else {
            return Ok(PyDict::new(self.py).into_any());
        };
        if first.0 == NUMBER_TOKEN {
            let text = map.next_value::<Text<'de>>()?;
            return self.check(number_text(self.py, &text.0));
        }
        let dict = PyDict::new(self.py);
        let value = map.next_value_seed(self)?;
        self.check(dict.set_item(&*first.0, value))?;
        while let Some(key) = map.next_key::<Text<'de>>()? {
            let value = map.next_value_seed(self)?;
            self.check(dict.set_item(&*key.0, value))?;
        }
        Ok(dict.into_any())
    }
}

/// A string, borrowed from the text when it has no escapes.
struct Text<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;

        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(s)))
            }

            fn visit_str<E: de::Error>(self, s: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(s.to_owned())))
            }
        }

        deserializer.deserialize_str(TextVisitor)
    }
}
