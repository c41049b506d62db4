//! JSON objects kept as their text: an event's `data` is most of its bytes, and a handler
//! reads a few of its keys if any, so decoding it into a tree on every delivery (most of the
//! cost of parsing an event) is left until someone asks for it.

use crate::models::{is_integer_literal, same_object, MAX_INT_DIGITS};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// A JSON object's text, known to be well-formed and to hold only numbers Python can hold.
#[derive(Debug, Clone)]
pub struct RawObject(Box<RawValue>);

impl RawObject {
    /// The object read by the single-pass decoder, if it is one this type may keep as is:
    /// `None` for anything else (not an object, a number Python cannot hold, an escaped
    /// surrogate), for which the lenient parser then says what is wrong.
    pub fn checked(raw: Box<RawValue>) -> Option<Self> {
        let text = raw.get();
        (text.starts_with('{') && plain(text)).then_some(Self(raw))
    }

    /// The text of an already checked object.
    pub fn from_map(map: &Map<String, Value>) -> Self {
        // Serializing a map of `Value`s cannot fail; `null` (read back as an empty map)
        // stands in if it ever did.
        Self(serde_json::value::to_raw_value(map).unwrap_or_else(|_| RawValue::NULL.to_owned()))
    }

    /// The JSON text, as it came (whitespace inside kept).
    pub fn text(&self) -> &str {
        self.0.get()
    }

    /// The object decoded (the text was checked, so this cannot fail).
    pub fn to_map(&self) -> Map<String, Value> {
        serde_json::from_str(self.text()).unwrap_or_default()
    }

    /// Equal as the Python dicts they become: same text, or same members in any order.
    pub fn same(&self, other: &Self) -> bool {
        self.text() == other.text() || same_object(&self.to_map(), &other.to_map())
    }
}

impl PartialEq for RawObject {
    fn eq(&self, other: &Self) -> bool {
        self.text() == other.text()
    }
}

/// The key under which serde_json's `arbitrary_precision` hands a number's text to a
/// visitor, as a one-entry map (private to serde_json, stable since 2017).
pub const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// Containers an event's `data` may nest: with the event's own object, 127, the most that
/// serde_json parses (its limit, which `RawValue` does not apply when it skips a value).
const MAX_DEPTH: usize = 126;

/// Whether well-formed JSON `text` holds only numbers Python can hold (`bad_number`'s rule),
/// no `\u` escape of a surrogate (which `serde_json` skips without checking that it is
/// paired), no string that may be `NUMBER_TOKEN` (serde_json reads an object with that one
/// key as a number: any string starting with `$`, written or escaped, goes the slow way)
/// and nests at most `MAX_DEPTH` deep. Strings are skipped with `memchr`, as they
/// are most of the bytes.
fn plain(text: &str) -> bool {
    let mut rest = text.as_bytes();
    let mut depth = 0usize;
    while let Some((&byte, tail)) = rest.split_first() {
        rest = match byte {
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return false;
                }
                tail
            }
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                tail
            }
            b'"' if may_be_token(tail) => return false,
            b'"' => match skip_string(tail) {
                Some(after) => after,
                None => return false,
            },
            b'-' | b'0'..=b'9' => {
                let end = rest
                    .iter()
                    .position(|b| !matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                    .unwrap_or(rest.len());
                let (number, after) = rest.split_at(end);
                if !number_fits(number) {
                    return false;
                }
                after
            }
            _ => tail,
        };
    }
    true
}

/// What follows the string whose opening quote preceded `rest`; `None` at an escaped
/// surrogate (or an unterminated string, which well-formed JSON has not).
fn skip_string(mut rest: &[u8]) -> Option<&[u8]> {
    loop {
        let at = memchr::memchr2(b'"', b'\\', rest)?;
        let (_, from) = rest.split_at(at);
        match from {
            [b'"', after @ ..] => return Some(after),
            [b'\\', b'u', b'd' | b'D', b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F', ..] => return None,
            [b'\\', _, after @ ..] => rest = after,
            _ => return None,
        }
    }
}

/// Whether the string starting at `rest` may begin with `$` (as `NUMBER_TOKEN` does).
fn may_be_token(rest: &[u8]) -> bool {
    rest.starts_with(b"$")
        || rest
            .get(..6)
            .is_some_and(|s| s.eq_ignore_ascii_case(b"\\u0024"))
}

fn number_fits(number: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(number) else {
        return false;
    };
    if is_integer_literal(text) {
        text.trim_start_matches('-').len() <= MAX_INT_DIGITS
    } else {
        text.parse::<f64>().is_ok_and(f64::is_finite)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn keeps_plain_objects_as_their_text() {
        let text = r#"{"a": [1, -2.5e3, "x\"y\\", {"b": null}], "c": "\u00e9"}"#;
        let object = RawObject::checked(raw(text)).unwrap();
        assert_eq!(object.text(), text);
        assert_eq!(object.to_map()["a"][1].as_f64(), Some(-2500.0));
    }

    #[test]
    fn refuses_what_the_lenient_parser_must_see() {
        let big = format!(r#"{{"n": {}}}"#, "9".repeat(MAX_INT_DIGITS + 1));
        let long_ok = format!(r#"{{"n": -{}}}"#, "9".repeat(MAX_INT_DIGITS));
        let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let deep = format!(r#"{{"d": {}}}"#, nested(MAX_DEPTH));
        let deepest = format!(r#"{{"d": {}}}"#, nested(MAX_DEPTH - 1));
        let token = format!(r#"{{"a": {{"{NUMBER_TOKEN}": "5"}}}}"#);
        let escaped = token.replace('$', "\\u0024");
        for text in [
            r#"[1]"#,
            r#""s""#,
            r#"{"f": 1e400}"#,
            r#"{"s": "\ud83d\ude00"}"#,
            &big,
            &deep,
            &token,
            &escaped,
        ] {
            assert!(RawObject::checked(raw(text)).is_none(), "{text}");
        }
        // Digits inside strings are text, not numbers.
        let in_string = format!(r#"{{"s": "{}", "e": "1e400"}}"#, "9".repeat(5000));
        for text in [
            long_ok.as_str(),
            &in_string,
            r#"{"s": "\\ud800"}"#,
            &deepest,
        ] {
            assert!(RawObject::checked(raw(text)).is_some(), "{text}");
        }
    }

    #[test]
    fn compares_as_dicts_do() {
        let a = RawObject::checked(raw(r#"{"a": 1, "b": [2.0]}"#)).unwrap();
        let b = RawObject::checked(raw(r#"{"b":[2], "a":1}"#)).unwrap();
        assert!(a.same(&b) && a != b);
        let map = a.to_map();
        assert_eq!(RawObject::from_map(&map).to_map(), map);
    }
}
