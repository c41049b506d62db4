//! Request validation, done before any network I/O so that bad input never costs a request.

use crate::events;
use reqwest::Url;
use std::collections::HashSet;
use std::net::IpAddr;

pub const MAX_URL_LEN: usize = 2048;
pub const MAX_METADATA_VALUE_CHARS: usize = 1000;
/// How many items of an event list get their own checks (see `check_events`).
const MAX_EVENTS_CHECKED: usize = 100;

/// One problem with the input: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Every problem with a list of event types: count, unknown names, duplicates. Items of the
/// wrong type (`None`, already reported) keep their places so the others are named by their
/// real index.
pub fn validate_partial_events(items: &[Option<String>], errors: &mut Vec<FieldError>) {
    let items: Vec<Option<&str>> = items.iter().map(Option::as_deref).collect();
    check_events(&items, true, errors);
}

/// The spec's rules for event lists (count and known names): what the server enforces.
/// Duplicates are left to the client, which refuses them as certain mistakes.
pub fn validate_event_names(events: &[String], errors: &mut Vec<FieldError>) {
    let items: Vec<Option<&str>> = events.iter().map(|e| Some(e.as_str())).collect();
    check_events(&items, false, errors);
}

fn check_events(events: &[Option<&str>], refuse_duplicates: bool, errors: &mut Vec<FieldError>) {
    let count = events.len();
    let max = events::EVENT_TYPES.len();
    if count == 0 {
        errors.push(FieldError::new(
            "events",
            "must contain at least 1 event type",
        ));
    } else if count > max {
        errors.push(FieldError::new(
            "events",
            format!("must contain at most {max} event types, got {count}"),
        ));
    }
    // Past the count error, names are checked for the first hundred only: a list of a million
    // would otherwise take seconds and make a message of megabytes.
    let mut seen = HashSet::with_capacity(count.min(MAX_EVENTS_CHECKED));
    for (i, event) in events.iter().enumerate().take(MAX_EVENTS_CHECKED) {
        let Some(event) = *event else { continue };
        let field = format!("events[{i}]");
        if !events::is_known(event) {
            validate_event_type(&field, event, errors);
        } else if !seen.insert(event) && refuse_duplicates {
            errors.push(FieldError::new(
                field,
                format!("duplicate event type {}", quote(event)),
            ));
        }
    }
}

/// A webhook target: absolute http(s) URL with a host, no credentials, bounded length.
pub fn validate_url(field: &str, url: &str, errors: &mut Vec<FieldError>) {
    let mut fail = |message: String| errors.push(FieldError::new(field, message));
    let chars = url.chars().count();
    if url.is_empty() {
        return fail("must not be empty".into());
    }
    if chars > MAX_URL_LEN {
        return fail(format!(
            "must be at most {MAX_URL_LEN} characters, got {chars}"
        ));
    }
    // The URL parser silently trims and re-encodes these; the server would see something else.
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return fail("must not contain whitespace or control characters".into());
    }
    if plainly_valid(url) {
        return;
    }
    let parsed = match Url::parse(url) {
        Ok(parsed) => parsed,
        Err(e) => return fail(format!("is not a valid absolute URL ({e}): {}", quote(url))),
    };
    if !matches!(parsed.scheme(), "https" | "http") {
        return fail(format!(
            "must use https or http, not {}",
            quote(parsed.scheme())
        ));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return fail("must have a host".into());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        fail("must not contain a user name or password".into());
    }
}

/// Whether `url` has the common shape that the full parse below accepts for certain:
/// `http(s)://`, a host of lowercase ASCII labels whose last starts with a letter (so neither
/// an IP address nor punycode), an optional numeric port, then anything ASCII. One pass, where
/// the parse (IDNA processing of the host, a new serialized URL) costs 20 times more on each
/// create. Anything else takes the parse, which words its errors.
fn plainly_valid(url: &str) -> bool {
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return false;
    };
    if !rest.is_ascii() {
        return false;
    }
    let rest = rest.as_bytes();
    let end = rest
        .iter()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    let authority = rest.get(..end).unwrap_or_default();
    let (host, port) = match authority.iter().position(|&b| b == b':') {
        Some(colon) => (
            authority.get(..colon).unwrap_or_default(),
            authority.get(colon + 1..),
        ),
        None => (authority, None),
    };
    if let Some(port) = port {
        let digits = port.len();
        if !(1..=5).contains(&digits) || !port.iter().all(u8::is_ascii_digit) {
            return false;
        }
        let value = port.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
        if value > u32::from(u16::MAX) {
            return false;
        }
    }
    let mut last = None;
    for label in host.split(|&b| b == b'.') {
        let plain = label
            .iter()
            .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if label.is_empty() || !plain || label.starts_with(b"xn--") {
            return false;
        }
        last = label.first();
    }
    last.is_some_and(u8::is_ascii_lowercase)
}

