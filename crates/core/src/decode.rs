//! Single-pass decoding of well-formed answers (the models, and pages of them) straight
//! into the models, with no `serde_json::Value` tree in between (it costs a hash map and a
//! string per field). Each model's decoder is written by `fields::model!`.
//!
//! It gives up on anything the lenient `from_value` parsers would report or treat specially
//! (a mistyped or missing field, a bad date, a repeated key): the caller then falls back to
//! `from_value`, which names every problem. Wherever this succeeds, both agree (tested).

use crate::models::Page;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;

/// `T`, if `body` is one in the exact shape the API documents (see `fields::model!`).
pub fn fast<T>(body: &[u8]) -> Option<T>
where
    Fast<T>: serde::de::DeserializeOwned,
{
    serde_json::from_slice::<Fast<T>>(body).ok().map(|f| f.0)
}

/// A page of `T`, on the same terms.
pub fn page<T>(body: &[u8]) -> Option<Page<T>>
where
    Fast<T>: serde::de::DeserializeOwned,
{
    fast::<Page<T>>(body)
}

/// What decodes in one pass: a model, or a page of them.
pub struct Fast<T>(pub T);

/// Stores a field once; a repeated key is left to the lenient parser.
pub fn once<T, E: de::Error>(slot: &mut Option<T>, value: T) -> Result<(), E> {
    match slot.replace(value) {
        None => Ok(()),
        Some(_) => Err(E::custom("repeated key")),
    }
}

fn required<T, E: de::Error>(slot: Option<T>) -> Result<T, E> {
    slot.ok_or_else(|| E::custom("missing field"))
}

/// A JSON object of strings, in its order; a repeated key gives up.
pub struct StringPairs(pub Vec<(String, String)>);

impl<'de> serde::Deserialize<'de> for StringPairs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PairsVisitor;
        impl<'de> Visitor<'de> for PairsVisitor {
            type Value = StringPairs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of strings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StringPairs, A::Error> {
                let mut pairs: Vec<(String, String)> = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, String>()? {
                    if pairs.iter().any(|(k, _)| *k == key) {
                        return Err(de::Error::custom("repeated key"));
                    }
                    pairs.push((key, value));
                }
                Ok(StringPairs(pairs))
            }
        }
        deserializer.deserialize_map(PairsVisitor)
    }
}

/// Field names are matched without allocating; only unknown ones are kept as strings.
macro_rules! field_enum {
    ($name:ident { $($variant:ident = $key:literal),* $(,)? }) => {
        // Variants are named for the fields; a page ignores its unknown keys.
        #[allow(dead_code, non_camel_case_types)]
        enum $name {
            $($variant,)*
            Other(String),
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                struct KeyVisitor;
                impl serde::de::Visitor<'_> for KeyVisitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("a field name")
                    }
                    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<$name, E> {
                        Ok(match key {
                            $($key => $name::$variant,)*
                            other => $name::Other(other.to_owned()),
                        })
                    }
                }
                deserializer.deserialize_identifier(KeyVisitor)
            }
        }
    };
}

pub(crate) use field_enum;

field_enum!(PageField {
    Data = "data",
    HasMore = "hasMore",
    NextCursor = "nextCursor",
});

impl<'de, T> serde::Deserialize<'de> for Fast<Page<T>>
where
    Fast<T>: serde::Deserialize<'de>,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(PageVisitor::<T>(PhantomData))
    }
}

struct PageVisitor<T>(PhantomData<T>);

impl<'de, T> Visitor<'de> for PageVisitor<T>
where
    Fast<T>: serde::Deserialize<'de>,
{
    type Value = Fast<Page<T>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a page")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut data, mut has_more, mut next_cursor) = (None, None, None);
        while let Some(key) = map.next_key::<PageField>()? {
            match key {
                PageField::Data => once(&mut data, map.next_value_seed(Items::<T>(PhantomData))?)?,
                PageField::HasMore => once(&mut has_more, map.next_value::<bool>()?)?,
                PageField::NextCursor => {
                    once(&mut next_cursor, map.next_value::<Option<String>>()?)?;
                }
                PageField::Other(_) => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Fast(Page {
            data: required(data)?,
            has_more: required(has_more)?,
            next_cursor: next_cursor.flatten().filter(|c| !c.is_empty()),
        }))
    }
}

/// A list of items, each decoded by its `Fast` form.
struct Items<T>(PhantomData<T>);

