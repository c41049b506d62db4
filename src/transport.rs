//! HTTP to Exa: one pooled reqwest client per `Client`, no redirects, bounded bodies.

use crate::error::{parse_retry_after, ApiError, Error};
use crate::models::{CreateWebhook, ListQuery, Page, UpdateWebhook, Webhook, WebhookAttempt};
use crate::validation::FieldError;
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
use reqwest::{Method, Response, StatusCode, Url};
use serde_json::Value;
use std::time::Duration;

pub const USER_AGENT: &str = concat!("exa-webhooks/", env!("CARGO_PKG_VERSION"));
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Larger answers are refused: no page of webhooks comes near this.
pub const MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

#[derive(Clone)]
pub struct Config {
    pub api_key: String,
    /// Validated, without a trailing slash.
    pub base_url: String,
    pub timeout: Duration,
}

// Written out so the key can never reach a log through `{:?}`.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("api_key", &"<redacted>")
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .finish()
    }
}

#[derive(Debug)]
pub struct Transport {
    http: reqwest::Client,
    webhooks_url: Url,
}

impl Transport {
    pub fn new(config: &Config) -> Result<Self, Error> {
        let mut key = HeaderValue::from_str(&config.api_key)
            .map_err(|_| Error::Connection("the API key is not a valid header value".into()))?;
        key.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert("x-api-key", key);
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .default_headers(headers)
            // An API client must never forward its key to wherever a 3xx points.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(config.timeout)
            .tcp_nodelay(true)
            .build()
            .map_err(|e| Error::Connection(format!("could not set up HTTP: {}", chain(&e))))?;
        let webhooks_url = Url::parse(&format!("{}/websets/v0/webhooks", config.base_url))
            .map_err(|e| Error::Connection(format!("invalid base URL: {e}")))?;
        Ok(Self { http, webhooks_url })
    }

    /// `{base}/websets/v0/webhooks/{id}/{rest...}`, each part one escaped path segment.
    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.webhooks_url.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.extend(segments);
        }
        url
    }

    pub async fn create_webhook(&self, body: &CreateWebhook) -> Result<Webhook, Error> {
        let resp = self
            .send(Method::POST, self.url(&[]), Some(body.to_json()))
            .await?;
        parse_with(&resp, Webhook::from_json)
    }

    pub async fn get_webhook(&self, id: &str) -> Result<Webhook, Error> {
        let resp = self.send(Method::GET, self.url(&[id]), None).await?;
        parse_with(&resp, Webhook::from_json)
    }

    pub async fn update_webhook(&self, id: &str, body: &UpdateWebhook) -> Result<Webhook, Error> {
        let resp = self
            .send(Method::PATCH, self.url(&[id]), Some(body.to_json()))
            .await?;
        parse_with(&resp, Webhook::from_json)
    }

    pub async fn delete_webhook(&self, id: &str) -> Result<Webhook, Error> {
        let resp = self.send(Method::DELETE, self.url(&[id]), None).await?;
        parse_with(&resp, Webhook::from_json)
    }

    pub async fn list_webhooks(&self, query: &ListQuery) -> Result<Page<Webhook>, Error> {
        let mut url = self.url(&[]);
        set_query(&mut url, query);
        let resp = self.send(Method::GET, url, None).await?;
        parse_with(&resp, |v| Page::from_json(v, Webhook::from_json))
    }

    pub async fn list_webhook_attempts(
        &self,
        id: &str,
        query: &ListQuery,
    ) -> Result<Page<WebhookAttempt>, Error> {
        let mut url = self.url(&[id, "attempts"]);
        set_query(&mut url, query);
        let resp = self.send(Method::GET, url, None).await?;
        parse_with(&resp, |v| Page::from_json(v, WebhookAttempt::from_json))
    }

    /// Sends one request and returns the JSON of a 2xx answer; anything else is an `Error`.
    async fn send(&self, method: Method, url: Url, body: Option<Value>) -> Result<Resp, Error> {
        let mut request = self.http.request(method, url);
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.map_err(transport_error)?;
        let status = response.status();
        let request_id = header(&response, "x-request-id");
        let retry_after = parse_retry_after(
            header(&response, "retry-after-ms").as_deref(),
            header(&response, "retry-after").as_deref(),
        );
        let location = header(&response, "location");
        let bytes = read_bounded(response).await?;
        let text = String::from_utf8_lossy(&bytes).into_owned();

        if status.is_success() {
            return match serde_json::from_slice::<Value>(&bytes) {
                Ok(json) => Ok(Resp {
                    status,
                    request_id,
                    text,
                    json,
                }),
                Err(e) => Err(invalid(
                    status,
                    request_id,
                    text,
                    format!("its body is not JSON ({e})"),
                )),
            };
        }
        let mut error = ApiError::from_response(status.as_u16(), request_id, retry_after, text);
        if status.is_redirection() {
            let target = location.unwrap_or_else(|| "nowhere".into());
            error.message = format!(
                "unexpected redirect to {target}; redirects are not followed (check base_url)"
            );
        }
        Err(Error::Api(error))
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
    text: String,
    json: Value,
}

fn parse_with<T>(
    resp: &Resp,
    parse: impl FnOnce(&Value) -> Result<T, Vec<FieldError>>,
) -> Result<T, Error> {
    parse(&resp.json).map_err(|problems| {
        let problems: Vec<String> = problems
            .iter()
            .map(|p| format!("'{}' {}", p.field, p.message))
            .collect();
        invalid(
            resp.status,
            resp.request_id.clone(),
            resp.text.clone(),
            format!("it does not match the API: {}", problems.join("; ")),
        )
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
    })
}

fn header(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

async fn read_bounded(mut response: Response) -> Result<Vec<u8>, Error> {
    let too_large = || {
        Error::Connection(format!(
            "the response body is larger than {MAX_RESPONSE_BYTES} bytes; refused"
        ))
    };
    let declared = response.content_length().unwrap_or(0);
    if declared > MAX_RESPONSE_BYTES as u64 {
        return Err(too_large());
    }
    let mut body = Vec::with_capacity(declared as usize);
    while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn transport_error(e: reqwest::Error) -> Error {
    let message = chain(&e);
    if e.is_timeout() {
        Error::Timeout(message)
    } else {
        Error::Connection(message)
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
