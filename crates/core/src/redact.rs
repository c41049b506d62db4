//! Webhook secrets masked out of the text an error keeps (its body and its message), whatever
//! the status and whether or not the text is JSON: a gateway's 502 may relay a create's answer,
//! and a create's answer cut short is not JSON but still carries the new secret.

use std::borrow::Cow;

pub const MASK: &str = "********";
const KEY: &str = "secret";
/// The quotes other than `"` (and `"` behind backslashes: JSON inside JSON strings) that a
/// `"secret": "..."` pair comes in: HTML-escaped in an error page (as html.escape, Jinja and
/// Django write them), Python's repr.
const QUOTES: [&str; 7] = [
    "&quot;", "&#34;", "&#x22;", "&#39;", "&#x27;", "&apos;", "'",
];
/// The longest key name looked at before its `secret` (`x-webhook-signing-`); a longer one is
/// taken as a bare key.
const MAX_KEY_HEAD: usize = 64;
/// The deepest escaped quote looked at: `"` behind 2^6 - 1 backslashes is JSON six levels
/// deep in JSON strings.
const MAX_ESCAPES: usize = 63;
/// Where an unquoted value (`secret=whsec_...`) ends.
const BARE_END: &[char] = &[',', ';', '&', ')', '}', ']', '<', '>', '"', '\'', '\\'];
/// How far a quoted value after a bare key may run when its quote never closes (`the secret:
/// 'tis ...`): to the end of its line, and no further than this.
const MAX_BARE_QUOTED: usize = 256;

/// `text` with the value of every `secret` key masked: quoted in any of the ways above or not
/// at all (`secret=...`, `Secret: ...`), any case, and keys that end in it (`webhookSecret`,
/// `signing_secret`); JSON that spells its keys with `\u` escapes is read as JSON. Text without
/// one is returned as is, unchanged byte for byte; a value cut off by the end of the text is
/// masked to the end.
pub fn secrets(text: &str) -> Cow<'_, str> {
    let scanned = scan(text);
    if text.contains("\\u") {
        if let Some(walked) = walk_json(&scanned) {
            return Cow::Owned(walked);
        }
    }
    scanned
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn scan(text: &str) -> Cow<'_, str> {
    // ASCII lowercasing keeps every byte where it was, so offsets carry over to `text`.
    let lower = text.to_ascii_lowercase();
    let mut out = String::new();
    let mut copied = 0;
    let mut from = 0;
    while let Some(found) = lower.get(from..).and_then(|rest| rest.find(KEY)) {
        let key_start = from + found;
        let key_end = key_start + KEY.len();
        from = key_end;
        let Some((value_start, value_end)) = value_of(text, key_start, key_end) else {
            continue;
        };
        if let Some(kept) = text.get(copied..value_start) {
            out.push_str(kept);
            out.push_str(MASK);
            copied = value_end;
            from = value_end;
        }
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    Cow::Owned(out)
}

/// The byte range of the value of the key that ends with the `secret` at `key_start` (to
/// `key_end`), if it is a key with a value at all.
fn value_of(text: &str, key_start: usize, key_end: usize) -> Option<(usize, usize)> {
    let after = text.get(key_end..)?;
    if after.starts_with(is_word) {
        return None; // `secretary`, `secret_note`
    }
    // The whole key: `webhookSecret`, `signing_secret`, `x-webhook-secret`, `webhook.secret`.
    // Looked for over a bounded stretch only, as are the backslashes below: each `secret` in a
    // body costs the same however the text before it runs (else 8 MB could take hours).
    let head = text.get(..key_start)?;
    let name = head
        .bytes()
        .rev()
        .take(MAX_KEY_HEAD)
        .take_while(|b| is_word(char::from(*b)) || matches!(b, b'-' | b'.'))
        .count();
    let quote = if name < MAX_KEY_HEAD {
        opening_quote(text.get(..key_start - name)?)
    } else {
        None
    };
    // A quoted key; else (or if that reading finds no value: `"Secret: whsec_..."` is a string
    // that starts with the key) a bare one.
    quote
        .filter(|q| !q.is_empty())
        .and_then(|q| quoted_value(text, after, &q))
        .or_else(|| bare_value(text, after))
}

/// `: "value"` (or ` => 'value'`) after a key quoted with `quote`.
fn quoted_value(text: &str, after: &str, quote: &str) -> Option<(usize, usize)> {
    let rest = separator(after.strip_prefix(quote)?)?;
    // Its own quote first; Python's repr may quote the value the other way.
    let value_quote = std::iter::once(quote)
        .chain(["\"", "'"])
        .chain(QUOTES)
        .find(|q| rest.starts_with(q))?;
    let value = &rest[value_quote.len()..];
    let start = text.len() - value.len();
    Some((start, start + value_len(value, value_quote)))
}

