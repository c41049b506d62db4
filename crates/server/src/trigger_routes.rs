//! `POST /_exa-webhooks/trigger`: ExaServer's testing-only way to be asked over HTTP for what
//! `Server::emit` does (store an event, deliver it to the subscribed webhooks). The real Exa
//! has no such route; every answer here carries `SERVER_HEADER`, so a client can tell ExaServer
//! from anything else at that address.

use super::publish;
use super::resources;
use super::routes::Answer;
use super::store::State;
use exa_webhooks_core::events;
use exa_webhooks_core::models::WebhookEvent;
use exa_webhooks_core::raw::RawObject;
use exa_webhooks_core::timefmt;
use exa_webhooks_core::validation::FieldError;
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Duration;

pub const TRIGGER_PATH: &str = "/_exa-webhooks/trigger";
pub const SERVER_HEADER: &str = "exa-webhooks-server";
/// Each delivery waits at most this long, as `ExaServer.emit`'s default.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// Parses `{"type": ..., "data": {...}?}`, stores the event, delivers it, answers the event.
pub async fn trigger(state: &Arc<State>, body: &[u8]) -> Answer {
    let (event_type, data) = match parse(body) {
        Ok(parsed) => parsed,
        Err(errors) => return Answer::invalid(&errors),
    };
    let created_at = timefmt::now_millis().saturating_mul(1000);
    let now = timefmt::format_micros(created_at);
    let data = data.unwrap_or_else(|| {
        let new_id = |prefix: &str| state.new_id(prefix, 24);
        match resources::default_data(&event_type, &new_id, &now) {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    });
    let event = WebhookEvent {
        id: state.new_id("event_", 24),
        object: "event".into(),
        event_type: event_type.clone(),
        data: RawObject::from_map(&data),
        created_at: now,
        extra: Map::new(),
    };
    let event = state.events().insert(created_at, event);
    // Delivered like `emit`'s, tries and allowed hosts as the server's settings say.
    for handle in publish::spawn(state, &event, 1, DELIVERY_TIMEOUT) {
        // A task ends early only when the server is stopping; its tries are recorded.
        let _ = handle.await;
    }
    Answer::ok(event.to_json())
}

/// An event type, and the data asked for (None: a sample).
type Trigger = (String, Option<Map<String, Value>>);

fn parse(body: &[u8]) -> Result<Trigger, Vec<FieldError>> {
    let mut map = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => map,
        _ => return Err(vec![FieldError::new("body", "must be a JSON object")]),
    };
    let mut errors = Vec::new();
    let event_type = match map.remove("type") {
        Some(Value::String(t)) if events::is_known(&t) => t,
        Some(Value::String(t)) => {
            errors.push(FieldError::new("type", format!("unknown event type {t:?}")));
            String::new()
        }
        _ => {
            errors.push(FieldError::new("type", "is required: an event type"));
            String::new()
        }
    };
    let data = match map.remove("data") {
        None | Some(Value::Null) => None,
        Some(Value::Object(data)) => Some(data),
        Some(_) => {
            errors.push(FieldError::new("data", "must be a JSON object"));
            None
        }
    };
    if errors.is_empty() {
        Ok((event_type, data))
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_type_and_data() {
        let (t, d) = parse(br#"{"type": "webset.idle", "data": {"id": "w"}}"#).unwrap();
        assert_eq!(t, "webset.idle");
        assert_eq!(d.unwrap()["id"], "w");
        assert!(parse(br#"{"type": "webset.idle"}"#).unwrap().1.is_none());
    }

    #[test]
    fn lists_every_problem() {
        let errors = parse(br#"{"type": "webset.nope", "data": 3}"#).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["type", "data"]);
        assert_eq!(parse(b"[]").unwrap_err()[0].field, "body");
    }
}
