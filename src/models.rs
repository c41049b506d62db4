//! The API's objects in Rust, parsed leniently: unknown fields and event types are kept, never
//! an error; missing or mistyped required fields are.

use crate::timefmt;
use crate::validation::FieldError;
use serde_json::{Map, Value};

/// A webhook as Exa returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    pub id: String,
    pub object: String,
    pub status: String,
    pub events: Vec<String>,
    pub url: String,
    pub secret: Option<String>,
    pub metadata: Vec<(String, String)>,
    pub created_at: String,
    pub updated_at: String,
    /// Fields this version does not know, kept so `to_json` gives back what the server sent.
    pub extra: Map<String, Value>,
}

const WEBHOOK_FIELDS: [&str; 9] = [
    "id",
    "object",
    "status",
    "events",
    "url",
    "secret",
    "metadata",
    "createdAt",
    "updatedAt",
];

/// Reads typed fields out of a JSON object, collecting every problem.
struct Fields<'a> {
    object: &'a Map<String, Value>,
    problems: Vec<FieldError>,
}

impl<'a> Fields<'a> {
    fn string(&mut self, key: &str) -> String {
        match self.object.get(key) {
            Some(Value::String(s)) => s.clone(),
            other => {
                self.problem(key, "a string", other);
                String::new()
            }
        }
    }

    fn string_or(&mut self, key: &str, default: &str) -> String {
        match self.object.get(key) {
            None | Some(Value::Null) => default.to_owned(),
            _ => self.string(key),
        }
    }

    fn optional_string(&mut self, key: &str) -> Option<String> {
        match self.object.get(key) {
            None | Some(Value::Null) => None,
            _ => Some(self.string(key)),
        }
    }

    fn timestamp(&mut self, key: &str) -> String {
        let value = self.string(key);
        if self.object.get(key).is_some_and(Value::is_string)
            && timefmt::parse_rfc3339(&value).is_none()
        {
            self.problems.push(FieldError::new(
                key,
                format!("is not an RFC 3339 date-time: {value:?}"),
            ));
        }
        value
    }

    fn string_list(&mut self, key: &str) -> Vec<String> {
        match self.object.get(key) {
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            other => {
                self.problem(key, "a list of strings", other);
                Vec::new()
            }
        }
    }

    fn string_map(&mut self, key: &str) -> Vec<(String, String)> {
        match self.object.get(key) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Object(map)) if map.values().all(Value::is_string) => map
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect(),
            other => {
                self.problem(key, "an object of strings", other);
                Vec::new()
            }
        }
    }

    fn extra(&self, known: &[&str]) -> Map<String, Value> {
        self.object
            .iter()
            .filter(|(k, _)| !known.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    fn problem(&mut self, key: &str, expected: &str, got: Option<&Value>) {
        let got = match got {
            None => "it is missing".to_owned(),
            Some(v) => format!("got {}", json_type(v)),
        };
        self.problems
            .push(FieldError::new(key, format!("should be {expected}, {got}")));
    }

    fn finish<T>(self, value: T) -> Result<T, Vec<FieldError>> {
        if self.problems.is_empty() {
            Ok(value)
        } else {
            Err(self.problems)
        }
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

impl Webhook {
    /// Parses the API's JSON shape; the error says every field that is wrong.
    pub fn from_json(value: &Value) -> Result<Self, Vec<FieldError>> {
        let Value::Object(object) = value else {
            let message = format!("should be an object, got {}", json_type(value));
            return Err(vec![FieldError::new("webhook", message)]);
        };
        let mut f = Fields {
            object,
            problems: Vec::new(),
        };
        let webhook = Webhook {
            id: f.string("id"),
            object: f.string_or("object", "webhook"),
            status: f.string("status"),
            events: f.string_list("events"),
            url: f.string("url"),
            secret: f.optional_string("secret"),
            metadata: f.string_map("metadata"),
            created_at: f.timestamp("createdAt"),
            updated_at: f.timestamp("updatedAt"),
            extra: f.extra(&WEBHOOK_FIELDS),
        };
        f.finish(webhook)
    }

    /// The API's JSON shape, extra fields included.
    pub fn to_json(&self) -> Value {
        let mut object = Map::with_capacity(WEBHOOK_FIELDS.len() + self.extra.len());
        object.insert("id".into(), self.id.clone().into());
        object.insert("object".into(), self.object.clone().into());
        object.insert("status".into(), self.status.clone().into());
        object.insert("events".into(), self.events.clone().into());
        object.insert("url".into(), self.url.clone().into());
        object.insert("secret".into(), self.secret.clone().into());
        let metadata: Map<String, Value> = self
            .metadata
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        object.insert("metadata".into(), metadata.into());
        object.insert("createdAt".into(), self.created_at.clone().into());
        object.insert("updatedAt".into(), self.updated_at.clone().into());
        for (k, v) in &self.extra {
            object.entry(k.clone()).or_insert_with(|| v.clone());
        }
        Value::Object(object)
    }
}

/// The body of a create request, already validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateWebhook {
    pub events: Vec<String>,
    pub url: String,
    pub metadata: Option<Vec<(String, String)>>,
}

impl CreateWebhook {
    pub fn to_json(&self) -> Value {
        let mut object = Map::new();
        object.insert("events".into(), self.events.clone().into());
        object.insert("url".into(), self.url.clone().into());
        if let Some(metadata) = &self.metadata {
            let map: Map<String, Value> = metadata
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            object.insert("metadata".into(), map.into());
        }
        Value::Object(object)
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

    #[test]
    fn create_body_omits_absent_metadata() {
        let body = CreateWebhook {
            events: vec!["webset.created".into()],
            url: "https://e.com".into(),
            metadata: None,
        };
        assert_eq!(
            body.to_json(),
            json!({"events": ["webset.created"], "url": "https://e.com"})
        );
    }
}
