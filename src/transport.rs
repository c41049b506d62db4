//! HTTP to Exa: one pooled reqwest client per `Client`, no redirects, bounded bodies,
//! retries by `retry`'s policy within an overall deadline.

use crate::decode;
use crate::error::{parse_retry_after, ApiError, Error};
use crate::models::{
    CreateWebhook, EventQuery, ListQuery, Page, UpdateWebhook, Webhook, WebhookAttempt,
    WebhookEvent,
};
use crate::retry::{self, Decision, Failure, Op};
use crate::timefmt;
use crate::validation::FieldError;
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
use reqwest::{Method, Response, StatusCode, Url};
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

pub const USER_AGENT: &str = concat!("exa-webhooks/", env!("CARGO_PKG_VERSION"));
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Larger answers are refused: no page of webhooks comes near this.
pub const MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

#[derive(Clone)]
pub struct Config {
    pub api_key: String,
    /// Validated, without a trailing slash.
    pub base_url: String,
    /// Per try.
    pub timeout: Duration,
    pub max_retries: u32,
    /// Extra trusted CA certificates (PEM), for TLS-inspecting proxies and private APIs.
    pub ca_pem: Option<Vec<u8>>,
}

// Written out so the key can never reach a log through `{:?}`.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("api_key", &"<redacted>")
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .finish()
    }
}

/// How many certificates a PEM bundle holds (0 if it is not one).
pub fn count_certificates(pem: &[u8]) -> usize {
    reqwest::Certificate::from_pem_bundle(pem).map_or(0, |certs| certs.len())
}

/// What one try did, for the `exa_webhooks` logger.
#[derive(Debug, Clone)]
pub struct AttemptLog {
    pub method: Method,
    pub path: String,
    pub status: Option<u16>,
    pub request_id: Option<String>,
    pub attempt: u32,
    pub elapsed: Duration,
    pub outcome: String,
}

pub type LogFn = Arc<dyn Fn(&AttemptLog) + Send + Sync>;

#[derive(Debug)]
pub struct Transport {
    http: reqwest::Client,
    webhooks_url: Url,
    timeout: Duration,
    max_retries: u32,
    /// No call outlives this: every try's timeout plus the backoff between them.
    budget: Duration,
    /// Flips to true on `close()`: calls in flight end at once instead of running on.
    closed: watch::Sender<bool>,
}