/// `=value`, `: value`, `= 'value'`, `: \"value\"` after a bare key (`webhook[secret]` and its
/// URL-encoded twin too).
fn bare_value(text: &str, after: &str) -> Option<(usize, usize)> {
    let after = after
        .strip_prefix(']')
        .or_else(|| {
            after
                .get(..3)
                .filter(|s| s.eq_ignore_ascii_case("%5d"))
                .map(|_| &after[3..])
        })
        .unwrap_or(after);
    let rest =
        separator(after).or_else(|| after.trim_start().strip_prefix('=').map(str::trim_start))?;
    let escaped = backslashes(rest.bytes(), MAX_ESCAPES + 1);
    let value_quote = if rest[escaped..].starts_with('"') && escaped <= MAX_ESCAPES {
        Some(&rest[..=escaped])
    } else {
        ["'"]
            .into_iter()
            .chain(QUOTES)
            .find(|q| rest.starts_with(q))
    };
    if let Some(value_quote) = value_quote {
        let value = &rest[value_quote.len()..];
        let start = text.len() - value.len();
        // An apostrophe, say, that no quote closes: the line, at most.
        let line = value.find(['\n', '\r']).unwrap_or(value.len());
        let bound = floor_char_boundary(value, line.min(MAX_BARE_QUOTED));
        let len = value_len(&value[..bound], value_quote);
        return Some((start, start + len));
    }
    let start = text.len() - rest.len();
    let len = rest
        .find(|c: char| c.is_whitespace() || BARE_END.contains(&c))
        .unwrap_or(rest.len());
    (len > 0).then_some((start, start + len))
}

/// What follows `:` or `=>` (and the spaces around them), if `rest` starts with one.
fn separator(rest: &str) -> Option<&str> {
    let rest = rest.trim_start();
    rest.strip_prefix(':')
        .or_else(|| rest.strip_prefix("=>"))
        .map(str::trim_start)
}

/// The largest char boundary of `text` at or below `at`.
fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The quote that ends `before` (and so opens the key after it), "" for none, None for one
/// escaped more deeply than any text nests JSON.
fn opening_quote(before: &str) -> Option<String> {
    if let Some(unquoted) = before.strip_suffix('"') {
        let slashes = backslashes(unquoted.bytes().rev(), MAX_ESCAPES + 1);
        return (slashes <= MAX_ESCAPES).then(|| format!("{}\"", "\\".repeat(slashes)));
    }
    Some(
        QUOTES
            .iter()
            .find(|q| before.ends_with(*q))
            .map_or_else(String::new, |q| (*q).to_owned()),
    )
}

/// How many backslashes `bytes` starts with, counting no further than `limit`.
fn backslashes(bytes: impl Iterator<Item = u8>, limit: usize) -> usize {
    bytes.take(limit).take_while(|b| *b == b'\\').count()
}

/// Bytes up to the quote that closes `value` (or all of it, if cut off).
fn value_len(value: &str, quote: &str) -> usize {
    let Some(slashes) = quote.strip_suffix('"').map(str::len) else {
        return value.find(quote).unwrap_or(value.len());
    };
    // Escaped behind `slashes` backslashes (2^d - 1, d levels deep): the closing quote has
    // exactly that many before it beyond whole escaped backslashes, each 2 * (slashes + 1) of
    // them; any other run escapes a quote inside the value. Every run is counted once.
    let mut run_end = 0;
    for (i, _) in value.match_indices('"') {
        let run = backslashes(value[run_end..i].bytes().rev(), usize::MAX);
        run_end = i + 1;
        if run >= slashes && (run - slashes) % (2 * (slashes + 1)) == 0 {
            return i - slashes;
        }
    }
    value.len()
}

/// `text` read as JSON, with every secret-named key's string value masked and every string
/// redacted as text; None if it is not JSON or nothing changed.
fn walk_json(text: &str) -> Option<String> {
    let mut value: serde_json::Value = serde_json::from_str(text).ok()?;
    mask(&mut value).then(|| value.to_string())
}

