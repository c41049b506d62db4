//! The Events API's arguments from Python, every problem collected before any I/O.
//! `NativeClient.list_events` and `get_event` (in `client::native`) call these.

use crate::convert;
use exa_webhooks_core::models::EventQuery;
use exa_webhooks_core::timefmt;
use exa_webhooks_core::validation::{self, FieldError};
use pyo3::prelude::*;
use serde_json::Value;

/// The event types to filter on: a list, as `events` is everywhere else (a bare string is
/// refused, unknown names get a suggestion, no duplicates, at least one).
fn types(obj: &Bound<'_, PyAny>, errors: &mut Vec<FieldError>) -> Vec<String> {
    let before = errors.len();
    let names = convert::events(obj, errors);
    if let Some(names) = &names {
        validation::validate_partial_events(names, errors);
    }
    // The shared checks name the argument `events`: here it is `types`.
    for error in errors.iter_mut().skip(before) {
        if let Some(rest) = error.field.strip_prefix("events") {
            error.field = format!("types{rest}");
        }
    }
    names.map_or_else(Vec::new, |n| n.into_iter().flatten().collect())
}

/// A bound of the time window: a timezone-aware `datetime` or an RFC 3339 `str`, as
/// microseconds since the epoch. Naive datetimes and unparseable strings are refused.
pub fn bound(field: &str, obj: &Bound<'_, PyAny>, errors: &mut Vec<FieldError>) -> Option<i64> {
    let before = errors.len();
    let Value::String(text) = convert::timestamp_arg(field, obj, errors) else {
        return None;
    };
    if errors.len() > before {
        return None;
    }
    match timefmt::parse_rfc3339(&text) {
        Some(dt) => Some(dt.unix_micros()),
        None => {
            // A datetime whose offset has seconds (`+05:30:15`) is not RFC 3339.
            let message = format!("is not an RFC 3339 date-time: {}", validation::quote(&text));
            errors.push(FieldError::new(field, message));
            None
        }
    }
}

fn given<'a, 'py>(obj: Option<&'a Bound<'py, PyAny>>) -> Option<&'a Bound<'py, PyAny>> {
    obj.filter(|o| !o.is_none())
}

/// The filters of `list_events`; `limit` and `cursor` are checked by the caller, as for the
/// other listings. Times are sent in UTC, as the API documents them.
pub fn event_query(
    types_arg: Option<&Bound<'_, PyAny>>,
    created_after: Option<&Bound<'_, PyAny>>,
    created_before: Option<&Bound<'_, PyAny>>,
    errors: &mut Vec<FieldError>,
) -> EventQuery {
    let types = given(types_arg)
        .map(|t| types(t, errors))
        .unwrap_or_default();
    let after = given(created_after).and_then(|a| bound("created_after", a, errors));
    let before = given(created_before).and_then(|b| bound("created_before", b, errors));
    if let (Some(a), Some(b)) = (after, before) {
        if a > b {
            errors.push(FieldError::new(
                "created_after",
                format!(
                    "is later than created_before ({} > {}): no event can match",
                    timefmt::format_micros(a),
                    timefmt::format_micros(b)
                ),
            ));
        }
    }
    EventQuery {
        types,
        created_after: after.map(timefmt::format_micros),
        created_before: before.map(timefmt::format_micros),
        limit: None,
        cursor: None,
    }
}

/// An event id goes into the URL path: checked like a webhook id.
pub fn event_id(obj: &Bound<'_, PyAny>, errors: &mut Vec<FieldError>) -> String {
    let id = convert::string("event_id", obj, errors);
    if let Some(id) = &id {
        validation::validate_event_id(id, errors);
    }
    id.unwrap_or_default()
}