impl Transport {
    pub fn new(config: &Config) -> Result<Self, Error> {
        let mut key = HeaderValue::from_str(&config.api_key)
            .map_err(|_| Error::connection("the API key is not a valid header value"))?;
        key.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert("x-api-key", key);
        let mut builder = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .default_headers(headers)
            // An API client must never forward its key to wherever a 3xx points.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .tcp_nodelay(true);
        if let Some(pem) = &config.ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| Error::connection(format!("invalid CA bundle: {}", chain(&e))))?;
            builder = builder.tls_certs_merge(certs);
        }
        let http = builder
            .build()
            .map_err(|e| Error::connection(format!("could not set up HTTP: {}", chain(&e))))?;
        let webhooks_url = Url::parse(&format!("{}/websets/v0/webhooks", config.base_url))
            .map_err(|e| Error::connection(format!("invalid base URL: {e}")))?;
        Ok(Self {
            http,
            webhooks_url,
            timeout: config.timeout,
            max_retries: config.max_retries,
            budget: config.timeout * (config.max_retries + 1)
                + retry::max_total_backoff(config.max_retries),
            closed: watch::Sender::new(false),
        })
    }

    /// Ends every call in flight with an error; later calls are refused by the owner.
    pub fn close(&self) {
        self.closed.send_replace(true);
    }

    /// `{base}/websets/v0/webhooks/{id}/{rest...}`, each part one escaped path segment.
    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.webhooks_url.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.extend(segments);
        }
        url
    }

    pub async fn create_webhook(
        &self,
        body: &CreateWebhook,
        log: Option<LogFn>,
    ) -> Result<Webhook, Error> {
        let resp = self
            .send(
                Method::POST,
                self.url(&[]),
                Some(encode(body)?),
                Op::Create,
                log,
            )
            .await?;
        parse_with(&resp, decode::webhook, Webhook::from_json)
    }

    pub async fn get_webhook(&self, id: &str, log: Option<LogFn>) -> Result<Webhook, Error> {
        let resp = self
            .send(Method::GET, self.url(&[id]), None, Op::Idempotent, log)
            .await?;
        parse_with(&resp, decode::webhook, Webhook::from_json)
    }

    pub async fn update_webhook(
        &self,
        id: &str,
        body: &UpdateWebhook,
        log: Option<LogFn>,
    ) -> Result<Webhook, Error> {
        let url = self.url(&[id]);
        let resp = self
            .send(Method::PATCH, url, Some(encode(body)?), Op::Idempotent, log)
            .await?;
        parse_with(&resp, decode::webhook, Webhook::from_json)
    }

    pub async fn delete_webhook(&self, id: &str, log: Option<LogFn>) -> Result<Webhook, Error> {
        let resp = self
            .send(Method::DELETE, self.url(&[id]), None, Op::Idempotent, log)
            .await?;
        parse_with(&resp, decode::webhook, Webhook::from_json)
    }

    pub async fn list_webhooks(
        &self,
        query: &ListQuery,
        log: Option<LogFn>,
    ) -> Result<Page<Webhook>, Error> {
        let mut url = self.url(&[]);
        set_query(&mut url, query);
        let resp = self
            .send(Method::GET, url, None, Op::Idempotent, log)
            .await?;
        parse_with(&resp, decode::webhook_page, |v| {
            Page::from_json(v, Webhook::from_json)
        })
    }

    pub async fn list_webhook_attempts(
        &self,
        id: &str,
        query: &ListQuery,
        log: Option<LogFn>,
    ) -> Result<Page<WebhookAttempt>, Error> {
        let mut url = self.url(&[id, "attempts"]);
        set_query(&mut url, query);
        let resp = self
            .send(Method::GET, url, None, Op::Idempotent, log)
            .await?;
        parse_with(
            &resp,
            |_| None,
            |v| Page::from_json(v, WebhookAttempt::from_json),
        )
    }

    /// `{base}/websets/v0/events/{segments...}`: the webhooks URL's sibling.
    fn events_url(&self, segments: &[&str]) -> Url {
        let mut url = self.webhooks_url.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop().push("events").extend(segments);
        }
        url
    }

    pub async fn list_events(
        &self,
        query: &EventQuery,
        log: Option<LogFn>,
    ) -> Result<Page<WebhookEvent>, Error> {
        let mut url = self.events_url(&[]);
        let pairs = query.pairs();
        if !pairs.is_empty() {
            url.query_pairs_mut().extend_pairs(pairs);
        }
        let resp = self
            .send(Method::GET, url, None, Op::Idempotent, log)
            .await?;
        parse_with(
            &resp,
            |_| None,
            |v| Page::from_json(v, WebhookEvent::from_json),
        )
    }

    pub async fn get_event(&self, id: &str, log: Option<LogFn>) -> Result<WebhookEvent, Error> {
        let url = self.events_url(&[id]);
        let resp = self
            .send(Method::GET, url, None, Op::Idempotent, log)
            .await?;
        parse_with(&resp, |_| None, WebhookEvent::from_json)
    }

    /// Sends a request, retrying by the policy, and returns the 2xx answer, not yet decoded.
    /// No call outlives `(max_retries + 1) * timeout` plus the backoff between tries.
    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
        op: Op,
        log: Option<LogFn>,
    ) -> Result<Resp, Error> {
        let mut closed = self.closed.subscribe();
        if *closed.borrow() {
            return Err(closed_error());
        }
        let deadline = Instant::now() + self.budget;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let try_started = Instant::now();
            let remaining = deadline.saturating_duration_since(try_started);
            let per_try = self.timeout.min(remaining).max(Duration::from_millis(1));
            let outcome = tokio::select! {
                outcome = self.try_once(&method, &url, body.as_deref(), per_try) => outcome,
                _ = closed.wait_for(|c| *c) => return Err(closed_error()),
            };
            if let Some(log) = &log {
                log(&attempt_log(
                    &method,
                    &url,
                    &outcome,
                    attempt,
                    try_started.elapsed(),
                ));
            }
            let failure = match outcome {
                Ok(resp) => {
                    return Ok(Resp {
                        attempts: attempt,
                        ..resp
                    })
                }
                Err(failure) => failure,
            };
            let wait = match retry::decide(&failure, op, attempt - 1, self.max_retries, jitter()) {
                Decision::Retry(wait) if Instant::now() + wait < deadline => wait,
                _ => return Err(final_error(failure, op, attempt)),
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                _ = closed.wait_for(|c| *c) => return Err(closed_error()),
            }
        }
    }

    async fn try_once(
        &self,
        method: &Method,
        url: &Url,
        body: Option<&[u8]>,
        timeout: Duration,
    ) -> Result<Resp, Failure> {
        let mut request = self
            .http
            .request(method.clone(), url.clone())
            .timeout(timeout);
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_vec());
        }
        let response = request.send().await.map_err(failure_of)?;
        let status = response.status();
        let request_id = header(&response, "x-request-id");
        if status.is_success() {
            let body = read_bounded(response).await?;
            // Decoded by the caller, which knows the type: one pass over the body.
            return Ok(Resp {
                status,
                request_id,
                body,
                attempts: 1,
            });
        }
        let retry_after = parse_retry_after(
            header(&response, "retry-after-ms").as_deref(),
            header(&response, "retry-after").as_deref(),
            timefmt::now_secs(),
        );
        let location = header(&response, "location");
        // The status already says what happened: a body that cannot be read must not change it.
        let bytes = read_bounded(response).await.unwrap_or_default();
        let text = || String::from_utf8_lossy(&bytes).into_owned();
        let mut error = ApiError::from_response(status.as_u16(), request_id, retry_after, text());
        if status.is_redirection() {
            let target = location.unwrap_or_else(|| "nowhere".into());
            error.message = format!(
                "unexpected redirect to {target}; redirects are not followed (check base_url)"
            );
        }
        Err(Failure::Status(error))
    }
}

