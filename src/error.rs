//! What can go wrong with a call, in plain Rust; `py_errors` turns it into Python exceptions.

use crate::validation::FieldError;
use serde_json::Value;

#[derive(Debug)]
pub enum Error {
    /// Bad input, caught before any network I/O.
    Validation(Vec<FieldError>),
    /// The server answered, with an error status or a response that makes no sense.
    Api(ApiError),
    /// No (complete) answer: refused, reset, DNS, TLS, or nothing within the timeout.
    Connection {
        message: String,
        timed_out: bool,
        attempts: u32,
    },
}

impl Error {
    pub fn connection(message: impl Into<String>) -> Self {
        Self::Connection {
            message: message.into(),
            timed_out: false,
            attempts: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status_code: u16,
    pub message: String,
    pub tag: Option<String>,
    pub request_id: Option<String>,
    pub body: String,
    /// Seconds the server asked us to wait, from `retry-after-ms` or `Retry-After`.
    pub retry_after: Option<f64>,
    /// How many tries were made, retries included.
    pub attempts: u32,
}

impl ApiError {
    /// Reads either of Exa's error shapes, `{requestId, error, tag}` or NestJS's
    /// `{statusCode, message, error}`, and falls back to the raw body or the status text.
    pub fn from_response(
        status_code: u16,
        header_request_id: Option<String>,
        retry_after: Option<f64>,
        body: String,
    ) -> Self {
        let json: Option<Value> = serde_json::from_str(&body).ok();
        let field = |key: &str| json.as_ref().and_then(|j| j.get(key));
        let text = |key: &str| field(key).and_then(Value::as_str).map(str::to_owned);

        let message = match field("message") {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::Array(items)) if !items.is_empty() => Some(
                items
                    .iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            _ => None,
        }
        .or_else(|| text("error").filter(|s| !s.is_empty()))
        .or_else(|| {
            // Not JSON: a gateway's HTML or text. Show its start, on one line.
            let flat = body.split_whitespace().collect::<Vec<_>>().join(" ");
            (!flat.is_empty() && json.is_none()).then(|| shorten(&flat, 200))
        })
        .unwrap_or_else(|| reason(status_code).to_owned());

        Self {
            status_code,
            message,
            tag: text("tag"),
            request_id: text("requestId").or(header_request_id),
            body,
            retry_after,
            attempts: 1,
        }
    }
}

fn shorten(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        s.to_owned()
    } else {
        let head: String = s.chars().take(max_chars).collect();
        format!("{head}...")
    }
}

/// The standard reason phrase, for bodies that say nothing.
pub fn reason(status: u16) -> &'static str {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Unknown status")
}

/// `retry-after-ms` (milliseconds), else `Retry-After` in seconds or as an HTTP date
/// (relative to `now`, Unix seconds).
pub fn parse_retry_after(
    retry_after_ms: Option<&str>,
    retry_after: Option<&str>,
    now: i64,
) -> Option<f64> {
    let ms = retry_after_ms
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map(|ms| ms / 1000.0);
    let secs = || {
        let value = retry_after?.trim();
        value.parse::<f64>().ok().or_else(|| {
            crate::timefmt::parse_http_date(value).map(|at| at.saturating_sub(now).max(0) as f64)
        })
    };
    // Each source is judged on its own: a bad `retry-after-ms` must not hide a good `Retry-After`.
    let usable = |s: &f64| s.is_finite() && *s >= 0.0;
    ms.filter(usable).or_else(|| secs().filter(usable))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exa_shape() {
        let e = ApiError::from_response(
            401,
            Some("req_header".into()),
            None,
            r#"{"requestId":"req_1","error":"Invalid API key","tag":"INVALID_API_KEY"}"#.into(),
        );
        assert_eq!(e.message, "Invalid API key");
        assert_eq!(e.tag.as_deref(), Some("INVALID_API_KEY"));
        assert_eq!(e.request_id.as_deref(), Some("req_1"));
    }

    #[test]
    fn nest_shape_with_list_message() {
        let body = r#"{"statusCode":400,"message":["url must be a URL","events must not be empty"],"error":"Bad Request"}"#;
        let e = ApiError::from_response(400, Some("req_h".into()), None, body.into());
        assert_eq!(e.message, "url must be a URL; events must not be empty");
        assert_eq!(e.request_id.as_deref(), Some("req_h"));
        assert_eq!(e.tag, None);
        let e = ApiError::from_response(
            404,
            None,
            None,
            r#"{"statusCode":404,"message":"Webhook not found","error":"Not Found"}"#.into(),
        );
        assert_eq!(e.message, "Webhook not found");
    }

    #[test]
    fn html_empty_and_odd_bodies() {
        let html = "<html>\n<body><h1>502 Bad Gateway</h1></body>\n</html>";
        let e = ApiError::from_response(502, None, None, html.into());
        assert_eq!(
            e.message,
            "<html> <body><h1>502 Bad Gateway</h1></body> </html>"
        );
        assert_eq!(e.body, html);
        assert_eq!(
            ApiError::from_response(503, None, None, String::new()).message,
            "Service Unavailable"
        );
        assert_eq!(
            ApiError::from_response(418, None, None, "{}".into()).message,
            "I'm a teapot"
        );
        assert_eq!(
            ApiError::from_response(599, None, None, "[1]".into()).message,
            "Unknown status"
        );
        assert!(
            ApiError::from_response(500, None, None, "x".repeat(10_000))
                .message
                .len()
                < 210
        );
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after(Some("1500"), Some("9"), 0), Some(1.5));
        assert_eq!(parse_retry_after(None, Some(" 3 "), 0), Some(3.0));
        assert_eq!(parse_retry_after(None, Some("soon"), 0), None);
        assert_eq!(parse_retry_after(Some("-5"), None, 0), None);
        assert_eq!(parse_retry_after(Some("-5"), Some("3"), 0), Some(3.0));
        assert_eq!(parse_retry_after(Some("NaN"), Some("3"), 0), Some(3.0));
        assert_eq!(parse_retry_after(None, None, 0), None);
        let date = "Sun, 06 Nov 1994 08:49:37 GMT";
        assert_eq!(parse_retry_after(None, Some(date), 784_111_770), Some(7.0));
        assert_eq!(parse_retry_after(None, Some(date), 784_111_800), Some(0.0));
    }
}
