//! The API's objects in Rust, parsed leniently: unknown fields and event types are kept, never
//! an error; missing or mistyped required fields are.

use crate::fields::{
    model, problem, Fallback, Flag, HeaderMap, Id, JsonObject, Kind, OptionalText, Text, TextList,
    TextMap, TextOr, Timestamp, Whole,
};
use crate::timefmt;
use crate::validation::FieldError;
use serde_json::{Map, Value};

/// `"webhook"`, `"webhook_attempt"`, `"event"`: an object's name when it is absent or null.
macro_rules! object_names {
    ($($marker:ident = $name:literal),*) => {
        $(
            pub struct $marker;
            impl Fallback for $marker {
                const VALUE: &'static str = $name;
            }
        )*
    };
}

object_names!(
    WebhookObject = "webhook",
    AttemptObject = "webhook_attempt",
    EventObject = "event"
);

model! {
    /// A webhook as Exa returns it.
    pub struct Webhook ("webhook") {
        id: Id = "id",
        object: TextOr<WebhookObject> = "object",
        status: Text = "status",
        events: TextList = "events",
        url: Text = "url",
        secret: OptionalText = "secret",
        metadata: TextMap = "metadata",
        created_at: Timestamp = "createdAt",
        updated_at: Timestamp = "updatedAt",
    }
}

model! {
    /// One delivery try of an event to a webhook, as Exa records it.
    pub struct WebhookAttempt ("attempt") {
        id: Id = "id",
        object: TextOr<AttemptObject> = "object",
        event_id: Text = "eventId",
        event_type: Text = "eventType",
        webhook_id: Text = "webhookId",
        url: Text = "url",
        successful: Flag = "successful",
        response_headers: HeaderMap = "responseHeaders",
        response_body: OptionalText = "responseBody",
        response_status_code: Whole = "responseStatusCode",
        attempt: Whole = "attempt",
        attempted_at: Timestamp = "attemptedAt",
    }
}

model! {
    /// An event as Exa delivers it (unknown types are fine: Exa adds them over time).
    pub struct WebhookEvent ("event") {
        id: Id = "id",
        object: TextOr<EventObject> = "object",
        event_type as "type": Text = "type",
        data: JsonObject = "data",
        created_at: Timestamp = "createdAt",
    }
}

/// Python's default limit on the digits of an int read from text
/// (`sys.int_info.default_max_str_digits`): a longer integer is refused when parsed.
pub const MAX_INT_DIGITS: usize = 4300;

/// Whether a JSON number's text is an integer (`-12`), which Python reads as an int, rather
/// than a float (`1.0`, `1e5`).
pub fn is_integer_literal(text: &str) -> bool {
    !text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E'))
}

/// The first number in `value` Python could not hold as `json.loads` would, with where it
/// is (`.a[2]`) and why. Values nest at most 128 deep (serde_json's limit), so the
/// recursion is bounded.
pub(crate) fn bad_number(value: &Value) -> Option<(String, &'static str)> {
    match value {
        Value::Number(n) if is_integer_literal(n.as_str()) => {
            (n.as_str().trim_start_matches('-').len() > MAX_INT_DIGITS)
                .then(|| (String::new(), "is an integer of more than 4300 digits"))
        }
        // serde_json's `as_f64` is None for a float beyond f64's range (`1e400`).
        Value::Number(n) => n
            .as_f64()
            .is_none()
            .then(|| (String::new(), "is a number out of range")),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            bad_number(item).map(|(path, why)| (format!("[{i}]{path}"), why))
        }),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            bad_number(item).map(|(path, why)| (format!(".{key}{path}"), why))
        }),
        _ => None,
    }
}

pub fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub has_more: bool,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Parses `{data, hasMore, nextCursor}`, each item with `parse`; problems name the item.
    pub fn from_value(
        value: Value,
        parse: impl Fn(Value) -> Result<T, Vec<FieldError>>,
    ) -> Result<Self, Vec<FieldError>> {
        let Value::Object(mut object) = value else {
            let message = format!("should be an object, got {}", json_type(&value));
            return Err(vec![FieldError::new("page", message)]);
        };
        let mut problems = Vec::new();
        let has_more = Flag::read(object.shift_remove("hasMore"), "hasMore", &mut problems);
        let next_cursor = OptionalText::read(
            object.shift_remove("nextCursor"),
            "nextCursor",
            &mut problems,
        )
        .filter(|c| !c.is_empty());
        let mut data = Vec::new();
        match object.shift_remove("data") {
            Some(Value::Array(items)) => {
                data.reserve(items.len());
                for (i, item) in items.into_iter().enumerate() {
                    match parse(item) {
                        Ok(parsed) => data.push(parsed),
                        Err(item_problems) => {
                            problems.extend(item_problems.into_iter().map(|p| {
                                FieldError::new(format!("data[{i}].{}", p.field), p.message)
                            }))
                        }
                    }
                }
            }
            other => problem(&mut problems, "data", "a list", other.as_ref()),
        }
        if problems.is_empty() {
            Ok(Page {
                data,
                has_more,
                next_cursor,
            })
        } else {
            Err(problems)
        }
    }

    /// `from_value` of a copy.
    pub fn from_json(
        value: &Value,
        parse: impl Fn(Value) -> Result<T, Vec<FieldError>>,
    ) -> Result<Self, Vec<FieldError>> {
        Self::from_value(value.clone(), parse)
    }
}