fn closed_error() -> Error {
    Error::connection("the client was closed while the call was in flight")
}

/// Uniform jitter in [0, 1), from the OS: backoffs of many clients must not align.
fn jitter() -> f64 {
    getrandom::u32().map_or(0.5, |n| f64::from(n) / (f64::from(u32::MAX) + 1.0))
}

fn attempt_log(
    method: &Method,
    url: &Url,
    outcome: &Result<Resp, Failure>,
    attempt: u32,
    elapsed: Duration,
) -> AttemptLog {
    let (status, request_id, text) = match outcome {
        Ok(resp) => (
            Some(resp.status.as_u16()),
            resp.request_id.clone(),
            "ok".to_owned(),
        ),
        Err(Failure::Status(e)) => (Some(e.status_code), e.request_id.clone(), e.message.clone()),
        Err(
            Failure::NotSent { message: m, .. }
            | Failure::Timeout(m)
            | Failure::Broken(m)
            | Failure::TooLarge(m),
        ) => (None, None, m.clone()),
    };
    AttemptLog {
        method: method.clone(),
        path: url.path().to_owned(),
        status,
        request_id,
        attempt,
        elapsed,
        outcome: text,
    }
}

/// The error a caller sees once no more tries will be made.
fn final_error(failure: Failure, op: Op, attempts: u32) -> Error {
    let maybe_applied = retry::maybe_applied(&failure, op);
    let note = |message: String| {
        if maybe_applied {
            format!("{message}; {}", retry::MAYBE_CREATED)
        } else {
            message
        }
    };
    match failure {
        Failure::NotSent { message, timed_out } => Error::Connection {
            message: note(message),
            timed_out,
            attempts,
        },
        Failure::Broken(m) | Failure::TooLarge(m) => Error::Connection {
            message: note(m),
            timed_out: false,
            attempts,
        },
        Failure::Timeout(m) => Error::Connection {
            message: note(m),
            timed_out: true,
            attempts,
        },
        Failure::Status(mut e) => {
            e.message = note(e.message);
            e.attempts = attempts;
            Error::Api(e)
        }
    }
}

fn set_query(url: &mut Url, query: &ListQuery) {
    let pairs = query.pairs();
    if !pairs.is_empty() {
        url.query_pairs_mut().extend_pairs(pairs);
    }
}

/// A successful answer, kept whole so a parse failure can still report it.
struct Resp {
    status: StatusCode,
    request_id: Option<String>,
    body: Vec<u8>,
    /// Tries it took, for the error if the body then fails to decode.
    attempts: u32,
}

fn encode(body: &impl serde::Serialize) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(body)
        .map_err(|e| Error::connection(format!("could not encode the request: {e}")))
}

fn not_json(
    status: StatusCode,
    request_id: Option<String>,
    body: &[u8],
    e: &serde_json::Error,
) -> Error {
    invalid(
        status,
        request_id,
        redact_secret_text(&String::from_utf8_lossy(body)),
        format!("its body is not JSON ({e})"),
    )
}