/// Metadata values are strings of at most 1000 characters.
pub fn validate_metadata(metadata: &[(String, String)], errors: &mut Vec<FieldError>) {
    for (key, value) in metadata {
        let chars = value.chars().count();
        if chars > MAX_METADATA_VALUE_CHARS {
            errors.push(FieldError::new(
                format!("metadata[{}]", quote(key)),
                format!("must be at most {MAX_METADATA_VALUE_CHARS} characters, got {chars}"),
            ));
        }
    }
}

/// 127.0.0.1 and the rest of 127/8, ::1, `localhost`.
pub fn is_loopback(host: &url::Host<&str>) -> bool {
    match *host {
        url::Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => IpAddr::V4(ip).is_loopback(),
        url::Host::Ipv6(ip) => IpAddr::V6(ip).is_loopback(),
    }
}

/// Where plain http may go besides loopback: the hosts a user named, one by one, in this
/// variable (a test server in another container, say).
pub const ALLOW_HTTP_HOSTS_ENV: &str = "EXA_WEBHOOKS_ALLOW_HTTP_HOSTS";

/// The hosts of `EXA_WEBHOOKS_ALLOW_HTTP_HOSTS`: comma-separated names or IP addresses
/// (IPv6 with or without brackets), no schemes, ports, paths or wildcards.
pub fn parse_http_hosts(value: &str, errors: &mut Vec<FieldError>) -> Vec<url::Host> {
    let mut hosts = Vec::new();
    for entry in value.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let mut fail = |why: &str| {
            errors.push(FieldError::new(
                ALLOW_HTTP_HOSTS_ENV,
                format!("{} is not a host name or IP address: {why}", quote(entry)),
            ));
        };
        if entry.contains('*') {
            fail("wildcards are not allowed, name each host");
            continue;
        }
        if entry.contains("://") || entry.contains(['/', '@', '?', '#']) {
            fail("give only the host, without scheme, path or user");
            continue;
        }
        let bracketed = match entry.parse::<std::net::Ipv6Addr>() {
            Ok(_) => format!("[{entry}]"),
            Err(_) if entry.contains(':') && !entry.starts_with('[') => {
                fail("give only the host, without a port");
                continue;
            }
            Err(_) => entry.to_owned(),
        };
        match url::Host::parse(&bracketed) {
            Ok(host) => hosts.push(host),
            Err(e) => fail(&e.to_string()),
        }
    }
    hosts
}

/// The API base URL: https, or http only to a loopback host or one of `http_hosts` (from
/// `EXA_WEBHOOKS_ALLOW_HTTP_HOSTS`), so the key never crosses a network in clear unless the
/// user said it may. Returns the URL without a trailing slash.
pub fn validate_base_url(
    base_url: &str,
    http_hosts: &[url::Host],
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let mut fail = |message: String| {
        errors.push(FieldError::new("base_url", message));
        None
    };
    let parsed = match Url::parse(base_url) {
        Ok(parsed) => parsed,
        Err(e) => {
            return fail(format!(
                "is not a valid absolute URL ({e}): {}",
                quote(base_url)
            ))
        }
    };
    let Some(host) = parsed.host() else {
        return fail("must have a host".into());
    };
    let loopback = is_loopback(&host) || http_hosts.contains(&host.to_owned());
    match parsed.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return fail(format!(
                "must use https unless the host is loopback (127.0.0.1, ::1, localhost) or \
                     named in {ALLOW_HTTP_HOSTS_ENV} (for a test server on another host): the \
                     API key must not cross a network in clear"
            ))
        }
        other => return fail(format!("must use https, not {}", quote(other))),
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return fail("must not contain a user name or password".into());
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return fail("must not have a query or fragment".into());
    }
    Some(parsed.as_str().trim_end_matches('/').to_owned())
}

