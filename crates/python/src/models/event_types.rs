//! The event type names for Python: `EventType`'s error for a name it does not know.

use pyo3::prelude::*;

/// `unknown event type "x"; did you mean "y"?`, worded as every other refusal of a name.
#[pyfunction]
pub fn unknown_event_type(name: &str) -> String {
    exa_webhooks_core::validation::unknown_event_type(name)
}

/// A plausible resource for an event of `event_type` (a Webset for `webset.*`, a WebsetItem
/// for `webset.item.*`, ...), as `ExaServer.emit` delivers by default; fresh ids each time.
#[pyfunction]
pub fn default_event_data<'py>(py: Python<'py>, event_type: &str) -> PyResult<Bound<'py, PyAny>> {
    let mut errors = Vec::new();
    exa_webhooks_core::validation::validate_event_type("event_type", event_type, &mut errors);
    crate::errors::check(py, errors)?;
    let now = exa_webhooks_core::timefmt::format_millis(exa_webhooks_core::timefmt::now_millis());
    let data = exa_webhooks_server::resources::default_data(event_type, &random_id, &now);
    crate::convert::from_json(py, &data)
}

/// `prefix` and 24 random characters of `[a-z0-9]`, like Exa's ids.
pub fn random_id(prefix: &str) -> String {
    const ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; 24];
    // Ids of samples need no strength; a failed read leaves zeros, still a valid id.
    let _ = getrandom::fill(&mut bytes);
    let tail: String = bytes
        .iter()
        .map(|b| char::from(ALPHABET.get(usize::from(*b) % 36).copied().unwrap_or(b'a')))
        .collect();
    format!("{prefix}{tail}")
}
