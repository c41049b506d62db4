//! Exa's Webhooks endpoints: auth, validation and answers in Exa's shapes.

use super::event_routes;
use super::faults::Action;
use super::store::{AttemptFilter, Full, Listing, RecordedRequest, State};
use super::trigger_routes;
use exa_webhooks_core::models::{Webhook, WebhookAttempt};
use exa_webhooks_core::timefmt;
use exa_webhooks_core::validation::{self, FieldError};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full as FullBody, LengthLimitError, Limited};
use hyper::body::{Bytes, Frame, Incoming};
use hyper::header::{HeaderValue, AUTHORIZATION, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use percent_encoding::percent_decode_str;
use serde_json::{json, Map, Value};
use std::io;
use std::time::Duration;

const WEBHOOKS_PATH: &str = "/websets/v0/webhooks";
/// Larger request bodies get 413: no valid webhook request comes close.
const MAX_REQUEST_BYTES: usize = 1024 * 1024;
/// What is read of a refused request's body, to keep its connection usable.
const MAX_DRAINED_BYTES: usize = 64 * 1024;
/// hyper's read buffer, which a request head must fit in (else 431).
pub const MAX_HEAD_BYTES: usize = 64 * 1024;

/// An answer before it is serialized: status and JSON body.
pub(super) struct Answer {
    status: StatusCode,
    pub(super) body: Value,
}

impl Answer {
    pub(super) fn ok(body: Value) -> Self {
        Self {
            status: StatusCode::OK,
            body,
        }
    }

    /// Exa's documented error shape; `requestId` is filled in by `handle`.
    pub(super) fn error(status: StatusCode, message: impl Into<String>, tag: &str) -> Self {
        Self {
            status,
            body: json!({"error": message.into(), "tag": tag}),
        }
    }

    pub(super) fn invalid(errors: &[FieldError]) -> Self {
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

pub type Body = BoxBody<Bytes, io::Error>;

/// Serves one request. An `Err` makes hyper drop the connection without an answer, which is
/// how a scripted `Reset` fault looks to the client. What it will not serve (unknown paths,
/// no valid key, bodies too large or too slow) is refused before its body is read, and is
/// neither recorded nor handed to a fault.
pub async fn handle(
    state: &std::sync::Arc<State>,
    request: Request<Incoming>,
    body_timeout: Duration,
) -> Result<Response<Body>, io::Error> {
    let request_id = state.new_id("req_", 20);
    let (parts, body) = request.into_parts();
    // exa-py asks for `/websets//v0/webhooks`; Exa's gateway tolerates it, so do we.
    let path = collapse_slashes(parts.uri.path());
    if let Some(refusal) = refusal(state, &parts, &path) {
        // The trigger route says whose it is even to a wrong key, so `trigger` can tell.
        let ours = [(trigger_routes::SERVER_HEADER.into(), "ExaServer".into())];
        let extra: &[(String, String)] = if path == trigger_routes::TRIGGER_PATH {
            &ours
        } else {
            &[]
        };
        let answer = respond(refusal, &request_id, extra);
        // Read and dropped, never kept: a small body leaves the connection usable.
        return Ok(if drained(body, body_timeout).await {
            answer
        } else {
            closing(answer)
        });
    }
    let too_large = || {
        let answer = Answer::error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body larger than {MAX_REQUEST_BYTES} bytes"),
            "PAYLOAD_TOO_LARGE",
        );
        closing(respond(answer, &request_id, &[]))
    };
    // A declared length over the limit is refused before a byte of it is read (and before
    // any `100 Continue`, which hyper sends only once the body is asked for).
    if usize::try_from(hyper::body::Body::size_hint(&body).lower())
        .map_or(true, |declared| declared > MAX_REQUEST_BYTES)
    {
        return Ok(too_large());
    }
    let body = match tokio::time::timeout(
        body_timeout,
        Limited::new(body, MAX_REQUEST_BYTES).collect(),
    )
    .await
    {
        Ok(Ok(collected)) => collected.to_bytes(),
        // The client went away mid-body: nothing to answer.
        Ok(Err(e)) if !e.is::<LengthLimitError>() => {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, e.to_string()));
        }
        Ok(Err(_)) => return Ok(too_large()),
        Err(_) => {
            let answer = Answer::error(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "request body not received within {} s",
                    body_timeout.as_secs_f64()
                ),
                "REQUEST_TIMEOUT",
            );
            return Ok(closing(respond(answer, &request_id, &[])));
        }
    };
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
    if path == trigger_routes::TRIGGER_PATH {
        let answer = if parts.method != Method::POST {
            Answer::error(
                StatusCode::METHOD_NOT_ALLOWED,
                "use POST",
                "METHOD_NOT_ALLOWED",
            )
        } else if !authorized(state, &parts) {
            Answer::error(
                StatusCode::UNAUTHORIZED,
                "Invalid API key",
                "INVALID_API_KEY",
            )
        } else {
            trigger_routes::trigger(state, &body).await
        };
        let server = (trigger_routes::SERVER_HEADER.into(), "ExaServer".into());
        return Ok(respond(answer, &request_id, &[server]));
    }
    let fault = state.faults().take(parts.method.as_str(), &path);
    let Some(fault) = fault else {
        return Ok(respond(
            route(state, &parts, &path, &body),
            &request_id,
            &[],
        ));
    };
    // Processed first, so a client that gives up during the delay still left its mark.
    let processed = fault
        .after_processing
        .then(|| route(state, &parts, &path, &body));
    if !fault.delay.is_zero() {
        tokio::time::sleep(fault.delay).await;
    }
    match fault.action {
        Action::Normal => Ok(respond(
            processed.unwrap_or_else(|| route(state, &parts, &path, &body)),
            &request_id,
            &[],
        )),
        Action::Respond {
            status,
            body,
            headers,
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let answer = match body {
                Some(text) => match serde_json::from_str(&text) {
                    Ok(json) => Answer { status, body: json },
                    // Not JSON (an HTML error page from a proxy...): sent exactly as given.
                    Err(_) => {
                        let text_type = [(CONTENT_TYPE.as_str().to_owned(), TEXT.to_owned())];
                        let extra: Vec<_> = text_type.into_iter().chain(headers).collect();
                        return Ok(response(status, text.into(), &request_id, &extra));
                    }
                },
                None => Answer::error(
                    status,
                    status.canonical_reason().unwrap_or("Injected fault"),
                    "INJECTED_FAULT",
                ),
            };
            Ok(respond(answer, &request_id, &headers))
        }
        Action::Reset => Err(io::Error::new(
            io::ErrorKind::ConnectionReset,
            "injected reset",
        )),
        Action::Hang => std::future::pending().await,
        Action::Truncate => {
            let answer = processed.unwrap_or_else(|| route(state, &parts, &path, &body));
            Ok(truncated(respond(answer, &request_id, &[])).await)
        }
    }
}

