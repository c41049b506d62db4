//! Exa's webhook signatures: `Exa-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`, where
//! the HMAC is keyed with the secret's UTF-8 bytes over `"{t}.{raw body}"`.

use aws_lc_rs::{constant_time, hmac};
use std::cell::RefCell;
use std::fmt::Write as _;
use std::io::Write as _;

/// Longer headers are refused before any parsing: a real one is well under 1 KB.
pub const MAX_HEADER_LEN: usize = 8 * 1024;
/// More `key=value` parts than any real header has (several `v1`s during rotation).
pub const MAX_PARTS: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyError {
    Missing,
    Malformed(String),
    NoTimestamp,
    NoSignature,
    /// The timestamp is further than `tolerance` from now, in the past or the future.
    OutsideTolerance {
        age: i64,
        tolerance: i64,
    },
    NoMatch,
}

impl VerifyError {
    /// A stable code for programs (`SignatureVerificationError.reason`).
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Missing => "missing_header",
            Self::Malformed(_) => "malformed_header",
            Self::NoTimestamp => "no_timestamp",
            Self::NoSignature => "no_signature",
            Self::OutsideTolerance { .. } => "timestamp_outside_tolerance",
            Self::NoMatch => "no_matching_signature",
        }
    }

    /// The message for people. Never contains the secret or the payload.
    pub fn message(&self) -> String {
        match self {
            Self::Missing => "the Exa-Signature header is missing or empty".into(),
            Self::Malformed(why) => format!("the Exa-Signature header is malformed: {why}"),
            Self::NoTimestamp => "the Exa-Signature header has no timestamp (t=...)".into(),
            Self::NoSignature => "the Exa-Signature header has no signature (v1=...)".into(),
            Self::OutsideTolerance { age, tolerance } if *age >= 0 => format!(
                "the signature timestamp is {age} s old, more than the tolerance of {tolerance} s \
                 (a replayed or delayed delivery?)"
            ),
            Self::OutsideTolerance { age, tolerance } => format!(
                "the signature timestamp is {} s in the future, more than the tolerance of \
                 {tolerance} s (is a clock wrong?)",
                age.unsigned_abs()
            ),
            Self::NoMatch => "no signature matches: wrong secret, or the body was altered \
                              (verify the raw body, before any JSON parsing)"
                .into(),
        }
    }
}

/// A parsed header: its timestamp and every well-formed `v1` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub timestamp: i64,
    pub signatures: Vec<[u8; 32]>,
}

pub fn parse_header(value: &str) -> Result<Header, VerifyError> {
    if value.len() > MAX_HEADER_LEN {
        return Err(VerifyError::Malformed(format!(
            "longer than {MAX_HEADER_LEN} bytes"
        )));
    }
    if value.trim().is_empty() {
        return Err(VerifyError::Missing);
    }
    let mut timestamp = None;
    let mut signatures = Vec::new();
    let mut saw_v1 = false;
    for (i, part) in value.split(',').enumerate() {
        if i == MAX_PARTS {
            return Err(VerifyError::Malformed(format!(
                "more than {MAX_PARTS} parts"
            )));
        }
        let part = part.trim();
        let Some((key, val)) = part.split_once('=') else {
            return Err(VerifyError::Malformed(format!(
                "part {} is not key=value",
                i + 1
            )));
        };
        match key.trim() {
            "t" => {
                if timestamp.is_some() {
                    return Err(VerifyError::Malformed("more than one timestamp".into()));
                }
                let t = val.trim();
                let valid = !t.is_empty() && t.len() <= 12 && t.bytes().all(|b| b.is_ascii_digit());
                match t.parse::<i64>() {
                    Ok(t) if valid => timestamp = Some(t),
                    _ => {
                        return Err(VerifyError::Malformed(
                            "the timestamp is not a number of seconds".into(),
                        ))
                    }
                }
            }
            "v1" => {
                saw_v1 = true;
                // A v1 that is not 64 hex digits cannot match; it does not void the others.
                if let Some(bytes) = decode_hex32(val.trim()) {
                    signatures.push(bytes);
                }
            }
            _ => {} // other schemes, present or future
        }
    }
    let timestamp = timestamp.ok_or(VerifyError::NoTimestamp)?;
    if !saw_v1 {
        return Err(VerifyError::NoSignature);
    }
    Ok(Header {
        timestamp,
        signatures,
    })
}

fn decode_hex32(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    // A table, not a match: hex digits of a signature are random, so the digit-or-letter
    // branches of a match mispredict about once a character.
    let nibble = |c: u8| HEX_VALUES.get(usize::from(c)).copied().unwrap_or(INVALID);
    let mut out = [0u8; 32];
    let mut seen = 0u8;
    for (byte, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        let [high, low] = pair else { return None };
        let (high, low) = (nibble(*high), nibble(*low));
        seen |= high | low;
        *byte = high << 4 | (low & 0x0f);
    }
    (seen & INVALID == 0).then_some(out)
}

const INVALID: u8 = 0x80;

