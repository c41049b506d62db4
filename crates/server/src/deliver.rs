//! Delivering events as Exa does: a signed JSON POST to every subscribed webhook, no
//! redirects followed, a bounded wait, and each try recorded as a `WebhookAttempt`.

use super::store::State;
use exa_webhooks_core::models::{WebhookAttempt, WebhookEvent};
use exa_webhooks_core::signature;
use exa_webhooks_core::timefmt;
use serde_json::Map;
use std::time::Duration;

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

/// The deliveries' HTTP client. Each server has its own: pooled connections belong to the
/// runtime that opened them, and a server's runtime ends with it.
pub fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        // Receivers in tests are local; a proxy from the environment must not intercept.
        .no_proxy()
        .build()
        .map_err(|e| format!("cannot build the delivery client: {e}"))
}

/// One try: the attempt as Exa would record it, successful on any 2xx.
pub async fn deliver(
    client: &reqwest::Client,
    state: &State,
    target: &Target,
    event: &WebhookEvent,
    body: &[u8],
    timeout: Duration,
) -> WebhookAttempt {
    let timestamp = timefmt::now_secs();
    let header = signature::sign(body, target.secret.as_bytes(), timestamp);
    let mut attempt = WebhookAttempt {
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
        attempt: 1,
        attempted_at: timefmt::format_millis(timefmt::now_millis()),
        extra: Map::new(),
    };
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
            attempt.response_body = Some(format!("could not deliver: {e}"));
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