/// The same answer, its body cut in half and the connection broken after it.
async fn truncated(response: Response<Body>) -> Response<Body> {
    let (mut parts, body) = response.into_parts();
    let full = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    parts
        .headers
        .insert(CONTENT_LENGTH, HeaderValue::from(full.len()));
    let half = full.slice(..full.len() / 2);
    let frames = Frames(
        vec![
            Ok(Frame::data(half)),
            Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "injected truncation",
            )),
        ]
        .into_iter(),
    );
    Response::from_parts(parts, BodyExt::boxed(frames))
}

/// A body of frames that are all ready: here, half an answer and then an error.
struct Frames(std::vec::IntoIter<Result<Frame<Bytes>, io::Error>>);

impl hyper::body::Body for Frames {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        std::task::Poll::Ready(self.0.next())
    }
}

const TEXT: &str = "text/plain; charset=utf-8";

fn respond(answer: Answer, request_id: &str, extra: &[(String, String)]) -> Response<Body> {
    let mut body = answer.body;
    if answer.status.is_client_error() || answer.status.is_server_error() {
        if let Value::Object(map) = &mut body {
            map.insert("requestId".into(), request_id.into());
        }
    }
    response(answer.status, body.to_string().into(), request_id, extra)
}

/// A JSON answer unless `extra` (applied last) says otherwise.
fn response(
    status: StatusCode,
    body: Bytes,
    request_id: &str,
    extra: &[(String, String)],
) -> Response<Body> {
    let full = FullBody::new(body).map_err(|never| match never {});
    let mut response = Response::new(BodyExt::boxed(full));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    if let Ok(id) = HeaderValue::from_str(request_id) {
        headers.insert("x-request-id", id);
    }
    for (name, value) in extra {
        if let (Ok(name), Ok(value)) = (
            hyper::header::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.insert(name, value);
        }
    }
    response
}

