//! Exa's Events endpoints: `GET /websets/v0/events` and `GET /websets/v0/events/{id}`.

use super::event_store::{EventFilter, Key};
use super::routes::Answer;
use super::store::State;
use exa_webhooks_core::timefmt;
use exa_webhooks_core::validation::{self, FieldError};
use hyper::{Method, StatusCode};
use serde_json::{json, Value};

pub const EVENTS_PATH: &str = "/websets/v0/events";
const DEFAULT_LIMIT: usize = 25;
const CURSOR_PREFIX: &str = "evc_";
/// Cursors are opaque; the mask keeps them from reading as a time and a counter.
const CURSOR_MASK: u64 = 0x3C6E_F372_FE94_F82B;

fn encode_cursor((at, seq): Key) -> String {
    // The time's bits as they are: a backdated event may be before 1970.
    let at = at as u64;
    format!(
        "{CURSOR_PREFIX}{:016x}{:016x}",
        at ^ CURSOR_MASK,
        seq ^ CURSOR_MASK.rotate_left(32)
    )
}

fn decode_cursor(cursor: &str) -> Option<Key> {
    let hex = cursor.strip_prefix(CURSOR_PREFIX)?;
    if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let at = u64::from_str_radix(hex.get(..16)?, 16).ok()? ^ CURSOR_MASK;
    let seq = u64::from_str_radix(hex.get(16..)?, 16).ok()? ^ CURSOR_MASK.rotate_left(32);
    Some((at as i64, seq))
}

/// `rest` is what follows `/websets/v0/events` in the path; `None`: not an events route.
pub fn route(state: &State, method: &Method, rest: &str, query: &str) -> Option<Answer> {
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None; // `/websets/v0/eventsfoo`
    }
    let segments: Vec<String> = rest
        .split('/')
        .skip(1)
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    match (method, segments.as_slice()) {
        (&Method::GET, []) => Some(list(state, query)),
        (&Method::GET, [id]) => Some(get(state, id)),
        _ => None,
    }
}

fn get(state: &State, id: &str) -> Answer {
    match state.events().get(id) {
        Some(event) => Answer::ok(event.to_json()),
        None => Answer::error(
            StatusCode::NOT_FOUND,
            format!("Event not found: {}", validation::quote(id)),
            "NOT_FOUND",
        ),
    }
}

struct Query {
    filter: EventFilter,
    cursor: Option<Key>,
    limit: usize,
}

fn time(field: &str, value: &str, errors: &mut Vec<FieldError>) -> Option<i64> {
    let parsed = timefmt::parse_rfc3339(value).map(|dt| dt.unix_micros());
    if parsed.is_none() {
        errors.push(FieldError::new(
            field,
            format!(
                "must be an ISO 8601 date-time such as 2025-01-31T12:00:00Z, got {}",
                validation::quote(value)
            ),
        ));
    }
    parsed
}

fn parse_query(query: &str, errors: &mut Vec<FieldError>) -> Query {
    let mut parsed = Query {
        filter: EventFilter::default(),
        cursor: None,
        limit: DEFAULT_LIMIT,
    };
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            // The spec types it as a number: 2.0 is 2; a fraction is rounded down.
            "limit" => match value.trim().parse::<f64>() {
                Ok(n)
                    if n.is_finite() && (1.0..=validation::MAX_PAGE_LIMIT as f64).contains(&n) =>
                {
                    parsed.limit = n as usize;
                }
                _ => errors.push(FieldError::new(
                    "limit",
                    format!("must be a number from 1 to {}", validation::MAX_PAGE_LIMIT),
                )),
            },
            "cursor" => match decode_cursor(&value) {
                Some(key) => parsed.cursor = Some(key),
                None => errors.push(FieldError::new("cursor", "is not a valid cursor")),
            },
            // exa-py repeats `types=`; other clients send `types[]=` or a comma-separated list.
            "types" | "types[]" => {
                for name in value.split(',') {
                    validation::validate_event_type("types", name, errors);
                    parsed.filter.types.push(name.to_owned());
                }
            }
            "createdAfter" => parsed.filter.created_after = time("createdAfter", &value, errors),
            "createdBefore" => parsed.filter.created_before = time("createdBefore", &value, errors),
            _ => {}
        }
    }
    parsed
}

fn list(state: &State, query: &str) -> Answer {
    let mut errors = Vec::new();
    let query = parse_query(query, &mut errors);
    if !errors.is_empty() {
        return super::routes::invalid_query(&errors);
    }
    let listing = state
        .events()
        .list(&query.filter, query.cursor, query.limit);
    let data: Vec<Value> = listing.items.iter().map(|e| e.to_json()).collect();
    Answer::ok(json!({
        "data": data,
        "hasMore": listing.next.is_some(),
        "nextCursor": listing.next.map(encode_cursor),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_junk() {
        for key in [(0, 1), (-1, 7), (i64::MAX, u64::MAX), (i64::MIN, 0)] {
            let cursor = encode_cursor(key);
            assert!(cursor.starts_with(CURSOR_PREFIX));
            assert_eq!(decode_cursor(&cursor), Some(key), "{cursor}");
        }
        for bad in [
            "",
            "evc_",
            "evc_xyz",
            "cur_0000000000000000",
            &"f".repeat(36),
        ] {
            assert_eq!(decode_cursor(bad), None, "{bad}");
        }
        let plus = format!("evc_+{}", "0".repeat(31));
        assert_eq!(decode_cursor(&plus), None);
    }

    #[test]
    fn queries_are_checked_as_exa_does() {
        let mut errors = Vec::new();
        let query = parse_query(
            "types=webset.created&types[]=webset.idle,import.created&limit=2.0\
             &createdAfter=2025-01-01T00:00:00Z&createdBefore=2025-01-01T01:00:00%2B01:00",
            &mut errors,
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(query.limit, 2);
        assert_eq!(
            query.filter.types,
            ["webset.created", "webset.idle", "import.created"]
        );
        assert_eq!(query.filter.created_after, query.filter.created_before);

        let mut errors = Vec::new();
        parse_query(
            "types=webset.completed&limit=0&limit=201&limit=x&createdAfter=yesterday&cursor=c",
            &mut errors,
        );
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["types", "limit", "limit", "limit", "createdAfter", "cursor"]
        );
        assert!(errors[0].message.contains("webset.idle"));
    }
}
