//! A model's fields, declared once: `model!` takes one line per field (its Rust name, its
//! attribute name if that differs, its kind and its JSON key) and writes the struct, the
//! field table the bindings read (`FIELDS`), the lenient parser that names every problem
//! (`from_value`), the single-pass decoder of well-formed bytes (`decode`), `to_json` and
//! `same_value`. A field's kind says how it is read, written and compared.

use crate::decode::StringPairs;
use crate::models::{bad_number, json_type, same_instant, same_pairs};
use crate::raw::RawObject;
use crate::timefmt;
use crate::validation::FieldError;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::marker::PhantomData;

/// How a field's JSON value becomes its Rust value, and back.
pub trait Kind {
    type Value;
    /// What the single-pass decoder reads for it; anything else makes it give up.
    type Fast: DeserializeOwned;
    /// The value from what the decoder read (`None`: the key was absent), or `None` to give
    /// up (a required field missing, a bad date): the lenient parser then says why.
    fn fast(read: Option<Self::Fast>) -> Option<Self::Value>;
    /// The value from the JSON one (`None`: absent); a problem is recorded under `key`.
    fn read(value: Option<Value>, key: &str, problems: &mut Vec<FieldError>) -> Self::Value;
    fn write(value: &Self::Value) -> Value;
    /// Equal as the Python objects they become.
    fn same(a: &Self::Value, b: &Self::Value) -> bool;
}

/// Records that `key` is not what it should be (`expected`), saying what it is.
pub(crate) fn problem(
    problems: &mut Vec<FieldError>,
    key: &str,
    expected: &str,
    got: Option<&Value>,
) {
    let got = match got {
        None => "it is missing".to_owned(),
        Some(v) => format!("got {}", json_type(v)),
    };
    problems.push(FieldError::new(key, format!("should be {expected}, {got}")));
}

/// A required string.
pub struct Text;

impl Kind for Text {
    type Value = String;
    type Fast = String;
    fn fast(read: Option<String>) -> Option<String> {
        read
    }
    fn read(value: Option<Value>, key: &str, problems: &mut Vec<FieldError>) -> String {
        match value {
            Some(Value::String(s)) => s,
            other => {
                problem(problems, key, "a string", other.as_ref());
                String::new()
            }
        }
    }
    fn write(value: &String) -> Value {
        Value::String(value.clone())
    }
    fn same(a: &String, b: &String) -> bool {
        a == b
    }
}

/// An identifier: a required string that is not empty (an empty event id would make every
/// such event a duplicate of the first in a dedupe store; an empty webhook id, a path to the
/// collection).
pub struct Id;

impl Kind for Id {
    type Value = String;
    type Fast = String;
    fn fast(read: Option<String>) -> Option<String> {
        read.filter(|text| !text.is_empty())
    }
    fn read(value: Option<Value>, key: &str, problems: &mut Vec<FieldError>) -> String {
        let was_text = matches!(value, Some(Value::String(_)));
        let text = Text::read(value, key, problems);
        if was_text && text.is_empty() {
            problems.push(FieldError::new(key, "must not be empty".to_owned()));
        }
        text
    }
    fn write(value: &String) -> Value {
        Text::write(value)
    }
    fn same(a: &String, b: &String) -> bool {
        a == b
    }
}

/// The value a `TextOr` field takes when it is absent or null.
pub trait Fallback {
    const VALUE: &'static str;
}

/// A string that defaults to `D::VALUE` (an object's name: `"webhook"`).
pub struct TextOr<D>(PhantomData<D>);

impl<D: Fallback> Kind for TextOr<D> {
    type Value = String;
    type Fast = Option<String>;
    fn fast(read: Option<Option<String>>) -> Option<String> {
        Some(read.flatten().unwrap_or_else(|| D::VALUE.to_owned()))
    }
    fn read(value: Option<Value>, key: &str, problems: &mut Vec<FieldError>) -> String {
        match value {
            None | Some(Value::Null) => D::VALUE.to_owned(),
            other => Text::read(other, key, problems),
        }
    }
    fn write(value: &String) -> Value {
        Text::write(value)
    }
    fn same(a: &String, b: &String) -> bool {
        a == b
    }
}