// Equality by value, as Python sees the attributes: dicts regardless of key order, date-times
// by instant, numbers by value (`1 == 1.0 == True`, as in Python). The derived `PartialEq`
// stays structural, for tests that want the exact shape.

/// A date-time (already validated) as microseconds since the epoch, the instant Python's
/// `datetime` compares and hashes by.
pub fn instant(rfc3339: &str) -> Option<i64> {
    timefmt::parse_rfc3339(rfc3339)
        .map(|dt| dt.unix_millis() * 1000 + i64::from(dt.microsecond % 1000))
}

pub(crate) fn same_instant(a: &str, b: &str) -> bool {
    match (instant(a), instant(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a == b,
    }
}

/// `(key, value)` pairs with distinct keys, compared as the dicts they become.
pub(crate) fn same_pairs(a: &[(String, String)], b: &[(String, String)]) -> bool {
    fn sorted(pairs: &[(String, String)]) -> Vec<&(String, String)> {
        let mut refs: Vec<&(String, String)> = pairs.iter().collect();
        refs.sort_unstable();
        refs
    }
    a.len() == b.len() && sorted(a) == sorted(b)
}

/// A number (or bool) as Python compares it: an exact integer, or a float with a fraction.
#[derive(PartialEq)]
enum Numeric<'a> {
    Int(std::borrow::Cow<'a, str>),
    Float(f64),
}

fn numeric(value: &Value) -> Option<Numeric<'_>> {
    use std::borrow::Cow;
    fn int(digits: Cow<'_, str>) -> Numeric<'_> {
        Numeric::Int(if digits == "-0" {
            Cow::Borrowed("0")
        } else {
            digits
        })
    }
    match value {
        Value::Bool(b) => Some(int(Cow::Borrowed(if *b { "1" } else { "0" }))),
        Value::Number(n) if is_integer_literal(n.as_str()) => Some(int(Cow::Borrowed(n.as_str()))),
        Value::Number(n) => {
            let f = n.as_f64()?;
            // A whole float equals the int of the same value: its exact digits.
            Some(if f.fract() == 0.0 {
                int(Cow::Owned(format!("{f:.0}")))
            } else {
                Numeric::Float(f)
            })
        }
        _ => None,
    }
}

/// Two JSON values as equal as the Python objects they become.
pub fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::String(a), Value::String(b)) => a == b,
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same_json(a, b))
        }
        (Value::Object(a), Value::Object(b)) => same_object(a, b),
        _ => matches!((numeric(a), numeric(b)), (Some(a), Some(b)) if a == b),
    }
}

pub(crate) fn same_object(a: &Map<String, Value>, b: &Map<String, Value>) -> bool {
    a.len() == b.len()
        && a.iter()
            .all(|(key, value)| b.get(key).is_some_and(|other| same_json(value, other)))
}

/// The body of a create request, already validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateWebhook {
    pub events: Vec<String>,
    pub url: String,
    pub metadata: Option<Vec<(String, String)>>,
}

/// Serialized straight to bytes, with no `Value` in between.
impl serde::Serialize for CreateWebhook {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("events", &self.events)?;
        map.serialize_entry("url", &self.url)?;
        if let Some(metadata) = &self.metadata {
            map.serialize_entry("metadata", &Pairs(metadata))?;
        }
        map.end()
    }
}

/// `(key, value)` pairs as a JSON object, in their order.
struct Pairs<'a>(&'a [(String, String)]);

impl serde::Serialize for Pairs<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

/// The body of an update (PATCH): only the fields given are sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdateWebhook {
    pub events: Option<Vec<String>>,
    pub url: Option<String>,
    pub metadata: Option<Vec<(String, String)>>,
}

