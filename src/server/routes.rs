//! Exa's Webhooks endpoints: auth, validation and answers in Exa's shapes.

use super::store::{RecordedRequest, State};
use crate::models::Webhook;
use crate::timefmt;
use crate::validation::{self, FieldError};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{json, Map, Value};

const WEBHOOKS_PATH: &str = "/websets/v0/webhooks";
/// Larger request bodies get 413: no valid webhook request comes close.
const MAX_REQUEST_BYTES: usize = 1024 * 1024;

/// An answer before it is serialized: status and JSON body.
struct Answer {
    status: StatusCode,
    body: Value,
}

impl Answer {
    fn ok(body: Value) -> Self {
        Self {
            status: StatusCode::OK,
            body,
        }
    }

    /// Exa's documented error shape; `requestId` is filled in by `handle`.
    fn error(status: StatusCode, message: impl Into<String>, tag: &str) -> Self {
        Self {
            status,
            body: json!({"error": message.into(), "tag": tag}),
        }
    }

    fn invalid(errors: &[FieldError]) -> Self {
        let messages: Vec<String> = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        Self::error(
            StatusCode::BAD_REQUEST,
            messages.join("; "),
            "INVALID_REQUEST_BODY",
        )
    }
}

pub async fn handle(state: &State, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let request_id = state.new_id("req_", 20);
    let (parts, body) = request.into_parts();
    let answer = match Limited::new(body, MAX_REQUEST_BYTES).collect().await {
        Ok(collected) => {
            let body = collected.to_bytes();
            let answer = route(state, &parts, &body);
            state.record(RecordedRequest {
                method: parts.method.to_string(),
                path: parts.uri.path().to_owned(),
                query: parts.uri.query().map(str::to_owned),
                headers: parts
                    .headers
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.as_str().to_owned(),
                            String::from_utf8_lossy(v.as_bytes()).into_owned(),
                        )
                    })
                    .collect(),
                body: body.to_vec(),
            });
            answer
        }
        Err(_) => Answer::error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body larger than {MAX_REQUEST_BYTES} bytes"),
            "PAYLOAD_TOO_LARGE",
        ),
    };
    respond(answer, &request_id)
}

fn respond(answer: Answer, request_id: &str) -> Response<Full<Bytes>> {
    let mut body = answer.body;
    if answer.status.is_client_error() || answer.status.is_server_error() {
        if let Value::Object(map) = &mut body {
            map.insert("requestId".into(), request_id.into());
        }
    }
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = answer.status;
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    if let Ok(id) = HeaderValue::from_str(request_id) {
        headers.insert("x-request-id", id);
    }
    response
}

fn authorized(state: &State, parts: &hyper::http::request::Parts) -> bool {
    let key = state.api_key().as_bytes();
    let header = |name| parts.headers.get(name).map(HeaderValue::as_bytes);
    let bearer = header(AUTHORIZATION.as_str()).and_then(|v| v.strip_prefix(b"Bearer "));
    header("x-api-key") == Some(key) || bearer == Some(key)
}

fn route(state: &State, parts: &hyper::http::request::Parts, body: &[u8]) -> Answer {
    let path = parts.uri.path();
    let not_found = || {
        Answer::error(
            StatusCode::NOT_FOUND,
            format!("Cannot {} {path}", parts.method),
            "NOT_FOUND",
        )
    };
    if !path.starts_with("/websets/") {
        return not_found();
    }
    if !authorized(state, parts) {
        let message = if parts.headers.contains_key("x-api-key")
            || parts.headers.contains_key(AUTHORIZATION)
        {
            "Invalid API key"
        } else {
            "Missing API key: send it in the x-api-key header"
        };
        return Answer::error(StatusCode::UNAUTHORIZED, message, "INVALID_API_KEY");
    }
    match (&parts.method, path.trim_end_matches('/')) {
        (&Method::POST, WEBHOOKS_PATH) => create(state, body),
        _ => not_found(),
    }
}

/// Reads a JSON request body as an object.
fn json_object(body: &[u8]) -> Result<Map<String, Value>, Answer> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Answer::invalid(&[FieldError::new(
            "body",
            "must be a JSON object",
        )])),
        Err(e) => Err(Answer::invalid(&[FieldError::new(
            "body",
            format!("is not valid JSON ({e})"),
        )])),
    }
}

/// The spec's constraints on `events`, `url` and `metadata`, each optional here.
fn check_fields(body: &Map<String, Value>, errors: &mut Vec<FieldError>) {
    match body.get("events") {
        None => {}
        Some(Value::Array(items)) => {
            let names: Vec<String> = items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| match item {
                    Value::String(s) => Some(s.clone()),
                    _ => {
                        errors.push(FieldError::new(format!("events[{i}]"), "must be a string"));
                        None
                    }
                })
                .collect();
            if names.len() == items.len() {
                validation::validate_event_names(&names, errors);
            }
        }
        Some(_) => errors.push(FieldError::new("events", "must be an array")),
    }
    match body.get("url") {
        None => {}
        Some(Value::String(url)) => validation::validate_url("url", url, errors),
        Some(_) => errors.push(FieldError::new("url", "must be a string")),
    }
    match body.get("metadata") {
        None => {}
        Some(Value::Object(map)) => {
            let mut pairs = Vec::with_capacity(map.len());
            for (key, value) in map {
                match value {
                    Value::String(v) => pairs.push((key.clone(), v.clone())),
                    _ => errors.push(FieldError::new(
                        format!("metadata[{}]", validation::quote(key)),
                        "must be a string",
                    )),
                }
            }
            validation::validate_metadata(&pairs, errors);
        }
        Some(_) => errors.push(FieldError::new("metadata", "must be an object of strings")),
    }
}

fn create(state: &State, body: &[u8]) -> Answer {
    let body = match json_object(body) {
        Ok(body) => body,
        Err(answer) => return answer,
    };
    let mut errors = Vec::new();
    for required in ["events", "url"] {
        if !body.contains_key(required) {
            errors.push(FieldError::new(required, "is required"));
        }
    }
    check_fields(&body, &mut errors);
    if !errors.is_empty() {
        return Answer::invalid(&errors);
    }
    let strings = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let now = timefmt::format_millis(timefmt::now_millis());
    let webhook = Webhook {
        id: state.new_id("webhook_", 24),
        object: "webhook".into(),
        status: "active".into(),
        events: strings(body.get("events")),
        url: body
            .get("url")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        secret: Some(state.new_secret()),
        metadata: body
            .get("metadata")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default(),
        created_at: now.clone(),
        updated_at: now,
        extra: Map::new(),
    };
    let answer = Answer::ok(webhook.to_json());
    state.webhooks().insert(webhook);
    answer
}