/// A string or null.
pub struct OptionalText;

impl Kind for OptionalText {
    type Value = Option<String>;
    type Fast = Option<String>;
    fn fast(read: Option<Option<String>>) -> Option<Option<String>> {
        Some(read.flatten())
    }
    fn read(value: Option<Value>, key: &str, problems: &mut Vec<FieldError>) -> Option<String> {
        match value {
            None | Some(Value::Null) => None,
            other => Some(Text::read(other, key, problems)),
        }
    }
    fn write(value: &Option<String>) -> Value {
        value.clone().into()
    }
    fn same(a: &Option<String>, b: &Option<String>) -> bool {
        a == b
    }
}

/// An RFC 3339 date-time, kept as its text.
pub struct Timestamp;

impl Kind for Timestamp {
    type Value = String;
    type Fast = String;
    fn fast(read: Option<String>) -> Option<String> {
        read.filter(|text| timefmt::parse_rfc3339(text).is_some())
    }
    fn read(value: Option<Value>, key: &str, problems: &mut Vec<FieldError>) -> String {
        let was_text = matches!(value, Some(Value::String(_)));
        let text = Text::read(value, key, problems);
        if was_text && timefmt::parse_rfc3339(&text).is_none() {
            let message = format!("is not an RFC 3339 date-time: {text:?}");
            problems.push(FieldError::new(key, message));
        }
        text
    }
    fn write(value: &String) -> Value {
        Text::write(value)
    }
    fn same(a: &String, b: &String) -> bool {
        same_instant(a, b)
    }
}

/// A list of strings.
pub struct TextList;

impl Kind for TextList {
    type Value = Vec<String>;
    type Fast = Vec<String>;
    fn fast(read: Option<Vec<String>>) -> Option<Vec<String>> {
        read
    }
    fn read(value: Option<Value>, key: &str, problems: &mut Vec<FieldError>) -> Vec<String> {
        match value {
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => items
                .into_iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(s),
                    _ => None,
                })
                .collect(),
            other => {
                problem(problems, key, "a list of strings", other.as_ref());
                Vec::new()
            }
        }
    }
    fn write(value: &Vec<String>) -> Value {
        value.clone().into()
    }
    fn same(a: &Vec<String>, b: &Vec<String>) -> bool {
        a == b
    }
}

fn pairs_json(pairs: &[(String, String)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

/// An object of strings (metadata), absent or null when empty, in its order.
pub struct TextMap;

impl Kind for TextMap {
    type Value = Vec<(String, String)>;
    type Fast = Option<StringPairs>;
    fn fast(read: Option<Option<StringPairs>>) -> Option<Self::Value> {
        Some(read.flatten().map(|pairs| pairs.0).unwrap_or_default())
    }
    fn read(value: Option<Value>, key: &str, problems: &mut Vec<FieldError>) -> Self::Value {
        match value {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Object(map)) if map.values().all(Value::is_string) => map
                .into_iter()
                .filter_map(|(k, v)| match v {
                    Value::String(v) => Some((k, v)),
                    _ => None,
                })
                .collect(),
            other => {
                problem(problems, key, "an object of strings", other.as_ref());
                Vec::new()
            }
        }
    }
    fn write(value: &Self::Value) -> Value {
        pairs_json(value)
    }
    fn same(a: &Self::Value, b: &Self::Value) -> bool {
        same_pairs(a, b)
    }
}

/// An object of header-like values: a value that is not a string is kept as its JSON text.
pub struct HeaderMap;

impl Kind for HeaderMap {
    type Value = Vec<(String, String)>;
    // Strings only; other values are the lenient parser's to turn into text.
    type Fast = Option<StringPairs>;
    fn fast(read: Option<Option<StringPairs>>) -> Option<Self::Value> {
        TextMap::fast(read)
    }
    fn read(value: Option<Value>, key: &str, problems: &mut Vec<FieldError>) -> Self::Value {
        match value {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Object(map)) => map
                .into_iter()
                .map(|(k, v)| match v {
                    Value::String(text) => (k, text),
                    other => (k, other.to_string()),
                })
                .collect(),
            other => {
                problem(problems, key, "an object", other.as_ref());
                Vec::new()
            }
        }
    }
    fn write(value: &Self::Value) -> Value {
        TextMap::write(value)
    }
    fn same(a: &Self::Value, b: &Self::Value) -> bool {
        TextMap::same(a, b)
    }
}