impl<'de, T> DeserializeSeed<'de> for Items<T>
where
    Fast<T>: serde::Deserialize<'de>,
{
    type Value = Vec<T>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Vec<T>, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, T> Visitor<'de> for Items<T>
where
    Fast<T>: serde::Deserialize<'de>,
{
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(Fast(item)) = seq.next_element::<Fast<T>>()? {
            items.push(item);
        }
        Ok(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{Webhook, WebhookAttempt, WebhookEvent};
    use serde_json::json;
    use serde_json::Value;

    fn slow_webhook(body: &str) -> Option<Webhook> {
        let value: Value = serde_json::from_str(body).ok()?;
        Webhook::from_json(&value).ok()
    }

    fn sample() -> Value {
        json!({
            "id": "webhook_1", "object": "webhook", "status": "active",
            "events": ["webset.created", "webset.idle"], "url": "https://example.com/h",
            "secret": "whsec_x", "metadata": {"b": "2", "a": "1"},
            "createdAt": "2025-01-01T00:00:00Z", "updatedAt": "2025-01-02T00:00:00.5+01:00",
        })
    }

    /// Every variant either decodes the same on both paths, or the fast one gives up.
    #[test]
    fn agrees_with_the_lenient_parser() {
        let mut cases: Vec<String> = vec![sample().to_string()];
        let edits: Vec<(&str, Option<Value>)> = vec![
            ("object", None),
            ("object", Some(Value::Null)),
            ("secret", None),
            ("secret", Some(Value::Null)),
            ("metadata", None),
            ("metadata", Some(Value::Null)),
            ("metadata", Some(json!({}))),
            ("metadata", Some(json!({"a": 1}))),
            ("events", Some(json!([]))),
            ("events", Some(json!(["x", 1]))),
            ("id", None),
            ("id", Some(json!(5))),
            ("status", Some(Value::Null)),
            ("createdAt", Some(json!("yesterday"))),
            ("updatedAt", None),
            ("future", Some(json!({"nested": [1, 2]}))),
            ("z_extra", Some(json!("kept"))),
        ];
        for (key, value) in edits {
            let mut v = sample();
            match value {
                Some(value) => v[key] = value,
                None => {
                    v.as_object_mut().map(|o| o.shift_remove(key));
                }
            }
            cases.push(v.to_string());
        }
        cases.push(r#"{"id":"a","id":"b"}"#.into());
        let repeated = sample()
            .to_string()
            .replacen('{', r#"{"status":"paused","#, 1);
        cases.push(repeated);
        cases.push(r#"{"metadata":{"a":"1","a":"2"}}"#.into());
        cases.push("[]".into());
        cases.push("not json".into());
        let escaped = sample().to_string().replace("\"url\"", "\"\\u0075rl\"");
        cases.push(escaped);
        let mut fast_count = 0;
        for body in &cases {
            let fast = Webhook::decode(body.as_bytes());
            if let Some(fast) = &fast {
                fast_count += 1;
                assert_eq!(Some(fast), slow_webhook(body).as_ref(), "{body}");
            }
        }
        // The well-formed shapes take the fast path.
        assert!(fast_count >= 10, "{fast_count}");
        assert!(Webhook::decode(sample().to_string().as_bytes()).is_some());
        let mut renamed = sample();
        renamed["createdAt"] = json!("yesterday");
        assert!(Webhook::decode(renamed.to_string().as_bytes()).is_none());
    }

    fn sample_attempt() -> Value {
        json!({
            "id": "attempt_1", "object": "webhook_attempt", "eventId": "event_1",
            "eventType": "webset.created", "webhookId": "webhook_1",
            "url": "https://example.com/h", "successful": true,
            "responseHeaders": {"content-type": "text/plain"}, "responseBody": "ok",
            "responseStatusCode": 200, "attempt": 1, "attemptedAt": "2025-01-01T00:00:00Z",
        })
    }

    /// As for webhooks: both paths agree wherever the fast one decodes.
    #[test]
    fn attempts_agree_with_the_lenient_parser() {
        let edits: Vec<(&str, Option<Value>)> = vec![
            ("object", None),
            ("object", Some(Value::Null)),
            ("responseHeaders", None),
            ("responseHeaders", Some(Value::Null)),
            ("responseHeaders", Some(json!({"x-n": 1}))),
            ("responseBody", None),
            ("responseBody", Some(Value::Null)),
            ("responseStatusCode", Some(json!(200.0))),
            ("responseStatusCode", Some(json!("200"))),
            ("attempt", Some(json!(-1))),
            ("successful", Some(json!("yes"))),
            ("eventId", None),
            ("attemptedAt", Some(json!("soon"))),
            ("future", Some(json!([1, {"a": null}]))),
        ];
        let mut cases = vec![sample_attempt()];
        for (key, value) in edits {
            let mut v = sample_attempt();
            match value {
                Some(value) => v[key] = value,
                None => {
                    v.as_object_mut().map(|o| o.shift_remove(key));
                }
            }
            cases.push(v);
        }
        let page = |items: Vec<Value>| json!({"data": items, "hasMore": false}).to_string();
        let mut bodies: Vec<String> = cases.iter().map(|c| page(vec![c.clone()])).collect();
        bodies.push(page(cases.clone()));
        bodies.push(page(vec![]));
        bodies.push(sample_attempt().to_string().replacen(
            '{',
            r#"{"data":[{"id":"a","id":"b"}],"x":"#,
            1,
        ));
        let mut fast_count = 0;
        for body in &bodies {
            let slow = serde_json::from_str::<Value>(body)
                .ok()
                .and_then(|v| Page::from_value(v, WebhookAttempt::from_value).ok());
            if let Some(fast) = super::page::<WebhookAttempt>(body.as_bytes()) {
                fast_count += 1;
                assert_eq!(Some(fast), slow, "{body}");
            }
        }
        // The sample, its absent or null optional fields (6), a negative attempt, an extra
        // field, and the empty page.
        assert_eq!(fast_count, 10);
        assert!(super::page::<WebhookAttempt>(page(vec![sample_attempt()]).as_bytes()).is_some());
    }

    #[test]
    fn pages_agree_with_the_lenient_parser() {
        let page = |data: Value, has_more: Value, cursor: Value| {
            json!({"data": data, "hasMore": has_more, "nextCursor": cursor, "extra": 1}).to_string()
        };
        let cases = [
            page(json!([sample(), sample()]), json!(true), json!("cur_1")),
            page(json!([]), json!(false), Value::Null),
            page(json!([]), json!(false), json!("")),
            page(json!([sample(), {"id": 1}]), json!(true), json!("c")),
            page(json!([]), json!("yes"), Value::Null),
            page(json!({}), json!(false), Value::Null),
            r#"{"data":[]}"#.to_owned(),
        ];
        let mut fast_count = 0;
        for body in &cases {
            let slow = serde_json::from_str::<Value>(body)
                .ok()
                .and_then(|v| Page::from_value(v, Webhook::from_value).ok());
            if let Some(fast) = super::page::<Webhook>(body.as_bytes()) {
                fast_count += 1;
                assert_eq!(Some(fast), slow, "{body}");
            }
        }
        assert_eq!(fast_count, 3);
    }

    /// Events take the fast path too: wherever it decodes, the lenient parser agrees.
    #[test]
    fn events_agree_with_the_lenient_parser() {
        let sample = json!({
            "id": "event_1", "object": "event", "type": "webset.idle",
            "data": {"id": "ws_1", "n": [1, 2.5, {"deep": null}]},
            "createdAt": "2025-01-01T00:00:00Z",
        });
        let huge: Value = serde_json::from_str(&format!("[{}]", "9".repeat(4301))).unwrap();
        let edits: Vec<(&str, Option<Value>)> = vec![
            ("object", None),
            ("object", Some(Value::Null)),
            ("type", Some(json!("webset.teleported"))),
            ("type", None),
            ("data", Some(json!([]))),
            ("data", Some(json!({"big": huge}))),
            ("createdAt", Some(json!("later"))),
            ("future", Some(json!({"a": 1}))),
            ("future", Some(huge.clone())),
        ];
        let mut cases = vec![sample.to_string()];
        for (key, value) in edits {
            let mut v = sample.clone();
            match value {
                Some(value) => v[key] = value,
                None => {
                    v.as_object_mut().map(|o| o.shift_remove(key));
                }
            }
            cases.push(v.to_string());
        }
        cases.push(r#"{"id":"a","id":"b"}"#.into());
        // `data` as sent, spaces and escapes kept; an escaped surrogate pair goes the slow way.
        let spaced = r#"{"id": "e", "type": "t", "data": { "s": "a\"b\u00e9", "n" : [ 1e2 ] },
            "createdAt": "2025-01-01T00:00:00Z"}"#;
        cases.push(spaced.into());
        cases.push(spaced.replace("u00e9", "ud83d\\ude00"));
        let mut fast_count = 0;
        for body in &cases {
            let slow = serde_json::from_str::<Value>(body)
                .ok()
                .and_then(|v| WebhookEvent::from_value(v).ok());
            if let Some(fast) = WebhookEvent::decode(body.as_bytes()) {
                fast_count += 1;
                assert!(slow.is_some_and(|slow| slow.same_value(&fast)), "{body}");
            }
        }
        // The sample, absent or null object, an unknown type, an unknown field, spaces.
        assert_eq!(fast_count, 6);
        let paired =
            WebhookEvent::from_value(serde_json::from_str(&cases[cases.len() - 1]).unwrap());
        assert_eq!(paired.unwrap().data.to_map()["s"], json!("a\"b\u{1f600}"));
    }
}