impl serde::Serialize for UpdateWebhook {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        if let Some(events) = &self.events {
            map.serialize_entry("events", events)?;
        }
        if let Some(url) = &self.url {
            map.serialize_entry("url", url)?;
        }
        if let Some(metadata) = &self.metadata {
            map.serialize_entry("metadata", &Pairs(metadata))?;
        }
        map.end()
    }
}

/// Paging and filters of a listing, already validated; absent ones are not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// Attempts only.
    pub event_type: Option<String>,
    /// Attempts only; sent as lowercase `true`/`false`.
    pub successful: Option<bool>,
}

impl ListQuery {
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if let Some(cursor) = &self.cursor {
            pairs.push(("cursor", cursor.clone()));
        }
        if let Some(limit) = self.limit {
            pairs.push(("limit", limit.to_string()));
        }
        if let Some(event_type) = &self.event_type {
            pairs.push(("eventType", event_type.clone()));
        }
        if let Some(successful) = self.successful {
            pairs.push(("successful", successful.to_string()));
        }
        pairs
    }
}

/// The filters and paging of an events listing, already validated; absent ones are not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventQuery {
    /// Sent as repeated `types=` keys, as exa-py sends them.
    pub types: Vec<String>,
    /// RFC 3339, in UTC; both bounds inclusive.
    pub created_after: Option<String>,
    pub created_before: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

impl EventQuery {
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs: Vec<(&'static str, String)> =
            self.types.iter().map(|t| ("types", t.clone())).collect();
        if let Some(after) = &self.created_after {
            pairs.push(("createdAfter", after.clone()));
        }
        if let Some(before) = &self.created_before {
            pairs.push(("createdBefore", before.clone()));
        }
        if let Some(cursor) = &self.cursor {
            pairs.push(("cursor", cursor.clone()));
        }
        if let Some(limit) = self.limit {
            pairs.push(("limit", limit.to_string()));
        }
        pairs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Value {
        json!({
            "id": "wh_123",
            "object": "webhook",
            "status": "active",
            "events": ["webset.created", "webset.future.event"],
            "url": "https://example.com/h",
            "secret": "whsec_abc",
            "metadata": {"team": "growth"},
            "createdAt": "2023-11-07T05:31:56Z",
            "updatedAt": "2023-11-07T05:31:56.000Z",
            "newField": [1, 2]
        })
    }

    #[test]
    fn parses_and_round_trips_with_unknown_fields() {
        let webhook = Webhook::from_json(&sample()).unwrap();
        assert_eq!(webhook.events[1], "webset.future.event");
        assert_eq!(webhook.secret.as_deref(), Some("whsec_abc"));
        assert_eq!(webhook.metadata, [("team".to_owned(), "growth".to_owned())]);
        assert_eq!(webhook.extra["newField"], json!([1, 2]));
        assert_eq!(webhook.to_json(), sample());
    }

    #[test]
    fn tolerates_absent_metadata_null_secret_and_object() {
        let mut value = sample();
        let object = value.as_object_mut().unwrap();
        object.remove("metadata");
        object.remove("object");
        object.insert("secret".into(), Value::Null);
        let webhook = Webhook::from_json(&value).unwrap();
        assert!(webhook.metadata.is_empty());
        assert_eq!(webhook.secret, None);
        assert_eq!(webhook.object, "webhook");
    }

    #[test]
    fn reports_every_wrong_field() {
        let mut value = sample();
        let object = value.as_object_mut().unwrap();
        object.remove("id");
        object.insert("events".into(), json!("webset.created"));
        object.insert("createdAt".into(), json!("yesterday"));
        let error: Vec<String> = Webhook::from_json(&value)
            .unwrap_err()
            .iter()
            .map(|e| format!("'{}' {}", e.field, e.message))
            .collect();
        let error = error.join("; ");
        assert!(
            error.contains("'id' should be a string, it is missing"),
            "{error}"
        );
        assert!(
            error.contains("'events' should be a list of strings, got a string"),
            "{error}"
        );
        assert!(
            error.contains("'createdAt' is not an RFC 3339 date-time"),
            "{error}"
        );
        assert!(Webhook::from_json(&json!([])).is_err());
    }

    fn attempt_sample() -> Value {
        json!({
            "id": "att_1",
            "object": "webhook_attempt",
            "eventId": "evt_1",
            "eventType": "webset.created",
            "webhookId": "webhook_1",
            "url": "https://example.com/h",
            "successful": false,
            "responseHeaders": {"content-type": "text/plain"},
            "responseBody": "nope",
            "responseStatusCode": 500,
            "attempt": 2,
            "attemptedAt": "2025-01-01T00:00:00.000Z"
        })
    }

    #[test]
    fn attempts_parse_and_round_trip() {
        let attempt = WebhookAttempt::from_json(&attempt_sample()).unwrap();
        assert_eq!(attempt.response_status_code, 500);
        assert_eq!(attempt.attempt, 2);
        assert!(!attempt.successful);
        assert_eq!(attempt.to_json(), attempt_sample());

        let mut float_numbers = attempt_sample();
        float_numbers["responseStatusCode"] = json!(200.0);
        float_numbers["responseBody"] = Value::Null;
        let attempt = WebhookAttempt::from_json(&float_numbers).unwrap();
        assert_eq!(attempt.response_status_code, 200);
        assert_eq!(attempt.response_body, None);

        let mut bad = attempt_sample();
        bad["attempt"] = json!(1.5);
        bad["successful"] = json!("yes");
        let fields: Vec<String> = WebhookAttempt::from_json(&bad)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["successful", "attempt"]);
    }