/// A boolean.
pub struct Flag;

impl Kind for Flag {
    type Value = bool;
    type Fast = bool;
    fn fast(read: Option<bool>) -> Option<bool> {
        read
    }
    fn read(value: Option<Value>, key: &str, problems: &mut Vec<FieldError>) -> bool {
        match value {
            Some(Value::Bool(b)) => b,
            other => {
                problem(problems, key, "a boolean", other.as_ref());
                false
            }
        }
    }
    fn write(value: &bool) -> Value {
        Value::Bool(*value)
    }
    fn same(a: &bool, b: &bool) -> bool {
        a == b
    }
}

/// A JSON number that holds a whole value (`200`, or `200.0`, which only the lenient parser
/// takes).
pub struct Whole;

impl Kind for Whole {
    type Value = i64;
    type Fast = i64;
    fn fast(read: Option<i64>) -> Option<i64> {
        read
    }
    fn read(value: Option<Value>, key: &str, problems: &mut Vec<FieldError>) -> i64 {
        let whole = value.as_ref().and_then(|v| {
            v.as_i64().or_else(|| {
                v.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                    .map(|f| f as i64)
            })
        });
        whole.unwrap_or_else(|| {
            problem(problems, key, "a whole number", value.as_ref());
            0
        })
    }
    fn write(value: &i64) -> Value {
        (*value).into()
    }
    fn same(a: &i64, b: &i64) -> bool {
        a == b
    }
}

/// A JSON object, kept as its text (`RawObject`): checked when read, decoded when asked for.
pub struct JsonObject;

impl Kind for JsonObject {
    type Value = RawObject;
    type Fast = Box<RawValue>;
    fn fast(read: Option<Box<RawValue>>) -> Option<RawObject> {
        read.and_then(RawObject::checked)
    }
    fn read(value: Option<Value>, key: &str, problems: &mut Vec<FieldError>) -> RawObject {
        match value {
            Some(Value::Object(map)) => {
                for (member, value) in &map {
                    if let Some((path, why)) = bad_number(value) {
                        problems.push(FieldError::new(format!("{key}.{member}{path}"), why));
                    }
                }
                RawObject::from_map(&map)
            }
            other => {
                problem(problems, key, "an object", other.as_ref());
                RawObject::from_map(&Map::new())
            }
        }
    }
    fn write(value: &RawObject) -> Value {
        Value::Object(value.to_map())
    }
    fn same(a: &RawObject, b: &RawObject) -> bool {
        a.same(b)
    }
}

/// Fields this version does not know, kept as they came (numbers Python cannot hold are
/// refused now, not when the attribute is read).
pub fn extra(object: Map<String, Value>, problems: &mut Vec<FieldError>) -> Map<String, Value> {
    for (key, value) in &object {
        if let Some((path, why)) = bad_number(value) {
            problems.push(FieldError::new(format!("{key}{path}"), why));
        }
    }
    object
}

