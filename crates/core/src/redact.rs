//! Webhook secrets masked out of the text an error keeps (its body and its message), whatever
//! the status and whether or not the text is JSON: a gateway's 502 may relay a create's answer,
//! and a create's answer cut short is not JSON but still carries the new secret.

use std::borrow::Cow;

pub const MASK: &str = "********";
const KEY: &str = "secret";
/// The quotes a `"secret": "..."` pair comes in: JSON, JSON inside a JSON string,
/// HTML-escaped JSON in an error page, Python's repr.
const QUOTES: [&str; 5] = ["\"", "\\\"", "&quot;", "&#34;", "'"];

/// `text` with the value of every quoted `secret` key masked. Text without one is returned
/// as is, unchanged byte for byte; a value cut off by the end of the text is masked to the end.
pub fn secrets(text: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut copied = 0;
    let mut from = 0;
    while let Some(found) = text.get(from..).and_then(|rest| rest.find(KEY)) {
        let key_start = from + found;
        let key_end = key_start + KEY.len();
        from = key_end;
        let (Some(before), Some(after)) = (text.get(..key_start), text.get(key_end..)) else {
            continue;
        };
        let Some(quote) = QUOTES
            .iter()
            .find(|q| before.ends_with(*q) && after.starts_with(*q))
        else {
            continue;
        };
        let Some(value) = after
            .get(quote.len()..)
            .map(str::trim_start)
            .and_then(|rest| rest.strip_prefix(':'))
            .map(str::trim_start)
            .and_then(|rest| rest.strip_prefix(quote))
        else {
            continue;
        };
        let value_start = text.len() - value.len();
        let value_end = value_start + value_len(value, quote);
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

/// Bytes up to the quote that closes `value` (or all of it, if cut off).
fn value_len(value: &str, quote: &str) -> usize {
    if quote != "\"" {
        return value.find(quote).unwrap_or(value.len());
    }
    let mut escaped = false;
    for (i, c) in value.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return i,
            _ => {}
        }
    }
    value.len()
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
    fn other_text_is_left_alone() {
        for text in [
            r#"<html>"secret" is a word; "secret": 5</html>"#,
            "no secrets here",
            r#"{"secretary": "x", "top_secret": "y"}"#,
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
