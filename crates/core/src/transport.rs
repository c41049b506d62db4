//! HTTP to Exa: one pooled reqwest client per `Client`, no redirects, bounded bodies,
//! retries by `retry`'s policy within an overall deadline.

use crate::cause::{self, Cause};
use crate::decode;
use crate::error::{parse_retry_after, ApiError, Error};
use crate::models::{
    CreateWebhook, EventQuery, ListQuery, Page, UpdateWebhook, Webhook, WebhookAttempt,
    WebhookEvent,
};
use crate::redact;
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

/// Exa's API, and the client's defaults: per-try timeout (seconds) and retries after a first try.
pub const DEFAULT_BASE_URL: &str = "https://api.exa.ai";
pub const DEFAULT_TIMEOUT: f64 = 60.0;
pub const DEFAULT_MAX_RETRIES: u32 = 2;

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

/// How long connecting may take: 5 s, or less with a shorter `timeout`, so that a connection
/// that cannot be made ends as a connect failure (never sent: a create may be retried) before
/// the try's own timeout ends it as "no answer".
pub fn connect_timeout(timeout: Duration) -> Duration {
    CONNECT_TIMEOUT.min(timeout.mul_f64(0.9))
}

/// How many certificates a PEM bundle holds (0 if it is not one).
/// No call outlives this: every try's timeout plus the backoff between them.
fn budget(timeout: Duration, max_retries: u32) -> Duration {
    timeout * (max_retries + 1) + retry::max_total_backoff(max_retries)
}

pub fn count_certificates(pem: &[u8]) -> usize {
    reqwest::Certificate::from_pem_bundle(pem).map_or(0, |certs| certs.len())
}

/// The most a CA bundle file may hold: the whole Mozilla store is about 250 KB.
pub const MAX_CA_BUNDLE_BYTES: u64 = 16 * 1024 * 1024;

/// Refuses a CA file that is not a regular file of bounded size, from its metadata alone: a
/// FIFO would block whoever opens it for ever, a device such as `/dev/zero` fill memory.
pub fn check_ca_file(path: &std::path::Path, meta: &std::fs::Metadata) -> Result<(), String> {
    if !meta.is_file() {
        return Err(format!("{} is not a regular file", path.display()));
    }
    if meta.len() > MAX_CA_BUNDLE_BYTES {
        return Err(too_large(path));
    }
    Ok(())
}

fn too_large(path: &std::path::Path) -> String {
    format!(
        "{} is larger than {} MB, which no CA bundle is",
        path.display(),
        MAX_CA_BUNDLE_BYTES / (1024 * 1024)
    )
}

/// Reads a CA bundle file that `check_ca_file` passes, at most `MAX_CA_BUNDLE_BYTES` of it
/// (a file whose metadata says less than it holds, as /proc's do, is cut off there).
pub fn read_ca_bundle(path: &std::path::Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let cannot = |e: std::io::Error| format!("cannot read {}: {e}", path.display());
    check_ca_file(path, &std::fs::metadata(path).map_err(cannot)?)?;
    let mut pem = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_CA_BUNDLE_BYTES + 1).read_to_end(&mut pem))
        .map_err(cannot)?;
    if pem.len() as u64 > MAX_CA_BUNDLE_BYTES {
        return Err(too_large(path));
    }
    Ok(pem)
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
    /// Set when another try follows, after this wait.
    pub retry_in: Option<Duration>,
    pub max_attempts: u32,
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
    /// Flips to true on `close()`: calls in flight end at once instead of running on. Shared
    /// with every transport made by `with_policy`, as the pool is.
    closed: Arc<watch::Sender<bool>>,
    /// The key, to mask it in what an error keeps of an answer that echoes it back.
    api_key: Arc<str>,
}