/// `text` with the value of every `"secret": "..."` masked, for bodies `redact_secrets`
/// cannot parse: a create's answer cut short still carries the new webhook's secret.
fn redact_secret_text(text: &str) -> String {
    const KEY: &str = "\"secret\"";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(KEY) {
        let (before, after) = rest.split_at(at + KEY.len());
        out.push_str(before);
        let value = after.trim_start();
        let Some(value) = value.strip_prefix(':').map(str::trim_start) else {
            rest = after;
            continue;
        };
        let Some(string) = value.strip_prefix('"') else {
            rest = after;
            continue;
        };
        // The end of the string, skipping escapes; a cut-off string runs to the end.
        let mut end = string.len();
        let mut escaped = false;
        for (i, c) in string.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        out.push_str(&after[..after.len() - string.len()]);
        out.push_str("********");
        rest = &string[end..];
    }
    out.push_str(rest);
    out
}

/// Decodes a successful answer: `fast` takes the well-formed common case in one pass,
/// `slow` (the lenient parser) everything else, naming every field that is wrong.
fn parse_with<T>(
    resp: &Resp,
    fast: impl FnOnce(&[u8]) -> Option<T>,
    slow: impl FnOnce(&Value) -> Result<T, Vec<FieldError>>,
) -> Result<T, Error> {
    if let Some(parsed) = fast(&resp.body) {
        return Ok(parsed);
    }
    let error = match serde_json::from_slice::<Value>(&resp.body) {
        Err(e) => not_json(resp.status, resp.request_id.clone(), &resp.body, &e),
        Ok(json) => match slow(&json) {
            Ok(parsed) => return Ok(parsed),
            Err(problems) => {
                let problems: Vec<String> = problems
                    .iter()
                    .map(|p| format!("'{}' {}", p.field, p.message))
                    .collect();
                // The body is kept for debugging, but a webhook's signing secret must not
                // ride along in an exception that may be logged.
                invalid(
                    resp.status,
                    resp.request_id.clone(),
                    redact_secrets(&json).to_string(),
                    format!("it does not match the API: {}", problems.join("; ")),
                )
            }
        },
    };
    Err(match error {
        Error::Api(e) => Error::Api(ApiError {
            attempts: resp.attempts,
            ..e
        }),
        other => other,
    })
}

/// A copy of `value` with every `"secret"` string masked, at any depth.
fn redact_secrets(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::String(_) if k == "secret" => Value::String("********".into()),
                        other => redact_secrets(other),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact_secrets).collect()),
        other => other.clone(),
    }
}

fn invalid(status: StatusCode, request_id: Option<String>, body: String, why: String) -> Error {
    Error::Api(ApiError {
        status_code: status.as_u16(),
        message: format!("invalid response from the server: {why}"),
        tag: None,
        request_id,
        body,
        retry_after: None,
        attempts: 1,
    })
}

fn header(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

async fn read_bounded(mut response: Response) -> Result<Vec<u8>, Failure> {
    let too_large = || {
        Failure::TooLarge(format!(
            "the response body is larger than {MAX_RESPONSE_BYTES} bytes; refused"
        ))
    };
    let declared = response.content_length().unwrap_or(0);
    if declared > MAX_RESPONSE_BYTES as u64 {
        return Err(too_large());
    }
    let mut body = Vec::with_capacity(declared as usize);
    while let Some(chunk) = response.chunk().await.map_err(failure_of)? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Sorts a reqwest error by whether the request can have reached the server.
fn failure_of(e: reqwest::Error) -> Failure {
    let message = chain(&e);
    if e.is_connect() {
        // A connect timeout is both: not sent (safe to retry), and a timeout to the caller.
        Failure::NotSent {
            message,
            timed_out: e.is_timeout(),
        }
    } else if e.is_timeout() {
        Failure::Timeout(message)
    } else {
        Failure::Broken(message)
    }
}

/// The error and its causes on one line: reqwest's own message alone says little.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_redacted_in_bodies_that_are_not_json() {
        let cut = r#"{"id":"webhook_1","secret" : "whsec_A\"B", "n":{"secret":"whsec_C"#;
        let redacted = redact_secret_text(cut);
        assert!(!redacted.contains("whsec_"), "{redacted}");
        assert_eq!(
            redacted,
            r#"{"id":"webhook_1","secret" : "********", "n":{"secret":"********"#
        );
        let untouched = r#"<html>"secret" is a word; "secret": 5</html>"#;
        assert_eq!(redact_secret_text(untouched), untouched);
    }

    #[test]
    fn secrets_are_redacted_at_any_depth() {
        let value = json!({"secret": "whsec_1", "data": [{"secret": "whsec_2", "n": 1}], "secret_note": "x"});
        let redacted = redact_secrets(&value).to_string();
        assert!(!redacted.contains("whsec_"));
        assert!(redacted.contains("secret_note"));
        assert_eq!(
            redact_secrets(&json!({"secret": null}))["secret"],
            Value::Null
        );
    }
}