/// An API key must be usable as a header value. The message never shows the key.
pub fn validate_api_key(api_key: &str, errors: &mut Vec<FieldError>) {
    if api_key.trim().is_empty() {
        errors.push(FieldError::new("api_key", "must not be empty"));
    } else if !api_key.bytes().all(|b| b.is_ascii_graphic()) {
        errors.push(FieldError::new(
            "api_key",
            "must contain only visible ASCII characters (no spaces, newlines or other characters)",
        ));
    }
}

/// A request timeout in seconds: positive and finite, so no call can hang for ever.
pub fn validate_timeout(timeout: f64, errors: &mut Vec<FieldError>) {
    if !(timeout.is_finite() && timeout > 0.0 && timeout <= 86_400.0) {
        errors.push(FieldError::new(
            "timeout",
            format!("must be a number of seconds greater than 0 and at most 86400, got {timeout}"),
        ));
    }
}

pub const MAX_PAGE_LIMIT: i64 = 200;
const MAX_ID_LEN: usize = 256;

/// A webhook id goes into the URL path, so it must never change which endpoint is called:
/// no separators, dot segments, query or fragment markers, escapes, spaces or controls.
pub fn validate_webhook_id(id: &str, errors: &mut Vec<FieldError>) {
    validate_path_id("webhook_id", "a webhook id", id, errors);
}

/// An event id, on the same terms as a webhook id.
pub fn validate_event_id(id: &str, errors: &mut Vec<FieldError>) {
    validate_path_id("event_id", "an event id", id, errors);
}

fn validate_path_id(field: &str, what: &str, id: &str, errors: &mut Vec<FieldError>) {
    let mut fail = |message: &str| errors.push(FieldError::new(field, message));
    if id.is_empty() {
        fail("must not be empty");
    } else if id.chars().count() > MAX_ID_LEN {
        fail(&format!("is too long to be {what}"));
    } else if id == "." || id == ".." {
        fail("must not be a dot segment");
    } else if let Some(bad) = id
        .chars()
        .find(|c| matches!(c, '/' | '\\' | '?' | '#' | '%') || c.is_whitespace() || c.is_control())
    {
        let shown = format!("{bad:?}");
        fail(&format!("must not contain {shown}: it is not {what}"));
    }
}

/// A page size: 1 to 200.
pub fn validate_limit(limit: i64, errors: &mut Vec<FieldError>) {
    if !(1..=MAX_PAGE_LIMIT).contains(&limit) {
        errors.push(FieldError::new(
            "limit",
            format!("must be between 1 and {MAX_PAGE_LIMIT}, got {limit}"),
        ));
    }
}

/// Longer cursors are refused before any I/O: they could not be sent in a URL anyway (past
/// about 64 KB, once percent-encoded), and no real cursor comes close.
pub const MAX_CURSOR_CHARS: usize = 8192;

/// A cursor from a previous page: a non-empty string of bounded length.
pub fn validate_cursor(cursor: &str, errors: &mut Vec<FieldError>) {
    if cursor.is_empty() {
        errors.push(FieldError::new("cursor", "must not be empty"));
    } else if cursor.len() > MAX_CURSOR_CHARS {
        let chars = cursor.chars().count();
        if chars > MAX_CURSOR_CHARS {
            errors.push(FieldError::new(
                "cursor",
                format!("must be at most {MAX_CURSOR_CHARS} characters, got {chars}"),
            ));
        }
    }
}

/// One known event type, for filters.
pub fn validate_event_type(field: &str, event_type: &str, errors: &mut Vec<FieldError>) {
    if !events::is_known(event_type) {
        errors.push(FieldError::new(field, unknown_event_type(event_type)));
    }
}

/// `unknown event type "x"; did you mean "y"?`: the one wording, wherever a name is refused.
pub fn unknown_event_type(event_type: &str) -> String {
    let hint = events::suggest(event_type)
        .map(|s| format!("; did you mean {}?", quote(s)))
        .unwrap_or_default();
    format!("unknown event type {}{hint}", quote(event_type))
}

/// The message of a validation error: every problem, one per line.
pub fn describe(errors: &[FieldError]) -> String {
    let count = errors.len();
    let plural = if count == 1 { "" } else { "s" };
    let mut message = format!("{count} validation error{plural}");
    for e in errors {
        message.push_str(&format!("\n  {}: {}", e.field, e.message));
    }
    message
}