fn authorized(state: &State, parts: &hyper::http::request::Parts) -> bool {
    let key = state.api_key().as_bytes();
    let header = |name| parts.headers.get(name).map(HeaderValue::as_bytes);
    let bearer = header(AUTHORIZATION.as_str()).and_then(|v| v.strip_prefix(b"Bearer "));
    header("x-api-key") == Some(key) || bearer == Some(key)
}

fn not_found(parts: &hyper::http::request::Parts, path: &str) -> Answer {
    Answer::error(
        StatusCode::NOT_FOUND,
        format!("Cannot {} {path}", parts.method),
        "NOT_FOUND",
    )
}

/// The answer to a request outside the API or without a valid key, if it is one.
fn refusal(state: &State, parts: &hyper::http::request::Parts, path: &str) -> Option<Answer> {
    if !path.starts_with("/websets/") && path != trigger_routes::TRIGGER_PATH {
        return Some(not_found(parts, path));
    }
    if authorized(state, parts) {
        return None;
    }
    let sent_key =
        parts.headers.contains_key("x-api-key") || parts.headers.contains_key(AUTHORIZATION);
    let message = if sent_key {
        "Invalid API key"
    } else {
        "Missing API key: send it in the x-api-key header"
    };
    Some(Answer::error(
        StatusCode::UNAUTHORIZED,
        message,
        "INVALID_API_KEY",
    ))
}

/// The answer to a connection past `max_connections`: nothing is done, so any client may
/// retry it (even a create). The head is read first, and a little of the body, so the
/// client sees the answer rather than a reset.
pub async fn too_many_connections(
    state: &State,
    request: Request<Incoming>,
    max_connections: usize,
) -> Response<Body> {
    drained(request.into_body(), Duration::from_secs(1)).await;
    let answer = Answer::error(
        StatusCode::SERVICE_UNAVAILABLE,
        format!(
            "Too many connections: this test server serves at most {max_connections} at once \
             (its max_connections); try again shortly"
        ),
        "SERVICE_OVERLOADED",
    );
    let retry = [("retry-after".to_owned(), "1".to_owned())];
    closing(respond(answer, &state.new_id("req_", 20), &retry))
}

/// Reads a refused request's body to its end without keeping it; false if it is larger than
/// a request needs to be, or too slow.
async fn drained(body: Incoming, timeout: Duration) -> bool {
    let mut body = Limited::new(body, MAX_DRAINED_BYTES);
    let drain = async {
        while let Some(frame) = body.frame().await {
            if frame.is_err() {
                return false;
            }
        }
        true
    };
    tokio::time::timeout(timeout, drain).await.unwrap_or(false)
}

/// The answer, with the connection closed after it.
fn closing(mut response: Response<Body>) -> Response<Body> {
    response
        .headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("close"));
    response
}