/// The model's struct and everything derived from its field list; see the module's doc.
///
/// ```text
/// model! {
///     /// A webhook as Exa returns it.
///     pub struct Webhook ("webhook") {
///         id: Text = "id",
///         created_at: Timestamp = "createdAt",
///         event_type as "type": Text = "type",   // the attribute is `type`
///     }
/// }
/// ```
/// The string after the name names the object in errors about the whole (`"webhook" should
/// be an object`).
macro_rules! model {
    (
        $(#[$meta:meta])*
        pub struct $name:ident ($what:literal) {
            $($(#[$field_meta:meta])* $field:ident $(as $attr:literal)? : $kind:ty = $key:literal),*
            $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            $($(#[$field_meta])* pub $field: <$kind as $crate::fields::Kind>::Value,)*
            /// Fields this version does not know, kept so `to_json` gives back what came.
            pub extra: serde_json::Map<String, serde_json::Value>,
        }

        impl $name {
            /// `(attribute name, JSON key)` of every field, in order: what bindings show.
            pub const FIELDS: &'static [(&'static str, &'static str)] =
                &[$(($crate::fields::model!(@attr $field $($attr)?), $key)),*];

            /// Parses the API's JSON shape, taking the value (its parts are moved, not
            /// copied); the error names every field that is wrong.
            pub fn from_value(
                value: serde_json::Value,
            ) -> Result<Self, Vec<$crate::validation::FieldError>> {
                let serde_json::Value::Object(mut object) = value else {
                    let got = $crate::models::json_type(&value);
                    let message = format!("should be an object, got {got}");
                    return Err(vec![$crate::validation::FieldError::new($what, message)]);
                };
                let mut problems = Vec::new();
                let parsed = $name {
                    $($field: <$kind as $crate::fields::Kind>::read(
                        object.shift_remove($key),
                        $key,
                        &mut problems,
                    ),)*
                    extra: $crate::fields::extra(object, &mut problems),
                };
                if problems.is_empty() {
                    Ok(parsed)
                } else {
                    Err(problems)
                }
            }

            /// `from_value` of a copy.
            pub fn from_json(
                value: &serde_json::Value,
            ) -> Result<Self, Vec<$crate::validation::FieldError>> {
                Self::from_value(value.clone())
            }

            /// Decodes `body` in one pass if it is in the exact shape the API documents;
            /// `None` for anything `from_value` would report or treat specially (a repeated
            /// key, say). Wherever both succeed, they agree (tested).
            pub fn decode(body: &[u8]) -> Option<Self> {
                $crate::decode::fast::<Self>(body)
            }

            /// The API's JSON shape, extra fields included.
            pub fn to_json(&self) -> serde_json::Value {
                let mut object = serde_json::Map::with_capacity(
                    Self::FIELDS.len() + self.extra.len(),
                );
                $(object.insert(
                    $key.into(),
                    <$kind as $crate::fields::Kind>::write(&self.$field),
                );)*
                for (k, v) in &self.extra {
                    object.entry(k.clone()).or_insert_with(|| v.clone());
                }
                serde_json::Value::Object(object)
            }

            /// Equal attributes, unknown fields included, as Python compares them (dicts
            /// regardless of order, date-times by instant, numbers by value). The derived
            /// `PartialEq` stays structural, for tests that want the exact shape.
            pub fn same_value(&self, other: &Self) -> bool {
                $(<$kind as $crate::fields::Kind>::same(&self.$field, &other.$field) &&)*
                $crate::models::same_object(&self.extra, &other.extra)
            }
        }

        impl<'de> serde::Deserialize<'de> for $crate::decode::Fast<$name> {
            fn deserialize<D: serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                use serde::de::{self, MapAccess, Visitor};

                $crate::decode::field_enum!(Key { $($field = $key),* });

                struct ModelVisitor;

                impl<'de> Visitor<'de> for ModelVisitor {
                    type Value = $crate::decode::Fast<$name>;

                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str($what)
                    }

                    fn visit_map<A: MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> Result<Self::Value, A::Error> {
                        struct Slots {
                            $($field: Option<<$kind as $crate::fields::Kind>::Fast>,)*
                        }
                        let mut slots = Slots { $($field: None,)* };
                        let mut extra = serde_json::Map::new();
                        while let Some(key) = map.next_key::<Key>()? {
                            match key {
                                $(Key::$field => $crate::decode::once(
                                    &mut slots.$field,
                                    map.next_value()?,
                                )?,)*
                                Key::Other(key) => {
                                    let value = map.next_value::<serde_json::Value>()?;
                                    if $crate::models::bad_number(&value).is_some()
                                        || extra.insert(key, value).is_some()
                                    {
                                        return Err(de::Error::custom("not for the fast path"));
                                    }
                                }
                            }
                        }
                        let give_up = || de::Error::custom("not for the fast path");
                        Ok($crate::decode::Fast($name {
                            $($field: <$kind as $crate::fields::Kind>::fast(slots.$field)
                                .ok_or_else(give_up)?,)*
                            extra,
                        }))
                    }
                }

                deserializer.deserialize_map(ModelVisitor)
            }
        }
    };
    (@attr $field:ident) => {
        stringify!($field)
    };
    (@attr $field:ident $attr:literal) => {
        $attr
    };
}

pub(crate) use model;