/// Quotes user input for a message, shortened so a huge value cannot flood it.
pub fn quote(value: &str) -> String {
    const SHOWN: usize = 80;
    if value.chars().count() <= SHOWN {
        format!("{value:?}")
    } else {
        let head: String = value.chars().take(SHOWN).collect();
        format!("{head:?}...")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors_of(f: impl FnOnce(&mut Vec<FieldError>)) -> Vec<FieldError> {
        let mut errors = Vec::new();
        f(&mut errors);
        errors
    }

    fn validate_events(events: &[String], errors: &mut Vec<FieldError>) {
        let items: Vec<Option<String>> = events.iter().cloned().map(Some).collect();
        validate_partial_events(&items, errors);
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn events_accepts_known_and_reports_every_problem() {
        assert!(errors_of(|e| validate_events(&strings(&["webset.created"]), e)).is_empty());
        let all: Vec<String> = events::EVENT_TYPES
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        assert!(errors_of(|e| validate_events(&all, e)).is_empty());

        let errors = errors_of(|e| {
            validate_events(
                &strings(&[
                    "webset.created",
                    "webset.completed",
                    "webset.created",
                    "zzz",
                ]),
                e,
            )
        });
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["events[1]", "events[2]", "events[3]"]);
        assert!(errors[0].message.contains("did you mean \"webset.idle\""));
        assert!(errors[1].message.contains("duplicate"));
        assert!(!errors[2].message.contains("did you mean"));
    }

    #[test]
    fn events_count_bounds() {
        let errors = errors_of(|e| validate_events(&[], e));
        assert_eq!(
            errors,
            [FieldError::new(
                "events",
                "must contain at least 1 event type"
            )]
        );
        let mut twenty: Vec<String> = events::EVENT_TYPES
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        twenty.push("webset.created".into());
        let errors = errors_of(|e| validate_events(&twenty, e));
        assert_eq!(errors[0].field, "events");
        assert!(errors[0].message.contains("at most 19"));
    }

    #[test]
    fn url_rules() {
        for ok in [
            "https://example.com/hooks/exa",
            "http://localhost:8080/h",
            "https://[::1]/x?y=1",
        ] {
            assert!(errors_of(|e| validate_url("url", ok, e)).is_empty(), "{ok}");
        }
        let long = format!("https://example.com/{}", "a".repeat(2048));
        for bad in [
            "",
            "example.com/hook",
            "/relative",
            "ftp://example.com/x",
            "https://user:pw@example.com/x",
            "https://example.com/a b",
            " https://example.com/",
            "file:///etc/passwd",
            "mailto:a@example.com",
            long.as_str(),
        ] {
            let errors = errors_of(|e| validate_url("url", bad, e));
            assert_eq!(errors.len(), 1, "{bad}: {errors:?}");
            assert_eq!(errors[0].field, "url");
        }
        let exactly = format!("https://e.com/{}", "a".repeat(MAX_URL_LEN - 14));
        assert_eq!(exactly.len(), MAX_URL_LEN);
        assert!(errors_of(|e| validate_url("url", &exactly, e)).is_empty());
    }

    /// The shortcut never accepts what the full check refuses: every string of a grammar
    /// around its edges (schemes, IP-like and punycode hosts, ports, credentials, brackets,
    /// backslashes, percent signs, dots), compared with the full check alone.
    #[test]
    fn the_plain_url_shortcut_agrees_with_the_full_parse() {
        fn full(url: &str) -> Vec<FieldError> {
            let mut errors = Vec::new();
            let parsed = Url::parse(url);
            match parsed {
                Ok(p)
                    if matches!(p.scheme(), "https" | "http")
                        && p.host_str().is_some_and(|h| !h.is_empty())
                        && p.username().is_empty()
                        && p.password().is_none() => {}
                _ => errors.push(FieldError::new("url", "refused")),
            }
            errors
        }
        let schemes = [
            "https://", "http://", "HTTPS://", "https:/", "ftp://", "http:", "",
        ];
        let hosts = [
            "example.com",
            "a",
            "a-b.c",
            "-a.com",
            "a-.com",
            "a..b",
            ".a",
            "a.",
            "1.2.3.4",
            "1.2.3.256",
            "example.123",
            "a.0x1f",
            "0x1f",
            "a.b1",
            "xn--abc",
            "xn--nxasmq6b.com",
            "a.xn--p1ai",
            "ab--cd.com",
            "A.com",
            "é.com",
            "a b",
            "a@b",
            "u:p@a.com",
            "[::1]",
            "a%41.com",
            "a\\b.com",
            "localhost",
            "",
        ];
        let ports = [
            "", ":", ":0", ":80", ":65535", ":65536", ":99999", ":000080", ":8a", "::1",
        ];
        let tails = [
            "",
            "/",
            "/h?x=1#f",
            "?q",
            "#f",
            "\\evil",
            "/%zz",
            "/é",
            "/a<b>\"{}`",
        ];
        let mut plain = 0;
        for scheme in schemes {
            for host in hosts {
                for port in ports {
                    for tail in tails {
                        let url = format!("{scheme}{host}{port}{tail}");
                        if plainly_valid(&url) {
                            plain += 1;
                            assert!(full(&url).is_empty(), "shortcut accepted {url:?}");
                        }
                    }
                }
            }
        }
        // The shortcut is taken for the common shapes, or it would save nothing.
        assert!(plain > 300, "{plain}");
        for common in [
            "https://example.com/hooks/exa",
            "http://localhost:8080/h",
            "https://a.b-c.io",
        ] {
            assert!(plainly_valid(common), "{common}");
        }
    }

    #[test]
    fn a_huge_event_list_gets_a_bounded_report() {
        let huge: Vec<String> = (0..1_000_000).map(|i| format!("x{i}")).collect();
        let errors = errors_of(|e| validate_event_names(&huge, e));
        assert!(errors[0].message.contains("at most 19"), "{:?}", errors[0]);
        assert_eq!(errors.len(), 1 + MAX_EVENTS_CHECKED);
    }

    #[test]
    fn metadata_values_are_bounded_in_characters() {
        let ok = vec![("k".to_owned(), "é".repeat(1000))];
        assert!(errors_of(|e| validate_metadata(&ok, e)).is_empty());
        let bad = vec![("team".to_owned(), "x".repeat(1001))];
        let errors = errors_of(|e| validate_metadata(&bad, e));
        assert_eq!(errors[0].field, "metadata[\"team\"]");
    }

    #[test]
    fn base_url_requires_tls_off_loopback() {
        let ok = |u: &str| errors_of(|e| assert!(validate_base_url(u, &[], e).is_some()));
        assert!(ok("https://api.exa.ai").is_empty());
        assert!(ok("http://127.0.0.1:8000/").is_empty());
        assert!(ok("http://[::1]:8000").is_empty());
        assert!(ok("http://localhost:1").is_empty());
        let mut errors = Vec::new();
        assert_eq!(
            validate_base_url("https://proxy.internal/exa/", &[], &mut errors).as_deref(),
            Some("https://proxy.internal/exa")
        );
        for bad in [
            "http://api.exa.ai",
            "http://10.0.0.1",
            "ftp://api.exa.ai",
            "api.exa.ai",
            "https://k:s@api.exa.ai",
            "https://api.exa.ai/?x=1",
        ] {
            let errors = errors_of(|e| assert!(validate_base_url(bad, &[], e).is_none()));
            assert_eq!(errors.len(), 1, "{bad}");
        }
    }

    #[test]
    fn named_hosts_may_take_plain_http() {
        let hosts = errors_of(|e| {
            let hosts = parse_http_hosts(" exa-server, 10.0.0.1 ,,fd00::1,[fd00::2],EXA-Test ", e);
            assert_eq!(hosts.len(), 5);
            for url in [
                "http://exa-server:8000",
                "http://10.0.0.1",
                "http://[fd00::1]:1",
                "http://[fd00::2]",
                "http://exa-test/x",
            ] {
                assert!(validate_base_url(url, &hosts, e).is_some(), "{url}");
            }
            // Only those: not a look-alike, a sub-domain, or another address.
            for url in [
                "http://exa-server.evil.com",
                "http://exa-serverx",
                "http://10.0.0.2",
                "http://exa-server./",
            ] {
                let mut errors = Vec::new();
                assert!(
                    validate_base_url(url, &hosts, &mut errors).is_none(),
                    "{url}"
                );
                assert!(errors[0].message.contains(ALLOW_HTTP_HOSTS_ENV));
            }
        });
        assert!(hosts.is_empty(), "{hosts:?}");
        for bad in [
            "*.internal",
            "http://exa-server",
            "exa-server:8000",
            "exa-server/x",
            "user@host",
            "bad host",
        ] {
            let errors = errors_of(|e| {
                parse_http_hosts(&format!("ok-host,{bad}"), e);
            });
            assert_eq!(errors.len(), 1, "{bad}");
            assert_eq!(errors[0].field, ALLOW_HTTP_HOSTS_ENV);
            assert!(errors[0].message.contains(bad), "{}", errors[0].message);
        }
    }

    #[test]
    fn api_key_and_timeout() {
        assert!(errors_of(|e| validate_api_key("abc-123", e)).is_empty());
        for bad in ["", "  ", "a b", "a\nb", "ключ"] {
            let errors = errors_of(|e| validate_api_key(bad, e));
            assert_eq!(errors.len(), 1, "{bad:?}");
            assert_eq!(errors[0].field, "api_key");
        }
        // The key itself never appears in the message.
        let errors = errors_of(|e| validate_api_key("secret key", e));
        assert!(!errors[0].message.contains("secret key"));
        assert!(errors_of(|e| validate_timeout(0.5, e)).is_empty());
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e9] {
            assert_eq!(errors_of(|e| validate_timeout(bad, e)).len(), 1);
        }
    }

    #[test]
    fn webhook_ids_cannot_steer_the_path() {
        for ok in ["webhook_abc123", "wh-1", "A.B", "ünïcode"] {
            assert!(errors_of(|e| validate_webhook_id(ok, e)).is_empty(), "{ok}");
        }
        let long = "x".repeat(300);
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            "../x",
            "a\\b",
            "a?b=1",
            "a#b",
            "a%2Fb",
            "a b",
            "a\tb",
            "a\nb",
            "a\u{0}b",
            long.as_str(),
        ] {
            assert_eq!(
                errors_of(|e| validate_webhook_id(bad, e)).len(),
                1,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn event_ids_cannot_steer_the_path_either() {
        assert!(errors_of(|e| validate_event_id("event_abc", e)).is_empty());
        for bad in ["", "..", "a/b", "a?b", "a%2F", "a b"] {
            let errors = errors_of(|e| validate_event_id(bad, e));
            assert_eq!(errors.len(), 1, "{bad:?}");
            assert_eq!(errors[0].field, "event_id");
        }
        let errors = errors_of(|e| validate_event_id("x/y", e));
        assert!(errors[0].message.ends_with("it is not an event id"));
    }

    #[test]
    fn limits_cursors_and_event_types() {
        assert!(errors_of(|e| validate_limit(1, e)).is_empty());
        assert!(errors_of(|e| validate_limit(200, e)).is_empty());
        assert_eq!(errors_of(|e| validate_limit(0, e)).len(), 1);
        assert_eq!(errors_of(|e| validate_limit(201, e)).len(), 1);
        assert_eq!(errors_of(|e| validate_cursor("", e)).len(), 1);
        assert!(errors_of(|e| validate_cursor("abc", e)).is_empty());
        assert!(errors_of(|e| validate_cursor(&"é".repeat(MAX_CURSOR_CHARS), e)).is_empty());
        let long = errors_of(|e| validate_cursor(&"x".repeat(70_000), e));
        assert_eq!(
            long[0].message,
            "must be at most 8192 characters, got 70000"
        );
        let errors = errors_of(|e| validate_event_type("event_type", "webset.completed", e));
        assert!(errors[0].message.contains("webset.idle"));
    }

    #[test]
    fn describe_lists_every_problem() {
        let errors = [
            FieldError::new("url", "bad"),
            FieldError::new("events", "empty"),
        ];
        assert_eq!(
            describe(&errors),
            "2 validation errors\n  url: bad\n  events: empty"
        );
        assert_eq!(describe(&errors[..1]), "1 validation error\n  url: bad");
    }

    #[test]
    fn quote_shortens() {
        assert_eq!(quote("a\"b"), "\"a\\\"b\"");
        assert!(quote(&"x".repeat(500)).len() < 100);
    }
}
