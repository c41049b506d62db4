//! What can go wrong with a call, in plain Rust; the Python binding's `errors` module turns
//! it into exceptions.

use crate::cause::Cause;
use crate::redact;
use crate::validation::FieldError;
use serde_json::Value;
use std::borrow::Cow;

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
        /// What the network library said, when it said something.
        cause: Option<Cause>,
    },
}

impl Error {
    pub fn connection(message: impl Into<String>) -> Self {
        Self::Connection {
            message: message.into(),
            timed_out: false,
            attempts: 0,
            cause: None,
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
    /// `{statusCode, message, error}`; an HTML page (a proxy's or gateway's) is summed up in
    /// its first words; other text is shown as it starts; an empty body gives the status text.
    /// Webhook secrets are masked in the body and the message, whatever the status.
    pub fn from_response(
        status_code: u16,
        header_request_id: Option<String>,
        retry_after: Option<f64>,
        body: String,
    ) -> Self {
        let body = match redact::secrets(&body) {
            Cow::Borrowed(_) => body,
            Cow::Owned(redacted) => redacted,
        };
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
            if json.is_some() {
                return None;
            }
            if let Some(blocks) = markup_text(&body) {
                return Some(page_summary(status_code, &blocks));
            }
            // A gateway's plain text: its start, on one line.
            let flat = body.split_whitespace().collect::<Vec<_>>().join(" ");
            (!flat.is_empty()).then(|| shorten(&flat, MAX_SUMMARY_CHARS))
        })
        .unwrap_or_else(|| reason(status_code).to_owned());

        Self {
            status_code,
            message: redact::secrets(&message).into_owned(),
            tag: text("tag"),
            request_id: text("requestId").or(header_request_id).map(request_id),
            body,
            retry_after,
            attempts: 1,
        }
    }
}

/// The most of a body's own text a message shows.
const MAX_SUMMARY_CHARS: usize = 200;

/// Longer request ids are cut (real ones are a few dozen characters): a server, or something
/// posing as one, may send 100 KB in `x-request-id`, which every message would then carry.
pub const MAX_REQUEST_ID_CHARS: usize = 128;

/// A request id as errors and replies keep it: at most `MAX_REQUEST_ID_CHARS` characters.
pub fn request_id(id: String) -> String {
    if id.len() <= MAX_REQUEST_ID_CHARS {
        return id;
    }
    shorten(&id, MAX_REQUEST_ID_CHARS)
}

fn shorten(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        None => s.to_owned(),
        Some((cut, _)) => format!("{}...", s.get(..cut).unwrap_or(s)),
    }
}

/// What an error page says, in its words: the status's own reason phrase, then the page's
/// first text that is not just the status again, without markup.
fn page_summary(status: u16, blocks: &[String]) -> String {
    let reason = reason(status);
    let code = status.to_string();
    let noise = [
        code.clone(),
        reason.to_lowercase(),
        "error".into(),
        "http".into(),
    ];
    let mut kept: Vec<&str> = Vec::new();
    for block in blocks {
        let shown = block
            .strip_prefix(code.as_str())
            .map_or(block.as_str(), str::trim_start);
        let rest = noise.iter().fold(shown.to_lowercase(), |text, noise| {
            text.replace(noise.as_str(), "")
        });
        let repeated = kept.iter().any(|k| k.eq_ignore_ascii_case(shown));
        if rest.chars().any(char::is_alphanumeric) && !repeated {
            kept.push(shown);
        }
    }
    let said = shorten(&kept.join(" - "), MAX_SUMMARY_CHARS);
    let said = if said.is_empty() {
        reason.to_owned()
    } else {
        format!("{reason}: {said}")
    };
    format!("{said} (an HTML page, not an API answer: likely from a proxy or gateway)")
}

/// Tags that do not end a block of text.
const INLINE_TAGS: [&str; 13] = [
    "a", "abbr", "b", "code", "em", "font", "i", "kbd", "small", "span", "strong", "sub", "u",
];

/// The text of an HTML (or XML) page, one entry per block, without tags, comments, scripts
/// or styles; None if `body` is not markup. Stops once it has enough for a summary.
fn markup_text(body: &str) -> Option<Vec<String>> {
    let mut rest = body.trim_start();
    if !rest.starts_with('<') {
        return None;
    }
    let mut blocks = Vec::new();
    let mut current = String::new();
    let mut total = 0;
    let mut flush = |current: &mut String, blocks: &mut Vec<String>| {
        let text = current.split_whitespace().collect::<Vec<_>>().join(" ");
        current.clear();
        if !text.is_empty() {
            total += text.len();
            blocks.push(text);
        }
        total > 4 * MAX_SUMMARY_CHARS
    };
    while !rest.is_empty() {
        if let Some(comment) = rest.strip_prefix("<!--") {
            rest = comment
                .find("-->")
                .and_then(|end| comment.get(end + 3..))
                .unwrap_or("");
            continue;
        }
        let Some(tag) = rest.strip_prefix('<') else {
            let (text, markup) = rest.split_at(rest.find('<').unwrap_or(rest.len()));
            current.push_str(&decode_entities(text));
            rest = markup;
            continue;
        };
        let (inside, after) = tag.split_at(tag.find('>').unwrap_or(tag.len()));
        let name: String = inside
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '!')
            .collect::<String>()
            .to_ascii_lowercase();
        let closing = tag.starts_with('/');
        rest = after.get(1..).unwrap_or("");
        if !closing && (name == "script" || name == "style") {
            // Skip to its closing tag, which the next turn reads.
            let close = format!("</{name}");
            rest = rest
                .to_ascii_lowercase()
                .find(&close)
                .and_then(|at| rest.get(at..))
                .unwrap_or("");
            continue;
        }
        if INLINE_TAGS.contains(&name.as_str()) {
            current.push(' ');
        } else if flush(&mut current, &mut blocks) {
            return Some(blocks);
        }
    }
    flush(&mut current, &mut blocks);
    Some(blocks)
}