/// Each byte's value as a hex digit, or `INVALID`.
#[allow(clippy::indexing_slicing)] // evaluated while compiling: out of bounds fails the build
const HEX_VALUES: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut c = 0;
    while c < 10 {
        table[b'0' as usize + c] = c as u8;
        c += 1;
    }
    let mut c = 0;
    while c < 6 {
        table[b'a' as usize + c] = 10 + c as u8;
        table[b'A' as usize + c] = 10 + c as u8;
        c += 1;
    }
    table
};

/// HMAC-SHA256 of `"{timestamp}.{payload}"` keyed with the secret's bytes.
pub fn compute(secret: &[u8], timestamp: i64, payload: &[u8]) -> [u8; 32] {
    let mut prefix = [0u8; 24];
    let mut cursor = &mut prefix[..];
    // An i64 and a period always fit in 24 bytes.
    let _ = write!(cursor, "{timestamp}.");
    let prefix_len = 24 - cursor.len();
    let prefix = prefix.get(..prefix_len).unwrap_or_default();
    with_key(secret, |key| {
        let mut context = hmac::Context::with_key(key);
        context.update(prefix);
        context.update(payload);
        let mut out = [0u8; 32];
        out.copy_from_slice(context.sign().as_ref());
        out
    })
}

/// How many keyed secrets each thread keeps: a receiver verifies with the same one or two
/// (more during a rotation), and keying costs about a sixth of verifying a 2 KB body.
const CACHED_KEYS: usize = 4;

thread_local! {
    static KEYS: RefCell<Vec<(Vec<u8>, hmac::Key)>> = const { RefCell::new(Vec::new()) };
}

fn with_key<R>(secret: &[u8], f: impl FnOnce(&hmac::Key) -> R) -> R {
    KEYS.with_borrow_mut(|keys| {
        if let Some((_, key)) = keys.iter().find(|(cached, _)| cached.as_slice() == secret) {
            return f(key);
        }
        if keys.len() == CACHED_KEYS {
            keys.remove(0);
        }
        let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
        let result = f(&key);
        keys.push((secret.to_vec(), key));
        result
    })
}

/// An `Exa-Signature` header value for `payload`.
pub fn sign(payload: &[u8], secret: &[u8], timestamp: i64) -> String {
    let mac = compute(secret, timestamp, payload);
    let mut header = String::with_capacity(80);
    let _ = write!(header, "t={timestamp},v1=");
    for byte in mac {
        let _ = write!(header, "{byte:02x}");
    }
    header
}