    #[test]
    fn pages_parse_and_name_bad_items() {
        let page = json!({"data": [sample(), sample()], "hasMore": true, "nextCursor": "c2"});
        let page = Page::from_json(&page, Webhook::from_value).unwrap();
        assert_eq!(page.data.len(), 2);
        assert!(page.has_more);
        assert_eq!(page.next_cursor.as_deref(), Some("c2"));

        let last = json!({"data": [], "hasMore": false, "nextCursor": null});
        let last = Page::from_json(&last, Webhook::from_value).unwrap();
        assert_eq!((last.data.len(), last.next_cursor), (0, None));

        let mut broken = sample();
        broken.as_object_mut().unwrap().remove("url");
        let bad = json!({"data": [sample(), broken], "hasMore": "no"});
        let fields: Vec<String> = Page::from_json(&bad, Webhook::from_value)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["hasMore", "data[1].url"]);
    }

    #[test]
    fn events_parse_with_unknown_types_and_refuse_other_shapes() {
        let body = json!({
            "id": "evt_1", "object": "event", "type": "webset.teleported",
            "data": {"id": "ws_1"}, "createdAt": "2025-01-01T00:00:00Z", "extra": true
        });
        let event = WebhookEvent::from_json(&body).unwrap();
        assert_eq!(event.event_type, "webset.teleported");
        assert_eq!(event.to_json(), body);
        let fields: Vec<String> = WebhookEvent::from_json(&json!({"type": 1, "data": []}))
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["id", "type", "data", "createdAt"]);
        assert!(WebhookEvent::from_json(&json!("event")).is_err());
    }

    #[test]
    fn events_given_up_parse_as_borrowed_ones_and_name_bad_numbers_in_data() {
        let body = json!({
            "id": "evt_1", "type": "webset.idle", "createdAt": "2025-01-01T00:00:00Z",
            "data": {"id": "ws_1", "nested": {"n": [1, 2.5]}}, "more": {"k": "v"}
        });
        let moved = WebhookEvent::from_value(body.clone()).unwrap();
        assert_eq!(moved, WebhookEvent::from_json(&body).unwrap());
        assert_eq!(moved.data.to_map()["nested"], json!({"n": [1, 2.5]}));
        assert_eq!(moved.extra["more"], json!({"k": "v"}));
        let huge = format!("{{\"n\": [0, {}]}}", "9".repeat(4301));
        let data: Value = serde_json::from_str(&huge).unwrap();
        let problems = WebhookEvent::from_value(json!({
            "id": "evt_1", "type": "webset.idle", "createdAt": "2025-01-01T00:00:00Z",
            "data": {"ok": 1, "deep": data}
        }))
        .unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "data.deep.n[1]");
    }

    #[test]
    fn event_queries_repeat_types_and_skip_what_is_absent() {
        assert!(EventQuery::default().pairs().is_empty());
        let query = EventQuery {
            types: vec!["webset.created".into(), "webset.idle".into()],
            created_after: Some("2025-01-01T00:00:00.000Z".into()),
            limit: Some(5),
            ..EventQuery::default()
        };
        let pairs = query.pairs();
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            pairs,
            [
                ("types", "webset.created"),
                ("types", "webset.idle"),
                ("createdAfter", "2025-01-01T00:00:00.000Z"),
                ("limit", "5"),
            ]
        );
    }

    #[test]
    fn equality_is_by_value_as_python_sees_it() {
        // The sample with one field set to a value.
        let webhook = |key: &str, value: Value| {
            let mut body = sample();
            body["metadata"] = json!({"a": "1", "b": "2"});
            body[key] = value;
            Webhook::from_json(&body).unwrap()
        };
        let base = webhook("id", json!("wh_123"));
        for (key, value) in [
            ("metadata", json!({"b": "2", "a": "1"})),
            ("createdAt", json!("2023-11-07T06:31:56.000+01:00")),
            ("updatedAt", json!("2023-11-07T05:31:56.0000009Z")),
            ("newField", json!([1.0, 2])),
        ] {
            let other = webhook(key, value);
            assert_ne!(other, base, "structurally different");
            assert!(other.same_value(&base) && base.same_value(&other));
        }
        for (key, value) in [
            ("metadata", json!({"a": "1"})),
            ("createdAt", json!("2023-11-07T05:31:56.001Z")),
            ("newField", json!([2, 1])),
        ] {
            assert!(!webhook(key, value).same_value(&base));
        }
    }

    #[test]
    fn json_numbers_compare_as_python_numbers() {
        let parse = |text: &str| serde_json::from_str::<Value>(text).unwrap();
        for (a, b) in [
            ("1", "1.0"),
            ("1", "true"),
            ("0", "-0"),
            ("0", "-0.0"),
            ("false", "0e5"),
            ("100", "1e2"),
            ("123456789012345677877719597056", "1.2345678901234568e+29"),
            (
                r#"{"a": [1, {"b": 2}], "c": null}"#,
                r#"{"c": null, "a": [1.0, {"b": 2}]}"#,
            ),
        ] {
            assert!(same_json(&parse(a), &parse(b)), "{a} == {b}");
        }
        for (a, b) in [
            ("123456789012345678901234567890", "1.2345678901234568e+29"),
            ("18446744073709551617", "18446744073709551616"),
            ("0.5", "1"),
            ("null", "0"),
            ("\"1\"", "1"),
            ("[1, 2]", "[2, 1]"),
            (r#"{"a": 1}"#, r#"{"a": 1, "b": 1}"#),
        ] {
            assert!(!same_json(&parse(a), &parse(b)), "{a} != {b}");
        }
    }

    #[test]
    fn numbers_keep_their_kind_and_digits() {
        // Integers beyond 64 bits keep every digit (serde_json's arbitrary_precision).
        let big: Value = serde_json::from_str("[-123456789012345678901234567890]").unwrap();
        assert_eq!(big.to_string(), "[-123456789012345678901234567890]");
        // A float, however whole, is written so that it reads back as a float.
        for f in [1.0, -0.0, 1e16, 1e300, 123456789.0, 5e-324] {
            let text = serde_json::Number::from_f64(f).unwrap().to_string();
            assert!(!is_integer_literal(&text), "{f} written as {text}");
            assert_eq!(text.parse::<f64>().unwrap(), f);
        }
        assert!(is_integer_literal("-0") && !is_integer_literal("1E5"));
    }

    #[test]
    fn numbers_python_cannot_hold_are_refused() {
        let event = |data: &str| {
            let body = format!(
                r#"{{"id":"e","type":"t","createdAt":"2025-01-01T00:00:00Z","data":{data},"x":{data}}}"#
            );
            WebhookEvent::from_json(&serde_json::from_str(&body).unwrap())
        };
        let digits = "7".repeat(MAX_INT_DIGITS);
        assert!(event(&format!(r#"{{"n": [-{digits}, 1e308]}}"#)).is_ok());
        let problems: Vec<String> = event(&format!(r#"{{"a": {{"n": [0, {digits}7]}}}}"#))
            .unwrap_err()
            .into_iter()
            .map(|p| format!("{}: {}", p.field, p.message))
            .collect();
        assert_eq!(
            problems,
            [
                "data.a.n[1]: is an integer of more than 4300 digits",
                "x.a.n[1]: is an integer of more than 4300 digits"
            ]
        );
        let problems = event(r#"{"f": 1e400}"#).unwrap_err();
        assert_eq!(problems[0].message, "is a number out of range");
    }

    #[test]
    fn update_body_has_only_given_fields() {
        let body = UpdateWebhook {
            url: Some("https://e.com".into()),
            metadata: Some(Vec::new()),
            ..UpdateWebhook::default()
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({"url": "https://e.com", "metadata": {}})
        );
    }

    #[test]
    fn create_body_omits_absent_metadata() {
        let body = CreateWebhook {
            events: vec!["webset.created".into()],
            url: "https://e.com".into(),
            metadata: None,
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({"events": ["webset.created"], "url": "https://e.com"})
        );
        let body = CreateWebhook {
            metadata: Some(vec![("z".into(), "1".into()), ("a".into(), "\"2\"".into())]),
            ..body
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"events":["webset.created"],"url":"https://e.com","metadata":{"z":"1","a":"\"2\""}}"#
        );
    }
}
