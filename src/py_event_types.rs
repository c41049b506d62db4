//! The event type names for Python: `EventType`'s error for a name it does not know.

use pyo3::prelude::*;

/// `unknown event type "x"; did you mean "y"?`, worded as every other refusal of a name.
#[pyfunction]
pub fn unknown_event_type(name: &str) -> String {
    crate::validation::unknown_event_type(name)
}
