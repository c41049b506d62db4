//! One try of a delivery, as Exa makes it: a signed JSON POST, no redirects followed, a
//! bounded wait, the answer (or why there was none) recorded as a `WebhookAttempt`.

use super::failure::{self, Address, Failure};
use super::loopback;
use super::store::State;
use exa_webhooks_core::models::{WebhookAttempt, WebhookEvent};
use exa_webhooks_core::signature;
use exa_webhooks_core::timefmt;
use serde_json::Map;
use std::time::Duration;
use url::Url;

/// At most this much of a receiver's answer is kept in the attempt, and of its headers.
const MAX_RECORDED_BODY: usize = 64 * 1024;
const MAX_RECORDED_HEADER_BYTES: usize = 16 * 1024;
pub const USER_AGENT: &str = concat!(
    "Exa-Webhooks/1.0 (exa-webhooks ExaServer ",
    env!("CARGO_PKG_VERSION"),
    ")"
);

/// Where one delivery goes.
#[derive(Debug, Clone)]
pub struct Target {
    pub webhook_id: String,
    pub url: String,
    pub secret: String,
}

/// A TCP connection must be made within this, whatever the delivery's own timeout.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The deliveries' HTTP client. Each server has its own: pooled connections belong to the
/// runtime that opened them, and a server's runtime ends with it.
pub fn client() -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT)
        // Receivers in tests are local; a proxy from the environment must not intercept.
        .no_proxy();
    // `localhost` is loopback by the delivery rule: no DNS answer may say otherwise.
    for name in loopback::LOCALHOST_NAMES {
        builder = builder.resolve_to_addrs(name, &loopback::LOCALHOST_ADDRS);
    }
    builder
        .build()
        .map_err(|_| "cannot build the delivery client (no TLS backend?)".to_owned())
}

/// An attempt not yet made (status 0: no answer), numbered `number` among the event's
/// deliveries to this webhook.
fn new_attempt(
    state: &State,
    target: &Target,
    event: &WebhookEvent,
    number: u32,
) -> WebhookAttempt {
    WebhookAttempt {
        id: state.new_id("webhook_attempt_", 24),
        object: "webhook_attempt".into(),
        event_id: event.id.clone(),
        event_type: event.event_type.clone(),
        webhook_id: target.webhook_id.clone(),
        url: target.url.clone(),
        successful: false,
        response_headers: Vec::new(),
        response_body: None,
        response_status_code: 0,
        attempt: i64::from(number),
        attempted_at: timefmt::format_millis(timefmt::now_millis()),
        extra: Map::new(),
    }
}

/// An attempt recorded without a request: the reason is its body.
pub fn not_sent(
    state: &State,
    target: &Target,
    event: &WebhookEvent,
    number: u32,
    why: &Failure,
) -> WebhookAttempt {
    let mut attempt = new_attempt(state, target, event, number);
    attempt.response_body = Some(why.to_string());
    attempt
}

/// Where the failure says it went: the URL's host as written, and its port.
fn address(url: &str) -> Address {
    let parsed = Url::parse(url).ok();
    let host = parsed
        .as_ref()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "the receiver".to_owned());
    let port = parsed
        .as_ref()
        .and_then(Url::port_or_known_default)
        .unwrap_or(0);
    Address { host, port }
}

/// One try, numbered `number`: the attempt as Exa would record it, successful on any 2xx.
pub async fn deliver(
    client: &reqwest::Client,
    state: &State,
    target: &Target,
    event: &WebhookEvent,
    body: &[u8],
    timeout: Duration,
    number: u32,
) -> WebhookAttempt {
    let timestamp = timefmt::now_secs();
    let header = signature::sign(body, target.secret.as_bytes(), timestamp);
    let mut attempt = new_attempt(state, target, event, number);
    let sent = client
        .post(&target.url)
        .header("content-type", "application/json")
        .header("exa-signature", header)
        .timeout(timeout)
        .body(body.to_vec())
        .send()
        .await;
    let mut response = match sent {
        Ok(response) => response,
        Err(e) => {
            let why = failure::classify(&e, &address(&target.url), timeout, CONNECT_TIMEOUT);
            attempt.response_body = Some(why.to_string());
            return attempt;
        }
    };
    let status = response.status();
    attempt.response_status_code = i64::from(status.as_u16());
    attempt.successful = status.is_success();
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut header_bytes = 0;
    for (name, value) in response.headers() {
        header_bytes += name.as_str().len() + value.len();
        if header_bytes > MAX_RECORDED_HEADER_BYTES {
            break;
        }
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        match headers.iter_mut().find(|(n, _)| n == name.as_str()) {
            Some((_, existing)) => {
                existing.push_str(", ");
                existing.push_str(&value);
            }
            None => headers.push((name.as_str().to_owned(), value)),
        }
    }
    attempt.response_headers = headers;
    let mut kept = Vec::new();
    // The request's timeout covers the body too: a receiver that stalls or breaks mid-body
    // ends the loop with an error, and what came is kept.
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = MAX_RECORDED_BODY.saturating_sub(kept.len());
        kept.extend_from_slice(chunk.get(..room).unwrap_or(&chunk));
        if kept.len() >= MAX_RECORDED_BODY {
            break;
        }
    }
    attempt.response_body = Some(String::from_utf8_lossy(&kept).into_owned());
    attempt
}