impl Transport {
    pub fn new(config: &Config) -> Result<Self, Error> {
        // Configuration problems are the caller's: validation errors, raised when a client is
        // built, not connection errors on its first call.
        let invalid = |field: &str, message: String| {
            Error::Validation(vec![crate::validation::FieldError::new(field, message)])
        };
        let mut key = HeaderValue::from_str(&config.api_key)
            .map_err(|_| invalid("api_key", "is not a valid header value".to_owned()))?;
        key.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert("x-api-key", key);
        let mut builder = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .default_headers(headers)
            // An API client must never forward its key to wherever a 3xx points.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(connect_timeout(config.timeout))
            .tcp_nodelay(true);
        if let Some(pem) = &config.ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
                invalid(
                    "ca_bundle",
                    format!("is not a PEM bundle: {}", cause::chain(&e)),
                )
            })?;
            builder = builder.tls_certs_merge(certs);
        }
        let http = builder.build().map_err(|e| {
            let why = cause::chain(&e);
            // reqwest's own "builder error" prefix says nothing to a user.
            let why = why.strip_prefix("builder error: ").unwrap_or(&why);
            match config.ca_pem {
                Some(_) => invalid(
                    "ca_bundle",
                    format!("holds a certificate TLS cannot use ({why})"),
                ),
                None => Error::connection(format!("could not set up HTTP: {why}")),
            }
        })?;
        let webhooks_url = Url::parse(&format!("{}/websets/v0/webhooks", config.base_url))
            .map_err(|e| invalid("base_url", format!("is not a valid URL: {e}")))?;
        Ok(Self {
            http,
            webhooks_url,
            timeout: config.timeout,
            max_retries: config.max_retries,
            budget: budget(config.timeout, config.max_retries),
            closed: Arc::new(watch::Sender::new(false)),
            api_key: config.api_key.as_str().into(),
        })
    }

    /// The same connection pool (and the same `close`) with another timeout per try and
    /// number of retries. The connect timeout stays the pool's: `timeout` still bounds a try.
    pub fn with_policy(&self, timeout: Duration, max_retries: u32) -> Self {
        Self {
            http: self.http.clone(),
            webhooks_url: self.webhooks_url.clone(),
            timeout,
            max_retries,
            budget: budget(timeout, max_retries),
            closed: Arc::clone(&self.closed),
            api_key: Arc::clone(&self.api_key),
        }
    }

    /// `text` without the API key, should an answer have echoed it (a proxy's "bad key ..."
    /// page, say). Keys shorter than 8 characters are left: masking them would garble words.
    fn without_key(&self, text: &mut String) {
        let key = &*self.api_key;
        if key.len() >= 8 && text.contains(key) {
            *text = text.replace(key, "<api key>");
        }
    }

    /// Whether calls through this transport use `timeout` and `max_retries`.
    pub fn has_policy(&self, timeout: Duration, max_retries: u32) -> bool {
        (self.timeout, self.max_retries) == (timeout, max_retries)
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
    ) -> Result<Reply<Webhook>, Error> {
        let resp = self
            .send(
                Method::POST,
                self.url(&[]),
                Some(encode(body)?),
                Op::Create,
                log,
            )
            .await?;
        self.parse_with(resp, Webhook::decode, Webhook::from_value)
    }

    pub async fn get_webhook(&self, id: &str, log: Option<LogFn>) -> Result<Reply<Webhook>, Error> {
        let resp = self
            .send(Method::GET, self.url(&[id]), None, Op::Idempotent, log)
            .await?;
        self.parse_with(resp, Webhook::decode, Webhook::from_value)
    }

    pub async fn update_webhook(
        &self,
        id: &str,
        body: &UpdateWebhook,
        log: Option<LogFn>,
    ) -> Result<Reply<Webhook>, Error> {
        let url = self.url(&[id]);
        let resp = self
            .send(Method::PATCH, url, Some(encode(body)?), Op::Idempotent, log)
            .await?;
        self.parse_with(resp, Webhook::decode, Webhook::from_value)
    }

    pub async fn delete_webhook(
        &self,
        id: &str,
        log: Option<LogFn>,
    ) -> Result<Reply<Webhook>, Error> {
        let resp = self
            .send(Method::DELETE, self.url(&[id]), None, Op::Idempotent, log)
            .await?;
        self.parse_with(resp, Webhook::decode, Webhook::from_value)
    }

    pub async fn list_webhooks(
        &self,
        query: &ListQuery,
        log: Option<LogFn>,
    ) -> Result<Reply<Page<Webhook>>, Error> {
        let mut url = self.url(&[]);
        set_query(&mut url, query);
        let resp = self
            .send(Method::GET, url, None, Op::Idempotent, log)
            .await?;
        self.parse_with(resp, decode::page::<Webhook>, |v| {
            Page::from_value(v, Webhook::from_value)
        })
    }

    pub async fn list_webhook_attempts(
        &self,
        id: &str,
        query: &ListQuery,
        log: Option<LogFn>,
    ) -> Result<Reply<Page<WebhookAttempt>>, Error> {
        let mut url = self.url(&[id, "attempts"]);
        set_query(&mut url, query);
        let resp = self
            .send(Method::GET, url, None, Op::Idempotent, log)
            .await?;
        self.parse_with(resp, decode::page::<WebhookAttempt>, |v| {
            Page::from_value(v, WebhookAttempt::from_value)
        })
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
    ) -> Result<Reply<Page<WebhookEvent>>, Error> {
        let mut url = self.events_url(&[]);
        let pairs = query.pairs();
        if !pairs.is_empty() {
            url.query_pairs_mut().extend_pairs(pairs);
        }
        let resp = self
            .send(Method::GET, url, None, Op::Idempotent, log)
            .await?;
        self.parse_with(resp, decode::page::<WebhookEvent>, |v| {
            Page::from_value(v, WebhookEvent::from_value)
        })
    }

    pub async fn get_event(
        &self,
        id: &str,
        log: Option<LogFn>,
    ) -> Result<Reply<WebhookEvent>, Error> {
        let url = self.events_url(&[id]);
        let resp = self
            .send(Method::GET, url, None, Op::Idempotent, log)
            .await?;
        self.parse_with(resp, WebhookEvent::decode, WebhookEvent::from_value)
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
        let started = Instant::now();
        let deadline = started + self.budget;
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
            let elapsed = try_started.elapsed();
            let decision = match &outcome {
                Ok(_) => None,
                Err(failure) => Some(retry::decide(
                    failure,
                    op,
                    attempt - 1,
                    self.max_retries,
                    jitter(),
                )),
            };
            let retry_in = match decision {
                Some(Decision::Retry(wait)) if Instant::now() + wait < deadline => Some(wait),
                _ => None,
            };
            if let Some(log) = &log {
                log(&AttemptLog {
                    retry_in,
                    max_attempts: self.max_retries + 1,
                    ..attempt_log(&method, &url, &outcome, attempt, elapsed)
                });
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
            let Some(wait) = retry_in else {
                let tried = Tried {
                    method: &method,
                    url: &url,
                    per_try,
                    attempts: attempt,
                    elapsed: started.elapsed(),
                    retries_left: attempt <= self.max_retries,
                    // Another try was due, but the call's deadline would not allow it.
                    past_deadline: matches!(decision, Some(Decision::Retry(_)))
                        .then_some(self.budget),
                };
                return Err(final_error(failure, op, &tried));
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
        let mut response = request.send().await.map_err(failure_of)?;
        let status = response.status();
        let request_id = header(&response, "x-request-id").map(crate::error::request_id);
        if status.is_success() {
            // Moved out, not copied: the body is read from the response without them.
            let headers = std::mem::take(response.headers_mut());
            let body = read_bounded(response).await?;
            // Decoded by the caller, which knows the type: one pass over the body.
            return Ok(Resp {
                status,
                request_id,
                headers,
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
        // The key goes before the message is cut from the body: a key straddling the cut
        // would be left in part.
        let mut body = String::from_utf8_lossy(&bytes).into_owned();
        self.without_key(&mut body);
        let mut error = ApiError::from_response(status.as_u16(), request_id, retry_after, body);
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
        Err(Failure::NotSent(c) | Failure::Timeout(c) | Failure::Broken(c)) => {
            (None, None, c.describe(method, url, elapsed).summary)
        }
        Err(Failure::TooLarge(m)) => (None, None, m.clone()),
    };
    AttemptLog {
        method: method.clone(),
        path: url.path().to_owned(),
        status,
        request_id,
        attempt,
        elapsed,
        outcome: text,
        retry_in: None,
        max_attempts: attempt,
    }
}

/// What a call tried, for its final error.
struct Tried<'a> {
    method: &'a Method,
    url: &'a Url,
    /// The last try's timeout.
    per_try: Duration,
    attempts: u32,
    elapsed: Duration,
    /// Whether the retry policy allowed another try.
    retries_left: bool,
    /// The call's overall deadline, when another try would have run past it.
    past_deadline: Option<Duration>,
}

/// `1 try`, `3 tries over 31.2 s`.
fn tries(attempts: u32, elapsed: Duration) -> String {
    match attempts {
        1 => "1 try".to_owned(),
        n => format!("{n} tries over {}", cause::secs(elapsed.as_secs_f64())),
    }
}

/// The error a caller sees once no more tries will be made: what happened, where, how long,
/// how many tries, and what it means for a create.
fn final_error(failure: Failure, op: Op, tried: &Tried<'_>) -> Error {
    let mut notes = Vec::new();
    if let Some(budget) = tried.past_deadline {
        notes.push(format!(
            "not tried again: another try would run past the call's deadline of {}",
            cause::secs(budget.as_secs_f64())
        ));
    }
    if retry::maybe_applied(&failure, op) {
        notes.push(retry::MAYBE_CREATED.to_owned());
    }
    let finish = |message: String, tries_said: bool| {
        let mut message = message;
        if tries_said {
            message = format!("{message} ({})", tries(tried.attempts, tried.elapsed));
        }
        for note in &notes {
            message = format!("{message}; {note}");
        }
        message
    };
    let connection = |cause: Cause, timed_out: bool| {
        let waited = match cause.phase {
            cause::Phase::Connect => connect_timeout(tried.per_try),
            _ => tried.per_try,
        };
        let words = cause.describe(tried.method, tried.url, waited);
        let mut message = finish(words.summary, true);
        if let Some(hint) = words.hint {
            message = format!("{message}; {hint}");
        }
        Error::Connection {
            message,
            timed_out,
            attempts: tried.attempts,
            cause: Some(cause),
        }
    };
    match failure {
        Failure::NotSent(c) => {
            let timed_out = c.kind == cause::Kind::Timeout;
            connection(c, timed_out)
        }
        Failure::Broken(c) => connection(c, false),
        Failure::Timeout(c) => connection(c, true),
        Failure::TooLarge(m) => Error::Connection {
            message: finish(
                format!("{} {} was refused: {m}", tried.method, tried.url),
                true,
            ),
            timed_out: false,
            attempts: tried.attempts,
            cause: None,
        },
        Failure::Status(mut e) => {
            // The wait the server asked for, when it is why there was no other try.
            let asked = e
                .retry_after
                .filter(|_| tried.retries_left && retry::retryable_status(e.status_code, op));
            if let Some(after) = asked {
                let cap = retry::MAX_RETRY_AFTER.as_secs_f64();
                let why = if after > cap {
                    format!(
                        ", more than the {} this client waits, so it was not tried again",
                        cause::secs(cap)
                    )
                } else {
                    String::new()
                };
                e.message = format!(
                    "{} (the server asked to wait {} before trying again{why})",
                    e.message,
                    cause::secs(after)
                );
            }
            e.message = finish(e.message, tried.attempts > 1);
            e.attempts = tried.attempts;
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
    headers: HeaderMap,
    body: Vec<u8>,
    /// Tries it took, for the error if the body then fails to decode.
    attempts: u32,
}

/// A decoded answer and what came with it: for callers that want the raw response too (the
/// request id of a successful call is what Exa's support asks for).
#[derive(Debug)]
pub struct Reply<T> {
    pub value: T,
    pub status: u16,
    /// As received (names lowercase).
    pub headers: HeaderMap,
    pub request_id: Option<String>,
    /// Tries it took, retries included.
    pub attempts: u32,
}

impl<T> Reply<T> {
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Reply<U> {
        Reply {
            value: f(self.value),
            status: self.status,
            headers: self.headers,
            request_id: self.request_id,
            attempts: self.attempts,
        }
    }
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
        kept_body(body),
        format!("its body is not JSON ({e})"),
    )
}

/// A body as an error keeps it for debugging: as text, without webhook secrets (the error
/// may be logged).
fn kept_body(body: &[u8]) -> String {
    redact::secrets(&String::from_utf8_lossy(body)).into_owned()
}

impl Transport {
    /// Decodes a successful answer: `fast` takes the well-formed common case in one pass,
    /// `slow` (the lenient parser) everything else, naming every field that is wrong. The
    /// error for an answer that is neither keeps its body, without the API key.
    fn parse_with<T>(
        &self,
        resp: Resp,
        fast: impl FnOnce(&[u8]) -> Option<T>,
        slow: impl FnOnce(Value) -> Result<T, Vec<FieldError>>,
    ) -> Result<Reply<T>, Error> {
        decode_reply(resp, fast, slow).map_err(|error| match error {
            Error::Api(mut e) => {
                for text in [&mut e.message, &mut e.body] {
                    self.without_key(text);
                }
                Error::Api(e)
            }
            other => other,
        })
    }
}

/// `Transport::parse_with` but for the API key, which only the transport knows.
fn decode_reply<T>(
    resp: Resp,
    fast: impl FnOnce(&[u8]) -> Option<T>,
    slow: impl FnOnce(Value) -> Result<T, Vec<FieldError>>,
) -> Result<Reply<T>, Error> {
    let reply = |resp: Resp, value: T| Reply {
        value,
        status: resp.status.as_u16(),
        headers: resp.headers,
        request_id: resp.request_id,
        attempts: resp.attempts,
    };
    if let Some(parsed) = fast(&resp.body) {
        return Ok(reply(resp, parsed));
    }
    let error = match serde_json::from_slice::<Value>(&resp.body) {
        Err(e) => not_json(resp.status, resp.request_id.clone(), &resp.body, &e),
        Ok(json) => match slow(json) {
            Ok(parsed) => return Ok(reply(resp, parsed)),
            Err(problems) => {
                let problems: Vec<String> = problems
                    .iter()
                    .map(|p| format!("'{}' {}", p.field, p.message))
                    .collect();
                invalid(
                    resp.status,
                    resp.request_id.clone(),
                    kept_body(&resp.body),
                    format!("it does not match the API: {}", problems.join("; ")),
                )
            }
        },
    };
    Err(match error {
        Error::Api(mut e) => {
            if resp.attempts > 1 {
                // The tries before failed (and were retried): say so, as other errors do.
                let failed = resp.attempts - 1;
                let tries = if failed == 1 { "try" } else { "tries" };
                e.message = format!(
                    "{} (on try {} of the call, after {failed} failed {tries})",
                    e.message, resp.attempts
                );
            }
            Error::Api(ApiError {
                attempts: resp.attempts,
                ..e
            })
        }
        other => other,
    })
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
            "the answer's body is larger than {} MB, more than any answer of the API",
            MAX_RESPONSE_BYTES / (1024 * 1024)
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
    let cause = Cause::of(&e);
    if e.is_connect() {
        // A connect timeout is both: not sent (safe to retry), and a timeout to the caller.
        Failure::NotSent(cause)
    } else if e.is_timeout() {
        Failure::Timeout(cause)
    } else {
        Failure::Broken(cause)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ca_files_are_bounded_and_regular() {
        let dir = std::env::temp_dir().join(format!("exa-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let big = dir.join("big.pem");
        // Sparse: its metadata says 17 MB without the disk holding them.
        std::fs::File::create(&big)
            .unwrap()
            .set_len(MAX_CA_BUNDLE_BYTES + 1)
            .unwrap();
        let small = dir.join("small.pem");
        std::fs::write(&small, b"-----BEGIN CERTIFICATE-----\n").unwrap();
        let too_large = read_ca_bundle(&big).unwrap_err();
        let not_regular = read_ca_bundle(&dir).unwrap_err();
        let missing = read_ca_bundle(&dir.join("none.pem")).unwrap_err();
        let read = read_ca_bundle(&small);
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(too_large.contains("larger than 16 MB"), "{too_large}");
        assert!(
            not_regular.contains("is not a regular file"),
            "{not_regular}"
        );
        assert!(missing.starts_with("cannot read "), "{missing}");
        assert_eq!(read.unwrap(), b"-----BEGIN CERTIFICATE-----\n");
    }
}