/// `path` is the request's, slashes collapsed (see `handle`); `refusal` has passed it.
fn route(state: &State, parts: &hyper::http::request::Parts, path: &str, body: &[u8]) -> Answer {
    let not_found = || not_found(parts, path);
    let query = parts.uri.query().unwrap_or("");
    if let Some(rest) = path
        .trim_end_matches('/')
        .strip_prefix(event_routes::EVENTS_PATH)
    {
        return event_routes::route(state, &parts.method, rest, query).unwrap_or_else(not_found);
    }
    let Some(rest) = path.trim_end_matches('/').strip_prefix(WEBHOOKS_PATH) else {
        return not_found();
    };
    let segments: Vec<String> = rest
        .split('/')
        .skip(1)
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    match (&parts.method, segments.as_slice()) {
        (&Method::POST, []) => create(state, body),
        (&Method::GET, []) => list(state, query),
        (&Method::GET, [id]) => get(state, id),
        (&Method::PATCH, [id]) => update(state, id, body),
        (&Method::DELETE, [id]) => delete(state, id),
        (&Method::GET, [id, attempts]) if attempts == "attempts" => list_attempts(state, id, query),
        _ => not_found(),
    }
}

fn collapse_slashes(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if !(c == '/' && out.ends_with('/')) {
            out.push(c);
        }
    }
    out
}

fn webhook_not_found(id: &str) -> Answer {
    Answer::error(
        StatusCode::NOT_FOUND,
        format!("Webhook not found: {}", validation::quote(id)),
        "NOT_FOUND",
    )
}

/// A webhook as every endpoint but create shows it: without its secret.
fn public(webhook: &Webhook) -> Value {
    let mut json = webhook.to_json();
    if let Some(object) = json.as_object_mut() {
        object.insert("secret".into(), Value::Null);
    }
    json
}

fn get(state: &State, id: &str) -> Answer {
    match state.webhooks().get(id) {
        Some(webhook) => Answer::ok(public(webhook)),
        None => webhook_not_found(id),
    }
}

fn delete(state: &State, id: &str) -> Answer {
    match state.webhooks().remove(id) {
        Some(webhook) => Answer::ok(public(&webhook)),
        None => webhook_not_found(id),
    }
}

fn update(state: &State, id: &str, body: &[u8]) -> Answer {
    let body = match json_object(body) {
        Ok(body) => body,
        Err(answer) => return answer,
    };
    let mut errors = Vec::new();
    check_fields(&body, &mut errors);
    let mut webhooks = state.webhooks();
    let Some(mut webhook) = webhooks.get(id).cloned() else {
        return webhook_not_found(id);
    };
    if !errors.is_empty() {
        return Answer::invalid(&errors);
    }
    if body.contains_key("events") {
        webhook.events = strings(body.get("events"));
    }
    if let Some(url) = body.get("url").and_then(Value::as_str) {
        webhook.url = url.to_owned();
    }
    if body.contains_key("metadata") {
        webhook.metadata = string_pairs(body.get("metadata"));
    }
    webhook.updated_at = later_than(&webhook.updated_at);
    let answer = Answer::ok(public(&webhook));
    match webhooks.replace(webhook) {
        Some(Ok(())) => answer,
        Some(Err(full)) => store_full(&full),
        None => webhook_not_found(id),
    }
}

/// The store has no room: a client error no retry can fix until webhooks are deleted.
fn store_full(full: &Full) -> Answer {
    Answer::error(
        StatusCode::UNPROCESSABLE_ENTITY,
        full.to_string(),
        "WEBHOOK_LIMIT_REACHED",
    )
}

/// Now, or a millisecond after `previous` if the clock has not moved past it, so every
/// update visibly bumps `updatedAt`.
fn later_than(previous: &str) -> String {
    let now = timefmt::format_millis(timefmt::now_millis());
    if now.as_str() > previous {
        return now;
    }
    let previous_millis = timefmt::parse_rfc3339(previous).map_or(0, |dt| dt.unix_millis());
    timefmt::format_millis(previous_millis + 1)
}

/// The query of a listing, checked as Exa checks it.
struct PageQuery {
    limit: usize,
    cursor: Option<u64>,
    event_type: Option<String>,
    successful: Option<bool>,
}