/// Verifies `header` for `payload` with any of `secrets`; returns the signed timestamp.
/// The signature is checked first, so "outside tolerance" always means a genuine delivery
/// that is too old or too new.
pub fn verify(
    payload: &[u8],
    header: &str,
    secrets: &[impl AsRef<[u8]>],
    tolerance: Option<i64>,
    now: i64,
) -> Result<i64, VerifyError> {
    let parsed = parse_header(header)?;
    let matched = secrets.iter().any(|secret| {
        let expected = compute(secret.as_ref(), parsed.timestamp, payload);
        // Every candidate is compared in full, in constant time.
        parsed.signatures.iter().fold(false, |found, candidate| {
            found | constant_time::verify_slices_are_equal(&expected, candidate).is_ok()
        })
    });
    if !matched {
        return Err(VerifyError::NoMatch);
    }
    if let Some(tolerance) = tolerance {
        let age = now.saturating_sub(parsed.timestamp);
        if age.saturating_abs() > tolerance {
            return Err(VerifyError::OutsideTolerance { age, tolerance });
        }
    }
    Ok(parsed.timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"test_webhook_secret";
    const BODY: &[u8] = br#"{"type":"webset.created","data":{"id":"ws_test"}}"#;
    const VECTOR: &str = "9fdca5e9117e0866580d1ea9b0cd4464e71f59df5fb14a0b5a1544006e14bfad";

    #[test]
    fn hex_digits_decode_as_from_str_radix_reads_them() {
        for c in 0..=255u8 {
            for at in [0, 1, 63] {
                let mut text = VECTOR.as_bytes().to_vec();
                text[at] = c;
                let Ok(text) = String::from_utf8(text) else {
                    continue;
                };
                let expected: Option<Vec<u8>> = (0..32)
                    .map(|i| u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok())
                    .collect();
                let expected = expected.filter(|_| !text.contains(['+', '-']));
                assert_eq!(
                    decode_hex32(&text).map(|b| b.to_vec()),
                    expected,
                    "{c} at {at}"
                );
            }
        }
    }

    #[test]
    fn documented_test_vector() {
        assert_eq!(
            sign(BODY, SECRET, 1_234_567_890),
            format!("t=1234567890,v1={VECTOR}")
        );
        let header = format!("t=1234567890,v1={VECTOR}");
        assert_eq!(verify(BODY, &header, &[SECRET], None, 0), Ok(1_234_567_890));
        assert_eq!(
            verify(BODY, &header, &[SECRET], Some(300), 1_234_567_990),
            Ok(1_234_567_890)
        );
    }

    #[test]
    fn the_key_cache_never_mixes_secrets_up() {
        let secrets: Vec<Vec<u8>> = (0..CACHED_KEYS * 2 + 1)
            .map(|i| format!("secret-{i}").into_bytes())
            .collect();
        for _ in 0..3 {
            for secret in &secrets {
                let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
                let fresh = hmac::sign(&key, b"1234567890.body");
                assert_eq!(compute(secret, 1_234_567_890, b"body"), fresh.as_ref());
            }
        }
        assert_eq!(KEYS.with_borrow(Vec::len), CACHED_KEYS);
        assert_eq!(
            compute(b"k", -42, b""),
            hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, b"k"), b"-42.").as_ref()
        );
    }

    #[test]
    fn tampering_and_wrong_secrets_fail() {
        let header = format!("t=1234567890,v1={VECTOR}");
        let tampered = br#"{"type":"webset.created","data":{"id":"ws_evil"}}"#;
        assert_eq!(
            verify(tampered, &header, &[SECRET], None, 0),
            Err(VerifyError::NoMatch)
        );
        assert_eq!(
            verify(BODY, &header, &[b"other"], None, 0),
            Err(VerifyError::NoMatch)
        );
        let shifted = format!("t=1234567891,v1={VECTOR}");
        assert_eq!(
            verify(BODY, &shifted, &[SECRET], None, 0),
            Err(VerifyError::NoMatch)
        );
        assert_eq!(
            verify(BODY, &header, &[] as &[&[u8]], None, 0),
            Err(VerifyError::NoMatch)
        );
    }

    #[test]
    fn several_signatures_and_secrets() {
        let wrong = "0".repeat(64);
        let header = format!(
            "t=1234567890, v1={wrong} ,v0=old,v1=nothex,v1={}",
            VECTOR.to_uppercase()
        );
        assert!(verify(BODY, &header, &[b"rotated-out".as_slice(), SECRET], None, 0).is_ok());
        assert_eq!(
            verify(BODY, &header, &[b"rotated-out".as_slice()], None, 0),
            Err(VerifyError::NoMatch)
        );
    }

    #[test]
    fn tolerance_in_both_directions() {
        let header = sign(BODY, SECRET, 1000);
        assert!(verify(BODY, &header, &[SECRET], Some(300), 1300).is_ok());
        assert!(verify(BODY, &header, &[SECRET], Some(300), 700).is_ok());
        let stale = verify(BODY, &header, &[SECRET], Some(300), 1301).unwrap_err();
        assert_eq!(
            stale,
            VerifyError::OutsideTolerance {
                age: 301,
                tolerance: 300
            }
        );
        assert!(stale.message().contains("301 s old"));
        let future = verify(BODY, &header, &[SECRET], Some(300), 699).unwrap_err();
        assert!(future.message().contains("301 s in the future"));
        assert!(verify(BODY, &header, &[SECRET], None, i64::MAX).is_ok());
    }

    #[test]
    fn header_problems_are_named() {
        let v1 = format!("v1={VECTOR}");
        let cases: Vec<(String, &str)> = vec![
            (String::new(), "missing_header"),
            ("   ".into(), "missing_header"),
            (v1.clone(), "no_timestamp"),
            ("t=1234567890".into(), "no_signature"),
            ("t=1234567890,v0=abc".into(), "no_signature"),
            (format!("t=abc,{v1}"), "malformed_header"),
            (format!("t=-5,{v1}"), "malformed_header"),
            (format!("t=99999999999999999999,{v1}"), "malformed_header"),
            (format!("t=1,t=2,{v1}"), "malformed_header"),
            (format!("t=1234567890;{v1}"), "malformed_header"),
            (format!("garbage,{v1}"), "malformed_header"),
        ];
        for (header, reason) in cases {
            let error = verify(BODY, &header, &[SECRET], None, 0).unwrap_err();
            assert_eq!(error.reason(), reason, "{header:.60}");
            assert!(!error.message().contains("test_webhook_secret"));
        }
        // Valid headers but for the one bound under test: only that bound can refuse them.
        let valid = format!("t=1234567890,{v1}");
        assert!(verify(BODY, &valid, &[SECRET], None, 0).is_ok());
        let long = format!("{valid},x={}", "a".repeat(MAX_HEADER_LEN));
        let many = format!("{valid},{}", vec!["a=b"; MAX_PARTS].join(","));
        for (header, why) in [(long, "longer than"), (many, "more than 64 parts")] {
            let error = verify(BODY, &header, &[SECRET], None, 0).unwrap_err();
            assert_eq!(error.reason(), "malformed_header");
            assert!(error.message().contains(why), "{}", error.message());
        }
        let future = VerifyError::OutsideTolerance {
            age: i64::MIN,
            tolerance: 300,
        };
        assert!(future
            .message()
            .contains("9223372036854775808 s in the future"));
    }
}