/// The entities error pages use; others stay as written.
fn decode_entities(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        let (before, from_amp) = rest.split_at(at);
        out.push_str(before);
        rest = from_amp;
        let entity = rest
            .find(';')
            .filter(|end| *end <= 10)
            .and_then(|end| rest.get(1..end));
        let decoded = entity.and_then(|name| match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            _ => {
                let code = match name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => name.strip_prefix('#').and_then(|d| d.parse().ok()),
                };
                code.and_then(char::from_u32)
            }
        });
        match (entity, decoded) {
            (Some(name), Some(c)) => {
                out.push(c);
                rest = rest.get(name.len() + 2..).unwrap_or("");
            }
            _ => {
                out.push('&');
                rest = rest.get(1..).unwrap_or("");
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
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
    fn html_pages_are_summed_up_in_words() {
        let nginx = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
                     <center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.25.3</center>\
                     \r\n</body>\r\n</html>";
        let e = ApiError::from_response(502, None, None, nginx.into());
        assert_eq!(
            e.message,
            "Bad Gateway: nginx/1.25.3 (an HTML page, not an API answer: likely from a proxy or \
             gateway)"
        );
        assert_eq!(e.body, nginx);

        let page = "<!DOCTYPE html><html><head><style>body { color: red }</style>\
                    <script>var x = '<p>not this</p>';</script><!-- <p>nor this</p> --></head>\
                    <body><h1>Error 503</h1><p>The <b>upstream</b> is down &amp; will be back \
                    &#8212; soon.</p><p>The upstream is down &amp; will be back &#8212; soon.</p>\
                    </body></html>";
        let e = ApiError::from_response(503, None, None, page.into());
        assert!(
            e.message.starts_with(
                "Service Unavailable: The upstream is down & will be back \u{2014} soon. (an HTML"
            ),
            "{}",
            e.message
        );

        let alb = "<html><head><title>504 Gateway Time-out</title></head><body><center>\
                   <h1>504 Gateway Time-out</h1></center></body></html>";
        assert!(ApiError::from_response(504, None, None, alb.into())
            .message
            .starts_with("Gateway Timeout: Gateway Time-out (an HTML page"));

        let long = format!("<html><body><p>{}</p></body></html>", "x".repeat(100_000));
        let e = ApiError::from_response(502, None, None, long.clone());
        assert!(e.message.chars().count() < 300, "{}", e.message);
        assert!(!e.message.contains('<'));
        assert_eq!(e.body, long);
        let bare = "<html><body></body></html>";
        assert!(ApiError::from_response(500, None, None, bare.into())
            .message
            .starts_with("Internal Server Error (an HTML page"));
    }

    #[test]
    fn empty_plain_and_odd_bodies() {
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
        let text = "upstream connect error or\n disconnect/reset before headers";
        assert_eq!(
            ApiError::from_response(503, None, None, text.into()).message,
            "upstream connect error or disconnect/reset before headers"
        );
        assert!(
            ApiError::from_response(500, None, None, "x".repeat(10_000))
                .message
                .len()
                < 210
        );
        assert_eq!(
            decode_entities("a &lt;b&gt; &bogus; & &#x41;"),
            "a <b> &bogus; & A"
        );
    }

    #[test]
    fn secrets_are_masked_whatever_the_status() {
        let relayed = r#"{"id":"webhook_1","secret":"whsec_RELAYED","url":"https://e.com"}"#;
        let e = ApiError::from_response(502, None, None, relayed.into());
        assert!(!e.body.contains("whsec_RELAYED"));
        assert!(e.body.contains("webhook_1"));
        let text = r#"bad gateway: upstream said {"secret": "whsec_TEXT"}"#;
        let e = ApiError::from_response(502, None, None, text.into());
        assert!(!e.body.contains("whsec_TEXT") && !e.message.contains("whsec_TEXT"));
        assert!(e.message.starts_with("bad gateway: upstream said"));
        let html =
            "<html><body><pre>{&quot;secret&quot;: &quot;whsec_HTML&quot;}</pre></body></html>";
        let e = ApiError::from_response(502, None, None, html.into());
        assert!(!e.body.contains("whsec_HTML") && !e.message.contains("whsec_HTML"));
        let error = r#"{"error": "no: {\"secret\": \"whsec_NESTED\"}", "tag": "T"}"#;
        let e = ApiError::from_response(400, None, None, error.into());
        assert!(!e.body.contains("whsec_NESTED") && !e.message.contains("whsec_NESTED"));
        assert_eq!(e.tag.as_deref(), Some("T"));
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