const DEFAULT_LIMIT: usize = 25;
const CURSOR_PREFIX: &str = "cur_";
/// Cursors are opaque to clients; the mask keeps them from looking like counters.
const CURSOR_MASK: u64 = 0x5DEE_CE66_D1CE_4E5B;

fn encode_cursor(seq: u64) -> String {
    format!("{CURSOR_PREFIX}{:016x}", seq ^ CURSOR_MASK)
}

fn decode_cursor(cursor: &str) -> Option<u64> {
    let hex = cursor.strip_prefix(CURSOR_PREFIX)?;
    (hex.len() == 16)
        .then(|| u64::from_str_radix(hex, 16).ok())
        .flatten()
        .map(|masked| masked ^ CURSOR_MASK)
}

fn page_query(query: &str, errors: &mut Vec<FieldError>) -> PageQuery {
    let mut page = PageQuery {
        limit: DEFAULT_LIMIT,
        cursor: None,
        event_type: None,
        successful: None,
    };
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "limit" => match value.parse::<i64>() {
                Ok(n) if (1..=validation::MAX_PAGE_LIMIT).contains(&n) => {
                    page.limit = usize::try_from(n).unwrap_or(DEFAULT_LIMIT);
                }
                _ => errors.push(FieldError::new(
                    "limit",
                    format!(
                        "must be an integer from 1 to {}",
                        validation::MAX_PAGE_LIMIT
                    ),
                )),
            },
            "cursor" => match decode_cursor(&value) {
                Some(seq) => page.cursor = Some(seq),
                None => errors.push(FieldError::new("cursor", "is not a valid cursor")),
            },
            "eventType" => {
                validation::validate_event_type("eventType", &value, errors);
                page.event_type = Some(value.into_owned());
            }
            // exa-py's sync client sends Python's `True`: accept any case.
            "successful" => match value.to_ascii_lowercase().as_str() {
                "true" => page.successful = Some(true),
                "false" => page.successful = Some(false),
                _ => errors.push(FieldError::new("successful", "must be true or false")),
            },
            _ => {}
        }
    }
    page
}

fn listing_json<T>(listing: Listing<T>, to_json: impl Fn(&T) -> Value) -> Value {
    json!({
        "data": listing.items.iter().map(to_json).collect::<Vec<_>>(),
        "hasMore": listing.next.is_some(),
        "nextCursor": listing.next.map(encode_cursor),
    })
}

pub(super) fn invalid_query(errors: &[FieldError]) -> Answer {
    let mut answer = Answer::invalid(errors);
    if let Some(body) = answer.body.as_object_mut() {
        body.insert("tag".into(), "INVALID_REQUEST".into());
    }
    answer
}

fn list(state: &State, query: &str) -> Answer {
    let mut errors = Vec::new();
    let page = page_query(query, &mut errors);
    if !errors.is_empty() {
        return invalid_query(&errors);
    }
    let listing = state.webhooks().list(page.cursor, page.limit);
    Answer::ok(listing_json(listing, public))
}

fn list_attempts(state: &State, id: &str, query: &str) -> Answer {
    let mut errors = Vec::new();
    let page = page_query(query, &mut errors);
    let filter = AttemptFilter {
        event_type: page.event_type,
        successful: page.successful,
    };
    let webhooks = state.webhooks();
    let Some(listing) = webhooks.list_attempts(id, &filter, page.cursor, page.limit) else {
        return webhook_not_found(id);
    };
    if !errors.is_empty() {
        return invalid_query(&errors);
    }
    Answer::ok(listing_json(listing, WebhookAttempt::to_json))
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

/// The strings of a JSON array that `check_fields` accepted.
fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The pairs of a JSON object of strings that `check_fields` accepted.
fn string_pairs(value: Option<&Value>) -> Vec<(String, String)> {
    value
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
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
        metadata: string_pairs(body.get("metadata")),
        created_at: now.clone(),
        updated_at: now,
        extra: Map::new(),
    };
    let answer = Answer::ok(webhook.to_json());
    match state.webhooks().insert(webhook) {
        Ok(()) => answer,
        Err(full) => store_full(&full),
    }
}