fn mask(value: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut changed = false;
            for (key, item) in map.iter_mut() {
                let named = key.to_ascii_lowercase().ends_with(KEY);
                if named && item.is_string() {
                    // Already masked by the scan: no change, so the text is kept as it was.
                    if item.as_str() != Some(MASK) {
                        *item = Value::String(MASK.to_owned());
                        changed = true;
                    }
                } else {
                    changed |= mask(item);
                }
            }
            changed
        }
        Value::Array(items) => {
            let mut changed = false;
            for item in items {
                changed |= mask(item);
            }
            changed
        }
        Value::String(text) => match secrets(text) {
            Cow::Owned(redacted) => {
                *text = redacted;
                true
            }
            Cow::Borrowed(_) => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_at_any_depth_and_cut_short() {
        let value = json!({"secret": "whsec_1", "data": [{"secret": "wh\"sec_2", "n": 1}],
                           "secret_note": "x", "other": {"secret": null}});
        for text in [
            value.to_string(),
            serde_json::to_string_pretty(&value).unwrap(),
        ] {
            let redacted = secrets(&text);
            assert!(
                !redacted.contains("whsec_1") && !redacted.contains("sec_2"),
                "{redacted}"
            );
            let back: serde_json::Value = serde_json::from_str(&redacted).unwrap();
            assert_eq!(back["data"][0]["secret"], MASK);
            assert_eq!(back["secret_note"], "x");
            assert_eq!(back["other"]["secret"], serde_json::Value::Null);
        }
        let cut = r#"{"id":"webhook_1","secret" : "whsec_A\"B", "n":{"secret":"whsec_C"#;
        assert_eq!(
            secrets(cut),
            r#"{"id":"webhook_1","secret" : "********", "n":{"secret":"********"#
        );
    }

    #[test]
    fn quoted_in_other_ways() {
        let nested = r#"{"error": "upstream said {\"id\":\"w\",\"secret\":\"whsec_N\"}"}"#;
        assert_eq!(
            secrets(nested),
            r#"{"error": "upstream said {\"id\":\"w\",\"secret\":\"********\"}"}"#
        );
        let html = "<pre>{&quot;secret&quot;: &quot;whsec_H&quot;}</pre>";
        assert_eq!(
            secrets(html),
            "<pre>{&quot;secret&quot;: &quot;********&quot;}</pre>"
        );
        assert_eq!(secrets("{'secret': 'whsec_P'}"), "{'secret': '********'}");
    }

    #[test]
    fn escaped_any_number_of_times() {
        let once = serde_json::to_string(&json!({"id": "w", "secret": "whsec_\"1"})).unwrap();
        let twice = serde_json::to_string(&json!({"error": once})).unwrap();
        let thrice = serde_json::to_string(&json!({"detail": twice})).unwrap();
        for text in [&once, &twice, &thrice] {
            let redacted = secrets(text);
            assert!(!redacted.contains("whsec"), "{redacted}");
            assert!(redacted.contains(MASK), "{redacted}");
        }
        // Still JSON, and the same JSON but for the value.
        let back: serde_json::Value = serde_json::from_str(&secrets(&thrice)).unwrap();
        let twice_back: serde_json::Value =
            serde_json::from_str(back["detail"].as_str().unwrap()).unwrap();
        let once_back: serde_json::Value =
            serde_json::from_str(twice_back["error"].as_str().unwrap()).unwrap();
        assert_eq!(once_back, json!({"id": "w", "secret": MASK}));
    }

    #[test]
    fn keys_spelled_with_unicode_escapes() {
        let text = r#"{"id": "w", "\u0073ecret": "whsec_U", "n": 1.50}"#;
        assert_eq!(secrets(text), r#"{"id":"w","secret":"********","n":1.50}"#);
        let inner = r#"{"error": "{\"s\\u0065cret\": \"whsec_V\"}"}"#;
        assert!(!secrets(inner).contains("whsec_V"), "{}", secrets(inner));
    }

    #[test]
    fn unquoted_any_case_and_named_keys() {
        for (text, want) in [
            ("secret=whsec_A&x=1", "secret=********&x=1"),
            ("bad secret: whsec_B, retry", "bad secret: ********, retry"),
            ("Secret = 'whsec_C' (kept)", "Secret = '********' (kept)"),
            (
                "X-Webhook-Secret: whsec_D\nnext",
                "X-Webhook-Secret: ********\nnext",
            ),
            (
                r#"{"webhookSecret": "whsec_E"}"#,
                r#"{"webhookSecret": "********"}"#,
            ),
            (
                r#"{"top_secret": "whsec_F"}"#,
                r#"{"top_secret": "********"}"#,
            ),
            ("SECRET=whsec_G", "SECRET=********"),
        ] {
            assert_eq!(secrets(text), want, "{text}");
        }
    }

    /// Pieces of every form above, put together at random: never a panic, never a masked
    /// value where no key is, the same text where no key is at all.
    #[test]
    fn any_mix_of_pieces() {
        let pieces = [
            "secret", "Secret", "\"", "\\", "\\\"", "'", "&quot;", ":", "=", " ", "whsec_x",
            "\\u0073", "{", "}", "[", "]", ",", "é", "ü\"", "null", "5", "_", "-", "\n",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) as usize
        };
        let mut masked = 0;
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..next() % 12 {
                text.push_str(pieces[next() % pieces.len()]);
            }
            let redacted = secrets(&text);
            if !text.to_ascii_lowercase().contains("secret") && !text.contains("\\u") {
                assert_eq!(redacted, text);
            }
            masked += usize::from(redacted.contains(MASK) && !text.contains(MASK));
        }
        // The mix does make keys with values, often enough for the test to mean something.
        assert!(masked > 100, "{masked}");
    }

    /// Shapes a review found leaking (or garbled) in the first cut of this scan.
    #[test]
    fn shapes_from_the_review() {
        for (text, want) in [
            (
                r#"{"error": "Secret: whsec_A"}"#,
                r#"{"error": "Secret: ********"}"#,
            ),
            (
                r#"{"message": "secret=whsec_B is not valid"}"#,
                r#"{"message": "secret=******** is not valid"}"#,
            ),
            (
                "<pre>{&#39;secret&#39;: &#39;whsec_C&#39;}</pre>",
                "<pre>{&#39;secret&#39;: &#39;********&#39;}</pre>",
            ),
            (
                "{&#x27;secret&#x27;: &#x27;whsec_D&#x27;}",
                "{&#x27;secret&#x27;: &#x27;********&#x27;}",
            ),
            (
                r#"{"error":"bad value for secret: \"whsec_E\""}"#,
                r#"{"error":"bad value for secret: \"********\""}"#,
            ),
            (
                "secret = &quot;whsec_F&quot;",
                "secret = &quot;********&quot;",
            ),
            (r#"{"secret"=>"whsec_G"}"#, r#"{"secret"=>"********"}"#),
            (
                "array('secret' => 'whsec_H')",
                "array('secret' => '********')",
            ),
            (
                "webhook[secret]=whsec_I&a=1",
                "webhook[secret]=********&a=1",
            ),
            (
                "webhook%5Bsecret%5D=whsec_J&a=1",
                "webhook%5Bsecret%5D=********&a=1",
            ),
            (
                r#"{"webhook.secret": "whsec_K"}"#,
                r#"{"webhook.secret": "********"}"#,
            ),
            (r#"{'secret': "whsec_L"}"#, r#"{'secret': "********"}"#),
            (
                &format!("{}_secret=whsec_M", "x".repeat(70)),
                &format!("{}_secret=********", "x".repeat(70)),
            ),
            // An apostrophe no quote closes: the mask stops at the end of its line.
            (
                "the secret: 'tis lost\n{\"secret\":\"whsec_N\"} tail",
                "the secret: '********\n{\"secret\":\"********\"} tail",
            ),
            // A value of JSON-in-JSON ending in a backslash: closed at the right quote.
            (
                r#"{"e": "{\"secret\":\"whsec_O\\\\\",\"id\":\"w\"}"}"#,
                r#"{"e": "{\"secret\":\"********\",\"id\":\"w\"}"}"#,
            ),
        ] {
            assert_eq!(secrets(text), want, "{text}");
        }
        // Masked by the scan already: the JSON reading leaves the text as it was.
        let pretty = "{\n  \"secret\": \"whsec_P\",\n  \"note\": \"caf\\u00e9\"\n}";
        assert_eq!(
            secrets(pretty),
            "{\n  \"secret\": \"********\",\n  \"note\": \"caf\\u00e9\"\n}"
        );
    }

    /// Each of these took time quadratic in its length before the look-backs were bounded.
    #[test]
    fn long_runs_before_keys_cost_linear_time() {
        let n = 400_000;
        for text in [
            format!("{}{}", "a".repeat(n), "secret-".repeat(n / 7)),
            format!("{}\"secret\": {}", "\\".repeat(n), "\"".repeat(n)),
            format!("\\\"secret\\\": \\\"{}", "\\\\\"".repeat(n / 4)),
        ] {
            let _ = secrets(&text);
        }
    }

    #[test]
    fn other_text_is_left_alone() {
        for text in [
            r#"<html>"secret" is a word; "secret": 5</html>"#,
            "no secrets here",
            r#"{"secretary": "x", "secret_note": "y", "secrets": 2}"#,
            "secret: ",
            "a secret = ;",
            "ends with \"secret",
            "ünïcödé \"secret\":",
            "",
        ] {
            assert!(
                matches!(secrets(text), Cow::Borrowed(t) if t == text),
                "{text}"
            );
        }
    }
}
